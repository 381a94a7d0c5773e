//! §11.16 ListenerSet: listeners added to a Gateway that admits them, their
//! conflicts under precedence, their status, Routes attached to them, and requests
//! through them, with the vector of upstream's `listenerset-protocol-conflict`
//! conformance test.

use kubetopo::engine::config::Config;
use kubetopo::engine::gateway::panel::panel;
use kubetopo::engine::gateway::status::{Condition, ResolvedListener};
use kubetopo::engine::ingest::SourceFile;
use kubetopo::engine::model::Protocol;
use kubetopo::engine::output;
use kubetopo::engine::scene::{build_scene, Filter, View};
use kubetopo::engine::trace::{
    parse_destination, HttpOptions, SeededChooser, TraceSource, Tracer, Verdict,
};
use kubetopo::engine::{analyze, Topology};

use crate::common::check_facts;

/// A Gateway `web` in `infra` with one `HTTP:80` listener for `*.example.com`,
/// `allowed` as its `allowedListeners` (or none), a Service `app` with a pod in
/// `team`, and `rest` appended.
fn cluster(allowed: &str, rest: &str) -> Topology {
    let yaml = format!("apiVersion: v1\nkind: Namespace\nmetadata: {{name: team, labels: {{tenant: yes}}}}\n---\napiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata: {{name: c}}\nspec: {{controllerName: example.net/gw}}\n---\napiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {{name: web, namespace: infra}}\nspec:\n  gatewayClassName: c\n{allowed}  listeners:\n  - {{name: http, port: 80, protocol: HTTP, hostname: \"*.example.com\", allowedRoutes: {{namespaces: {{from: All}}}}}}\n---\napiVersion: v1\nkind: Service\nmetadata: {{name: app, namespace: team}}\nspec:\n  selector: {{app: app}}\n  ports: [{{port: 80, targetPort: 8080}}]\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: app, namespace: team}}\nspec:\n  replicas: 1\n  selector: {{matchLabels: {{app: app}}}}\n  template:\n    metadata: {{labels: {{app: app}}}}\n    spec: {{containers: [{{name: c, image: echo, ports: [{{containerPort: 8080}}]}}]}}\n---\n{rest}");
    analyze(&[SourceFile::new("gw.yaml", yaml)], &Config::default())
}

const ALLOW_ALL: &str = "  allowedListeners: {namespaces: {from: All}}\n";

/// A ListenerSet `name` in `team` with the listeners given, on Gateway infra/web.
fn listener_set(name: &str, stamp: &str, listeners: &str) -> String {
    format!("apiVersion: gateway.networking.k8s.io/v1\nkind: ListenerSet\nmetadata: {{name: {name}, namespace: team{stamp}}}\nspec:\n  parentRef: {{name: web, namespace: infra}}\n  listeners:\n{listeners}---\n")
}

const TEAM_LISTENER: &str =
    "  - {name: shop, port: 8080, protocol: HTTP, hostname: shop.team.example}\n";

/// An HTTPRoute in `team` to Service `app`, with the parentRef given.
fn route(name: &str, parent_ref: &str) -> String {
    format!("apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {{name: {name}, namespace: team}}\nspec:\n  parentRefs: [{parent_ref}]\n  rules: [{{backendRefs: [{{name: app, port: 80}}]}}]\n---\n")
}

fn conditions(conditions: &[Condition]) -> Vec<String> {
    conditions
        .iter()
        .map(|c| format!("{}={}/{}", c.condition_type, c.status, c.reason))
        .collect()
}

fn set_conditions(topology: &Topology, name: &str) -> Vec<String> {
    let set = topology
        .gateway
        .listener_sets
        .iter()
        .find(|s| s.name == name)
        .unwrap_or_else(|| panic!("no ListenerSet {name}"));
    conditions(&set.conditions)
}

fn listener<'t>(topology: &'t Topology, scene_name: &str) -> &'t ResolvedListener {
    topology.gateway.gateways[0]
        .listeners
        .iter()
        .find(|l| l.scene_name == scene_name)
        .unwrap_or_else(|| panic!("no listener {scene_name}"))
}

fn codes(topology: &Topology, code: &str) -> Vec<(String, String, usize)> {
    topology
        .diagnostics
        .iter()
        .filter(|d| d.code == code)
        .map(|d| (d.object.clone(), d.field.clone(), d.source.line))
        .collect()
}

