//! A trace on the picture (§13.5): the hops of a traced connection mapped to the
//! shapes of a scene, with their badges, the lit path and the verdict's place.

use std::collections::BTreeSet;

use kubetopo::engine::lod::{self, Collapse};
use kubetopo::engine::model::Protocol;
use kubetopo::engine::positions::Positions;
use kubetopo::engine::scene::{build_scene, place_anchor, Filter, Scene, View};
use kubetopo::engine::scene::{title_box, Rect};
use kubetopo::engine::sim::{Counters, SimConfig, Simulator};
use kubetopo::engine::trace::{
    self, parse_destination, parse_source, HopAction, Place, Trace, TraceRequest, Verdict,
};
use kubetopo::engine::trace_overlay::{layout_on_screen, trace_overlay, Screen, TraceOverlay};
use kubetopo::engine::Topology;

use crate::common::samples;

/// The titles of every shape of `scene`, drawn as itself, on `screen`.
fn titles_on_screen(scene: &Scene, screen: Screen) -> Vec<Rect> {
    let levels = vec![lod::Level::Detail; scene.shapes.len()];
    lod::texts_on_screen(scene, &[], &levels, &Counters::default(), screen, false)
}

fn run_trace(topology: &Topology, from: &str, to: &str) -> Trace {
    let request = TraceRequest {
        source: parse_source(from, None).expect("source"),
        destination: parse_destination(to).expect("destination"),
        protocol: Protocol::Tcp,
        seed: 0,
    };
    trace::trace(topology, &request)
}

/// One line per badge, `step label @ shape #slot`, then the verdict's line.
fn dump(overlay: &TraceOverlay) -> Vec<String> {
    let mut lines: Vec<String> = overlay
        .badges
        .iter()
        .map(|badge| {
            format!(
                "{} {} @ {} #{}",
                badge.step,
                kubetopo::engine::trace_overlay::badge_label(badge.action),
                badge.shape.as_deref().unwrap_or("-"),
                badge.slot
            )
        })
        .collect();
    if let Some(verdict) = &overlay.verdict {
        lines.push(format!("verdict {} #{}", verdict.text, verdict.slot));
    }
    lines
}

fn ids(scene: &Scene, positions: &Positions) -> BTreeSet<String> {
    positions
        .iter()
        .map(|p| scene.shapes[p].id.clone())
        .collect()
}

fn edge_ends(scene: &Scene, positions: &Positions) -> Vec<String> {
    positions
        .iter()
        .map(|p| format!("{} → {}", scene.edges[p].from, scene.edges[p].to))
        .collect()
}

/// The sample's NodePort on `node`, from outside.
fn echo_node_port_trace(topology: &Topology, node: &str) -> Trace {
    let service = topology
        .services
        .iter()
        .find(|s| s.name == "echo")
        .expect("echo");
    let node_port = service.ports[0].node_port.expect("a NodePort");
    let node = topology
        .cluster
        .nodes
        .iter()
        .find(|n| n.name == node)
        .expect("node");
    run_trace(
        topology,
        "external",
        &format!("{}:{node_port}", node.internal_ip),
    )
}

/// The node of the local-lb sample that runs no echo pod.
fn node_without_echo(topology: &Topology) -> String {
    topology
        .cluster
        .nodes
        .iter()
        .find(|node| {
            !topology
                .cluster
                .pods
                .iter()
                .any(|pod| pod.node.as_deref() == Some(node.name.as_str()))
        })
        .expect("a node without pods")
        .name
        .clone()
}

