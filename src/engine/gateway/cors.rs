//! The CORS filter (§11.8): the proxy's own answer to a browser's preflight, and
//! the headers it adds to the response of a cross-origin request.
//!
//! Pure and total: any request, however odd its headers, gets an effect and a
//! sentence for the trace.

use super::model::{Cors, CorsNames};

/// The methods a browser sends cross-origin without asking first; a preflight
/// for one of them is always answered as allowed.
const SAFELISTED_METHODS: [&str; 3] = ["GET", "HEAD", "POST"];

/// Where a CORS filter is written (§11.8).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CorsPlace {
    /// On the rule: it answers preflights itself.
    Rule,
    /// On a backendRef: the backend is chosen after matching, so the filter only
    /// adds response headers and a preflight goes on to the backend.
    BackendRef,
}

/// What a CORS filter does with one request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CorsEffect {
    /// `Some(what)` when the proxy answers the request itself (a preflight, with
    /// 200), so no backend sees it: "answers the CORS preflight from …", for the
    /// trace's reason after the rule's name.
    pub answer: Option<String>,
    /// The response headers the filter sets, in order.
    pub headers: Vec<(String, String)>,
    /// What the filter did and what the browser will make of it, for the trace.
    pub detail: String,
}

/// Runs a CORS filter on a request as the client sent it: its method and headers
/// (names compared without case).
pub fn apply(
    cors: &Cors,
    method: &str,
    headers: &[(String, String)],
    place: CorsPlace,
) -> CorsEffect {
    let header = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.trim())
    };
    let Some(origin) = header("Origin") else {
        return CorsEffect {
            answer: None,
            headers: Vec::new(),
            detail: "CORS does nothing for a request without an Origin header, which no browser sends cross-origin (§11.8)".to_string(),
        };
    };
    let requested_method = header("Access-Control-Request-Method");
    let preflight = method == "OPTIONS" && requested_method.is_some();
    let granted = allowed_by(cors, origin);
    match (preflight, place) {
        (true, CorsPlace::Rule) => preflight_answer(
            cors,
            origin,
            granted,
            requested_method.unwrap_or_default(),
            header("Access-Control-Request-Headers"),
        ),
        (true, CorsPlace::BackendRef) => {
            let mut effect = actual_request(cors, origin, granted);
            effect.detail = format!(
                "CORS on a backendRef answers no preflight, as the backend is chosen after matching: this OPTIONS goes on to the backend, which must answer it itself; {}",
                effect.detail
            );
            effect
        }
        (false, _) => {
            let mut effect = actual_request(cors, origin, granted);
            if method == "OPTIONS" {
                effect.detail = format!("an OPTIONS without Access-Control-Request-Method is not a preflight, so it goes on to the backend; {}", effect.detail);
            }
            effect
        }
    }
}

/// An origin as `scheme://host:port`, in lower case, with the scheme's port
/// filled in when none is written, so that `https://a.com` and
/// `https://a.com:443` are one origin; `None` for anything that is not an http or
/// https origin (a path, an empty host, another scheme).
fn normal(origin: &str) -> Option<String> {
    let origin = origin.to_ascii_lowercase();
    let (scheme, host) = origin.split_once("://")?;
    let port = match scheme {
        "http" => "80",
        "https" => "443",
        _ => return None,
    };
    if host.is_empty() || host.contains(['/', '?', '#', '@', ' ']) {
        return None;
    }
    // A port: digits after the last colon, outside an IPv6 address's brackets.
    let has_port = host.rsplit_once(':').is_some_and(|(name, digits)| {
        !name.is_empty()
            && !digits.is_empty()
            && digits.bytes().all(|b| b.is_ascii_digit())
            && (!name.starts_with('[') || name.ends_with(']'))
    });
    Some(if has_port {
        origin
    } else {
        format!("{origin}:{port}")
    })
}

/// `*` in `pattern` matches any run of characters, dots included; everything else
/// matches itself. Linear in the text for each star, with no backtracking beyond
/// the last star.
fn glob_matches(pattern: &str, text: &str) -> bool {
    let (pattern, text) = (pattern.as_bytes(), text.as_bytes());
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() && pattern[p] == b'*' {
            star = Some((p, t));
            p += 1;
        } else if p < pattern.len() && pattern[p] == text[t] {
            p += 1;
            t += 1;
        } else if let Some((star_p, star_t)) = star {
            p = star_p + 1;
            t = star_t + 1;
            star = Some((star_p, star_t + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&b| b == b'*')
}

/// The allowed origin that lets `origin` in, if one does: `*`, or an origin of the
/// same scheme and port whose host, where each `*` stands for any run of
/// characters, dots included, covers it.
fn allowed_by<'c>(cors: &'c Cors, origin: &str) -> Option<&'c str> {
    let origin = normal(origin);
    cors.allow_origins
        .iter()
        .find(|allowed| {
            *allowed == "*"
                || normal(allowed)
                    .zip(origin.as_deref())
                    .is_some_and(|(pattern, origin)| glob_matches(&pattern, origin))
        })
        .map(String::as_str)
}

/// `Access-Control-Allow-Origin`: `*` when every origin is allowed without
/// credentials, else the request's own Origin.
fn allow_origin_value(cors: &Cors, origin: &str) -> String {
    if cors.allow_origins == ["*"] && !cors.allow_credentials {
        "*".to_string()
    } else {
        origin.to_string()
    }
}

