//! The native `kubetopo` command: a thin shell over the engine.
//!
//! The command line is read in two steps, as ripgrep does: clap parses the words
//! into the raw flag structs below (`CommandLine`), then `parse_args` turns them into
//! [`Args`], with the engine's [`Config`] built and checked by `Config::validate`.
//! Each command lives in its own module (`analyze`, `trace`, `render`); reading
//! inputs is `input`, and everything written for a terminal goes through
//! `terminal::escape` first.
//!
//! Exit status (`docs/cli.md`):
//!
//! - 0: success, warnings included;
//! - 1: `--strict` was given and an error diagnostic exists;
//! - 2: a usage error (bad flags, unreadable input);
//! - 3: the output could not be written (a full disk, a closed terminal).
//!
//! A closed pipe (`kubetopo analyze … | head -c1`) is not an error: the reader has
//! what it wanted, so writing stops quietly and the status is what it would have been.

pub mod analyze;
pub mod input;
pub mod migrate;
pub mod render;
pub mod terminal;
pub mod trace;

use std::io::{self, Write};
use std::net::IpAddr;

use clap::{CommandFactory, Parser, Subcommand, ValueEnum};

use crate::engine::cidr::Cidr;
use crate::engine::config::{Config, Setting};
use crate::engine::diag::Severity;
use crate::engine::model::Protocol;
use crate::engine::scene::View;
use crate::engine::trace::Destination;
use crate::engine::{analyze as analyze_topology, Topology};

/// Success, warnings included.
pub const EXIT_OK: i32 = 0;
/// `--strict` was given and the analysis found an error diagnostic.
pub const EXIT_STRICT_ERRORS: i32 = 1;
/// The command line or an input could not be used.
pub const EXIT_USAGE: i32 = 2;
/// Standard output could not be written.
pub const EXIT_WRITE_FAILED: i32 = 3;

/// What the command line asked for, after parsing and checking.
#[derive(Debug)]
pub struct Args {
    pub command: Command,
    /// Files, directories or `-`, in the order given. Empty for `completions`.
    pub inputs: Vec<String>,
    pub strict: bool,
    /// The simulated cluster, from the cluster options.
    pub config: Config,
}

/// One command with its own options.
#[derive(Debug)]
// Built once per run, so the size of the `Trace` variant (its HTTP options) costs
// nothing worth boxing for.
#[allow(clippy::large_enum_variant)]
pub enum Command {
    Analyze {
        format: Format,
    },
    Trace {
        format: Format,
        request: trace::TraceRequest,
    },
    Render {
        view: View,
        format: render::RenderFormat,
        /// `-o`: the file to write instead of standard output.
        output: Option<String>,
    },
    Migrate {
        /// `--out`: a directory to write one file per object into.
        out: Option<String>,
    },
    Completions {
        shell: clap_complete::Shell,
    },
}

/// Text for people, JSON for programs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum Format {
    #[default]
    Text,
    Json,
    /// The JSON document's content as YAML, the way `kubectl -o yaml` complements
    /// `-o json`.
    Yaml,
}

/// A usage error: the message for stderr, exit status 2.
#[derive(Debug)]
pub struct UsageError(pub String);

/// Parses the words after the program name. Help and version requests come back as
/// an error holding clap's text; `run` prints them to stdout with status 0.
pub fn parse_args(raw: &[String]) -> Result<Args, UsageError> {
    match parse_command_line(raw) {
        Ok(args) => Ok(args),
        Err(ParseFailure::Usage(message)) => Err(UsageError(message)),
        Err(ParseFailure::Clap(error)) => Err(UsageError(error.render().to_string())),
    }
}