/// §5.2, §13.5: a NodePort on a node without a local endpoint under
/// externalTrafficPolicy Local: the badges sit on the client and that node, and the
/// verdict names the cause and the node, under the node's badges.
#[test]
fn etp_local_drop_is_drawn_at_the_node_without_endpoint() {
    let topology = samples(&["local-loadbalancer.yaml"]);
    let scene = build_scene(&topology, View::Cluster, &Filter::default());
    let node = node_without_echo(&topology);
    let trace = echo_node_port_trace(&topology, &node);
    let overlay = trace_overlay(&trace, &scene, &topology);
    assert_eq!(
        dump(&overlay),
        [
            "1 send @ ext:internet #0".to_string(),
            format!("2 node @ node:{node} #0"),
            format!("3 drop @ node:{node} #1"),
            format!("verdict dropped: no local endpoint on {node} #2"),
        ]
    );
    // Badges sit where the animation draws the packet.
    let node_place = Place::Node(node.clone());
    let anchor = place_anchor(&scene, &topology, &node_place).expect("node drawn");
    assert_eq!((overlay.badges[1].x, overlay.badges[1].y), anchor);
    let verdict = overlay.verdict.as_ref().expect("verdict");
    assert_eq!((verdict.x, verdict.y), anchor);
    // The path goes from the client to the node; the Service whose rules dropped
    // it is lit, the echo pods are not.
    assert_eq!(
        overlay.path,
        vec![
            place_anchor(&scene, &topology, &Place::Client).expect("client drawn"),
            anchor
        ]
    );
    let lit = ids(&scene, &overlay.highlight.lit_shapes);
    assert!(lit.contains(&format!("node:{node}")), "{lit:?}");
    assert!(lit.contains("svc:default/echo"), "{lit:?}");
    assert!(!lit.iter().any(|id| id.starts_with("pod:")), "{lit:?}");
}

/// §5.2, §13.5: through the cloud load balancer, the LB badge sits on the Service's
/// entry point, and the lit edges are exactly client → LB → chosen node and
/// Service → the pod reached, never the load balancer's other nodes.
#[test]
fn load_balancer_path_lights_the_chosen_node_only() {
    let topology = samples(&["local-loadbalancer.yaml"]);
    let scene = build_scene(&topology, View::Cluster, &Filter::default());
    let service = topology
        .services
        .iter()
        .find(|s| s.name == "echo")
        .expect("echo");
    let lb_ip = service.load_balancer_ips.first().expect("an LB address");
    let trace = run_trace(&topology, "external", &format!("{lb_ip}:80"));
    assert_eq!(trace.verdict, Verdict::Delivered);
    let overlay = trace_overlay(&trace, &scene, &topology);
    let pod = trace
        .endpoint
        .as_ref()
        .and_then(|e| e.pod.as_ref())
        .expect("a pod")
        .to_string();
    let node = trace
        .hops
        .last()
        .and_then(|h| h.node.clone())
        .expect("node");
    let lines = dump(&overlay);
    assert_eq!(lines[0], "1 send @ ext:internet #0");
    assert_eq!(lines[1], "2 LB @ lb:default/echo #0");
    assert_eq!(lines[2], format!("3 node @ node:{node} #0"));
    assert_eq!(
        lines.last(),
        Some(&format!("verdict delivered to {pod} #2"))
    );
    let mut lit_edges = edge_ends(&scene, &overlay.highlight.lit_edges);
    lit_edges.sort();
    let mut expected = vec![
        "ext:internet → lb:default/echo".to_string(),
        "lb:default/echo → svc:default/echo".to_string(),
        format!("lb:default/echo → node:{node}"),
        format!("svc:default/echo → pod:{pod}"),
    ];
    expected.sort();
    assert_eq!(lit_edges, expected);
}

