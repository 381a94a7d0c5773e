//! §11.14 Gateways in the picture, the traffic and the what-if edits: Gateways
//! with their listeners in the entry-point column, Routes as labelled edges,
//! rejected attachments and unresolved references marked, selecting a Route or a
//! Gateway, the details panels with rules in precedence order (§11.6), the
//! simulator's requests through a Gateway with the weighted split (§11.7), and the
//! three Gateway API edits.

use kubetopo::engine::config::Config;
use kubetopo::engine::gateway::model::RouteKind;
use kubetopo::engine::gateway::panel::{panel, Action};
use kubetopo::engine::highlight::{edge_selection, highlight, search};
use kubetopo::engine::ingest::SourceFile;
use kubetopo::engine::positions::Positions;
use kubetopo::engine::refs::NamespacedName;
use kubetopo::engine::scene::gateway::weight_share;
use kubetopo::engine::scene::{build_scene, Filter, Scene, View};
use kubetopo::engine::sim::{default_flows, flow_service, SimConfig, Simulator};
use kubetopo::engine::trace::Verdict;
use kubetopo::engine::whatif::{apply, Mutation};
use kubetopo::engine::{analyze, Topology};

use super::canary;
use crate::common::{check_facts, samples};

/// The scene as fact lines: `shape ID [CLASS] LABEL | SUBLABEL @x,y` and
/// `edge FROM -> TO [CLASS] LABEL`, then the edge's hover text on `  hover …` lines.
fn facts(scene: &Scene) -> Vec<String> {
    let mut lines = Vec::new();
    for shape in &scene.shapes {
        lines.push(format!(
            "shape {} [{}] {} | {} @{:.0},{:.0} in {}",
            shape.id,
            shape.class,
            shape.label,
            shape.sublabel,
            shape.rect.x,
            shape.rect.y,
            shape.parent.as_deref().unwrap_or("-")
        ));
    }
    for edge in &scene.edges {
        lines.push(format!(
            "edge {} -> {} [{}] {}",
            edge.from,
            edge.to,
            edge.class,
            edge.label.as_ref().map_or("", |l| l.text.as_str())
        ));
        for line in edge.tooltip.lines() {
            lines.push(format!("  hover {} -> {}: {line}", edge.from, edge.to));
        }
    }
    lines
}

fn cluster_scene(topology: &Topology) -> Scene {
    build_scene(topology, View::Cluster, &Filter::default())
}

/// The details panel's lines for `id`, as `SECTION | LINE [action]` facts.
fn panel_facts(topology: &Topology, id: &str) -> Vec<String> {
    let panel = panel(topology, id).unwrap_or_else(|| panic!("no panel for {id}"));
    let mut lines = vec![
        format!("title {}", panel.title),
        format!("object {}", panel.object),
    ];
    for section in &panel.sections {
        for line in &section.lines {
            let action = match &line.action {
                None => String::new(),
                Some(Action::Select(id)) => format!(" [select {id}]"),
                Some(Action::Edit(label, mutation)) => {
                    format!(" [{label}: {}]", mutation.past_tense())
                }
                Some(Action::Weight(mutation)) => format!(" [weight: {}]", mutation.past_tense()),
            };
            lines.push(format!("{} | {}{action}", section.title, line.text));
        }
    }
    lines
}

/// The shapes and edges that selecting `id` lights, as `shape ID` and
/// `edge FROM -> TO` facts, then `selected ID` for the outlined shapes.
fn lit_facts(scene: &Scene, id: &str) -> Vec<String> {
    let lit = highlight(scene, Some(id), &Positions::new());
    let shapes = lit
        .lit_shapes
        .iter()
        .map(|position| format!("shape {}", scene.shapes[position].id));
    let edges = lit.lit_edges.iter().map(|position| {
        let edge = &scene.edges[position];
        format!("edge {} -> {}", edge.from, edge.to)
    });
    let selected = lit
        .selected_shapes
        .iter()
        .map(|position| format!("selected {}", scene.shapes[position].id));
    shapes.chain(edges).chain(selected).collect()
}