/// Runs the CLI and returns the process exit status. `stdout` should be buffered by
/// the caller; `run` flushes it, so a write error surfaces here and not at exit.
pub fn run(raw: &[String], stdout: &mut dyn Write, stderr: &mut dyn Write) -> i32 {
    let args = match parse_command_line(raw) {
        Ok(args) => args,
        Err(ParseFailure::Clap(error)) => {
            let text = error.render().to_string();
            if error.use_stderr() {
                let _ = write!(stderr, "{text}");
            } else {
                let status = finish(write!(stdout, "{text}"), stdout, stderr);
                if status != EXIT_OK {
                    return status;
                }
            }
            return error.exit_code();
        }
        Err(ParseFailure::Usage(message)) => {
            let _ = writeln!(
                stderr,
                "kubetopo: {message}\n\nFor more information, try 'kubetopo --help'."
            );
            return EXIT_USAGE;
        }
    };
    if let Command::Completions { shell } = args.command {
        let mut command = CommandLine::command();
        let mut buffer = Vec::new();
        clap_complete::generate(shell, &mut command, "kubetopo", &mut buffer);
        return finish(stdout.write_all(&buffer), stdout, stderr);
    }
    let inputs = match input::read_inputs(&args.inputs, stderr) {
        Ok(inputs) => inputs,
        Err(UsageError(message)) => {
            let _ = writeln!(stderr, "kubetopo: {message}");
            return EXIT_USAGE;
        }
    };
    let mut topology = analyze_topology(&inputs.files, &args.config);
    inputs.add_diagnostics_to(&mut topology);
    let written = match &args.command {
        Command::Analyze { format } => analyze::write(&topology, *format, stdout),
        Command::Trace { format, request } => {
            match trace::write(&topology, request, *format, args.config.seed, stdout) {
                Ok(written) => written,
                Err(UsageError(message)) => {
                    let _ = writeln!(stderr, "kubetopo trace: {message}");
                    return EXIT_USAGE;
                }
            }
        }
        Command::Render {
            view,
            format,
            output: Some(path),
        } => {
            return match render::write_file(&topology, *view, *format, path) {
                Ok(()) => strict_status(&args, &topology),
                Err(error) => {
                    let _ = writeln!(stderr, "kubetopo: cannot write {path}: {error}");
                    EXIT_WRITE_FAILED
                }
            };
        }
        Command::Render {
            view,
            format,
            output: None,
        } => render::write(&topology, *view, *format, stdout),
        Command::Migrate { out } => {
            let migration = migrate::migration(&topology);
            let _ = migrate::write_diagnostics(&migration, stderr);
            match out {
                None => migrate::write(&migration, stdout),
                Some(directory) => match migrate::write_dir(&migration, directory) {
                    Ok(paths) => {
                        for path in paths {
                            let _ = writeln!(stderr, "wrote {}", terminal::escape(&path));
                        }
                        Ok(())
                    }
                    Err(error) => {
                        let _ = writeln!(
                            stderr,
                            "kubetopo: cannot write into {}: {error}",
                            terminal::escape(directory)
                        );
                        return EXIT_WRITE_FAILED;
                    }
                },
            }
        }
        Command::Completions { .. } => Ok(()),
    };
    let status = finish(written, stdout, stderr);
    if status != EXIT_OK {
        return status;
    }
    strict_status(&args, &topology)
}

/// Flushes and turns the outcome of writing into an exit status. A closed pipe
/// counts as success: the reader stopped reading, which is its right.
fn finish(written: io::Result<()>, stdout: &mut dyn Write, stderr: &mut dyn Write) -> i32 {
    match written.and_then(|()| stdout.flush()) {
        Ok(()) => EXIT_OK,
        Err(error) if error.kind() == io::ErrorKind::BrokenPipe => EXIT_OK,
        Err(error) => {
            let _ = writeln!(stderr, "kubetopo: cannot write the output: {error}");
            EXIT_WRITE_FAILED
        }
    }
}

fn strict_status(args: &Args, topology: &Topology) -> i32 {
    let has_errors = topology
        .diagnostics
        .iter()
        .any(|diagnostic| diagnostic.severity == Severity::Error);
    if args.strict && has_errors {
        EXIT_STRICT_ERRORS
    } else {
        EXIT_OK
    }
}

enum ParseFailure {
    /// clap's own error or help text, with its exit code.
    Clap(clap::Error),
    /// A value clap accepted but kubetopo cannot use (an overlapping CIDR, …).
    Usage(String),
}

fn parse_command_line(raw: &[String]) -> Result<Args, ParseFailure> {
    let words = std::iter::once("kubetopo".to_string()).chain(raw.iter().cloned());
    let command_line = CommandLine::try_parse_from(words).map_err(ParseFailure::Clap)?;
    let (command, common) = match command_line.command {
        CommandLineCommand::Analyze(flags) => (
            Command::Analyze {
                format: flags.format,
            },
            Some(flags.common),
        ),
        CommandLineCommand::Trace(flags) => {
            // Required, but checked here rather than by clap, so that the message
            // can say which forms the value takes.
            let from = flags.from.ok_or_else(|| {
                ParseFailure::Usage(
                    "--from is required: external, node/NAME, pod/NAME or pod/NAMESPACE/NAME"
                        .to_string(),
                )
            })?;
            let to = flags.to.ok_or_else(|| {
                ParseFailure::Usage(
                    "--to is required: NAME[:PORT], IP:PORT, http://host/path or grpc://host/Service/Method".to_string(),
                )
            })?;
            let request = trace::TraceRequest {
                from,
                client_ip: flags.client_ip,
                to,
                protocol: flags.protocol,
                http: crate::engine::trace::HttpOptions {
                    method: flags.method,
                    headers: flags.header,
                    host: flags.host,
                    sni: flags.sni,
                },
            };
            (
                Command::Trace {
                    format: flags.format,
                    request,
                },
                Some(flags.common),
            )
        }
        CommandLineCommand::Render(flags) => (
            Command::Render {
                view: match flags.view {
                    ViewFlag::Cluster => View::Cluster,
                    ViewFlag::Logical => View::Logical,
                },
                // Without --format, `-o topology.png` says what it wants by its name.
                format: flags
                    .format
                    .or_else(|| {
                        flags
                            .output
                            .as_deref()
                            .and_then(render::RenderFormat::from_file_name)
                    })
                    .unwrap_or_default(),
                output: flags.output,
            },
            Some(flags.common),
        ),
        CommandLineCommand::Migrate(flags) => {
            (Command::Migrate { out: flags.out }, Some(flags.common))
        }
        CommandLineCommand::Completions(flags) => {
            (Command::Completions { shell: flags.shell }, None)
        }
    };
    let Some(common) = common else {
        return Ok(Args {
            command,
            inputs: Vec::new(),
            strict: false,
            config: Config::default(),
        });
    };
    let config = common.cluster.to_config();
    let problems = config.validate();
    if !problems.is_empty() {
        let lines: Vec<String> = problems
            .iter()
            .map(|problem| format!("{}: {}", flag_of(problem.setting()), problem.message()))
            .collect();
        return Err(ParseFailure::Usage(lines.join("\nkubetopo: ")));
    }
    Ok(Args {
        command,
        inputs: common.inputs,
        strict: common.strict,
        config,
    })
}