/// §6, §8.1, §13.5: a pod-to-Service connection denied at the destination pod by
/// the Online Boutique policies: DNS sits above the first island, the capture and
/// DNAT stack on the client's node, and the drop is written at the denying pod,
/// naming the policies.
#[test]
fn policy_denial_is_drawn_at_the_denying_pod() {
    let topology = samples(&["online-boutique.yaml", "online-boutique-netpol.yaml"]);
    let scene = build_scene(&topology, View::Cluster, &Filter::default());
    let frontend = pod_of(&topology, "frontend");
    let redis = pod_of(&topology, "redis-cart");
    let trace = run_trace(
        &topology,
        &format!("pod/default/{frontend}"),
        "redis-cart:6379",
    );
    let overlay = trace_overlay(&trace, &scene, &topology);
    let lines = dump(&overlay);
    assert_eq!(lines[0], "1 DNS @ - #0");
    assert_eq!(
        lines.last(),
        Some(&format!(
            "verdict dropped: denied by policy deny-all, redis-cart on {} #1",
            node_of(&topology, &redis)
        ))
    );
    assert_eq!(
        lines[lines.len() - 2],
        format!("7 drop @ pod:default/{redis} #0")
    );
    assert_eq!(
        (overlay.badges[0].x, overlay.badges[0].y),
        place_anchor(&scene, &topology, &Place::Dns).expect("DNS drawn")
    );
    // Every step is numbered once, in order, as the trace panel numbers them.
    let steps: Vec<usize> = overlay.badges.iter().map(|b| b.step).collect();
    assert_eq!(steps, (1..=trace.hops.len()).collect::<Vec<_>>());
    // The edge followed from the Service to the pod is lit; its other edges are not.
    let lit_edges = edge_ends(&scene, &overlay.highlight.lit_edges);
    assert!(lit_edges.contains(&format!("svc:default/redis-cart → pod:default/{redis}")));
    assert!(
        lit_edges
            .iter()
            .all(|edge| !edge.contains("checkoutservice")),
        "{lit_edges:?}"
    );
}

/// §13.5: in the logical view nodes are not drawn: kube-proxy's hops sit at the
/// Service whose rules they apply, pods at their workload's box, and the lit edges
/// are the dependency from the client's workload and the endpoint edge.
#[test]
fn logical_view_places_node_hops_at_the_service() {
    let topology = samples(&["online-boutique.yaml", "online-boutique-netpol.yaml"]);
    let scene = build_scene(&topology, View::Logical, &Filter::default());
    let frontend = pod_of(&topology, "frontend");
    let trace = run_trace(
        &topology,
        &format!("pod/default/{frontend}"),
        "cartservice:7070",
    );
    assert_eq!(trace.verdict, Verdict::Delivered);
    let overlay = trace_overlay(&trace, &scene, &topology);
    let lines = dump(&overlay);
    assert_eq!(
        &lines[1..4],
        [
            "2 node @ svc:default/cartservice #0",
            "3 endpoint @ svc:default/cartservice #1",
            "4 DNAT @ svc:default/cartservice #2",
        ]
    );
    assert_eq!(lines[4], "5 policy @ wl:default/Deployment/frontend #0");
    assert_eq!(lines[7], "8 pod @ wl:default/Deployment/cartservice #1");
    let mut lit_edges = edge_ends(&scene, &overlay.highlight.lit_edges);
    lit_edges.sort();
    assert_eq!(
        lit_edges,
        [
            "svc:default/cartservice → wl:default/Deployment/cartservice",
            "wl:default/Deployment/frontend → svc:default/cartservice",
        ]
    );
    assert_eq!(
        ids(&scene, &overlay.highlight.lit_shapes),
        [
            "ns:default",
            "svc:default/cartservice",
            "wl:default/Deployment/cartservice",
            "wl:default/Deployment/frontend",
        ]
        .into_iter()
        .map(String::from)
        .collect()
    );
}

/// §13.5: a connection to a pod that is its own endpoint (hairpin) still lights
/// the Service → pod edge, crossed after the Service although the pod came first.
#[test]
fn hairpin_lights_the_endpoint_edge() {
    let topology = samples(&["online-boutique.yaml"]);
    let scene = build_scene(&topology, View::Cluster, &Filter::default());
    let frontend = pod_of(&topology, "frontend");
    let trace = run_trace(&topology, &format!("pod/default/{frontend}"), "frontend:80");
    let overlay = trace_overlay(&trace, &scene, &topology);
    let lit_edges = edge_ends(&scene, &overlay.highlight.lit_edges);
    assert!(
        lit_edges.contains(&format!("svc:default/frontend → pod:default/{frontend}")),
        "{lit_edges:?}"
    );
}

