//! Collapsing and expanding by hand (§13.7): namespaces, nodes, workloads and app
//! labels as tiles, the drops written on them (§13.2), and the choice kept across
//! analyses and edits.

use kubetopo::engine::config::Config;
use kubetopo::engine::ingest::SourceFile;
use kubetopo::engine::lod::{self, Aggregate, Collapse, Level, Tile, TileKind};
use kubetopo::engine::refs::{KindRef, NamespacedName};
use kubetopo::engine::scene::{build_scene, Filter, Rect, Scene, View};
use kubetopo::engine::sim::{Counters, SimConfig, Simulator, VerdictCounts};
use kubetopo::engine::spatial::SpatialIndex;
use kubetopo::engine::whatif::{self, Mutation};
use kubetopo::engine::{analyze, Topology};
use kubetopo::synth::SyntheticCluster;

use crate::common::samples;

/// Two Deployments of one app (`app.kubernetes.io/name: storefront`), a StatefulSet
/// with only an `app` label, a bare pod, and a Service for `web`.
fn shop(web_replicas: u32) -> String {
    let deployment = |name: &str, replicas: u32, labels: &str| {
        format!(
            "---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: {name}, namespace: shop}}\nspec:\n  replicas: {replicas}\n  selector: {{matchLabels: {{app: {name}}}}}\n  template:\n    metadata: {{labels: {{app: {name}{labels}}}}}\n    spec: {{containers: [{{name: c, image: x}}]}}\n"
        )
    };
    format!(
        "{}{}---\napiVersion: apps/v1\nkind: StatefulSet\nmetadata: {{name: db, namespace: shop}}\nspec:\n  replicas: 2\n  serviceName: db\n  selector: {{matchLabels: {{app: db}}}}\n  template:\n    metadata: {{labels: {{app: db}}}}\n    spec: {{containers: [{{name: c, image: x}}]}}\n---\napiVersion: v1\nkind: Pod\nmetadata: {{name: debug, namespace: shop}}\nspec: {{containers: [{{name: c, image: x}}]}}\n---\napiVersion: v1\nkind: Service\nmetadata: {{name: web, namespace: shop}}\nspec:\n  selector: {{app: web}}\n  ports: [{{port: 80}}]\n",
        deployment("web", web_replicas, ", app.kubernetes.io/name: storefront"),
        deployment("web-canary", 1, ", app.kubernetes.io/name: storefront"),
    )
}

fn analyze_text(text: &str) -> Topology {
    analyze(
        &[SourceFile::new("shop.yaml", text.to_string())],
        &Config::default(),
    )
}

fn workload(kind: &str, name: &str) -> Aggregate {
    Aggregate::Workload {
        namespace: "shop".into(),
        workload: KindRef::new(kind, name),
    }
}

fn storefront() -> Aggregate {
    Aggregate::App {
        namespace: "shop".into(),
        app: "storefront".into(),
    }
}

/// The tiles of `aggregate`'s workloads, each with its level.
fn tiles_of<'t>(
    scene: &Scene,
    tiles: &'t [Tile],
    levels: &[Level],
    name: &str,
) -> Vec<(&'t Tile, Level)> {
    tiles
        .iter()
        .filter(|t| t.kind == TileKind::Workload && t.label(scene) == name)
        .map(|t| (t, levels[t.shape]))
        .collect()
}

/// Zoomed in far enough that islands and nodes are open.
const NEAR: f64 = 1.0;

/// §13.7: a workload collapses into one tile per box that holds its pods, with its
/// pods' counts and health; its pods are hidden and nothing else changes.
#[test]
fn s13_7_a_workload_collapses_to_tiles_of_its_pods() {
    let topology = analyze_text(&shop(3));
    let scene = build_scene(&topology, View::Cluster, &Filter::default());
    let tiles = lod::tiles(&scene, &topology);
    let mut collapse = Collapse::default();
    collapse.set(&workload("Deployment", "web"), true);
    assert!(collapse.shows_tiles(NEAR));
    let levels = lod::shape_levels(&scene, &tiles, &collapse, NEAR);
    let web = tiles_of(&scene, &tiles, &levels, "web");
    assert!(!web.is_empty());
    assert!(web.iter().all(|(_, level)| *level == Level::Tile));
    assert_eq!(web.iter().map(|(t, _)| t.pods.total()).sum::<usize>(), 3);
    assert_eq!(web.iter().map(|(t, _)| t.pods.ready).sum::<usize>(), 3);
    for (tile, _) in &web {
        assert_eq!(tile.aggregate, workload("Deployment", "web"));
        assert_eq!(tile.app, Some(storefront()));
        assert_eq!(
            tile.collapsed_by(&collapse, NEAR),
            Some(&workload("Deployment", "web"))
        );
    }
    // The pods inside are hidden; every other shape keeps its detail.
    for (position, shape) in scene.shapes.iter().enumerate() {
        let in_web = web
            .iter()
            .any(|(t, _)| t.shape == position || shape.parent.as_deref() == Some(t.id(&scene)));
        let expected = if !in_web {
            Level::Detail
        } else if shape.id.starts_with("pod:") {
            Level::Hidden
        } else {
            Level::Tile
        };
        assert_eq!(levels[position], expected, "{}", shape.id);
    }
    // Expanding it again draws everything.
    collapse.toggle(&workload("Deployment", "web"), NEAR);
    assert!(!collapse.shows_tiles(NEAR));
    assert!(lod::shape_levels(&scene, &tiles, &collapse, NEAR)
        .iter()
        .all(|l| *l == Level::Detail));
}