fn describe_origins(cors: &Cors) -> String {
    if cors.allow_origins.is_empty() {
        "none".to_string()
    } else {
        cors.allow_origins.join(", ")
    }
}

fn describe_headers(headers: &[(String, String)]) -> String {
    headers
        .iter()
        .map(|(name, value)| format!("{name}: {value}"))
        .collect::<Vec<_>>()
        .join("; ")
}

fn preflight_answer(
    cors: &Cors,
    origin: &str,
    granted: Option<&str>,
    requested_method: &str,
    requested_headers: Option<&str>,
) -> CorsEffect {
    let asked = format!("OPTIONS from Origin {origin} asking for {requested_method}");
    let Some(granted) = granted else {
        return CorsEffect {
            answer: Some(format!(
                "answers the CORS preflight from Origin {origin} itself, without CORS headers, as the origin is not allowed"
            )),
            headers: Vec::new(),
            detail: format!(
                "CORS answers the preflight ({asked}) itself with 200 and no CORS headers: {origin} is not among the allowed origins ({}), so the browser will not send the real request; the backend never sees the preflight (§11.8)",
                describe_origins(cors)
            ),
        };
    };
    let credentials = cors.allow_credentials;
    let mut headers = vec![(
        "Access-Control-Allow-Origin".to_string(),
        allow_origin_value(cors, origin),
    )];
    if credentials {
        headers.push((
            "Access-Control-Allow-Credentials".to_string(),
            "true".to_string(),
        ));
    }
    let methods = match &cors.allow_methods {
        CorsNames::All if credentials => Some(requested_method.to_string()),
        names if names.is_empty() => None,
        names => Some(names.joined()),
    };
    if let Some(methods) = methods {
        headers.push(("Access-Control-Allow-Methods".to_string(), methods));
    }
    let allowed_headers = match &cors.allow_headers {
        CorsNames::All if credentials => requested_headers
            .filter(|h| !h.is_empty())
            .map(str::to_string),
        names if names.is_empty() => None,
        names => Some(names.joined()),
    };
    if let Some(allowed_headers) = allowed_headers {
        headers.push(("Access-Control-Allow-Headers".to_string(), allowed_headers));
    }
    headers.push((
        "Access-Control-Max-Age".to_string(),
        cors.max_age.to_string(),
    ));

    let mut refusals = Vec::new();
    let method_allowed = SAFELISTED_METHODS.contains(&requested_method)
        || match &cors.allow_methods {
            CorsNames::All => true,
            CorsNames::Only(names) => names.iter().any(|m| m == requested_method),
        };
    if !method_allowed {
        refusals.push(format!(
            "{requested_method} is not an allowed method (not in allowMethods, nor GET, HEAD or POST)"
        ));
    }
    if let CorsNames::Only(names) = &cors.allow_headers {
        let missing: Vec<&str> = requested_headers
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|h| !h.is_empty() && !names.iter().any(|n| n.eq_ignore_ascii_case(h)))
            .collect();
        if !missing.is_empty() {
            refusals.push(format!(
                "the requested header(s) {} are not in allowHeaders",
                missing.join(", ")
            ));
        }
    }
    let browser = if refusals.is_empty() {
        "the browser may then send the real request".to_string()
    } else {
        format!(
            "but {}, so the browser will refuse to send the real request",
            refusals.join(", and ")
        )
    };
    CorsEffect {
        answer: Some(format!(
            "answers the CORS preflight from Origin {origin} itself{}",
            if refusals.is_empty() {
                ""
            } else {
                ", without allowing all it asks for"
            }
        )),
        detail: format!(
            "CORS answers the preflight ({asked}) itself with 200, as the allowed origin {granted} covers it: {}; {browser}; the backend never sees the preflight (§11.8)",
            describe_headers(&headers)
        ),
        headers,
    }
}

/// A request with an Origin that is not a preflight goes on to the backend; the
/// proxy adds the CORS headers to its response when the origin is allowed.
fn actual_request(cors: &Cors, origin: &str, granted: Option<&str>) -> CorsEffect {
    let Some(granted) = granted else {
        return CorsEffect {
            answer: None,
            headers: Vec::new(),
            detail: format!(
                "CORS adds no headers to the response: Origin {origin} is not among the allowed origins ({}), so the browser will keep the response from the page (§11.8)",
                describe_origins(cors)
            ),
        };
    };
    let mut headers = vec![(
        "Access-Control-Allow-Origin".to_string(),
        allow_origin_value(cors, origin),
    )];
    if cors.allow_credentials {
        headers.push((
            "Access-Control-Allow-Credentials".to_string(),
            "true".to_string(),
        ));
    }
    if !cors.expose_headers.is_empty() {
        headers.push((
            "Access-Control-Expose-Headers".to_string(),
            cors.expose_headers.joined(),
        ));
    }
    let note = if cors.allow_credentials && cors.expose_headers == CorsNames::All {
        " (with credentials a browser reads the exposed `*` as a header name, not as every header)"
    } else {
        ""
    };
    CorsEffect {
        answer: None,
        detail: format!(
            "CORS: the allowed origin {granted} covers Origin {origin}, so the response gets {}{note} (§11.8)",
            describe_headers(&headers)
        ),
        headers,
    }
}