/// §13.5: a trace whose places the scene does not draw (everything filtered out)
/// has no badges and no verdict mark, and never panics.
#[test]
fn nothing_drawn_gives_no_badges() {
    let topology = samples(&["local-loadbalancer.yaml"]);
    let filter = Filter {
        namespaces: ["elsewhere".to_string()].into_iter().collect(),
        hidden_kinds: [
            "external".to_string(),
            "pod".to_string(),
            "node".to_string(),
        ]
        .into_iter()
        .collect(),
    };
    let scene = build_scene(&topology, View::Cluster, &filter);
    let node = node_without_echo(&topology);
    let trace = echo_node_port_trace(&topology, &node);
    let overlay = trace_overlay(&trace, &scene, &topology);
    assert_eq!(
        dump(&overlay),
        Vec::<String>::new(),
        "{:?}",
        scene.shapes.iter().map(|s| &s.id).collect::<Vec<_>>()
    );
    assert!(overlay.highlight.lit_shapes.is_empty());
}

/// The samples the badge tests trace: Online Boutique with its policies, traced
/// from its frontend pod, and local-lb with its NodePort trace from a node without
/// an echo pod.
struct BadgeSamples {
    boutique: Topology,
    local_lb: Topology,
    local_lb_trace: Trace,
}

impl BadgeSamples {
    fn new() -> BadgeSamples {
        let boutique = samples(&["online-boutique.yaml", "online-boutique-netpol.yaml"]);
        let local_lb = samples(&["local-loadbalancer.yaml"]);
        let local_lb_trace = echo_node_port_trace(&local_lb, &node_without_echo(&local_lb));
        BadgeSamples {
            boutique,
            local_lb,
            local_lb_trace,
        }
    }

    /// A trace from Online Boutique's frontend pod to `to`.
    fn frontend_trace(&self, to: &str) -> Trace {
        let frontend = format!("pod/default/{}", pod_of(&self.boutique, "frontend"));
        run_trace(&self.boutique, &frontend, to)
    }
}

/// §13.5: badges and the verdict never cover a shape's title, nor each other, and
/// stay inside the layer, at any zoom and in both views: the demo's trace from
/// frontend to cartservice (DNS, node, DNAT, policy, pod), its denied connection to
/// redis-cart, and the local-lb drop on a node (issue #10: the "node" badge sat on
/// the node box's title).
#[test]
fn badges_never_cover_a_title() {
    let fixture = BadgeSamples::new();
    let cases = [
        (
            &fixture.boutique,
            fixture.frontend_trace("cartservice:7070"),
        ),
        (&fixture.boutique, fixture.frontend_trace("redis-cart:6379")),
        (&fixture.local_lb, fixture.local_lb_trace.clone()),
    ];
    let mut n_marks = 0;
    let mut n_moved_node_badges = 0;
    for (topology, trace) in &cases {
        for view in [View::Cluster, View::Logical] {
            let scene = build_scene(topology, view, &Filter::default());
            let overlay = trace_overlay(trace, &scene, topology);
            assert!(!overlay.badges.is_empty());
            for k in [0.25, 0.4, 0.6, 0.8, 1.0, 1.3, 1.8, 2.5] {
                // The whole scene on a layer, and a layer narrower than the scene
                // (628 px: the graph of a 1024 px window).
                for width in [(scene.width * k + 40.0).max(628.0), 628.0] {
                    let screen = Screen {
                        k,
                        tx: 20.0,
                        ty: 30.0,
                        width,
                    };
                    let marks =
                        layout_on_screen(&overlay, titles_on_screen(&scene, screen), screen);
                    assert_eq!(marks.badges.len(), overlay.badges.len());
                    let titles: Vec<(String, Rect)> = scene
                        .shapes
                        .iter()
                        .filter_map(|shape| {
                            Some((shape.id.clone(), screen.rect(&title_box(shape)?)))
                        })
                        .collect();
                    let placed: Vec<Rect> = marks
                        .badges
                        .iter()
                        .chain(&marks.verdict)
                        .map(|mark| mark.rect)
                        .collect();
                    for (i, mark) in placed.iter().enumerate() {
                        n_marks += 1;
                        for (id, title) in &titles {
                            assert!(
                                !mark.overlaps(title),
                                "{view:?} k={k} width={width}: mark {i} {mark:?} covers the title of {id} {title:?}"
                            );
                        }
                        for other in &placed[i + 1..] {
                            assert!(
                                !mark.overlaps(other),
                                "{view:?} k={k}: marks {mark:?} and {other:?} overlap"
                            );
                        }
                        assert!(
                            mark.x >= 0.0 && mark.x + mark.w <= width,
                            "{mark:?} leaves a layer {width} wide"
                        );
                    }
                    for (badge, mark) in overlay.badges.iter().zip(&marks.badges) {
                        if badge.action == HopAction::Capture && mark.moved {
                            n_moved_node_badges += 1;
                        }
                    }
                }
            }
        }
    }
    assert!(n_marks > 500, "{n_marks} marks checked");
    // The node badges' first place, right of the node's anchor, is on the node's
    // title: they were moved.
    assert!(n_moved_node_badges > 0);
}