/// §11.16: without `allowedListeners` (from None) a Gateway takes no ListenerSet:
/// the set is NotAllowed, reported at its parentRef, and a Route naming it has no
/// parent; `Same` admits only the Gateway's namespace, `All` and a matching
/// `Selector` admit the set.
#[test]
fn s11_16_allowed_listeners_decides_whether_a_set_is_taken() {
    let rest = format!(
        "{}{}",
        listener_set("team-listeners", "", TEAM_LISTENER),
        route("shop", "{kind: ListenerSet, name: team-listeners}")
    );
    for allowed in ["", "  allowedListeners: {namespaces: {from: Same}}\n"] {
        let topology = cluster(allowed, &rest);
        assert_eq!(
            set_conditions(&topology, "team-listeners"),
            ["Accepted=False/NotAllowed", "Programmed=False/NotAllowed"],
            "{allowed}"
        );
        let found = codes(&topology, "gateway-listenerset-not-allowed");
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].0, "ListenerSet/team/team-listeners");
        assert_eq!(found[0].1, "spec.parentRef");
        assert!(found[0].2 > 0);
        assert_eq!(topology.gateway.gateways[0].listeners.len(), 1);
        assert_eq!(codes(&topology, "gateway-parent-not-found").len(), 1);
        assert!(topology.gateway.routes[0].parents.is_empty());
    }
    for allowed in [
        ALLOW_ALL,
        "  allowedListeners: {namespaces: {from: Selector, selector: {matchLabels: {tenant: \"yes\"}}}}\n",
    ] {
        let topology = cluster(allowed, &rest);
        assert_eq!(
            set_conditions(&topology, "team-listeners"),
            ["Accepted=True/Accepted", "Programmed=True/Programmed"],
            "{allowed}"
        );
        assert!(codes(&topology, "gateway-listenerset-not-allowed").is_empty());
        assert_eq!(listener(&topology, "team-listeners:shop").attached_routes, 1);
    }
}

/// §11.16: a Route naming the ListenerSet attaches to its listeners only, one naming
/// the Gateway to the Gateway's own only; `Same` in a set's listener is the set's
/// namespace; a request to the set's port and hostname reaches the backend through
/// the Gateway's proxy, which listens on that port too.
#[test]
fn s11_16_routes_attach_to_a_set_and_requests_go_through_its_listeners() {
    let rest = format!(
        "{}{}{}",
        listener_set(
            "team-listeners",
            "",
            "  - {name: shop, port: 8080, protocol: HTTP, hostname: shop.team.example}\n"
        ),
        route("on-set", "{kind: ListenerSet, name: team-listeners}"),
        route("on-gateway", "{name: web, namespace: infra}"),
    );
    let topology = cluster(ALLOW_ALL, &rest);
    let gateway = &topology.gateway.gateways[0];
    assert_eq!(listener(&topology, "http").attached_routes, 1);
    assert_eq!(
        listener(&topology, "team-listeners:shop").attached_routes,
        1
    );
    let on_set = topology
        .gateway
        .routes
        .iter()
        .find(|r| r.name == "on-set")
        .unwrap();
    assert_eq!(
        conditions(&on_set.parents[0].conditions)[0],
        "Accepted=True/Accepted"
    );
    assert_eq!(
        on_set.parents[0]
            .listener_set
            .as_ref()
            .map(ToString::to_string)
            .as_deref(),
        Some("team/team-listeners")
    );
    let on_set_listener = on_set.parents[0].attachments[0].listener;
    assert_eq!(
        gateway.listeners[on_set_listener].scene_name,
        "team-listeners:shop"
    );
    // The proxy's Service has the set's port, and a request to it is delivered.
    let proxy = gateway.proxy_service.as_ref().expect("a proxy Service");
    let service = topology
        .services
        .iter()
        .find(|s| s.key() == *proxy)
        .unwrap();
    assert!(
        service.ports.iter().any(|p| p.port == 8080),
        "{:?}",
        service.ports
    );
    let address = &gateway.addresses[0].value;
    let trace = Tracer::new(&topology).trace_http(
        &TraceSource::External {
            client_ip: "198.51.100.7".parse().unwrap(),
        },
        &parse_destination(&format!("http://{address}:8080/")).unwrap(),
        Protocol::Tcp,
        &HttpOptions {
            method: "GET".into(),
            headers: Vec::new(),
            host: Some("shop.team.example".into()),
            sni: None,
        },
        &mut SeededChooser::new(0),
    );
    assert_eq!(trace.verdict, Verdict::Delivered, "{}", trace.reason);
    let http = trace.http.as_ref().unwrap();
    assert_eq!(http.listener.as_deref(), Some("shop"));
    assert_eq!(http.route.as_deref(), Some("HTTPRoute/team/on-set"));
    // A `Same` listener in the set takes Routes from the set's namespace.
    let same = cluster(
        ALLOW_ALL,
        &format!(
            "{}{}",
            listener_set("team-listeners", "", "  - {name: shop, port: 8080, protocol: HTTP, allowedRoutes: {namespaces: {from: Same}}}\n"),
            route("on-set", "{kind: ListenerSet, name: team-listeners}"),
        ),
    );
    assert_eq!(listener(&same, "team-listeners:shop").attached_routes, 1);
}

