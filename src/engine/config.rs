//! Knobs for the simulated cluster. The CLI flags and the web app's settings map onto
//! this, and `Config::validate` checks them the way the matching Kubernetes flags are
//! checked, so both shells refuse the same settings with the same words.

use crate::engine::sort::SortCompact;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr};

use super::cidr::Cidr;
use super::k8s_names;

/// Settings of the simulated cluster. `Config::default()` matches a kubeadm cluster.
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    /// Nodes simulated when the manifests contain no Node objects.
    pub n_nodes: usize,
    /// Zones the simulated nodes are spread over, round robin.
    pub zones: Vec<String>,
    /// The Service CIDR ClusterIPs come from. IPv4: `Config::validate` says so.
    pub service_cidr: Cidr,
    /// The cluster pod CIDR; each node gets a slice of it. IPv4.
    pub pod_cidr: Cidr,
    /// Where simulated node InternalIPs come from. IPv4.
    pub node_cidr: Cidr,
    /// Where simulated LoadBalancer ingress IPs come from. IPv4.
    pub load_balancer_pool: Cidr,
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
            service_cidr: ipv4_cidr([10, 96, 0, 0], 12),
            pod_cidr: ipv4_cidr([10, 244, 0, 0], 16),
            node_cidr: ipv4_cidr([172, 18, 0, 0], 16),
            load_balancer_pool: ipv4_cidr([203, 0, 113, 0], 24),
            cluster_domain: "cluster.local".into(),
            seed: 0,
            max_pods: 250_000,
        }
    }
}

/// Which setting of `Config` a problem is about. Each shell names it in its own terms:
/// the CLI as a flag (`--pod-cidr`), the web app as a field of its settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Setting {
    Nodes,
    ServiceCidr,
    PodCidr,
    NodeCidr,
    LoadBalancerPool,
    ClusterDomain,
}

/// One setting that a real cluster would refuse, or that would make the simulation
/// meaningless. The message is in the engine's terms and names no flag.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigProblem {
    setting: Setting,
    message: String,
}