fn pod_of(topology: &Topology, workload: &str) -> String {
    topology
        .cluster
        .pods
        .iter()
        .find(|p| p.workload.as_ref().is_some_and(|w| w.name == workload))
        .expect("pod")
        .name
        .clone()
}

fn node_of(topology: &Topology, pod: &str) -> String {
    topology
        .cluster
        .pods
        .iter()
        .find(|p| p.name == pod)
        .and_then(|p| p.node.clone())
        .expect("node")
}

/// §13.2, §13.5: zoomed out, where the canvas draws namespace islands and nodes as
/// aggregate tiles, the badges and the verdict keep off the tiles' own text (their
/// names, counts and drops, as `lod::tile_text` places them and the canvas writes
/// them), and off each other (issue #10: they avoided full-detail titles only, and
/// sat on a tile's counts). The local-lb drop's trace, with the sample's traffic
/// counted so that its tiles carry drop labels, and the demo's trace to cartservice.
#[test]
fn badges_never_cover_a_tiles_text() {
    let fixture = BadgeSamples::new();
    let mut simulator = Simulator::new(fixture.local_lb.clone(), SimConfig::default());
    for _ in 0..2_000 {
        simulator.tick();
    }
    let cases = [
        (
            &fixture.boutique,
            fixture.frontend_trace("cartservice:7070"),
            Counters::default(),
        ),
        (
            &fixture.local_lb,
            fixture.local_lb_trace.clone(),
            simulator.counters(),
        ),
    ];
    let mut n_tile_texts = 0;
    let mut n_drop_labels = 0;
    for (topology, trace, counters) in &cases {
        for view in [View::Cluster, View::Logical] {
            let scene = build_scene(topology, view, &Filter::default());
            let tiles = lod::tiles(&scene, topology);
            let overlay = trace_overlay(trace, &scene, topology);
            assert!(!overlay.badges.is_empty());
            // Zoomed out past the tiles' zoom, and everything collapsed by hand at a
            // zoom where the tiles are large enough for all their text.
            let mut all = Collapse::default();
            all.set_all(&tiles, true);
            for (k, collapse) in [
                (0.12, Collapse::default()),
                (0.2, Collapse::default()),
                (0.3, Collapse::default()),
                (0.6, all.clone()),
                (1.0, all.clone()),
            ] {
                let screen = Screen {
                    k,
                    tx: 20.0,
                    ty: 30.0,
                    width: (scene.width * k + 40.0).max(628.0),
                };
                let levels = lod::shape_levels(&scene, &tiles, &collapse, k);
                let texts: Vec<Rect> = levels
                    .iter()
                    .enumerate()
                    .filter(|(_, level)| **level == lod::Level::Tile)
                    .filter_map(|(position, _)| lod::tile_at(&tiles, position))
                    .flat_map(|tile| {
                        let mut tile = tile.clone();
                        lod::add_drops(std::slice::from_mut(&mut tile), counters);
                        let text = lod::tile_text(screen.rect(&tile.rect), tile.n_drops);
                        n_drop_labels += usize::from(text.drops.is_some_and(|d| d.h > 10.0));
                        [text.name, text.counts, text.drops]
                    })
                    .flatten()
                    .collect();
                n_tile_texts += texts.len();
                let all_texts =
                    lod::texts_on_screen(&scene, &tiles, &levels, counters, screen, false);
                let marks = layout_on_screen(&overlay, all_texts, screen);
                let placed: Vec<Rect> = marks
                    .badges
                    .iter()
                    .chain(&marks.verdict)
                    .map(|mark| mark.rect)
                    .collect();
                assert_eq!(placed.len(), overlay.badges.len() + 1);
                for (i, mark) in placed.iter().enumerate() {
                    for text in &texts {
                        assert!(
                            !mark.overlaps(text),
                            "{view:?} k={k}: mark {i} {mark:?} covers a tile's text {text:?}"
                        );
                    }
                    for other in &placed[i + 1..] {
                        assert!(!mark.overlaps(other), "{view:?} k={k}: {mark:?} {other:?}");
                    }
                }
            }
        }
    }
    assert!(n_tile_texts > 50, "{n_tile_texts} tile texts checked");
    assert!(n_drop_labels > 0, "no tile wrote its drops");
}

