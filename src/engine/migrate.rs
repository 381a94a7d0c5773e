//! Off Ingress: the Gateway API objects that do what the input's Ingresses do
//! (`kubetopo migrate`; `docs/migrate.md`).
//!
//! The mapping follows what ingress2gateway does for ingress-nginx (§9.5): one
//! Gateway per namespace and IngressClass with an HTTP listener and an HTTPS listener
//! per TLS host, one HTTPRoute per Ingress and host, path types mapped one to one,
//! and the ingress-nginx annotations of §9.4 turned into filters and weights. Every
//! annotation that has no equivalent gets a diagnostic at its line.
//!
//! The output is YAML text written here, not through a serializer, so that the same
//! input always gives the same bytes and the web app carries no YAML emitter.
//!
//! ```
//! use kubetopo::engine::{analyze, config::Config, ingest::SourceFile, migrate};
//! let yaml = "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: shop}\nspec:\n  ingressClassName: nginx\n  rules:\n  - host: shop.example.com\n    http:\n      paths:\n      - {path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}\n";
//! let topology = analyze(&[SourceFile::new("shop.yaml", yaml)], &Config::default());
//! let migration = migrate::migrate(&topology, migrate::Scope::All);
//! assert!(migration.to_yaml().contains("kind: HTTPRoute"));
//! ```

use super::diag::{Diagnostic, Source};
use super::ingress::{
    nginx_annotations, CanaryWeight, IngressRoute, NginxAnnotations, ResolvedIngress,
    RewriteTarget, NGINX_ANNOTATION_PREFIX,
};
use super::model::{Ingress, PortRef};
use super::refs::NamespacedName;
use super::Topology;
use crate::engine::sort::SortCompact;

/// Which Ingresses to migrate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope<'a> {
    All,
    /// One Ingress, with the canaries merged into it.
    One(&'a NamespacedName),
}

/// The generated objects and what could not be carried over.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Migration {
    pub objects: Vec<MigratedObject>,
    pub diagnostics: Vec<Diagnostic>,
}

/// One generated object, as YAML (one document, without `---`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MigratedObject {
    /// `GatewayClass`, `Gateway` or `HTTPRoute`.
    pub kind: &'static str,
    /// The namespace is empty for a GatewayClass.
    pub key: NamespacedName,
    pub yaml: String,
}

impl MigratedObject {
    /// A file name for `--out DIR`: `httproute-default-shop-example-com.yaml`.
    pub fn file_name(&self) -> String {
        let mut name = self.kind.to_ascii_lowercase();
        for part in [&self.key.namespace, &self.key.name] {
            if !part.is_empty() {
                name.push('-');
                name.push_str(part);
            }
        }
        name.push_str(".yaml");
        name
    }
}

impl Migration {
    /// Every object as one YAML stream.
    pub fn to_yaml(&self) -> String {
        let documents: Vec<&str> = self.objects.iter().map(|o| o.yaml.as_str()).collect();
        documents.join("---\n")
    }
}

/// The status code of the HTTPS redirect, as ingress-nginx answers it (§9.4).
pub const SSL_REDIRECT_STATUS: i64 = 308;

