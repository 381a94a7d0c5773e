//! Service validation: the API server's `ValidateService` rules (§2), run on one
//! Service as ingest read it.
//!
//! Every problem becomes a [`Diagnostic`] with a stable `service-*` code, the field
//! path the user wrote and the line it is on. Checking never stops at the first
//! problem, and no input can make it panic.
//!
//! Three kinds of rule are deliberately left to others:
//! - values ingest could not read at all (an unknown `type`, traffic policy,
//!   session affinity, traffic distribution or protocol, and `clusterIP` that
//!   disagrees with `clusterIPs[0]`) are already reported by `ingest`;
//! - allocation (ranges, and conflicts between Services) is §3, not validation;
//! - update rules (`ValidateServiceUpdate`) compare two versions of an object,
//!   and a manifest is a single snapshot.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::cidr::Cidr;
use super::diag::{Diagnostic, Severity};
use super::golang::quote::go_quote;
use super::k8s_names::{
    dns1035_label_problems, dns1123_label_problems, dns1123_subdomain_problems, port_name_problems,
};
use super::model::{PortRef, Protocol, Service, ServiceType, SessionAffinity, TrafficPolicy};
use super::selector::{is_label_key, is_label_value};
use super::text;

/// The annotation that predates `spec.loadBalancerSourceRanges` and is still honored
/// when the field is empty.
pub const LOAD_BALANCER_SOURCE_RANGES_ANNOTATION: &str =
    "service.beta.kubernetes.io/load-balancer-source-ranges";

/// `MaxClientIPServiceAffinitySeconds`: the longest ClientIP affinity timeout, one day.
pub const MAX_SESSION_AFFINITY_TIMEOUT_SECONDS: i64 = 86_400;

/// `DefaultClientIPServiceAffinitySeconds`, filled in by defaulting.
pub const DEFAULT_SESSION_AFFINITY_TIMEOUT_SECONDS: i64 = 10_800;

/// Checks one Service against every rule of §2 and appends what it finds.
///
/// The Service is taken as ingest produced it: defaults are applied, so rules that
/// defaulting always satisfies (a required `type`, `protocol`, `sessionAffinity`,
/// `internalTrafficPolicy`, `externalTrafficPolicy` or
/// `allocateLoadBalancerNodePorts`) cannot fail here and are not checked.
pub fn validate_service(service: &Service, diagnostics: &mut Vec<Diagnostic>) {
    let mut report = Report {
        service,
        object: format!("Service/{}/{}", service.meta.namespace, service.meta.name),
        diagnostics,
    };
    check_name(&mut report);
    check_ports(&mut report);
    check_node_ports(&mut report);
    check_headless_type(&mut report);
    if service.spec.service_type == ServiceType::ExternalName {
        check_external_name(&mut report);
    } else {
        // `ValidateServiceClusterIPsRelatedFields` returns early for ExternalName:
        // those fields must simply be unset there, which `check_external_name` covers.
        check_cluster_ips(&mut report);
        check_ip_families(&mut report);
    }
    check_selector(&mut report);
    check_session_affinity(&mut report);
    check_external_ips(&mut report);
    check_load_balancer_source_ranges(&mut report);
    check_load_balancer_fields(&mut report);
    check_external_traffic_fields(&mut report);
}

/// Collects diagnostics for one Service, each pointed at the line of its field.
struct Report<'a> {
    service: &'a Service,
    object: String,
    diagnostics: &'a mut Vec<Diagnostic>,
}

impl Report<'_> {
    fn add(&mut self, severity: Severity, code: &'static str, field: &str, message: String) {
        let source = self.service.meta.field_source(field);
        self.diagnostics.push(
            Diagnostic::new(code, severity, message)
                .object(self.object.clone())
                .field(field)
                .at(source),
        );
    }

    fn error(&mut self, code: &'static str, field: &str, message: String) {
        self.add(Severity::Error, code, field, message);
    }

    /// Whether the manifest wrote `field` with a non-null value. Ingest records the
    /// position of every field it reads, and the model does not keep presence for
    /// every field (`clusterIP` next to `clusterIPs`, `sessionAffinityConfig`).
    fn was_written(&self, field: &str) -> bool {
        self.service.meta.field_positions.contains_key(field)
    }
}

// ---------------------------------------------------------------------------
// metadata.name
// ---------------------------------------------------------------------------

