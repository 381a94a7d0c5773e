//! The native `kubetopo` command: a thin shell over the engine.
//!
//! Exit status: 0 on success (warnings included), 1 when `--strict` is given and an
//! error diagnostic exists, 2 on usage errors.

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::engine::cidr::Cidr;
use crate::engine::config::Config;
use crate::engine::diag::Severity;
use crate::engine::ingest::SourceFile;
use crate::engine::{analyze, output, Topology};

pub const USAGE: &str = "\
kubetopo: Kubernetes Service topology from manifests

USAGE:
    kubetopo analyze [FILE|DIR|-]... [OPTIONS]
    kubetopo trace [FILE|DIR|-]... --from SOURCE --to DEST [OPTIONS]
    kubetopo render [FILE|DIR|-]... [--view cluster|logical] [OPTIONS]   (SVG on stdout)

OPTIONS:
    --format json|text        output format (default: text)
    --nodes N                 simulated nodes when the input has no Node objects (default 3)
    --zones a,b,c             zones of the simulated nodes (default zone-a,zone-b,zone-c)
    --service-cidr CIDR       Service CIDR (default 10.96.0.0/12)
    --pod-cidr CIDR           cluster pod CIDR, split per node (default 10.244.0.0/16)
    --lb-pool CIDR            simulated LoadBalancer address pool (default 203.0.113.0/24)
    --cluster-domain D        cluster DNS domain (default cluster.local)
    --seed N                  seed for generated names and traffic (default 0)
    --max-pods N              most pods to simulate in the whole cluster (default 250000)
    --strict                  exit 1 when any error diagnostic exists
    -h, --help                this help

trace options:
    --from external|node/NAME|pod/NS/NAME
    --client-ip IP            source IP of an external client (default 198.51.100.7)
    --to DNS-NAME[:PORT] | IP:PORT | http://host/path
    --protocol TCP|UDP|SCTP   (default TCP)

A file of '-' reads standard input. Directories are read recursively (*.yaml, *.yml, *.json).
";