/// §13.5, issue #10: the drop markers' reasons are written at a fixed size beside
/// their places, never over a shape's title nor each other, at any zoom: on the
/// local-lb sample, a long label at each node (in the cluster view) and one at
/// the external clients.
#[test]
fn drop_reasons_never_cover_a_title() {
    use kubetopo::engine::trace_overlay::{labels_beside_points, LABEL_H};
    let topology = samples(&["local-loadbalancer.yaml"]);
    for view in [View::Cluster, View::Logical] {
        let scene = build_scene(&topology, view, &Filter::default());
        let points: Vec<((f64, f64), f64)> = topology
            .cluster
            .nodes
            .iter()
            .filter_map(|node| place_anchor(&scene, &topology, &Place::Node(node.name.clone())))
            .chain(place_anchor(&scene, &topology, &Place::Client))
            .map(|point| (point, 150.0))
            .collect();
        assert!(!points.is_empty(), "{view:?}");
        for k in [0.3, 0.5, 1.0, 2.0] {
            let screen = Screen {
                k,
                tx: 10.0,
                ty: 10.0,
                width: (scene.width * k + 200.0).max(628.0),
            };
            let titles = titles_on_screen(&scene, screen);
            let marks = labels_beside_points(&points, titles.clone(), screen);
            assert_eq!(marks.len(), points.len());
            for (i, mark) in marks.iter().enumerate() {
                assert_eq!((mark.rect.w, mark.rect.h), (150.0, LABEL_H));
                for title in &titles {
                    assert!(
                        !mark.rect.overlaps(title),
                        "{view:?} k={k}: {mark:?} on {title:?}"
                    );
                }
                for other in &marks[i + 1..] {
                    assert!(!mark.rect.overlaps(&other.rect), "{view:?} k={k}");
                }
            }
        }
    }
}

/// §13.5: a packet's colour is never a drop's or a reject's. Every flow's hue,
/// read back from its RGB bytes, lies between 65° and 305°: clear of the red
/// (0°) of drops and the amber (32°) of rejects.
#[test]
fn s13_5_packet_colours_keep_clear_of_the_drop_and_reject_hues() {
    for flow in 0..5_000u32 {
        let [r, g, b, a] = kubetopo::engine::scene::flow_rgba(flow);
        assert_eq!(a, 255);
        let (r, g, b) = (f64::from(r), f64::from(g), f64::from(b));
        let (max, min) = (r.max(g).max(b), r.min(g).min(b));
        assert!(max - min > 100.0, "flow {flow} is saturated");
        let sector = if max == r {
            ((g - b) / (max - min)).rem_euclid(6.0)
        } else if max == g {
            (b - r) / (max - min) + 2.0
        } else {
            (r - g) / (max - min) + 4.0
        };
        let hue = sector * 60.0;
        assert!((65.0..=305.0).contains(&hue), "flow {flow}: hue {hue}");
    }
    // Neighbouring flows differ.
    assert_ne!(
        kubetopo::engine::scene::flow_rgba(0),
        kubetopo::engine::scene::flow_rgba(1)
    );
}

