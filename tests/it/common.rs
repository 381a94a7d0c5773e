//! Helpers shared by the test modules.

use std::net::{IpAddr, Ipv4Addr};

use kubetopo::engine::config::Config;
use kubetopo::engine::diag::Diagnostic;
use kubetopo::engine::ingest::SourceFile;
use kubetopo::engine::resolve::ResolvedService;
use kubetopo::engine::{analyze, Topology};

/// Analyzes samples from `samples/`, named by bare file name, with the default cluster.
pub fn samples(names: &[&str]) -> Topology {
    let files: Vec<SourceFile> = names
        .iter()
        .map(|name| {
            let path = format!("{}/samples/{name}", env!("CARGO_MANIFEST_DIR"));
            SourceFile::new(
                *name,
                std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}")),
            )
        })
        .collect();
    analyze(&files, &Config::default())
}

/// The Service `namespace/name`, or a panic naming it.
pub fn service<'t>(topology: &'t Topology, key: &str) -> &'t ResolvedService {
    topology
        .services
        .iter()
        .find(|s| s.key().to_string() == key)
        .unwrap_or_else(|| panic!("no Service {key}"))
}

/// The address as IPv4, or a panic.
pub fn ipv4(ip: &IpAddr) -> Ipv4Addr {
    match ip {
        IpAddr::V4(v4) => *v4,
        IpAddr::V6(_) => panic!("expected IPv4, got {ip}"),
    }
}

/// Checks `expected` facts against the lines of `dump`: each is a glob that some
/// line must match, or with a leading `!`, that no line may match. Fails listing
/// every missing and unexpected fact, then all the facts there are.
pub fn check_facts(dump: &[String], expected: &[&str]) {
    let mut failures = Vec::new();
    for fact in expected {
        let (negated, pattern) = match fact.strip_prefix('!') {
            Some(pattern) => (true, pattern),
            None => (false, *fact),
        };
        let found = dump.iter().any(|line| glob(pattern, line));
        if found == negated {
            failures.push(if negated {
                format!("unexpected: {pattern}")
            } else {
                format!("missing:    {pattern}")
            });
        }
    }
    assert!(
        failures.is_empty(),
        "\n{}\n\nfacts:\n{}\n",
        failures.join("\n"),
        dump.join("\n")
    );
}

/// `*` matches any run of characters; everything else is literal.
pub fn glob(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    let Some(mut rest) = text.strip_prefix(first) else {
        return false;
    };
    for part in &parts[1..parts.len() - 1] {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.ends_with(last)
}

/// A diagnostic as one fact line for [`check_facts`]:
/// `diag SEVERITY CODE OBJECT FIELD @FILE#DOCUMENT:LINE:COLUMN MESSAGE`.
pub fn diagnostic_fact(d: &Diagnostic) -> String {
    format!(
        "diag {} {} {} {} @{}#{}:{}:{} {}",
        d.severity.as_str(),
        d.code,
        if d.object.is_empty() { "-" } else { &d.object },
        if d.field.is_empty() { "-" } else { &d.field },
        d.source.file,
        d.source.document,
        d.source.line,
        d.source.column,
        d.message
    )
}

/// Online Boutique's twelve workloads (`samples/online-boutique.yaml`).
pub const BOUTIQUE_WORKLOADS: [&str; 12] = [
    "adservice",
    "cartservice",
    "checkoutservice",
    "currencyservice",
    "emailservice",
    "frontend",
    "loadgenerator",
    "paymentservice",
    "productcatalogservice",
    "recommendationservice",
    "redis-cart",
    "shippingservice",
];

/// Online Boutique's call graph, client → server, as its manifests' env values name
/// the servers: what its NetworkPolicies are written to allow.
pub const BOUTIQUE_CALL_GRAPH: [(&str, &str); 16] = [
    ("loadgenerator", "frontend"),
    ("frontend", "adservice"),
    ("frontend", "cartservice"),
    ("frontend", "checkoutservice"),
    ("frontend", "currencyservice"),
    ("frontend", "productcatalogservice"),
    ("frontend", "recommendationservice"),
    ("frontend", "shippingservice"),
    ("checkoutservice", "cartservice"),
    ("checkoutservice", "currencyservice"),
    ("checkoutservice", "emailservice"),
    ("checkoutservice", "paymentservice"),
    ("checkoutservice", "productcatalogservice"),
    ("checkoutservice", "shippingservice"),
    ("recommendationservice", "productcatalogservice"),
    ("cartservice", "redis-cart"),
];