/// §11.14: the Gateway sits in the Ingresses' column (x = 264, right of the
/// external clients), its one listener inside it, and each accepted Route is one
/// edge per backend Service from the listener, labelled with the match and, for a
/// split, the share (§11.7). The Route the listener refused (§11.4 step 3) is a
/// rejected edge from the Gateway itself, its reason on hover.
#[test]
fn s11_14_gateway_listeners_and_routes_are_drawn() {
    let scene = cluster_scene(&canary());
    check_facts(
        &facts(&scene),
        &[
            "shape gw:shop/web [gateway] web · * @264,* in -",
            "shape gwl:shop/web/http [ingress listener] http :80 HTTP | *.example.com · 1 route @268,* in gw:shop/web",
            "edge lb:shop/web-kubetopo -> gw:shop/web [external] ",
            "edge gwl:shop/web/http -> svc:shop/cart [route gateway-route] /cart · 90%",
            "edge gwl:shop/web/http -> svc:shop/cart-canary [route gateway-route] /cart · 10%",
            "edge gwl:shop/web/http -> svc:payments/payments [route gateway-route] /pay",
            "edge gwl:shop/web/http -> svc:shop/frontend [route gateway-route] /",
            "  hover gwl:shop/web/http -> svc:shop/cart: HTTPRoute shop/storefront rule 0 (PathPrefix /cart) → shop/cart:80, weight 90 of 100",
            "edge gw:shop/web -> svc:legacy/old-frontend [route gateway-route rejected] ✗ old-shop",
            "  hover gw:shop/web -> svc:legacy/old-frontend: not attached to shop/web: Accepted False (NotAllowedByListeners): *",
            // The redirect rule has no backend, so no edge; the rejected Route has
            // no edge from the listener.
            "!edge gwl:shop/web/http -> svc:legacy/old-frontend *",
        ],
    );
    // The same scene for the same input (determinism).
    assert_eq!(scene, cluster_scene(&canary()));
}

/// §11.14: a click on a Route's edge selects the Route, whose panel then opens;
/// the rejected edge from the Gateway selects the Route the Gateway refused, and an
/// edge that stands for no object of its own selects nothing.
#[test]
fn s11_14_a_route_edge_selects_its_route() {
    let topology = canary();
    let scene = cluster_scene(&topology);
    let selected = edge_selection(&scene, "gwl:shop/web/http", "svc:shop/cart");
    assert_eq!(selected.as_deref(), Some("route:HTTPRoute/shop/storefront"));
    assert!(panel(&topology, selected.as_deref().unwrap()).is_some());
    assert_eq!(
        edge_selection(&scene, "gw:shop/web", "svc:legacy/old-frontend").as_deref(),
        Some("route:HTTPRoute/legacy/old-shop")
    );
    assert_eq!(
        edge_selection(&scene, "lb:shop/web-kubetopo", "gw:shop/web"),
        None
    );
    assert_eq!(
        edge_selection(&scene, "gwl:shop/web/http", "svc:nowhere/x"),
        None
    );
}

/// §11.14: the Gateway box and its listener rows never overlap the Ingresses or
/// each other, and the column is only there when something is in it.
#[test]
fn s11_14_entry_point_column_holds_ingresses_and_gateways() {
    let topology = samples(&["gateway-canary.yaml", "ingress-nginx-cloud.yaml"]);
    let scene = cluster_scene(&topology);
    let entry_points: Vec<_> = scene
        .shapes
        .iter()
        .filter(|s| s.parent.is_none() && (s.id.starts_with("ing:") || s.id.starts_with("gw:")))
        .collect();
    assert!(entry_points.iter().any(|s| s.id.starts_with("gw:")));
    for (i, a) in entry_points.iter().enumerate() {
        for b in &entry_points[i + 1..] {
            assert!(!a.rect.overlaps(&b.rect), "{} overlaps {}", a.id, b.id);
        }
    }
    // Hiding entry points hides the Gateways and folds their column away.
    let mut filter = Filter::default();
    filter.hidden_kinds.insert("ingress".into());
    let hidden = build_scene(&canary(), View::Cluster, &filter);
    assert!(hidden.shapes.iter().all(|s| !s.id.starts_with("gw")));
    assert!(hidden
        .edges
        .iter()
        .all(|e| !e.class.contains("gateway-route")));
}

