//! Service validation (§2 of `docs/semantics.md`) as a table: each row is a
//! Service manifest and the exact (code, field, line) facts it must produce, and
//! each row names the rule it checks. Ingest runs first, as in `analyze`, so a row
//! also shows that validation does not repeat what ingest already reported.

use std::collections::BTreeMap;

use kubetopo::engine::diag::{Diagnostic, Severity};
use kubetopo::engine::ingest::{ingest, SourceFile};
use kubetopo::engine::k8s_names::{
    dns1035_label_problems, dns1123_label_problems, dns1123_subdomain_problems, port_name_problems,
};
use kubetopo::engine::model::{
    Meta, PortRef, Protocol, Service, ServicePort, ServiceSpec, ServiceType, SessionAffinity,
    TrafficPolicy,
};
use kubetopo::engine::validate::validate_service;
use proptest::prelude::*;

/// One row: a manifest and the diagnostics it must produce, no more and no fewer.
struct Case {
    /// The §2 rule the row checks.
    rule: &'static str,
    yaml: String,
    expected: Vec<(&'static str, &'static str, usize)>,
}

fn case(rule: &'static str, yaml: &str, expected: &[(&'static str, &'static str, usize)]) -> Case {
    Case {
        rule,
        yaml: dedent(yaml),
        expected: expected.to_vec(),
    }
}

/// Drops the first line break and the indentation shared by every line, so the
/// manifests below can be indented with the code. Line 1 is `apiVersion`.
fn dedent(text: &str) -> String {
    let text = text.strip_prefix('\n').unwrap_or(text);
    let indent = text
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| line.len() - line.trim_start().len())
        .min()
        .unwrap_or(0);
    text.lines()
        .map(|line| line.get(indent..).unwrap_or("").trim_end())
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

/// Ingest then validate every Service, exactly as the brief and `analyze` do.
fn check(yaml: &str) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    let manifests = ingest(&[SourceFile::new("t.yaml", yaml)], &mut diagnostics);
    for service in &manifests.services {
        validate_service(service, &mut diagnostics);
    }
    diagnostics
}

fn facts(diagnostics: &[Diagnostic]) -> Vec<(String, String, usize)> {
    let mut facts: Vec<(String, String, usize)> = diagnostics
        .iter()
        .map(|d| (d.code.to_string(), d.field.clone(), d.source.line))
        .collect();
    facts.sort();
    facts
}

const SOURCE_RANGES: &str =
    "metadata.annotations[service.beta.kubernetes.io/load-balancer-source-ranges]";