/// §13.7: what the selection can collapse: the workload of a pod or workload, then
/// its app, named by `app.kubernetes.io/name`, else `app`; a bare pod is its own
/// workload.
#[test]
fn s13_7_what_a_selection_collapses() {
    let topology = analyze_text(&shop(3));
    let canary_pod = topology
        .cluster
        .pods
        .iter()
        .find(|p| p.name.starts_with("web-canary-"))
        .unwrap();
    assert_eq!(
        lod::aggregates_of(&topology, &format!("pod:shop/{}", canary_pod.name)),
        vec![workload("Deployment", "web-canary"), storefront()]
    );
    assert_eq!(
        lod::aggregates_of(&topology, "wl:shop/StatefulSet/db"),
        vec![
            workload("StatefulSet", "db"),
            Aggregate::App {
                namespace: "shop".into(),
                app: "db".into()
            }
        ]
    );
    assert_eq!(
        lod::aggregates_of(&topology, "pod:shop/debug"),
        vec![workload("Pod", "debug")]
    );
    assert_eq!(
        lod::aggregates_of(&topology, "ns:shop"),
        vec![Aggregate::Namespace("shop".into())]
    );
    assert_eq!(
        lod::aggregates_of(&topology, "node:node-1"),
        vec![Aggregate::Node("node-1".into())]
    );
    // Things that hold no pods, and ids that name nothing, collapse nothing.
    for id in ["svc:shop/web", "pod:shop/nobody", "wl:shop", "garbage", ""] {
        assert!(lod::aggregates_of(&topology, id).is_empty(), "{id}");
    }
    assert_eq!(storefront().to_string(), "app storefront in shop");
    assert_eq!(storefront().kind_name(), "app");
}

/// §13.7: an app label groups workloads: collapsing it closes the tiles of every
/// workload of the app, in both views, and a click opens the app again.
#[test]
fn s13_7_an_app_collapses_all_its_workloads() {
    let topology = analyze_text(&shop(3));
    let mut collapse = Collapse::default();
    collapse.set(&storefront(), true);
    for view in [View::Cluster, View::Logical] {
        let scene = build_scene(&topology, view, &Filter::default());
        let tiles = lod::tiles(&scene, &topology);
        let levels = lod::shape_levels(&scene, &tiles, &collapse, NEAR);
        let mut pods = 0;
        for name in ["web", "web-canary"] {
            let closed = tiles_of(&scene, &tiles, &levels, name);
            assert!(!closed.is_empty(), "{view:?} {name}");
            for (tile, level) in closed {
                assert_eq!(level, Level::Tile, "{view:?} {}", tile.id(&scene));
                assert_eq!(tile.collapsed_by(&collapse, NEAR), Some(&storefront()));
                pods += tile.pods.total();
            }
        }
        assert_eq!(pods, 4, "{view:?}: web's three pods and the canary's one");
        for name in ["db", "debug"] {
            assert!(tiles_of(&scene, &tiles, &levels, name)
                .iter()
                .all(|(_, level)| *level == Level::Detail));
        }
    }
    // Opening one workload of a closed app leaves it closed by the app.
    collapse.set(&workload("Deployment", "web"), false);
    let scene = build_scene(&topology, View::Logical, &Filter::default());
    let tiles = lod::tiles(&scene, &topology);
    let web = tiles.iter().find(|t| t.label(&scene) == "web").unwrap();
    assert_eq!(web.collapsed_by(&collapse, NEAR), Some(&storefront()));
}

/// §13.7: the choice is kept by identity: after a new analysis of changed text and
/// after a what-if edit, the same workload's tiles are still closed.
#[test]
fn s13_7_the_choice_survives_a_new_analysis_and_an_edit() {
    let mut collapse = Collapse::default();
    collapse.set(&workload("Deployment", "web"), true);
    let closed_pods = |topology: &Topology| {
        let scene: Scene = build_scene(topology, View::Cluster, &Filter::default());
        let tiles = lod::tiles(&scene, topology);
        let levels = lod::shape_levels(&scene, &tiles, &collapse, NEAR);
        tiles_of(&scene, &tiles, &levels, "web")
            .iter()
            .map(|(tile, level)| {
                assert_eq!(*level, Level::Tile, "{}", tile.id(&scene));
                tile.pods.total()
            })
            .sum::<usize>()
    };
    assert_eq!(closed_pods(&analyze_text(&shop(3))), 3);
    let mut topology = analyze_text(&shop(5));
    assert_eq!(closed_pods(&topology), 5);
    whatif::apply(
        &mut topology,
        &Mutation::ScaleWorkload {
            namespace: "shop".into(),
            name: "web".into(),
            replicas: 2,
        },
    )
    .unwrap();
    assert_eq!(closed_pods(&topology), 2);
}

/// §13.2: tiles carry the simulator's drops: a node's own counters, and the
/// counters of the Services an island holds or a workload's pods serve.
#[test]
fn s13_2_tiles_carry_the_drops_of_their_nodes_and_services() {
    let topology = analyze_text(&shop(3));
    let scene = build_scene(&topology, View::Cluster, &Filter::default());
    let mut tiles = lod::tiles(&scene, &topology);
    let node = topology.cluster.pods[0].node.clone().unwrap();
    let mut counters = Counters::default();
    counters.per_node.insert(
        node.clone(),
        VerdictCounts {
            delivered: 9,
            dropped: 2,
            rejected: 1,
            ..VerdictCounts::default()
        },
    );
    counters.per_service.insert(
        NamespacedName::new("shop", "web"),
        VerdictCounts {
            dropped: 4,
            redirected: 7,
            ..VerdictCounts::default()
        },
    );
    assert!(lod::add_drops(&mut tiles, &counters), "the drops changed");
    // The same counters again change nothing, so the canvas need not draw again.
    assert!(!lod::add_drops(&mut tiles, &counters));
    // The canvas shares the tiles and counts their drops apart: the same counts.
    let mut apart = Vec::new();
    assert!(lod::count_drops(&tiles, &counters, &mut apart));
    assert!(!lod::count_drops(&tiles, &counters, &mut apart));
    let on_tiles: Vec<u64> = tiles.iter().map(|t| t.n_drops).collect();
    assert_eq!(apart, on_tiles);
    assert!(apart.iter().any(|&n| n > 0));
    let drops = |id: &str| tiles.iter().find(|t| t.id(&scene) == id).unwrap().n_drops;
    assert_eq!(drops(&format!("node:{node}")), 3);
    assert_eq!(drops("ns:shop"), 4);
    for tile in tiles.iter().filter(|t| t.kind == TileKind::Workload) {
        let expected = if tile.label(&scene) == "web" { 4 } else { 0 };
        assert_eq!(tile.n_drops, expected, "{}", tile.id(&scene));
    }
    // Counters that name nothing in the picture change nothing; new counters
    // replace the old ones rather than adding to them.
    assert!(lod::add_drops(&mut tiles, &Counters::default()));
    assert!(tiles.iter().all(|t| t.n_drops == 0));
}