fn check_name(report: &mut Report) {
    let name = &report.service.meta.name;
    let problems = dns1035_label_problems(name);
    if !problems.is_empty() {
        report.error(
            "service-name-invalid",
            "metadata.name",
            format!(
                "The Service name {} is not valid: {}. A Service name becomes a DNS label, so it must be a DNS-1035 label. Rename it using at most 63 lowercase letters, digits and '-', starting with a letter.",
                go_quote(name),
                problems.join("; ")
            ),
        );
    }
}

// ---------------------------------------------------------------------------
// spec.ports
// ---------------------------------------------------------------------------

fn check_ports(report: &mut Report) {
    let service = report.service;
    let spec = &service.spec;
    let port_paths = port_paths(service);
    // Kubernetes counts every entry written, including any that ingest had to drop.
    let n_ports = n_written_ports(service).max(spec.ports.len());
    let headless = is_headless(service);

    if n_ports == 0 && !headless && spec.service_type != ServiceType::ExternalName {
        report.error(
            "service-ports-required",
            "spec.ports",
            "`spec.ports` is empty (Kubernetes: \"spec.ports: Required value\"). Add at least one port; only a headless Service (`clusterIP: None`) or an ExternalName Service may have none.".to_string(),
        );
    }

    // A Service has a handful of ports: short lists, searched in order.
    let mut first_path_by_name: Vec<(&str, &str)> = Vec::new();
    let mut first_path_by_port: Vec<((Protocol, i64), &str)> = Vec::new();
    for (service_port, path) in spec.ports.iter().zip(&port_paths) {
        let name = service_port.name.as_deref().unwrap_or("");
        if name.is_empty() {
            if n_ports > 1 {
                report.error(
                    "service-port-name-required",
                    &format!("{path}.name"),
                    format!(
                        "`{path}` has no `name`, which is required when a Service has more than one port (Kubernetes: \"Required value\"). Give each port a unique name, e.g. `name: http`."
                    ),
                );
            }
        } else {
            let problems = dns1123_label_problems(name);
            if !problems.is_empty() {
                report.error(
                    "service-port-name-invalid",
                    &format!("{path}.name"),
                    format!(
                        "The port name {} is not valid: {}. Use at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit.",
                        go_quote(name),
                        problems.join("; ")
                    ),
                );
            }
            match first_path(&first_path_by_name, &name) {
                Some(first_path) => report.error(
                    "service-port-name-duplicate",
                    &format!("{path}.name"),
                    format!(
                        "The port name \"{name}\" is already used by `{first_path}` (Kubernetes: \"Duplicate value\"). Port names must be unique within a Service; rename one of them."
                    ),
                ),
                None => {
                    first_path_by_name.push((name, path));
                }
            }
        }

        if !is_port_number(service_port.port) {
            report.error(
                "service-port-out-of-range",
                &format!("{path}.port"),
                format!("`{path}.port` is {}; it must be between 1 and 65535, inclusive. Use the port number clients connect to.", service_port.port),
            );
        }

        let target_port_field = [path.as_str(), ".targetPort"].concat();
        // An absent or zero targetPort was defaulted to `port`; when that is out of
        // range, the port error above already says so.
        let target_port_is_defaulted_bad_port = service_port.target_port
            == PortRef::Number(service_port.port)
            && !is_port_number(service_port.port);
        let target_port_valid = match &service_port.target_port {
            PortRef::Number(_) if target_port_is_defaulted_bad_port => false,
            PortRef::Number(number) if !is_port_number(*number) => {
                report.error(
                    "service-target-port-out-of-range",
                    &target_port_field,
                    format!(
                        "`{target_port_field}` is {number}; it must be between 1 and 65535, inclusive. Use the container's port number, or the name of a container port."
                    ),
                );
                false
            }
            PortRef::Name(port_name) => {
                let problems = port_name_problems(port_name);
                if !problems.is_empty() {
                    let hint = if !port_name.is_empty()
                        && port_name.bytes().all(|byte| byte.is_ascii_digit())
                    {
                        format!(" A quoted number is a name to Kubernetes; to mean port {port_name}, write it without quotes.")
                    } else {
                        String::new()
                    };
                    report.error(
                        "service-target-port-name-invalid",
                        &target_port_field,
                        format!(
                            "`{target_port_field}` {} is not a valid port name (IANA_SVC_NAME): {}. A named targetPort must match the `name` of a container port: at most 15 characters of a-z, 0-9 and '-', with at least one letter.{hint}",
                            go_quote(port_name),
                            problems.join("; ")
                        ),
                    );
                }
                problems.is_empty()
            }
            PortRef::Number(_) => true,
        };

        if let Some(app_protocol) = &service_port.app_protocol {
            if let Err(problems) = is_label_key(app_protocol) {
                report.error(
                    "service-app-protocol-invalid",
                    &format!("{path}.appProtocol"),
                    format!(
                        "`{path}.appProtocol` {} is not a qualified name: {problems}. Use a standard name such as `http`, `https`, `h2c` or `kubernetes.io/ws`, or a domain-prefixed one such as `example.com/custom`.",
                        go_quote(app_protocol)
                    ),
                );
            }
        }

        let protocol_port = (service_port.protocol, service_port.port);
        match first_path(&first_path_by_port, &protocol_port) {
            Some(first_path) => report.error(
                "service-port-duplicate",
                path,
                format!(
                    "`{path}` repeats port {}/{}, already declared by `{first_path}` (Kubernetes: \"Duplicate value\"). Each (protocol, port) pair may appear once in a Service; remove one entry or change its port or protocol.",
                    service_port.port, service_port.protocol
                ),
            ),
            None => {
                first_path_by_port.push((protocol_port, path));
            }
        }

        if headless
            && target_port_valid
            && service_port.target_port != PortRef::Number(service_port.port)
        {
            report.add(
                Severity::Info,
                "service-headless-target-port",
                &target_port_field,
                format!(
                    "`{target_port_field}` is {} but `port` is {} on a headless Service (`clusterIP: None`). Kubernetes tolerates this, but there is no virtual IP to map one port to the other: clients resolve Pod IPs and connect to them directly. The API documents targetPort as ignored here; omit it or make it equal to `port`.",
                    service_port.target_port, service_port.port
                ),
            );
        }
    }
}

