//! The input shared by the fuzz targets: manifests, plus control bytes the targets
//! use to pick traces, flows and mutations. See docs/fuzzing.md.
//!
//! An input is `TEXT [0xFF CONTROL]`. 0xFF never occurs in UTF-8, so the manifests
//! and seed files of `fuzz/seeds/` are inputs as they are; without a 0xFF, the
//! control bytes are derived from a hash of the text, so every input still makes
//! varied choices, and the fuzzer can learn to append its own.
//!
//! The first control byte may also ask for a hostile document in front of the text:
//! anchors nested up to the depth limit, or large anchored maps and the aliases of
//! them the alias budget allows. These stress the YAML loader's memory accounting
//! (issue #12 item 7), which random mutation of small seeds rarely reaches.

#![allow(dead_code)]

use kubetopo::engine::ingest::MAX_REPLICAS;
use libfuzzer_sys::arbitrary::Unstructured;

/// Bytes of control derived from the text when the input brings none.
const DERIVED_CONTROL_BYTES: usize = 256;

pub struct FuzzInput {
    pub text: String,
    control: Vec<u8>,
}

impl FuzzInput {
    pub fn new(data: &[u8]) -> FuzzInput {
        let (text_bytes, control) = match data.iter().rposition(|&b| b == 0xFF) {
            Some(at) => (&data[..at], data[at + 1..].to_vec()),
            None => (data, derived_control(data)),
        };
        let mut text = String::from_utf8_lossy(text_bytes).into_owned();
        let mut generator = Unstructured::new(&control);
        if let Some(hostile) = hostile_document(&mut generator) {
            text = format!("{hostile}---\n{text}");
        }
        let consumed = control.len() - generator.len();
        FuzzInput {
            text,
            control: control[consumed..].to_vec(),
        }
    }

    /// The control bytes left after the hostile-document choice.
    pub fn control(&self) -> Unstructured<'_> {
        Unstructured::new(&self.control)
    }
}

/// SplitMix64 over an FNV-1a hash of the input: deterministic, and different for
/// every input.
fn derived_control(data: &[u8]) -> Vec<u8> {
    let mut state = data.iter().fold(0xcbf2_9ce4_8422_2325u64, |hash, &byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    });
    let mut bytes = Vec::with_capacity(DERIVED_CONTROL_BYTES);
    while bytes.len() < DERIVED_CONTROL_BYTES {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        bytes.extend_from_slice(&(z ^ (z >> 31)).to_le_bytes());
    }
    bytes
}

/// One time in eight, a generated document: nested anchors or large aliases.
fn hostile_document(control: &mut Unstructured) -> Option<String> {
    let choice: u8 = control.arbitrary().unwrap_or(0);
    match choice % 16 {
        0 => Some(nested_anchors(
            control.int_in_range(1..=98).unwrap_or(98),
            control.int_in_range(1..=64).unwrap_or(1),
            control.arbitrary().unwrap_or(false),
        )),
        1 => Some(large_alias(
            control.int_in_range(1..=4000).unwrap_or(1),
            control.int_in_range(1..=400).unwrap_or(1),
            control.arbitrary().unwrap_or(false),
        )),
        _ => None,
    }
}

/// `n_items` items of anchors nested `depth` deep, as `scripts/hostile-yaml.py
/// nested-anchors` writes them; with `with_aliases`, each item also aliases an
/// anchor of the item before it.
pub fn nested_anchors(depth: usize, n_items: usize, with_aliases: bool) -> String {
    let mut text = String::new();
    for item in 0..n_items {
        text.push_str("- ");
        for level in 0..depth {
            text.push_str(&format!("{{k: &n{level} "));
        }
        if with_aliases && item > 0 {
            text.push_str(&format!("{{k: *n{}}}", depth / 2));
        } else {
            text.push_str("{k: v}");
        }
        text.push_str(&"}".repeat(depth));
        text.push('\n');
    }
    text
}

/// A map of `n_entries` anchored, used `n_aliases` times, as plain aliases or as
/// `<<` merge keys into Service labels.
pub fn large_alias(n_entries: usize, n_aliases: usize, as_merge_keys: bool) -> String {
    let mut text = String::from("kind: ConfigMap\nmetadata: {name: base}\ndata: &base\n");
    for index in 0..n_entries {
        text.push_str(&format!("  key{index}: value{index}\n"));
    }
    if as_merge_keys {
        text.push_str("items:\n");
        for index in 0..n_aliases {
            text.push_str(&format!(
                "- {{kind: Service, metadata: {{name: s{index}, labels: {{<<: *base, own: x}}}}, spec: {{ports: [{{port: 80}}]}}}}\n"
            ));
        }
    } else {
        text.push_str("uses:\n");
        for _ in 0..n_aliases {
            text.push_str("- *base\n");
        }
    }
    text
}