/// §13.2: the local-loadbalancer sample drops at the node without a local endpoint
/// (externalTrafficPolicy Local); its tile shows those drops, and the Service's
/// island shows the Service's.
#[test]
fn s13_2_the_local_lb_samples_drops_land_on_its_tiles() {
    let topology = samples(&["local-loadbalancer.yaml"]);
    let scene = build_scene(&topology, View::Cluster, &Filter::default());
    let mut tiles = lod::tiles(&scene, &topology);
    let mut simulator = Simulator::new(topology.clone(), SimConfig::default());
    for _ in 0..2_000 {
        simulator.tick();
    }
    let counters = simulator.counters();
    lod::add_drops(&mut tiles, &counters);
    let bad = |c: &VerdictCounts| c.dropped + c.rejected;
    let node_drops: u64 = counters.per_node.values().map(bad).sum();
    assert!(node_drops > 0, "the sample drops");
    let on_node_tiles: u64 = tiles
        .iter()
        .filter(|t| t.kind == TileKind::Node)
        .map(|t| t.n_drops)
        .sum();
    assert_eq!(on_node_tiles, node_drops);
    let service_drops: u64 = counters.per_service.values().map(bad).sum();
    let on_islands: u64 = tiles
        .iter()
        .filter(|t| t.kind == TileKind::Namespace)
        .map(|t| t.n_drops)
        .sum();
    assert_eq!(on_islands, service_drops);
    assert!(on_islands > 0);
}

/// §13.2: the levels a pan or a zoom reuses (`LevelsCache`) are always the ones
/// computed afresh, across the tile zoom and back, and after a tile is collapsed or
/// expanded by hand.
#[test]
fn s13_2_cached_levels_are_the_levels_at_every_zoom_and_choice() {
    let topology = analyze_text(&shop(3));
    let scene = build_scene(&topology, View::Cluster, &Filter::default());
    let tiles = lod::tiles(&scene, &topology);
    let mut cache = lod::LevelsCache::default();
    let mut collapse = Collapse::default();
    let mut n_tiles = 0;
    for step in 0..4 {
        if step == 2 {
            collapse.set(&workload("Deployment", "web"), true);
        }
        if step == 3 {
            collapse.set_all(&tiles, false);
        }
        for zoom in [1.0, 0.5, 0.36, 0.34, 0.1, 0.34, 2.0] {
            cache.update(&scene, &tiles, &collapse, zoom);
            let fresh = lod::shape_levels(&scene, &tiles, &collapse, zoom);
            assert_eq!(&*cache, &fresh[..], "step {step}, zoom {zoom}");
            n_tiles += fresh.iter().filter(|l| **l == Level::Tile).count();
        }
    }
    assert!(n_tiles > 0, "some zoom shows tiles");
}

/// §13.2, issue #8: Gateway and Route text is drawn at its own size while that is
/// at least 9 screen pixels; below, compact and no smaller than 9 pixels, as long
/// as that needs at most twice its size; below that, not at all.
#[test]
fn s13_2_gateway_text_is_compact_then_hidden_as_the_zoom_falls() {
    use lod::TextLevel;
    let cases = [
        (1.5, TextLevel::Natural),
        (0.9, TextLevel::Natural),
        (0.89, TextLevel::Compact),
        // Fit at 1440x900 and at 1024x768 with the editor and details open.
        (0.73, TextLevel::Compact),
        (0.54, TextLevel::Compact),
        (0.45, TextLevel::Compact),
        (0.44, TextLevel::Hidden),
        (0.05, TextLevel::Hidden),
    ];
    for (zoom, expected) in cases {
        assert_eq!(lod::entry_text(zoom), expected, "zoom {zoom}");
        let growth = lod::MIN_TEXT_PX / (lod::ENTRY_TEXT_SIZE * zoom);
        match expected {
            TextLevel::Natural => assert!(growth <= 1.0, "zoom {zoom}"),
            TextLevel::Compact => {
                assert!(
                    growth > 1.0 && growth <= lod::ENTRY_TEXT_MAX_GROWTH,
                    "zoom {zoom}"
                )
            }
            TextLevel::Hidden => assert!(growth > lod::ENTRY_TEXT_MAX_GROWTH, "zoom {zoom}"),
        }
    }
    assert_eq!(
        [
            TextLevel::Natural.as_str(),
            TextLevel::Compact.as_str(),
            TextLevel::Hidden.as_str()
        ],
        ["natural", "compact", "hidden"]
    );
}