fn check_node_ports(report: &mut Report) {
    let service = report.service;
    let port_paths = port_paths(service);
    let mut first_path_by_node_port: Vec<((Protocol, i64), &str)> = Vec::new();
    for (service_port, path) in service.spec.ports.iter().zip(&port_paths) {
        let Some(node_port) = service_port.node_port else {
            continue;
        };
        let field = format!("{path}.nodePort");
        if service.spec.service_type == ServiceType::ClusterIP {
            report.error(
                "service-node-port-forbidden",
                &field,
                format!(
                    "`{field}` is set, but a nodePort \"may not be used when `type` is 'ClusterIP'\". Remove it, or set `type: NodePort` (or LoadBalancer) to expose the port on every node."
                ),
            );
        }
        // Entries with different protocols may share a nodePort (53/TCP and 53/UDP, §3).
        let protocol_node_port = (service_port.protocol, node_port);
        match first_path(&first_path_by_node_port, &protocol_node_port) {
            Some(first_path) => report.error(
                "service-node-port-duplicate",
                &field,
                format!(
                    "nodePort {node_port}/{} is already used by `{first_path}` in this Service (Kubernetes: \"Duplicate value\"). Give each port its own nodePort, or omit it to have one allocated.",
                    service_port.protocol
                ),
            ),
            None => {
                first_path_by_node_port.push((protocol_node_port, path));
            }
        }
    }
}

/// The path first recorded for `key` among a Service's ports.
fn first_path<'a, K: PartialEq>(seen: &[(K, &'a str)], key: &K) -> Option<&'a str> {
    seen.iter().find(|(k, _)| k == key).map(|(_, path)| *path)
}

/// The manifest path of each entry of `service.spec.ports`.
///
/// Ingest drops an entry whose `port` is missing, so the model's index is not always
/// the manifest's. Ingest records the position of every entry and of every `port`
/// field it saw, so the entries with a recorded `port` are the kept ones.
// FIXME: an entry whose `port` has the wrong type (e.g. quoted "80") is dropped too
// but has a recorded position; then the counts differ and the model index is used,
// which may be off by one. `ServicePort` should carry its own field path.
fn port_paths(service: &Service) -> Vec<String> {
    let n_model_ports = service.spec.ports.len();
    let positions = &service.meta.field_positions;
    let mut key = String::new();
    let kept_indices: Vec<usize> = (0..n_written_ports(service))
        .filter(|&index| {
            port_path_into(&mut key, index);
            key.push_str(".port");
            positions.contains_key(&key)
        })
        .collect();
    let indices: Vec<usize> = if kept_indices.len() == n_model_ports {
        kept_indices
    } else {
        (0..n_model_ports).collect()
    };
    indices
        .into_iter()
        .map(|index| {
            let mut path = String::with_capacity(16);
            port_path_into(&mut path, index);
            path
        })
        .collect()
}

