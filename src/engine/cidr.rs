//! `Cidr`: one IP prefix type, IPv4 or IPv6, parsed once and then used for every
//! question the engine asks of a range (membership, size, the n-th address).
//!
//! Kubernetes accepts CIDRs in many places: `--service-cluster-ip-range`,
//! `--cluster-cidr`, a Node's `spec.podCIDR`, `loadBalancerSourceRanges` and
//! NetworkPolicy `ipBlock`s. They all follow Go's `net.ParseCIDR` (through
//! `IsValidCIDR` in apimachinery): an address, a `/`, and a decimal prefix length
//! that fits the address family. The network is the address with its host bits
//! cleared, so `10.96.0.1/12` is the range `10.96.0.0/12`.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use serde::Serialize;

/// An IPv4 or IPv6 prefix, e.g. `10.96.0.0/12` or `fd00:10:96::/108`.
///
/// The network address always has its host bits cleared, so two `Cidr`s that
/// describe the same range compare equal whatever address they were written with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Cidr {
    network: IpAddr,
    prefix: u8,
}

/// Why a text is not a CIDR. `Display` says what was wrong with which part.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CidrError {
    kind: CidrErrorKind,
    text: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum CidrErrorKind {
    MissingSlash,
    BadAddress,
    BadPrefix { max_prefix: u8 },
}

impl Cidr {
    /// Parses `ADDRESS/PREFIX` the way Go's `net.ParseCIDR` does: the prefix is one
    /// to three decimal digits (no sign, no spaces) and at most 32 for IPv4, 128 for
    /// IPv6. Callers that accept padded input (a historical accident of
    /// `loadBalancerSourceRanges`) trim it first.
    pub fn parse(text: &str) -> Result<Cidr, CidrError> {
        let error = |kind| CidrError {
            kind,
            text: text.to_string(),
        };
        let (address_text, prefix_text) = text
            .split_once('/')
            .ok_or_else(|| error(CidrErrorKind::MissingSlash))?;
        let address: IpAddr = address_text
            .parse()
            .map_err(|_| error(CidrErrorKind::BadAddress))?;
        let max_prefix = max_prefix_of(address);
        let prefix_is_decimal = !prefix_text.is_empty()
            && prefix_text.len() <= 3
            && prefix_text.bytes().all(|byte| byte.is_ascii_digit());
        let prefix = prefix_text
            .parse::<u8>()
            .ok()
            .filter(|&prefix| prefix_is_decimal && prefix <= max_prefix)
            .ok_or_else(|| error(CidrErrorKind::BadPrefix { max_prefix }))?;
        Ok(Cidr::new(address, prefix))
    }

    /// The prefix of `prefix` bits that holds `address`. A prefix longer than the
    /// family allows is cut to the whole address (`/32` or `/128`).
    pub fn new(address: IpAddr, prefix: u8) -> Cidr {
        let prefix = prefix.min(max_prefix_of(address));
        let network = match address {
            IpAddr::V4(v4) => IpAddr::V4(Ipv4Addr::from(u32::from(v4) & mask_v4(prefix))),
            IpAddr::V6(v6) => IpAddr::V6(Ipv6Addr::from(u128::from(v6) & mask_v6(prefix))),
        };
        Cidr { network, prefix }
    }

    /// The first address of the range (all host bits zero).
    pub fn network(&self) -> IpAddr {
        self.network
    }

    /// The prefix length: how many leading bits every address in the range shares.
    pub fn prefix(&self) -> u8 {
        self.prefix
    }

    pub fn is_ipv4(&self) -> bool {
        self.network.is_ipv4()
    }

    /// How many bits the family has: 32 for IPv4, 128 for IPv6.
    pub fn address_bits(&self) -> u8 {
        max_prefix_of(self.network)
    }

    /// Number of addresses in the range. `::/0` holds 2^128 addresses, one more than
    /// `u128` can count, so it reports `u128::MAX`; every smaller range is exact.
    pub fn size(&self) -> u128 {
        let host_bits = u32::from(self.address_bits() - self.prefix);
        1u128.checked_shl(host_bits).unwrap_or(u128::MAX)
    }