/// §13.2: the compact form of the Gateway sample's text, as the markup marks it.
/// What a compact drawing leaves out is in `tspan.detail`: the Gateway's address
/// after its name, the listener's hostname before its Route count. The Routes'
/// labels are marked `edge-label route`, the Service ports' are not.
#[test]
fn s13_2_the_markup_marks_gateway_detail_and_route_labels() {
    let topology = samples(&["gateway-canary.yaml"]);
    let scene = build_scene(&topology, View::Cluster, &Filter::default());
    let markup =
        kubetopo::engine::scene::svg_elements(&scene, kubetopo::engine::scene::Tooltips::Omitted);
    let text_of = |id: &str, class: &str| -> String {
        let shape = &markup[markup.find(&format!("data-id=\"{id}\"")).expect(id)..];
        let start = shape
            .find(&format!("<text class=\"{class}\""))
            .expect(class);
        let text = &shape[start..];
        text[text.find('>').unwrap() + 1..text.find("</text>").unwrap()].to_string()
    };
    assert_eq!(
        text_of("gw:shop/web", "label"),
        "web<tspan class=\"detail\"> · 203.0.113.216</tspan>"
    );
    // The markup holds each title as drawn at its size; the app cuts it again to
    // its box as it zooms (§13.2).
    assert_eq!(text_of("gwl:shop/web/http", "label"), "http :80 HTTP");
    assert_eq!(
        text_of("gwl:shop/web/http", "sublabel"),
        "<tspan class=\"detail\">*.example.com · </tspan>1 route"
    );
    // A Service's title has no detail, and a short one is not cut.
    assert_eq!(text_of("svc:shop/cart", "label"), "cart");
    let route_labels: Vec<&str> = markup
        .match_indices("<text class=\"edge-label route\"")
        .map(|(at, _)| {
            let text = &markup[at..];
            &text[text.find('>').unwrap() + 1..text.find("</text>").unwrap()]
        })
        .collect();
    let sorted: std::collections::BTreeSet<&str> = route_labels.iter().copied().collect();
    assert_eq!(sorted.len(), route_labels.len(), "{route_labels:?}");
    assert_eq!(
        sorted.into_iter().collect::<Vec<_>>(),
        ["/", "/cart · 10%", "/cart · 90%", "/pay", "✗ old-shop"],
    );
    // The Services' port labels are plain edge labels.
    assert!(markup.contains("<text class=\"edge-label\""));
    assert!(markup.contains(":80 → 8080</text>"));
}

/// A box's title room, as a Service's: 210 units wide less its margins, 40 high.
const SERVICE_TITLE: lod::TextRoom = lod::TextRoom {
    size: 12.0,
    width: 186.0,
    height: 40.0,
    baseline: 16.0,
    fit: lod::Fit::Cut,
};

/// The estimated width, in scene units, of `text` drawn at `size`.
fn width_of(text: &str, size: f64) -> f64 {
    text.chars().map(lod::em_width).sum::<f64>() * size
}

/// §13.2, issues #8 and #9: a title is cut to what fits its box at the size it is
/// drawn at the zoom in use (its own, or 9 screen pixels where that is larger),
/// not at the smallest zoom that draws it. It keeps the most characters that fit
/// before the ellipsis, and is not drawn where fewer than two would.
#[test]
fn s13_2_a_title_keeps_what_fits_its_box_at_the_zoom_it_is_drawn_at() {
    let external = lod::TextRoom {
        width: 150.0 - 24.0,
        ..SERVICE_TITLE
    };
    let island = lod::TextRoom {
        height: 28.0,
        ..SERVICE_TITLE
    };
    let cases = [
        // room, text, zoom, drawn
        (
            SERVICE_TITLE,
            "productcatalogservice",
            1.0,
            "productcatalogservice",
        ),
        (
            SERVICE_TITLE,
            "productcatalogservice",
            0.75,
            "productcatalogservice",
        ),
        // Fit of the demo at 1024x768.
        (
            SERVICE_TITLE,
            "productcatalogservice",
            0.7027,
            "productcatalogservice",
        ),
        (SERVICE_TITLE, "shippingservice", 0.7027, "shippingservice"),
        (external, "External clients", 0.7027, "External clients"),
        // Fit of Online Boutique with its policies at 1024x768.
        (
            SERVICE_TITLE,
            "productcatalogservice",
            0.4312,
            "productcatalo…",
        ),
        (external, "External clients", 0.4312, "External…"),
        (SERVICE_TITLE, "recommendationservice", 0.3, "recomm…"),
        // Too low for 9 px in the box's 40 units: none.
        (SERVICE_TITLE, "productcatalogservice", 0.25, ""),
        // An island's header is 28 units high.
        (island, "default", 0.4312, "default"),
        (island, "default", 0.35, ""),
        // Too narrow for two characters and the ellipsis: none.
        (
            lod::TextRoom {
                width: 40.0,
                ..SERVICE_TITLE
            },
            "frontend",
            0.4,
            "",
        ),
    ];
    for (room, text, zoom, expected) in cases {
        let n_chars = lod::shown_chars(text, &room, zoom);
        let drawn = lod::shown(text, n_chars);
        assert_eq!(drawn, expected, "{text} at {zoom}");
        let size = lod::drawn_size(room.size, zoom);
        assert!(size * zoom >= lod::MIN_TEXT_PX - 1e-9, "{text} at {zoom}");
        if n_chars == 0 {
            continue;
        }
        // It fits its room, and one more character would not.
        assert!(width_of(&drawn, size) <= room.width, "{text} at {zoom}");
        assert!(lod::baseline(&room, size) + lod::TEXT_DESCENT * size <= room.height);
        if drawn != text {
            let longer = lod::shown(text, n_chars + 1);
            assert!(width_of(&longer, size) > room.width, "{text} at {zoom}");
        }
    }
}

