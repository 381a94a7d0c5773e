//! Reading Gateway API objects (§11.1): every served apiVersion, the API server's
//! defaults, and the validation it does before it stores an object. An object the
//! API server would refuse is reported (`gateway-invalid-spec`) at the offending
//! field and left out, since a cluster would not have it either.

use super::hostname;
use super::model::*;
use crate::engine::ingest::{FieldPath, Reader};
use crate::engine::model::{Manifests, Meta};
use crate::engine::yaml::Node as YamlNode;

/// The versions the API server serves for each kind (§11.1). `None` for kinds that
/// are not Gateway API kinds kubetopo models.
pub fn served_versions(kind: &str) -> Option<&'static [&'static str]> {
    Some(match kind {
        "GatewayClass" | "Gateway" | "HTTPRoute" => &["v1", "v1beta1"],
        "GRPCRoute" => &["v1", "v1alpha2"],
        "ReferenceGrant" => &["v1", "v1beta1", "v1alpha2"],
        "TLSRoute" => &["v1", "v1alpha3", "v1alpha2"],
        "TCPRoute" | "UDPRoute" => &["v1", "v1alpha2"],
        "BackendTLSPolicy" => &["v1", "v1alpha3"],
        "ListenerSet" => &["v1"],
        _ => return None,
    })
}

/// Reads one Gateway API object into `manifests.gateway`. Returns false when the
/// object is not one (another group, or a kind kubetopo does not model), so the
/// caller lists it as ignored.
pub(crate) fn read_gateway_object(
    reader: &mut Reader,
    root: &YamlNode,
    kind: &str,
    meta: Meta,
    manifests: &mut Manifests,
) -> bool {
    let api_version = root
        .get("apiVersion")
        .and_then(YamlNode::as_str)
        .unwrap_or("");
    let Some((group, version)) = api_version.split_once('/') else {
        return false;
    };
    if group != GROUP {
        return false;
    }
    let Some(served) = served_versions(kind) else {
        return false;
    };
    if !served.contains(&version) {
        let node = root.get("apiVersion").unwrap_or(root);
        refuse(
            reader,
            node,
            "apiVersion",
            "gateway-unserved-version",
            format!(
                "{kind} is not served as {api_version}; the served versions are {}. The API server refuses this object, so kubetopo leaves it out.",
                served.iter().map(|v| format!("{GROUP}/{v}")).collect::<Vec<_>>().join(", ")
            ),
        );
        return true;
    }
    let creation_timestamp = root
        .get("metadata")
        .and_then(|m| m.get("creationTimestamp"))
        .and_then(YamlNode::as_str)
        .map(str::to_string);
    let mut problems = Problems::default();
    match kind {
        "GatewayClass" => {
            let controller_name =
                reader
                    .map(root, "spec", FieldPath::new("spec"))
                    .and_then(|spec| {
                        reader.string(
                            spec,
                            "controllerName",
                            FieldPath::new("spec.controllerName"),
                        )
                    });
            let Some(controller_name) = controller_name else {
                problems.add(
                    root,
                    "spec.controllerName",
                    "`spec.controllerName` is required".into(),
                );
                problems.report(reader, kind);
                return true;
            };
            manifests.gateway.classes.push(GatewayClass {
                meta: reader.finish(meta),
                controller_name,
            });
        }
        "Gateway" => {
            let gateway = read_gateway(reader, root, &meta, &mut problems);
            if problems.report(reader, kind) {
                return true;
            }
            manifests.gateway.gateways.push(Gateway {
                meta: reader.finish(meta),
                creation_timestamp,
                ..gateway
            });
        }
        "ReferenceGrant" => {
            let grant = read_grant(reader, root, &mut problems);
            if problems.report(reader, kind) {
                return true;
            }
            manifests.gateway.grants.push(ReferenceGrant {
                meta: reader.finish(meta),
                ..grant
            });
        }
        "ListenerSet" => {
            let position = manifests.gateway.listener_sets.len();
            let set = read_listener_set(reader, root, &meta, position, &mut problems);
            if problems.report(reader, kind) {
                return true;
            }
            manifests.gateway.listener_sets.push(ListenerSet {
                meta: reader.finish(meta),
                creation_timestamp,
                ..set
            });
        }
        "BackendTLSPolicy" => {
            let policy = read_backend_tls_policy(reader, root, &mut problems);
            if problems.report(reader, kind) {
                return true;
            }
            manifests
                .gateway
                .backend_tls_policies
                .push(BackendTlsPolicy {
                    meta: reader.finish(meta),
                    creation_timestamp,
                    ..policy
                });
        }
        other => {
            let Some(route_kind) = RouteKind::parse(other) else {
                return false;
            };
            let route = read_route(reader, root, route_kind, version, &meta, &mut problems);
            if problems.report(reader, kind) {
                return true;
            }
            manifests.gateway.routes.push(Route {
                meta: reader.finish(meta),
                api_version: api_version.to_string(),
                creation_timestamp,
                ..route
            });
        }
    }
    true
}

/// Reports an object (or a field of it) the API server refuses.
fn refuse(reader: &mut Reader, node: &YamlNode, field: &str, code: &'static str, message: String) {
    reader.invalid(node, field, code, message);
}

/// What the API server would refuse, collected so that every problem is reported.
#[derive(Default)]
struct Problems<'n> {
    found: Vec<(&'n YamlNode, String, String)>,
}

impl<'n> Problems<'n> {
    fn add(&mut self, node: &'n YamlNode, field: &str, message: String) {
        self.found.push((node, field.to_string(), message));
    }

    /// Reports each problem; true when there were any, so the object is left out.
    fn report(self, reader: &mut Reader, kind: &str) -> bool {
        let any = !self.found.is_empty();
        for (node, field, message) in self.found {
            refuse(
                reader,
                node,
                &field,
                "gateway-invalid-spec",
                format!("{message}. The API server refuses this {kind}, so kubetopo leaves it out; fix the field."),
            );
        }
        any
    }
}