/// §11.16 and §11.3: a set listener that would conflict with a listener already
/// standing is Conflicted and the standing one keeps its port: the Gateway's own
/// first, then the older set, then namespace/name. A TCP listener on the port of an
/// HTTP listener is Accepted, Programmed and Conflicted with ProtocolConflict.
#[test]
fn s11_16_conflicts_follow_precedence() {
    let same_host = "  - {name: dup, port: 80, protocol: HTTP, hostname: \"*.example.com\"}\n";
    let topology = cluster(ALLOW_ALL, &listener_set("team-listeners", "", same_host));
    assert_eq!(
        conditions(&listener(&topology, "http").conditions),
        [
            "Accepted=True/Accepted",
            "Programmed=True/Programmed",
            "ResolvedRefs=True/ResolvedRefs",
            "Conflicted=False/NoConflicts"
        ]
    );
    assert_eq!(
        conditions(&listener(&topology, "team-listeners:dup").conditions),
        [
            "Accepted=False/HostnameConflict",
            "Programmed=False/HostnameConflict",
            "ResolvedRefs=True/ResolvedRefs",
            "Conflicted=True/HostnameConflict"
        ]
    );
    assert_eq!(
        set_conditions(&topology, "team-listeners"),
        [
            "Accepted=False/ListenersNotValid",
            "Programmed=False/ListenersNotValid"
        ]
    );
    let found = codes(&topology, "gateway-listener-conflict");
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, "ListenerSet/team/team-listeners");
    assert_eq!(found[0].1, "spec.listeners[0]");
    assert!(found[0].2 > 0);
    // The Gateway keeps its conditions.
    assert_eq!(
        conditions(&topology.gateway.gateways[0].conditions)[0],
        "Accepted=True/Accepted"
    );

    // Two sets: the older wins, whatever the names.
    let own = "  - {name: api, port: 9000, protocol: HTTP}\n";
    let two = cluster(
        ALLOW_ALL,
        &format!(
            "{}{}",
            listener_set(
                "a-newer",
                ", creationTimestamp: \"2026-02-01T00:00:00Z\"",
                own
            ),
            listener_set(
                "b-older",
                ", creationTimestamp: \"2026-01-01T00:00:00Z\"",
                own
            ),
        ),
    );
    assert!(listener(&two, "b-older:api").active);
    assert!(!listener(&two, "a-newer:api").active);

    // CT listenerset-protocol-conflict: TCP on the HTTP listener's port.
    let tcp = cluster(
        ALLOW_ALL,
        &listener_set(
            "team-listeners",
            "",
            "  - {name: raw, port: 80, protocol: TCP}\n",
        ),
    );
    assert_eq!(
        conditions(&listener(&tcp, "team-listeners:raw").conditions),
        [
            "Accepted=False/ProtocolConflict",
            "Programmed=False/ProtocolConflict",
            "ResolvedRefs=True/ResolvedRefs",
            "Conflicted=True/ProtocolConflict"
        ]
    );
    assert!(listener(&tcp, "http").active);
}

