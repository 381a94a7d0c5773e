//! Synthetic clusters for benchmarks and scale tests: N Deployments × R replicas,
//! each with a ClusterIP Service, on M Node objects spread over three zones.
//! Every fifth Deployment calls the next one, so dependency inference has work.
//! Optionally, a Gateway with HTTPRoutes to the first Services (§11), so Gateway
//! attachment and routing have work too.

use std::fmt::Write;

/// Parameters of a synthetic cluster.
#[derive(Clone, Copy, Debug)]
pub struct SyntheticCluster {
    pub n_deployments: usize,
    pub replicas: usize,
    pub n_nodes: usize,
    pub n_namespaces: usize,
    /// HTTPRoutes through one shared Gateway, each to one Service (0: no Gateway API objects).
    pub n_http_routes: usize,
}

impl SyntheticCluster {
    /// The 10,000-pod case: 2,000 Deployments × 5 replicas on 100 nodes.
    pub fn ten_thousand_pods() -> SyntheticCluster {
        SyntheticCluster {
            n_deployments: 2_000,
            replicas: 5,
            n_nodes: 100,
            n_namespaces: 10,
            n_http_routes: 0,
        }
    }
    /// The 10,000-pod case with 500 HTTPRoutes through one Gateway.
    pub fn ten_thousand_pods_with_routes() -> SyntheticCluster {
        SyntheticCluster {
            n_http_routes: 500,
            ..SyntheticCluster::ten_thousand_pods()
        }
    }
    /// 100,000 pods: 20,000 Deployments × 5 replicas on 1,000 nodes.
    pub fn hundred_thousand_pods() -> SyntheticCluster {
        SyntheticCluster {
            n_deployments: 20_000,
            replicas: 5,
            n_nodes: 1_000,
            n_namespaces: 50,
            n_http_routes: 0,
        }
    }

    /// The manifests as one multi-document YAML stream.
    pub fn to_yaml(&self) -> String {
        let mut out = String::with_capacity(self.n_deployments * 900 + self.n_nodes * 300);
        let zones = ["zone-a", "zone-b", "zone-c"];
        for node in 0..self.n_nodes {
            let zone = zones[node % zones.len()];
            let _ = write!(
                out,
                "---\napiVersion: v1\nkind: Node\nmetadata:\n  name: node-{node:04}\n  labels:\n    kubernetes.io/hostname: node-{node:04}\n    topology.kubernetes.io/zone: {zone}\nstatus:\n  addresses:\n  - type: InternalIP\n    address: 172.{}.{}.{}\n  conditions:\n  - type: Ready\n    status: \"True\"\n",
                16 + node / 65536 % 16,
                node / 256 % 256,
                node % 256
            );
            // The default pod CIDR, a /16, holds a /24 for 256 nodes; past that the
            // nodes' slices would be too small for their pods (§7.4). A cluster that
            // large is set up with a larger pod CIDR, so here each Node carries
            // its own /24, following on from the /16 (10.244.0.0/24, 10.244.1.0/24, ...).
            if self.n_nodes > 256 {
                let block = 244 * 256 + node;
                let _ = write!(
                    out,
                    "spec:\n  podCIDR: 10.{}.{}.0/24\n",
                    block / 256 % 256,
                    block % 256
                );
            }
        }
        for index in 0..self.n_deployments {
            let namespace = format!("team-{:03}", index % self.n_namespaces.max(1));
            let name = format!("app-{index:05}");
            let callee = format!(
                "app-{:05}",
                (index + self.n_namespaces.max(1)) % self.n_deployments.max(1)
            );
            let calls = if index % 5 == 0 {
                format!("        env:\n        - name: UPSTREAM_ADDR\n          value: \"{callee}:8080\"\n")
            } else {
                String::new()
            };
            let _ = write!(
                out,
                "---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\n  namespace: {namespace}\nspec:\n  replicas: {replicas}\n  selector:\n    matchLabels:\n      app: {name}\n  template:\n    metadata:\n      labels:\n        app: {name}\n        tier: backend\n    spec:\n      containers:\n      - name: main\n        image: example/app:1\n        ports:\n        - name: http\n          containerPort: 8080\n{calls}        readinessProbe:\n          httpGet:\n            path: /healthz\n            port: http\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: {name}\n  namespace: {namespace}\nspec:\n  selector:\n    app: {name}\n  ports:\n  - name: http\n    port: 8080\n    targetPort: http\n",
                replicas = self.replicas,
            );
        }
        if self.n_http_routes > 0 {
            out.push_str("---\napiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata:\n  name: synthetic\nspec:\n  controllerName: example.net/gateway\n---\napiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata:\n  name: edge\n  namespace: team-000\nspec:\n  gatewayClassName: synthetic\n  listeners:\n  - name: http\n    port: 80\n    protocol: HTTP\n    hostname: \"*.example.com\"\n    allowedRoutes:\n      namespaces:\n        from: All\n");
        }
        for index in 0..self.n_http_routes.min(self.n_deployments) {
            let namespace = format!("team-{:03}", index % self.n_namespaces.max(1));
            let name = format!("app-{index:05}");
            let _ = write!(
                out,
                "---\napiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata:\n  name: {name}\n  namespace: {namespace}\nspec:\n  parentRefs:\n  - name: edge\n    namespace: team-000\n  hostnames:\n  - {name}.example.com\n  rules:\n  - matches:\n    - path:\n        type: PathPrefix\n        value: /api\n      headers:\n      - name: x-canary\n        value: \"1\"\n    backendRefs:\n    - name: {name}\n      port: 8080\n  - matches:\n    - path:\n        type: PathPrefix\n        value: /\n    backendRefs:\n    - name: {name}\n      port: 8080\n      weight: 90\n    - name: {name}\n      port: 8080\n      weight: 10\n"
            );
        }
        out
    }
}
