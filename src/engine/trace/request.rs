//! What a trace is asked to do: the source, the destination and the protocol, and
//! the parsers that read them from text (the CLI's arguments, the app's trace form).

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use serde::Serialize;

use super::socket;
pub use crate::engine::gateway::routing::Scheme;
use crate::engine::model::Protocol;

/// The source address of an external client when none is given (TEST-NET-2).
pub const DEFAULT_CLIENT_IP: IpAddr = IpAddr::V4(Ipv4Addr::new(198, 51, 100, 7));

/// Where a connection starts.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum TraceSource {
    /// A client outside the cluster.
    External { client_ip: IpAddr },
    /// One of `n_clients` clients outside the cluster, at consecutive addresses from
    /// [`external_client_ip`]`(0)`, chosen per connection: how the simulator spreads
    /// a flow over several clients, which matters under sessionAffinity ClientIP.
    ExternalClients { n_clients: u32 },
    /// A node's own network namespace (host network), using its InternalIP.
    Node { name: String },
    /// One pod.
    Pod { namespace: String, name: String },
    /// Any running pod of a workload, chosen per connection. `name` is the workload
    /// name, or `Kind/name` to disambiguate.
    Workload { namespace: String, name: String },
}

impl TraceSource {
    /// How many distinct clients the source stands for: `n_clients` of
    /// [`TraceSource::ExternalClients`] (at least 1), otherwise 1.
    pub fn n_clients(&self) -> u32 {
        match self {
            TraceSource::ExternalClients { n_clients } => (*n_clients).max(1),
            _ => 1,
        }
    }

    /// The source with its client number `client` fixed: for
    /// [`TraceSource::ExternalClients`] the external client at
    /// [`external_client_ip`]`(client)`, the one a trace would pick for that choice;
    /// any other source as it is.
    pub fn with_client(&self, client: u32) -> TraceSource {
        match self {
            TraceSource::ExternalClients { .. } => TraceSource::External {
                client_ip: external_client_ip(client),
            },
            other => other.clone(),
        }
    }
}

/// The address of external client number `client` of
/// [`TraceSource::ExternalClients`]: consecutive addresses from 198.51.100.10
/// (TEST-NET-2).
pub fn external_client_ip(client: u32) -> IpAddr {
    IpAddr::V4(Ipv4Addr::from(
        u32::from(Ipv4Addr::new(198, 51, 100, 10)).wrapping_add(client),
    ))
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
    /// `http://host/path?query`, `https://…` or `grpc://host/package.Service/Method`,
    /// through a Gateway (§11) or an Ingress (§9).
    Url {
        scheme: Scheme,
        host: String,
        port: Option<i64>,
        /// The path, without the query string.
        path: String,
        query: Option<String>,
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
                scheme,
                host,
                port,
                path,
                query,
            } => write!(
                f,
                "{}://{host}{}{path}{}",
                scheme.as_str(),
                port.map(|p| format!(":{p}")).unwrap_or_default(),
                query
                    .as_deref()
                    .map(|q| format!("?{q}"))
                    .unwrap_or_default()
            ),
            Destination::AnyNodePort { node_port } => write!(f, "any node:{node_port}"),
        }
    }
}

impl fmt::Display for TraceSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TraceSource::External { client_ip } => write!(f, "external {client_ip}"),
            TraceSource::ExternalClients { n_clients } => {
                write!(f, "external ({n_clients} clients)")
            }
            TraceSource::Node { name } => write!(f, "node/{name}"),
            TraceSource::Pod { namespace, name } => write!(f, "pod/{namespace}/{name}"),
            TraceSource::Workload { namespace, name } => write!(f, "{namespace}/{name}"),
        }
    }
}

/// Why a trace request cannot be traced: a source, destination or protocol that does
/// not parse, or a source that is not in the topology.
///
/// Messages speak of the source, the destination, the client IP and the protocol,
/// the engine's own terms. A shell that reads these from flags or form fields names
/// them in its own words; [`TraceError::part`] says which part is at fault.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TraceError {
    kind: TraceErrorKind,
    /// The text or name at fault, as given.
    input: String,
    /// What the topology offers instead or why the input cannot send, for errors
    /// about a source that does not exist or cannot send.
    context: String,
}