/// §11.16 and §11.11: `analyze --format json` lists each ListenerSet with its
/// conditions and listeners; the Gateway lists only its own listeners, and a
/// Route's parent names the set.
#[test]
fn s11_16_listener_sets_in_the_json_output() {
    let topology = cluster(
        ALLOW_ALL,
        &format!(
            "{}{}",
            listener_set("team-listeners", "", TEAM_LISTENER),
            route("shop", "{kind: ListenerSet, name: team-listeners}"),
        ),
    );
    let json: serde_json::Value = serde_json::from_str(&output::to_json(&topology)).unwrap();
    let sets = json["listenerSets"].as_array().expect("listenerSets");
    assert_eq!(sets.len(), 1);
    assert_eq!(sets[0]["namespace"], "team");
    assert_eq!(sets[0]["name"], "team-listeners");
    assert_eq!(sets[0]["parent"], "infra/web");
    assert_eq!(sets[0]["conditions"][0]["type"], "Accepted");
    assert_eq!(sets[0]["listeners"][0]["name"], "shop");
    assert_eq!(sets[0]["listeners"][0]["port"], 8080);
    assert_eq!(sets[0]["listeners"][0]["attachedRoutes"], 1);
    let gateway_listeners = json["gateways"][0]["listeners"].as_array().unwrap();
    assert_eq!(gateway_listeners.len(), 1);
    assert_eq!(gateway_listeners[0]["name"], "http");
    assert_eq!(
        json["routes"][0]["parents"][0]["listenerSet"],
        "team/team-listeners"
    );
    assert_eq!(json["routes"][0]["parents"][0]["gateway"], "infra/web");
}

/// §11.1 and §11.16: a ListenerSet is read as `v1`; another version is refused,
/// and a set naming a Gateway that is not in the input gets no status and a
/// diagnostic at its parentRef.
#[test]
fn s11_16_reading_and_a_missing_parent() {
    let refused = cluster(
        ALLOW_ALL,
        &listener_set("team-listeners", "", TEAM_LISTENER)
            .replace("/v1\nkind: ListenerSet", "/v1alpha1\nkind: ListenerSet"),
    );
    assert!(refused.gateway.listener_sets.is_empty());
    assert_eq!(codes(&refused, "gateway-unserved-version").len(), 1);
    let orphan = cluster(
        ALLOW_ALL,
        &listener_set("team-listeners", "", TEAM_LISTENER).replace(
            "name: web, namespace: infra",
            "name: gone, namespace: infra",
        ),
    );
    assert!(orphan.gateway.listener_sets[0].conditions.is_empty());
    let found = codes(&orphan, "gateway-listenerset-parent-not-found");
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].1, "spec.parentRef");
    assert!(found[0].2 > 0);
}

/// The details panel's sections for `id`, as `TITLE | LINE` facts.
fn panel_facts(topology: &Topology, id: &str) -> Vec<String> {
    let panel = panel(topology, id).unwrap_or_else(|| panic!("no panel for {id}"));
    panel
        .sections
        .iter()
        .flat_map(|section| {
            section
                .lines
                .iter()
                .map(move |line| format!("{} | {}", section.title, line.text))
        })
        .collect()
}

/// §11.16 and §11.14: a Gateway's details list the ListenerSets that name it with
/// their status, taken or not, and each set listener under its scene name with the
/// set it comes from; a set listener's own details show its set's status only.
#[test]
fn s11_16_details_show_listener_sets_and_their_status() {
    let rest = format!(
        "{}{}{}",
        listener_set("team-listeners", "", TEAM_LISTENER),
        route("on-set", "{kind: ListenerSet, name: team-listeners}"),
        "apiVersion: gateway.networking.k8s.io/v1\nkind: ListenerSet\nmetadata: {name: other, namespace: elsewhere}\nspec:\n  parentRef: {name: web, namespace: infra}\n  listeners: [{name: x, port: 9090, protocol: HTTP}]\n---\n",
    );
    // Selector: `team` is admitted, `elsewhere` is not.
    let topology = cluster(
        "  allowedListeners: {namespaces: {from: Selector, selector: {matchLabels: {tenant: \"yes\"}}}}\n",
        &rest,
    );
    let gateway = panel_facts(&topology, "gw:infra/web");
    check_facts(
        &gateway,
        &[
            "Listener http | HTTP on port 80, hostname *.example.com, 0 attached Routes",
            "Listener team-listeners:shop | HTTP on port 8080, hostname shop.team.example, 1 attached Route, from ListenerSet team/team-listeners",
            "Listener team-listeners:shop | HTTPRoute team/on-set",
            "ListenerSet team/team-listeners | Accepted True (Accepted): *",
            "ListenerSet team/team-listeners | Programmed True (Programmed): *",
            "ListenerSet elsewhere/other | Accepted False (NotAllowed): *",
            "!Listener other:x *",
        ],
    );
    let set_listener = panel_facts(&topology, "gwl:infra/web/team-listeners:shop");
    check_facts(
        &set_listener,
        &[
            "Listener team-listeners:shop | HTTP on port 8080, *",
            "ListenerSet team/team-listeners | Accepted True (Accepted): *",
            "!ListenerSet elsewhere/other *",
            "!Listener http *",
        ],
    );
}

