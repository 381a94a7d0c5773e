//! Engine benchmarks (issue: engine and CLI). Run with `cargo bench --bench engine`.
//!
//! - analyze, 10,000 pods: 2,000 Deployments × 5 replicas with Services on 100 nodes (target < 150 ms)
//! - analyze, 100,000 pods (target < 2 s)
//! - the growth between them, which should be close to linear (×10 pods → about ×10 time)
//! - analyze, 10,000 pods with 500 HTTPRoutes through one Gateway (§11)
//! - trace at 10,000 pods: a pod to a Service, and an external client through the
//!   Gateway to a Route's backend (building the tracer's index included)
//! - a Gateway API regular expression compiled and matched once, as routing does
//!   (§11.13), by `engine::regex` and by `regex-lite` it replaced: typical route
//!   patterns, and patterns that are exponential for a backtracking matcher
//!
//! Memory and the whole CLI run are measured by `scripts/bench-cli.sh`.
//!
//! The bench uses the allocator the `kubetopo` binary ships with (mimalloc), so the
//! figures are what the CLI does. Comment the two lines below out to measure with
//! the system allocator.

use criterion::{criterion_group, criterion_main, Criterion};
use kubetopo::engine::model::Protocol;
use kubetopo::engine::regex::Regex;
use kubetopo::engine::trace::{parse_destination, HttpOptions, SeededChooser, TraceSource, Tracer};
use kubetopo::engine::{analyze, config::Config, ingest::SourceFile};
use kubetopo::synth::SyntheticCluster;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn bench_analyze(c: &mut Criterion) {
    let mut group = c.benchmark_group("analyze");
    group.sample_size(10);
    for (label, cluster) in [
        ("10k_pods", SyntheticCluster::ten_thousand_pods()),
        (
            "10k_pods_500_httproutes",
            SyntheticCluster::ten_thousand_pods_with_routes(),
        ),
        ("100k_pods", SyntheticCluster::hundred_thousand_pods()),
    ] {
        let files = vec![SourceFile::new("synthetic.yaml", cluster.to_yaml())];
        let topology = analyze(&files, &Config::default());
        // With HTTPRoutes, the Gateway's simulated proxy adds one pod (§11.2).
        assert_eq!(
            topology.cluster.pods.len(),
            cluster.n_deployments * cluster.replicas + usize::from(cluster.n_http_routes > 0)
        );
        group.bench_function(label, |b| b.iter(|| analyze(&files, &Config::default())));
    }
    group.finish();
}

fn bench_trace(c: &mut Criterion) {
    let mut group = c.benchmark_group("trace");
    group.sample_size(20);
    let cluster = SyntheticCluster::ten_thousand_pods_with_routes();
    let files = vec![SourceFile::new("synthetic.yaml", cluster.to_yaml())];
    let topology = analyze(&files, &Config::default());
    assert_eq!(topology.gateway.routes.len(), 500);
    let pod = topology
        .cluster
        .pods
        .iter()
        .find(|p| p.namespace == "team-001")
        .expect("a pod");
    let from_pod = TraceSource::Pod {
        namespace: pod.namespace.clone(),
        name: pod.name.clone(),
    };
    let external = TraceSource::External {
        client_ip: "198.51.100.7".parse().expect("an IP"),
    };
    let to_service = parse_destination("app-00001.team-001:8080").expect("a name");
    let to_route = parse_destination("http://app-00123.example.com/api/x").expect("a URL");
    let options = HttpOptions {
        headers: vec![("x-canary".to_string(), "1".to_string())],
        ..HttpOptions::default()
    };
    // The same pod-to-Service trace in the cluster without HTTPRoutes, to compare.
    let plain_files = vec![SourceFile::new(
        "synthetic.yaml",
        SyntheticCluster::ten_thousand_pods().to_yaml(),
    )];
    let plain = analyze(&plain_files, &Config::default());
    for (label, topology, source, destination) in [
        (
            "10k_pods_no_routes_pod_to_service",
            &plain,
            &from_pod,
            &to_service,
        ),
        ("10k_pods_pod_to_service", &topology, &from_pod, &to_service),
        (
            "10k_pods_external_through_gateway",
            &topology,
            &external,
            &to_route,
        ),
    ] {
        let tracer = Tracer::new(topology);
        let check = tracer.trace_http(
            source,
            destination,
            Protocol::Tcp,
            &options,
            &mut SeededChooser::new(0),
        );
        assert_eq!(check.verdict.as_str(), "delivered", "{}", check.reason);
        group.bench_function(label, |b| {
            b.iter(|| {
                Tracer::new(topology).trace_http(
                    source,
                    destination,
                    Protocol::Tcp,
                    &options,
                    &mut SeededChooser::new(0),
                )
            })
        });
    }
    group.finish();
}

fn bench_regex(c: &mut Criterion) {
    let mut group = c.benchmark_group("regex");
    let many_a = "a".repeat(10_000);
    let cases = [
        ("path", "/api/v[0-9]+/users/[^/]+", "/api/v2/users/alice"),
        (
            "uuid",
            "/v1/[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}",
            "/v1/123e4567-e89b-12d3-a456-426614174000",
        ),
        (
            "header",
            "(?i)bearer [A-Za-z0-9._~+/-]+=*",
            "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abc_DEF-123==",
        ),
        ("nested_star_10k", "(a*)*b", many_a.as_str()),
        ("counted_1000", "[a-z]{1,1000}", &many_a[..1000]),
    ];
    for (label, pattern, text) in cases {
        let reference = format!("^(?:{pattern})$");
        assert_eq!(
            Regex::new(pattern).expect("compiles").is_full_match(text),
            regex_lite::Regex::new(&reference)
                .expect("compiles")
                .is_match(text)
        );
        group.bench_function(format!("{label}_ours"), |b| {
            b.iter(|| Regex::new(pattern).map(|regex| regex.is_full_match(text)))
        });
        group.bench_function(format!("{label}_regex_lite"), |b| {
            b.iter(|| regex_lite::Regex::new(&reference).map(|regex| regex.is_match(text)))
        });
    }
    group.finish();
}

criterion_group!(benches, bench_analyze, bench_trace, bench_regex);
criterion_main!(benches);