fn read_gateway<'n>(
    reader: &mut Reader,
    root: &'n YamlNode,
    meta: &Meta,
    problems: &mut Problems<'n>,
) -> Gateway {
    let mut gateway = Gateway {
        meta: Meta::default(),
        class_name: String::new(),
        listeners: Vec::new(),
        addresses: Vec::new(),
        allowed_listeners: FromNamespaces::None,
        creation_timestamp: None,
    };
    let Some(spec) = reader.map(root, "spec", FieldPath::new("spec")) else {
        problems.add(root, "spec", "`spec` is required".into());
        return gateway;
    };
    if let Some(allowed) = reader.map(
        spec,
        "allowedListeners",
        FieldPath::new("spec.allowedListeners"),
    ) {
        if let Some(namespaces) = reader.map(
            allowed,
            "namespaces",
            FieldPath::new("spec.allowedListeners.namespaces"),
        ) {
            let field = "spec.allowedListeners.namespaces";
            gateway.allowed_listeners = match reader
                .string(namespaces, "from", FieldPath::new(field).key("from"))
                .unwrap_or_else(|| "None".to_string())
                .as_str()
            {
                "None" => FromNamespaces::None,
                "Same" => FromNamespaces::Same,
                "All" => FromNamespaces::All,
                "Selector" => FromNamespaces::Selector(reader.label_selector(
                    namespaces,
                    "selector",
                    FieldPath::new(field).key("selector"),
                )),
                other => {
                    problems.add(namespaces.get("from").unwrap_or(namespaces), &format!("{field}.from"), format!("`from: {other}` is not a value of `allowedListeners`; use None, Same, All or Selector"));
                    FromNamespaces::Other(other.to_string())
                }
            };
        }
    }
    match reader.string(
        spec,
        "gatewayClassName",
        FieldPath::new("spec.gatewayClassName"),
    ) {
        Some(name) => gateway.class_name = name,
        None => problems.add(
            spec,
            "spec.gatewayClassName",
            "`spec.gatewayClassName` is required".into(),
        ),
    }
    for (index, address) in reader
        .seq(spec, "addresses", FieldPath::new("spec.addresses"))
        .iter()
        .enumerate()
    {
        let path = format!("spec.addresses[{index}]");
        gateway.addresses.push(GatewayAddress {
            address_type: string_or(reader, address, &path, "type", "IPAddress"),
            value: string_or(reader, address, &path, "value", ""),
        });
    }
    gateway.listeners = read_listeners(reader, spec, &meta.namespace, None, problems);
    gateway
}

/// `spec.listeners` of a Gateway or a ListenerSet: 1 to 64, with unique names and
/// unique (port, protocol, hostname).
fn read_listeners<'n>(
    reader: &mut Reader,
    spec: &'n YamlNode,
    namespace: &str,
    listener_set: Option<usize>,
    problems: &mut Problems<'n>,
) -> Vec<Listener> {
    let mut listeners = Vec::new();
    let listener_nodes = reader.seq(spec, "listeners", FieldPath::new("spec.listeners"));
    if listener_nodes.is_empty() || listener_nodes.len() > 64 {
        problems.add(
            spec.get("listeners").unwrap_or(spec),
            "spec.listeners",
            format!(
                "a {} needs 1 to 64 listeners, and this one has {}",
                if listener_set.is_some() {
                    "ListenerSet"
                } else {
                    "Gateway"
                },
                listener_nodes.len()
            ),
        );
    }
    let mut seen_names: Vec<String> = Vec::new();
    let mut seen_triples: Vec<(i64, String, Option<String>)> = Vec::new();
    for (index, node) in listener_nodes.iter().enumerate() {
        let path = format!("spec.listeners[{index}]");
        reader.record(node, FieldPath::new(&path));
        let listener = read_listener(reader, node, &path, namespace, problems);
        if seen_names.contains(&listener.name) {
            problems.add(
                node,
                &format!("{path}.name"),
                format!(
                    "listener name \"{}\" is used twice; names must be unique",
                    listener.name
                ),
            );
        }
        seen_names.push(listener.name.clone());
        let triple = (
            listener.port,
            listener.protocol.clone(),
            listener.hostname.clone(),
        );
        if seen_triples.contains(&triple) {
            problems.add(node, &path, format!("two listeners have port {}, protocol {} and {}; that combination must be unique", listener.port, listener.protocol, listener.hostname.as_deref().map_or("no hostname".to_string(), |h| format!("hostname {h}"))));
        }
        seen_triples.push(triple);
        listeners.push(listener);
    }
    for listener in &mut listeners {
        listener.listener_set = listener_set;
    }
    listeners
}

/// A ListenerSet as the API server stores it (§11.16): a parentRef, defaulted to a
/// Gateway in the set's namespace, and its listeners, checked as a Gateway's are.
fn read_listener_set<'n>(
    reader: &mut Reader,
    root: &'n YamlNode,
    meta: &Meta,
    position: usize,
    problems: &mut Problems<'n>,
) -> ListenerSet {
    let mut set = ListenerSet {
        meta: Meta::default(),
        parent: ParentRef {
            group: GROUP.to_string(),
            kind: "Gateway".to_string(),
            namespace: meta.namespace.clone(),
            name: String::new(),
            section_name: None,
            port: None,
            field: "spec.parentRef".to_string(),
        },
        listeners: Vec::new(),
        creation_timestamp: None,
    };
    let Some(spec) = reader.map(root, "spec", FieldPath::new("spec")) else {
        problems.add(root, "spec", "`spec` is required".into());
        return set;
    };
    match reader.map(spec, "parentRef", FieldPath::new("spec.parentRef")) {
        Some(parent) => {
            let field = "spec.parentRef";
            set.parent.group = string_or(reader, parent, field, "group", GROUP);
            set.parent.kind = string_or(reader, parent, field, "kind", "Gateway");
            set.parent.namespace = string_or(reader, parent, field, "namespace", &meta.namespace);
            set.parent.name = string_or(reader, parent, field, "name", "");
            if set.parent.name.is_empty() {
                problems.add(
                    parent,
                    "spec.parentRef.name",
                    "`spec.parentRef.name` is required".into(),
                );
            }
        }
        None => problems.add(
            spec,
            "spec.parentRef",
            "`spec.parentRef` is required".into(),
        ),
    }
    set.listeners = read_listeners(reader, spec, &meta.namespace, Some(position), problems);
    set
}