/// Migrates the Ingresses of an analysed input.
pub fn migrate(topology: &Topology, scope: Scope) -> Migration {
    let mut diagnostics = Vec::new();
    let entries: Vec<Entry> = topology
        .ingresses
        .iter()
        .filter_map(|resolved| {
            let key = NamespacedName::new(&resolved.namespace, &resolved.name);
            // Ingest keeps one object per identity, so the first is the one.
            let ingress = topology
                .manifests
                .ingresses
                .iter()
                .find(|i| i.meta.namespace == key.namespace && i.meta.name == key.name)?;
            Some(Entry {
                key,
                nginx: nginx_annotations(&ingress.meta.annotations),
                ingress,
                resolved,
            })
        })
        .collect();
    let main_in_scope = |entry: &Entry| match scope {
        Scope::All => true,
        Scope::One(key) => entry.key == *key,
    };
    // Plain vectors rather than ordered maps: the inputs are small, and each map
    // type would add its own code to the wasm.
    let mut merged_canaries: Vec<(NamespacedName, usize)> = Vec::new();
    // Gateways by (namespace, class), sorted so.
    let mut groups: Vec<((String, String), Vec<&Entry>)> = Vec::new();
    for entry in entries.iter().filter(|e| main_in_scope(e)) {
        check_annotations(entry, &mut diagnostics);
        if entry.nginx.canary.is_some() {
            continue;
        }
        let class = entry
            .resolved
            .class_name
            .clone()
            .unwrap_or_else(|| "default".to_string());
        let group_key = (entry.key.namespace.clone(), class);
        match groups.iter_mut().find(|(k, _)| *k == group_key) {
            Some((_, members)) => members.push(entry),
            None => groups.push((group_key, vec![entry])),
        }
    }
    groups.sort_compact_by(|a, b| a.0.cmp(&b.0));
    let mut objects = Vec::new();
    let mut classes: Vec<&String> = groups.iter().map(|((_, class), _)| class).collect();
    classes.sort_compact();
    classes.dedup();
    for class in classes {
        objects.push(gateway_class(class));
    }
    for ((namespace, class), members) in &groups {
        let listeners = https_listeners(members, &mut diagnostics);
        objects.push(gateway(namespace, class, &listeners));
        let mut used_names = Vec::new();
        for entry in members {
            routes_for(
                entry,
                class,
                &listeners,
                &entries,
                &mut merged_canaries,
                &mut used_names,
                &mut objects,
                &mut diagnostics,
            );
        }
    }
    for entry in entries.iter().filter(|e| e.nginx.canary.is_some()) {
        let in_scope = match scope {
            Scope::All => true,
            Scope::One(_) => main_in_scope(entry),
        };
        if !in_scope {
            continue;
        }
        for (index, route) in entry.resolved.routes.iter().enumerate() {
            if !merged_canaries.contains(&(entry.key.clone(), index)) {
                diagnostics.push(at(entry, canary_field(entry, route), Diagnostic::warning("migrate-canary-unmatched", format!("This canary path ({} {}) has no main Ingress in namespace {} with the same host and path, so there is no rule to add its weighted backend to; ingress-nginx ignores such a canary too. It is not migrated.", route.host.as_deref().unwrap_or("any host"), route.path, entry.key.namespace))));
            }
        }
    }
    super::diag::sort_diagnostics(&mut diagnostics);
    Migration {
        objects,
        diagnostics,
    }
}

// ---------------------------------------------------------------------------

struct Entry<'t> {
    key: NamespacedName,
    ingress: &'t Ingress,
    resolved: &'t ResolvedIngress,
    nginx: NginxAnnotations,
}

/// An HTTPS listener: its name, hostname (none: every host) and Secrets.
struct HttpsListener {
    name: String,
    hostname: Option<String>,
    secrets: Vec<String>,
}

const SUPPORTED: [&str; 6] = [
    "rewrite-target",
    "ssl-redirect",
    "force-ssl-redirect",
    "canary",
    "canary-weight",
    "canary-weight-total",
];

fn at(entry: &Entry, field: String, diagnostic: Diagnostic) -> Diagnostic {
    let source: Source = entry.ingress.meta.field_source(&field);
    diagnostic
        .object(format!(
            "Ingress/{}/{}",
            entry.key.namespace, entry.key.name
        ))
        .field(field)
        .at(source)
}

/// The field of the Ingress path (or default backend) a route was read from.
fn canary_field(entry: &Entry, route: &IngressRoute) -> String {
    if route.default_backend {
        return "spec.defaultBackend".to_string();
    }
    for (rule_index, rule) in entry.ingress.rules.iter().enumerate() {
        for (path_index, path) in rule.paths.iter().enumerate() {
            if path.backend.is_some() && rule.host == route.host && path.path == route.path {
                return format!("spec.rules[{rule_index}].http.paths[{path_index}]");
            }
        }
    }
    "spec.rules".to_string()
}

