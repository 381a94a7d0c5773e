//! Engine benchmarks (issue: engine and CLI). Run with `cargo bench --bench engine`.
//!
//! - analyze, 10,000 pods: 2,000 Deployments × 5 replicas with Services on 100 nodes (target < 150 ms)
//! - analyze, 100,000 pods (target < 2 s)
//! - the growth between them, which should be close to linear (×10 pods → about ×10 time)
//!
//! Memory and the whole CLI run are measured by `scripts/bench-cli.sh`.
//!
//! The bench uses the allocator the `kubetopo` binary ships with (mimalloc), so the
//! figures are what the CLI does. Comment the two lines below out to measure with
//! the system allocator.

use criterion::{criterion_group, criterion_main, Criterion};
use kubetopo::engine::{analyze, config::Config, ingest::SourceFile};
use kubetopo::synth::SyntheticCluster;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn bench_analyze(c: &mut Criterion) {
    let mut group = c.benchmark_group("analyze");
    group.sample_size(10);
    for (label, cluster) in [
        ("10k_pods", SyntheticCluster::ten_thousand_pods()),
        ("100k_pods", SyntheticCluster::hundred_thousand_pods()),
    ] {
        let files = vec![SourceFile::new("synthetic.yaml", cluster.to_yaml())];
        let topology = analyze(&files, &Config::default());
        assert_eq!(
            topology.cluster.pods.len(),
            cluster.n_deployments * cluster.replicas
        );
        group.bench_function(label, |b| b.iter(|| analyze(&files, &Config::default())));
    }
    group.finish();
}

criterion_group!(benches, bench_analyze);
criterion_main!(benches);