fn read_listener<'n>(
    reader: &mut Reader,
    node: &'n YamlNode,
    path: &str,
    namespace: &str,
    problems: &mut Problems<'n>,
) -> Listener {
    let name = string_or(reader, node, path, "name", "");
    if name.is_empty() {
        problems.add(
            node,
            &format!("{path}.name"),
            format!("`{path}.name` is required"),
        );
    }
    let hostname = reader.string(node, "hostname", FieldPath::new(path).key("hostname"));
    if let Some(text) = &hostname {
        if let Err(why) = hostname::validate(text, hostname::Wildcard::Allowed) {
            problems.add(
                node.get("hostname").unwrap_or(node),
                &format!("{path}.hostname"),
                format!("`{path}.hostname` \"{text}\" {why}"),
            );
        }
    }
    let port = reader
        .int(node, "port", FieldPath::new(path).key("port"))
        .unwrap_or(0);
    if !(1..=65535).contains(&port) {
        problems.add(
            node.get("port").unwrap_or(node),
            &format!("{path}.port"),
            format!("`{path}.port` must be 1 to 65535, not {port}"),
        );
    }
    let protocol = string_or(reader, node, path, "protocol", "");
    if protocol.is_empty() {
        problems.add(
            node,
            &format!("{path}.protocol"),
            format!("`{path}.protocol` is required"),
        );
    }
    let mut listener = Listener {
        name,
        hostname,
        port,
        protocol,
        tls_mode: None,
        certificate_refs: Vec::new(),
        tls_options: false,
        allowed_namespaces: FromNamespaces::Same,
        allowed_kinds: Vec::new(),
        field: path.to_string(),
        listener_set: None,
    };
    let tls_path = format!("{path}.tls");
    if let Some(tls) = reader.map(node, "tls", FieldPath::new(&tls_path)) {
        listener.tls_mode = Some(string_or(reader, tls, &tls_path, "mode", "Terminate"));
        listener.tls_options = tls.get("options").is_some_and(|o| !o.is_null());
        for (index, reference) in reader
            .seq(
                tls,
                "certificateRefs",
                FieldPath::new(&tls_path).key("certificateRefs"),
            )
            .iter()
            .enumerate()
        {
            let field = format!("{tls_path}.certificateRefs[{index}]");
            // A diagnostic about this reference points at its own entry.
            reader.record(reference, FieldPath::new(&field));
            listener.certificate_refs.push(SecretRef {
                group: string_or(reader, reference, &field, "group", ""),
                kind: string_or(reader, reference, &field, "kind", "Secret"),
                namespace: string_or(reader, reference, &field, "namespace", namespace),
                name: string_or(reader, reference, &field, "name", ""),
                field,
            });
        }
    }
    let tls_node = node.get("tls").filter(|t| !t.is_null()).unwrap_or(node);
    match (listener.protocol.as_str(), listener.tls_mode.as_deref()) {
        ("HTTP" | "TCP" | "UDP", Some(_)) => problems.add(
            tls_node,
            &tls_path,
            format!("`tls` is not allowed on a {} listener", listener.protocol),
        ),
        ("HTTPS" | "TLS", None) => problems.add(
            node,
            &tls_path,
            format!("a {} listener needs `tls`", listener.protocol),
        ),
        ("HTTPS", Some(mode)) if mode != "Terminate" => problems.add(
            tls_node,
            &format!("{tls_path}.mode"),
            format!("an HTTPS listener needs tls mode Terminate, not {mode}"),
        ),
        _ => {}
    }
    if listener.tls_mode.as_deref() == Some("Terminate")
        && listener.certificate_refs.is_empty()
        && !listener.tls_options
    {
        problems.add(
            tls_node,
            &tls_path,
            "tls mode Terminate needs `certificateRefs` or `options`".into(),
        );
    }
    if matches!(listener.protocol.as_str(), "TCP" | "UDP") && listener.hostname.is_some() {
        problems.add(
            node.get("hostname").unwrap_or(node),
            &format!("{path}.hostname"),
            format!("a {} listener may not set `hostname`", listener.protocol),
        );
    }
    let allowed_path = format!("{path}.allowedRoutes");
    if let Some(allowed) = reader.map(node, "allowedRoutes", FieldPath::new(&allowed_path)) {
        if let Some(namespaces) = reader.map(
            allowed,
            "namespaces",
            FieldPath::new(&allowed_path).key("namespaces"),
        ) {
            let from = reader
                .string(
                    namespaces,
                    "from",
                    FieldPath::new(&allowed_path).key("namespaces.from"),
                )
                .unwrap_or_else(|| "Same".to_string());
            listener.allowed_namespaces = match from.as_str() {
                "Same" => FromNamespaces::Same,
                "All" => FromNamespaces::All,
                "Selector" => FromNamespaces::Selector(reader.label_selector(
                    namespaces,
                    "selector",
                    FieldPath::new(&allowed_path).key("namespaces.selector"),
                )),
                other => {
                    problems.add(namespaces.get("from").unwrap_or(namespaces), &format!("{allowed_path}.namespaces.from"), format!("`from: {other}` is not allowed on a Gateway listener; use Same, All or Selector"));
                    FromNamespaces::Other(other.to_string())
                }
            };
        }
        for (index, kind) in reader
            .seq(allowed, "kinds", FieldPath::new(&allowed_path).key("kinds"))
            .iter()
            .enumerate()
        {
            let field = format!("{allowed_path}.kinds[{index}]");
            listener.allowed_kinds.push(GroupKind {
                group: string_or(reader, kind, &field, "group", GROUP),
                kind: string_or(reader, kind, &field, "kind", ""),
            });
        }
    }
    listener
}