/// What is wrong with a trace request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TraceErrorKind {
    /// The source is none of `external`, `node/NAME`, `pod/NAMESPACE/NAME`.
    SourceSyntax,
    /// The client IP is not an IP address.
    ClientIpSyntax,
    /// A client IP was given with a node or pod source, which sends from its own address.
    ClientIpWithoutExternalSource,
    /// The client IP of an external source belongs to a node or pod of the cluster.
    ClientIpInCluster,
    /// The source names a node that does not exist.
    NoSuchNode,
    /// The source names a pod that does not exist.
    NoSuchPod,
    /// The source pod exists but has no IP address to send from.
    PodWithoutIp,
    /// The source workload has no running pod with an IP address.
    WorkloadWithoutPod,
    /// The destination is empty.
    EmptyDestination,
    /// A URL destination has no host.
    UrlWithoutHost,
    /// A URL destination whose scheme is not http or https.
    UnsupportedScheme,
    /// An address destination without a port.
    AddressWithoutPort,
    /// A destination that looks like an address and port but is not a valid one.
    AddressSyntax,
    /// A destination host is not a DNS name.
    HostSyntax,
    /// A bracketed destination is not `[IPv6]` or `[IPv6]:PORT`.
    BracketSyntax,
    /// A destination port is not a number from 1 to 65535.
    PortOutOfRange,
    /// The protocol is not TCP, UDP or SCTP.
    ProtocolSyntax,
}

/// The part of a trace request an error is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RequestPart {
    Source,
    /// The address of an external source.
    ClientIp,
    Destination,
    Protocol,
}

impl TraceErrorKind {
    /// The part of the request at fault.
    pub fn part(self) -> RequestPart {
        match self {
            TraceErrorKind::SourceSyntax
            | TraceErrorKind::NoSuchNode
            | TraceErrorKind::NoSuchPod
            | TraceErrorKind::PodWithoutIp
            | TraceErrorKind::WorkloadWithoutPod => RequestPart::Source,
            TraceErrorKind::ClientIpSyntax
            | TraceErrorKind::ClientIpWithoutExternalSource
            | TraceErrorKind::ClientIpInCluster => RequestPart::ClientIp,
            TraceErrorKind::EmptyDestination
            | TraceErrorKind::UrlWithoutHost
            | TraceErrorKind::UnsupportedScheme
            | TraceErrorKind::AddressWithoutPort
            | TraceErrorKind::AddressSyntax
            | TraceErrorKind::HostSyntax
            | TraceErrorKind::BracketSyntax
            | TraceErrorKind::PortOutOfRange => RequestPart::Destination,
            TraceErrorKind::ProtocolSyntax => RequestPart::Protocol,
        }
    }
}

impl TraceError {
    pub(super) fn new(kind: TraceErrorKind, input: impl Into<String>) -> TraceError {
        TraceError {
            kind,
            input: input.into(),
            context: String::new(),
        }
    }

    pub(super) fn with_context(mut self, context: impl Into<String>) -> TraceError {
        self.context = context.into();
        self
    }

    pub fn kind(&self) -> TraceErrorKind {
        self.kind
    }

    /// The part of the request at fault: what a shell names with its own flag or field.
    pub fn part(&self) -> RequestPart {
        self.kind.part()
    }

    /// The text or name at fault, as given.
    pub fn input(&self) -> &str {
        &self.input
    }
}