/// Writes `spec.ports[index]` into `path`, replacing what it held.
fn port_path_into(path: &mut String, index: usize) {
    path.clear();
    path.push_str("spec.ports[");
    text::push_int(path, i64::try_from(index).unwrap_or(i64::MAX));
    path.push(']');
}

/// How many entries `spec.ports` has in the manifest, as ingest recorded them.
fn n_written_ports(service: &Service) -> usize {
    let positions = &service.meta.field_positions;
    let mut key = String::new();
    (0..)
        .take_while(|&index| {
            port_path_into(&mut key, index);
            positions.contains_key(&key)
        })
        .count()
}

fn is_port_number(number: i64) -> bool {
    (1..=65_535).contains(&number)
}

// ---------------------------------------------------------------------------
// Headless and ExternalName
// ---------------------------------------------------------------------------

/// `isHeadlessService`: exactly `["None"]`. Unlike `ServiceSpec::is_headless`, a
/// list that starts with "None" but holds more is not headless; it is invalid.
fn is_headless(service: &Service) -> bool {
    service.spec.cluster_ips.len() == 1 && service.spec.cluster_ips[0] == "None"
}

/// The field the user wrote cluster IPs in: `spec.clusterIPs`, or `spec.clusterIP`
/// when only the singular form is in the manifest.
fn cluster_ips_field(report: &Report) -> &'static str {
    if !report.was_written("spec.clusterIPs") && report.was_written("spec.clusterIP") {
        "spec.clusterIP"
    } else {
        "spec.clusterIPs"
    }
}

/// The field of one cluster IP, in the form the user wrote it.
fn cluster_ip_field(report: &Report, index: usize) -> String {
    match cluster_ips_field(report) {
        "spec.clusterIP" if index == 0 => "spec.clusterIP".to_string(),
        _ => format!("spec.clusterIPs[{index}]"),
    }
}

fn check_headless_type(report: &mut Report) {
    let service_type = report.service.spec.service_type;
    if is_headless(report.service)
        && matches!(
            service_type,
            ServiceType::NodePort | ServiceType::LoadBalancer
        )
    {
        let type_name = service_type.as_str();
        let field = cluster_ip_field(report, 0);
        report.error(
            "service-headless-type-invalid",
            &field,
            format!(
                "`{field}` may not be set to 'None' for {type_name} services. A headless Service has no virtual IP for nodes or load balancers to forward to; remove `clusterIP: None`, or keep it and use `type: ClusterIP`."
            ),
        );
    }
}

fn check_external_name(report: &mut Report) {
    let spec = &report.service.spec;
    if !spec.cluster_ips.is_empty() {
        let field = cluster_ips_field(report);
        report.error(
            "service-external-name-forbidden-fields",
            field,
            format!("`{field}` may not be set for ExternalName services. An ExternalName Service is only a DNS CNAME and gets no cluster IP; remove the field."),
        );
    }
    if !spec.ip_families.is_empty() {
        report.error(
            "service-external-name-forbidden-fields",
            "spec.ipFamilies",
            "`spec.ipFamilies` may not be set for ExternalName services. An ExternalName Service has no IP of either family; remove the field.".to_string(),
        );
    }
    if spec.ip_family_policy.is_some() {
        report.error(
            "service-external-name-forbidden-fields",
            "spec.ipFamilyPolicy",
            "`spec.ipFamilyPolicy` may not be set for ExternalName services. An ExternalName Service has no IP of either family; remove the field.".to_string(),
        );
    }
    // A trailing dot marks the name as fully qualified and is not part of the check.
    let external_name = spec.external_name.as_deref().unwrap_or("");
    let cname = external_name.strip_suffix('.').unwrap_or(external_name);
    if cname.is_empty() {
        report.error(
            "service-external-name-missing",
            "spec.externalName",
            "An ExternalName Service needs `spec.externalName` (Kubernetes: \"Required value\"): the DNS name its record points to. Add one, e.g. `externalName: db.example.com`.".to_string(),
        );
    } else {
        let problems = dns1123_subdomain_problems(cname);
        if !problems.is_empty() {
            report.error(
                "service-external-name-invalid",
                "spec.externalName",
                format!(
                    "`spec.externalName` {} is not a valid DNS name: {}. Write a lowercase host name such as `db.example.com`, without a scheme, port or path.",
                    go_quote(external_name),
                    problems.join("; ")
                ),
            );
        }
    }
}