fn read_grant<'n>(
    reader: &mut Reader,
    root: &'n YamlNode,
    problems: &mut Problems<'n>,
) -> ReferenceGrant {
    let mut grant = ReferenceGrant {
        meta: Meta::default(),
        from: Vec::new(),
        to: Vec::new(),
    };
    let Some(spec) = reader.map(root, "spec", FieldPath::new("spec")) else {
        problems.add(root, "spec", "`spec` is required".into());
        return grant;
    };
    for (index, from) in reader
        .seq(spec, "from", FieldPath::new("spec.from"))
        .iter()
        .enumerate()
    {
        let path = format!("spec.from[{index}]");
        grant.from.push(GrantFrom {
            group: string_or(reader, from, &path, "group", ""),
            kind: string_or(reader, from, &path, "kind", ""),
            namespace: string_or(reader, from, &path, "namespace", ""),
        });
    }
    for (index, to) in reader
        .seq(spec, "to", FieldPath::new("spec.to"))
        .iter()
        .enumerate()
    {
        let path = format!("spec.to[{index}]");
        grant.to.push(GrantTo {
            group: string_or(reader, to, &path, "group", ""),
            kind: string_or(reader, to, &path, "kind", ""),
            name: reader
                .string(to, "name", FieldPath::new(&path).key("name"))
                .filter(|n| !n.is_empty()),
        });
    }
    if grant.from.is_empty() || grant.from.len() > 16 {
        problems.add(
            spec,
            "spec.from",
            "`spec.from` needs 1 to 16 entries".into(),
        );
    }
    if grant.to.is_empty() || grant.to.len() > 16 {
        problems.add(spec, "spec.to", "`spec.to` needs 1 to 16 entries".into());
    }
    grant
}

/// A BackendTLSPolicy as the API server stores it (§11.15): 1 to 16 targets, a
/// precise `validation.hostname`, and exactly one of `caCertificateRefs` and
/// `wellKnownCACertificates`.
fn read_backend_tls_policy<'n>(
    reader: &mut Reader,
    root: &'n YamlNode,
    problems: &mut Problems<'n>,
) -> BackendTlsPolicy {
    let mut policy = BackendTlsPolicy {
        meta: Meta::default(),
        target_refs: Vec::new(),
        hostname: String::new(),
        ca_certificate_refs: Vec::new(),
        well_known_ca_certificates: None,
        creation_timestamp: None,
    };
    let Some(spec) = reader.map(root, "spec", FieldPath::new("spec")) else {
        problems.add(root, "spec", "`spec` is required".into());
        return policy;
    };
    for (index, target) in reader
        .seq(spec, "targetRefs", FieldPath::new("spec.targetRefs"))
        .iter()
        .enumerate()
    {
        let field = format!("spec.targetRefs[{index}]");
        reader.record(target, FieldPath::new(&field));
        policy.target_refs.push(PolicyTargetRef {
            group: string_or(reader, target, &field, "group", ""),
            kind: string_or(reader, target, &field, "kind", ""),
            name: string_or(reader, target, &field, "name", ""),
            section_name: reader.string(
                target,
                "sectionName",
                FieldPath::new(&field).key("sectionName"),
            ),
            field,
        });
    }
    if policy.target_refs.is_empty() || policy.target_refs.len() > 16 {
        problems.add(
            spec.get("targetRefs").unwrap_or(spec),
            "spec.targetRefs",
            "`spec.targetRefs` needs 1 to 16 entries".into(),
        );
    }
    let Some(validation) = reader.map(spec, "validation", FieldPath::new("spec.validation")) else {
        problems.add(
            spec,
            "spec.validation",
            "`spec.validation` is required".into(),
        );
        return policy;
    };
    match reader.string(
        validation,
        "hostname",
        FieldPath::new("spec.validation.hostname"),
    ) {
        Some(text) => {
            if let Err(why) = hostname::validate(&text, hostname::Wildcard::Forbidden) {
                problems.add(
                    validation.get("hostname").unwrap_or(validation),
                    "spec.validation.hostname",
                    format!("`spec.validation.hostname` \"{text}\" {why}"),
                );
            }
            policy.hostname = text;
        }
        None => problems.add(
            validation,
            "spec.validation.hostname",
            "`spec.validation.hostname` is required".into(),
        ),
    }
    for (index, reference) in reader
        .seq(
            validation,
            "caCertificateRefs",
            FieldPath::new("spec.validation.caCertificateRefs"),
        )
        .iter()
        .enumerate()
    {
        let field = format!("spec.validation.caCertificateRefs[{index}]");
        reader.record(reference, FieldPath::new(&field));
        policy.ca_certificate_refs.push(LocalRef {
            group: string_or(reader, reference, &field, "group", ""),
            kind: string_or(reader, reference, &field, "kind", ""),
            name: string_or(reader, reference, &field, "name", ""),
            field,
        });
    }
    policy.well_known_ca_certificates = reader.string(
        validation,
        "wellKnownCACertificates",
        FieldPath::new("spec.validation.wellKnownCACertificates"),
    );
    if policy.ca_certificate_refs.is_empty() == policy.well_known_ca_certificates.is_none() {
        problems.add(
            validation,
            "spec.validation",
            "`spec.validation` needs exactly one of `caCertificateRefs` and `wellKnownCACertificates`".into(),
        );
    }
    policy
}

