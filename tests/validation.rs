use kubetopo::engine::ingest::{ingest, SourceFile};
#[test]
fn probe() {
    let yaml = "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  annotations:\n    a: b\nspec:\n  selector:\n    app: web\n  ports:\n  - port: 80\n  clusterIPs:\n  - 10.0.0.1\n  - 10.0.0.2\n  externalIPs: [1.1.1.1,\n    2.2.2.2]\n";
    let mut d = Vec::new();
    let m = ingest(&[SourceFile::new("t.yaml", yaml)], &mut d);
    println!("{:?}", m.services[0].meta.field_positions);
}
