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

/// How many `\n` bytes `bytes` holds, eight bytes at a time: a large paste counts
/// the lines of megabytes of text in the task that reads it, where a loop over
/// single bytes takes several times as long in the wasm.
pub fn count_newlines(bytes: &[u8]) -> usize {
    const LOW7: u64 = u64::from_ne_bytes([0x7f; 8]);
    const NEWLINES: u64 = u64::from_ne_bytes([b'\n'; 8]);
    let mut words = bytes.chunks_exact(8);
    let mut count = 0;
    for word in &mut words {
        let mut eight = [0; 8];
        eight.copy_from_slice(word);
        // A byte of `x` is zero where the word held a newline; `zero` has the top
        // bit of exactly those bytes set.
        let x = u64::from_ne_bytes(eight) ^ NEWLINES;
        let zero = !(((x & LOW7) + LOW7) | x | LOW7);
        count += zero.count_ones() as usize;
    }
    count
        + words
            .remainder()
            .iter()
            .filter(|&&byte| byte == b'\n')
            .count()
}