fn read_route<'n>(
    reader: &mut Reader,
    root: &'n YamlNode,
    kind: RouteKind,
    version: &str,
    meta: &Meta,
    problems: &mut Problems<'n>,
) -> Route {
    let mut route = Route {
        meta: Meta::default(),
        kind,
        api_version: String::new(),
        hostnames: Vec::new(),
        parent_refs: Vec::new(),
        rules: Vec::new(),
        creation_timestamp: None,
    };
    let spec = reader.map(root, "spec", FieldPath::new("spec"));
    let Some(spec) = spec else {
        problems.add(root, "spec", "`spec` is required".into());
        return route;
    };
    if kind.has_hostnames() {
        for (index, text) in reader
            .strings(spec, "hostnames", FieldPath::new("spec.hostnames"))
            .into_iter()
            .enumerate()
        {
            if let Err(why) = hostname::validate(&text, hostname::Wildcard::Allowed) {
                let node = spec
                    .get("hostnames")
                    .and_then(|h| h.as_seq())
                    .and_then(|h| h.get(index))
                    .unwrap_or(spec);
                problems.add(
                    node,
                    &format!("spec.hostnames[{index}]"),
                    format!("`spec.hostnames[{index}]` \"{text}\" {why}"),
                );
            }
            route.hostnames.push(text.to_ascii_lowercase());
        }
        if kind == RouteKind::Tls && route.hostnames.is_empty() {
            problems.add(
                spec,
                "spec.hostnames",
                "a TLSRoute needs at least one hostname".into(),
            );
        }
    }
    for (index, parent) in reader
        .seq(spec, "parentRefs", FieldPath::new("spec.parentRefs"))
        .iter()
        .enumerate()
    {
        let path = format!("spec.parentRefs[{index}]");
        // A diagnostic about this parentRef points at its own entry, not at the list.
        reader.record(parent, FieldPath::new(&path));
        let parent_ref = ParentRef {
            group: string_or(reader, parent, &path, "group", GROUP),
            kind: string_or(reader, parent, &path, "kind", "Gateway"),
            namespace: string_or(reader, parent, &path, "namespace", &meta.namespace),
            name: string_or(reader, parent, &path, "name", ""),
            section_name: reader.string(
                parent,
                "sectionName",
                FieldPath::new(&path).key("sectionName"),
            ),
            port: reader.int(parent, "port", FieldPath::new(&path).key("port")),
            field: path.clone(),
        };
        let same_parent = route.parent_refs.iter().find(|other: &&ParentRef| {
            (&other.group, &other.kind, &other.namespace, &other.name)
                == (
                    &parent_ref.group,
                    &parent_ref.kind,
                    &parent_ref.namespace,
                    &parent_ref.name,
                )
        });
        if let Some(other) = same_parent {
            if other.section_name == parent_ref.section_name && other.port == parent_ref.port {
                problems.add(parent, &path, format!("parentRefs to the same parent {}/{} must each set a distinct sectionName or port", parent_ref.namespace, parent_ref.name));
            }
        }
        route.parent_refs.push(parent_ref);
    }
    let rule_nodes = reader.seq(spec, "rules", FieldPath::new("spec.rules"));
    if version == "v1"
        && matches!(kind, RouteKind::Tls | RouteKind::Tcp | RouteKind::Udp)
        && rule_nodes.len() != 1
    {
        problems.add(
            spec.get("rules").unwrap_or(spec),
            "spec.rules",
            format!(
                "a {kind} of version v1 has exactly 1 rule, and this one has {}",
                rule_nodes.len()
            ),
        );
    }
    if rule_nodes.len() > 16 {
        problems.add(
            spec.get("rules").unwrap_or(spec),
            "spec.rules",
            format!(
                "a {kind} has at most 16 rules, and this one has {}",
                rule_nodes.len()
            ),
        );
    }
    for (index, node) in rule_nodes.iter().enumerate() {
        let path = format!("spec.rules[{index}]");
        reader.record(node, FieldPath::new(&path));
        route.rules.push(read_rule(
            reader,
            node,
            kind,
            &path,
            &meta.namespace,
            problems,
        ));
    }
    if rule_nodes.is_empty() && spec.get("rules").is_none() && kind == RouteKind::Http {
        // The API server's default: one rule matching every path, with no backends.
        route.rules.push(RouteRule {
            name: None,
            matches: vec![RouteMatch::Http(default_http_match())],
            filters: Vec::new(),
            backend_refs: Vec::new(),
            unsupported: None,
            field: "spec".to_string(),
        });
    }
    route
}

fn default_http_match() -> HttpMatch {
    HttpMatch {
        path: PathMatch {
            kind: MatchKind::PathPrefix,
            value: "/".to_string(),
        },
        headers: Vec::new(),
        query_params: Vec::new(),
        method: None,
    }
}

/// Reads a match type: `Exact` by default; `None` for a value the API does not know.
fn match_kind(text: Option<String>, default: MatchKind) -> Result<MatchKind, String> {
    match text.as_deref() {
        None => Ok(default),
        Some("Exact") => Ok(MatchKind::Exact),
        Some("PathPrefix") if default == MatchKind::PathPrefix => Ok(MatchKind::PathPrefix),
        Some("RegularExpression") => Ok(MatchKind::RegularExpression),
        Some(other) => Err(other.to_string()),
    }
}

