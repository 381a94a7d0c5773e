//! Traffic benchmarks: one simulator tick with 2,000 flows and about 5,000 packets in
//! flight (target under 2 ms), and one what-if mutation, killing a pod, on a
//! 10,000-pod cluster re-resolved (target under 20 ms).
//!
//! The input is synthetic: 2,000 Deployments of 5 replicas, each with a Service and
//! an env var pointing at the next Service, on 100 simulated nodes. Run with
//! `cargo bench --bench traffic`.

use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use kubetopo::engine::config::Config;
use kubetopo::engine::ingest::SourceFile;
use kubetopo::engine::refs::KindRef;
use kubetopo::engine::sim::{SimConfig, Simulator};
use kubetopo::engine::whatif::{self, Mutation, Resolution};
use kubetopo::engine::{analyze, Topology};

const N_WORKLOADS: usize = 2_000;
const N_REPLICAS: usize = 5;

/// 2,000 Deployments × 5 replicas + 2,000 Services on 100 nodes; each workload calls
/// the next one's Service, so the engine infers 2,000 dependencies (flows).
fn synthetic_topology() -> Topology {
    let mut yaml = String::with_capacity(N_WORKLOADS * 700);
    for i in 0..N_WORKLOADS {
        let next = (i + 1) % N_WORKLOADS;
        yaml.push_str(&format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: app-{i}}}\nspec:\n  replicas: {N_REPLICAS}\n  selector: {{matchLabels: {{app: app-{i}}}}}\n  template:\n    metadata: {{labels: {{app: app-{i}}}}}\n    spec:\n      containers: [{{name: app, image: app, ports: [{{containerPort: 8080}}], env: [{{name: NEXT_ADDR, value: \"svc-{next}:80\"}}]}}]\n---\napiVersion: v1\nkind: Service\nmetadata: {{name: svc-{i}}}\nspec:\n  selector: {{app: app-{i}}}\n  ports: [{{port: 80, targetPort: 8080}}]\n---\n"
        ));
    }
    let config = Config {
        n_nodes: 100,
        ..Config::default()
    };
    let topology = analyze(&[SourceFile::new("synthetic.yaml", yaml)], &config);
    assert_eq!(topology.cluster.pods.len(), N_WORKLOADS * N_REPLICAS);
    topology
}

fn simulator_tick(c: &mut Criterion) {
    let topology = synthetic_topology();
    // About 40 ticks per connection (DNS, capture, rules, forward, policy, delivery),
    // so 2,000 flows at 1/16 connection per tick keep about 5,000 packets in flight.
    let mut simulator = Simulator::new(
        topology,
        SimConfig {
            seed: 1,
            default_rate: 1.0 / 16.0,
            ..SimConfig::default()
        },
    );
    assert_eq!(simulator.flows().len(), N_WORKLOADS);
    // Warm up: reach the steady state and trace most (flow, pod, endpoint) combinations.
    for _ in 0..3_000 {
        simulator.tick();
    }
    let n_packets = simulator.n_packets();
    assert!(
        (4_000..=6_000).contains(&n_packets),
        "{n_packets} packets in flight"
    );
    eprintln!(
        "simulator: {} flows, {n_packets} packets in flight",
        simulator.flows().len()
    );
    c.bench_function("sim_tick_2000_flows_5000_packets", |b| {
        b.iter(|| simulator.tick().packets.len())
    });
}

fn whatif_kill_pod(c: &mut Criterion) {
    let mut topology = synthetic_topology();
    let mut group = c.benchmark_group("whatif");
    group
        .sample_size(30)
        .measurement_time(Duration::from_secs(4));
    let mut round = 0usize;
    group.bench_function("kill_pod_10000_pods", |b| {
        b.iter_custom(|iterations| {
            let mut total = Duration::ZERO;
            for _ in 0..iterations {
                // A different workload each time, first replica.
                let workload = round % N_WORKLOADS;
                round += 1;
                let victim = topology
                    .cluster
                    .pods
                    .iter()
                    .find(|p| {
                        p.workload == Some(KindRef::new("Deployment", format!("app-{workload}")))
                    })
                    .map(|p| p.name.clone())
                    .expect("a replica");
                let start = Instant::now();
                let report = whatif::apply(
                    &mut topology,
                    &Mutation::KillPod {
                        namespace: "default".into(),
                        name: victim,
                    },
                )
                .expect("kill");
                total += start.elapsed();
                assert!(matches!(report.resolution, Resolution::Incremental { .. }));
                // Untimed: the Deployment's controller brings the replica back.
                whatif::apply(
                    &mut topology,
                    &Mutation::ScaleWorkload {
                        namespace: "default".into(),
                        name: format!("app-{workload}"),
                        replicas: N_REPLICAS as u32,
                    },
                )
                .expect("scale back");
            }
            total
        })
    });
    group.finish();
}

criterion_group!(benches, simulator_tick, whatif_kill_pod);
criterion_main!(benches);
