//! Gateway API (§11 of `docs/semantics.md`): one file per section of the chapter,
//! named by the section's number, each testing that section's rules (a test citing
//! several sections sits with the one it mainly tests). The fixtures that several
//! sections share are here.

mod s11_01_kinds;
mod s11_02_data_plane;
mod s11_03_listeners;
mod s11_04_attaching;
mod s11_05_matching;
mod s11_06_precedence;
mod s11_07_backends;
mod s11_08_filters;
mod s11_09_other_routes;
mod s11_10_tracing;
mod s11_11_status_json;
mod s11_13_simulator_choices;
mod s11_14_picture;
mod s11_15_backend_tls;
mod s11_16_listenerset;

use kubetopo::engine::Topology;

use crate::common::samples;

/// The `gateway-canary.yaml` sample: a Gateway, a canary split, a redirect, a
/// ReferenceGrant and a Route the listener refuses.
fn canary() -> Topology {
    samples(&["gateway-canary.yaml"])
}

/// Objects read as they are written, without a GatewayClass added (§11.1).
mod reading {
    use kubetopo::engine::config::Config;
    use kubetopo::engine::ingest::SourceFile;
    use kubetopo::engine::{analyze, Topology};

    pub(super) fn run(yaml: &str) -> Topology {
        analyze(&[SourceFile::new("gw.yaml", yaml)], &Config::default())
    }
}

/// The status a controller writes (§11.2 to §11.4, §11.7): a GatewayClass `c`, and
/// Gateways and Routes in `default`.
mod status {
    use kubetopo::engine::config::Config;
    use kubetopo::engine::gateway::status::{Condition, ResolvedGateway, ResolvedRoute};
    use kubetopo::engine::ingest::SourceFile;
    use kubetopo::engine::{analyze, Topology};

    const CLASS: &str = "apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata: {name: c}\nspec: {controllerName: example.net/gw}\n---\n";

    pub(super) fn run(yaml: &str) -> Topology {
        analyze(
            &[SourceFile::new("gw.yaml", format!("{CLASS}{yaml}"))],
            &Config::default(),
        )
    }

    pub(super) fn gateway<'t>(topology: &'t Topology, name: &str) -> &'t ResolvedGateway {
        topology
            .gateway
            .gateways
            .iter()
            .find(|g| g.name == name)
            .unwrap_or_else(|| panic!("no Gateway {name}"))
    }

    pub(super) fn route<'t>(topology: &'t Topology, name: &str) -> &'t ResolvedRoute {
        topology
            .gateway
            .routes
            .iter()
            .find(|r| r.name == name)
            .unwrap_or_else(|| panic!("no Route {name}"))
    }

    /// `Type=Status/Reason` for each condition, as a controller would write them.
    pub(super) fn conditions(conditions: &[Condition]) -> Vec<String> {
        conditions
            .iter()
            .map(|c| format!("{}={}/{}", c.condition_type, c.status, c.reason))
            .collect()
    }

    pub(super) fn codes(topology: &Topology) -> Vec<&'static str> {
        topology.diagnostics.iter().map(|d| d.code).collect()
    }

    pub(super) fn gw(name: &str, listeners: &str) -> String {
        format!("apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {{name: {name}}}\nspec:\n  gatewayClassName: c\n  listeners:\n{listeners}---\n")
    }

    /// Where `needle` is in the input `run(yaml)` reads: (document, line, column), all
    /// 1-based, as a diagnostic's `source` gives them (`docs/diagnostics.md`). The
    /// needle must be on exactly one line.
    pub(super) fn position_of(yaml: &str, needle: &str) -> (usize, usize, usize) {
        let text = format!("{CLASS}{yaml}");
        let found: Vec<(usize, &str)> = text
            .lines()
            .enumerate()
            .filter(|(_, line)| line.contains(needle))
            .collect();
        assert_eq!(found.len(), 1, "{needle:?} is not on exactly one line");
        let (index, line) = found[0];
        let document = 1 + text.lines().take(index).filter(|l| *l == "---").count();
        let column = line[..line.find(needle).unwrap()].chars().count() + 1;
        (document, index + 1, column)
    }

    /// The (document, line, column) of each diagnostic with `code`, by field.
    pub(super) fn positions(
        topology: &Topology,
        code: &str,
    ) -> Vec<(String, (usize, usize, usize))> {
        topology
            .diagnostics
            .iter()
            .filter(|d| d.code == code)
            .map(|d| {
                (
                    d.field.clone(),
                    (d.source.document, d.source.line, d.source.column),
                )
            })
            .collect()
    }
}

/// Requests through a Gateway (§11.3, §11.5 to §11.10, §11.13), on the base of
/// upstream's conformance tests.
mod requests {
    use kubetopo::engine::config::Config;
    use kubetopo::engine::ingest::SourceFile;
    use kubetopo::engine::model::Protocol;
    use kubetopo::engine::trace::{
        parse_destination, HopAction, HttpOptions, SeededChooser, Trace, TraceSource, Tracer,
        Verdict,
    };
    use kubetopo::engine::{analyze, Topology};

    pub(super) const NS: &str = "gateway-conformance-infra";

    /// Request or backend headers, `(name, value)`.
    pub(super) type Headers<'a> = &'a [(&'a str, &'a str)];