fn read_rule<'n>(
    reader: &mut Reader,
    node: &'n YamlNode,
    kind: RouteKind,
    path: &str,
    namespace: &str,
    problems: &mut Problems<'n>,
) -> RouteRule {
    let mut rule = RouteRule {
        name: reader.string(node, "name", FieldPath::new(path).key("name")),
        matches: Vec::new(),
        filters: Vec::new(),
        backend_refs: Vec::new(),
        unsupported: None,
        field: path.to_string(),
    };
    let mut unsupported: Vec<String> = Vec::new();
    let match_nodes = reader.seq(node, "matches", FieldPath::new(path).key("matches"));
    for (index, match_node) in match_nodes.iter().enumerate() {
        let match_path = format!("{path}.matches[{index}]");
        match kind {
            RouteKind::Http => {
                let mut http_match = default_http_match();
                if let Some(path_node) =
                    reader.map(match_node, "path", FieldPath::new(&match_path).key("path"))
                {
                    let kind_text = reader.string(
                        path_node,
                        "type",
                        FieldPath::new(&match_path).key("path.type"),
                    );
                    match match_kind(kind_text, MatchKind::PathPrefix) {
                        Ok(kind) => http_match.path.kind = kind,
                        Err(other) => unsupported.push(format!("path match type {other}")),
                    }
                    if let Some(value) = reader.string(
                        path_node,
                        "value",
                        FieldPath::new(&match_path).key("path.value"),
                    ) {
                        http_match.path.value = value;
                    }
                    if http_match.path.kind != MatchKind::RegularExpression {
                        if let Err(why) = check_path_value(&http_match.path.value) {
                            problems.add(
                                path_node,
                                &format!("{match_path}.path.value"),
                                format!(
                                    "`{match_path}.path.value` \"{}\" {why}",
                                    http_match.path.value
                                ),
                            );
                        }
                    }
                }
                http_match.headers = read_value_matches(
                    reader,
                    match_node,
                    "headers",
                    &match_path,
                    &mut unsupported,
                );
                http_match.query_params = read_value_matches(
                    reader,
                    match_node,
                    "queryParams",
                    &match_path,
                    &mut unsupported,
                );
                if let Some(method) = reader.string(
                    match_node,
                    "method",
                    FieldPath::new(&match_path).key("method"),
                ) {
                    const METHODS: &[&str] = &[
                        "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE",
                        "PATCH",
                    ];
                    if !METHODS.contains(&method.as_str()) {
                        unsupported.push(format!("method {method}"));
                    }
                    http_match.method = Some(method);
                }
                rule.matches.push(RouteMatch::Http(http_match));
            }
            RouteKind::Grpc => {
                let mut grpc_match = GrpcMatch {
                    service: None,
                    method: None,
                    kind: MatchKind::Exact,
                    headers: Vec::new(),
                };
                if let Some(method_node) = reader.map(
                    match_node,
                    "method",
                    FieldPath::new(&match_path).key("method"),
                ) {
                    let kind_text = reader.string(
                        method_node,
                        "type",
                        FieldPath::new(&match_path).key("method.type"),
                    );
                    match match_kind(kind_text, MatchKind::Exact) {
                        Ok(kind) => grpc_match.kind = kind,
                        Err(other) => unsupported.push(format!("method match type {other}")),
                    }
                    grpc_match.service = reader.string(
                        method_node,
                        "service",
                        FieldPath::new(&match_path).key("method.service"),
                    );
                    grpc_match.method = reader.string(
                        method_node,
                        "method",
                        FieldPath::new(&match_path).key("method.method"),
                    );
                    if grpc_match.service.is_none() && grpc_match.method.is_none() {
                        problems.add(
                            method_node,
                            &format!("{match_path}.method"),
                            "a gRPC method match needs `service` or `method`".into(),
                        );
                    }
                }
                grpc_match.headers = read_value_matches(
                    reader,
                    match_node,
                    "headers",
                    &match_path,
                    &mut unsupported,
                );
                rule.matches.push(RouteMatch::Grpc(grpc_match));
            }
            _ => {}
        }
    }
    if kind == RouteKind::Http && match_nodes.is_empty() {
        rule.matches.push(RouteMatch::Http(default_http_match()));
    }
    rule.filters = read_filters(
        reader,
        node,
        &format!("{path}.filters"),
        namespace,
        &mut unsupported,
        problems,
    );
    let backend_nodes = reader.seq(node, "backendRefs", FieldPath::new(path).key("backendRefs"));
    for (index, backend) in backend_nodes.iter().enumerate() {
        let backend_path = format!("{path}.backendRefs[{index}]");
        reader.record(backend, FieldPath::new(&backend_path));
        let mut backend_ref = read_backend_ref(reader, backend, &backend_path, namespace, problems);
        backend_ref.filters = read_filters(
            reader,
            backend,
            &format!("{backend_path}.filters"),
            namespace,
            &mut unsupported,
            problems,
        );
        rule.backend_refs.push(backend_ref);
    }
    // The CEL rules on filters (§11.1), on the rule's list and on each
    // backendRef's own list.
    let filters_node = node.get("filters").unwrap_or(node);
    if rule
        .filters
        .iter()
        .any(|f| f.type_name() == "RequestRedirect")
        && !rule.backend_refs.is_empty()
    {
        problems.add(
            filters_node,
            &format!("{path}.filters"),
            "RequestRedirect and backendRefs cannot be used together".into(),
        );
    }
    check_filter_list(
        &rule.filters,
        &ONCE_IN_A_RULE,
        filters_node,
        &format!("{path}.filters"),
        "a rule",
        problems,
    );
    for ((index, backend_ref), backend) in rule.backend_refs.iter().enumerate().zip(backend_nodes) {
        // A backendRef's list has the same rules, but CORS is not limited there.
        check_filter_list(
            &backend_ref.filters,
            &ONCE_IN_A_RULE[..4],
            backend.get("filters").unwrap_or(backend),
            &format!("{path}.backendRefs[{index}].filters"),
            "a backendRef",
            problems,
        );
    }
    let replaces_prefix = rule.filters.iter().any(|filter| {
        matches!(
            filter,
            Filter::RequestRedirect(Redirect {
                path: Some(PathModifier::ReplacePrefixMatch(_)),
                ..
            }) | Filter::UrlRewrite {
                path: Some(PathModifier::ReplacePrefixMatch(_)),
                ..
            }
        )
    });
    if replaces_prefix {
        let one_prefix = match rule.matches.as_slice() {
            [RouteMatch::Http(only)] => only.path.kind == MatchKind::PathPrefix,
            _ => false,
        };
        if !one_prefix || match_nodes.len() > 1 {
            problems.add(
                filters_node,
                &format!("{path}.filters"),
                "ReplacePrefixMatch needs exactly one match, of type PathPrefix".into(),
            );
        }
    }
    if !unsupported.is_empty() {
        rule.unsupported = Some(unsupported.join(", "));
    }
    rule
}

/// The filter kinds a rule's list may hold at most once (§11.1).
const ONCE_IN_A_RULE: [&str; 5] = [
    "RequestHeaderModifier",
    "ResponseHeaderModifier",
    "RequestRedirect",
    "URLRewrite",
    "CORS",
];

/// The CEL rules on one list of filters, a rule's or a backendRef's (§11.1): not
/// RequestRedirect with URLRewrite, and each kind of `once` at most once. `owner`
/// names whose list it is, for the message.
fn check_filter_list<'n>(
    filters: &[Filter],
    once: &[&str],
    node: &'n YamlNode,
    path: &str,
    owner: &str,
    problems: &mut Problems<'n>,
) {
    let count = |name: &str| filters.iter().filter(|f| f.type_name() == name).count();
    if count("RequestRedirect") > 0 && count("URLRewrite") > 0 {
        problems.add(
            node,
            path,
            "RequestRedirect and URLRewrite cannot be used together".into(),
        );
    }
    for kind in once {
        if count(kind) > 1 {
            problems.add(
                node,
                path,
                format!("{kind} may appear at most once in {owner}"),
            );
        }
    }
}