/// What the command line asked for, after parsing.
#[derive(Debug, Default)]
pub struct Args {
    pub command: String,
    pub inputs: Vec<String>,
    pub format: Format,
    pub strict: bool,
    pub config: Config,
    pub options: std::collections::BTreeMap<String, String>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Format {
    #[default]
    Text,
    Json,
}

/// A usage error: message for stderr, exit status 2.
#[derive(Debug)]
pub struct UsageError(pub String);

pub fn parse_args(raw: &[String]) -> Result<Args, UsageError> {
    let mut args = Args::default();
    let mut iter = raw.iter();
    let Some(command) = iter.next() else {
        return Err(UsageError("missing command".into()));
    };
    if command == "-h" || command == "--help" || command == "help" {
        args.command = "help".into();
        return Ok(args);
    }
    if !["analyze", "trace", "render"].contains(&command.as_str()) {
        return Err(UsageError(format!("unknown command '{command}'")));
    }
    args.command = command.clone();
    while let Some(arg) = iter.next() {
        let mut value = |name: &str| {
            iter.next()
                .cloned()
                .ok_or_else(|| UsageError(format!("{name} needs a value")))
        };
        match arg.as_str() {
            "-h" | "--help" => args.command = "help".into(),
            "--strict" => args.strict = true,
            "--format" => {
                args.format = match value("--format")?.as_str() {
                    "json" => Format::Json,
                    "text" => Format::Text,
                    other => {
                        return Err(UsageError(format!(
                            "--format must be json or text, not '{other}'"
                        )))
                    }
                }
            }
            "--nodes" => {
                let text = value("--nodes")?;
                args.config.n_nodes = text
                    .parse()
                    .ok()
                    .filter(|&n| (1..=5000).contains(&n))
                    .ok_or_else(|| {
                        UsageError(format!(
                            "--nodes must be a number from 1 to 5000, not '{text}'"
                        ))
                    })?;
            }
            "--zones" => {
                args.config.zones = value("--zones")?
                    .split(',')
                    .map(str::trim)
                    .filter(|z| !z.is_empty())
                    .map(String::from)
                    .collect()
            }
            "--service-cidr" => {
                args.config.service_cidr = cidr(&value("--service-cidr")?, "--service-cidr")?
            }
            "--pod-cidr" => args.config.pod_cidr = cidr(&value("--pod-cidr")?, "--pod-cidr")?,
            "--lb-pool" => {
                args.config.load_balancer_pool = cidr(&value("--lb-pool")?, "--lb-pool")?
            }
            "--cluster-domain" => {
                args.config.cluster_domain =
                    value("--cluster-domain")?.trim_matches('.').to_string()
            }
            "--seed" => {
                let text = value("--seed")?;
                args.config.seed = text
                    .parse()
                    .map_err(|_| UsageError(format!("--seed must be a number, not '{text}'")))?;
            }
            "--max-pods" => {
                let text = value("--max-pods")?;
                args.config.max_pods = text.parse().map_err(|_| {
                    UsageError(format!("--max-pods must be a number, not '{text}'"))
                })?;
            }
            "--from" | "--to" | "--client-ip" | "--protocol" | "--view" => {
                let name = arg.trim_start_matches("--").to_string();
                let text = value(arg)?;
                args.options.insert(name, text);
            }
            flag if flag.starts_with("--") => {
                return Err(UsageError(format!("unknown option '{flag}'")))
            }
            input => args.inputs.push(input.to_string()),
        }
    }
    if args.config.service_cidr.size() < 8 {
        return Err(UsageError(
            "--service-cidr must hold at least 8 addresses".into(),
        ));
    }
    Ok(args)
}

fn cidr(text: &str, flag: &str) -> Result<Cidr, UsageError> {
    Cidr::parse(text.trim()).map_err(|e| UsageError(format!("{flag}: {e}")))
}

/// Reads every input. Directories are walked in sorted order for stable output.
pub fn read_inputs(inputs: &[String]) -> Result<Vec<SourceFile>, UsageError> {
    if inputs.is_empty() {
        return Err(UsageError(
            "no input: give files, directories or '-' for stdin".into(),
        ));
    }
    let mut files = Vec::new();
    for input in inputs {
        if input == "-" {
            let mut text = String::new();
            std::io::stdin()
                .read_to_string(&mut text)
                .map_err(|e| UsageError(format!("cannot read stdin: {e}")))?;
            files.push(SourceFile::new("<stdin>", text));
            continue;
        }
        let path = Path::new(input);
        if path.is_dir() {
            let mut found = Vec::new();
            collect_manifests(path, &mut found)
                .map_err(|e| UsageError(format!("cannot read directory {input}: {e}")))?;
            found.sort();
            for file in found {
                files.push(read_file(&file)?);
            }
        } else {
            files.push(read_file(path)?);
        }
    }
    Ok(files)
}

fn collect_manifests(dir: &Path, found: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect_manifests(&path, found)?;
        } else if path
            .extension()
            .is_some_and(|e| e == "yaml" || e == "yml" || e == "json")
        {
            found.push(path);
        }
    }
    Ok(())
}

fn read_file(path: &Path) -> Result<SourceFile, UsageError> {
    let bytes = std::fs::read(path)
        .map_err(|e| UsageError(format!("cannot read {}: {e}", path.display())))?;
    // Invalid UTF-8 is replaced rather than refused; the YAML parser reports what it can.
    Ok(SourceFile::new(
        path.display().to_string(),
        String::from_utf8_lossy(&bytes).into_owned(),
    ))
}

