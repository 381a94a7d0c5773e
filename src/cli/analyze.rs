//! `kubetopo analyze`: the kubectl-style text summary, or the JSON document.
//!
//! JSON is streamed to the writer (`output::write_json`), so a cluster of 250,000
//! pods costs no copy of its whole document in memory. Text is small enough to build
//! first; every value in it that comes from the input goes through
//! `terminal::escape`, so names cannot forge rows or send terminal commands.

use std::collections::BTreeMap;
use std::io::{self, Write};

use super::terminal::escape;
use super::Format;
use crate::engine::diag::Diagnostic;
use crate::engine::model::Readiness;
use crate::engine::resolve::ResolvedPort;
use crate::engine::{output, Topology};

/// Writes the analysis in `format`.
pub fn write(topology: &Topology, format: Format, stdout: &mut dyn Write) -> io::Result<()> {
    match format {
        Format::Json => {
            output::write_json(topology, &mut *stdout)?;
            stdout.write_all(b"\n")
        }
        Format::Yaml => output::write_yaml(topology, &mut *stdout),
        Format::Text => writeln!(stdout, "{}", render_text(topology)),
    }
}

/// A kubectl-style summary: a Services table, then details per Service, then diagnostics.
pub fn render_text(topology: &Topology) -> String {
    let mut out = String::new();
    let n_simulated = topology
        .cluster
        .nodes
        .iter()
        .filter(|n| n.simulated)
        .count();
    let counted =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    out.push_str(&format!(
        "{}{}, {}, {}, {}, {}\n\n",
        counted(topology.cluster.nodes.len(), "node", "nodes"),
        if n_simulated > 0 { " (simulated)" } else { "" },
        counted(topology.cluster.pods.len(), "pod", "pods"),
        counted(topology.services.len(), "service", "services"),
        counted(topology.ingresses.len(), "ingress", "ingresses"),
        counted(topology.dependencies.len(), "dependency", "dependencies"),
    ));
    let mut rows = vec![[
        "NAMESPACE",
        "NAME",
        "TYPE",
        "CLUSTER-IP",
        "EXTERNAL-IP",
        "PORT(S)",
        "ENDPOINTS",
    ]
    .map(String::from)
    .to_vec()];
    for service in &topology.services {
        let cluster_ip = if service.headless {
            "None".to_string()
        } else if service.cluster_ips.is_empty() {
            "<none>".to_string()
        } else {
            join(&service.cluster_ips)
        };
        let external: Vec<String> = service
            .load_balancer_ips
            .iter()
            .chain(&service.external_ips)
            .map(ToString::to_string)
            .chain(service.external_name.clone())
            .collect();
        let external = if external.is_empty() {
            if service.service_type == crate::engine::model::ServiceType::LoadBalancer {
                "<pending>".into()
            } else {
                "<none>".into()
            }
        } else {
            external.join(",")
        };
        let ports: Vec<String> = service.ports.iter().map(ResolvedPort::summary).collect();
        let n_ready = service.endpoints.iter().filter(|e| e.ready).count();
        rows.push(vec![
            service.namespace.clone(),
            service.name.clone(),
            service.service_type.as_str().to_string(),
            cluster_ip,
            external,
            if ports.is_empty() {
                "<none>".into()
            } else {
                ports.join(",")
            },
            format!("{n_ready}/{}", service.endpoints.len()),
        ]);
    }
    out.push_str(&table(&rows));
    // Each Service prints the diagnostics about it. They are grouped by object once:
    // a scan of every diagnostic per Service took 36 s for a List of 50,000 Services
    // and 100,000 diagnostics (issue #12 item 9).
    let mut diagnostics_by_object: BTreeMap<&str, Vec<&Diagnostic>> = BTreeMap::new();
    for diagnostic in &topology.diagnostics {
        diagnostics_by_object
            .entry(diagnostic.object.as_str())
            .or_default()
            .push(diagnostic);
    }
    for service in &topology.services {
        out.push_str(&format!(
            "\n{}/{} ({}{})\n",
            escape(&service.namespace),
            escape(&service.name),
            service.service_type.as_str(),
            if service.headless { ", headless" } else { "" }
        ));
        if let Some(selector) = &service.selector {
            let text: Vec<String> = selector
                .iter()
                .map(|(k, v)| format!("{}={}", escape(k), escape(v)))
                .collect();
            out.push_str(&format!("  selector: {}\n", text.join(",")));
        }
        if let Some(policy) = service.external_traffic_policy {
            out.push_str(&format!("  externalTrafficPolicy: {policy:?}"));
            if let Some(port) = service.health_check_node_port {
                out.push_str(&format!(" (healthCheckNodePort {port})"));
            }
            out.push('\n');
        }
        if !service.endpoints.is_empty() {
            let mut rows = vec![["  ENDPOINT", "ADDRESS", "NODE", "ZONE", "READY", "PORTS"]
                .map(String::from)
                .to_vec()];
            for endpoint in &service.endpoints {
                let ports: Vec<String> = endpoint.ports.iter().map(ToString::to_string).collect();
                let state = Readiness::of(endpoint.terminating, endpoint.ready).as_str();
                rows.push(vec![
                    format!("  {}", or_dash(endpoint.pod.as_ref())),
                    join(&endpoint.addresses),
                    endpoint.node.clone().unwrap_or_else(|| "-".into()),
                    endpoint.zone.clone().unwrap_or_else(|| "-".into()),
                    state.into(),
                    ports.join(","),
                ]);
            }
            out.push_str(&table(&rows));
        }
        for record in &service.dns {
            out.push_str(&format!(
                "  dns: {} {} {}\n",
                escape(&record.name),
                record.record_type,
                escape(&record.data)
            ));
        }
        let object = format!("Service/{}/{}", service.namespace, service.name);
        let about_service = diagnostics_by_object.get(object.as_str());
        for diagnostic in about_service.into_iter().flatten() {
            out.push_str(&format!(
                "  {}: [{}] {}\n",
                diagnostic.severity.as_str(),
                diagnostic.code,
                escape(&diagnostic.message)
            ));
        }
    }
    if !topology.ingresses.is_empty() {
        out.push_str("\nINGRESS ROUTES\n");
        let mut rows = vec![["INGRESS", "HOST", "PATH", "BACKEND", "VIA"]
            .map(String::from)
            .to_vec()];
        for ingress in &topology.ingresses {
            for route in &ingress.routes {
                rows.push(vec![
                    format!("{}/{}", ingress.namespace, ingress.name),
                    route.host.clone().unwrap_or_else(|| "*".into()),
                    format!("{} ({})", route.path, route.path_type),
                    format!(
                        "{}:{}",
                        route.service,
                        route
                            .resolved_port
                            .map(|p| p.to_string())
                            .unwrap_or_else(|| format!("{} (unresolved)", route.service_port))
                    ),
                    or_dash(ingress.controller_service.as_ref()),
                ]);
            }
        }
        out.push_str(&table(&rows));
    }
    if !topology.dependencies.is_empty() {
        out.push_str("\nDEPENDENCIES\n");
        for dependency in &topology.dependencies {
            let port = dependency.port.map(|p| format!(":{p}")).unwrap_or_default();
            out.push_str(&format!(
                "  {} -> {}{port}   ({})\n",
                escape(&dependency.from.to_string()),
                escape(&dependency.to.to_string()),
                escape(&dependency.evidence)
            ));
        }
    }
    if !topology.diagnostics.is_empty() {
        out.push_str("\nDIAGNOSTICS\n");
        for d in &topology.diagnostics {
            out.push_str(&format!(
                "  {}:{}:{} (document {}) {}: [{}] {}{}\n",
                escape(&d.source.file),
                d.source.line,
                d.source.column,
                d.source.document,
                d.severity.as_str(),
                d.code,
                if d.object.is_empty() {
                    String::new()
                } else {
                    format!("{} ", escape(&d.object))
                },
                escape(&d.message)
            ));
        }
    }
    out
}

fn join<T: ToString>(items: &[T]) -> String {
    items
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

/// Lays out rows in columns, kubectl-style. Every cell is escaped first, so a name
/// holding a newline or a tab cannot break the columns.
fn table(rows: &[Vec<String>]) -> String {
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|row| row.iter().map(|cell| escape(cell).into_owned()).collect())
        .collect();
    let n_columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..n_columns)
        .map(|c| {
            rows.iter()
                .map(|r| r.get(c).map_or(0, |s| s.chars().count()))
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for row in &rows {
        let cells: Vec<String> = row
            .iter()
            .enumerate()
            .map(|(c, cell)| format!("{cell:<width$}", width = widths[c]))
            .collect();
        out.push_str(cells.join("   ").trim_end());
        out.push('\n');
    }
    out
}

/// The value's text, or `-` when there is none, as kubectl prints missing values.
fn or_dash(value: Option<&impl std::fmt::Display>) -> String {
    value.map_or_else(
        || "-".to_string(),
        |value| escape(&value.to_string()).into_owned(),
    )
}
