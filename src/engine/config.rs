//! Knobs for the simulated cluster. The CLI flags and the web app's settings map onto this.

use std::net::Ipv4Addr;

use serde::Serialize;

/// An IPv4 prefix, e.g. `10.96.0.0/12`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Ipv4Cidr {
    pub network: Ipv4Addr,
    pub prefix: u8,
}

impl Ipv4Cidr {
    pub fn parse(text: &str) -> Result<Ipv4Cidr, String> {
        let (address, prefix) = text
            .trim()
            .split_once('/')
            .ok_or_else(|| format!("\"{text}\" is not a CIDR such as 10.96.0.0/12"))?;
        let address: Ipv4Addr = address
            .parse()
            .map_err(|_| format!("\"{address}\" is not an IPv4 address"))?;
        let prefix: u8 = prefix
            .parse()
            .ok()
            .filter(|&p| p <= 32)
            .ok_or_else(|| format!("\"{prefix}\" is not a prefix length between 0 and 32"))?;
        let mask = Ipv4Cidr::mask(prefix);
        Ok(Ipv4Cidr {
            network: Ipv4Addr::from(u32::from(address) & mask),
            prefix,
        })
    }
    fn mask(prefix: u8) -> u32 {
        if prefix == 0 {
            0
        } else {
            u32::MAX << (32 - prefix)
        }
    }
    /// Number of addresses in the prefix (at most 2^32, so u64).
    pub fn size(&self) -> u64 {
        1u64 << (32 - self.prefix)
    }
    pub fn contains(&self, address: Ipv4Addr) -> bool {
        u32::from(address) & Ipv4Cidr::mask(self.prefix) == u32::from(self.network)
    }
    /// The address at `index` from the network address.
    pub fn nth(&self, index: u64) -> Option<Ipv4Addr> {
        (index < self.size())
            .then(|| Ipv4Addr::from(u32::from(self.network).wrapping_add(index as u32)))
    }
    pub fn index_of(&self, address: Ipv4Addr) -> Option<u64> {
        self.contains(address)
            .then(|| u64::from(u32::from(address) - u32::from(self.network)))
    }
}

impl std::fmt::Display for Ipv4Cidr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.network, self.prefix)
    }
}

/// Settings of the simulated cluster. `Config::default()` matches a kubeadm cluster.
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    /// Nodes simulated when the manifests contain no Node objects.
    pub n_nodes: usize,
    /// Zones the simulated nodes are spread over, round robin.
    pub zones: Vec<String>,
    pub service_cidr: Ipv4Cidr,
    /// The cluster pod CIDR; each node gets a slice of it.
    pub pod_cidr: Ipv4Cidr,
    /// Where simulated node InternalIPs come from.
    pub node_cidr: Ipv4Cidr,
    /// Where simulated LoadBalancer ingress IPs come from.
    pub load_balancer_pool: Ipv4Cidr,
    pub cluster_domain: String,
    /// Seeds every pseudo-random choice: generated name suffixes and traffic simulation.
    pub seed: u64,
    /// Most pods simulated in the whole cluster; workloads past it get no pods.
    pub max_pods: usize,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            n_nodes: 3,
            zones: vec!["zone-a".into(), "zone-b".into(), "zone-c".into()],
            service_cidr: Ipv4Cidr::parse("10.96.0.0/12").unwrap(),
            pod_cidr: Ipv4Cidr::parse("10.244.0.0/16").unwrap(),
            node_cidr: Ipv4Cidr::parse("172.18.0.0/16").unwrap(),
            load_balancer_pool: Ipv4Cidr::parse("203.0.113.0/24").unwrap(),
            cluster_domain: "cluster.local".into(),
            seed: 0,
            max_pods: 250_000,
        }
    }
}

/// FNV-1a, 64-bit: a small stable hash for deterministic choices. `std`'s hasher is
/// randomly keyed per process, which would make output differ between runs.
pub fn stable_hash(parts: &[&str]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for byte in part.bytes().chain(std::iter::once(0xff)) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    hash
}

/// FNV-1a, 32-bit, as Kubernetes uses for `pod-template-hash`.
pub fn fnv32a(bytes: &[u8]) -> u32 {
    let mut hash: u32 = 0x811c_9dc5;
    for byte in bytes {
        hash ^= u32::from(*byte);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    hash
}

/// A tiny seeded generator (SplitMix64) for the simulation. Deterministic across platforms.
#[derive(Clone, Debug)]
pub struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    pub fn new(seed: u64) -> SplitMix64 {
        SplitMix64 { state: seed }
    }
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    /// Uniform in `0..n` (n > 0), without modulo bias worth caring about for n ≪ 2^64.
    pub fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }
    /// Uniform in [0, 1).
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}