// ---------------------------------------------------------------------------
// clusterIPs, ipFamilies, ipFamilyPolicy
// ---------------------------------------------------------------------------

fn check_cluster_ips(report: &mut Report) {
    let service = report.service;
    let cluster_ips = &service.spec.cluster_ips;
    let list_field = cluster_ips_field(report);

    // Ingest already reports `clusterIP` disagreeing with `clusterIPs[0]`; the other
    // half of the sync rule is that `clusterIPs` alone is refused.
    if !cluster_ips.is_empty()
        && report.was_written("spec.clusterIPs")
        && !report.was_written("spec.clusterIP")
    {
        report.error(
            "service-cluster-ips-invalid",
            "spec.clusterIPs",
            "`spec.clusterIPs` \"must be empty when `clusterIP` is not specified\". Also set `clusterIP` to the first entry, or remove both to have IPs allocated.".to_string(),
        );
    }

    let mut has_invalid_ip = false;
    for (index, cluster_ip) in cluster_ips.iter().enumerate() {
        if cluster_ip == "None" {
            if index == 0 && cluster_ips.len() == 1 {
                continue;
            }
            has_invalid_ip = true;
            let field = if index == 0 {
                list_field.to_string()
            } else {
                cluster_ip_field(report, index)
            };
            report.error(
                "service-cluster-ips-invalid",
                &field,
                format!("`{list_field}` holds {cluster_ips:?}, but 'None' must be the first and only value. Use `[\"None\"]` for a headless Service, or list only IP addresses."),
            );
            continue;
        }
        if go_parse_ip(cluster_ip).is_none() {
            has_invalid_ip = true;
            let field = cluster_ip_field(report, index);
            report.error(
                "service-cluster-ips-invalid",
                &field,
                format!("`{field}` \"{cluster_ip}\" must be a valid IP address (e.g. 10.96.0.10 or 2001:db8::ffff), or 'None' for a headless Service. Fix it, or remove it to have one allocated."),
            );
        }
    }
    if cluster_ips.len() > 2 {
        report.error(
            "service-cluster-ips-invalid",
            list_field,
            format!("`{list_field}` holds {} values but \"may only hold up to 2 values\": one IPv4 and one IPv6 address. Remove the extra entries.", cluster_ips.len()),
        );
    }
    // Family checks on addresses that do not parse would only repeat the error above.
    if has_invalid_ip {
        return;
    }
    if cluster_ips.len() == 2 {
        let families: Vec<Option<IpFamily>> = cluster_ips
            .iter()
            .map(|text| go_parse_ip(text).map(ip_family))
            .collect();
        if families[0] == families[1] {
            report.error(
                "service-cluster-ips-invalid",
                list_field,
                format!("`{list_field}` holds two addresses of the same family; it \"may specify no more than one IP for each IP family\". Make it one IPv4 and one IPv6 address, or keep just one."),
            );
        }
    }
    if !is_headless(service) {
        for (index, (cluster_ip, ip_family_name)) in cluster_ips
            .iter()
            .zip(&service.spec.ip_families)
            .enumerate()
        {
            let Some(ip) = go_parse_ip(cluster_ip) else {
                continue;
            };
            let expected = match ip_family_name.as_str() {
                "IPv4" => IpFamily::V4,
                "IPv6" => IpFamily::V6,
                // An unsupported family is reported by `check_ip_families`.
                _ => continue,
            };
            if ip_family(ip) != expected {
                let field = cluster_ip_field(report, index);
                report.error(
                    "service-cluster-ips-invalid",
                    &field,
                    format!(
                        "`{field}` is {cluster_ip}, but `spec.ipFamilies[{index}]` is {ip_family_name}: \"expected an {ip_family_name} value as indicated by `ipFamilies[{index}]`\". Reorder one of the lists so that each IP matches its family."
                    ),
                );
            }
        }
    }
}