/// §11.16 and §11.14: in the picture a set's listener is a row of its Gateway,
/// dotted and labelled with its own name (the box has no room for the set's too),
/// the set named on hover, and the Route attached to it leaves from that row.
#[test]
fn s11_16_a_set_listener_in_the_picture() {
    let rest = format!(
        "{}{}",
        listener_set("team-listeners", "", TEAM_LISTENER),
        route("on-set", "{kind: ListenerSet, name: team-listeners}"),
    );
    let topology = cluster(ALLOW_ALL, &rest);
    let scene = build_scene(&topology, View::Cluster, &Filter::default());
    let row = scene
        .shape("gwl:infra/web/team-listeners:shop")
        .expect("the set's listener row");
    assert_eq!(row.label, "shop :8080 HTTP");
    // A hostname too long for the box is cut, not the count after it.
    assert_eq!(row.sublabel, "shop.team.exa… · 1 route");
    assert_eq!(row.class, "ingress listener from-set");
    assert_eq!(row.parent.as_deref(), Some("gw:infra/web"));
    assert!(
        row.tooltip.starts_with(
            "Listener shop of ListenerSet team/team-listeners of infra/web: HTTP on port 8080"
        ),
        "{}",
        row.tooltip
    );
    let own = scene
        .shape("gwl:infra/web/http")
        .expect("the Gateway's own row");
    assert_eq!(own.class, "ingress listener");
    assert!(scene
        .edges
        .iter()
        .any(|e| e.from == row.id && e.to == "svc:team/app" && e.class == "route gateway-route"));
}

/// A Gateway `web` in `infra` taking every ListenerSet, with an HTTPS listener
/// `wild` for `*.example.com` on 443, and the certificates the sets' HTTPS
/// listeners name (`team-cert` in `team`), then `rest`.
fn tls_cluster(rest: &str) -> Topology {
    let yaml = format!("apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata: {{name: c}}\nspec: {{controllerName: example.net/gw}}\n---\napiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {{name: web, namespace: infra}}\nspec:\n  gatewayClassName: c\n{ALLOW_ALL}  listeners:\n  - {{name: wild, port: 443, protocol: HTTPS, hostname: \"*.example.com\", tls: {{certificateRefs: [{{name: wild-cert}}]}}}}\n---\napiVersion: v1\nkind: Secret\nmetadata: {{name: wild-cert, namespace: infra}}\n---\napiVersion: v1\nkind: Secret\nmetadata: {{name: team-cert, namespace: team}}\n---\n{rest}");
    analyze(&[SourceFile::new("tls.yaml", yaml)], &Config::default())
}

/// An HTTPS listener on 443 with this name and hostname, for a ListenerSet.
fn https(name: &str, hostname: &str) -> String {
    format!("  - {{name: {name}, port: 443, protocol: HTTPS, hostname: \"{hostname}\", tls: {{certificateRefs: [{{name: team-cert}}]}}}}\n")
}

/// The `OverlappingTLSConfig` condition's message of a listener, if it has one.
fn overlapping(topology: &Topology, scene_name: &str) -> Option<String> {
    listener(topology, scene_name)
        .conditions
        .iter()
        .find(|c| c.condition_type == "OverlappingTLSConfig")
        .map(|c| format!("{}/{}: {}", c.status, c.reason, c.message))
}