fn cases() -> Vec<Case> {
    vec![
        // ---------------------------------------------------------------- valid
        case(
            "§2 valid: ClusterIP with named ports, a named targetPort and an appProtocol",
            r#"
            apiVersion: v1
            kind: Service
            metadata:
              name: web
            spec:
              selector: {app: web}
              ports:
              - name: http
                port: 80
                targetPort: http
              - name: grpc
                port: 9090
                targetPort: 9090
                appProtocol: kubernetes.io/h2c
            "#,
            &[],
        ),
        case(
            "§2 valid: NodePort; the same port over UDP and TCP shares one nodePort (duplicates are per (protocol, nodePort))",
            r#"
            apiVersion: v1
            kind: Service
            metadata:
              name: dns
            spec:
              type: NodePort
              externalTrafficPolicy: Cluster
              selector: {app: dns}
              ports:
              - {name: dns-udp, protocol: UDP, port: 53, nodePort: 30053}
              - {name: dns-tcp, protocol: TCP, port: 53, nodePort: 30053}
            "#,
            &[],
        ),
        case(
            "§2 valid: LoadBalancer with externalTrafficPolicy Local, healthCheckNodePort, class, source ranges and allocateLoadBalancerNodePorts",
            r#"
            apiVersion: v1
            kind: Service
            metadata:
              name: web
            spec:
              type: LoadBalancer
              externalTrafficPolicy: Local
              healthCheckNodePort: 32000
              allocateLoadBalancerNodePorts: false
              loadBalancerClass: example.com/internal
              loadBalancerSourceRanges: [" 10.0.0.0/8", "2001:db8::/32"]
              selector: {app: web}
              ports:
              - {name: https, port: 443, targetPort: 8443, nodePort: 31443}
            "#,
            &[],
        ),
        case(
            "§2 valid: ports are not required for a headless Service",
            r#"
            apiVersion: v1
            kind: Service
            metadata:
              name: db
            spec:
              clusterIP: None
              selector: {app: db}
            "#,
            &[],
        ),
        case(
            "§2 valid: headless with one IPv6 family; clusterIPs are not matched to families when headless",
            r#"
            apiVersion: v1
            kind: Service
            metadata:
              name: db
            spec:
              clusterIP: None
              ipFamilies: [IPv6]
              ipFamilyPolicy: SingleStack
              selector: {app: db}
              ports:
              - {name: pg, port: 5432, targetPort: 5432}
            "#,
            &[],
        ),
        case(
            "§2 valid: ExternalName needs no ports, and a trailing '.' is stripped before the DNS check",
            r#"
            apiVersion: v1
            kind: Service
            metadata:
              name: db
            spec:
              type: ExternalName
              externalName: db.example.com.
            "#,
            &[],
        ),
        case(
            "§2 valid: dual-stack clusterIPs, one IPv4 and one IPv6, matching ipFamilies",
            r#"
            apiVersion: v1
            kind: Service
            metadata:
              name: web
            spec:
              clusterIP: 10.96.0.20
              clusterIPs: [10.96.0.20, "fd00::20"]
              ipFamilies: [IPv4, IPv6]
              ipFamilyPolicy: RequireDualStack
              selector: {app: web}
              ports: [{port: 80}]
            "#,
            &[],
        ),
        case(
            "§2 valid: ClusterIP with externalIPs is externally accessible, so externalTrafficPolicy is allowed; only link-local multicast is special",
            r#"
            apiVersion: v1
            kind: Service
            metadata:
              name: web
            spec:
              externalIPs: [203.0.113.10, "2001:db8::10", 239.1.1.1]
              externalTrafficPolicy: Local
              selector: {app: web}
              ports: [{port: 80}]
            "#,
            &[],
        ),
        case(
            "§2 valid: ClientIP affinity timeout 0 < t <= 86400",
            r#"
            apiVersion: v1
            kind: Service
            metadata:
              name: web
            spec:
              sessionAffinity: ClientIP
              sessionAffinityConfig:
                clientIP:
                  timeoutSeconds: 86400
              selector: {app: web}
              ports: [{port: 80}]
            "#,
            &[],
        ),
        case(
            "§2 valid: the source-ranges annotation on a LoadBalancer, entries trimmed of spaces",
            r#"
            apiVersion: v1
            kind: Service
            metadata:
              name: web
              annotations:
                service.beta.kubernetes.io/load-balancer-source-ranges: " 10.0.0.0/8, 192.168.0.0/16 "
            spec:
              type: LoadBalancer
              ports: [{port: 80}]
            "#,
            &[],
        ),
        case(
            "§2 valid: the annotation is validated only when loadBalancerSourceRanges is empty",
            r#"
            apiVersion: v1
            kind: Service
            metadata:
              name: web
              annotations:
                service.beta.kubernetes.io/load-balancer-source-ranges: "bogus"
            spec:
              type: LoadBalancer
              loadBalancerSourceRanges: [10.0.0.0/8]
              ports: [{port: 80}]
            "#,
            &[],
        ),
        case(
            "§2 valid: one unnamed port; a named targetPort; internalTrafficPolicy and trafficDistribution",
            r#"
            apiVersion: v1
            kind: Service
            metadata:
              name: web
            spec:
              internalTrafficPolicy: Local
              trafficDistribution: PreferClose
              ports: [{port: 80, targetPort: web-http}]
            "#,
            &[],
        ),
        // ----------------------------------------------------------------- name
        case(
            "§2 Name: must be a DNS-1035 label (lowercase, no '_')",
            r#"
            apiVersion: v1
            kind: Service
            metadata:
              name: Web_Svc
            spec:
              ports: [{port: 80}]
            "#,
            &[("service-name-invalid", "metadata.name", 4)],
        ),
        case(
            "§2 Name: a DNS-1035 label starts with a letter",
            r#"
            apiVersion: v1
            kind: Service
            metadata:
              name: 1web
            spec:
              ports: [{port: 80}]
            "#,
            &[("service-name-invalid", "metadata.name", 4)],
        ),
        case(
            "§2 Name: a DNS-1035 label is at most 63 characters",
            &format!("apiVersion: v1\nkind: Service\nmetadata:\n  name: {}\nspec:\n  ports: [{{port: 80}}]\n", "a".repeat(64)),
            &[("service-name-invalid", "metadata.name", 4)],
        ),
        // ---------------------------------------------------------------- ports
        case(
            "§2 ports: required unless headless or ExternalName (absent)",
            r#"
            apiVersion: v1
            kind: Service
            metadata:
              name: web
            spec:
              selector: {app: web}
            "#,
            &[("service-ports-required", "spec.ports", 6)],
        ),
        case(
            "§2 ports: required unless headless or ExternalName (empty list)",
            r#"
            apiVersion: v1
            kind: Service
            metadata:
              name: web
            spec:
              selector: {app: web}
              ports: []
            "#,
            &[("service-ports-required", "spec.ports", 7)],
        ),
        case(
            "§2 ports.name: required when there is more than one port",
            r#"
            apiVersion: v1
            kind: Service
            metadata:
              name: web
            spec:
              ports:
              - name: http
                port: 80
              - port: 81
            "#,
            &[("service-port-name-required", "spec.ports[1].name", 9)],
        ),
        case(
            "§2 ports.name: a DNS-1123 label, unique within the Service (\"Duplicate\")",
            r#"
            apiVersion: v1
            kind: Service
            metadata:
              name: web
            spec:
              ports:
              - name: HTTP
                port: 80
              - name: web
                port: 81
              - name: web
                port: 82
            "#,
            &[("service-port-name-invalid", "spec.ports[0].name", 7), ("service-port-name-duplicate", "spec.ports[2].name", 11)],
        ),
        case(
            "§2 ports.port: must be 1-65535 (a defaulted targetPort copying a bad port is not reported twice)",
            r#"
            apiVersion: v1
            kind: Service
            metadata:
              name: web
            spec:
              ports:
              - name: a
                port: 0
              - name: b
                port: 70000
                targetPort: 8080
            "#,
            &[("service-port-out-of-range", "spec.ports[0].port", 8), ("service-port-out-of-range", "spec.ports[1].port", 10)],
        ),
        case(
            "§2 ports.targetPort: an integer must be 1-65535",
            r#"
            apiVersion: v1
            kind: Service
            metadata:
              name: web
            spec:
              ports:
              - name: a
                port: 80
                targetPort: 65536
              - name: b
                port: 81
                targetPort: -1
            "#,
            &[("service-target-port-out-of-range", "spec.ports[0].targetPort", 9), ("service-target-port-out-of-range", "spec.ports[1].targetPort", 12)],
        ),
        case(
            "§2 ports.targetPort: a string must be an IANA_SVC_NAME (<= 15, [-a-z0-9], a letter, no '--')",
            r#"
            apiVersion: v1
            kind: Service
            metadata:
              name: web
            spec:
              ports:
              - name: a
                port: 80
                targetPort: "8080"
              - name: b
                port: 81
                targetPort: very-long-port-name
              - name: c
                port: 82
                targetPort: web--http
              - name: d
                port: 83
                targetPort: Http
              - name: e
                port: 84
                targetPort: -web
            "#,
            &[
                ("service-target-port-name-invalid", "spec.ports[0].targetPort", 9),
                ("service-target-port-name-invalid", "spec.ports[1].targetPort", 12),
                ("service-target-port-name-invalid", "spec.ports[2].targetPort", 15),
                ("service-target-port-name-invalid", "spec.ports[3].targetPort", 18),
                ("service-target-port-name-invalid", "spec.ports[4].targetPort", 21),
            ],
        ),
        case(
            "§2 ports.appProtocol: if set, must be a qualified name",
            r#"
            apiVersion: v1
            kind: Service
            metadata:
              name: web
            spec:
              ports:
              - port: 80
                appProtocol: HTTP/2
            "#,
            &[("service-app-protocol-invalid", "spec.ports[0].appProtocol", 8)],
        ),
        case(
            "§2 ports: two ports with the same (protocol, port) pair are a duplicate; another protocol is not",
            r#"
            apiVersion: v1
            kind: Service
            metadata:
              name: web
            spec:
              ports:
              - name: a
                port: 80
              - name: b
                port: 80
              - name: c
                port: 80
                protocol: UDP
            "#,
            &[("service-port-duplicate", "spec.ports[1]", 9)],
        ),
        case(
            "§2 ports: field paths stay those of the manifest when ingest drops an entry without `port`",
            r#"
            apiVersion: v1
            kind: Service
            metadata:
              name: web
            spec:
              ports:
              - name: broken
              - name: HTTP
                port: 80
            "#,
            &[("service-port-missing", "spec.ports[0].port", 7), ("service-port-name-invalid", "spec.ports[1].name", 8)],
        ),
        // ------------------------------------------------------------- nodePort
        case(
            "§2 nodePort: forbidden when type is ClusterIP",
            r#"
            apiVersion: v1
            kind: Service
            metadata:
              name: web
            spec:
              ports:
              - port: 80
                nodePort: 30080
            "#,
            &[("service-node-port-forbidden", "spec.ports[0].nodePort", 8)],
        ),
        case(
            "§2 nodePort: a repeated (protocol, nodePort) pair inside one Service is a duplicate",
            r#"
            apiVersion: v1
            kind: Service
            metadata:
              name: web
            spec:
              type: NodePort
              ports:
              - name: a
                port: 80
                nodePort: 30080
              - name: b
                port: 81
                nodePort: 30080
            "#,
            &[("service-node-port-duplicate", "spec.ports[1].nodePort", 13)],
        ),
        // ----------------------------------------------------------- clusterIPs
        case(
            "§2 clusterIPs: at most 2 entries",
            r#"
            apiVersion: v1
            kind: Service
            metadata:
              name: web
            spec:
              clusterIP: 10.96.0.1
              clusterIPs: [10.96.0.1, 10.96.0.2, "fd00::1"]
              ports: [{port: 80}]
            "#,
            &[("service-cluster-ips-invalid", "spec.clusterIPs", 7)],
        ),
        case(
            "§2 clusterIPs: with 2 entries they must be one IPv4 and one IPv6 address",
            r#"
            apiVersion: v1
            kind: Service
            metadata:
              name: web
            spec:
              clusterIP: 10.96.0.1
              clusterIPs: [10.96.0.1, 10.96.0.2]
              ports: [{port: 80}]
            "#,
            &[("service-cluster-ips-invalid", "spec.clusterIPs", 7)],
        ),
        case(
            "§2 clusterIPs: \"None\" is allowed only as the first and only entry (first of two)",
            r#"
            apiVersion: v1
            kind: Service
            metadata:
              name: web
            spec:
              clusterIP: None
              clusterIPs: [None, "fd00::1"]
              ports: [{port: 80}]
            "#,
            &[("service-cluster-ips-invalid", "spec.clusterIPs", 7)],
        ),
        case(
            "§2 clusterIPs: \"None\" is allowed only as the first and only entry (second)",
            r#"
            apiVersion: v1
            kind: Service
            metadata:
              name: web
            spec:
              clusterIP: 10.96.0.1
              clusterIPs: [10.96.0.1, None]
              ports: [{port: 80}]
            "#,
            &[("service-cluster-ips-invalid", "spec.clusterIPs[1]", 7)],
        ),
        case(
            "§2 clusterIP: each entry must be an IP address (singular field written)",
            r#"
            apiVersion: v1
            kind: Service
            metadata:
              name: web
            spec:
              clusterIP: 10.96.0.300
              ports: [{port: 80}]
            "#,
            &[("service-cluster-ips-invalid", "spec.clusterIP", 6)],
        ),
        case(
            "§2 clusterIPs: if clusterIP is empty, clusterIPs must be empty",
            r#"
            apiVersion: v1
            kind: Service
            metadata:
              name: web
            spec:
              clusterIPs: [10.96.0.5]
              ports: [{port: 80}]
            "#,
            &[("service-cluster-ips-invalid", "spec.clusterIPs", 6)],
        ),
        case(
            "§2 clusterIPs: if clusterIP is set, clusterIPs[0] must equal it (reported by ingest, not repeated)",
            r#"
            apiVersion: v1
            kind: Service
            metadata:
              name: web
            spec:
              clusterIP: 10.96.0.7
              clusterIPs: [10.96.0.8]
              ports: [{port: 80}]
            "#,
            &[("service-cluster-ips-mismatch", "spec.clusterIPs", 6)],
        ),
        case(
            "§2 clusterIPs: each entry must match ipFamilies[i] by family",
            r#"
            apiVersion: v1
            kind: Service
            metadata:
              name: web
            spec:
              clusterIP: "fd00::10"
              clusterIPs: ["fd00::10"]
              ipFamilies: [IPv4]
              ports: [{port: 80}]
            "#,
            &[("service-cluster-ips-invalid", "spec.clusterIPs[0]", 7)],
        ),
        // ------------------------------------------------------------- headless
        case(
            "§2 Headless: not allowed for NodePort (\"may not be set to 'None' for NodePort services\")",
            r#"
            apiVersion: v1
            kind: Service
            metadata:
              name: web
            spec:
              type: NodePort
              clusterIP: None
              ports: [{port: 80}]
            "#,
            &[("service-headless-type-invalid", "spec.clusterIP", 7)],
        ),
        case(
            "§2 Headless: not allowed for LoadBalancer (written as clusterIPs)",
            r#"
            apiVersion: v1
            kind: Service
            metadata:
              name: web
            spec:
              type: LoadBalancer
              clusterIP: None
              clusterIPs: [None]
              ports: [{port: 80}]
            "#,
            &[("service-headless-type-invalid", "spec.clusterIPs[0]", 8)],
        ),
        case(
            "§2 Headless: targetPort on a headless Service is tolerated but ignored (info)",
            r#"
            apiVersion: v1
            kind: Service
            metadata:
              name: db
            spec:
              clusterIP: None
              selector: {app: db}
              ports:
              - port: 80
                targetPort: 8080
            "#,
            &[("service-headless-target-port", "spec.ports[0].targetPort", 10)],
        ),
        // --------------------------------------------------------- ExternalName
        case(
            "§2 ExternalName: externalName is required",
            r#"
            apiVersion: v1
            kind: Service
            metadata:
              name: db
            spec:
              type: ExternalName
            "#,
            &[("service-external-name-missing", "spec.externalName", 6)],
        ),
        case(
            "§2 ExternalName: a trailing '.' is stripped, so \".\" alone is missing",
            r#"
            apiVersion: v1
            kind: Service
            metadata:
              name: db
            spec:
              type: ExternalName
              externalName: "."
            "#,
            &[("service-external-name-missing", "spec.externalName", 7)],
        ),
        case(
            "§2 ExternalName: the rest must be a DNS-1123 subdomain (no scheme, no uppercase)",
            r#"
            apiVersion: v1
            kind: Service
            metadata:
              name: db
            spec:
              type: ExternalName
              externalName: https://DB.example.com
            "#,
            &[("service-external-name-invalid", "spec.externalName", 7)],
        ),
        case(
            "§2 ExternalName: a DNS-1123 subdomain is at most 253 characters",
            &format!(
                "apiVersion: v1\nkind: Service\nmetadata:\n  name: db\nspec:\n  type: ExternalName\n  externalName: {}.example.com\n",
                vec!["a".repeat(60); 4].join(".")
            ),
            &[("service-external-name-invalid", "spec.externalName", 7)],
        ),
        case(
            "§2 ExternalName: clusterIPs, ipFamilies and ipFamilyPolicy \"may not be set for ExternalName services\"",
            r#"
            apiVersion: v1
            kind: Service
            metadata:
              name: db
            spec:
              type: ExternalName
              externalName: db.example.com
              clusterIP: None
              ipFamilies: [IPv4]
              ipFamilyPolicy: SingleStack
            "#,
            &[
                ("service-external-name-forbidden-fields", "spec.clusterIP", 8),
                ("service-external-name-forbidden-fields", "spec.ipFamilies", 9),
                ("service-external-name-forbidden-fields", "spec.ipFamilyPolicy", 10),
            ],
        ),
        // ------------------------------------------------- ipFamilies and policy
        case(
            "§2 ipFamilies: each entry is IPv4 or IPv6",
            r#"
            apiVersion: v1
            kind: Service
            metadata:
              name: web
            spec:
              ipFamilies: [ipv4]
              ports: [{port: 80}]
            "#,
            &[("service-ip-families-invalid", "spec.ipFamilies[0]", 6)],
        ),
        case(
            "§2 ipFamilies: no duplicates",
            r#"
            apiVersion: v1
            kind: Service
            metadata:
              name: web
            spec:
              ipFamilies: [IPv6, IPv6]
              ports: [{port: 80}]
            "#,
            &[("service-ip-families-invalid", "spec.ipFamilies[1]", 6)],
        ),
        case(
            "§2 ipFamilyPolicy: one of SingleStack, PreferDualStack, RequireDualStack",
            r#"
            apiVersion: v1
            kind: Service
            metadata:
              name: web
            spec:
              ipFamilyPolicy: DualStack
              ports: [{port: 80}]
            "#,
            &[("service-ip-family-policy-invalid", "spec.ipFamilyPolicy", 6)],
        ),
        // ------------------------------------------------------------- selector
        case(
            "§2 selector: keys and values must be valid labels",
            r#"
            apiVersion: v1
            kind: Service
            metadata:
              name: web
            spec:
              selector:
                app.kubernetes.io/name/extra: web
                tier: "front end"
              ports: [{port: 80}]
            "#,
            &[("service-selector-invalid", "spec.selector", 7), ("service-selector-invalid", "spec.selector[tier]", 7)],
        ),
        // ------------------------------------------------------ sessionAffinity
        case(
            "§2 sessionAffinity: the ClientIP timeout must satisfy 0 < t (\"must be greater than 0 and less than 86400\")",
            r#"
            apiVersion: v1
            kind: Service
            metadata:
              name: web
            spec:
              sessionAffinity: ClientIP
              sessionAffinityConfig:
                clientIP:
                  timeoutSeconds: 0
              ports: [{port: 80}]
            "#,
            &[("service-session-affinity-timeout", "spec.sessionAffinityConfig.clientIP.timeoutSeconds", 9)],
        ),
        case(
            "§2 sessionAffinity: the ClientIP timeout must satisfy t <= 86400",
            r#"
            apiVersion: v1
            kind: Service
            metadata:
              name: web
            spec:
              sessionAffinity: ClientIP
              sessionAffinityConfig: {clientIP: {timeoutSeconds: 86401}}
              ports: [{port: 80}]
            "#,
            &[("service-session-affinity-timeout", "spec.sessionAffinityConfig.clientIP.timeoutSeconds", 7)],
        ),
        case(
            "§2 sessionAffinity: with None, sessionAffinityConfig is forbidden; defaulting clears it (warning)",
            r#"
            apiVersion: v1
            kind: Service
            metadata:
              name: web
            spec:
              sessionAffinityConfig:
                clientIP:
                  timeoutSeconds: 600
              ports: [{port: 80}]
            "#,
            &[("service-session-affinity-config-forbidden", "spec.sessionAffinityConfig", 7)],
        ),
        // ---------------------------------------------------------- externalIPs
        case(
            "§2 externalIPs: a valid IP, not unspecified, loopback, link-local or link-local multicast",
            r#"
            apiVersion: v1
            kind: Service
            metadata:
              name: web
            spec:
              externalIPs: [127.0.0.1, not-an-ip, 169.254.1.1, 224.0.0.5, 0.0.0.0, "::1", "fe80::1", "ff02::1", "::ffff:127.0.0.1"]
              ports: [{port: 80}]
            "#,
            &[
                ("service-external-ips-invalid", "spec.externalIPs[0]", 6),
                ("service-external-ips-invalid", "spec.externalIPs[1]", 6),
                ("service-external-ips-invalid", "spec.externalIPs[2]", 6),
                ("service-external-ips-invalid", "spec.externalIPs[3]", 6),
                ("service-external-ips-invalid", "spec.externalIPs[4]", 6),
                ("service-external-ips-invalid", "spec.externalIPs[5]", 6),
                ("service-external-ips-invalid", "spec.externalIPs[6]", 6),
                ("service-external-ips-invalid", "spec.externalIPs[7]", 6),
                ("service-external-ips-invalid", "spec.externalIPs[8]", 6),
            ],
        ),
        // --------------------------------------------- loadBalancerSourceRanges
        case(
            "§2 loadBalancerSourceRanges: forbidden unless type is LoadBalancer",
            r#"
            apiVersion: v1
            kind: Service
            metadata:
              name: web
            spec:
              loadBalancerSourceRanges: [10.0.0.0/8]
              ports: [{port: 80}]
            "#,
            &[("service-lb-source-ranges-forbidden", "spec.loadBalancerSourceRanges", 6)],
        ),
        case(
            "§2 loadBalancerSourceRanges: each trimmed entry must be a valid CIDR",
            r#"
            apiVersion: v1
            kind: Service
            metadata:
              name: web
            spec:
              type: LoadBalancer
              loadBalancerSourceRanges: [10.0.0.0/33, 10.0.0.1, "fd00::/129", "10.0.0.0/ 8"]
              ports: [{port: 80}]
            "#,
            &[
                ("service-lb-source-ranges-invalid", "spec.loadBalancerSourceRanges[0]", 7),
                ("service-lb-source-ranges-invalid", "spec.loadBalancerSourceRanges[1]", 7),
                ("service-lb-source-ranges-invalid", "spec.loadBalancerSourceRanges[2]", 7),
                ("service-lb-source-ranges-invalid", "spec.loadBalancerSourceRanges[3]", 7),
            ],
        ),
        case(
            "§2 loadBalancerSourceRanges: the annotation is validated the same way when the field is empty",
            r#"
            apiVersion: v1
            kind: Service
            metadata:
              name: web
              annotations:
                service.beta.kubernetes.io/load-balancer-source-ranges: "10.0.0.0/8,bogus"
            spec:
              type: NodePort
              ports: [{port: 80}]
            "#,
            &[("service-lb-source-ranges-forbidden", SOURCE_RANGES, 6), ("service-lb-source-ranges-invalid", SOURCE_RANGES, 6)],
        ),
        // ------------------------------------------ other LoadBalancer-only fields
        case(
            "§2 allocateLoadBalancerNodePorts: only for LoadBalancer",
            r#"
            apiVersion: v1
            kind: Service
            metadata:
              name: web
            spec:
              type: NodePort
              allocateLoadBalancerNodePorts: false
              ports: [{port: 80}]
            "#,
            &[("service-allocate-node-ports-forbidden", "spec.allocateLoadBalancerNodePorts", 7)],
        ),
        case(
            "§2 loadBalancerClass: only for LoadBalancer",
            r#"
            apiVersion: v1
            kind: Service
            metadata:
              name: web
            spec:
              loadBalancerClass: example.com/lb
              ports: [{port: 80}]
            "#,
            &[("service-lb-class-forbidden", "spec.loadBalancerClass", 6)],
        ),
        case(
            "§2 loadBalancerClass: must be a qualified name",
            r#"
            apiVersion: v1
            kind: Service
            metadata:
              name: web
            spec:
              type: LoadBalancer
              loadBalancerClass: example.com/internal/vip
              ports: [{port: 80}]
            "#,
            &[("service-lb-class-invalid", "spec.loadBalancerClass", 7)],
        ),
        // ------------------------------------------- externalTrafficPolicy, HCNP
        case(
            "§2 externalTrafficPolicy: \"may only be set for externally-accessible services\" (ClusterIP without externalIPs)",
            r#"
            apiVersion: v1
            kind: Service
            metadata:
              name: web
            spec:
              externalTrafficPolicy: Local
              ports: [{port: 80}]
            "#,
            &[("service-external-traffic-policy-forbidden", "spec.externalTrafficPolicy", 6)],
        ),
        case(
            "§2 externalTrafficPolicy: an ExternalName Service is not externally accessible",
            r#"
            apiVersion: v1
            kind: Service
            metadata:
              name: db
            spec:
              type: ExternalName
              externalName: db.example.com
              externalTrafficPolicy: Cluster
            "#,
            &[("service-external-traffic-policy-forbidden", "spec.externalTrafficPolicy", 8)],
        ),
        case(
            "§2 healthCheckNodePort: forbidden unless LoadBalancer with externalTrafficPolicy Local (ETP Cluster)",
            r#"
            apiVersion: v1
            kind: Service
            metadata:
              name: web
            spec:
              type: LoadBalancer
              externalTrafficPolicy: Cluster
              healthCheckNodePort: 32000
              ports: [{port: 80}]
            "#,
            &[("service-health-check-node-port-forbidden", "spec.healthCheckNodePort", 8)],
        ),
        case(
            "§2 healthCheckNodePort: forbidden on NodePort even with externalTrafficPolicy Local",
            r#"
            apiVersion: v1
            kind: Service
            metadata:
              name: web
            spec:
              type: NodePort
              externalTrafficPolicy: Local
              healthCheckNodePort: 32000
              ports: [{port: 80}]
            "#,
            &[("service-health-check-node-port-forbidden", "spec.healthCheckNodePort", 8)],
        ),
        // ------------------------------------------------------ ingest's codes
        case(
            "§2 type, sessionAffinity, protocol: invalid values are ingest's codes and are not repeated",
            r#"
            apiVersion: v1
            kind: Service
            metadata:
              name: web
            spec:
              type: Headless
              sessionAffinity: Sticky
              ports: [{port: 80, protocol: HTTP}]
            "#,
            &[
                ("invalid-protocol", "spec.ports[0].protocol", 8),
                ("service-invalid-session-affinity", "spec.sessionAffinity", 7),
                ("service-invalid-type", "spec.type", 6),
            ],
        ),
        // --------------------------------------------- every problem, not the first
        case(
            "§2 collects every problem: headless LoadBalancer, class, duplicate port and bad ranges together",
            r#"
            apiVersion: v1
            kind: Service
            metadata:
              name: Web
            spec:
              type: LoadBalancer
              clusterIP: None
              loadBalancerClass: "-bad"
              loadBalancerSourceRanges: [nope]
              ports:
              - {name: a, port: 80}
              - {name: b, port: 80}
            "#,
            &[
                ("service-headless-type-invalid", "spec.clusterIP", 7),
                ("service-lb-class-invalid", "spec.loadBalancerClass", 8),
                ("service-lb-source-ranges-invalid", "spec.loadBalancerSourceRanges[0]", 9),
                ("service-name-invalid", "metadata.name", 4),
                ("service-port-duplicate", "spec.ports[1]", 12),
            ],
        ),
    ]
}