/// §13.5, issue #10: a box's second row (a Service's type and address) is text
/// the drop reasons keep off too, while the zoom draws it: on Online Boutique,
/// a reason at each pod (where a policy denial is marked) never covers a
/// Service's "ClusterIP · 10.… :port" line; zoomed out, where second rows are not
/// drawn, they are not in the way.
#[test]
fn s13_5_drop_reasons_keep_off_the_boxes_second_rows() {
    use kubetopo::engine::scene::sublabel_box;
    use kubetopo::engine::trace_overlay::labels_beside_points;
    let topology = samples(&["online-boutique.yaml"]);
    let scene = build_scene(&topology, View::Cluster, &Filter::default());
    let points: Vec<((f64, f64), f64)> = topology
        .cluster
        .pods
        .iter()
        .filter_map(|pod| {
            place_anchor(
                &scene,
                &topology,
                &Place::Pod(kubetopo::engine::refs::NamespacedName::new(
                    &pod.namespace,
                    &pod.name,
                )),
            )
        })
        .map(|point| (point, 7.0 * "denied by policy deny-all ×13".len() as f64))
        .collect();
    assert!(points.len() >= 10);
    let rows: Vec<Rect> = scene.shapes.iter().filter_map(sublabel_box).collect();
    assert!(
        rows.len() >= 10,
        "every Service box has its second row: {}",
        rows.len()
    );
    for k in [1.0, 1.5, 2.5] {
        let screen = Screen {
            k,
            tx: 10.0,
            ty: 10.0,
            width: scene.width * k + 400.0,
        };
        let levels = vec![lod::Level::Detail; scene.shapes.len()];
        let texts = lod::texts_on_screen(&scene, &[], &levels, &Counters::default(), screen, true);
        let on_screen: Vec<Rect> = rows.iter().map(|r| screen.rect(r)).collect();
        assert!(on_screen.iter().all(|r| texts.contains(r)), "k={k}");
        // The trace's badges keep off titles only.
        assert!(titles_on_screen(&scene, screen)
            .iter()
            .all(|t| !on_screen.contains(t)));
        let marks = labels_beside_points(&points, texts, screen);
        for mark in &marks {
            for row in &on_screen {
                assert!(!mark.rect.overlaps(row), "k={k}: {mark:?} on {row:?}");
            }
        }
    }
    // Zoomed out, the second rows are not drawn, and not in the way.
    let far = Screen {
        k: 0.4,
        tx: 0.0,
        ty: 0.0,
        width: 2000.0,
    };
    let levels = vec![lod::Level::Detail; scene.shapes.len()];
    let texts = lod::texts_on_screen(&scene, &[], &levels, &Counters::default(), far, true);
    assert!(rows.iter().all(|r| !texts.contains(&far.rect(r))));
}