/// §13.2: port labels and Ingress paths are drawn whole or not at all: in Online
/// Boutique each Service's port label has the room up to the node column, and is
/// drawn at 9 px where that holds it; a label with no room is not drawn.
#[test]
fn s13_2_port_labels_are_drawn_whole_where_they_fit_or_not_at_all() {
    let topology = samples(&["online-boutique.yaml"]);
    let scene = build_scene(&topology, View::Cluster, &Filter::default());
    let rooms = kubetopo::engine::scene::label_rooms(&scene);
    assert!(rooms.len() > 5);
    let (mut n_drawn, mut n_hidden) = (0, 0);
    for (position, room) in &rooms {
        let label = scene.edges[*position].label.as_ref().unwrap();
        assert_eq!(room.fit, lod::Fit::Whole, "{}", label.text);
        assert!(room.width.is_finite() && room.width > 0.0, "{}", label.text);
        for zoom in [1.0, 0.7027, 0.6, 0.45] {
            let n_chars = lod::shown_chars(&label.text, room, zoom);
            let size = lod::drawn_size(room.size, zoom);
            if width_of(&label.text, size) <= room.width {
                assert_eq!(
                    n_chars,
                    label.text.chars().count(),
                    "{} at {zoom}",
                    label.text
                );
                n_drawn += 1;
            } else {
                assert_eq!(n_chars, 0, "{} at {zoom}", label.text);
                n_hidden += 1;
            }
        }
        // Nothing is in its way up to its room.
        let end = label.x + room.width;
        for shape in &scene.shapes {
            let r = &shape.rect;
            let level = r.y < label.y + 5.0 && label.y - 19.0 < r.y + r.h;
            assert!(
                !level || r.x >= end || r.x + r.w <= label.x,
                "{} runs into {}",
                label.text,
                shape.id
            );
        }
    }
    assert!(
        n_drawn > 0 && n_hidden > 0,
        "{n_drawn} drawn, {n_hidden} hidden"
    );
    // Too narrow a room hides a label rather than cutting it.
    let narrow = lod::TextRoom {
        width: 30.0,
        ..rooms[0].1
    };
    assert_eq!(lod::shown_chars(":80 → 8080", &narrow, 1.0), 0);
}

/// §13.2, issues #8 and #9: on every sample, at every zoom from 1:1 down, each
/// title that is drawn fits inside its shape at the size it is drawn, in width
/// and in height; and a Service box at least 40 screen pixels wide and 12 high
/// shows a title.
#[test]
fn s13_2_drawn_titles_stay_inside_their_shapes_at_every_zoom() {
    use kubetopo::engine::scene::{title_room, title_text};
    for files in [
        &["gateway-canary.yaml"][..],
        &["online-boutique.yaml", "online-boutique-netpol.yaml"][..],
        &["ingress-nginx-cloud.yaml", "guestbook.yaml"][..],
        &["headless-statefulset.yaml"][..],
    ] {
        let topology = samples(files);
        let scene = build_scene(&topology, View::Cluster, &Filter::default());
        let mut n_drawn = 0;
        for shape in &scene.shapes {
            let Some((room, x, y)) = title_room(shape) else {
                continue;
            };
            let r = &shape.rect;
            let name = title_text(shape);
            for zoom in [
                1.0, 0.9, 0.75, 0.7, 0.6, 0.54, 0.45, 0.43, 0.4, 0.35, 0.3, 0.2,
            ] {
                let n_chars = lod::shown_chars(name, &room, zoom);
                if shape.class.starts_with("service") && r.w * zoom >= 40.0 && r.h * zoom >= 12.0 {
                    assert!(n_chars > 0, "{files:?} {} at {zoom}", shape.id);
                }
                if n_chars == 0 {
                    continue;
                }
                n_drawn += 1;
                let size = lod::drawn_size(room.size, zoom);
                let baseline = y + lod::baseline(&room, size);
                let drawn = lod::shown(name, n_chars);
                assert!(
                    x + width_of(&drawn, size) <= r.x + r.w
                        && baseline - lod::TEXT_ASCENT * size >= r.y
                        && baseline + lod::TEXT_DESCENT * size <= r.y + r.h,
                    "{files:?} {} at {zoom}: {drawn}",
                    shape.id
                );
            }
        }
        assert!(n_drawn > 0, "{files:?}");
    }
}

/// A drawn text's box, in scene units: `drawn` at `size`, its baseline at `(x, y)`,
/// running right from `x` or ending at it.
fn drawn_box(drawn: &str, size: f64, (x, y): (f64, f64), from_x: bool) -> Rect {
    let w = width_of(drawn, size);
    Rect {
        x: if from_x { x } else { x - w },
        y: y - lod::TEXT_ASCENT * size,
        w,
        h: (lod::TEXT_ASCENT + lod::TEXT_DESCENT) * size,
    }
}

/// A drawn text, or a box's id, and its box.
type Named = (String, Rect);

/// One drawn edge label: its text as drawn, its box, and the edge that carries it.
struct DrawnLabel {
    drawn: String,
    rect: Rect,
    edge: usize,
    /// Whether it is drawn at the scene's own point for it.
    at_own_point: bool,
}