#[test]
fn service_validation_table() {
    let mut failures = Vec::new();
    let cases = cases();
    for case in &cases {
        let diagnostics = check(&case.yaml);
        let actual = facts(&diagnostics);
        let mut expected: Vec<(String, String, usize)> = case
            .expected
            .iter()
            .map(|(code, field, line)| (code.to_string(), field.to_string(), *line))
            .collect();
        expected.sort();
        if actual != expected {
            failures.push(format!(
                "{}\n  expected: {expected:?}\n  actual:   {actual:?}\n  messages: {:#?}",
                case.rule,
                diagnostics.iter().map(|d| &d.message).collect::<Vec<_>>()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} rows failed:\n\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
}

/// Every validation code appears in the table, so none is untested.
#[test]
fn every_code_has_a_row() {
    let seen: Vec<&str> = cases()
        .iter()
        .flat_map(|case| case.expected.iter().map(|(code, _, _)| *code))
        .collect();
    for code in VALIDATION_CODES {
        assert!(seen.contains(&code.0), "no table row expects {}", code.0);
    }
}

/// Each code's severity: errors unless the rule is advisory.
const VALIDATION_CODES: &[(&str, Severity)] = &[
    ("service-name-invalid", Severity::Error),
    ("service-ports-required", Severity::Error),
    ("service-port-name-required", Severity::Error),
    ("service-port-name-invalid", Severity::Error),
    ("service-port-name-duplicate", Severity::Error),
    ("service-port-out-of-range", Severity::Error),
    ("service-target-port-out-of-range", Severity::Error),
    ("service-target-port-name-invalid", Severity::Error),
    ("service-app-protocol-invalid", Severity::Error),
    ("service-port-duplicate", Severity::Error),
    ("service-node-port-forbidden", Severity::Error),
    ("service-node-port-duplicate", Severity::Error),
    ("service-cluster-ips-invalid", Severity::Error),
    ("service-headless-type-invalid", Severity::Error),
    ("service-headless-target-port", Severity::Info),
    ("service-external-name-missing", Severity::Error),
    ("service-external-name-invalid", Severity::Error),
    ("service-external-name-forbidden-fields", Severity::Error),
    ("service-ip-families-invalid", Severity::Error),
    ("service-ip-family-policy-invalid", Severity::Error),
    ("service-selector-invalid", Severity::Error),
    ("service-session-affinity-timeout", Severity::Error),
    (
        "service-session-affinity-config-forbidden",
        Severity::Warning,
    ),
    ("service-external-ips-invalid", Severity::Error),
    ("service-lb-source-ranges-forbidden", Severity::Error),
    ("service-lb-source-ranges-invalid", Severity::Error),
    ("service-allocate-node-ports-forbidden", Severity::Error),
    ("service-lb-class-forbidden", Severity::Error),
    ("service-lb-class-invalid", Severity::Error),
    ("service-external-traffic-policy-forbidden", Severity::Error),
    ("service-health-check-node-port-forbidden", Severity::Error),
];

#[test]
fn severities_object_and_source_file() {
    let severity_by_code: BTreeMap<&str, Severity> = VALIDATION_CODES.iter().copied().collect();
    for case in cases() {
        for diagnostic in check(&case.yaml) {
            assert_eq!(diagnostic.source.file, "t.yaml", "{}", case.rule);
            assert_eq!(diagnostic.source.document, 1, "{}", case.rule);
            assert!(!diagnostic.message.is_empty());
            let Some(severity) = severity_by_code.get(diagnostic.code) else {
                continue;
            };
            assert_eq!(
                diagnostic.severity, *severity,
                "{}: {}",
                case.rule, diagnostic.code
            );
            assert!(
                diagnostic.object.starts_with("Service/default/"),
                "{}: {}",
                case.rule,
                diagnostic.object
            );
        }
    }
}

#[test]
fn object_names_the_namespace_and_documents_are_counted() {
    let yaml = "apiVersion: v1\nkind: Service\nmetadata: {name: ok}\nspec: {ports: [{port: 80}]}\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  ports: [{port: 0}]\n";
    let diagnostics = check(yaml);
    assert_eq!(diagnostics.len(), 1, "{diagnostics:#?}");
    let diagnostic = &diagnostics[0];
    assert_eq!(diagnostic.code, "service-port-out-of-range");
    assert_eq!(diagnostic.object, "Service/shop/web");
    assert_eq!(diagnostic.field, "spec.ports[0].port");
    // Lines count from the top of the file, not of the document.
    assert_eq!(
        (diagnostic.source.document, diagnostic.source.line),
        (2, 12)
    );
}

#[test]
fn messages_quote_kubernetes_and_say_what_to_change() {
    let yaml = dedent(
        r#"
        apiVersion: v1
        kind: Service
        metadata:
          name: web
        spec:
          externalTrafficPolicy: Local
          ports:
          - port: 80
            nodePort: 30080
        "#,
    );
    let diagnostics = check(&yaml);
    let message = |code: &str| {
        diagnostics
            .iter()
            .find(|d| d.code == code)
            .map(|d| d.message.clone())
            .unwrap_or_default()
    };
    assert!(message("service-external-traffic-policy-forbidden")
        .contains("may only be set for externally-accessible services"));
    assert!(message("service-node-port-forbidden")
        .contains("may not be used when `type` is 'ClusterIP'"));
    assert!(message("service-node-port-forbidden").contains("Remove it"));
}

/// A Service built in code has no recorded positions; validation still works and
/// points at the object.
#[test]
fn service_built_without_positions() {
    let service = Service {
        meta: Meta {
            name: String::new(),
            namespace: "default".to_string(),
            ..Meta::default()
        },
        spec: ServiceSpec {
            service_type: ServiceType::NodePort,
            selector: None,
            ports: vec![
                ServicePort {
                    name: None,
                    protocol: Protocol::Tcp,
                    port: -5,
                    target_port: PortRef::Name(String::new()),
                    node_port: Some(30000),
                    app_protocol: Some(String::new()),
                },
                ServicePort {
                    name: Some("é".repeat(40)),
                    protocol: Protocol::Tcp,
                    port: -5,
                    target_port: PortRef::Number(i64::MIN),
                    node_port: Some(30000),
                    app_protocol: None,
                },
            ],
            cluster_ips: vec!["None".to_string(), String::new(), "None".to_string()],
            external_ips: vec![String::new()],
            external_name: Some(".".to_string()),
            load_balancer_ips_status: Vec::new(),
            load_balancer_ip_requested: None,
            load_balancer_source_ranges: vec![
                "/".to_string(),
                "1.2.3.4/".to_string(),
                "::/999".to_string(),
            ],
            load_balancer_class: Some(String::new()),
            external_traffic_policy: Some(TrafficPolicy::Local),
            internal_traffic_policy: None,
            session_affinity: SessionAffinity::ClientIP,
            session_affinity_timeout: Some(i64::MAX),
            publish_not_ready_addresses: false,
            allocate_load_balancer_node_ports: Some(true),
            health_check_node_port: Some(-1),
            traffic_distribution: None,
            ip_families: vec![String::new(), String::new()],
            ip_family_policy: Some(String::new()),
        },
    };
    let mut diagnostics = Vec::new();
    validate_service(&service, &mut diagnostics);
    let codes: Vec<&str> = diagnostics.iter().map(|d| d.code).collect();
    for code in [
        "service-name-invalid",
        "service-port-name-required",
        "service-port-out-of-range",
        "service-target-port-name-invalid",
        "service-app-protocol-invalid",
        "service-port-duplicate",
        "service-node-port-duplicate",
        "service-cluster-ips-invalid",
        "service-ip-families-invalid",
        "service-ip-family-policy-invalid",
        "service-session-affinity-timeout",
        "service-external-ips-invalid",
        "service-lb-source-ranges-forbidden",
        "service-lb-source-ranges-invalid",
        "service-allocate-node-ports-forbidden",
        "service-lb-class-forbidden",
        "service-health-check-node-port-forbidden",
    ] {
        assert!(codes.contains(&code), "missing {code} in {codes:?}");
    }
    assert!(diagnostics
        .iter()
        .all(|d| d.object == "Service/default/" && d.source == service.meta.source));
}

/// The doc fragment (or the merged `docs/diagnostics.md`) has a section per code.
#[test]
fn every_code_is_documented() {
    let root = env!("CARGO_MANIFEST_DIR");
    let text = std::fs::read_to_string(format!("{root}/docs/diagnostics-validation.md"))
        .or_else(|_| std::fs::read_to_string(format!("{root}/docs/diagnostics.md")))
        .expect("docs/diagnostics-validation.md or docs/diagnostics.md");
    for (code, _) in VALIDATION_CODES {
        let section = documented_section(&text, code);
        // The section's minimal example must trigger the code it documents.
        let example =
            yaml_example(section).unwrap_or_else(|| panic!("no yaml example under `### {code}`"));
        let diagnostics = check(example);
        assert!(
            diagnostics.iter().any(|d| d.code == *code),
            "the example under `### {code}` gives {:?}",
            facts(&diagnostics)
        );
    }
}

/// The text of the `### code` section of the diagnostics reference, up to the
/// next heading.
fn documented_section<'doc>(text: &'doc str, code: &str) -> &'doc str {
    let heading = format!("### {code}\n");
    let Some(start) = text.find(&heading) else {
        panic!("no `### {code}` section")
    };
    let section = &text[start + heading.len()..];
    &section[..section.find("\n#").unwrap_or(section.len())]
}

/// The first ```yaml block of a section: its minimal example.
fn yaml_example(section: &str) -> Option<&str> {
    section
        .split("```yaml\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
}

/// The message example under each validation code in `docs/diagnostics.md`
/// is, word for word, a message validation prints for that section's YAML.
#[test]
fn every_documented_message_is_the_one_printed() {
    let root = env!("CARGO_MANIFEST_DIR");
    let text = std::fs::read_to_string(format!("{root}/docs/diagnostics.md"))
        .expect("docs/diagnostics.md");
    let mut n_checked = 0;
    for (code, _) in VALIDATION_CODES {
        let section = documented_section(&text, code);
        let Some(example) = yaml_example(section) else {
            continue;
        };
        let Some(documented_message) = section
            .split("reports it")
            .nth(1)
            .and_then(|rest| rest.split("```text\n").nth(1))
            .and_then(|rest| rest.split("\n```").next())
        else {
            continue;
        };
        let printed: Vec<String> = check(example)
            .into_iter()
            .filter(|diagnostic| diagnostic.code == *code)
            .map(|diagnostic| diagnostic.message)
            .collect();
        assert!(
            printed.iter().any(|message| message == documented_message),
            "the message documented under `### {code}` is not printed; validation prints {printed:#?}"
        );
        n_checked += 1;
    }
    assert!(
        n_checked >= 10,
        "only {n_checked} documented messages found"
    );
}

// ---------------------------------------------------------------------------
// apimachinery's name checks, message by message (issue #11 §6)
// ---------------------------------------------------------------------------

const DNS1123_LABEL_REGEX_MESSAGE: &str = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const DNS1035_LABEL_REGEX_MESSAGE: &str = "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";
const DNS1123_SUBDOMAIN_REGEX_MESSAGE: &str = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const PORT_NAME_CHARSET_MESSAGE: &str =
    "must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)";
const PORT_NAME_LETTER_MESSAGE: &str = "must contain at least one letter (a-z)";

/// Regression for issue #11 §6: the DNS label and subdomain messages lacked
/// the `(e.g. ..., regex used for validation is '...')` suffix that
/// apimachinery's `RegexError` adds, with examples that differ per check; a
/// label that is a valid subdomain gets "must not contain dots" instead; and
/// lengths are bytes. Every row is the list Go's function returns (§2 "Name",
/// "ports.name", "ports.targetPort", "ExternalName").
#[test]
fn regression_issue_11_name_checks_use_apimachinery_messages() {
    type Check = fn(&str) -> Vec<String>;
    let label_64_bytes = "a".repeat(64);
    let label_with_dots_64_bytes = "a.".repeat(32) + "a";
    let two_byte_label = "é".repeat(32);
    let subdomain_254_bytes = "a".repeat(254);
    let port_name_16_bytes = "abcdefghijklmnop";
    let rows: Vec<(&str, Check, &str, Vec<&str>)> = vec![
        // IsDNS1123Label (Service port names).
        ("IsDNS1123Label", dns1123_label_problems, "http", vec![]),
        ("IsDNS1123Label", dns1123_label_problems, "a-1", vec![]),
        (
            "IsDNS1123Label",
            dns1123_label_problems,
            "HTTP",
            vec![DNS1123_LABEL_REGEX_MESSAGE],
        ),
        (
            "IsDNS1123Label",
            dns1123_label_problems,
            "-web",
            vec![DNS1123_LABEL_REGEX_MESSAGE],
        ),
        (
            "IsDNS1123Label",
            dns1123_label_problems,
            "",
            vec![DNS1123_LABEL_REGEX_MESSAGE],
        ),
        (
            "IsDNS1123Label",
            dns1123_label_problems,
            "http.v2",
            vec!["must not contain dots"],
        ),
        (
            "IsDNS1123Label",
            dns1123_label_problems,
            "web.",
            vec![DNS1123_LABEL_REGEX_MESSAGE],
        ),
        (
            "IsDNS1123Label",
            dns1123_label_problems,
            &label_64_bytes,
            vec!["must be no more than 63 bytes"],
        ),
        (
            "IsDNS1123Label",
            dns1123_label_problems,
            &label_with_dots_64_bytes,
            vec!["must be no more than 63 bytes", "must not contain dots"],
        ),
        (
            "IsDNS1123Label",
            dns1123_label_problems,
            &two_byte_label,
            vec!["must be no more than 63 bytes", DNS1123_LABEL_REGEX_MESSAGE],
        ),
        // IsDNS1035Label (Service names).
        ("IsDNS1035Label", dns1035_label_problems, "web", vec![]),
        (
            "IsDNS1035Label",
            dns1035_label_problems,
            "1web",
            vec![DNS1035_LABEL_REGEX_MESSAGE],
        ),
        (
            "IsDNS1035Label",
            dns1035_label_problems,
            "Web_Svc",
            vec![DNS1035_LABEL_REGEX_MESSAGE],
        ),
        (
            "IsDNS1035Label",
            dns1035_label_problems,
            "web.svc",
            vec![DNS1035_LABEL_REGEX_MESSAGE],
        ),
        (
            "IsDNS1035Label",
            dns1035_label_problems,
            &label_64_bytes,
            vec!["must be no more than 63 bytes"],
        ),
        // IsDNS1123Subdomain (ExternalName, label key prefixes).
        (
            "IsDNS1123Subdomain",
            dns1123_subdomain_problems,
            "db.example.com",
            vec![],
        ),
        (
            "IsDNS1123Subdomain",
            dns1123_subdomain_problems,
            "https://db.example.com",
            vec![DNS1123_SUBDOMAIN_REGEX_MESSAGE],
        ),
        (
            "IsDNS1123Subdomain",
            dns1123_subdomain_problems,
            "a..b",
            vec![DNS1123_SUBDOMAIN_REGEX_MESSAGE],
        ),
        (
            "IsDNS1123Subdomain",
            dns1123_subdomain_problems,
            &subdomain_254_bytes,
            vec!["must be no more than 253 bytes"],
        ),
        // IsValidPortName (named targetPorts): every rule adds its own message.
        ("IsValidPortName", port_name_problems, "http", vec![]),
        ("IsValidPortName", port_name_problems, "h2c-8080", vec![]),
        (
            "IsValidPortName",
            port_name_problems,
            "8080",
            vec![PORT_NAME_LETTER_MESSAGE],
        ),
        (
            "IsValidPortName",
            port_name_problems,
            "web.http",
            vec![PORT_NAME_CHARSET_MESSAGE],
        ),
        (
            "IsValidPortName",
            port_name_problems,
            "HTTP",
            vec![PORT_NAME_CHARSET_MESSAGE, PORT_NAME_LETTER_MESSAGE],
        ),
        (
            "IsValidPortName",
            port_name_problems,
            "",
            vec![PORT_NAME_CHARSET_MESSAGE, PORT_NAME_LETTER_MESSAGE],
        ),
        (
            "IsValidPortName",
            port_name_problems,
            "-web--http-",
            vec![
                "must not contain consecutive hyphens",
                "must not begin or end with a hyphen",
            ],
        ),
        (
            "IsValidPortName",
            port_name_problems,
            "--",
            vec![
                PORT_NAME_LETTER_MESSAGE,
                "must not contain consecutive hyphens",
                "must not begin or end with a hyphen",
            ],
        ),
        (
            "IsValidPortName",
            port_name_problems,
            port_name_16_bytes,
            vec!["must be no more than 15 bytes"],
        ),
        (
            "IsValidPortName",
            port_name_problems,
            "ñ",
            vec![PORT_NAME_CHARSET_MESSAGE, PORT_NAME_LETTER_MESSAGE],
        ),
    ];
    for (rule, check_name, text, expected) in rows {
        assert_eq!(check_name(text), expected, "{rule}({text:?})");
    }
}

/// The first message validation gives `code` for this Service.
fn message_for(yaml: &str, code: &str) -> String {
    check(&dedent(yaml))
        .into_iter()
        .find(|diagnostic| diagnostic.code == code)
        .map(|diagnostic| diagnostic.message)
        .unwrap_or_else(|| panic!("no {code} for {yaml}"))
}

/// Regression for issue #11 §6 "Port names": a port name with a dot got the
/// generic label message; apimachinery says "must not contain dots" (§2
/// "ports.name"). A named targetPort with a dot gets `IsValidPortName`'s
/// message instead (§2 "ports.targetPort").
#[test]
fn regression_issue_11_port_name_with_a_dot_says_it_must_not_contain_dots() {
    let message = message_for(
        r#"
        apiVersion: v1
        kind: Service
        metadata:
          name: web
        spec:
          ports:
          - {name: http.v2, port: 80, targetPort: web.http}
        "#,
        "service-port-name-invalid",
    );
    assert!(
        message.starts_with("The port name \"http.v2\" is not valid: must not contain dots. "),
        "{message}"
    );
    let message = message_for(
        r#"
        apiVersion: v1
        kind: Service
        metadata:
          name: web
        spec:
          ports:
          - {name: http, port: 80, targetPort: web.http}
        "#,
        "service-target-port-name-invalid",
    );
    assert!(
        message.starts_with(&format!(
            "`spec.ports[0].targetPort` \"web.http\" is not a valid port name (IANA_SVC_NAME): {PORT_NAME_CHARSET_MESSAGE}. "
        )),
        "{message}"
    );
}

/// §2 "Name" and "ExternalName": the Service-level messages carry
/// apimachinery's full text, in bytes, and quote the value as Go does, so
/// an invisible character is visible.
#[test]
fn service_messages_carry_apimachinery_text_and_go_quoting() {
    let message = message_for(
        &format!(
            "
            apiVersion: v1
            kind: Service
            metadata:
              name: {}
            spec:
              ports: [{{port: 80}}]
            ",
            "a".repeat(64)
        ),
        "service-name-invalid",
    );
    assert!(
        message.contains(" is not valid: must be no more than 63 bytes. "),
        "{message}"
    );
    let message = message_for(
        r#"
        apiVersion: v1
        kind: Service
        metadata:
          name: "web\u200b"
        spec:
          ports: [{port: 80}]
        "#,
        "service-name-invalid",
    );
    assert!(
        message.starts_with(&format!(
            "The Service name \"web\\u200b\" is not valid: {DNS1035_LABEL_REGEX_MESSAGE}. "
        )),
        "{message}"
    );
    let message = message_for(
        r#"
        apiVersion: v1
        kind: Service
        metadata:
          name: db
        spec:
          type: ExternalName
          externalName: Db.Example.com
        "#,
        "service-external-name-invalid",
    );
    assert!(
        message.starts_with(&format!(
            "`spec.externalName` \"Db.Example.com\" is not a valid DNS name: {DNS1123_SUBDOMAIN_REGEX_MESSAGE}. "
        )),
        "{message}"
    );
}

/// Text that YAML reads as a string whatever it holds: a JSON string literal.
fn quoted(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_default()
}

fn odd_text() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("None".to_string()),
        Just(String::new()),
        Just(".".to_string()),
        Just("::ffff:127.0.0.1".to_string()),
        "[a-zA-Z0-9./:_ -]{0,70}",
        "\\PC{0,20}",
        any::<i64>().prop_map(|n| n.to_string()),
    ]
}