/// One diagnostic per ingress-nginx annotation that the Gateway API objects do not
/// carry, and for the supported ones used in a way they cannot express.
fn check_annotations(entry: &Entry, diagnostics: &mut Vec<Diagnostic>) {
    for (key, value) in &entry.ingress.meta.annotations {
        let Some(name) = key.strip_prefix(NGINX_ANNOTATION_PREFIX) else {
            continue;
        };
        let field = format!("metadata.annotations.{key}");
        let canary = entry.nginx.canary.is_some();
        let why = if canary && !name.starts_with("canary") {
            Some("ingress-nginx ignores it on a canary Ingress (the main Ingress's settings apply), so it is not carried over".to_string())
        } else if name == "rewrite-target" {
            match &entry.nginx.rewrite_target {
                Some(RewriteTarget::WithCaptures(_)) => Some(format!("the target {value:?} refers to capture groups of a regular-expression path; HTTPRoute paths are not regular expressions here, so no URLRewrite is generated. Rewrite by prefix (ReplacePrefixMatch) by hand if that is what the expression does")),
                _ => None,
            }
        } else if SUPPORTED.contains(&name) {
            None
        } else {
            Some(unsupported_reason(name))
        };
        if let Some(why) = why {
            diagnostics.push(at(
                entry,
                field,
                Diagnostic::warning(
                    "migrate-annotation-unsupported",
                    format!("The annotation {key} is not migrated: {why}."),
                ),
            ));
        }
    }
}

fn unsupported_reason(name: &str) -> String {
    let specific = match name {
        "use-regex" => "HTTPRoute paths are generated as Exact or PathPrefix; regular-expression paths are implementation-specific in Gateway API",
        "canary-by-header" | "canary-by-header-value" | "canary-by-header-pattern" | "canary-by-cookie" => "only the weighted canary is migrated; a header or cookie canary needs an HTTPRoute rule with a header match, written by hand",
        "backend-protocol" => "the backend protocol is set on the Service port (appProtocol) or by a GRPCRoute, not on the HTTPRoute",
        "permanent-redirect" | "temporal-redirect" | "app-root" => "a fixed redirect is a RequestRedirect filter whose target must be written by hand",
        "whitelist-source-range" | "allowlist-source-range" | "denylist-source-range" => "Gateway API has no source-range filter; use your implementation's policy resource",
        "auth-url" | "auth-signin" | "auth-type" | "auth-secret" | "auth-realm" => "authentication is not part of HTTPRoute; use your implementation's policy resource",
        "enable-cors" | "cors-allow-origin" | "cors-allow-methods" | "cors-allow-headers" => "CORS is an experimental HTTPRoute filter not generated here",
        "configuration-snippet" | "server-snippet" => "raw nginx configuration has no Gateway API equivalent",
        _ => "it has no equivalent in the HTTPRoute's core features; carry it over with your Gateway implementation's own configuration",
    };
    specific.to_string()
}

/// The HTTPS listeners of one Gateway: one per TLS host of its Ingresses (one
/// without a hostname for a `tls` entry without hosts), with every Secret named for it.
fn https_listeners(members: &[&Entry], diagnostics: &mut Vec<Diagnostic>) -> Vec<HttpsListener> {
    let mut by_host: Vec<(Option<String>, Vec<String>)> = Vec::new();
    for entry in members {
        for (index, tls) in entry.ingress.tls.iter().enumerate() {
            let Some(secret) = tls.secret_name.clone().filter(|s| !s.is_empty()) else {
                diagnostics.push(at(entry, format!("spec.tls[{index}]"), Diagnostic::warning("migrate-tls-without-secret", "This TLS entry names no secretName: ingress-nginx serves its default certificate, but an HTTPS listener needs a certificateRef. No HTTPS listener is generated for its hosts; add one with your certificate's Secret.")));
                continue;
            };
            let hosts: Vec<Option<String>> = if tls.hosts.is_empty() {
                vec![None]
            } else {
                tls.hosts
                    .iter()
                    .map(|h| Some(h.to_ascii_lowercase()))
                    .collect()
            };
            for host in hosts {
                match by_host.iter_mut().find(|(h, _)| *h == host) {
                    Some((_, secrets)) => secrets.push(secret.clone()),
                    None => by_host.push((host, vec![secret.clone()])),
                }
            }
        }
    }
    by_host.sort_compact_by(|a, b| a.0.cmp(&b.0));
    by_host
        .into_iter()
        .map(|(hostname, mut secrets)| HttpsListener {
            name: match &hostname {
                Some(host) => format!("https-{}", slug(host)),
                None => "https".to_string(),
            },
            hostname,
            secrets: {
                secrets.sort_compact();
                secrets.dedup();
                secrets
            },
        })
        .collect()
}