/// The edge labels of `scene` drawn at `zoom`, as the SVG and the canvas draw them
/// from [`lod::EdgeLabels`]; and the boxes of the titles drawn. Each drawn label is
/// readable, and fits the room at the point it is drawn at.
fn drawn_labels_and_titles(scene: &Scene, zoom: f64) -> (Vec<DrawnLabel>, Vec<Named>) {
    use kubetopo::engine::scene::LabelAnchor;
    use kubetopo::engine::scene::{label_room_at, label_rooms_in, title_room, title_text};
    let index = SpatialIndex::of_shapes(scene);
    let rooms = label_rooms_in(scene, &index);
    assert_eq!(rooms, kubetopo::engine::scene::label_rooms(scene));
    let mut placed = lod::EdgeLabels::new(scene, &index, &rooms);
    let placements = placed.place(zoom).to_vec();
    assert_eq!(placements.len(), rooms.len());
    let size = lod::drawn_size(lod::ENTRY_TEXT_SIZE, zoom);
    let mut labels = Vec::new();
    for (position, (&(edge, own_room), placement)) in rooms.iter().zip(&placements).enumerate() {
        let label = scene.edges[edge].label.as_ref().unwrap();
        let at_own_point = (placement.x, placement.y) == (label.x, label.y);
        if placement.n_chars == 0 {
            assert!(
                at_own_point,
                "{} is not drawn, and stays at its point",
                label.text
            );
            continue;
        }
        // What is drawn fits the room where it is drawn, and is readable.
        let room = if at_own_point {
            own_room
        } else {
            let point = (placement.x, placement.y);
            label_room_at(
                scene,
                &index,
                point,
                label.anchor,
                own_room.fit,
                f64::INFINITY,
            )
        };
        assert!(placement.n_chars <= lod::shown_chars(&label.text, &room, zoom));
        assert!(size * zoom >= lod::MIN_TEXT_PX - 1e-9);
        let drawn = lod::shown(&label.text, placement.n_chars);
        let rect = drawn_box(
            &drawn,
            size,
            (placement.x, placement.y),
            label.anchor == LabelAnchor::Start,
        );
        assert!(rect.w <= room.width + 1e-9, "{drawn} at {zoom}");
        // The canvas draws the box `label` gives.
        let (canvas_edge, _, _, canvas_rect, canvas_placement) = placed.label(position, zoom);
        assert_eq!((canvas_edge, &canvas_placement), (edge, placement));
        assert!((canvas_rect.x - rect.x).abs() < 1e-6 && (canvas_rect.y - rect.y).abs() < 1e-6);
        labels.push(DrawnLabel {
            drawn,
            rect,
            edge,
            at_own_point,
        });
    }
    let mut titles = Vec::new();
    for shape in &scene.shapes {
        let Some((room, x, y)) = title_room(shape) else {
            continue;
        };
        let name = title_text(shape);
        let n_chars = lod::shown_chars(name, &room, zoom);
        if n_chars > 0 {
            let size = lod::drawn_size(room.size, zoom);
            let drawn = lod::shown(name, n_chars);
            let baseline = (x, y + lod::baseline(&room, size));
            titles.push((shape.id.clone(), drawn_box(&drawn, size, baseline, true)));
        }
    }
    (labels, titles)
}

/// The overlapping pairs among `labels`, and of `labels` with `titles`.
fn overlaps(labels: &[DrawnLabel], titles: &[Named]) -> Vec<String> {
    let mut found = Vec::new();
    for (n, label) in labels.iter().enumerate() {
        for other in &labels[..n] {
            if label.rect.overlaps(&other.rect) {
                found.push(format!("{:?} over {:?}", label.drawn, other.drawn));
            }
        }
        for (id, title) in titles {
            if label.rect.overlaps(title) {
                found.push(format!("{:?} over {id:?}", label.drawn));
            }
        }
    }
    found
}

const LABEL_ZOOMS: [f64; 8] = [2.0, 1.0, 0.9, 0.75, 0.6, 0.54, 0.45, 0.3];

/// The pictures the edge-label tests draw: every sample, and a generated cluster
/// with a Gateway.
fn label_pictures() -> Vec<(String, Topology)> {
    let mut pictures: Vec<(String, Topology)> = [
        &["gateway-canary.yaml"][..],
        &["online-boutique.yaml", "online-boutique-netpol.yaml"][..],
        &["ingress-nginx-cloud.yaml", "guestbook.yaml"][..],
        &["headless-statefulset.yaml"][..],
        &["local-loadbalancer.yaml"][..],
    ]
    .into_iter()
    .map(|files| (files.join(" "), samples(files)))
    .collect();
    pictures.push(("generated".into(), analyze_text(&generated().to_yaml())));
    pictures
}

/// A generated cluster of 120 Services in 4 namespaces, with a Gateway.
fn generated() -> SyntheticCluster {
    SyntheticCluster {
        n_deployments: 120,
        replicas: 3,
        n_nodes: 8,
        n_namespaces: 4,
        n_http_routes: 12,
    }
}

/// §13.2 (issues #8 and #9, "Direction and labels"; docs/layout.md, "Edges"): on
/// every sample and on a generated cluster, at every zoom, no two edge labels that
/// are drawn overlap, and none overlaps a box's title; labels are drawn at 9 screen
/// pixels or more, within the room where they are drawn, and none below 0.45.
#[test]
fn s13_2_drawn_edge_labels_never_overlap_each_other_or_a_title() {
    for (name, topology) in &label_pictures() {
        for view in [View::Cluster, View::Logical] {
            let scene = build_scene(topology, view, &Filter::default());
            let mut n_drawn = 0;
            for zoom in LABEL_ZOOMS {
                let (labels, titles) = drawn_labels_and_titles(&scene, zoom);
                assert_eq!(
                    overlaps(&labels, &titles),
                    Vec::<String>::new(),
                    "{name} {view:?} at {zoom}"
                );
                if zoom < 0.45 {
                    assert!(labels.is_empty(), "{name} at {zoom}");
                }
                n_drawn += labels.len();
            }
            if view == View::Cluster {
                assert!(n_drawn > 0, "{name}");
            }
        }
    }
}