/// §11.14 and §11.7: without the ReferenceGrant the cross-namespace backend does
/// not resolve. Its edge is marked rejected with the reason on hover, and the
/// diagnostic speaks of the edit.
#[test]
fn s11_14_deleting_the_reference_grant_marks_the_backend_unresolved() {
    let mut topology = canary();
    apply(
        &mut topology,
        &Mutation::DeleteReferenceGrant {
            namespace: "payments".into(),
            name: "allow-shop-routes".into(),
        },
    )
    .unwrap();
    let scene = cluster_scene(&topology);
    check_facts(
        &facts(&scene),
        &[
            "edge gwl:shop/web/http -> svc:payments/payments [route gateway-route rejected] ✗ /pay",
            "  hover gwl:shop/web/http -> svc:payments/payments: ResolvedRefs False (RefNotPermitted): *",
            "edge gwl:shop/web/http -> svc:shop/cart [route gateway-route] /cart · 90%",
        ],
    );
    let diagnostic = topology
        .diagnostics
        .iter()
        .find(|d| d.code == "gateway-backend-ref-not-permitted")
        .expect("the backend is refused");
    assert!(
        diagnostic
            .message
            .starts_with("After you deleted ReferenceGrant payments/allow-shop-routes"),
        "{}",
        diagnostic.message
    );
    assert_eq!(
        topology.what_if.edits,
        ["you deleted ReferenceGrant payments/allow-shop-routes"]
    );
}

/// §11.14 and §11.7: a new weight changes the split the labels show; a weight
/// outside 0–1,000,000 is refused, as the API server refuses it.
#[test]
fn s11_14_changing_a_weight_changes_the_split() {
    let mut topology = canary();
    let set = |weight| Mutation::SetBackendWeight {
        kind: RouteKind::Http,
        namespace: "shop".into(),
        name: "storefront".into(),
        rule: 0,
        backend: 0,
        weight,
    };
    apply(&mut topology, &set(50)).unwrap();
    check_facts(
        &facts(&cluster_scene(&topology)),
        &[
            "edge gwl:shop/web/http -> svc:shop/cart [route gateway-route] /cart · 83.3%",
            "edge gwl:shop/web/http -> svc:shop/cart-canary [route gateway-route] /cart · 16.7%",
        ],
    );
    let error = apply(&mut topology, &set(1_000_001)).unwrap_err();
    assert_eq!(
        error.message(),
        "a backendRef's weight is 0 to 1000000, not 1000001"
    );
    let error = apply(
        &mut topology,
        &Mutation::SetBackendWeight {
            kind: RouteKind::Http,
            namespace: "shop".into(),
            name: "storefront".into(),
            rule: 9,
            backend: 0,
            weight: 1,
        },
    )
    .unwrap_err();
    assert!(error.is_not_found(), "{error}");
}

/// §11.14 and §11.4: a detached Route asks no Gateway to attach it: no edges, and
/// the listener counts no Route.
#[test]
fn s11_14_detaching_a_route_removes_its_edges() {
    let mut topology = canary();
    apply(
        &mut topology,
        &Mutation::DetachRoute {
            kind: RouteKind::Http,
            namespace: "shop".into(),
            name: "storefront".into(),
            gateway: NamespacedName::new("shop", "web"),
        },
    )
    .unwrap();
    check_facts(
        &facts(&cluster_scene(&topology)),
        &[
            "shape gwl:shop/web/http [ingress listener] http :80 HTTP | *.example.com · 0 routes @*",
            "!edge gwl:shop/web/http -> *",
            // The rejected Route is still drawn as rejected.
            "edge gw:shop/web -> svc:legacy/old-frontend [route gateway-route rejected] ✗ old-shop",
        ],
    );
    let again = apply(
        &mut topology,
        &Mutation::DetachRoute {
            kind: RouteKind::Http,
            namespace: "shop".into(),
            name: "storefront".into(),
            gateway: NamespacedName::new("shop", "web"),
        },
    )
    .unwrap_err();
    assert!(again.is_not_found(), "{again}");
}