fn check_ip_families(report: &mut Report) {
    let spec = &report.service.spec;
    // At most a few entries: a list, not a map.
    let mut first_index_by_family: Vec<(&str, usize)> = Vec::new();
    for (index, ip_family_name) in spec.ip_families.iter().enumerate() {
        let field = format!("spec.ipFamilies[{index}]");
        if ip_family_name != "IPv4" && ip_family_name != "IPv6" {
            report.error(
                "service-ip-families-invalid",
                &field,
                format!("`{field}` is \"{ip_family_name}\"; supported values: \"IPv4\", \"IPv6\" (note the capitalisation)."),
            );
        }
        match first_index_by_family
            .iter()
            .find(|(family, _)| *family == ip_family_name.as_str())
        {
            Some((_, first_index)) => report.error(
                "service-ip-families-invalid",
                &field,
                format!(
                    "`{field}` repeats {ip_family_name}, already listed at `spec.ipFamilies[{first_index}]` (Kubernetes: \"Duplicate value\"). List each family at most once: one for single-stack, IPv4 and IPv6 for dual-stack."
                ),
            ),
            None => {
                first_index_by_family.push((ip_family_name, index));
            }
        }
    }
    if let Some(policy) = &spec.ip_family_policy {
        if !matches!(
            policy.as_str(),
            "SingleStack" | "PreferDualStack" | "RequireDualStack"
        ) {
            report.error(
                "service-ip-family-policy-invalid",
                "spec.ipFamilyPolicy",
                format!("`spec.ipFamilyPolicy` is \"{policy}\"; supported values: \"PreferDualStack\", \"RequireDualStack\", \"SingleStack\". Omit it for SingleStack."),
            );
        }
    }
}

// ---------------------------------------------------------------------------
// selector, sessionAffinity, externalIPs
// ---------------------------------------------------------------------------

fn check_selector(report: &mut Report) {
    let Some(selector) = &report.service.spec.selector else {
        return;
    };
    for (key, value) in selector {
        if let Err(problems) = is_label_key(key) {
            report.error(
                "service-selector-invalid",
                "spec.selector",
                format!("The selector key {} is not a valid label key: {problems}. Kubernetes rejects the Service; use the exact label key the Pods carry.", go_quote(key)),
            );
        }
        if let Err(problems) = is_label_value(value) {
            let field = format!("spec.selector[{key}]");
            report.error(
                "service-selector-invalid",
                &field,
                format!("The selector value {} for {} is not a valid label value: {problems}. Kubernetes rejects the Service; use the exact label value the Pods carry.", go_quote(value), go_quote(key)),
            );
        }
    }
}

fn check_session_affinity(report: &mut Report) {
    let spec = &report.service.spec;
    match spec.session_affinity {
        SessionAffinity::ClientIP => {
            // An absent timeout is defaulted, so only a written one can be wrong.
            let Some(timeout_seconds) = spec.session_affinity_timeout else {
                return;
            };
            if timeout_seconds <= 0 || timeout_seconds > MAX_SESSION_AFFINITY_TIMEOUT_SECONDS {
                let field = "spec.sessionAffinityConfig.clientIP.timeoutSeconds";
                report.error(
                    "service-session-affinity-timeout",
                    field,
                    format!(
                        "`{field}` is {timeout_seconds}; it \"must be greater than 0 and less than {MAX_SESSION_AFFINITY_TIMEOUT_SECONDS}\" (86400 itself is allowed). Use a number of seconds up to one day, or omit it for the default {DEFAULT_SESSION_AFFINITY_TIMEOUT_SECONDS} (3 hours)."
                    ),
                );
            }
        }
        SessionAffinity::None => {
            if spec.session_affinity_timeout.is_some()
                || report.was_written("spec.sessionAffinityConfig")
            {
                // Advisory: the API forbids the field, but defaulting clears it first,
                // so the object is accepted and the setting silently has no effect.
                report.add(
                    Severity::Warning,
                    "service-session-affinity-config-forbidden",
                    "spec.sessionAffinityConfig",
                    "`spec.sessionAffinityConfig` \"must not be set when session affinity is None\". The API server's defaulting drops it, so it has no effect. Remove it, or set `sessionAffinity: ClientIP` if you want each client to stick to one Pod.".to_string(),
                );
            }
        }
    }
}

