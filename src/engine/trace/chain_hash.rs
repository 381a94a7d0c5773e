//! kube-proxy's chain names (§5.2): `base32(sha256(svcPortName + protocol))[:16]`,
//! so a trace names the same `KUBE-SVC-…` and `KUBE-SEP-…` chains a node would have.

use crate::engine::sha256::sha256;

/// The hash in `KUBE-SVC-`, `KUBE-SVL-`, `KUBE-EXT-` and `KUBE-FW-` chain names.
pub fn port_proto_hash(service_port_name: &str, protocol_lowercase: &str) -> String {
    base32_prefix(
        &sha256(format!("{service_port_name}{protocol_lowercase}").as_bytes()),
        16,
    )
}

/// The hash in a `KUBE-SEP-` chain name; `endpoint` is `ip:port`.
pub fn endpoint_chain_hash(
    service_port_name: &str,
    protocol_lowercase: &str,
    endpoint: &str,
) -> String {
    base32_prefix(
        &sha256(format!("{service_port_name}{protocol_lowercase}{endpoint}").as_bytes()),
        16,
    )
}

fn base32_prefix(bytes: &[u8], n_chars: usize) -> String {
    const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut out = String::with_capacity(n_chars);
    let mut buffer: u64 = 0;
    let mut n_bits = 0;
    for &byte in bytes {
        buffer = (buffer << 8) | u64::from(byte);
        n_bits += 8;
        while n_bits >= 5 {
            n_bits -= 5;
            out.push(ALPHABET[((buffer >> n_bits) & 31) as usize] as char);
            if out.len() == n_chars {
                return out;
            }
        }
    }
    if n_bits > 0 && out.len() < n_chars {
        out.push(ALPHABET[((buffer << (5 - n_bits)) & 31) as usize] as char);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chain_names_match_kube_proxy_test_vectors() {
        assert_eq!(
            format!(
                "KUBE-SVC-{}",
                port_proto_hash("default/kubernetes:https", "tcp")
            ),
            "KUBE-SVC-NPX46M4PTMTKRN6Y"
        );
        assert_eq!(
            format!(
                "KUBE-SVC-{}",
                port_proto_hash("kube-system/kube-dns:dns", "udp")
            ),
            "KUBE-SVC-TCOU7JCQXEZGVUNU"
        );
        assert_eq!(
            format!(
                "KUBE-SVC-{}",
                port_proto_hash("kube-system/kube-dns:dns-tcp", "tcp")
            ),
            "KUBE-SVC-ERIFXISQEP7F7OF4"
        );
    }
}
