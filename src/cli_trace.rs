//! `kubetopo trace`: parses `--from`, `--to`, `--client-ip` and `--protocol`, traces
//! one connection with the engine and prints it as text or JSON.

use crate::cli::{Args, Format};
use crate::engine::model::Protocol;
use crate::engine::trace::{self, SeededChooser, Tracer};
use crate::engine::Topology;

/// Runs `trace` and returns the exit status: 0 whatever the verdict, 2 on a bad
/// `--from`, `--to`, `--client-ip` or `--protocol`.
pub fn run(
    topology: &Topology,
    args: &Args,
    stdout: &mut dyn std::io::Write,
    stderr: &mut dyn std::io::Write,
) -> i32 {
    let mut usage_error = |message: String| {
        let _ = writeln!(stderr, "kubetopo trace: {message}");
        2
    };
    let Some(from) = args.options.get("from") else {
        return usage_error(
            "--from is required: external, node/NAME or pod/NAMESPACE/NAME".to_string(),
        );
    };
    let Some(to) = args.options.get("to") else {
        return usage_error(
            "--to is required: NAME[:PORT], IP:PORT or http://host/path".to_string(),
        );
    };
    let source = match trace::parse_source(from, args.options.get("client-ip").map(String::as_str))
    {
        Ok(source) => source,
        Err(error) => return usage_error(error.to_string()),
    };
    let destination = match trace::parse_destination(to) {
        Ok(destination) => destination,
        Err(error) => return usage_error(error.to_string()),
    };
    let protocol = match args.options.get("protocol") {
        Some(text) => match trace::parse_protocol(text) {
            Ok(protocol) => protocol,
            Err(error) => return usage_error(error.to_string()),
        },
        None => Protocol::Tcp,
    };
    let tracer = Tracer::new(topology);
    if let Err(error) = tracer.validate_source(&source) {
        return usage_error(error.to_string());
    }
    let result = tracer.trace(
        &source,
        &destination,
        protocol,
        &mut SeededChooser::new(args.config.seed),
    );
    let text = match args.format {
        Format::Json => trace::to_json(&result),
        Format::Text => trace::render_text(&result),
    };
    let _ = writeln!(stdout, "{}", text.trim_end());
    0
}