/// The CEL rules on Exact and PathPrefix values (§11.1).
fn check_path_value(value: &str) -> Result<(), &'static str> {
    if !value.starts_with('/') {
        return Err("must start with /");
    }
    for bad in ["//", "/./", "/../", "%2f", "%2F", "#"] {
        if value.contains(bad) {
            return Err("must not contain //, /./, /../, %2f, %2F or #");
        }
    }
    if value.ends_with("/..") || value.ends_with("/.") {
        return Err("must not end in /.. or /.");
    }
    Ok(())
}

fn read_value_matches(
    reader: &mut Reader,
    node: &YamlNode,
    key: &str,
    path: &str,
    unsupported: &mut Vec<String>,
) -> Vec<ValueMatch> {
    let mut matches: Vec<ValueMatch> = Vec::new();
    for (index, item) in reader
        .seq(node, key, FieldPath::new(path).key(key))
        .iter()
        .enumerate()
    {
        let item_path = format!("{path}.{key}[{index}]");
        let kind = match match_kind(
            reader.string(item, "type", FieldPath::new(&item_path).key("type")),
            MatchKind::Exact,
        ) {
            Ok(kind) => kind,
            Err(other) => {
                unsupported.push(format!("{key} match type {other}"));
                MatchKind::Exact
            }
        };
        let name = string_or(reader, item, &item_path, "name", "");
        let value = string_or(reader, item, &item_path, "value", "");
        // Only the first entry per header name counts (§11.5); query names are exact.
        let duplicate = matches.iter().any(|m| {
            if key == "queryParams" {
                m.name == name
            } else {
                m.name.eq_ignore_ascii_case(&name)
            }
        });
        if !duplicate {
            matches.push(ValueMatch { name, value, kind });
        }
    }
    matches
}

fn read_backend_ref<'n>(
    reader: &mut Reader,
    node: &'n YamlNode,
    path: &str,
    namespace: &str,
    problems: &mut Problems<'n>,
) -> BackendRef {
    let backend_ref = BackendRef {
        group: string_or(reader, node, path, "group", ""),
        kind: string_or(reader, node, path, "kind", "Service"),
        namespace: string_or(reader, node, path, "namespace", namespace),
        name: string_or(reader, node, path, "name", ""),
        port: reader.int(node, "port", FieldPath::new(path).key("port")),
        weight: reader
            .int(node, "weight", FieldPath::new(path).key("weight"))
            .unwrap_or(1),
        filters: Vec::new(),
        field: path.to_string(),
    };
    if backend_ref.is_core_service() && backend_ref.port.is_none() {
        problems.add(
            node,
            &format!("{path}.port"),
            format!("`{path}` names a Service without a `port`; a Service backend must have one"),
        );
    }
    if !(0..=1_000_000).contains(&backend_ref.weight) {
        problems.add(
            node.get("weight").unwrap_or(node),
            &format!("{path}.weight"),
            format!(
                "`{path}.weight` must be 0 to 1000000, not {}",
                backend_ref.weight
            ),
        );
    }
    if backend_ref.name.is_empty() {
        problems.add(
            node,
            &format!("{path}.name"),
            format!("`{path}.name` is required"),
        );
    }
    backend_ref
}

fn read_filters<'n>(
    reader: &mut Reader,
    node: &'n YamlNode,
    path: &str,
    namespace: &str,
    unsupported: &mut Vec<String>,
    problems: &mut Problems<'n>,
) -> Vec<Filter> {
    let mut filters = Vec::new();
    let Some(key) = path.rsplit('.').next() else {
        return filters;
    };
    for (index, filter_node) in reader
        .seq(node, key, FieldPath::new(path))
        .iter()
        .enumerate()
    {
        let filter_path = format!("{path}[{index}]");
        let filter_type = string_or(reader, filter_node, &filter_path, "type", "");
        let filter = match filter_type.as_str() {
            "RequestHeaderModifier" | "ResponseHeaderModifier" => {
                let key = if filter_type == "RequestHeaderModifier" {
                    "requestHeaderModifier"
                } else {
                    "responseHeaderModifier"
                };
                let modifier = read_header_modifier(reader, filter_node, key, &filter_path);
                if filter_type == "RequestHeaderModifier" {
                    Filter::RequestHeaderModifier(modifier)
                } else {
                    Filter::ResponseHeaderModifier(modifier)
                }
            }
            "RequestRedirect" => {
                let redirect_path = format!("{filter_path}.requestRedirect");
                let mut redirect = Redirect {
                    scheme: None,
                    hostname: None,
                    path: None,
                    port: None,
                    status_code: 302,
                };
                if let Some(redirect_node) = reader.map(
                    filter_node,
                    "requestRedirect",
                    FieldPath::new(&redirect_path),
                ) {
                    redirect.scheme = reader.string(
                        redirect_node,
                        "scheme",
                        FieldPath::new(&redirect_path).key("scheme"),
                    );
                    redirect.hostname = reader.string(
                        redirect_node,
                        "hostname",
                        FieldPath::new(&redirect_path).key("hostname"),
                    );
                    redirect.port = reader.int(
                        redirect_node,
                        "port",
                        FieldPath::new(&redirect_path).key("port"),
                    );
                    redirect.status_code = reader
                        .int(
                            redirect_node,
                            "statusCode",
                            FieldPath::new(&redirect_path).key("statusCode"),
                        )
                        .unwrap_or(302);
                    redirect.path =
                        read_path_modifier(reader, redirect_node, &redirect_path, unsupported);
                    if let Some(scheme) = &redirect.scheme {
                        if scheme != "http" && scheme != "https" {
                            unsupported.push(format!("redirect scheme {scheme}"));
                        }
                    }
                    if ![301, 302, 303, 307, 308].contains(&redirect.status_code) {
                        unsupported.push(format!("redirect status code {}", redirect.status_code));
                    }
                }
                Filter::RequestRedirect(redirect)
            }
            "URLRewrite" => {
                let rewrite_path = format!("{filter_path}.urlRewrite");
                match reader.map(filter_node, "urlRewrite", FieldPath::new(&rewrite_path)) {
                    Some(rewrite) => Filter::UrlRewrite {
                        hostname: reader.string(
                            rewrite,
                            "hostname",
                            FieldPath::new(&rewrite_path).key("hostname"),
                        ),
                        path: read_path_modifier(reader, rewrite, &rewrite_path, unsupported),
                    },
                    None => Filter::UrlRewrite {
                        hostname: None,
                        path: None,
                    },
                }
            }
            "RequestMirror" => {
                let mirror_path = format!("{filter_path}.requestMirror");
                let Some(mirror) =
                    reader.map(filter_node, "requestMirror", FieldPath::new(&mirror_path))
                else {
                    problems.add(
                        filter_node,
                        &mirror_path,
                        "a RequestMirror filter needs `requestMirror`".into(),
                    );
                    continue;
                };
                let Some(backend) = reader.map(
                    mirror,
                    "backendRef",
                    FieldPath::new(&mirror_path).key("backendRef"),
                ) else {
                    problems.add(
                        mirror,
                        &format!("{mirror_path}.backendRef"),
                        "a RequestMirror filter needs `backendRef`".into(),
                    );
                    continue;
                };
                Filter::RequestMirror(read_backend_ref(
                    reader,
                    backend,
                    &format!("{mirror_path}.backendRef"),
                    namespace,
                    problems,
                ))
            }
            "CORS" => {
                let cors_path = format!("{filter_path}.cors");
                Filter::Cors(
                    match reader.map(filter_node, "cors", FieldPath::new(&cors_path)) {
                        Some(cors) => read_cors(reader, cors, &cors_path, problems),
                        None => Cors::default(),
                    },
                )
            }
            "ExtensionRef" => {
                let name = filter_node
                    .get("extensionRef")
                    .and_then(|e| e.get("name"))
                    .and_then(YamlNode::as_str)
                    .unwrap_or("")
                    .to_string();
                Filter::ExtensionRef(name)
            }
            other => {
                unsupported.push(format!("filter type {other:?}"));
                continue;
            }
        };
        filters.push(filter);
    }
    filters
}

