//! The engine: manifests in, a resolved Service topology out.
//!
//! Plain Rust with no I/O, no clocks and no unseeded randomness, so it runs the same
//! natively (tests, CLI) and in the browser. The pipeline:
//!
//! 1. [`yaml`] splits and parses the input into spanned trees;
//! 2. [`ingest`] reads them leniently into the typed [`model`];
//! 3. [`cluster`] simulates nodes and pods (§7);
//! 4. [`resolve`] allocates addresses (§3), computes endpoints (§4) and DNS (§6);
//! 5. [`ingress`], [`gateway`], [`deps`], [`validate`] and [`explain`] add routes,
//!    Gateway API status, inferred dependencies and diagnostics.
//!
//! ```
//! use kubetopo::engine::{analyze, config::Config, ingest::SourceFile};
//! let yaml = "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  selector: {app: web}\n  ports: [{port: 80}]\n";
//! let topology = analyze(&[SourceFile::new("web.yaml", yaml)], &Config::default());
//! assert_eq!(topology.services[0].name, "web");
//! assert!(topology.diagnostics.iter().any(|d| d.code == "service-selects-no-pods"));
//! ```

pub mod alloc;
pub mod cidr;
pub mod clip;
pub mod cluster;
pub mod codec;
pub mod config;
pub mod crossings;
pub mod deps;
pub mod diag;
pub mod explain;
pub mod export;
pub mod focus;
pub mod gateway;
pub mod golang;
pub mod highlight;
pub mod ingest;
pub mod ingress;
pub mod k8s_names;
pub mod layer_order;
pub mod lod;
pub mod migrate;
pub mod model;
pub mod netpol;
pub mod output;
pub mod pause;
pub mod policy_graph;
pub mod policy_overlay;
pub mod positions;
pub mod refs;
pub mod regex;
pub mod resolve;
pub mod scene;
pub mod scene_motion;
pub mod selector;
mod sha256;
pub mod share;
pub mod sim;
pub mod sort;
pub mod sources;
pub mod spatial;
pub mod stages;
pub mod text;
pub mod trace;
pub mod trace_overlay;
pub mod validate;
pub mod whatif;
pub mod yaml;

use crate::engine::sort::CollectCompact;
use cluster::{Cluster, PodIndex};
use config::Config;
use deps::Dependency;
use diag::Diagnostic;
use ingest::SourceFile;
use ingress::ResolvedIngress;
use model::Manifests;
use resolve::ResolvedService;

/// Everything the engine knows about one input: the raw model, the simulated
/// cluster and the resolved objects. The UI and the CLI only read this.
#[derive(Clone, Debug)]
pub struct Topology {
    pub config: Config,
    pub manifests: Manifests,
    pub cluster: Cluster,
    pub pod_index: PodIndex,
    pub services: Vec<std::sync::Arc<ResolvedService>>,
    pub ingresses: Vec<ResolvedIngress>,
    /// Gateways and Routes with their status (§11). Shared by a what-if copy: only a
    /// full re-resolve changes them, and it makes them anew.
    pub gateway: std::sync::Arc<gateway::GatewayTopology>,
    pub dependencies: Vec<Dependency>,
    /// Diagnostics from reading the input; kept apart so re-resolving after a
    /// what-if edit does not have to re-read the text.
    pub ingest_diagnostics: Vec<Diagnostic>,
    /// All diagnostics, sorted by source position.
    pub diagnostics: Vec<Diagnostic>,
    /// The what-if edits applied since the manifests were read, and what they
    /// caused; empty for a fresh analysis.
    pub what_if: whatif::WhatIfLog,
    /// Whether this input had NetworkPolicies before its latest change, which
    /// removed them (§13.1): a what-if edit that disabled the last one, or a text
    /// edit the shell tells apart from a new input. The picture keeps the room it
    /// left for their lanes. `analyze` leaves it false; the shell sets it.
    pub had_policies: bool,
}

impl Topology {
    /// A copy for a what-if edit (§13.11). The long lists hold their items behind
    /// `Arc`s, so the copy shares every object with `self` and an edit copies only
    /// what it changes (`whatif::copy_and_change`); the pod index is made again, with pause
    /// points between its pods.
    pub async fn clone_pausable(&self, pause: &pause::Pause<'_>) -> Topology {
        let mut copy = self.clone_but_the_pod_index();
        // Made again rather than copied: it takes as long, and the wasm has no copy
        // of its hash maps to carry.
        copy.pod_index = PodIndex::build_pausable(&copy.cluster.pods, pause).await;
        copy
    }