    /// True when `address` is in the range. An address of the other family never is.
    pub fn contains(&self, address: IpAddr) -> bool {
        match (self.network, address) {
            (IpAddr::V4(network), IpAddr::V4(v4)) => {
                u32::from(v4) & mask_v4(self.prefix) == u32::from(network)
            }
            (IpAddr::V6(network), IpAddr::V6(v6)) => {
                u128::from(v6) & mask_v6(self.prefix) == u128::from(network)
            }
            _ => false,
        }
    }

    /// True when the two ranges share at least one address. Prefixes either nest
    /// or are disjoint, so this is "one contains the other's network".
    pub fn overlaps(&self, other: &Cidr) -> bool {
        self.contains(other.network) || other.contains(self.network)
    }

    /// The address `index` places after the network address, or `None` past the end.
    pub fn nth(&self, index: u128) -> Option<IpAddr> {
        if index >= self.size() {
            return None;
        }
        Some(match self.network {
            IpAddr::V4(network) => {
                // The range check above keeps `index` below 2^32 here.
                IpAddr::V4(Ipv4Addr::from(
                    u32::from(network).wrapping_add(index as u32),
                ))
            }
            IpAddr::V6(network) => {
                IpAddr::V6(Ipv6Addr::from(u128::from(network).wrapping_add(index)))
            }
        })
    }

    /// The inverse of `nth`: how far `address` is from the network address, or
    /// `None` when the range does not contain it.
    pub fn index_of(&self, address: IpAddr) -> Option<u128> {
        if !self.contains(address) {
            return None;
        }
        match (self.network, address) {
            (IpAddr::V4(network), IpAddr::V4(v4)) => {
                Some(u128::from(u32::from(v4) - u32::from(network)))
            }
            (IpAddr::V6(network), IpAddr::V6(v6)) => Some(u128::from(v6) - u128::from(network)),
            _ => None,
        }
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.network, self.prefix)
    }
}

/// Serialized as its text, `10.96.0.0/12`, the form every manifest and flag uses.
impl Serialize for Cidr {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl std::str::FromStr for Cidr {
    type Err = CidrError;
    fn from_str(text: &str) -> Result<Cidr, CidrError> {
        Cidr::parse(text)
    }
}

impl CidrError {
    /// The text that failed to parse, as given.
    pub fn text(&self) -> &str {
        &self.text
    }
}

impl fmt::Display for CidrError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = &self.text;
        match self.kind {
            CidrErrorKind::MissingSlash => write!(
                f,
                "\"{text}\" is not a CIDR: write an address, '/' and a prefix length, such as 10.96.0.0/12"
            ),
            CidrErrorKind::BadAddress => {
                let address = text.split_once('/').map_or(text.as_str(), |(a, _)| a);
                write!(
                    f,
                    "\"{text}\" is not a CIDR: \"{address}\" is not an IPv4 or IPv6 address"
                )
            }
            CidrErrorKind::BadPrefix { max_prefix } => {
                let prefix = text.split_once('/').map_or("", |(_, p)| p);
                write!(
                    f,
                    "\"{text}\" is not a CIDR: the prefix length \"{prefix}\" must be a number from 0 to {max_prefix}"
                )
            }
        }
    }
}

impl std::error::Error for CidrError {}

fn max_prefix_of(address: IpAddr) -> u8 {
    if address.is_ipv4() {
        32
    } else {
        128
    }
}

fn mask_v4(prefix: u8) -> u32 {
    u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0)
}