/// §11.14: a backend's share of its rule's weights, as the edge labels write it.
#[test]
fn s11_14_weight_share_words() {
    assert_eq!(weight_share(90, 100), "90%");
    assert_eq!(weight_share(1, 1), "");
    assert_eq!(weight_share(1, 3), "33.3%");
    assert_eq!(weight_share(0, 10), "0%");
    assert_eq!(weight_share(0, 0), "0%");
}

/// §11.14 and §11.7: the simulator sends an external client's GET requests
/// through the Gateway for each path match, counts them under the Gateway's
/// Service, and the seeded weighted choice splits `/cart` 90/10 between the
/// stable and the canary pods over enough requests. The redirect counts as
/// redirected, not delivered.
#[test]
fn s11_14_traffic_follows_the_routes_with_the_weighted_split() {
    let topology = canary();
    let config = SimConfig {
        default_rate: 1.0,
        ..SimConfig::default()
    };
    let flows = default_flows(&topology, &config);
    let labels: Vec<&str> = flows.iter().map(|f| f.label.as_str()).collect();
    for wanted in [
        "external → HTTPRoute shop/storefront http://shop.example.com/cart",
        "external → HTTPRoute shop/storefront http://shop.example.com/pay",
        "external → HTTPRoute shop/storefront http://shop.example.com/basket",
        "external → HTTPRoute shop/storefront http://shop.example.com/",
    ] {
        assert!(labels.contains(&wanted), "{wanted} not in {labels:#?}");
    }
    let cart = flows
        .iter()
        .find(|f| f.label.ends_with("http://shop.example.com/cart"))
        .unwrap()
        .clone();
    assert_eq!(
        flow_service(&topology, &cart),
        Some(NamespacedName::new("shop", "web-kubetopo"))
    );
    let split = |seed: u64| {
        let mut simulator = Simulator::with_flows(
            topology.clone(),
            SimConfig {
                seed,
                ..config.clone()
            },
            vec![cart.clone()],
        );
        for _ in 0..2_000 {
            simulator.tick();
        }
        let counters = simulator.counters();
        let sum = |prefix: &str| -> u64 {
            counters
                .per_endpoint
                .iter()
                .filter(|(endpoint, _)| endpoint.starts_with(prefix))
                .map(|(_, n)| n)
                .sum()
        };
        let (canary, all) = (sum("shop/cart-canary-"), sum("shop/cart-"));
        (canary, all - canary, counters)
    };
    let (canary, stable, counters) = split(1);
    let total = canary + stable;
    assert!(total > 1_000, "{total} requests delivered");
    let share = canary as f64 / total as f64;
    assert!((0.07..=0.13).contains(&share), "canary share {share}");
    assert_eq!(counters.count(Verdict::Delivered), total);
    assert_eq!(
        counters.per_service[&NamespacedName::new("shop", "web-kubetopo")].delivered,
        total
    );
    // Seeded: the same seed gives the same counts.
    assert_eq!(split(1).0, canary);

    let basket = flows
        .iter()
        .find(|f| f.label.ends_with("/basket"))
        .unwrap()
        .clone();
    let mut simulator = Simulator::with_flows(topology.clone(), config.clone(), vec![basket]);
    for _ in 0..200 {
        simulator.tick();
    }
    let counters = simulator.counters();
    assert!(counters.count(Verdict::Redirected) > 0);
    assert_eq!(counters.delivered(), 0);
}