/// §11.16 and §11.3: a ListenerSet's HTTPS listener whose hostname overlaps one of
/// the Gateway's own on the same port gives both `OverlappingTLSConfig` (a
/// warning each, the set's at its listener), naming the other by its scene name;
/// it still carries traffic, and so does the Gateway's.
#[test]
fn s11_16_a_set_listener_overlapping_the_gateways_tls_hostname() {
    let topology = tls_cluster(&listener_set(
        "team-listeners",
        "",
        &https("shop", "shop.example.com"),
    ));
    assert_eq!(
        overlapping(&topology, "wild").as_deref(),
        Some("True/OverlappingHostnames: Hostname overlaps with listener(s) team-listeners:shop")
    );
    assert_eq!(
        overlapping(&topology, "team-listeners:shop").as_deref(),
        Some("True/OverlappingHostnames: Hostname overlaps with listener(s) wild")
    );
    assert!(listener(&topology, "wild").active);
    assert!(listener(&topology, "team-listeners:shop").active);
    let mut found = codes(&topology, "gateway-listener-overlapping-tls");
    found.sort_unstable();
    assert_eq!(found.len(), 2, "{found:?}");
    assert_eq!(found[0].0, "Gateway/infra/web");
    assert_eq!(found[0].1, "spec.listeners[0]");
    assert_eq!(found[1].0, "ListenerSet/team/team-listeners");
    assert_eq!(found[1].1, "spec.listeners[0]");
    assert!(found.iter().all(|(_, _, line)| *line > 0));
    let message = &topology
        .diagnostics
        .iter()
        .find(|d| {
            d.code == "gateway-listener-overlapping-tls" && d.object.starts_with("ListenerSet")
        })
        .unwrap()
        .message;
    assert!(
        message.starts_with("Listener shop of ListenerSet team/team-listeners (on Gateway infra/web) shares port 443 with TLS listener(s) wild whose hostnames overlap its own"),
        "{message}"
    );
    // In the JSON output the Gateway's own listener carries the condition too.
    let json = output::to_json(&topology);
    assert!(json.contains("Hostname overlaps with listener(s) team-listeners:shop"));
}

/// §11.16 and §11.3: between two ListenerSets, in precedence order; a listener
/// with the same hostname is a HostnameConflict, not an overlap, and a conflicted
/// listener overlaps nothing; another port, a listener without a hostname, and
/// hostnames that do not overlap give no condition.
#[test]
fn s11_16_overlapping_tls_hostnames_between_sets_and_what_does_not_overlap() {
    let topology = tls_cluster(&format!(
        "{}{}",
        listener_set(
            "a-newer",
            ", creationTimestamp: \"2026-02-01T00:00:00Z\"",
            &format!(
                "{}{}{}",
                https("api", "api.shop.example.com"),
                https("same", "*.example.com"),
                "  - {name: other-port, port: 8443, protocol: HTTPS, hostname: \"x.example.com\", tls: {certificateRefs: [{name: team-cert}]}}\n",
            ),
        ),
        listener_set(
            "b-older",
            ", creationTimestamp: \"2026-01-01T00:00:00Z\"",
            &format!(
                "{}{}{}",
                https("shop", "*.shop.example.com"),
                https("elsewhere", "example.org"),
                "  - {name: any, port: 443, protocol: TLS, tls: {mode: Passthrough}}\n",
            ),
        ),
    ));
    // b-older comes first: its listener overlaps the Gateway's and, later, a-newer's.
    assert_eq!(
        overlapping(&topology, "b-older:shop").as_deref(),
        Some("True/OverlappingHostnames: Hostname overlaps with listener(s) wild, a-newer:api")
    );
    assert_eq!(
        overlapping(&topology, "a-newer:api").as_deref(),
        Some("True/OverlappingHostnames: Hostname overlaps with listener(s) wild, b-older:shop")
    );
    assert_eq!(
        overlapping(&topology, "wild").as_deref(),
        Some("True/OverlappingHostnames: Hostname overlaps with listener(s) b-older:shop, a-newer:api")
    );
    // The same hostname as the Gateway's listener: Conflicted, and no overlap.
    assert!(!listener(&topology, "a-newer:same").active);
    assert_eq!(overlapping(&topology, "a-newer:same"), None);
    for untouched in ["a-newer:other-port", "b-older:elsewhere", "b-older:any"] {
        assert_eq!(overlapping(&topology, untouched), None, "{untouched}");
    }
}