fn check_external_ips(report: &mut Report) {
    for (index, text) in report.service.spec.external_ips.iter().enumerate() {
        let field = format!("spec.externalIPs[{index}]");
        let problem = match go_parse_ip(text) {
            None => {
                Some("must be a valid IP address (e.g. 10.9.8.7 or 2001:db8::ffff)".to_string())
            }
            Some(ip) => special_ip_problem(ip, text),
        };
        if let Some(problem) = problem {
            report.error(
                "service-external-ips-invalid",
                &field,
                format!("`{field}` \"{text}\" {problem}. List addresses that route to your nodes from outside the cluster."),
            );
        }
    }
}

/// `ValidateNonSpecialIP`. Only link-local multicast is refused, as in the Go
/// source; other multicast addresses pass.
fn special_ip_problem(ip: IpAddr, text: &str) -> Option<String> {
    let (unspecified, loopback, link_local, link_local_multicast) = match ip {
        IpAddr::V4(v4) => (
            v4.is_unspecified(),
            v4.is_loopback(),
            v4.is_link_local(),
            is_ipv4_link_local_multicast(v4),
        ),
        IpAddr::V6(v6) => (
            v6.is_unspecified(),
            v6.is_loopback(),
            is_ipv6_link_local_unicast(v6),
            is_ipv6_link_local_multicast(v6),
        ),
    };
    if unspecified {
        Some(format!("may not be unspecified ({text})"))
    } else if loopback {
        Some("may not be in the loopback range (127.0.0.0/8, ::1/128)".to_string())
    } else if link_local {
        Some("may not be in the link-local range (169.254.0.0/16, fe80::/10)".to_string())
    } else if link_local_multicast {
        Some("may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)".to_string())
    } else {
        None
    }
}

fn is_ipv4_link_local_multicast(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    a == 224 && b == 0 && c == 0
}

fn is_ipv6_link_local_unicast(ip: Ipv6Addr) -> bool {
    ip.segments()[0] & 0xffc0 == 0xfe80
}

fn is_ipv6_link_local_multicast(ip: Ipv6Addr) -> bool {
    ip.segments()[0] & 0xff0f == 0xff02
}

// ---------------------------------------------------------------------------
// LoadBalancer-only fields
// ---------------------------------------------------------------------------

fn check_load_balancer_source_ranges(report: &mut Report) {
    let spec = &report.service.spec;
    let is_load_balancer = spec.service_type == ServiceType::LoadBalancer;
    if !spec.load_balancer_source_ranges.is_empty() {
        let list_field = "spec.loadBalancerSourceRanges";
        if !is_load_balancer {
            report.error(
                "service-lb-source-ranges-forbidden",
                list_field,
                format!("`{list_field}` may only be used when `type` is 'LoadBalancer'. Remove it, or change the type; to limit who reaches other Services, use a NetworkPolicy."),
            );
        }
        for (index, range) in spec.load_balancer_source_ranges.iter().enumerate() {
            // Historical accident: entries may be padded with spaces.
            if !is_cidr(range.trim()) {
                let field = format!("{list_field}[{index}]");
                report.error(
                    "service-lb-source-ranges-invalid",
                    &field,
                    format!("`{field}` \"{range}\" is not a valid CIDR. Write an IP range such as 10.240.0.0/24 or 2001:db8::/64; a single address is 203.0.113.7/32."),
                );
            }
        }
    } else if let Some(value) = report
        .service
        .meta
        .annotations
        .get(LOAD_BALANCER_SOURCE_RANGES_ANNOTATION)
    {
        let field = format!("metadata.annotations[{LOAD_BALANCER_SOURCE_RANGES_ANNOTATION}]");
        if !is_load_balancer {
            report.error(
                "service-lb-source-ranges-forbidden",
                &field,
                format!("The annotation {LOAD_BALANCER_SOURCE_RANGES_ANNOTATION} may only be used when `type` is 'LoadBalancer'. Remove it, or change the type."),
            );
        }
        let trimmed = value.trim();
        if !trimmed.is_empty() {
            for range in trimmed.split(',').map(str::trim) {
                if !is_cidr(range) {
                    report.error(
                        "service-lb-source-ranges-invalid",
                        &field,
                        format!("The annotation {LOAD_BALANCER_SOURCE_RANGES_ANNOTATION} holds \"{range}\", which is not a valid CIDR. It must be a comma-separated list of IP ranges, e.g. 10.240.0.0/24,10.250.0.0/24."),
                    );
                }
            }
        }
    }
}