/// §11.14 and §11.6: a Route's panel lists its rules in precedence order with
/// their backends and shares, its parent's conditions, a detach button, and the
/// ReferenceGrant its cross-namespace backend needs.
#[test]
fn s11_14_route_panel() {
    let topology = canary();
    let facts = panel_facts(&topology, "route:HTTPRoute/shop/storefront");
    check_facts(
        &facts,
        &[
            "title HTTPRoute shop/storefront",
            "object HTTPRoute/shop/storefront",
            "Route | hostnames shop.example.com",
            "Parent Gateway shop/web, listener http | Accepted True (Accepted): *",
            "Parent Gateway shop/web, listener http | ResolvedRefs True (ResolvedRefs): *",
            "Parent Gateway shop/web, listener http |  [Detach from this Gateway: you detached HTTPRoute shop/storefront from Gateway shop/web]",
            "Rules, in precedence order | → shop/cart:80 · 90% [weight: you set the weight of backend 0 in rule 0 of HTTPRoute shop/storefront to 90]",
            "ReferenceGrants | ReferenceGrant payments/allow-shop-routes [Delete: you deleted ReferenceGrant payments/allow-shop-routes]",
        ],
    );
    let rules: Vec<&String> = facts
        .iter()
        .filter(|f| f.starts_with("Rules, in precedence order | rule"))
        .collect();
    assert_eq!(
        rules,
        [
            "Rules, in precedence order | rule 2: /basket, filters RequestRedirect",
            "Rules, in precedence order | rule 0: /cart",
            "Rules, in precedence order | rule 1: /pay",
            "Rules, in precedence order | rule 3: /",
        ]
    );
    assert!(panel(&topology, "route:HTTPRoute/shop/nothing").is_none());
}

/// §11.14 and §11.3: a Gateway's panel (also opened from one of its listeners)
/// gives its conditions, each listener with its conditions and attached Routes,
/// and every Route that names it with its verdict there.
#[test]
fn s11_14_gateway_panel() {
    let topology = canary();
    let facts = panel_facts(&topology, "gwl:shop/web/http");
    check_facts(
        &facts,
        &[
            "title Gateway shop/web",
            "object Gateway/shop/web",
            "Gateway | class kubetopo",
            "Gateway | proxy Service shop/web-kubetopo (simulated)",
            "Conditions | Accepted True (Accepted): *",
            "Conditions | Programmed True (Programmed): *",
            "Listener http | HTTP on port 80, hostname *.example.com, 1 attached Route",
            "Listener http | Conflicted False (NoConflicts): *",
            "Listener http | HTTPRoute shop/storefront [select route:HTTPRoute/shop/storefront]",
            "!Listener http | HTTPRoute legacy/old-shop*",
            "Routes | HTTPRoute legacy/old-shop: Accepted False (NotAllowedByListeners) [select route:HTTPRoute/legacy/old-shop]",
            "Routes | HTTPRoute shop/storefront: Accepted True (Accepted) [select *]",
        ],
    );
    assert_eq!(panel_facts(&topology, "gw:shop/web").len(), facts.len());
}

