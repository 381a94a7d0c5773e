// A generated cluster for the large-cluster specs (scale, lod), written as
// `src/synth.rs` writes it.

/** The synthetic cluster of `src/synth.rs`: N Deployments × R replicas, a Service
 * each, on M nodes over three zones, in K namespaces. With `calls`, every Deployment
 * calls another one in its namespace, so that every Service gets traffic. `prefix`
 * names the Deployments and Services (`app-00000`, …). */
export function synthetic(nDeployments, replicas, nNodes, nNamespaces, { calls = false, prefix = 'app' } = {}) {
  const parts = [];
  const zones = ['zone-a', 'zone-b', 'zone-c'];
  for (let node = 0; node < nNodes; node++) {
    const name = `node-${String(node).padStart(4, '0')}`;
    parts.push(`apiVersion: v1\nkind: Node\nmetadata:\n  name: ${name}\n  labels:\n    kubernetes.io/hostname: ${name}\n    topology.kubernetes.io/zone: ${zones[node % 3]}\nstatus:\n  addresses:\n  - type: InternalIP\n    address: 172.16.${Math.floor(node / 256)}.${node % 256}\n  conditions:\n  - type: Ready\n    status: "True"\n`);
  }
  for (let index = 0; index < nDeployments; index++) {
    const namespace = `team-${String(index % nNamespaces).padStart(3, '0')}`;
    const name = `${prefix}-${String(index).padStart(5, '0')}`;
    const callee = `${prefix}-${String((index + nNamespaces) % nDeployments).padStart(5, '0')}`;
    const env = calls ? `        env:\n        - name: UPSTREAM_ADDR\n          value: "${callee}:8080"\n` : '';
    parts.push(`apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${name}\n  namespace: ${namespace}\nspec:\n  replicas: ${replicas}\n  selector:\n    matchLabels:\n      app: ${name}\n  template:\n    metadata:\n      labels:\n        app: ${name}\n    spec:\n      containers:\n      - name: main\n        image: example/app:1\n        ports:\n        - name: http\n          containerPort: 8080\n${env}`);
    parts.push(`apiVersion: v1\nkind: Service\nmetadata:\n  name: ${name}\n  namespace: ${namespace}\nspec:\n  selector:\n    app: ${name}\n  ports:\n  - name: http\n    port: 8080\n    targetPort: http\n`);
  }
  return parts.map((part) => `---\n${part}`).join('');
}