/// The labels drawn at `zoom` by the rule before labels moved along their edges,
/// worked out here from the rooms: in the markup's order, each at its own point if
/// it fits its room there and overlaps no label drawn before it, else not at all.
fn n_drawn_in_place(scene: &Scene, zoom: f64) -> usize {
    use kubetopo::engine::scene::{label_rooms, LabelAnchor};
    let size = lod::drawn_size(lod::ENTRY_TEXT_SIZE, zoom);
    let placed_full = drawn_labels_and_titles(scene, zoom).1;
    let mut drawn: Vec<Rect> = Vec::new();
    for (edge, room) in label_rooms(scene) {
        let label = scene.edges[edge].label.as_ref().unwrap();
        let n_chars = lod::shown_chars(&label.text, &room, zoom);
        if n_chars == 0 || lod::entry_text(zoom) == lod::TextLevel::Hidden {
            continue;
        }
        let start = label.anchor == LabelAnchor::Start;
        let rect = drawn_box(
            &lod::shown(&label.text, n_chars),
            size,
            (label.x, label.y),
            start,
        );
        let into_title = placed_full.iter().any(|(_, title)| title.overlaps(&rect));
        if !into_title && drawn.iter().all(|other| !other.overlaps(&rect)) {
            drawn.push(rect);
        }
    }
    drawn.len()
}

/// §13.2 ("Direction and labels"): a label whose own point is taken by a label
/// drawn before it moves along its own edge to the first spot where it fits,
/// instead of being hidden. In the generated cluster with a Gateway, the Gateway's
/// own Service (`edge-synthetic`) writes its port label at the same point as a
/// Service of the same namespace: that one is drawn at its point, and
/// `edge-synthetic`'s further along its edge. Over the pictures, more labels are
/// drawn than when a label in the way was hidden.
#[test]
fn s13_2_a_label_in_the_way_moves_along_its_edge() {
    use kubetopo::engine::scene::label_rooms_in;
    let topology = analyze_text(&generated().to_yaml());
    let scene = build_scene(&topology, View::Cluster, &Filter::default());
    let index = SpatialIndex::of_shapes(&scene);
    let rooms = label_rooms_in(&scene, &index);
    let mut placed = lod::EdgeLabels::new(&scene, &index, &rooms);
    let zoom = 1.0;
    let placements = placed.place(zoom).to_vec();
    let edge_synthetic = rooms
        .iter()
        .position(|(edge, _)| scene.edges[*edge].from == "svc:team-000/edge-synthetic")
        .expect("the Gateway's Service has a port label");
    let own = scene.edges[rooms[edge_synthetic].0].label.clone().unwrap();
    // An earlier label at the very same point, drawn there.
    let sharer = rooms[..edge_synthetic]
        .iter()
        .position(|(edge, _)| {
            let label = scene.edges[*edge].label.as_ref().unwrap();
            (label.x, label.y) == (own.x, own.y)
        })
        .expect("an earlier label at the same point");
    assert_ne!(
        scene.edges[rooms[sharer].0].label.as_ref().unwrap().text,
        own.text
    );
    assert!(placements[sharer].n_chars > 0);
    assert_eq!((placements[sharer].x, placements[sharer].y), (own.x, own.y));
    // The later one is drawn whole, elsewhere: further along its edge.
    let moved = placements[edge_synthetic];
    assert_eq!(moved.n_chars, own.text.chars().count());
    assert_ne!((moved.x, moved.y), (own.x, own.y));
    let (_, _, _, rect, _) = placed.label(edge_synthetic, zoom);
    let (_, _, _, sharer_rect, _) = placed.label(sharer, zoom);
    assert!(!rect.overlaps(&sharer_rect));
    // More labels are drawn than the rule that hid a label in the way drew, on
    // the generated cluster at every readable zoom, and never fewer on a sample.
    let mut n_more = 0;
    for (name, topology) in &label_pictures() {
        let scene = build_scene(topology, View::Cluster, &Filter::default());
        for zoom in LABEL_ZOOMS {
            let (labels, _) = drawn_labels_and_titles(&scene, zoom);
            let before = n_drawn_in_place(&scene, zoom);
            assert!(
                labels.len() >= before,
                "{name} at {zoom}: {} < {before}",
                labels.len()
            );
            if name == "generated" && zoom >= 0.45 {
                assert!(
                    labels.len() > before,
                    "{name} at {zoom}: {} labels",
                    labels.len()
                );
            }
            n_more += labels.len() - before;
        }
    }
    assert!(n_more > 0);
}

/// The shortest distance from `rect` to the polyline `points`, in scene units
/// (zero where they meet).
fn distance_to_polyline(rect: &Rect, points: &[(f64, f64)]) -> f64 {
    let mut best = f64::INFINITY;
    for piece in points.windows(2) {
        let [(ax, ay), (bx, by)] = [piece[0], piece[1]];
        for step in 0..=64 {
            let t = f64::from(step) / 64.0;
            let (x, y) = (ax + t * (bx - ax), ay + t * (by - ay));
            let dx = (rect.x - x).max(x - (rect.x + rect.w)).max(0.0);
            let dy = (rect.y - y).max(y - (rect.y + rect.h)).max(0.0);
            best = best.min(dx.hypot(dy));
        }
    }
    best
}

/// §13.2 ("Direction and labels"): a label drawn away from its own point is still
/// on its own edge: its box touches the edge's curve, or keeps from it no more
/// than the 4 units its own point keeps above the edge's end.
#[test]
fn s13_2_a_moved_label_stays_on_its_own_edge() {
    use kubetopo::engine::crossings::polyline;
    let mut n_moved = 0;
    for (name, topology) in &label_pictures() {
        for view in [View::Cluster, View::Logical] {
            let scene = build_scene(topology, view, &Filter::default());
            for zoom in LABEL_ZOOMS {
                for label in drawn_labels_and_titles(&scene, zoom).0 {
                    if label.at_own_point {
                        continue;
                    }
                    n_moved += 1;
                    let edge = &scene.edges[label.edge];
                    let points = polyline(&edge.path);
                    let distance = distance_to_polyline(&label.rect, &points);
                    assert!(
                        distance <= 4.0 + 1e-6,
                        "{name} {view:?} at {zoom}: {:?} is {distance} from {} → {}",
                        label.drawn,
                        edge.from,
                        edge.to
                    );
                }
            }
        }
    }
    assert!(n_moved > 0);
}

