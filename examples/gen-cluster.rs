//! Writes a synthetic cluster as YAML on stdout, for benchmarks and the browser
//! scale test: `cargo run --release --example gen-cluster -- 2000 5 100 > big.yaml`
//! (Deployments, replicas each, nodes; namespaces optional as a fourth number, and
//! HTTPRoutes through one Gateway as a fifth).

use kubetopo::synth::SyntheticCluster;

fn main() {
    let numbers: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let defaults = SyntheticCluster::ten_thousand_pods();
    let cluster = SyntheticCluster {
        n_deployments: numbers.first().copied().unwrap_or(defaults.n_deployments),
        replicas: numbers.get(1).copied().unwrap_or(defaults.replicas),
        n_nodes: numbers.get(2).copied().unwrap_or(defaults.n_nodes),
        n_namespaces: numbers.get(3).copied().unwrap_or(defaults.n_namespaces),
        n_http_routes: numbers.get(4).copied().unwrap_or(defaults.n_http_routes),
    };
    print!("{}", cluster.to_yaml());
}