impl fmt::Display for TraceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let TraceError {
            kind,
            input,
            context,
        } = self;
        match kind {
            TraceErrorKind::SourceSyntax => write!(
                f,
                "\"{input}\" is not a source; use external, node/NAME or pod/NAMESPACE/NAME"
            ),
            TraceErrorKind::ClientIpSyntax => {
                write!(f, "client IP \"{input}\" is not an IP address")
            }
            TraceErrorKind::ClientIpWithoutExternalSource => write!(
                f,
                "a client IP only applies to an external source; {input} sends from its own address"
            ),
            TraceErrorKind::ClientIpInCluster => write!(
                f,
                "client IP {input} belongs to a node or pod of the cluster; use that node or pod as the source (node/NAME or pod/NAMESPACE/NAME)"
            ),
            TraceErrorKind::NoSuchNode => {
                write!(f, "no node named \"{input}\"; nodes are {context}")
            }
            TraceErrorKind::NoSuchPod => write!(f, "no pod {input}; {context}"),
            TraceErrorKind::PodWithoutIp => write!(
                f,
                "pod {input} has no IP (phase {context}, not scheduled or not started), so it cannot send"
            ),
            TraceErrorKind::WorkloadWithoutPod => {
                write!(f, "workload {input} has no running pod with an IP")
            }
            TraceErrorKind::EmptyDestination => write!(
                f,
                "the destination is empty; use NAME[:PORT], IP:PORT or http://host/path"
            ),
            TraceErrorKind::UrlWithoutHost => write!(f, "destination \"{input}\" has no host"),
            TraceErrorKind::UnsupportedScheme => write!(
                f,
                "destination \"{input}\": only http://, https:// and grpc:// URLs are traced"
            ),
            TraceErrorKind::AddressWithoutPort => {
                write!(f, "destination \"{input}\" needs a port: use IP:PORT")
            }
            TraceErrorKind::AddressSyntax => {
                write!(f, "destination \"{input}\" is not a valid IP:PORT")
            }
            TraceErrorKind::HostSyntax => {
                write!(f, "destination host \"{input}\" is not a DNS name")
            }
            TraceErrorKind::BracketSyntax => write!(
                f,
                "destination \"{input}\" is not [IPv6] or [IPv6]:PORT"
            ),
            TraceErrorKind::PortOutOfRange => write!(
                f,
                "destination port \"{input}\" is not a port: ports run from 1 to 65535"
            ),
            TraceErrorKind::ProtocolSyntax => {
                write!(f, "protocol \"{input}\" is not TCP, UDP or SCTP")
            }
        }
    }
}

impl std::error::Error for TraceError {}