/// Runs the CLI and returns the process exit status.
pub fn run(
    raw: &[String],
    stdout: &mut dyn std::io::Write,
    stderr: &mut dyn std::io::Write,
) -> i32 {
    let args = match parse_args(raw) {
        Ok(args) => args,
        Err(UsageError(message)) => {
            let _ = writeln!(stderr, "kubetopo: {message}\n\n{USAGE}");
            return 2;
        }
    };
    if args.command == "help" {
        let _ = write!(stdout, "{USAGE}");
        return 0;
    }
    let files = match read_inputs(&args.inputs) {
        Ok(files) => files,
        Err(UsageError(message)) => {
            let _ = writeln!(stderr, "kubetopo: {message}");
            return 2;
        }
    };
    let topology = analyze(&files, &args.config);
    let status = match args.command.as_str() {
        "trace" => crate::engine_cli_trace(&topology, &args, stdout, stderr),
        "render" => crate::engine_cli_render(&topology, &args, stdout, stderr),
        _ => {
            let text = match args.format {
                Format::Json => output::to_json(&topology),
                Format::Text => render_text(&topology),
            };
            let _ = writeln!(stdout, "{text}");
            0
        }
    };
    if status != 0 {
        return status;
    }
    if args.strict
        && topology
            .diagnostics
            .iter()
            .any(|d| d.severity == Severity::Error)
    {
        return 1;
    }
    0
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
    out.push_str(&format!(
        "{} nodes{}, {} pods, {} services, {} ingresses, {} dependencies\n\n",
        topology.cluster.nodes.len(),
        if n_simulated > 0 { " (simulated)" } else { "" },
        topology.cluster.pods.len(),
        topology.services.len(),
        topology.ingresses.len(),
        topology.dependencies.len()
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
        let ports: Vec<String> = service
            .ports
            .iter()
            .map(|p| match p.node_port {
                Some(node_port) => format!("{}:{}/{}", p.port, node_port, p.protocol),
                None => format!("{}/{}", p.port, p.protocol),
            })
            .collect();
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
    for service in &topology.services {
        out.push_str(&format!(
            "\n{}/{} ({}{})\n",
            service.namespace,
            service.name,
            service.service_type.as_str(),
            if service.headless { ", headless" } else { "" }
        ));
        if let Some(selector) = &service.selector {
            let text: Vec<String> = selector.iter().map(|(k, v)| format!("{k}={v}")).collect();
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
                let ports: Vec<String> = endpoint
                    .ports
                    .iter()
                    .map(|p| {
                        format!(
                            "{}{}/{}",
                            p.name
                                .as_deref()
                                .map(|n| format!("{n}:"))
                                .unwrap_or_default(),
                            p.port,
                            p.protocol
                        )
                    })
                    .collect();
                let state = if endpoint.terminating {
                    "terminating"
                } else if endpoint.ready {
                    "ready"
                } else {
                    "not-ready"
                };
                rows.push(vec![
                    format!("  {}", endpoint.pod.as_deref().unwrap_or("-")),
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
                record.name, record.record_type, record.data
            ));
        }
        let object = format!("Service/{}/{}", service.namespace, service.name);
        for diagnostic in topology.diagnostics.iter().filter(|d| d.object == object) {
            out.push_str(&format!(
                "  {}: [{}] {}\n",
                diagnostic.severity.as_str(),
                diagnostic.code,
                diagnostic.message
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
                    ingress
                        .controller_service
                        .clone()
                        .unwrap_or_else(|| "-".into()),
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
                dependency.from, dependency.to, dependency.evidence
            ));
        }
    }
    if !topology.diagnostics.is_empty() {
        out.push_str("\nDIAGNOSTICS\n");
        for d in &topology.diagnostics {
            out.push_str(&format!(
                "  {}:{}:{} (document {}) {}: [{}] {}{}\n",
                d.source.file,
                d.source.line,
                d.source.column,
                d.source.document,
                d.severity.as_str(),
                d.code,
                if d.object.is_empty() {
                    String::new()
                } else {
                    format!("{} ", d.object)
                },
                d.message
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

fn table(rows: &[Vec<String>]) -> String {
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
    for row in rows {
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