fn odd_number() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<i64>().prop_map(|n| n.to_string()),
        (-2i64..70_000).prop_map(|n| n.to_string()),
        odd_text().prop_map(|t| quoted(&t))
    ]
}

fn service_type() -> impl Strategy<Value = &'static str> {
    prop_oneof![
        Just("ClusterIP"),
        Just("NodePort"),
        Just("LoadBalancer"),
        Just("ExternalName"),
        Just("Other")
    ]
}

proptest! {
    /// Validation never panics, whatever ingest lets through.
    #[test]
    fn never_panics(
        name in odd_text(),
        service_type in service_type(),
        cluster_ips in prop::collection::vec(odd_text(), 0..4),
        cluster_ip in prop::option::of(odd_text()),
        ports in prop::collection::vec((prop::option::of(odd_text()), odd_number(), prop::option::of(odd_number()), prop::option::of(odd_number()), prop::option::of(odd_text())), 0..4),
        texts in prop::collection::vec(odd_text(), 8),
        numbers in prop::collection::vec(odd_number(), 2),
    ) {
        let mut yaml = format!("apiVersion: v1\nkind: Service\nmetadata:\n  name: {}\n  annotations:\n    {}: {}\nspec:\n  type: {service_type}\n", quoted(&name), quoted("service.beta.kubernetes.io/load-balancer-source-ranges"), quoted(&texts[0]));
        if let Some(cluster_ip) = cluster_ip {
            yaml.push_str(&format!("  clusterIP: {}\n", quoted(&cluster_ip)));
        }
        let list = |items: &[String]| items.iter().map(|item| quoted(item)).collect::<Vec<_>>().join(", ");
        yaml.push_str(&format!("  clusterIPs: [{}]\n", list(&cluster_ips)));
        yaml.push_str(&format!("  ipFamilies: [{}]\n  ipFamilyPolicy: {}\n", list(&texts[1..3]), quoted(&texts[3])));
        yaml.push_str(&format!("  externalIPs: [{}]\n  loadBalancerSourceRanges: [{}]\n", list(&texts[3..5]), list(&texts[5..7])));
        yaml.push_str(&format!("  externalName: {}\n  loadBalancerClass: {}\n", quoted(&texts[7]), quoted(&texts[6])));
        yaml.push_str(&format!("  externalTrafficPolicy: Local\n  healthCheckNodePort: {}\n  sessionAffinity: ClientIP\n  sessionAffinityConfig: {{clientIP: {{timeoutSeconds: {}}}}}\n", numbers[0], numbers[1]));
        yaml.push_str(&format!("  selector: {{{}: {}}}\n  ports:\n", quoted(&texts[1]), quoted(&texts[2])));
        for (port_name, port, target_port, node_port, app_protocol) in &ports {
            yaml.push_str(&format!("  - port: {port}\n"));
            if let Some(port_name) = port_name { yaml.push_str(&format!("    name: {}\n", quoted(port_name))); }
            if let Some(target_port) = target_port { yaml.push_str(&format!("    targetPort: {target_port}\n")); }
            if let Some(node_port) = node_port { yaml.push_str(&format!("    nodePort: {node_port}\n")); }
            if let Some(app_protocol) = app_protocol { yaml.push_str(&format!("    appProtocol: {}\n", quoted(app_protocol))); }
        }
        let diagnostics = check(&yaml);
        for diagnostic in diagnostics.iter().filter(|d| d.code.starts_with("service-")) {
            prop_assert!(!diagnostic.field.is_empty(), "{:?}", diagnostic);
        }
    }
}
