use kubetopo::engine::{analyze, config::Config, ingest::SourceFile, resolve_topology};
use std::time::Instant;
#[test]
fn scratch() {
    let mut yaml = String::new();
    for i in 0..2000 {
        yaml.push_str(&format!("apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: app-{i}}}\nspec:\n  replicas: 5\n  selector: {{matchLabels: {{app: app-{i}}}}}\n  template:\n    metadata: {{labels: {{app: app-{i}}}}}\n    spec:\n      containers: [{{name: c, image: x, ports: [{{containerPort: 8080}}], env: [{{name: NEXT, value: \"svc-{}:80\"}}]}}]\n---\napiVersion: v1\nkind: Service\nmetadata: {{name: svc-{i}}}\nspec:\n  selector: {{app: app-{i}}}\n  ports: [{{port: 80, targetPort: 8080}}]\n---\n", (i+1)%2000));
    }
    let config = Config { n_nodes: 100, ..Config::default() };
    let t = Instant::now();
    let topo = analyze(&[SourceFile::new("x.yaml", yaml)], &config);
    eprintln!("analyze {:?} pods {}", t.elapsed(), topo.cluster.pods.len());
    for _ in 0..3 {
    let t = Instant::now();
    let t2 = resolve_topology(topo.manifests.clone(), topo.cluster.clone(), topo.config.clone(), topo.ingest_diagnostics.clone());
    eprintln!("resolve {:?} {}", t.elapsed(), t2.services.len());
    let t = Instant::now();
    let idx = kubetopo::engine::cluster::PodIndex::build(&topo.cluster.pods);
    eprintln!("index {:?}", t.elapsed());
    let t = Instant::now();
    let mut d = Vec::new();
    kubetopo::engine::explain::explain(&topo.manifests, &topo.cluster, &idx, &topo.services, &mut d);
    eprintln!("explain {:?}", t.elapsed());
    let t = Instant::now();
    let deps = kubetopo::engine::deps::infer_dependencies(&topo.cluster, &topo.services, "cluster.local");
    eprintln!("deps {:?} {}", t.elapsed(), deps.len());
    let t = Instant::now();
    let _c = topo.clone();
    eprintln!("clone {:?}", t.elapsed());
    }
}