/// §13.5: a node's drop marker stands left of its box, off its name. Over packed
/// node columns zoomed out, where the 30 units between columns are narrower than
/// the marker, it never covers the node to its left: it moves into the edge of
/// its own box, by what the gap lacks. On a column of nodes (local-lb), it always
/// stands beside its box.
#[test]
fn a_node_drop_marker_stands_beside_its_box_and_never_on_another_node() {
    use kubetopo::engine::config::Config;
    use kubetopo::engine::ingest::SourceFile;
    use kubetopo::engine::trace_overlay::{node_drop_marker, DROP_MARKER_REACH};
    use kubetopo::synth::SyntheticCluster;
    let packed = SyntheticCluster {
        n_deployments: 400,
        replicas: 4,
        n_nodes: 12,
        n_namespaces: 4,
        n_http_routes: 0,
    };
    let packed = kubetopo::engine::analyze(
        &[SourceFile::new("synthetic.yaml", packed.to_yaml())],
        &Config::default(),
    );
    for (topology, columns) in [
        (packed, true),
        (samples(&["local-loadbalancer.yaml"]), false),
    ] {
        let scene = build_scene(&topology, View::Cluster, &Filter::default());
        let nodes: Vec<(Rect, (f64, f64))> = topology
            .cluster
            .nodes
            .iter()
            .filter_map(|node| {
                let rect = scene
                    .shape(&kubetopo::engine::scene::node_id(&node.name))?
                    .rect;
                Some((
                    rect,
                    place_anchor(&scene, &topology, &Place::Node(node.name.clone()))?,
                ))
            })
            .collect();
        assert_eq!(nodes.len(), topology.cluster.nodes.len());
        let boxes: Vec<Rect> = nodes.iter().map(|(rect, _)| *rect).collect();
        // Packed: some node has another 30 units to its left.
        let side_by_side = boxes.iter().any(|a| {
            boxes.iter().any(|b| {
                (a.x - (b.x + b.w) - 30.0).abs() < 1e-6 && a.y < b.y + b.h && b.y < a.y + a.h
            })
        });
        assert_eq!(side_by_side, columns);
        let mut moved = 0;
        for k in [0.35, 0.5, 0.7, 0.75, 1.0, 2.0] {
            let reach = DROP_MARKER_REACH / k;
            for (own, anchor) in &nodes {
                let (x, y) = node_drop_marker(own, *anchor, &boxes, k);
                // At its name's height, or just below the box above it.
                assert!(
                    y >= anchor.1 && y <= anchor.1 + 2.0 / k,
                    "k {k}: {y} against {anchor:?}"
                );
                // The ring covers another box where the box's nearest point to
                // the centre is nearer than its reach.
                let covers = |other: &&Rect| {
                    let dx = x - x.clamp(other.x, other.x + other.w);
                    let dy = y - y.clamp(other.y, other.y + other.h);
                    dx.hypot(dy) < reach - 1e-6
                };
                let covered = boxes.iter().filter(|other| *other != own).find(covers);
                assert!(
                    covered.is_none(),
                    "k {k}: the marker of {own:?} covers {covered:?}"
                );
                // Into its own box by no more than the gap leaves: at most the
                // marker's width less 30 units, on screen.
                let into = (x + reach - own.x) * k;
                assert!(
                    into <= (2.0 * DROP_MARKER_REACH - 30.0 * k).max(0.0) + 1e-9,
                    "k {k}: {into} px into {own:?}"
                );
                if into > 0.0 {
                    moved += 1;
                }
                if !columns || k >= 0.75 {
                    assert!(into <= 1e-9, "k {k}: on its own box {own:?}");
                }
            }
        }
        assert_eq!(
            moved > 0,
            columns,
            "a marker moved only over packed columns"
        );
    }
}

/// §13.5: a drop's reason whose place beside its marker is taken moves up or down,
/// whichever is nearer (a badge keeps its step order and only moves down), and up
/// never past the top of the layer.
#[test]
fn s13_5_a_drop_reason_moves_up_when_that_is_nearer() {
    use kubetopo::engine::trace_overlay::{labels_beside_points, LABEL_H, MARK_GAP};
    let screen = Screen {
        k: 1.0,
        tx: 0.0,
        ty: 0.0,
        width: 1000.0,
    };
    // Text from just above the marker to far below it, on both sides.
    let wall = |y: f64| Rect {
        x: 0.0,
        y,
        w: 1000.0,
        h: 400.0,
    };
    let marks = labels_beside_points(&[((300.0, 200.0), 100.0)], vec![wall(190.0)], screen);
    let rect = marks[0].rect;
    assert_eq!(rect.y, 190.0 - LABEL_H - MARK_GAP, "{rect:?}");
    assert_eq!(
        rect.x, 312.0,
        "right of the point, clear of a marker's ring"
    );
    assert!(marks[0].moved);
    // A second label at the same point takes the left side at that height, and a
    // third goes above both.
    let marks = labels_beside_points(&[((300.0, 200.0), 100.0); 3], vec![wall(190.0)], screen);
    assert_eq!(
        (marks[1].rect.x, marks[1].rect.y),
        (188.0, 173.0),
        "{marks:?}"
    );
    assert_eq!(marks[2].rect.y, 173.0 - LABEL_H - MARK_GAP, "{marks:?}");
    // Near the top there is no room above, so it goes down past the text.
    let marks = labels_beside_points(&[((300.0, 12.0), 100.0)], vec![wall(2.0)], screen);
    assert_eq!(marks[0].rect.y, 402.0 + MARK_GAP, "{marks:?}");
    // Where below is nearer, below it is, as for a badge.
    let short = Rect {
        h: 10.0,
        ..wall(195.0)
    };
    let marks = labels_beside_points(&[((300.0, 200.0), 100.0)], vec![short], screen);
    assert_eq!(marks[0].rect.y, 205.0 + MARK_GAP, "{marks:?}");
}
