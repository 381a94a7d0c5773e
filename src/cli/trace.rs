//! `kubetopo trace`: one connection through the analyzed cluster, as text or JSON.
//!
//! The engine parses sources, destinations and protocols and explains what is wrong
//! in its own terms; this module adds which flag the problem came from.

use std::io::{self, Write};
use std::net::IpAddr;

use super::terminal;
use super::{Format, UsageError};
use crate::engine::model::Protocol;
use crate::engine::trace::{self, Destination, HttpOptions, SeededChooser, Trace, Tracer};
use crate::engine::Topology;

/// The typed trace flags. `from` stays text until the topology exists, because
/// whether `--client-ip` may be given depends on the kind of source.
#[derive(Clone, Debug)]
pub struct TraceRequest {
    pub from: String,
    pub client_ip: Option<IpAddr>,
    pub to: Destination,
    pub protocol: Protocol,
    /// `--method`, `--header`, `--host` and `--sni`, for URL destinations.
    pub http: HttpOptions,
}

/// Traces the request over `topology` and writes it. A source the engine refuses
/// (an unknown pod, a `--client-ip` that belongs to a node) is a usage error.
pub fn write(
    topology: &Topology,
    request: &TraceRequest,
    format: Format,
    seed: u64,
    stdout: &mut dyn Write,
) -> Result<io::Result<()>, UsageError> {
    let client_ip = request.client_ip.map(|ip| ip.to_string());
    let source = trace::parse_source(&request.from, client_ip.as_deref())
        .map_err(|error| usage_error(&error))?;
    let tracer = Tracer::new(topology);
    tracer
        .validate_source(&source)
        .map_err(|error| usage_error(&error))?;
    let mut result = tracer.trace_http(
        &source,
        &request.to,
        request.protocol,
        &request.http,
        &mut SeededChooser::new(seed),
    );
    let text = match format {
        Format::Json => trace::to_json(&result),
        Format::Yaml => trace::to_yaml(&result),
        Format::Text => {
            escape_for_terminal(&mut result);
            trace::render_text(&result)
        }
    };
    Ok(writeln!(stdout, "{}", text.trim_end()))
}

/// clap's parser for `--to`: the engine's `parse_destination`, which also refuses
/// ports outside 1–65535 for addresses and URLs as for names.
pub fn parse_destination_flag(text: &str) -> Result<Destination, String> {
    trace::parse_destination(text).map_err(|error| error.to_string())
}

/// clap's parser for `--method`: the methods an HTTPRoute can match, in upper case.
pub fn parse_method_flag(text: &str) -> Result<String, String> {
    trace::parse_method(text)
}

/// clap's parser for `--header`: `Name: value`.
pub fn parse_header_flag(text: &str) -> Result<(String, String), String> {
    trace::parse_header(text)
}

/// clap's parser for `--protocol`.
pub fn parse_protocol_flag(text: &str) -> Result<Protocol, String> {
    trace::parse_protocol(text).map_err(|error| error.to_string())
}

/// Names in a trace come from the manifests. Escaping each field before the
/// engine lays out the text keeps a name from adding lines or terminal commands.
fn escape_for_terminal(result: &mut Trace) {
    result.reason = terminal::escape(&result.reason).into_owned();
    for hop in &mut result.hops {
        for field in [&mut hop.src, &mut hop.dst, &mut hop.detail] {
            *field = terminal::escape(field).into_owned();
        }
        if let Some(node) = hop.node.as_mut() {
            *node = terminal::escape(node).into_owned();
        }
    }
    if let Some(pod) = result.endpoint.as_mut().and_then(|e| e.pod.as_mut()) {
        pod.namespace = terminal::escape(&pod.namespace).into_owned();
        pod.name = terminal::escape(&pod.name).into_owned();
    }
}

/// The engine says what is wrong in its own terms; the CLI names the flag the
/// faulty part came from. The message may quote names from the manifests, so it is
/// escaped for the terminal.
fn usage_error(error: &trace::TraceError) -> UsageError {
    let flag = match error.part() {
        trace::RequestPart::Source => "--from",
        trace::RequestPart::ClientIp => "--client-ip",
        trace::RequestPart::Destination => "--to",
        trace::RequestPart::Protocol => "--protocol",
    };
    UsageError(format!("{flag}: {}", terminal::escape(&error.to_string())))
}