/// The flag that sets each `Config` setting, to name it in messages.
fn flag_of(setting: Setting) -> &'static str {
    match setting {
        Setting::Nodes => "--nodes",
        Setting::ServiceCidr => "--service-cidr",
        Setting::PodCidr => "--pod-cidr",
        // No flag sets the node range; it only has its default.
        Setting::NodeCidr => "the node address range",
        Setting::LoadBalancerPool => "--lb-pool",
        Setting::ClusterDomain => "--cluster-domain",
    }
}

// ---------------------------------------------------------------------------
// The raw command line, as clap reads it
// ---------------------------------------------------------------------------

/// Kubernetes Service topology from manifests: simulate the cluster they describe,
/// resolve every Service as Kubernetes would, trace connections, draw it.
#[derive(Parser, Debug)]
#[command(
    name = "kubetopo",
    version,
    arg_required_else_help = true,
    after_help = "A file of '-' reads standard input. Directories are read recursively (*.yaml, *.yml, *.json).\nExit status: 0 ok, 1 --strict with error diagnostics, 2 usage error, 3 output not written."
)]
struct CommandLine {
    #[command(subcommand)]
    command: CommandLineCommand,
}

#[derive(Subcommand, Debug)]
#[allow(clippy::large_enum_variant)]
enum CommandLineCommand {
    /// Print every Service with its addresses, ports, endpoints and DNS records.
    Analyze(AnalyzeFlags),
    /// Follow one connection: DNS, kube-proxy, NetworkPolicy, delivery.
    Trace(TraceFlags),
    /// Draw the topology as SVG or PNG, or write it as Mermaid, DOT or JSON.
    Render(RenderFlags),
    /// Write the Gateway API objects (Gateway, HTTPRoutes) that replace the Ingresses.
    Migrate(MigrateFlags),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions(CompletionsFlags),
}

#[derive(clap::Args, Debug)]
struct AnalyzeFlags {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    #[command(flatten)]
    common: CommonFlags,
}

#[derive(clap::Args, Debug)]
struct TraceFlags {
    /// Where the connection starts: external, node/NAME, pod/NAME or pod/NAMESPACE/NAME. Required.
    #[arg(long, value_name = "SOURCE", help_heading = "Trace")]
    from: Option<String>,
    /// Where it goes: NAME[:PORT], IP:PORT, [IPv6]:PORT, http(s)://host[:port]/path?query or grpc://host[:port]/package.Service/Method. Required.
    #[arg(long, value_name = "DEST", value_parser = trace::parse_destination_flag, help_heading = "Trace")]
    to: Option<Destination>,
    /// Source address of an external client [default: 198.51.100.7].
    #[arg(long, value_name = "IP", value_parser = parse_ip_flag, help_heading = "Trace")]
    client_ip: Option<IpAddr>,
    /// TCP, UDP or SCTP (any case).
    #[arg(long, value_name = "PROTOCOL", value_parser = trace::parse_protocol_flag, default_value = "TCP", help_heading = "Trace")]
    protocol: Protocol,
    /// The HTTP method of a URL request.
    #[arg(long, value_name = "METHOD", value_parser = trace::parse_method_flag, default_value = "GET", help_heading = "Trace")]
    method: String,
    /// A request header, 'Name: value' (repeatable; gRPC metadata for grpc://).
    #[arg(long, value_name = "'NAME: VALUE'", value_parser = trace::parse_header_flag, help_heading = "Trace")]
    header: Vec<(String, String)>,
    /// The Host header (or :authority), when the URL's host is an address.
    #[arg(long, value_name = "HOST", help_heading = "Trace")]
    host: Option<String>,
    /// The TLS SNI of an https:// request [default: the URL's host].
    #[arg(long, value_name = "NAME", help_heading = "Trace")]
    sni: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    #[command(flatten)]
    common: CommonFlags,
}