/// `shop.example.com` → `shop-example-com`; `*.example.com` → `wildcard-example-com`.
fn slug(host: &str) -> String {
    let text = host.replace("*.", "wildcard.").to_ascii_lowercase();
    let mut out = String::new();
    for c in text.chars() {
        let c = if c.is_ascii_alphanumeric() { c } else { '-' };
        if !(c == '-' && out.ends_with('-')) {
            out.push(c);
        }
    }
    out.trim_matches('-').to_string()
}

fn unique(base: String, used: &mut Vec<String>) -> String {
    let mut name = base.clone();
    let mut n = 2;
    while used.contains(&name) {
        name = format!("{base}-{n}");
        n += 1;
    }
    used.push(name.clone());
    name
}

/// The YAML value tree the objects are built as.
#[derive(Clone)]
enum Y {
    Str(String),
    Int(i64),
    Map(Vec<(&'static str, Y)>),
    Seq(Vec<Y>),
}

fn s(text: impl Into<String>) -> Y {
    Y::Str(text.into())
}

fn meta(name: &str, namespace: Option<&str>) -> Y {
    let mut fields = vec![("name", s(name))];
    if let Some(namespace) = namespace {
        fields.push(("namespace", s(namespace)));
    }
    Y::Map(fields)
}

fn gateway_class(class: &str) -> MigratedObject {
    let tree = Y::Map(vec![
        ("apiVersion", s("gateway.networking.k8s.io/v1")),
        ("kind", s("GatewayClass")),
        ("metadata", meta(class, None)),
        (
            "spec",
            Y::Map(vec![("controllerName", s(PLACEHOLDER_CONTROLLER))]),
        ),
    ]);
    MigratedObject {
        kind: "GatewayClass",
        key: NamespacedName::new("", class),
        yaml: format!(
            "# Set controllerName to your Gateway implementation's, or delete this\n# GatewayClass and use a class your cluster already has.\n{}",
            emit(&tree)
        ),
    }
}

/// The controller name of the generated GatewayClass: a placeholder to replace with
/// a real implementation's.
pub const PLACEHOLDER_CONTROLLER: &str = "example.com/replace-with-your-gateway-controller";

fn gateway(namespace: &str, class: &str, https: &[HttpsListener]) -> MigratedObject {
    let mut listeners = vec![Y::Map(vec![
        ("name", s("http")),
        ("port", Y::Int(80)),
        ("protocol", s("HTTP")),
    ])];
    for listener in https {
        let mut fields = vec![("name", s(&listener.name))];
        if let Some(hostname) = &listener.hostname {
            fields.push(("hostname", s(hostname)));
        }
        fields.push(("port", Y::Int(443)));
        fields.push(("protocol", s("HTTPS")));
        let refs = listener
            .secrets
            .iter()
            .map(|secret| Y::Map(vec![("kind", s("Secret")), ("name", s(secret))]))
            .collect();
        fields.push((
            "tls",
            Y::Map(vec![
                ("mode", s("Terminate")),
                ("certificateRefs", Y::Seq(refs)),
            ]),
        ));
        listeners.push(Y::Map(fields));
    }
    let tree = Y::Map(vec![
        ("apiVersion", s("gateway.networking.k8s.io/v1")),
        ("kind", s("Gateway")),
        ("metadata", meta(class, Some(namespace))),
        (
            "spec",
            Y::Map(vec![
                ("gatewayClassName", s(class)),
                ("listeners", Y::Seq(listeners)),
            ]),
        ),
    ]);
    MigratedObject {
        kind: "Gateway",
        key: NamespacedName::new(namespace, class),
        yaml: emit(&tree),
    }
}

/// The HTTPRoutes of one Ingress: per host (the rules without a host and the default
/// backend together, last), split in two where HTTP redirects to HTTPS.
#[allow(clippy::too_many_arguments)]
fn routes_for(
    entry: &Entry,
    gateway_name: &str,
    https: &[HttpsListener],
    entries: &[Entry],
    merged_canaries: &mut Vec<(NamespacedName, usize)>,
    used_names: &mut Vec<String>,
    objects: &mut Vec<MigratedObject>,
    diagnostics: &mut Vec<Diagnostic>,
) {
    // Hosts in the order of the Ingress, hostless rules (and the default backend) last.
    let mut hosts: Vec<Option<String>> = Vec::new();
    for route in &entry.resolved.routes {
        let host = if route.default_backend {
            None
        } else {
            route.host.as_ref().map(|h| h.to_ascii_lowercase())
        };
        if !hosts.contains(&host) {
            hosts.push(host);
        }
    }
    hosts.sort_compact_by_key(Option::is_none);
    for host in hosts {
        let mut rules = Vec::new();
        let mut redirect_matches = Vec::new();
        for route in entry.resolved.routes.iter().filter(|r| {
            let route_host = if r.default_backend {
                None
            } else {
                r.host.as_ref().map(|h| h.to_ascii_lowercase())
            };
            route_host == host
        }) {
            let Some(path_match) = path_match(entry, route, diagnostics) else {
                continue;
            };
            let backends = backend_refs(entry, route, entries, merged_canaries, diagnostics);
            let mut rule = Vec::new();
            if let Some(path_match) = &path_match {
                rule.push(("matches", Y::Seq(vec![path_match.to_y()])));
                redirect_matches.push(Some(path_match.to_y()));
            } else {
                redirect_matches.push(None);
            }
            if let Some(RewriteTarget::FullPath(target)) = &entry.nginx.rewrite_target {
                rule.push((
                    "filters",
                    Y::Seq(vec![Y::Map(vec![
                        ("type", s("URLRewrite")),
                        (
                            "urlRewrite",
                            Y::Map(vec![(
                                "path",
                                Y::Map(vec![
                                    ("type", s("ReplaceFullPath")),
                                    ("replaceFullPath", s(target)),
                                ]),
                            )]),
                        ),
                    ])]),
                ));
            }
            rule.push(("backendRefs", Y::Seq(backends)));
            rules.push(Y::Map(rule));
        }
        if rules.is_empty() {
            continue;
        }
        let tls_host = https.iter().any(|l| l.hostname == host);
        let redirect = entry.nginx.force_ssl_redirect
            || (entry.nginx.ssl_redirect && host.is_some() && tls_host);
        let base = match &host {
            Some(host) => format!("{}-{}", entry.key.name, slug(host)),
            None => format!("{}-all-hosts", entry.key.name),
        };
        let comment = format!(
            "# From Ingress {}/{}, {}.\n",
            entry.key.namespace,
            entry.key.name,
            host.as_deref()
                .map(|h| format!("host {h}"))
                .unwrap_or_else(|| "rules without a host and the default backend".to_string())
        );
        // The forward routes: (parent sections, hostnames).
        let mut forwards: Vec<(Vec<Option<&str>>, Vec<String>)> = Vec::new();
        match &host {
            Some(_) if redirect => forwards.push((
                https
                    .iter()
                    .filter(|l| l.hostname.is_none() || l.hostname == host)
                    .map(|l| Some(l.name.as_str()))
                    .collect(),
                host.iter().cloned().collect(),
            )),
            Some(_) => forwards.push((vec![None], host.iter().cloned().collect())),
            None => {
                // Not on the HTTPS listeners for one host: there these rules would tie
                // with the host's own on hostname (§11.6) and then win by path, where
                // ingress-nginx prefers the host's rules (§9.2).
                let mut plain: Vec<Option<&str>> = Vec::new();
                if !redirect {
                    plain.push(Some("http"));
                }
                plain.extend(
                    https
                        .iter()
                        .filter(|l| l.hostname.is_none())
                        .map(|l| Some(l.name.as_str())),
                );
                forwards.push((plain, Vec::new()));
                let named: Vec<&str> = https.iter().filter_map(|l| l.hostname.as_deref()).collect();
                if !named.is_empty() {
                    diagnostics.push(at(entry, "spec.rules".to_string(), Diagnostic::warning("migrate-hostless-rules-on-https", format!("The rules without a host (and the default backend) are not attached to the HTTPS listeners of {}: there a Gateway would rank them against those hosts' own rules by path, where ingress-nginx tries the host's rules first. Over HTTPS to those hosts, a path only these rules match gets 404 instead; add such paths to the host's rules if they must be served.", named.join(", ")))));
                }
            }
        }
        let mut chunks: Vec<Vec<Y>> = chunk(rules);
        let n_forwards = forwards.iter().filter(|(p, _)| !p.is_empty()).count();
        for (forward_index, (parents, hostnames)) in forwards
            .iter()
            .filter(|(parents, _)| !parents.is_empty())
            .enumerate()
        {
            let forward_base = if forward_index == 0 {
                base.clone()
            } else {
                format!("{base}-{}", forward_index + 1)
            };
            // The rules are built once; a second forward route gets a copy.
            let these: Vec<Vec<Y>> = if forward_index + 1 == n_forwards {
                std::mem::take(&mut chunks)
            } else {
                chunks.clone()
            };
            for (index, chunk_rules) in these.into_iter().enumerate() {
                let name = unique(suffix(&forward_base, index), used_names);
                objects.push(http_route(
                    &comment,
                    &name,
                    &entry.key.namespace,
                    gateway_name,
                    parents,
                    hostnames,
                    chunk_rules,
                ));
            }
        }
        if redirect {
            let redirect_rules: Vec<Y> = redirect_matches
                .into_iter()
                .map(|path_match| {
                    let mut rule = Vec::new();
                    if let Some(path_match) = path_match {
                        rule.push(("matches", Y::Seq(vec![path_match])));
                    }
                    rule.push((
                        "filters",
                        Y::Seq(vec![Y::Map(vec![
                            ("type", s("RequestRedirect")),
                            (
                                "requestRedirect",
                                Y::Map(vec![
                                    ("scheme", s("https")),
                                    ("statusCode", Y::Int(SSL_REDIRECT_STATUS)),
                                ]),
                            ),
                        ])]),
                    ));
                    Y::Map(rule)
                })
                .collect();
            for (index, chunk_rules) in chunk(redirect_rules).into_iter().enumerate() {
                let name = unique(suffix(&format!("{base}-redirect"), index), used_names);
                objects.push(http_route(
                    &comment,
                    &name,
                    &entry.key.namespace,
                    gateway_name,
                    &[Some("http")],
                    &host.iter().cloned().collect::<Vec<_>>(),
                    chunk_rules,
                ));
            }
        }
    }
}

fn suffix(base: &str, index: usize) -> String {
    if index == 0 {
        base.to_string()
    } else {
        format!("{base}-{}", index + 1)
    }
}

fn chunk(rules: Vec<Y>) -> Vec<Vec<Y>> {
    let mut chunks: Vec<Vec<Y>> = Vec::new();
    for rule in rules {
        match chunks.last_mut() {
            Some(last) if last.len() < 16 => last.push(rule),
            _ => chunks.push(vec![rule]),
        }
    }
    chunks
}

fn http_route(
    comment: &str,
    name: &str,
    namespace: &str,
    gateway_name: &str,
    sections: &[Option<&str>],
    hostnames: &[String],
    rules: Vec<Y>,
) -> MigratedObject {
    let parents = sections
        .iter()
        .map(|section| {
            let mut fields = vec![("name", s(gateway_name))];
            if let Some(section) = section {
                fields.push(("sectionName", s(*section)));
            }
            Y::Map(fields)
        })
        .collect();
    let mut spec = vec![("parentRefs", Y::Seq(parents))];
    if !hostnames.is_empty() {
        spec.push(("hostnames", Y::Seq(hostnames.iter().map(s).collect())));
    }
    spec.push(("rules", Y::Seq(rules)));
    let tree = Y::Map(vec![
        ("apiVersion", s("gateway.networking.k8s.io/v1")),
        ("kind", s("HTTPRoute")),
        ("metadata", meta(name, Some(namespace))),
        ("spec", Y::Map(spec)),
    ]);
    MigratedObject {
        kind: "HTTPRoute",
        key: NamespacedName::new(namespace, name),
        yaml: format!("{comment}{}", emit(&tree)),
    }
}

/// An HTTPRoute path match.
struct PathMatch {
    kind: &'static str,
    value: String,
}

impl PathMatch {
    fn to_y(&self) -> Y {
        Y::Map(vec![(
            "path",
            Y::Map(vec![("type", s(self.kind)), ("value", s(&self.value))]),
        )])
    }
}

/// A route's path match, or `Some(None)` for the default backend (a rule without
/// matches); `None` when the path cannot be an HTTPRoute path.
fn path_match(
    entry: &Entry,
    route: &IngressRoute,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<Option<PathMatch>> {
    if route.default_backend {
        return Some(None);
    }
    let field = canary_field(entry, route);
    let kind = match route.path_type.as_str() {
        "Exact" => "Exact",
        "Prefix" => "PathPrefix",
        _ => {
            diagnostics.push(at(entry, format!("{field}.pathType"), Diagnostic::info("migrate-path-type-implementation-specific", format!("pathType {} is migrated as PathPrefix, which matches whole path segments; ingress-nginx matches such a path as a plain string prefix (or as a regular expression when use-regex is on), so check paths like {}x.", route.path_type, route.path.trim_end_matches('/')))));
            "PathPrefix"
        }
    };
    let path = &route.path;
    let invalid = !path.starts_with('/')
        || ["//", "/./", "/../", "%2f", "%2F", "#"]
            .iter()
            .any(|bad| path.contains(bad))
        || path.ends_with("/.")
        || path.ends_with("/..");
    if invalid {
        diagnostics.push(at(entry, format!("{field}.path"), Diagnostic::warning("migrate-path-invalid", format!("The path {path:?} is not a valid HTTPRoute path (it must start with / and hold no //, /./, /../, %2f or #), so the API server would refuse the route. This path is not migrated."))));
        return None;
    }
    Some(Some(PathMatch {
        kind,
        value: path.clone(),
    }))
}

/// The rule's backends: the route's own, and a canary's of the same host and path
/// in the same namespace with its weight (§9.5).
fn backend_refs(
    entry: &Entry,
    route: &IngressRoute,
    entries: &[Entry],
    merged_canaries: &mut Vec<(NamespacedName, usize)>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<Y> {
    let canary = (!route.default_backend)
        .then(|| {
            entries.iter().find_map(|other| {
                let weight: CanaryWeight = other.nginx.canary?;
                if other.key.namespace != entry.key.namespace {
                    return None;
                }
                let index = other.resolved.routes.iter().position(|r| {
                    !r.default_backend
                        && r.path == route.path
                        && r.host.as_deref().map(str::to_ascii_lowercase)
                            == route.host.as_deref().map(str::to_ascii_lowercase)
                })?;
                Some((other, index, weight))
            })
        })
        .flatten();
    let mut refs = Vec::new();
    match canary {
        None => refs.extend(backend_ref(entry, route, None, diagnostics)),
        Some((canary_entry, index, weight)) => {
            merged_canaries.push((canary_entry.key.clone(), index));
            let share = weight.clamped();
            refs.extend(backend_ref(
                entry,
                route,
                Some(weight.total - share),
                diagnostics,
            ));
            refs.extend(backend_ref(
                canary_entry,
                &canary_entry.resolved.routes[index],
                Some(share),
                diagnostics,
            ));
        }
    }
    refs
}

fn backend_ref(
    entry: &Entry,
    route: &IngressRoute,
    weight: Option<i64>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<Y> {
    let port = match (route.resolved_port, &route.service_port) {
        (Some(port), _) => port,
        (None, PortRef::Number(port)) => {
            diagnostics.push(at(entry, format!("{}.service", canary_field(entry, route)), Diagnostic::warning("migrate-backend-unresolved", format!("Service {} or its port {port} is not in the input; the backendRef is written as given, and a Gateway answers 500 for it where ingress-nginx answered 503.", route.service))));
            *port
        }
        (None, PortRef::Name(name)) => {
            diagnostics.push(at(entry, format!("{}.service", canary_field(entry, route)), Diagnostic::warning("migrate-backend-unresolved", format!("The port name {name:?} of Service {} cannot be turned into a port number (the Service or the port is not in the input), and a backendRef needs a number. This backend is left out: its rule answers 500 until you add it.", route.service))));
            return None;
        }
    };
    let mut fields = vec![("name", s(&route.service.name)), ("port", Y::Int(port))];
    if let Some(weight) = weight {
        fields.push(("weight", Y::Int(weight)));
    }
    Some(Y::Map(fields))
}

// ---------------------------------------------------------------------------
// YAML text

fn emit(tree: &Y) -> String {
    let mut out = String::new();
    if let Y::Map(fields) = tree {
        emit_map(&mut out, fields, 0);
    }
    out
}

fn emit_map(out: &mut String, fields: &[(&'static str, Y)], indent: usize) {
    for (key, value) in fields {
        out.push_str(&" ".repeat(indent));
        out.push_str(key);
        out.push(':');
        emit_value(out, value, indent);
    }
}

/// Writes a value after `key:` (or after `- ` in a sequence), with its newline.
fn emit_value(out: &mut String, value: &Y, indent: usize) {
    match value {
        Y::Str(text) => {
            out.push(' ');
            out.push_str(&scalar(text));
            out.push('\n');
        }
        Y::Int(number) => {
            out.push_str(&format!(" {number}\n"));
        }
        Y::Map(fields) if fields.is_empty() => out.push_str(" {}\n"),
        Y::Seq(items) if items.is_empty() => out.push_str(" []\n"),
        Y::Map(fields) => {
            out.push('\n');
            emit_map(out, fields, indent + 2);
        }
        Y::Seq(items) => {
            out.push('\n');
            for item in items {
                out.push_str(&" ".repeat(indent));
                out.push('-');
                match item {
                    Y::Map(fields) if !fields.is_empty() => {
                        // The first field on the dash's line, the others under it.
                        let mut inner = String::new();
                        emit_map(&mut inner, fields, indent + 2);
                        out.push(' ');
                        out.push_str(&inner[indent + 2..]);
                    }
                    other => emit_value(out, other, indent + 2),
                }
            }
        }
    }
}

/// A scalar plain when YAML 1.1 reads it back as the same string, else double-quoted
/// (JSON string syntax, which YAML reads the same).
fn scalar(text: &str) -> String {
    let plain = text
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '/')
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '/' | '-' | '_'))
        && !matches!(
            text.to_ascii_lowercase().as_str(),
            "y" | "yes" | "n" | "no" | "true" | "false" | "on" | "off" | "null"
        );
    if plain {
        text.to_string()
    } else {
        serde_json::to_string(text).unwrap_or_else(|_| "\"\"".to_string())
    }
}