fn check_load_balancer_fields(report: &mut Report) {
    let spec = &report.service.spec;
    let is_load_balancer = spec.service_type == ServiceType::LoadBalancer;
    if spec.allocate_load_balancer_node_ports.is_some() && !is_load_balancer {
        report.error(
            "service-allocate-node-ports-forbidden",
            "spec.allocateLoadBalancerNodePorts",
            "`spec.allocateLoadBalancerNodePorts` may only be used when `type` is 'LoadBalancer'. Remove it.".to_string(),
        );
    }
    let Some(load_balancer_class) = &spec.load_balancer_class else {
        return;
    };
    if !is_load_balancer {
        report.error(
            "service-lb-class-forbidden",
            "spec.loadBalancerClass",
            "`spec.loadBalancerClass` may only be used when `type` is 'LoadBalancer'. Remove it, or change the type.".to_string(),
        );
    } else if let Err(problems) = is_label_key(load_balancer_class) {
        report.error(
            "service-lb-class-invalid",
            "spec.loadBalancerClass",
            format!(
                "`spec.loadBalancerClass` {} is not a qualified name: {problems}. Use the class your load-balancer controller announces, usually prefixed by a domain, e.g. `example.com/internal-vip`.",
                go_quote(load_balancer_class)
            ),
        );
    }
}

/// `validateServiceExternalTrafficPolicy`: who may set `externalTrafficPolicy` and
/// `healthCheckNodePort`.
fn check_external_traffic_fields(report: &mut Report) {
    let spec = &report.service.spec;
    // `ExternallyAccessible` (K/K `pkg/api/service/util.go`).
    let externally_accessible = match spec.service_type {
        ServiceType::LoadBalancer | ServiceType::NodePort => true,
        ServiceType::ClusterIP => !spec.external_ips.is_empty(),
        ServiceType::ExternalName => false,
    };
    if let Some(policy) = spec.external_traffic_policy {
        if !externally_accessible {
            let type_name = spec.service_type.as_str();
            report.error(
                "service-external-traffic-policy-forbidden",
                "spec.externalTrafficPolicy",
                format!(
                    "`spec.externalTrafficPolicy` is {policy:?}, but it \"may only be set for externally-accessible services\": type NodePort or LoadBalancer, or ClusterIP with `externalIPs`. This {type_name} Service is not one; remove the field, or change the type."
                ),
            );
        }
    }
    // `NeedsHealthCheck`: an unset policy on a LoadBalancer defaults to Cluster.
    let needs_health_check = spec.service_type == ServiceType::LoadBalancer
        && spec.external_traffic_policy == Some(TrafficPolicy::Local);
    if let Some(health_check_node_port) = spec.health_check_node_port {
        if !needs_health_check {
            report.error(
                "service-health-check-node-port-forbidden",
                "spec.healthCheckNodePort",
                format!(
                    "`spec.healthCheckNodePort` is {health_check_node_port}, but it \"may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'\". Remove it, or set both; with both set it is allocated for you when omitted."
                ),
            );
        }
    }
}

// ---------------------------------------------------------------------------
// Addresses
// ---------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum IpFamily {
    V4,
    V6,
}

fn ip_family(ip: IpAddr) -> IpFamily {
    match ip {
        IpAddr::V4(_) => IpFamily::V4,
        IpAddr::V6(_) => IpFamily::V6,
    }
}

/// An IP address as Go's `net.IP` sees it: an IPv4-mapped IPv6 address
/// (`::ffff:10.0.0.1`) is IPv4, for its family and for the special ranges.
fn go_parse_ip(text: &str) -> Option<IpAddr> {
    match text.parse::<IpAddr>().ok()? {
        IpAddr::V6(v6) => Some(v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4)),
        ip => Some(ip),
    }
}

/// `IsValidCIDR`: an address, `/`, and a prefix length that fits its family.
fn is_cidr(text: &str) -> bool {
    Cidr::parse(text).is_ok()
}
