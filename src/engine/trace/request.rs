//! What a trace is asked to do: the source, the destination and the protocol, and
//! the parsers that read them from text (the CLI's arguments, the app's trace form).

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use serde::Serialize;

use super::socket;
use crate::engine::model::Protocol;

/// The source address of an external client when none is given (TEST-NET-2).
pub const DEFAULT_CLIENT_IP: IpAddr = IpAddr::V4(Ipv4Addr::new(198, 51, 100, 7));

/// Where a connection starts.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum TraceSource {
    /// A client outside the cluster.
    External { client_ip: IpAddr },
    /// A node's own network namespace (host network), using its InternalIP.
    Node { name: String },
    /// One pod.
    Pod { namespace: String, name: String },
    /// Any running pod of a workload, chosen per connection. `name` is the workload
    /// name, or `Kind/name` to disambiguate.
    Workload { namespace: String, name: String },
}

/// Where a connection goes.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Destination {
    /// A DNS name, resolved through the client's search path. Without a port the
    /// Service's first port is used.
    Name { host: String, port: Option<i64> },
    /// An address: a cluster IP, external IP, LB IP, node IP (with a nodePort) or pod IP.
    Address { ip: IpAddr, port: i64 },
    /// `http://host/path` (or https) through an Ingress.
    Url {
        https: bool,
        host: String,
        port: Option<i64>,
        path: String,
    },
    /// A nodePort on a node the client picks per connection: how the simulator sends
    /// external traffic to NodePort Services.
    AnyNodePort { node_port: i64 },
}

/// One trace to run: a source, a destination, a protocol and the seed of random choices.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TraceRequest {
    pub source: TraceSource,
    pub destination: Destination,
    pub protocol: Protocol,
    pub seed: u64,
}

impl fmt::Display for Destination {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Destination::Name { host, port } => match port {
                Some(port) => write!(f, "{host}:{port}"),
                None => f.write_str(host),
            },
            Destination::Address { ip, port } => f.write_str(&socket(*ip, *port)),
            Destination::Url {
                https,
                host,
                port,
                path,
            } => write!(
                f,
                "{}://{host}{}{path}",
                if *https { "https" } else { "http" },
                port.map(|p| format!(":{p}")).unwrap_or_default()
            ),
            Destination::AnyNodePort { node_port } => write!(f, "any node:{node_port}"),
        }
    }
}

impl fmt::Display for TraceSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TraceSource::External { client_ip } => write!(f, "external {client_ip}"),
            TraceSource::Node { name } => write!(f, "node/{name}"),
            TraceSource::Pod { namespace, name } => write!(f, "pod/{namespace}/{name}"),
            TraceSource::Workload { namespace, name } => write!(f, "{namespace}/{name}"),
        }
    }
}

/// Why a `--from` or `--to` could not be used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TraceError {
    kind: TraceErrorKind,
    message: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum TraceErrorKind {
    Source,
    Destination,
    Protocol,
}

impl TraceError {
    pub(super) fn source(message: impl Into<String>) -> TraceError {
        TraceError {
            kind: TraceErrorKind::Source,
            message: message.into(),
        }
    }
    fn destination(message: impl Into<String>) -> TraceError {
        TraceError {
            kind: TraceErrorKind::Destination,
            message: message.into(),
        }
    }
    pub fn message(&self) -> &str {
        &self.message
    }
    /// True when the source (`--from`, `--client-ip`) is at fault.
    pub fn is_source_error(&self) -> bool {
        self.kind == TraceErrorKind::Source
    }
    /// True when the destination (`--to`) is at fault.
    pub fn is_destination_error(&self) -> bool {
        self.kind == TraceErrorKind::Destination
    }
}

impl fmt::Display for TraceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let flag = match self.kind {
            TraceErrorKind::Source => "--from",
            TraceErrorKind::Destination => "--to",
            TraceErrorKind::Protocol => "--protocol",
        };
        write!(f, "{flag}: {}", self.message)
    }
}

impl std::error::Error for TraceError {}

/// Parses `--from`: `external`, `node/NAME` or `pod/NS/NAME` (`pod/NAME` means
/// namespace `default`). `client_ip` is `--client-ip`, only valid with `external`.
pub fn parse_source(text: &str, client_ip: Option<&str>) -> Result<TraceSource, TraceError> {
    let text = text.trim();
    let parts: Vec<&str> = text.split('/').collect();
    let source = match parts.as_slice() {
        ["external"] => {
            let client_ip = match client_ip {
                Some(ip) => ip.trim().parse::<IpAddr>().map_err(|_| {
                    TraceError::source(format!("--client-ip \"{ip}\" is not an IP address"))
                })?,
                None => DEFAULT_CLIENT_IP,
            };
            return Ok(TraceSource::External { client_ip });
        }
        ["node", name] if !name.is_empty() => TraceSource::Node {
            name: name.to_string(),
        },
        ["pod", namespace, name] if !namespace.is_empty() && !name.is_empty() => TraceSource::Pod {
            namespace: namespace.to_string(),
            name: name.to_string(),
        },
        ["pod", name] if !name.is_empty() => TraceSource::Pod {
            namespace: "default".to_string(),
            name: name.to_string(),
        },
        _ => {
            return Err(TraceError::source(format!(
                "\"{text}\" is not a source; use external, node/NAME or pod/NAMESPACE/NAME"
            )))
        }
    };
    if client_ip.is_some() {
        return Err(TraceError::source(
            "--client-ip only applies to --from external; a node or pod uses its own address",
        ));
    }
    Ok(source)
}