impl ConfigProblem {
    fn new(setting: Setting, message: String) -> ConfigProblem {
        ConfigProblem { setting, message }
    }
    pub fn setting(&self) -> Setting {
        self.setting
    }
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for ConfigProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// The most simulated nodes: enough for any manifest set a person pastes, and few
/// enough that the per-node pod CIDRs and the picture stay small.
pub const MAX_SIMULATED_NODES: usize = 5000;

/// The per-node pod CIDR size kube-controller-manager hands out for IPv4
/// (`--node-cidr-mask-size`, default 24).
pub const NODE_CIDR_MASK_SIZE: u8 = 24;

/// kube-controller-manager's `CIDRSet` refuses a cluster CIDR more than 16 bits
/// shorter than the node mask: it would have more than 65,536 node slices.
const MAX_NODE_CIDR_BITS: u8 = 16;

/// kube-apiserver refuses a Service CIDR with more than 20 host bits
/// (`--service-cluster-ip-range` "is too large"), so an IPv4 prefix below /12.
const MAX_SERVICE_CIDR_HOST_BITS: u8 = 20;

/// The allocator keeps the network address, the broadcast address, `.1` for
/// `default/kubernetes` and `.10` for kube-dns, so a usable range needs a few more.
const MIN_SERVICE_CIDR_SIZE: u128 = 8;

impl Config {
    /// Every problem with these settings, in a stable order (by setting). Empty when
    /// the settings are usable. Shells call this before `analyze` and refuse to run
    /// with problems; `analyze` itself does not, so a library user is never stopped.
    pub fn validate(&self) -> Vec<ConfigProblem> {
        let mut problems = Vec::new();
        if !(1..=MAX_SIMULATED_NODES).contains(&self.n_nodes) {
            problems.push(ConfigProblem::new(
                Setting::Nodes,
                format!(
                    "the number of simulated nodes must be from 1 to {MAX_SIMULATED_NODES}, not {}",
                    self.n_nodes
                ),
            ));
        }
        let ranges = [
            (Setting::ServiceCidr, "Service CIDR", self.service_cidr),
            (Setting::PodCidr, "pod CIDR", self.pod_cidr),
            (Setting::NodeCidr, "node address range", self.node_cidr),
            (
                Setting::LoadBalancerPool,
                "LoadBalancer pool",
                self.load_balancer_pool,
            ),
        ];
        for (setting, what, cidr) in ranges {
            // The simulated cluster is single-stack IPv4: every range it allocates
            // from must be IPv4. Requested IPv6 addresses in manifests are still kept.
            if !cidr.is_ipv4() {
                problems.push(ConfigProblem::new(
                    setting,
                    format!("the {what} {cidr} is IPv6; kubetopo simulates an IPv4 cluster, so use an IPv4 range"),
                ));
            }
        }
        let service_cidr = self.service_cidr;
        if service_cidr.is_ipv4() {
            let host_bits = service_cidr.address_bits() - service_cidr.prefix();
            if host_bits > MAX_SERVICE_CIDR_HOST_BITS {
                problems.push(ConfigProblem::new(
                    Setting::ServiceCidr,
                    format!(
                        "the Service CIDR {service_cidr} is too large; for 32-bit addresses, the mask must be >= {} (kube-apiserver allows at most {MAX_SERVICE_CIDR_HOST_BITS} host bits)",
                        service_cidr.address_bits() - MAX_SERVICE_CIDR_HOST_BITS
                    ),
                ));
            }
            if service_cidr.size() < MIN_SERVICE_CIDR_SIZE {
                problems.push(ConfigProblem::new(
                    Setting::ServiceCidr,
                    format!("the Service CIDR {service_cidr} must hold at least {MIN_SERVICE_CIDR_SIZE} addresses (a /29 or larger)"),
                ));
            }
        }
        let pod_cidr = self.pod_cidr;
        if pod_cidr.is_ipv4() {
            if pod_cidr.prefix() > NODE_CIDR_MASK_SIZE {
                problems.push(ConfigProblem::new(
                    Setting::PodCidr,
                    format!(
                        "the pod CIDR {pod_cidr} is smaller than one node's /{NODE_CIDR_MASK_SIZE}: the mask size of the cluster CIDR must be less than or equal to the node CIDR mask size ({NODE_CIDR_MASK_SIZE}), as kube-controller-manager requires"
                    ),
                ));
            } else if NODE_CIDR_MASK_SIZE - pod_cidr.prefix() > MAX_NODE_CIDR_BITS {
                problems.push(ConfigProblem::new(
                    Setting::PodCidr,
                    format!(
                        "the pod CIDR {pod_cidr} is too large: kube-controller-manager splits it into /{NODE_CIDR_MASK_SIZE} node ranges and allows at most {MAX_NODE_CIDR_BITS} bits between the two masks, so the prefix must be /{} or longer",
                        NODE_CIDR_MASK_SIZE - MAX_NODE_CIDR_BITS
                    ),
                ));
            }
        }
        if pod_cidr.overlaps(&service_cidr) {
            problems.push(ConfigProblem::new(
                Setting::PodCidr,
                format!(
                    "the pod CIDR {pod_cidr} overlaps the Service CIDR {service_cidr}: a pod and a Service could get the same address, and kube-proxy would capture connections meant for the pod. Pick ranges that do not overlap"
                ),
            ));
        }
        if let Some(message) = cluster_domain_problem(&self.cluster_domain) {
            problems.push(ConfigProblem::new(Setting::ClusterDomain, message));
        }
        problems.sort_compact_by_key(ConfigProblem::setting);
        problems
    }
}

/// The cluster domain must be a DNS-1123 subdomain, as kubeadm checks
/// `networking.dnsDomain`, with apimachinery's words for what is wrong.
fn cluster_domain_problem(domain: &str) -> Option<String> {
    if domain.is_empty() {
        return Some(
            "the cluster domain is empty; Service names would end in `svc.` with nothing after it. Use a domain such as cluster.local".to_string(),
        );
    }
    let problems = k8s_names::dns1123_subdomain_problems(domain);
    (!problems.is_empty()).then(|| {
        format!(
            "the cluster domain \"{}\" is not valid: {}",
            domain.escape_debug(),
            problems.join("; ")
        )
    })
}

fn ipv4_cidr(octets: [u8; 4], prefix: u8) -> Cidr {
    Cidr::new(IpAddr::V4(Ipv4Addr::from(octets)), prefix)
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
    fnv32a_more(FNV32A_START, bytes)
}

/// What FNV-1a starts from.
pub const FNV32A_START: u32 = 0x811c_9dc5;

/// FNV-1a, 32-bit, going on from `hash` with more bytes.
pub fn fnv32a_more(hash: u32, bytes: &[u8]) -> u32 {
    bytes.iter().fold(hash, |hash, byte| {
        (hash ^ u32::from(*byte)).wrapping_mul(0x0100_0193)
    })
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