/// A CORS filter's `cors` object (§11.8): `maxAge` defaults to 5 and must be at
/// least 1, and `*` may stand only alone in `allowOrigins` and `allowMethods`, as
/// the API server checks.
fn read_cors<'n>(
    reader: &mut Reader,
    node: &'n YamlNode,
    path: &str,
    problems: &mut Problems<'n>,
) -> Cors {
    let field = FieldPath::new(path);
    let mut list = |reader: &mut Reader, key: &str, what: Option<&str>| -> Vec<String> {
        let names = reader.strings(node, key, field.key(key));
        if let Some(what) = what {
            if names.len() > 1 && names.iter().any(|n| n == "*") {
                problems.add(
                    node.get(key).unwrap_or(node),
                    &format!("{path}.{key}"),
                    format!("`{path}.{key}` cannot contain '*' alongside other {what}"),
                );
            }
        }
        names
    };
    let names = |names: Vec<String>| {
        if names.iter().any(|n| n == "*") {
            CorsNames::All
        } else {
            CorsNames::Only(names)
        }
    };
    let origins = list(reader, "allowOrigins", Some("origins"));
    let methods = list(reader, "allowMethods", Some("methods"));
    let headers = list(reader, "allowHeaders", None);
    let exposed = list(reader, "exposeHeaders", None);
    let max_age = reader.int(node, "maxAge", field.key("maxAge")).unwrap_or(5);
    if max_age < 1 {
        problems.add(
            node.get("maxAge").unwrap_or(node),
            &format!("{path}.maxAge"),
            format!("`{path}.maxAge` must be at least 1, not {max_age}"),
        );
    }
    Cors {
        allow_origins: origins,
        allow_credentials: reader
            .bool(node, "allowCredentials", field.key("allowCredentials"))
            .unwrap_or(false),
        allow_methods: names(methods),
        allow_headers: names(headers),
        expose_headers: names(exposed),
        max_age,
    }
}

fn read_path_modifier(
    reader: &mut Reader,
    node: &YamlNode,
    path: &str,
    unsupported: &mut Vec<String>,
) -> Option<PathModifier> {
    let modifier_path = format!("{path}.path");
    let modifier = reader.map(node, "path", FieldPath::new(&modifier_path))?;
    let modifier_type = string_or(reader, modifier, &modifier_path, "type", "");
    match modifier_type.as_str() {
        "ReplaceFullPath" => Some(PathModifier::ReplaceFullPath(
            reader
                .string(
                    modifier,
                    "replaceFullPath",
                    FieldPath::new(&modifier_path).key("replaceFullPath"),
                )
                .unwrap_or_default(),
        )),
        "ReplacePrefixMatch" => Some(PathModifier::ReplacePrefixMatch(
            reader
                .string(
                    modifier,
                    "replacePrefixMatch",
                    FieldPath::new(&modifier_path).key("replacePrefixMatch"),
                )
                .unwrap_or_default(),
        )),
        other => {
            unsupported.push(format!("path modifier type {other:?}"));
            None
        }
    }
}

fn read_header_modifier(
    reader: &mut Reader,
    node: &YamlNode,
    key: &str,
    path: &str,
) -> HeaderModifier {
    let mut modifier = HeaderModifier::default();
    let modifier_path = format!("{path}.{key}");
    let Some(modifier_node) = reader.map(node, key, FieldPath::new(&modifier_path)) else {
        return modifier;
    };
    for (list, target) in [("set", &mut modifier.set), ("add", &mut modifier.add)] {
        for (index, item) in reader
            .seq(
                modifier_node,
                list,
                FieldPath::new(&modifier_path).key(list),
            )
            .iter()
            .enumerate()
        {
            let item_path = format!("{modifier_path}.{list}[{index}]");
            let name = string_or(reader, item, &item_path, "name", "");
            let value = string_or(reader, item, &item_path, "value", "");
            target.push((name, value));
        }
    }
    modifier.remove = reader.strings(
        modifier_node,
        "remove",
        FieldPath::new(&modifier_path).key("remove"),
    );
    modifier
}

/// The string field `key` of `node` (reported at `{path}.{key}`), or `default`
/// when it is unset: the defaulted fields of every Gateway API reference.
fn string_or(reader: &mut Reader, node: &YamlNode, path: &str, key: &str, default: &str) -> String {
    reader
        .string(node, key, FieldPath::new(path).key(key))
        .unwrap_or_else(|| default.to_string())
}