/// Parses `--protocol`: `TCP`, `UDP` or `SCTP` (any case).
pub fn parse_protocol(text: &str) -> Result<Protocol, TraceError> {
    Protocol::parse(&text.trim().to_ascii_uppercase()).ok_or_else(|| TraceError {
        kind: TraceErrorKind::Protocol,
        message: format!("\"{text}\" is not TCP, UDP or SCTP"),
    })
}

/// Parses `--to`: `NAME[:PORT]`, `IP:PORT` (`[IPv6]:PORT`), or `http(s)://host[:port]/path`.
pub fn parse_destination(text: &str) -> Result<Destination, TraceError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(TraceError::destination(
            "the destination is empty; use NAME[:PORT], IP:PORT or http://host/path",
        ));
    }
    for (scheme, https) in [("http://", false), ("https://", true)] {
        if let Some(rest) = text.strip_prefix(scheme).or_else(|| {
            text.to_ascii_lowercase()
                .starts_with(scheme)
                .then(|| &text[scheme.len()..])
        }) {
            let (authority, path) = match rest.find(['/', '?', '#']) {
                Some(cut) => (&rest[..cut], &rest[cut..]),
                None => (rest, "/"),
            };
            let path = path.split(['?', '#']).next().unwrap_or("/");
            let path = if path.is_empty() { "/" } else { path };
            let (host, port) = split_host_port(authority)?;
            if host.is_empty() {
                return Err(TraceError::destination(format!("\"{text}\" has no host")));
            }
            return Ok(Destination::Url {
                https,
                host: host.to_ascii_lowercase(),
                port,
                path: path.to_string(),
            });
        }
    }
    if text.contains("://") {
        return Err(TraceError::destination(format!(
            "\"{text}\": only http:// and https:// URLs are traced"
        )));
    }
    if let Ok(address) = text.parse::<SocketAddr>() {
        return Ok(Destination::Address {
            ip: address.ip(),
            port: i64::from(address.port()),
        });
    }
    if text.parse::<IpAddr>().is_ok() || text.trim_matches(['[', ']']).parse::<IpAddr>().is_ok() {
        return Err(TraceError::destination(format!(
            "\"{text}\" needs a port: use IP:PORT"
        )));
    }
    let (host, port) = split_host_port(text)?;
    if host.parse::<IpAddr>().is_ok() {
        return Err(TraceError::destination(format!(
            "\"{text}\" is not a valid IP:PORT"
        )));
    }
    Ok(Destination::Name {
        host: host.to_ascii_lowercase(),
        port,
    })
}

fn split_host_port(authority: &str) -> Result<(String, Option<i64>), TraceError> {
    let authority = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    if let Some(rest) = authority.strip_prefix('[') {
        let (host, after) = rest
            .split_once(']')
            .ok_or_else(|| TraceError::destination(format!("\"{authority}\": unclosed '['")))?;
        let port = match after.strip_prefix(':') {
            Some(port) => Some(parse_port(port)?),
            None if after.is_empty() => None,
            None => {
                return Err(TraceError::destination(format!(
                    "\"{authority}\" is not host:port"
                )))
            }
        };
        return Ok((host.to_string(), port));
    }
    let (host, port) = match authority.rsplit_once(':') {
        Some((host, port)) => (host, Some(parse_port(port)?)),
        None => (authority, None),
    };
    let host = host.trim_end_matches('.');
    let valid = !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.' || b == b'_' || b == b'*');
    if !valid {
        return Err(TraceError::destination(format!(
            "\"{host}\" is not a DNS name"
        )));
    }
    Ok((host.to_string(), port))
}

fn parse_port(text: &str) -> Result<i64, TraceError> {
    text.parse::<i64>()
        .ok()
        .filter(|port| (1..=65535).contains(port))
        .ok_or_else(|| TraceError::destination(format!("\"{text}\" is not a port from 1 to 65535")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn destinations_parse() {
        assert_eq!(
            parse_destination("cartservice:7070").unwrap(),
            Destination::Name {
                host: "cartservice".into(),
                port: Some(7070)
            }
        );
        assert_eq!(
            parse_destination("10.96.0.1:443").unwrap(),
            Destination::Address {
                ip: "10.96.0.1".parse().unwrap(),
                port: 443
            }
        );
        assert_eq!(
            parse_destination("http://shop.example.com/cart?x=1").unwrap(),
            Destination::Url {
                https: false,
                host: "shop.example.com".into(),
                port: None,
                path: "/cart".into()
            }
        );
        assert!(parse_destination("10.96.0.1").is_err());
        assert!(parse_destination("web:99999").is_err());
        assert!(parse_destination("").is_err());
        assert!(parse_destination("ftp://x").is_err());
    }
}