/// §11.14: a Route has no shape, so selecting it lights the edges drawn for it,
/// the listeners they leave with their Gateway, and the backend Services, and
/// nothing else: not the other Routes' edges, not the Gateway's other parts. A
/// refused Route lights its edge from the Gateway and its Service.
#[test]
fn s11_14_selecting_a_route_lights_its_edges_gateway_and_services() {
    let scene = cluster_scene(&canary());
    let storefront = lit_facts(&scene, "route:HTTPRoute/shop/storefront");
    check_facts(
        &storefront,
        &[
            "shape gw:shop/web",
            "shape gwl:shop/web/http",
            "shape svc:shop/cart",
            "shape svc:shop/cart-canary",
            "shape svc:payments/payments",
            "shape svc:shop/frontend",
            "edge gwl:shop/web/http -> svc:shop/cart",
            "edge gwl:shop/web/http -> svc:shop/cart-canary",
            "edge gwl:shop/web/http -> svc:payments/payments",
            "edge gwl:shop/web/http -> svc:shop/frontend",
            "!shape svc:legacy/old-frontend",
            "!shape lb:shop/web-kubetopo",
            "!shape pod:*",
            "!edge gw:shop/web -> *",
            "!edge lb:* -> *",
            "!selected *",
        ],
    );
    // The six shapes, the namespace islands of the Services, the four edges.
    assert_eq!(storefront.len(), 6 + 2 + 4, "{storefront:#?}");
    let mut refused = lit_facts(&scene, "route:HTTPRoute/legacy/old-shop");
    refused.sort_unstable();
    assert_eq!(
        refused,
        [
            "edge gw:shop/web -> svc:legacy/old-frontend",
            "shape gw:shop/web",
            "shape ns:legacy",
            "shape svc:legacy/old-frontend",
        ]
    );
    // A Route that is not in the picture lights nothing.
    assert!(highlight(&scene, Some("route:HTTPRoute/shop/gone"), &Positions::new()).is_empty());
}

/// §11.14: two Routes to one Service from one listener share an edge; selecting
/// either lights it, and a click on it selects the first.
#[test]
fn s11_14_a_shared_route_edge_lights_for_each_of_its_routes() {
    let text = std::fs::read_to_string("samples/gateway-canary.yaml").unwrap()
        + "\n---\napiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: tea, namespace: shop}\nspec:\n  parentRefs: [{name: web}]\n  hostnames: [tea.example.com]\n  rules: [{backendRefs: [{name: cart, port: 80}]}]\n";
    let topology = analyze(&[SourceFile::new("gw.yaml", text)], &Config::default());
    let scene = cluster_scene(&topology);
    for route in [
        "route:HTTPRoute/shop/storefront",
        "route:HTTPRoute/shop/tea",
    ] {
        check_facts(
            &lit_facts(&scene, route),
            &["edge gwl:shop/web/http -> svc:shop/cart"],
        );
    }
    check_facts(
        &lit_facts(&scene, "route:HTTPRoute/shop/tea"),
        &["!edge gwl:shop/web/http -> svc:shop/cart-canary"],
    );
    assert_eq!(
        edge_selection(&scene, "gwl:shop/web/http", "svc:shop/cart").as_deref(),
        Some("route:HTTPRoute/shop/storefront")
    );
}

/// §11.14: the name search finds a Route by its name, so Enter selects it; a
/// Service named alike still ranks first.
#[test]
fn s11_14_the_name_search_finds_a_route() {
    let topology = canary();
    let scene = cluster_scene(&topology);
    let found = search(&scene, &topology, "Storefront", "");
    assert!(found.matches.is_empty());
    assert_eq!(found.best(&scene), Some("route:HTTPRoute/shop/storefront"));
    let found = search(&scene, &topology, "old", "");
    assert_eq!(found.best(&scene), Some("svc:legacy/old-frontend"));
    assert!(found.routes.contains("route:HTTPRoute/legacy/old-shop"));
}

