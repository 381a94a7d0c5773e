//! Times each engine phase on files: `cargo run --release --example phases -- FILE...`.
use kubetopo::engine::{
    self,
    config::Config,
    ingest::{self, SourceFile},
};
use std::time::Instant;
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
fn main() {
    let files: Vec<SourceFile> = std::env::args()
        .skip(1)
        .map(|path| {
            let text = std::fs::read_to_string(&path).unwrap();
            SourceFile::new(path, text)
        })
        .collect();
    assert!(!files.is_empty(), "usage: phases FILE...");
    let config = Config::default();
    let t = Instant::now();
    let mut diagnostics = Vec::new();
    let mut docs = 0;
    for f in &files {
        docs += engine::yaml::load_documents(&f.name, &f.text, &mut diagnostics).len();
    }
    eprintln!("yaml: {:?} ({docs} docs)", t.elapsed());
    let t = Instant::now();
    let manifests = ingest::ingest(&files, &mut diagnostics);
    eprintln!("ingest (incl yaml): {:?}", t.elapsed());
    let t = Instant::now();
    for s in &manifests.services {
        engine::validate::validate_service(s, &mut diagnostics);
    }
    eprintln!("validate: {:?}", t.elapsed());
    let t = Instant::now();
    let cluster = engine::cluster::build_cluster(&manifests, &config, &mut diagnostics);
    eprintln!("cluster: {:?}", t.elapsed());
    let t = Instant::now();
    let index = engine::cluster::PodIndex::build(&cluster.pods);
    eprintln!("pod index: {:?}", t.elapsed());
    let t = Instant::now();
    let services =
        engine::resolve::resolve_services(&manifests, &cluster, &index, &config, &mut diagnostics);
    eprintln!("resolve: {:?}", t.elapsed());
    let t = Instant::now();
    let deps = engine::deps::infer_dependencies(
        &cluster,
        &services,
        &config.cluster_domain,
        &mut diagnostics,
    );
    eprintln!("deps: {:?} ({})", t.elapsed(), deps.len());
    let t = Instant::now();
    let gateway = engine::gateway::resolve_gateways(&manifests, &services, &mut diagnostics);
    eprintln!(
        "gateway: {:?} ({} routes)",
        t.elapsed(),
        gateway.routes.len()
    );
    let t = Instant::now();
    engine::explain::explain(&manifests, &cluster, &index, &services, &mut diagnostics);
    eprintln!("explain: {:?}", t.elapsed());
    let t = Instant::now();
    let pe = engine::netpol::PolicyEngine::new(&manifests, &cluster);
    let d = engine::netpol::dns_diagnostics(&pe, engine::netpol::cluster_dns_ip(&config));
    eprintln!("netpol dns: {:?} ({})", t.elapsed(), d.len());
    // The web app's worker split (engine::stages, engine::codec): parse in the
    // worker, encode; decode, simulate and resolve on the page.
    let t = Instant::now();
    let parsed = engine::stages::parse(&files, &mut |_| {});
    eprintln!("worker: parse: {:?}", t.elapsed());
    let t = Instant::now();
    let bytes = engine::codec::encode(&parsed);
    eprintln!("worker: encode: {:?} ({} bytes)", t.elapsed(), bytes.len());
    drop(parsed);
    let t = Instant::now();
    let decoded = engine::codec::decode(&bytes).expect("decodes");
    eprintln!("page: decode: {:?}", t.elapsed());
    let t = Instant::now();
    let simulated = engine::stages::simulate(decoded, &config);
    eprintln!("page: simulate: {:?}", t.elapsed());
    let t = Instant::now();
    let resolved = engine::stages::resolve(simulated, &config);
    eprintln!(
        "page: resolve: {:?} ({} services)",
        t.elapsed(),
        resolved.services.len()
    );
    let t = Instant::now();
    let topology = engine::analyze(&files, &config);
    eprintln!("analyze total: {:?}", t.elapsed());
    for view in [engine::scene::View::Cluster, engine::scene::View::Logical] {
        let t = Instant::now();
        let scene = engine::scene::build_scene(&topology, view, &Default::default());
        eprintln!(
            "page: scene {view:?}: {:?} ({} shapes)",
            t.elapsed(),
            scene.shapes.len()
        );
        // What the graph makes of a scene before and when it draws it.
        let t = Instant::now();
        let tiles = engine::lod::tiles(&scene, &topology);
        eprintln!(
            "page: tiles {view:?}: {:?} ({} tiles)",
            t.elapsed(),
            tiles.len()
        );
        let t = Instant::now();
        let shapes = engine::spatial::SpatialIndex::of_shapes(&scene);
        eprintln!("page: spatial index {view:?}: {:?}", t.elapsed());
        let t = Instant::now();
        let rooms = engine::scene::label_rooms_in(&scene, &shapes);
        eprintln!(
            "page: label rooms {view:?}: {:?} ({})",
            t.elapsed(),
            rooms.len()
        );
        let t = Instant::now();
        let _labels = engine::lod::EdgeLabels::new(&scene, &shapes, &rooms);
        eprintln!("page: edge labels {view:?}: {:?}", t.elapsed());
    }
    let t = Instant::now();
    let graph = engine::policy_graph::policy_graph(&topology);
    eprintln!(
        "page: policy graph: {:?} ({} policies)",
        t.elapsed(),
        graph.policies.len()
    );
    let topology = std::sync::Arc::new(topology);
    let t = Instant::now();
    let simulator =
        engine::sim::Simulator::new(std::sync::Arc::clone(&topology), Default::default());
    eprintln!("page: simulator start: {:?}", t.elapsed());
    // A tick that traces a new connection makes a policy engine: from scratch
    // before, or over the pod selections the simulator's index keeps.
    let t = Instant::now();
    let engine = engine::netpol::PolicyEngine::new(&topology.manifests, &topology.cluster);
    eprintln!("policy engine, from scratch: {:?}", t.elapsed());
    let selections = engine.into_selections();
    let t = Instant::now();
    let _engine = engine::netpol::PolicyEngine::with_selections(
        &topology.manifests,
        &topology.cluster,
        std::borrow::Cow::Borrowed(&selections),
    );
    eprintln!("policy engine, shared selections: {:?}", t.elapsed());
    let mut simulator = simulator;
    let t = Instant::now();
    for _ in 0..60 {
        simulator.tick();
    }
    eprintln!("page: 60 simulator ticks: {:?}", t.elapsed());
    drop(simulator);
    // As the web app runs it: 20,000 packets at most, and a budget of traces per
    // tick (`KUBETOPO_TRACES_PER_TICK`, unbounded when unset). The slowest ticks of
    // 600 say how long one frame's tick can take.
    let max_traces_per_tick = std::env::var("KUBETOPO_TRACES_PER_TICK")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(usize::MAX);
    // The load the browser bench animates at (connections per tick of each flow).
    let load: f64 = std::env::var("KUBETOPO_LOAD")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0.05);
    let mut simulator = engine::sim::Simulator::new(
        std::sync::Arc::clone(&topology),
        engine::sim::SimConfig {
            max_packets: 20_000,
            max_traces_per_tick,
            default_rate: load,
            ..Default::default()
        },
    );
    simulator.set_all_rates(load);
    let mut ticks: Vec<std::time::Duration> = (0..600)
        .map(|_| {
            let t = Instant::now();
            simulator.tick();
            t.elapsed()
        })
        .collect();
    let total: std::time::Duration = ticks.iter().sum();
    kubetopo::engine::sort::SortCompact::sort_compact(&mut ticks[..]);
    let n_paths = (0..).take_while(|&p| simulator.path(p).is_some()).count();
    eprintln!(
        "page: 600 ticks as the web app runs them (load {load}): {total:?}, median {:?}, p99 {:?}, max {:?}; {n_paths} paths traced",
        ticks[300], ticks[594], ticks[599]
    );
    let t = Instant::now();
    let json = engine::output::to_json(&topology);
    eprintln!("json: {:?} ({} bytes)", t.elapsed(), json.len());
}