    /// The conformance base: namespace, class, and Services infra-backend-v1..v3 on port
    /// 8080 → 3000 with two pods each.
    pub(super) fn base() -> String {
        let mut yaml = format!("apiVersion: v1\nkind: Namespace\nmetadata: {{name: {NS}}}\n---\napiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata: {{name: c}}\nspec: {{controllerName: example.net/gw}}\n---\napiVersion: v1\nkind: Secret\nmetadata: {{name: cert, namespace: {NS}}}\n---\n");
        for backend in ["v1", "v2", "v3"] {
            yaml.push_str(&format!("apiVersion: v1\nkind: Service\nmetadata: {{name: infra-backend-{backend}, namespace: {NS}}}\nspec:\n  selector: {{app: infra-backend-{backend}}}\n  ports: [{{port: 8080, targetPort: 3000}}]\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: infra-backend-{backend}, namespace: {NS}}}\nspec:\n  replicas: 2\n  selector: {{matchLabels: {{app: infra-backend-{backend}}}}}\n  template:\n    metadata: {{labels: {{app: infra-backend-{backend}}}}}\n    spec: {{containers: [{{name: c, image: echo, ports: [{{containerPort: 3000}}]}}]}}\n---\n"));
        }
        yaml
    }

    pub(super) fn gateway(name: &str, listeners: &str) -> String {
        format!("apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {{name: {name}, namespace: {NS}}}\nspec:\n  gatewayClassName: c\n  listeners:\n{listeners}---\n")
    }

    pub(super) fn http_route(name: &str, spec: &str) -> String {
        format!("apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {{name: {name}, namespace: {NS}}}\nspec:\n{spec}---\n")
    }

    pub(super) fn run(yaml: &str) -> Topology {
        let topology = analyze(&[SourceFile::new("gw.yaml", yaml)], &Config::default());
        assert!(
            !topology
                .diagnostics
                .iter()
                .any(|d| d.code == "gateway-invalid-spec"),
            "{:?}",
            topology.diagnostics
        );
        topology
    }

    /// One request from an external client.
    pub(super) struct Request<'a> {
        pub(super) url: &'a str,
        pub(super) host: Option<&'a str>,
        pub(super) sni: Option<&'a str>,
        pub(super) method: &'a str,
        pub(super) headers: &'a [(&'a str, &'a str)],
        pub(super) seed: u64,
    }

    impl<'a> Request<'a> {
        pub(super) fn get(url: &'a str) -> Request<'a> {
            Request {
                url,
                host: None,
                sni: None,
                method: "GET",
                headers: &[],
                seed: 0,
            }
        }
    }

    pub(super) fn send(topology: &Topology, request: &Request) -> Trace {
        let destination = parse_destination(request.url).expect("a URL");
        let options = HttpOptions {
            method: request.method.to_string(),
            headers: request
                .headers
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
            host: request.host.map(str::to_string),
            sni: request.sni.map(str::to_string),
        };
        Tracer::new(topology).trace_http(
            &TraceSource::External {
                client_ip: "198.51.100.7".parse().unwrap(),
            },
            &destination,
            Protocol::Tcp,
            &options,
            &mut SeededChooser::new(request.seed),
        )
    }

    /// What the client gets: the backend Service's name, or the status.
    pub(super) fn outcome(trace: &Trace) -> String {
        let http = trace
            .http
            .as_ref()
            .unwrap_or_else(|| panic!("no http result: {}", trace.reason));
        match (trace.verdict, &http.backend_service) {
            (Verdict::Delivered, Some(service)) => service
                .name
                .trim_start_matches("infra-backend-")
                .to_string(),
            _ => http.status.map_or("refused".to_string(), |s| s.to_string()),
        }
    }

    pub(super) fn address(topology: &Topology, name: &str) -> String {
        topology
            .gateway
            .gateways
            .iter()
            .find(|g| g.name == name)
            .unwrap()
            .addresses[0]
            .value
            .clone()
    }

    pub(super) fn kubetopo_sample() -> Topology {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/samples/gateway-canary.yaml"
        ))
        .unwrap();
        analyze(
            &[SourceFile::new("gateway-canary.yaml", text)],
            &Config::default(),
        )
    }

    /// An HTTPRoute `split` on listener `http` of Gateway `gw`: one rule with `rule`
    /// (its `matches` and `filters` lines, if any) and the backendRefs given, then the
    /// Gateway's address.
    pub(super) fn split_route(rule: &str, backend_refs: &str) -> (Topology, String) {
        let topology = run(&format!(
            "{}{}{}",
            base(),
            gateway("gw", "  - {name: http, port: 80, protocol: HTTP}\n"),
            http_route(
                "split",
                &format!(
                    "  parentRefs: [{{name: gw}}]\n  rules:\n  - backendRefs:\n{backend_refs}{rule}"
                )
            ),
        ));
        let ip = address(&topology, "gw");
        (topology, ip)
    }

    /// The details of the trace's `gateway-filter` hops, in order.
    pub(super) fn filter_hops(trace: &Trace) -> Vec<&str> {
        trace
            .hops
            .iter()
            .filter(|h| h.action == HopAction::GatewayFilter)
            .map(|h| h.detail.as_str())
            .collect()
    }
}