fn mask_v6(prefix: u8) -> u128 {
    u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cidr(text: &str) -> Cidr {
        Cidr::parse(text).unwrap_or_else(|error| panic!("{error}"))
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn parse_clears_host_bits_and_displays_the_network() {
        assert_eq!(cidr("10.96.0.1/12").to_string(), "10.96.0.0/12");
        assert_eq!(cidr("fd00:10:96::7/108").to_string(), "fd00:10:96::/108");
        assert_eq!(cidr("0.0.0.0/0").to_string(), "0.0.0.0/0");
        assert_eq!(cidr("10.96.0.1/12"), cidr("10.96.0.0/12"));
    }

    #[test]
    fn parse_refuses_what_go_net_parse_cidr_refuses() {
        for text in [
            "",
            "10.0.0.0",
            "10.0.0.0/",
            "10.0.0.0/33",
            "10.0.0.0/+8",
            "10.0.0.0/ 8",
            "10.0.0.0/0008",
            "10.0.0/8",
            "::/129",
            "x/8",
            " 10.0.0.0/8",
        ] {
            assert!(Cidr::parse(text).is_err(), "{text:?} parsed");
        }
    }

    #[test]
    fn parse_errors_name_the_part_that_is_wrong() {
        let message = |text: &str| Cidr::parse(text).unwrap_err().to_string();
        assert!(message("10.0.0.0").contains("'/' and a prefix length"));
        assert!(message("10.x/8").contains("\"10.x\" is not an IPv4 or IPv6 address"));
        assert!(message("10.0.0.0/40").contains("from 0 to 32"));
        assert!(message("::/200").contains("from 0 to 128"));
    }

    #[test]
    fn size_counts_addresses_in_both_families() {
        assert_eq!(cidr("10.96.0.0/12").size(), 1 << 20);
        assert_eq!(cidr("10.0.0.1/32").size(), 1);
        assert_eq!(cidr("0.0.0.0/0").size(), 1 << 32);
        assert_eq!(cidr("fd00::/64").size(), 1 << 64);
        assert_eq!(cidr("::/0").size(), u128::MAX);
    }

    #[test]
    fn contains_masks_and_never_crosses_families() {
        let services = cidr("10.96.0.0/12");
        assert!(services.contains(ip("10.96.0.1")));
        assert!(services.contains(ip("10.111.255.255")));
        assert!(!services.contains(ip("10.112.0.0")));
        assert!(!services.contains(ip("::ffff:10.96.0.1")));
        assert!(cidr("0.0.0.0/0").contains(ip("255.255.255.255")));
        assert!(cidr("2001:db8::/32").contains(ip("2001:db8:ffff::1")));
        assert!(!cidr("2001:db8::/32").contains(ip("10.0.0.1")));
        assert!(cidr("::/0").contains(ip("::1")));
    }

    #[test]
    fn nth_and_index_of_are_inverse() {
        let pool = cidr("203.0.113.0/24");
        assert_eq!(pool.nth(0), Some(ip("203.0.113.0")));
        assert_eq!(pool.nth(255), Some(ip("203.0.113.255")));
        assert_eq!(pool.nth(256), None);
        assert_eq!(pool.index_of(ip("203.0.113.7")), Some(7));
        assert_eq!(pool.index_of(ip("203.0.114.7")), None);
        let v6 = cidr("fd00::/120");
        assert_eq!(v6.nth(17), Some(ip("fd00::11")));
        assert_eq!(v6.index_of(ip("fd00::11")), Some(17));
        assert_eq!(
            cidr("::/0").nth(u128::MAX - 1),
            Some(ip("ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe"))
        );
        for index in [0, 1, 1000, (1 << 20) - 1] {
            let services = cidr("10.96.0.0/12");
            assert_eq!(services.index_of(services.nth(index).unwrap()), Some(index));
        }
    }

    #[test]
    fn overlaps_when_one_range_holds_the_others_network() {
        assert!(cidr("10.0.0.0/8").overlaps(&cidr("10.244.0.0/16")));
        assert!(cidr("10.244.0.0/16").overlaps(&cidr("10.0.0.0/8")));
        assert!(!cidr("10.96.0.0/12").overlaps(&cidr("10.244.0.0/16")));
        assert!(!cidr("10.0.0.0/8").overlaps(&cidr("fd00::/8")));
    }

    #[test]
    fn new_cuts_an_overlong_prefix_to_the_family() {
        assert_eq!(Cidr::new(ip("10.1.2.3"), 40).to_string(), "10.1.2.3/32");
        assert_eq!(Cidr::new(ip("10.1.2.3"), 16).to_string(), "10.1.0.0/16");
    }
}