/// §13.2: where labels go is a function of the scene and the zoom: the same
/// input placed twice, and placed again after other zooms, gives the same spots,
/// in the engine and in the markup of `kubetopo render`.
#[test]
fn s13_2_edge_labels_are_placed_the_same_every_time() {
    use kubetopo::engine::scene::label_rooms_in;
    let place_all = || {
        let topology = analyze_text(&generated().to_yaml());
        let scene = build_scene(&topology, View::Cluster, &Filter::default());
        let index = SpatialIndex::of_shapes(&scene);
        let rooms = label_rooms_in(&scene, &index);
        let placed = lod::EdgeLabels::new(&scene, &index, &rooms);
        let svg = kubetopo::engine::scene::to_svg(&scene);
        (placed, svg)
    };
    let (mut first, first_svg) = place_all();
    let (mut second, second_svg) = place_all();
    assert_eq!(first_svg, second_svg);
    let at: Vec<Vec<lod::Placement>> = LABEL_ZOOMS
        .iter()
        .map(|&zoom| first.place(zoom).to_vec())
        .collect();
    for (zoom, placements) in LABEL_ZOOMS.iter().zip(&at).rev() {
        assert_eq!(second.place(*zoom), &placements[..], "at {zoom}");
        assert_eq!(first.place(*zoom), &placements[..], "again at {zoom}");
    }
    assert!(at[1].iter().any(|p| p.n_chars > 0));
}

/// §13.2: an edge label's room reaches the nearest border in its way, however far:
/// the rooms found by looking near first are those of a band across the whole
/// picture, in the samples, a packed generated cluster and one with a Gateway, in
/// both views; and the generated clusters have labels whose border is far.
#[test]
fn s13_2_a_label_room_found_near_first_is_the_room_across_the_whole_picture() {
    use kubetopo::engine::scene::{label_room_at, label_rooms, Scene};
    let mut topologies: Vec<Topology> = [
        &["online-boutique.yaml", "online-boutique-netpol.yaml"][..],
        &["gateway-canary.yaml"],
        &["ingress-nginx-cloud.yaml"],
        &["local-loadbalancer.yaml"],
    ]
    .into_iter()
    .map(samples)
    .collect();
    for cluster in [
        SyntheticCluster {
            n_deployments: 400,
            replicas: 2,
            n_nodes: 20,
            n_namespaces: 6,
            n_http_routes: 0,
        },
        SyntheticCluster {
            n_deployments: 60,
            replicas: 2,
            n_nodes: 6,
            n_namespaces: 3,
            n_http_routes: 12,
        },
    ] {
        topologies.push(analyze_text(&cluster.to_yaml()));
    }
    let (mut n_rooms, mut n_far) = (0, 0);
    for topology in &topologies {
        for view in [View::Cluster, View::Logical] {
            let scene: Scene = build_scene(topology, view, &Filter::default());
            let index = SpatialIndex::of_shapes(&scene);
            for (edge, room) in label_rooms(&scene) {
                let label = scene.edges[edge].label.as_ref().unwrap();
                let across = label_room_at(
                    &scene,
                    &index,
                    (label.x, label.y),
                    label.anchor,
                    room.fit,
                    f64::INFINITY,
                );
                assert_eq!(room, across, "{}", label.text);
                n_rooms += 1;
                n_far += usize::from(room.width > 256.0);
            }
        }
    }
    assert!(n_rooms > 100 && n_far > 0, "{n_rooms} rooms, {n_far} far");
}

/// §13.2: a namespace's tile counts every pod of the namespace, and the workloads
/// that have pods there, in the cluster view (from its chips) and in the logical
/// view (from its workload boxes, which draw no chips) alike. The logical view's
/// tiles used to say "0 pods".
#[test]
fn s13_2_a_namespace_tile_counts_its_pods_and_workloads_in_both_views() {
    let mut topology = analyze_text(&generated().to_yaml());
    // One pod not ready, so the states add up too.
    let pod = topology.cluster.pods[5].key();
    whatif::apply(
        &mut topology,
        &Mutation::MarkPodNotReady {
            namespace: pod.namespace.clone(),
            name: pod.name.clone(),
        },
    )
    .expect("mark not ready");
    let namespaces: std::collections::BTreeSet<&str> = topology
        .cluster
        .pods
        .iter()
        .map(|p| p.namespace.as_str())
        .collect();
    assert_eq!(namespaces.len(), 4);
    for view in [View::Cluster, View::Logical] {
        let scene = build_scene(&topology, view, &Filter::default());
        let tiles = lod::tiles(&scene, &topology);
        for namespace in &namespaces {
            let tile = tiles
                .iter()
                .find(|t| t.aggregate == Aggregate::Namespace(namespace.to_string()))
                .unwrap_or_else(|| panic!("{view:?}: a tile for {namespace}"));
            let pods: Vec<_> = topology
                .cluster
                .pods
                .iter()
                .filter(|p| p.namespace == *namespace)
                .collect();
            let workloads: std::collections::BTreeSet<_> =
                pods.iter().filter_map(|p| p.workload.as_ref()).collect();
            assert_eq!(tile.pods.total(), pods.len(), "{view:?} {namespace}: pods");
            assert_eq!(
                tile.pods.ready,
                pods.iter().filter(|p| p.ready).count(),
                "{view:?} {namespace}: ready"
            );
            assert_eq!(
                tile.n_workloads,
                workloads.len(),
                "{view:?} {namespace}: workloads"
            );
            let n_services = topology
                .services
                .iter()
                .filter(|s| s.namespace == *namespace)
                .count();
            assert_eq!(
                tile.n_services, n_services,
                "{view:?} {namespace}: Services"
            );
        }
    }
}