/// A what-if mutation aimed at what the topology holds (or, one time in eight, at a
/// name the fuzzer wrote), as the web app's edit buttons and the CLI make them.
pub fn pick_mutation(
    topology: &kubetopo::engine::Topology,
    control: &mut Unstructured,
) -> Option<kubetopo::engine::whatif::Mutation> {
    use kubetopo::engine::model::{
        ServiceType, SessionAffinity, TrafficDistribution, TrafficPolicy,
    };
    use kubetopo::engine::whatif::{network_policy_from_yaml, Mutation};

    let fuzzed_name = |control: &mut Unstructured| {
        let length = control.int_in_range(0..=20).unwrap_or(0);
        String::from_utf8_lossy(control.bytes(length).unwrap_or_default()).into_owned()
    };
    let invent = control.ratio(1, 8).unwrap_or(false);
    let pod = if invent {
        Some((fuzzed_name(control), fuzzed_name(control)))
    } else {
        pick(&topology.cluster.pods, control).map(|p| (p.namespace.clone(), p.name.clone()))
    };
    let node = if invent {
        Some(fuzzed_name(control))
    } else {
        pick(&topology.cluster.nodes, control).map(|n| n.name.clone())
    };
    let service = if invent {
        Some((fuzzed_name(control), fuzzed_name(control)))
    } else {
        pick(&topology.services, control).map(|s| (s.namespace.clone(), s.name.clone()))
    };
    let workload = pick(&topology.manifests.workloads, control).map(|w| {
        let name = if control.arbitrary().unwrap_or(false) {
            format!("{}/{}", w.kind.as_str(), w.meta.name)
        } else {
            w.meta.name.clone()
        };
        (w.meta.namespace.clone(), name)
    });
    let policy = pick(&topology.manifests.network_policies, control)
        .map(|p| (p.meta.namespace.clone(), p.meta.name.clone()));
    let policy_local = |control: &mut Unstructured| {
        if control.arbitrary().unwrap_or(false) {
            TrafficPolicy::Local
        } else {
            TrafficPolicy::Cluster
        }
    };
    Some(match control.int_in_range(0..=17).unwrap_or(0) {
        0 => {
            let (namespace, name) = pod?;
            Mutation::DeletePod { namespace, name }
        }
        1 => {
            let (namespace, name) = pod?;
            Mutation::KillPod { namespace, name }
        }
        2 => {
            let (namespace, name) = pod?;
            Mutation::MarkPodNotReady { namespace, name }
        }
        3 => {
            let (namespace, name) = pod?;
            Mutation::MarkPodReady { namespace, name }
        }
        4 => {
            let (namespace, name) = pod?;
            Mutation::MarkPodTerminating { namespace, name }
        }
        5 => Mutation::CordonNode { name: node? },
        6 => Mutation::UncordonNode { name: node? },
        7 => Mutation::DrainNode { name: node? },
        8 => Mutation::FailNode { name: node? },
        9 => Mutation::RecoverNode { name: node? },
        10 => {
            let (namespace, name) = workload?;
            Mutation::ScaleWorkload {
                namespace,
                name,
                // Past the replica limit now and then, which must be refused. Large
                // counts under the limit are left out: what-if scaling looks for a
                // free pod IP by scanning every pod for each new pod, so scaling to
                // thousands of replicas is quadratic and took over 10 s here (a known
                // defect, see docs/fuzzing.md), which would end every run early.
                replicas: if control.ratio(1, 16).unwrap_or(false) {
                    control
                        .int_in_range(MAX_REPLICAS as u32 + 1..=u32::MAX)
                        .unwrap_or(u32::MAX)
                } else {
                    control.int_in_range(0..=20).unwrap_or(0)
                },
            }
        }
        11 => {
            let (namespace, name) = service?;
            let service_type = [
                ServiceType::ClusterIP,
                ServiceType::NodePort,
                ServiceType::LoadBalancer,
                ServiceType::ExternalName,
            ][control.int_in_range(0..=3).unwrap_or(0)];
            Mutation::SetServiceType {
                namespace,
                name,
                service_type,
            }
        }
        12 => {
            let (namespace, name) = service?;
            Mutation::SetExternalTrafficPolicy {
                namespace,
                name,
                policy: policy_local(control),
            }
        }
        13 => {
            let (namespace, name) = service?;
            Mutation::SetInternalTrafficPolicy {
                namespace,
                name,
                policy: policy_local(control),
            }
        }
        14 => {
            let (namespace, name) = service?;
            let affinity = if control.arbitrary().unwrap_or(false) {
                SessionAffinity::ClientIP
            } else {
                SessionAffinity::None
            };
            Mutation::SetSessionAffinity {
                namespace,
                name,
                affinity,
            }
        }
        15 => {
            let (namespace, name) = service?;
            let distribution = [
                None,
                Some(TrafficDistribution::PreferSameZone),
                Some(TrafficDistribution::PreferSameNode),
            ][control.int_in_range(0..=2).unwrap_or(0)];
            Mutation::SetTrafficDistribution {
                namespace,
                name,
                distribution,
            }
        }
        16 => {
            let (namespace, name) = policy?;
            Mutation::RemoveNetworkPolicy { namespace, name }
        }
        // A policy pasted into the what-if editor: a deny-all, or fuzzed text.
        _ => {
            let text = if control.arbitrary().unwrap_or(false) {
                let namespace = pod.map_or("default".to_string(), |(namespace, _)| namespace);
                format!("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: fuzz-deny, namespace: {namespace}}}\nspec: {{podSelector: {{}}, policyTypes: [Ingress, Egress]}}\n")
            } else {
                let length = control.int_in_range(0..=200).unwrap_or(0);
                String::from_utf8_lossy(control.bytes(length).unwrap_or_default()).into_owned()
            };
            Mutation::AddNetworkPolicy(Box::new(network_policy_from_yaml(&text).ok()?))
        }
    })
}

pub fn pick<'a, T>(items: &'a [T], control: &mut Unstructured) -> Option<&'a T> {
    if items.is_empty() {
        return None;
    }
    items.get(control.choose_index(items.len()).unwrap_or(0))
}
