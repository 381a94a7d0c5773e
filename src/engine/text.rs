//! Numbers and addresses written into strings without the formatting machinery.
//!
//! A 10,000-pod cluster writes tens of thousands of pod names, addresses, DNS
//! names and port mappings; `format!` spends most of its time in its own
//! dispatch there, so the hot paths append with these instead. Each writes
//! exactly what `Display` writes.

use std::net::IpAddr;

/// Appends `n` in decimal, as `Display` writes it.
pub fn push_int(out: &mut String, n: i64) {
    if n < 0 {
        out.push('-');
    }
    let mut buffer = [0u8; 20];
    let start = digits_before(&mut buffer, 20, n.unsigned_abs());
    out.push_str(ascii(&buffer[start..]));
}

/// Writes `n` in decimal into `buffer`, ending just before `end`, and returns
/// where its digits start. `buffer` must have room for them (20 bytes for any u64).
pub fn digits_before(buffer: &mut [u8], end: usize, mut n: u64) -> usize {
    let mut start = end;
    loop {
        start -= 1;
        buffer[start] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            return start;
        }
    }
}

/// Appends `ip` as `Display` writes it: IPv4 directly, IPv6 through the standard
/// formatter (its zero compression is not worth repeating here).
pub fn push_ip(out: &mut String, ip: &IpAddr) {
    match ip {
        IpAddr::V4(v4) => {
            for (n, octet) in v4.octets().into_iter().enumerate() {
                if n > 0 {
                    out.push('.');
                }
                push_int(out, i64::from(octet));
            }
        }
        IpAddr::V6(_) => {
            use std::fmt::Write as _;
            let _ = write!(out, "{ip}");
        }
    }
}

/// `ip` as text, as `ip.to_string()` writes it.
pub fn ip_text(ip: &IpAddr) -> String {
    let mut text = String::with_capacity(15);
    push_ip(&mut text, ip);
    text
}

/// Bytes known to be ASCII (digits, a point, a sign) as text.
pub fn ascii(bytes: &[u8]) -> &str {
    std::str::from_utf8(bytes).unwrap_or_default()
}
