//! Hostnames (§11.1, §11.4): the format, the intersection of a listener's and a
//! Route's hostnames, and matching a request's host against the result.

/// Whether a `*.` first label is allowed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wildcard {
    Allowed,
    Forbidden,
}

/// Checks a Gateway API hostname: lower-case DNS labels, an optional `*.` first
/// label, at most 253 characters, and never an IP address.
pub fn validate(text: &str, wildcard: Wildcard) -> Result<(), &'static str> {
    if text.len() > 253 {
        return Err("is longer than 253 characters");
    }
    if text.parse::<std::net::IpAddr>().is_ok() {
        return Err("is an IP address, which is never a valid hostname");
    }
    let rest = match text.strip_prefix("*.") {
        Some(rest) if wildcard == Wildcard::Allowed => rest,
        Some(_) => return Err("may not be a wildcard here"),
        None => text,
    };
    if rest.is_empty() {
        return Err("is empty");
    }
    for label in rest.split('.') {
        let bytes = label.as_bytes();
        let valid = !bytes.is_empty()
            && bytes
                .iter()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-')
            && bytes[0] != b'-'
            && bytes[bytes.len() - 1] != b'-';
        if !valid {
            return Err(
                "is not a lower-case DNS name (a wildcard may only be the whole first label, `*.`)",
            );
        }
    }
    Ok(())
}

/// The intersection of a listener hostname and a Route hostname, `None` meaning
/// "any" on either side; returns the hostname the pair serves, or `None` when they
/// do not intersect. `Some(None)` is "every host" (neither side restricts).
pub fn intersect(listener: Option<&str>, route: Option<&str>) -> Option<Option<String>> {
    let (listener, route) = match (listener, route) {
        (None, None) => return Some(None),
        (None, Some(route)) => return Some(Some(route.to_string())),
        (Some(listener), None) => return Some(Some(listener.to_string())),
        (Some(listener), Some(route)) => (listener, route),
    };
    let listener_suffix = listener.strip_prefix("*.");
    let route_suffix = route.strip_prefix("*.");
    let served = match (listener_suffix, route_suffix) {
        (None, None) => (listener == route).then_some(route),
        (Some(suffix), None) => ends_with_label(route, suffix).then_some(route),
        (None, Some(suffix)) => ends_with_label(listener, suffix).then_some(listener),
        (Some(listener_suffix), Some(route_suffix)) => {
            if route_suffix == listener_suffix || ends_with_label(route_suffix, listener_suffix) {
                Some(route)
            } else if ends_with_label(listener_suffix, route_suffix) {
                Some(listener)
            } else {
                None
            }
        }
    };
    served.map(|h| Some(h.to_string()))
}

/// Whether `name` ends with `.suffix` (at least one more label before it).
fn ends_with_label(name: &str, suffix: &str) -> bool {
    name.strip_suffix(suffix)
        .is_some_and(|head| head.len() > 1 && head.ends_with('.'))
}

/// Whether a request host matches a served hostname (`None` is any host). The port
/// is stripped first; a wildcard covers one or more labels; an IP address matches
/// only "any host".
pub fn host_matches(served: Option<&str>, host: &str) -> bool {
    let host = strip_port(host).to_ascii_lowercase();
    let Some(served) = served else {
        return true;
    };
    if host.parse::<std::net::IpAddr>().is_ok() {
        return false;
    }
    match served.strip_prefix("*.") {
        Some(suffix) => ends_with_label(&host, suffix),
        None => served == host,
    }
}

/// A host without its `:port`, for Host headers (IPv6 literals keep their brackets' inside).
pub fn strip_port(host: &str) -> &str {
    if let Some(rest) = host.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest);
    }
    match host.rsplit_once(':') {
        Some((name, port)) if !name.contains(':') && port.bytes().all(|b| b.is_ascii_digit()) => {
            name
        }
        _ => host,
    }
}

/// How specific a served hostname is, for ranking (§11.5, §11.6): the characters of
/// a non-wildcard hostname, then of the hostname. Larger is more specific.
pub fn specificity(served: Option<&str>) -> (usize, usize) {
    match served {
        None => (0, 0),
        Some(name) if name.starts_with("*.") => (0, name.len()),
        Some(name) => (name.len(), name.len()),
    }
}

/// How specific a listener hostname is when choosing a listener (§11.3): exact
/// first, then wildcards with more labels, then no hostname.
pub fn listener_rank(hostname: Option<&str>) -> (u8, usize) {
    match hostname {
        None => (0, 0),
        Some(name) => match name.strip_prefix("*.") {
            Some(suffix) => (1, suffix.split('.').count()),
            None => (2, 0),
        },
    }
}