    /// A copy without the pod index, which [`Topology::clone_pausable`] makes again.
    /// Every field is named, so none is forgotten.
    #[inline(never)]
    fn clone_but_the_pod_index(&self) -> Topology {
        let Topology {
            config,
            manifests,
            cluster,
            pod_index: _,
            services,
            ingresses,
            gateway,
            dependencies,
            ingest_diagnostics,
            diagnostics,
            what_if,
            had_policies,
        } = self;
        Topology {
            config: config.clone(),
            manifests: manifests.clone(),
            cluster: cluster.clone(),
            pod_index: PodIndex::default(),
            services: services.clone(),
            ingresses: ingresses.clone(),
            gateway: gateway.clone(),
            dependencies: dependencies.clone(),
            ingest_diagnostics: ingest_diagnostics.clone(),
            diagnostics: diagnostics.clone(),
            what_if: what_if.clone(),
            had_policies: *had_policies,
        }
    }
}

/// Reads, simulates and resolves. Never fails: problems are diagnostics.
/// [`stages::analyze_with_progress`] says how far it got while it runs.
pub fn analyze(files: &[SourceFile], config: &Config) -> Topology {
    stages::analyze_with_progress(files, config, &mut |_| {})
}

/// Resolves a model and a cluster into a topology. What-if edits change the
/// manifests or the cluster and call this again.
pub fn resolve_topology(
    manifests: Manifests,
    cluster: Cluster,
    config: Config,
    ingest_diagnostics: Vec<Diagnostic>,
) -> Topology {
    pause::finish(resolve_topology_pausable(
        manifests,
        cluster,
        config,
        ingest_diagnostics,
        &pause::Pause::never(),
    ))
}

/// [`resolve_topology`], pausing between Services and between its steps when
/// `pause` says so.
pub async fn resolve_topology_pausable(
    manifests: Manifests,
    cluster: Cluster,
    config: Config,
    ingest_diagnostics: Vec<Diagnostic>,
    pause: &pause::Pause<'_>,
) -> Topology {
    let mut diagnostics = ingest_diagnostics.clone();
    let pod_index = PodIndex::build_pausable(&cluster.pods, pause).await;
    pause.seam().await;
    let services = resolve::resolve_services_pausable(
        &manifests,
        &cluster,
        &pod_index,
        &config,
        &mut diagnostics,
        pause,
    )
    .await;
    pause.seam().await;
    let ingresses = ingress::resolve_ingresses(&manifests, &cluster, &services, &mut diagnostics);
    let gateway = gateway::resolve_gateways(&manifests, &services, &mut diagnostics);
    pause.seam().await;
    let dependencies = deps::infer_dependencies(
        &cluster,
        &services,
        &config.cluster_domain,
        &mut diagnostics,
    );
    pause.seam().await;
    explain::explain_pausable(
        &manifests,
        &cluster,
        &pod_index,
        &services,
        &mut diagnostics,
        pause,
    )
    .await;
    pause.seam().await;
    // Only egress isolation can block DNS; without it there is nothing to check.
    if manifests.network_policies.iter().any(|policy| {
        policy
            .policy_types
            .contains(&model::PolicyDirection::Egress)
    }) {
        let policy_engine = netpol::PolicyEngine::new(&manifests, &cluster);
        diagnostics.extend(netpol::dns_diagnostics(
            &policy_engine,
            netpol::cluster_dns_ip(&config),
        ));
    }
    // The proxy objects kubetopo simulates for Gateways are its own; advice about
    // them (a single replica) is not the user's to act on.
    let simulated: std::collections::BTreeSet<String> = manifests
        .services
        .iter()
        .filter(|s| {
            s.meta
                .annotations
                .contains_key(gateway::dataplane::SIMULATED_ANNOTATION)
        })
        .map(|s| format!("Service/{}/{}", s.meta.namespace, s.meta.name))
        .collect_set();
    if !simulated.is_empty() {
        diagnostics.retain(|d| !simulated.contains(&d.object));
    }
    diag::sort_diagnostics(&mut diagnostics);
    Topology {
        config,
        manifests,
        cluster,
        pod_index,
        services,
        ingresses,
        gateway: std::sync::Arc::new(gateway),
        dependencies,
        ingest_diagnostics,
        diagnostics,
        what_if: whatif::WhatIfLog::default(),
        had_policies: false,
    }
}