/// Parses a source: `external`, `node/NAME` or `pod/NAMESPACE/NAME` (`pod/NAME` means
/// namespace `default`). `client_ip` is the address of an external client, and only
/// valid with `external`.
pub fn parse_source(text: &str, client_ip: Option<&str>) -> Result<TraceSource, TraceError> {
    let text = text.trim();
    let parts: Vec<&str> = text.split('/').collect();
    let source = match parts.as_slice() {
        ["external"] => {
            let client_ip = match client_ip {
                Some(ip) => ip
                    .trim()
                    .parse::<IpAddr>()
                    .map_err(|_| TraceError::new(TraceErrorKind::ClientIpSyntax, ip))?,
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
        _ => return Err(TraceError::new(TraceErrorKind::SourceSyntax, text)),
    };
    if client_ip.is_some() {
        return Err(TraceError::new(
            TraceErrorKind::ClientIpWithoutExternalSource,
            text,
        ));
    }
    Ok(source)
}

/// Parses a protocol: `TCP`, `UDP` or `SCTP` (any case).
pub fn parse_protocol(text: &str) -> Result<Protocol, TraceError> {
    Protocol::parse(&text.trim().to_ascii_uppercase())
        .ok_or_else(|| TraceError::new(TraceErrorKind::ProtocolSyntax, text))
}

/// Parses a destination: `NAME[:PORT]`, `IP:PORT` (`[IPv6]:PORT`), or
/// `http(s)://host[:port]/path`.
pub fn parse_destination(text: &str) -> Result<Destination, TraceError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(TraceError::new(TraceErrorKind::EmptyDestination, text));
    }
    for (prefix, scheme) in [
        ("http://", Scheme::Http),
        ("https://", Scheme::Https),
        ("grpc://", Scheme::Grpc),
    ] {
        if let Some(rest) = text.strip_prefix(prefix).or_else(|| {
            text.to_ascii_lowercase()
                .starts_with(prefix)
                .then(|| &text[prefix.len()..])
        }) {
            let (authority, path) = match rest.find(['/', '?', '#']) {
                Some(cut) => (&rest[..cut], &rest[cut..]),
                None => (rest, "/"),
            };
            let path = path.split('#').next().unwrap_or("/");
            let (path, query) = match path.split_once('?') {
                Some((path, query)) => (path, Some(query.to_string())),
                None => (path, None),
            };
            let path = if path.is_empty() { "/" } else { path };
            let (host, port) = split_host_port(authority)?;
            if host.is_empty() {
                return Err(TraceError::new(TraceErrorKind::UrlWithoutHost, text));
            }
            return Ok(Destination::Url {
                scheme,
                host: host.to_ascii_lowercase(),
                port,
                path: path.to_string(),
                query,
            });
        }
    }
    if text.contains("://") {
        return Err(TraceError::new(TraceErrorKind::UnsupportedScheme, text));
    }
    if let Ok(address) = text.parse::<SocketAddr>() {
        // Port 0 parses as a socket address, but nothing can be dialled on it.
        if address.port() == 0 {
            return Err(TraceError::new(TraceErrorKind::PortOutOfRange, "0"));
        }
        return Ok(Destination::Address {
            ip: address.ip(),
            port: i64::from(address.port()),
        });
    }
    if text.parse::<IpAddr>().is_ok() || text.trim_matches(['[', ']']).parse::<IpAddr>().is_ok() {
        return Err(TraceError::new(TraceErrorKind::AddressWithoutPort, text));
    }
    let (host, port) = split_host_port(text)?;
    if host.parse::<IpAddr>().is_ok() {
        return Err(TraceError::new(TraceErrorKind::AddressSyntax, text));
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
        // An unclosed bracket or text after the closing one: not `[IPv6]` or `[IPv6]:PORT`.
        let not_host_port = || TraceError::new(TraceErrorKind::BracketSyntax, authority);
        let (host, after) = rest.split_once(']').ok_or_else(not_host_port)?;
        let port = match after.strip_prefix(':') {
            Some(port) => Some(parse_port(port)?),
            None if after.is_empty() => None,
            None => return Err(not_host_port()),
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
        return Err(TraceError::new(TraceErrorKind::HostSyntax, host));
    }
    Ok((host.to_string(), port))
}

fn parse_port(text: &str) -> Result<i64, TraceError> {
    text.parse::<i64>()
        .ok()
        .filter(|port| (1..=65535).contains(port))
        .ok_or_else(|| TraceError::new(TraceErrorKind::PortOutOfRange, text))
}

/// The methods an HTTPRoute can match (§11.5).
const HTTP_METHODS: &[&str] = &[
    "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH",
];

/// An HTTP method, in upper case: one an HTTPRoute can match (§11.5). The CLI's
/// `--method` and the app's request form both read it here.
pub fn parse_method(text: &str) -> Result<String, String> {
    let method = text.trim().to_ascii_uppercase();
    if HTTP_METHODS.contains(&method.as_str()) {
        Ok(method)
    } else {
        Err(format!(
            "\"{text}\" is not an HTTP method; use one of {}",
            HTTP_METHODS.join(", ")
        ))
    }
}

/// A request header written `Name: value` (the CLI's `--header`, a line of the
/// app's request form).
pub fn parse_header(text: &str) -> Result<(String, String), String> {
    match text.split_once(':') {
        Some((name, value)) if !name.trim().is_empty() && !name.trim().contains(' ') => {
            Ok((name.trim().to_string(), value.trim().to_string()))
        }
        _ => Err(format!(
            "\"{text}\" is not a header; write it as 'Name: value'"
        )),
    }
}

/// The app's request form: a host (with `https://` or `grpc://` in front for
/// those schemes, and a `:port` if not the scheme's), a path with its query, a
/// method, and headers one per line. Gives the URL destination and the HTTP parts
/// [`super::Tracer::trace_http`] takes, exactly as `kubetopo trace --to URL
/// --method --header` would.
pub fn parse_http_request(
    host: &str,
    path: &str,
    method: &str,
    headers: &str,
) -> Result<(Destination, super::HttpOptions), String> {
    let host = host.trim();
    if host.is_empty() {
        return Err("the request needs a host".to_string());
    }
    let path = path.trim();
    let path = if path.is_empty() { "/" } else { path };
    if !path.starts_with('/') {
        return Err(format!("the path \"{path}\" must start with /"));
    }
    let url = if host.contains("://") {
        format!("{host}{path}")
    } else {
        format!("http://{host}{path}")
    };
    let destination = parse_destination(&url).map_err(|error| error.to_string())?;
    if !matches!(destination, Destination::Url { .. }) {
        return Err(format!("\"{url}\" is not a URL"));
    }
    let headers = headers
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(parse_header)
        .collect::<Result<Vec<_>, _>>()?;
    Ok((
        destination,
        super::HttpOptions {
            method: if method.trim().is_empty() {
                "GET".to_string()
            } else {
                parse_method(method)?
            },
            headers,
            host: None,
            sni: None,
        },
    ))
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
                scheme: Scheme::Http,
                host: "shop.example.com".into(),
                port: None,
                path: "/cart".into(),
                query: Some("x=1".into()),
            }
        );
        assert!(parse_destination("10.96.0.1").is_err());
        assert!(parse_destination("web:99999").is_err());
        assert!(parse_destination("").is_err());
        assert!(parse_destination("ftp://x").is_err());
    }

    /// Issue #11: the messages named the CLI's flags (`--from`, `--to`), and the web
    /// app showed them too. They now name the part of the request, and `part()` says
    /// which one, so each shell can add its own words.
    #[test]
    fn regression_issue_11_trace_errors_named_cli_flags() {
        let cases = [
            (
                parse_source("somewhere", None).err(),
                TraceErrorKind::SourceSyntax,
                RequestPart::Source,
            ),
            (
                parse_source("external", Some("banana")).err(),
                TraceErrorKind::ClientIpSyntax,
                RequestPart::ClientIp,
            ),
            (
                parse_source("node/node-1", Some("192.0.2.1")).err(),
                TraceErrorKind::ClientIpWithoutExternalSource,
                RequestPart::ClientIp,
            ),
            (
                parse_destination("").err(),
                TraceErrorKind::EmptyDestination,
                RequestPart::Destination,
            ),
            (
                parse_destination("http://[]/cart").err(),
                TraceErrorKind::UrlWithoutHost,
                RequestPart::Destination,
            ),
            (
                parse_destination("ftp://files.example").err(),
                TraceErrorKind::UnsupportedScheme,
                RequestPart::Destination,
            ),
            (
                parse_destination("10.96.0.1").err(),
                TraceErrorKind::AddressWithoutPort,
                RequestPart::Destination,
            ),
            (
                parse_destination("10.96.0.1.:443").err(),
                TraceErrorKind::AddressSyntax,
                RequestPart::Destination,
            ),
            (
                parse_destination("web server:80").err(),
                TraceErrorKind::HostSyntax,
                RequestPart::Destination,
            ),
            (
                parse_destination("[web").err(),
                TraceErrorKind::BracketSyntax,
                RequestPart::Destination,
            ),
            (
                parse_destination("[::1]x").err(),
                TraceErrorKind::BracketSyntax,
                RequestPart::Destination,
            ),
            (
                parse_destination("web:0").err(),
                TraceErrorKind::PortOutOfRange,
                RequestPart::Destination,
            ),
            (
                parse_destination("10.96.0.1:0").err(),
                TraceErrorKind::PortOutOfRange,
                RequestPart::Destination,
            ),
            (
                parse_destination("web:99999").err(),
                TraceErrorKind::PortOutOfRange,
                RequestPart::Destination,
            ),
        ];
        for (error, kind, part) in cases {
            let error = error.expect("invalid request text");
            assert_eq!(error.kind(), kind, "{error}");
            assert_eq!(error.part(), part, "{error}");
            let message = error.to_string();
            assert!(!message.contains("--"), "a flag in {message:?}");
            assert!(
                message.contains(error.input()),
                "{message:?} lacks {:?}",
                error.input()
            );
        }
        let protocol = parse_protocol("ICMP").expect_err("not a protocol");
        assert_eq!(protocol.kind(), TraceErrorKind::ProtocolSyntax);
        assert_eq!(protocol.part(), RequestPart::Protocol);
        assert_eq!(
            protocol.to_string(),
            "protocol \"ICMP\" is not TCP, UDP or SCTP"
        );
        assert_eq!(
            parse_destination("web:0").unwrap_err().to_string(),
            "destination port \"0\" is not a port: ports run from 1 to 65535"
        );
        assert_eq!(
            parse_source("node/node-1", Some("192.0.2.1")).unwrap_err().to_string(),
            "a client IP only applies to an external source; node/node-1 sends from its own address"
        );
    }
}