/// §11.14, issue #8: each labelled edge names the label element written for it,
/// which the app lights with the edge (a selected Route's labels stay at full
/// strength). A fan of edges with one label at one point shares one element.
#[test]
fn s11_14_each_labelled_edge_names_its_label_element() {
    use kubetopo::engine::scene::{label_elements, svg_elements, Tooltips};
    let scene = cluster_scene(&canary());
    let elements = label_elements(&scene);
    assert_eq!(elements.len(), scene.edges.len());
    let markup = svg_elements(&scene, Tooltips::Omitted);
    let written: Vec<&str> = markup
        .match_indices("<text class=\"edge-label")
        .map(|(at, _)| {
            let text = &markup[at..];
            &text[text.find('>').unwrap() + 1..text.find("</text>").unwrap()]
        })
        .collect();
    let mut n_shared = 0;
    for (edge, element) in scene.edges.iter().zip(&elements) {
        match (&edge.label, element) {
            (Some(label), Some(position)) => {
                // The compact form's ellipsis is not the label's; its cut is.
                let whole = written[*position]
                    .replace("<tspan class=\"more\">…</tspan>", "")
                    .replace("<tspan class=\"rest\">", "")
                    .replace("</tspan>", "");
                assert_eq!(whole, label.text, "{} -> {}", edge.from, edge.to);
            }
            (None, None) => {}
            other => panic!("{} -> {}: {other:?}", edge.from, edge.to),
        }
    }
    for (position, _) in written.iter().enumerate() {
        let n_edges = elements.iter().filter(|e| **e == Some(position)).count();
        assert!(n_edges >= 1, "label {position} written for no edge");
        n_shared += usize::from(n_edges > 1);
    }
    // The Service port labels of a fan of endpoints are shared; each route edge
    // has a label of its own.
    assert!(n_shared > 0);
    for (edge, element) in scene.edges.iter().zip(&elements) {
        if edge.class.contains("gateway-route") {
            let position = element.expect("a route edge is labelled");
            assert_eq!(elements.iter().filter(|e| **e == Some(position)).count(), 1);
        }
    }
}

/// §11.14, §13.4, issue #8: a Gateway's Routes leave from its listeners, so
/// selecting the Gateway lights their edges and the Services they reach, as well
/// as the refused Route's edge from the Gateway itself; not the pods behind.
#[test]
fn s11_14_selecting_a_gateway_lights_its_listeners_route_edges() {
    let scene = cluster_scene(&canary());
    check_facts(
        &lit_facts(&scene, "gw:shop/web"),
        &[
            "shape gw:shop/web",
            "shape gwl:shop/web/http",
            "shape svc:shop/cart",
            "shape svc:shop/cart-canary",
            "shape svc:payments/payments",
            "shape svc:shop/frontend",
            "shape svc:legacy/old-frontend",
            "edge gwl:shop/web/http -> svc:shop/cart",
            "edge gwl:shop/web/http -> svc:shop/cart-canary",
            "edge gwl:shop/web/http -> svc:payments/payments",
            "edge gwl:shop/web/http -> svc:shop/frontend",
            "edge gw:shop/web -> svc:legacy/old-frontend",
            "selected gw:shop/web",
            "!edge svc:shop/cart -> pod:shop/cart-*",
            "!shape pod:*",
        ],
    );
}

/// §11.14: a Route's edge label writes its match in a few characters: `=` before an
/// exact path, `~` before a pattern, then the method, the headers and the query
/// parameters (`?` before each), each `=` or `~` its value.
#[test]
fn s11_14_a_match_in_a_few_characters() {
    let text = "apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata: {name: c}\nspec: {controllerName: example.net/gw}\n---\napiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: web, namespace: shop}\nspec:\n  gatewayClassName: c\n  listeners: [{name: http, port: 80, protocol: HTTP}]\n---\napiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: r, namespace: shop}\nspec:\n  parentRefs: [{name: web}]\n  rules:\n  - matches:\n    - path: {type: Exact, value: /api}\n      method: GET\n      headers: [{name: x-env, value: canary}, {type: RegularExpression, name: x-user, value: 'a.*'}]\n      queryParams: [{name: v, value: '2'}]\n    - path: {type: RegularExpression, value: '/v[0-9]+'}\n    backendRefs: [{name: app, port: 80}]\n---\napiVersion: v1\nkind: Service\nmetadata: {name: app, namespace: shop}\nspec:\n  selector: {app: app}\n  ports: [{port: 80}]\n";
    let topology = analyze(
        &[SourceFile::new("r.yaml", text.to_string())],
        &Config::default(),
    );
    let scene = cluster_scene(&topology);
    check_facts(
        &facts(&scene),
        &["edge gwl:shop/web/http -> svc:shop/app [route gateway-route] =/api GET x-env=canary x-user~a.* ?v=2 | ~/v[0-9]+"],
    );
}