#[derive(clap::Args, Debug)]
struct RenderFlags {
    /// Nodes holding their pods, or workloads and Services without nodes.
    #[arg(long, value_enum, default_value_t = ViewFlag::Cluster)]
    view: ViewFlag,
    /// Output format [default: from the -o file's extension, else svg].
    #[arg(long, value_enum)]
    format: Option<render::RenderFormat>,
    /// Write to this file instead of standard output.
    #[arg(short = 'o', long, value_name = "FILE")]
    output: Option<String>,
    #[command(flatten)]
    common: CommonFlags,
}

#[derive(clap::Args, Debug)]
struct MigrateFlags {
    /// Write one file per object into this directory instead of standard output.
    #[arg(long, value_name = "DIR")]
    out: Option<String>,
    #[command(flatten)]
    common: CommonFlags,
}

#[derive(clap::Args, Debug)]
struct CompletionsFlags {
    /// The shell to complete for.
    #[arg(value_enum)]
    shell: clap_complete::Shell,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum ViewFlag {
    Cluster,
    Logical,
}

/// What every analyzing command takes: the inputs, `--strict`, and the cluster.
#[derive(clap::Args, Debug)]
struct CommonFlags {
    /// Manifest files, directories (read recursively) or '-' for standard input.
    #[arg(value_name = "FILE|DIR|-")]
    inputs: Vec<String>,
    /// Exit 1 when any error diagnostic exists.
    #[arg(long)]
    strict: bool,
    #[command(flatten)]
    cluster: ClusterFlags,
}

/// The simulated cluster. The defaults are `Config::default()`'s, a kubeadm cluster;
/// a test checks that they agree.
#[derive(clap::Args, Debug)]
#[command(next_help_heading = "Cluster")]
struct ClusterFlags {
    /// Simulated nodes when the input has no Node objects (1 to 5000).
    #[arg(long, value_name = "N", default_value_t = 3)]
    nodes: usize,
    /// Zones of the simulated nodes, round robin, comma-separated.
    #[arg(long, value_name = "a,b,c", default_value = "zone-a,zone-b,zone-c")]
    zones: String,
    /// Service CIDR ClusterIPs come from (kube-apiserver --service-cluster-ip-range).
    #[arg(long, value_name = "CIDR", value_parser = parse_cidr_flag, default_value = "10.96.0.0/12")]
    service_cidr: Cidr,
    /// Cluster pod CIDR, a /24 per node (kube-controller-manager --cluster-cidr).
    #[arg(long, value_name = "CIDR", value_parser = parse_cidr_flag, default_value = "10.244.0.0/16")]
    pod_cidr: Cidr,
    /// Simulated LoadBalancer address pool.
    #[arg(long, value_name = "CIDR", value_parser = parse_cidr_flag, default_value = "203.0.113.0/24")]
    lb_pool: Cidr,
    /// Cluster DNS domain (kubelet --cluster-domain); a trailing '.' is dropped.
    #[arg(long, value_name = "DOMAIN", default_value = "cluster.local")]
    cluster_domain: String,
    /// Seed for generated names and traffic.
    #[arg(long, value_name = "N", default_value_t = 0)]
    seed: u64,
    /// Most pods to simulate in the whole cluster.
    #[arg(long, value_name = "N", default_value_t = 250_000)]
    max_pods: usize,
}

impl ClusterFlags {
    fn to_config(&self) -> Config {
        Config {
            n_nodes: self.nodes,
            zones: self
                .zones
                .split(',')
                .map(str::trim)
                .filter(|zone| !zone.is_empty())
                .map(String::from)
                .collect(),
            service_cidr: self.service_cidr,
            pod_cidr: self.pod_cidr,
            load_balancer_pool: self.lb_pool,
            // `cluster.local.` is the same domain written absolutely.
            cluster_domain: self
                .cluster_domain
                .strip_suffix('.')
                .unwrap_or(&self.cluster_domain)
                .to_string(),
            seed: self.seed,
            max_pods: self.max_pods,
            ..Config::default()
        }
    }
}

fn parse_ip_flag(text: &str) -> Result<IpAddr, String> {
    text.trim()
        .parse()
        .map_err(|_| format!("\"{text}\" is not an IP address"))
}

fn parse_cidr_flag(text: &str) -> Result<Cidr, String> {
    Cidr::parse(text.trim()).map_err(|error| error.to_string())
}
