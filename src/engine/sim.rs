//! A deterministic, seeded, tick-based packet-flow simulation: what the web app animates.
//!
//! The simulator owns a [`Topology`] and a list of [`Flow`]s. Each flow emits
//! connections at a rate (connections per tick); each connection follows a
//! [`trace`](super::trace) from its source to its destination, one hop after the other.
//! There are no timers: the UI calls [`Simulator::tick`] and draws what it returns.
//!
//! Traces are cached per flow in a decision tree: a connection draws its random
//! choices (client, node, endpoint) from the simulator's seeded generator while
//! walking the tree, and only an unseen combination runs a trace. The generator is
//! consumed the same way whether or not the tree already holds the path, so the same
//! seed gives the same packets, cache or no cache. A what-if mutation
//! ([`Simulator::apply`]) clears the trees, so new connections follow the new
//! topology at once while packets in flight finish the path they started on.
//!
//! Load spreads as kube-proxy spreads it: uniformly over the endpoint set chosen on
//! the routing node, and per client under sessionAffinity ClientIP.
//!
//! ```
//! use kubetopo::engine::{analyze, config::Config, ingest::SourceFile};
//! use kubetopo::engine::sim::{SimConfig, Simulator};
//! let yaml = "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  type: LoadBalancer\n  selector: {app: web}\n  ports: [{port: 80}]\n";
//! let topology = analyze(&[SourceFile::new("web.yaml", yaml)], &Config::default());
//! let mut simulator = Simulator::new(topology, SimConfig::default());
//! assert_eq!(simulator.flows().len(), 1);
//! for _ in 0..100 {
//!     simulator.tick();
//! }
//! // No pod backs the Service: every connection is refused (§5.2).
//! assert!(simulator.counters().rejected() > 0);
//! ```

use crate::engine::sort::CollectCompact;
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::net::IpAddr;
use std::sync::Arc;

use serde::Serialize;

use super::config::SplitMix64;
use super::model::{Protocol, ServiceType, TrafficPolicy};
use super::refs::NamespacedName;
use super::trace::{
    Cause, Chooser, Destination, HopAction, HttpOptions, Place, Trace, TraceIndex, TraceSource,
    Tracer, Verdict,
};
use super::whatif::{self, Mutation, WhatIfError, WhatIfReport};
use super::Topology;

/// Knobs of the simulation.
#[derive(Clone, Debug, PartialEq)]
pub struct SimConfig {
    pub seed: u64,
    /// Ticks a packet takes on a hop that moves it between places.
    pub ticks_per_hop: u32,
    /// Ticks a packet spends on a hop that stays in one place (a rule, a check).
    pub ticks_per_local_hop: u32,
    /// Connections per tick of each default flow.
    pub default_rate: f64,
    /// Distinct client addresses of each external flow.
    pub n_external_clients: u32,
    /// At most this many packets in flight; a flow that would exceed it skips emitting.
    pub max_packets: usize,
    /// At most this many connections per tick take a path not seen before, which
    /// has to be traced (§13.9); the rest of the tick's connections wait for their
    /// turn. Bounds a tick's work where thousands of flows start at once.
    pub max_traces_per_tick: usize,
}

impl Default for SimConfig {
    fn default() -> SimConfig {
        SimConfig {
            seed: 0,
            ticks_per_hop: 8,
            ticks_per_local_hop: 2,
            default_rate: 0.05,
            n_external_clients: 8,
            max_packets: 200_000,
            max_traces_per_tick: usize::MAX,
        }
    }
}

/// Why a flow exists.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum FlowOrigin {
    /// An external client reaching something the cluster exposes.
    Exposed,
    /// A dependency the engine inferred from env and args.
    Dependency,
    /// Added by the user.
    User,
    /// A connection the NetworkPolicies deny, sent so that their effect shows.
    Denied,
}

/// A stream of connections from one source to one destination.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Flow {
    pub label: String,
    pub origin: FlowOrigin,
    /// Who opens the connections; [`TraceSource::ExternalClients`] spreads them over
    /// several client addresses.
    pub source: TraceSource,
    pub destination: Destination,
    pub protocol: Protocol,
    /// What a request to a URL carries besides the URL: its method and headers (a
    /// CORS preflight, a Route matching on a header; §11.8, §11.10).
    #[serde(skip)]
    pub http: HttpOptions,
    /// Connections per tick.
    pub rate: f64,
}

/// The label of a flow the user adds from `from` to `to` (as typed), which carries
/// `http` (the request form's method and headers): the method when it is not GET,
/// and the headers, so that flows to one address that differ only in what they
/// carry (a Host a Gateway routes by, a header a match needs) are told apart
/// (§11.13). Inlined into its one caller, so that the wasm holds no new function
/// (which renumbers the functions after it, and costs brotli several times its
/// size).
#[inline(always)]
pub fn request_label(from: &str, to: &str, http: &HttpOptions) -> String {
    let mut label = [from, " → "].concat();
    if http.method != "GET" {
        label += &http.method;
        label += " ";
    }
    label += to;
    let mut separator = " (";
    for (name, value) in &http.headers {
        label += separator;
        label += name;
        label += ": ";
        label += value;
        separator = ", ";
    }
    if separator == ", " {
        label += ")";
    }
    label
}

/// A packet drawn this tick.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct PacketInFlight {
    pub flow: u32,
    /// The [`SimPath`] it follows.
    pub path: u32,
    pub hop: u16,
    /// 0 at the start of the hop, towards 1 at its end.
    pub progress: f32,
}

/// A connection that ended this tick.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct SimEvent {
    pub flow: u32,
    pub path: u32,
    pub verdict: Verdict,
}

/// What one tick produced.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct TickOutput {
    pub tick: u64,
    pub packets: Vec<PacketInFlight>,
    pub events: Vec<SimEvent>,
}

/// One hop of a path, reduced to what animation needs. Places are ids; see
/// [`Simulator::place`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct PathHop {
    pub action: HopAction,
    pub from: u32,
    pub to: u32,
    pub ticks: u32,
}

/// One way through the cluster a flow's connection can take.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SimPath {
    pub flow: u32,
    /// Which of the flow's external clients (0 for other sources).
    pub client: u32,
    pub verdict: Verdict,
    /// Id of the reason; see [`Simulator::reason`].
    pub reason: u32,
    /// Id of the endpoint reached (`namespace/pod` or `ip:port`); see [`Simulator::endpoint_name`].
    pub endpoint: Option<u32>,
    pub hops: Vec<PathHop>,
    /// The random choices that led here, to replay the full trace.
    pub choices: Vec<u32>,
    /// The topology generation (number of what-if mutations applied) it was traced on.
    pub generation: u64,
    /// Why it ends so, typed; [`Cause::label`] says it in a few words.
    #[serde(skip)]
    pub cause: Cause,
    /// The last node the connection touched: where it was dropped, rejected or
    /// delivered.
    pub node: Option<String>,
    /// The Service its flow targets, when the flow's destination names one.
    pub service: Option<NamespacedName>,
}

/// Connections of one node or Service, by how they ended.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct VerdictCounts {
    pub delivered: u64,
    pub dropped: u64,
    pub rejected: u64,
    pub unresolved: u64,
    /// Answered by a Gateway with a redirect (3xx): an answer, but not the backend's
    /// (§11.8). Its own column, neither delivered nor dropped.
    pub redirected: u64,
    /// Answered by a Gateway itself with a success (a CORS preflight, §11.8): its
    /// own count, neither delivered nor dropped.
    pub answered: u64,
}

impl VerdictCounts {
    fn add(&mut self, verdict: Verdict) {
        match verdict {
            Verdict::Delivered => self.delivered += 1,
            Verdict::Dropped => self.dropped += 1,
            Verdict::Rejected => self.rejected += 1,
            Verdict::Unresolved => self.unresolved += 1,
            Verdict::Redirected => self.redirected += 1,
            Verdict::Answered => self.answered += 1,
        }
    }
}

/// A connection that ended recently: the flow list shows these.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct RecentConnection {
    pub tick: u64,
    pub flow: u32,
    /// The [`SimPath`] it took; [`Simulator::path_trace`] explains it hop by hop.
    pub path: u32,
    pub verdict: Verdict,
}

/// How many ended connections [`Simulator::recent_connections`] keeps.
pub const N_RECENT: usize = 50;

/// Connections counted when they end.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Counters {
    /// Delivered connections per endpoint, keyed `namespace/pod` (or `ip:port`).
    pub per_endpoint: BTreeMap<String, u64>,
    pub per_verdict: BTreeMap<Verdict, u64>,
    /// Per node: where each connection ended (the last node it touched).
    pub per_node: BTreeMap<String, VerdictCounts>,
    /// Per Service its flow targets.
    pub per_service: BTreeMap<NamespacedName, VerdictCounts>,
}

impl Counters {
    pub fn count(&self, verdict: Verdict) -> u64 {
        self.per_verdict.get(&verdict).copied().unwrap_or(0)
    }
    pub fn delivered(&self) -> u64 {
        self.count(Verdict::Delivered)
    }
    pub fn dropped(&self) -> u64 {
        self.count(Verdict::Dropped)
    }
    pub fn rejected(&self) -> u64 {
        self.count(Verdict::Rejected)
    }
    pub fn unresolved(&self) -> u64 {
        self.count(Verdict::Unresolved)
    }
}

/// The simulation. See the module documentation.
pub struct Simulator {
    world: World,
    state: SimState,
}

/// What traces read.
struct World {
    /// Shared with whoever else shows it (the web app's graph): an edit copies it
    /// only while someone else still holds the old one.
    topology: Arc<Topology>,
    index: TraceIndex,
}

/// What ticks change.
struct SimState {
    config: SimConfig,
    flows: Vec<FlowState>,
    rng: SplitMix64,
    tick: u64,
    generation: u64,
    packets: Vec<Packet>,
    paths: Vec<SimPath>,
    places: Interner<Place>,
    reasons: Interner<String>,
    endpoints: Interner<String>,
    /// The pod behind each interned endpoint, to forget the counts of deleted pods.
    endpoint_pods: Vec<Option<NamespacedName>>,
    /// Endpoints whose pod an edit deleted: packets still in flight to them are
    /// not counted for them.
    endpoint_gone: Vec<bool>,
    endpoint_counts: Vec<u64>,
    verdict_counts: [u64; 6],
    node_counts: BTreeMap<String, VerdictCounts>,
    service_counts: BTreeMap<NamespacedName, VerdictCounts>,
    recent: VecDeque<RecentConnection>,
    output: TickOutput,
    /// Connections each flow opens this tick; kept to reuse its memory.
    emits: Vec<u32>,
    /// The flow that goes first on the next tick when the packet budget cannot
    /// hold every connection (§13.9).
    next_flow: usize,
    /// Whether the last tick ran out of traces before every flow had its turn.
    cut_short: bool,
}

impl Simulator {
    /// A simulator with the default flows of the topology ([`default_flows`]).
    pub fn new(topology: impl Into<Arc<Topology>>, config: SimConfig) -> Simulator {
        let topology = topology.into();
        let index = TraceIndex::build(&topology);
        Simulator::with_index(topology, config, index)
    }

    /// [`Simulator::new`] with the topology's index made already (the web app
    /// makes it while the picture is laid out, §13.11).
    pub fn with_index(topology: Arc<Topology>, config: SimConfig, index: TraceIndex) -> Simulator {
        let flows = default_flows(&topology, &config);
        Simulator::with_flows_and_index(topology, config, flows, index)
    }

    /// A simulator with exactly these flows.
    pub fn with_flows(
        topology: impl Into<Arc<Topology>>,
        config: SimConfig,
        flows: Vec<Flow>,
    ) -> Simulator {
        let topology = topology.into();
        let index = TraceIndex::build(&topology);
        Simulator::with_flows_and_index(topology, config, flows, index)
    }

    fn with_flows_and_index(
        topology: Arc<Topology>,
        config: SimConfig,
        flows: Vec<Flow>,
        index: TraceIndex,
    ) -> Simulator {
        let mut rng = SplitMix64::new(config.seed ^ 0x5eed_5eed_5eed_5eed);
        // A random phase per flow, so that flows of equal rate do not fire in lockstep.
        let flows = flows
            .into_iter()
            .map(|flow| {
                let service = service_of(&topology, &index, &flow);
                FlowState::new(flow, rng.next_f64(), service)
            })
            .collect();
        let state = SimState {
            config,
            flows,
            rng,
            tick: 0,
            generation: 0,
            packets: Vec::new(),
            paths: Vec::new(),
            places: Interner::default(),
            reasons: Interner::default(),
            endpoints: Interner::default(),
            endpoint_pods: Vec::new(),
            endpoint_gone: Vec::new(),
            endpoint_counts: Vec::new(),
            verdict_counts: [0; 6],
            node_counts: BTreeMap::new(),
            service_counts: BTreeMap::new(),
            recent: VecDeque::with_capacity(N_RECENT),
            output: TickOutput::default(),
            emits: Vec::new(),
            next_flow: 0,
            cut_short: false,
        };
        Simulator {
            world: World { topology, index },
            state,
        }
    }

    pub fn topology(&self) -> &Topology {
        &self.world.topology
    }

    /// The topology, shared rather than copied.
    pub fn shared_topology(&self) -> Arc<Topology> {
        Arc::clone(&self.world.topology)
    }

    pub fn config(&self) -> &SimConfig {
        &self.state.config
    }

    pub fn flows(&self) -> Vec<&Flow> {
        self.state.flows.iter().map(|state| &state.flow).collect()
    }

    pub fn flow(&self, flow: usize) -> Option<&Flow> {
        self.state.flows.get(flow).map(|state| &state.flow)
    }

    /// Adds a flow and returns its index.
    pub fn add_flow(&mut self, flow: Flow) -> usize {
        let service = service_of(&self.world.topology, &self.world.index, &flow);
        self.state.add_flow(flow, service)
    }

    /// Changes a flow's rate (connections per tick); 0 pauses it.
    pub fn set_rate(&mut self, flow: usize, rate: f64) {
        if let Some(state) = self.state.flows.get_mut(flow) {
            state.flow.rate = if rate.is_finite() { rate.max(0.0) } else { 0.0 };
        }
    }

    /// Sets every flow's rate.
    pub fn set_all_rates(&mut self, rate: f64) {
        for flow in 0..self.state.flows.len() {
            self.set_rate(flow, rate);
        }
    }

    pub fn tick_count(&self) -> u64 {
        self.state.tick
    }

    pub fn n_packets(&self) -> usize {
        self.state.packets.len()
    }

    /// Advances one tick: moves every packet, ends those past their last hop, and lets
    /// each flow emit its connections. Returns the packets in flight and the events.
    pub fn tick(&mut self) -> &TickOutput {
        let state = &mut self.state;
        state.tick += 1;
        state.output.tick = state.tick;
        state.output.packets.clear();
        state.output.events.clear();
        state.advance_packets();

        let mut tracer: Option<Tracer<'_>> = None;
        let mut emits = std::mem::take(&mut state.emits);
        emits.clear();
        for flow_state in &mut state.flows {
            flow_state.credit += flow_state.flow.rate;
            let mut n_emit = 0u32;
            // A bound, so an absurd rate cannot stall a tick.
            while flow_state.credit >= 1.0 && n_emit < 10_000 {
                flow_state.credit -= 1.0;
                n_emit += 1;
            }
            emits.push(n_emit);
        }
        // Under the packet budget every flow opens its connections in order. Past
        // it, the flows take turns (§13.9): this tick starts at the flow the last
        // full tick stopped at, so no flow is starved by the flows listed before it.
        // So do they when the last tick ran out of traces.
        let n_flows = emits.len();
        let wanted: usize = emits.iter().map(|&n| n as usize).sum();
        let free = state.config.max_packets.saturating_sub(state.packets.len());
        let first = if (wanted > free || state.cut_short) && n_flows > 0 {
            state.next_flow % n_flows
        } else {
            0
        };
        let mut traces_left = state.config.max_traces_per_tick;
        state.cut_short = false;
        'flows: for flow in (first..n_flows).chain(0..first) {
            for _ in 0..emits[flow] {
                if state.packets.len() >= state.config.max_packets {
                    state.next_flow = flow;
                    break 'flows;
                }
                let Some(path) = state.open(&self.world, &mut tracer, flow, &mut traces_left)
                else {
                    state.next_flow = flow;
                    state.cut_short = true;
                    break 'flows;
                };
                state.launch(flow as u32, path);
            }
        }
        state.emits = emits;

        for packet in &state.packets {
            state.output.packets.push(PacketInFlight {
                flow: packet.flow,
                path: packet.path,
                hop: packet.hop,
                progress: packet.elapsed as f32 / packet.hop_ticks.max(1) as f32,
            });
        }
        &state.output
    }

    /// Opens one connection of `flow` now, as if the flow had emitted it, and returns
    /// the id of the path it takes (see [`Simulator::path`]). Its packet starts moving
    /// on the next tick.
    pub fn open_connection(&mut self, flow: usize) -> Option<u32> {
        if flow >= self.state.flows.len() {
            return None;
        }
        let (mut tracer, mut unbounded) = (None, usize::MAX);
        let path = self
            .state
            .open(&self.world, &mut tracer, flow, &mut unbounded)?;
        self.state.launch(flow as u32, path);
        Some(path)
    }

    pub fn path(&self, path: u32) -> Option<&SimPath> {
        self.state.paths.get(path as usize)
    }

    pub fn place(&self, place: u32) -> Option<&Place> {
        self.state.places.items.get(place as usize)
    }

    pub fn reason(&self, reason: u32) -> &str {
        self.state
            .reasons
            .items
            .get(reason as usize)
            .map_or("", String::as_str)
    }

    pub fn endpoint_name(&self, endpoint: u32) -> &str {
        self.state
            .endpoints
            .items
            .get(endpoint as usize)
            .map_or("", String::as_str)
    }

    /// The full trace of a path, every hop explained, replayed on the current topology.
    /// `None` when a what-if mutation happened since the path was traced (it could
    /// then differ from what the packet did).
    pub fn path_trace(&self, path: u32) -> Option<Trace> {
        let sim_path = self.state.paths.get(path as usize)?;
        if sim_path.generation != self.state.generation {
            return None;
        }
        let flow = &self.state.flows.get(sim_path.flow as usize)?.flow;
        let source = flow.source.with_client(sim_path.client);
        let tracer = Tracer::with_index(&self.world.topology, Cow::Borrowed(&self.world.index));
        let mut chooser = ReplayChooser {
            prefix: &sim_path.choices,
            position: 0,
            rng: None,
            record: Vec::new(),
        };
        Some(tracer.trace_http(
            &source,
            &flow.destination,
            flow.protocol,
            &flow.http,
            &mut chooser,
        ))
    }

    pub fn counters(&self) -> Counters {
        let state = &self.state;
        let per_endpoint = state
            .endpoints
            .items
            .iter()
            .zip(&state.endpoint_counts)
            .filter(|(_, &n)| n > 0)
            .map(|(name, &n)| (name.clone(), n))
            .collect_map();
        let per_verdict = Verdict::ALL
            .iter()
            .map(|&verdict| (verdict, state.verdict_counts[verdict_slot(verdict)]))
            .collect_map();
        Counters {
            per_endpoint,
            per_verdict,
            per_node: state.node_counts.clone(),
            per_service: state.service_counts.clone(),
        }
    }

    pub fn reset_counters(&mut self) {
        self.state.endpoint_counts.iter_mut().for_each(|n| *n = 0);
        self.state.verdict_counts = [0; 6];
        self.state.node_counts.clear();
        self.state.service_counts.clear();
        self.state.recent.clear();
    }

    /// The last [`N_RECENT`] connections that ended, newest first.
    pub fn recent_connections(&self) -> impl Iterator<Item = &RecentConnection> + '_ {
        self.state.recent.iter().rev()
    }

    /// Applies a what-if mutation to the topology and re-resolves it. New connections
    /// follow the new topology from the next one on; packets in flight finish their
    /// path. Flows for newly exposed Services are appended; no flow is removed (one
    /// whose target is gone now ends `unresolved`, which is the point), and a
    /// denied flow follows its workload to another pod (§8.5).
    pub fn apply(&mut self, mutation: &Mutation) -> Result<WhatIfReport, WhatIfError> {
        let mut topology = Arc::clone(&self.world.topology);
        let report = whatif::apply(Arc::make_mut(&mut topology), mutation)?;
        let index = TraceIndex::build(&topology);
        self.adopt_edited(topology, index);
        Ok(report)
    }

    /// Runs `topology`, which what-if edits made from this simulator's topology
    /// elsewhere (the web app applies them in slices), with its index made
    /// already: what [`Simulator::apply`] does after its edits.
    pub fn adopt_edited(&mut self, topology: Arc<Topology>, index: TraceIndex) {
        self.set_topology_with_index(topology, index);
        self.add_new_flows();
    }

    /// Adds the default flows the topology calls for that no flow has yet: a
    /// Service an edit exposed, say.
    fn add_new_flows(&mut self) {
        let known: BTreeSet<String> = self
            .state
            .flows
            .iter()
            .map(|state| state.flow.label.clone())
            .collect_set();
        let world = &self.world;
        for flow in exposed_and_dependency_flows(&world.topology, &self.state.config) {
            if !known.contains(&flow.label) {
                let service = service_of(&world.topology, &world.index, &flow);
                self.state.add_flow(flow, service);
            }
        }
    }

    /// Replaces the topology (after an edit of the manifests), keeping flows and counters.
    pub fn set_topology(&mut self, topology: impl Into<Arc<Topology>>) {
        let topology = topology.into();
        let index = TraceIndex::build(&topology);
        self.set_topology_with_index(topology, index);
    }

    /// [`Simulator::set_topology`] with the topology's index made already.
    pub fn set_topology_with_index(&mut self, topology: Arc<Topology>, index: TraceIndex) {
        self.retarget_denied_flows(&topology, &index);
        self.world = World { topology, index };
        self.topology_changed();
    }

    /// A denied flow (§8.5) goes to one pod of its destination workload. When the
    /// new `topology` (with its `index`) no longer has that pod at that address
    /// (killed, evicted by a drain, scaled away), the flow goes to a pod the
    /// workload has now, which the policies deny alike, and its label names that
    /// pod. With no pod left it keeps its address, and ends unresolved. The
    /// indexes find the pod at the address, so an edit that leaves it in place
    /// walks no list of pods.
    fn retarget_denied_flows(&mut self, topology: &Topology, index: &TraceIndex) {
        let before = &self.world;
        for state in &mut self.state.flows {
            let flow = &mut state.flow;
            let Destination::Address { ip, .. } = &mut flow.destination else {
                continue;
            };
            if flow.origin != FlowOrigin::Denied {
                continue;
            }
            let Some(gone) = before
                .index
                .pod_at(*ip)
                .map(|p| &before.topology.cluster.pods[p])
            else {
                continue;
            };
            let now = index.pod_at(*ip).map(|p| &topology.cluster.pods[p]);
            let Some(workload) = gone.workload.as_ref() else {
                continue;
            };
            if now.is_some_and(|pod| pod.namespace == gone.namespace && pod.name == gone.name) {
                continue;
            }
            // Only when the pod is gone: a walk over the pods, once for the edit.
            let replacement = topology.cluster.pods.iter().find_map(|pod| {
                let same =
                    pod.namespace == gone.namespace && pod.workload.as_ref() == Some(workload);
                Some((pod, *pod.ips.first()?)).filter(|_| same)
            });
            if let Some((pod, new_ip)) = replacement {
                flow.label =
                    flow.label
                        .replacen(&gone.key().to_string(), &pod.key().to_string(), 1);
                *ip = new_ip;
            }
        }
    }

    /// Forgets the traced paths, and the counts of pods that are gone: the
    /// counters show what exists.
    fn topology_changed(&mut self) {
        self.state.generation += 1;
        for state in &mut self.state.flows {
            state.roots.clear();
        }
        let index = &self.world.index;
        let state = &mut self.state;
        for ((pod, count), gone) in state
            .endpoint_pods
            .iter()
            .zip(state.endpoint_counts.iter_mut())
            .zip(state.endpoint_gone.iter_mut())
        {
            *gone = pod.as_ref().is_some_and(|pod| !index.has_pod(pod));
            if *gone {
                *count = 0;
            }
        }
    }
}

impl SimState {
    fn add_flow(&mut self, flow: Flow, service: Option<NamespacedName>) -> usize {
        let phase = self.rng.next_f64();
        self.flows.push(FlowState::new(flow, phase, service));
        self.flows.len() - 1
    }

    fn launch(&mut self, flow: u32, path: u32) {
        let hop_ticks = self.paths[path as usize]
            .hops
            .first()
            .map_or(0, |h| h.ticks);
        self.packets.push(Packet {
            flow,
            path,
            hop: 0,
            elapsed: 0,
            hop_ticks,
        });
    }

    /// Moves every packet one tick; finished ones become events and counts.
    fn advance_packets(&mut self) {
        let paths = &self.paths;
        let events = &mut self.output.events;
        let endpoint_counts = &mut self.endpoint_counts;
        let endpoint_gone = &self.endpoint_gone;
        let verdict_counts = &mut self.verdict_counts;
        let node_counts = &mut self.node_counts;
        let service_counts = &mut self.service_counts;
        let recent = &mut self.recent;
        let tick = self.tick;
        self.packets.retain_mut(|packet| {
            packet.elapsed += 1;
            if packet.elapsed < packet.hop_ticks {
                return true;
            }
            let path = &paths[packet.path as usize];
            packet.elapsed = 0;
            packet.hop += 1;
            if let Some(hop) = path.hops.get(packet.hop as usize) {
                packet.hop_ticks = hop.ticks;
                return true;
            }
            events.push(SimEvent {
                flow: path.flow,
                path: packet.path,
                verdict: path.verdict,
            });
            verdict_counts[verdict_slot(path.verdict)] += 1;
            if let Some(node) = &path.node {
                match node_counts.get_mut(node) {
                    Some(counts) => counts.add(path.verdict),
                    None => {
                        let mut counts = VerdictCounts::default();
                        counts.add(path.verdict);
                        node_counts.insert(node.clone(), counts);
                    }
                }
            }
            if let Some(service) = &path.service {
                match service_counts.get_mut(service) {
                    Some(counts) => counts.add(path.verdict),
                    None => {
                        let mut counts = VerdictCounts::default();
                        counts.add(path.verdict);
                        service_counts.insert(service.clone(), counts);
                    }
                }
            }
            if recent.len() == N_RECENT {
                recent.pop_front();
            }
            recent.push_back(RecentConnection {
                tick,
                flow: path.flow,
                path: packet.path,
                verdict: path.verdict,
            });
            if let (Verdict::Delivered, Some(endpoint)) = (path.verdict, path.endpoint) {
                let gone = endpoint_gone.get(endpoint as usize).copied() == Some(true);
                if let (false, Some(count)) = (gone, endpoint_counts.get_mut(endpoint as usize)) {
                    *count += 1;
                }
            }
            false
        });
    }

    /// Draws one connection of a flow: its client, then its choices along the cached
    /// decision tree, tracing only when the tree has not seen this combination. A
    /// trace takes one of `traces_left`; `None` when none is left.
    fn open<'w>(
        &mut self,
        world: &'w World,
        tracer: &mut Option<Tracer<'w>>,
        flow: usize,
        traces_left: &mut usize,
    ) -> Option<u32> {
        let n_clients = self.flows[flow].flow.source.n_clients();
        let client = if n_clients > 1 {
            self.rng.below(n_clients as usize) as u32
        } else {
            0
        };
        let flow_state = &mut self.flows[flow];
        if flow_state.roots.len() < n_clients as usize {
            flow_state
                .roots
                .resize_with(n_clients as usize, || DecisionNode::Unvisited);
        }
        // Walk the cached tree, drawing each choice.
        let mut prefix: Vec<u32> = Vec::new();
        {
            let mut node = &mut flow_state.roots[client as usize];
            loop {
                match node {
                    DecisionNode::Leaf(path) => return Some(*path),
                    DecisionNode::Branch(children) => {
                        let choice = self.rng.below(children.len());
                        prefix.push(choice as u32);
                        node = &mut children[choice];
                    }
                    DecisionNode::Unvisited => break,
                }
            }
        }
        // Not seen yet: trace, replaying the choices drawn so far and drawing the rest.
        *traces_left = traces_left.checked_sub(1)?;
        let source = flow_state.flow.source.with_client(client);
        let tracer = tracer.get_or_insert_with(|| {
            Tracer::with_index(&world.topology, Cow::Borrowed(&world.index))
        });
        let mut chooser = ReplayChooser {
            prefix: &prefix,
            position: 0,
            rng: Some(&mut self.rng),
            record: Vec::new(),
        };
        let trace = tracer.trace_http(
            &source,
            &flow_state.flow.destination,
            flow_state.flow.protocol,
            &flow_state.flow.http,
            &mut chooser,
        );
        let record = chooser.record;
        let path_id = self.paths.len() as u32;
        let sim_path = self.summarize(
            flow as u32,
            client,
            &trace,
            record.iter().map(|&(_, choice)| choice).collect(),
        );
        self.paths.push(sim_path);
        // Remember the path in the tree.
        let mut node = &mut self.flows[flow].roots[client as usize];
        for &(n, choice) in &record {
            if !matches!(node, DecisionNode::Branch(children) if children.len() == n as usize) {
                *node =
                    DecisionNode::Branch((0..n.max(1)).map(|_| DecisionNode::Unvisited).collect());
            }
            if let DecisionNode::Branch(children) = node {
                let last = children.len() - 1;
                node = &mut children[(choice as usize).min(last)];
            }
        }
        *node = DecisionNode::Leaf(path_id);
        Some(path_id)
    }

    fn summarize(&mut self, flow: u32, client: u32, trace: &Trace, choices: Vec<u32>) -> SimPath {
        let hops = trace
            .hops
            .iter()
            .map(|hop| {
                let ticks = if hop.from == hop.to {
                    self.config.ticks_per_local_hop
                } else {
                    self.config.ticks_per_hop
                };
                PathHop {
                    action: hop.action,
                    from: self.places.intern(&hop.from),
                    to: self.places.intern(&hop.to),
                    ticks: ticks.max(1),
                }
            })
            .collect();
        let reason = self.reasons.intern(&trace.reason);
        let endpoint = trace.endpoint.as_ref().map(|endpoint| {
            let name = endpoint.pod.as_ref().map_or_else(
                || format!("{}:{}", endpoint.ip, endpoint.port),
                NamespacedName::to_string,
            );
            let id = self.endpoints.intern(&name);
            if self.endpoint_counts.len() <= id as usize {
                self.endpoint_counts.resize(id as usize + 1, 0);
                self.endpoint_pods.resize(id as usize + 1, None);
                self.endpoint_gone.resize(id as usize + 1, false);
            }
            self.endpoint_pods[id as usize] = endpoint.pod.clone();
            id
        });
        let node = trace.hops.iter().rev().find_map(|hop| hop.node.clone());
        SimPath {
            flow,
            client,
            verdict: trace.verdict,
            reason,
            endpoint,
            hops,
            choices,
            generation: self.generation,
            cause: trace.cause.clone(),
            node,
            service: self.flows[flow as usize].service.clone(),
        }
    }
}

/// The flows the simulator starts with: an external client to each exposed Service
/// (each LB IP, each externalIP, or the nodePort when it has neither) and each Ingress
/// route, then each inferred dependency. Sorted as the topology is, so stable.
pub fn default_flows(topology: &Topology, config: &SimConfig) -> Vec<Flow> {
    let mut flows = exposed_and_dependency_flows(topology, config);
    denied_flows(topology, config, &mut flows);
    flows
}

/// The default flows but the denied ones: what a what-if edit adds to, without
/// computing the policy graph again on every edit (the denied flows are chosen
/// once, from the input).
fn exposed_and_dependency_flows(topology: &Topology, config: &SimConfig) -> Vec<Flow> {
    let external = TraceSource::ExternalClients {
        n_clients: config.n_external_clients.max(1),
    };
    let mut flows = Vec::new();
    for service in &topology.services {
        if service.headless || service.service_type == ServiceType::ExternalName {
            continue;
        }
        for port in &service.ports {
            let mut push = |label: String, destination: Destination| {
                flows.push(Flow {
                    label,
                    origin: FlowOrigin::Exposed,
                    source: external.clone(),
                    destination,
                    protocol: port.protocol,
                    http: HttpOptions::default(),
                    rate: config.default_rate,
                });
            };
            let exposed = [
                ("LB", &service.load_balancer_ips),
                ("externalIP", &service.external_ips),
            ];
            for (what, ips) in exposed {
                for ip in ips {
                    push(
                        format!(
                            "external → {} {what} {ip}:{}/{}",
                            service.key(),
                            port.port,
                            port.protocol
                        ),
                        Destination::Address {
                            ip: *ip,
                            port: port.port,
                        },
                    );
                }
            }
            // Under externalTrafficPolicy Local a node without a local endpoint drops
            // what reaches its NodePort (§5.2): send to every node's NodePort, so the
            // drops show beside the load balancer's path, which avoids them.
            let local = service.external_traffic_policy == Some(TrafficPolicy::Local);
            if let (true, Some(node_port)) = (local, port.node_port) {
                for node in &topology.cluster.nodes {
                    push(
                        format!(
                            "external → {} NodePort {node_port}/{} on {}",
                            service.key(),
                            port.protocol,
                            node.name
                        ),
                        Destination::Address {
                            ip: node.internal_ip,
                            port: node_port,
                        },
                    );
                }
                continue;
            }
            if service.load_balancer_ips.is_empty() && service.external_ips.is_empty() {
                if let Some(node_port) = port.node_port {
                    push(
                        format!(
                            "external → {} NodePort {node_port}/{}",
                            service.key(),
                            port.protocol
                        ),
                        Destination::AnyNodePort { node_port },
                    );
                }
            }
        }
    }
    for ingress in &topology.ingresses {
        for route in &ingress.routes {
            let host = route
                .host
                .clone()
                .filter(|h| !h.starts_with('*'))
                .or_else(|| ingress.addresses.first().map(ToString::to_string))
                .unwrap_or_else(|| format!("{}.{}.example", ingress.name, ingress.namespace));
            let path = if route.path.is_empty() || !route.path.starts_with('/') {
                "/".to_string()
            } else {
                route.path.clone()
            };
            let https = route
                .host
                .as_ref()
                .is_some_and(|h| ingress.tls_hosts.contains(h));
            let destination = Destination::Url {
                scheme: if https {
                    crate::engine::trace::Scheme::Https
                } else {
                    crate::engine::trace::Scheme::Http
                },
                host,
                port: None,
                path,
                query: None,
            };
            let label = format!(
                "external → Ingress {}/{} {destination}",
                ingress.namespace, ingress.name
            );
            push_exposed(&mut flows, label, &external, destination, config);
        }
    }
    gateway_flows(topology, &external, config, &mut flows);
    // Each dependency's Service by name, looked up once instead of by a scan of
    // every Service (2,000 of them for 400 dependencies at 10,000 pods).
    // Reversed, so that of two Services with one name the first is kept.
    let services_by_name: BTreeMap<(&str, &str), usize> = topology
        .services
        .iter()
        .enumerate()
        .rev()
        .map(|(position, s)| ((s.namespace.as_str(), s.name.as_str()), position))
        .collect_map();
    for dependency in &topology.dependencies {
        let (from, to) = (&dependency.from, &dependency.to);
        let protocol = services_by_name
            .get(&(to.namespace.as_str(), to.name.as_str()))
            .map(|&position| &topology.services[position])
            .and_then(|s| {
                s.ports
                    .iter()
                    .find(|p| Some(p.port) == dependency.port)
                    .or(s.ports.first())
            })
            .map_or(Protocol::Tcp, |p| p.protocol);
        let port_text = dependency.port.map(|p| format!(":{p}")).unwrap_or_default();
        // A per-pod record of a headless Service (`web-0.nginx`) names one pod (§6):
        // the flow asks DNS for it, and its label says it as the caller wrote it.
        let host = match &dependency.member {
            Some(member) => format!("{member}.{}.{}", to.name, to.namespace),
            None => format!("{}.{}", to.name, to.namespace),
        };
        let label = match &dependency.member {
            Some(_) => format!("{} → {host}{port_text}", dependency.from),
            None => format!("{} → {}{port_text}", dependency.from, dependency.to),
        };
        flows.push(Flow {
            label,
            origin: FlowOrigin::Dependency,
            source: TraceSource::Workload {
                namespace: from.namespace.clone(),
                name: from.name.clone(),
            },
            destination: Destination::Name {
                host,
                port: dependency.port,
            },
            protocol,
            http: HttpOptions::default(),
            rate: config.default_rate,
        });
    }
    flows
}

/// At most this many default flows the NetworkPolicies deny.
const DENIED_FLOWS: usize = 3;

/// A few connections the NetworkPolicies deny (§8.5), each from a workload to a
/// pod of another workload the policies keep it from, on a port that pod serves:
/// with policies in the input, the default traffic shows what they stop (issue
/// #10), not only what they let through. One per destination, the first in the
/// policy graph's order (destination, source, port).
fn denied_flows(topology: &Topology, config: &SimConfig, flows: &mut Vec<Flow>) {
    use super::policy_graph::{policy_graph, PolicyEnd, WorkloadKey};
    if topology.manifests.network_policies.is_empty() {
        return;
    }
    let graph = policy_graph(topology);
    let mut last: Option<&WorkloadKey> = None;
    let mut added = 0;
    for connection in graph.connections.iter().filter(|c| !c.allowed) {
        let PolicyEnd::Workload(from) = &connection.from else {
            continue;
        };
        if added == DENIED_FLOWS {
            break;
        }
        if from.workload.kind == "Pod" || last == Some(&connection.to) {
            continue;
        }
        let Some((pod, ip)) = topology.cluster.pods.iter().find_map(|pod| {
            let ip = *pod.ips.first()?;
            (pod.namespace == connection.to.namespace
                && pod.workload.as_ref() == Some(&connection.to.workload))
            .then_some((pod, ip))
        }) else {
            continue;
        };
        last = Some(&connection.to);
        added += 1;
        flows.push(Flow {
            label: format!(
                "{} → {}/{} :{}/{} ({})",
                from.workload.name,
                pod.namespace,
                pod.name,
                connection.port,
                connection.protocol,
                connection.label
            ),
            origin: FlowOrigin::Denied,
            source: TraceSource::Workload {
                namespace: from.namespace.clone(),
                name: from.workload.name.clone(),
            },
            destination: Destination::Address {
                ip,
                port: i64::from(connection.port),
            },
            protocol: connection.protocol,
            http: HttpOptions::default(),
            rate: config.default_rate,
        });
    }
}

/// An external client's GET requests through each Gateway (§11.10, §11.13): one
/// flow per path match of each rule of an HTTPRoute attached to an HTTP or HTTPS
/// listener, to a hostname the Route serves there (a wildcard's `www` name, or the
/// Gateway's address when it serves every host). Rules that also match on method,
/// headers or query parameters, or on a regular expression, get no flow: a URL
/// alone would not reach them.
fn gateway_flows(
    topology: &Topology,
    external: &TraceSource,
    config: &SimConfig,
    flows: &mut Vec<Flow>,
) {
    use crate::engine::gateway::model::{ListenerProtocol, MatchKind, RouteMatch};
    use crate::engine::trace::Scheme;
    let gateways = &topology.gateway.gateways;
    for route in &topology.gateway.routes {
        let Some(raw) = topology.manifests.gateway.routes.get(route.route_index) else {
            continue;
        };
        for parent in &route.parents {
            let Some(gateway) = parent.gateway_index.and_then(|i| gateways.get(i)) else {
                continue;
            };
            for attachment in &parent.attachments {
                let Some(listener) = gateway.listeners.get(attachment.listener) else {
                    continue;
                };
                let scheme = match listener.protocol_kind {
                    Some(ListenerProtocol::Http) => Scheme::Http,
                    Some(ListenerProtocol::Https) => Scheme::Https,
                    _ => continue,
                };
                let host = attachment
                    .hostnames
                    .iter()
                    .flatten()
                    .map(|h| match h.strip_prefix("*.") {
                        Some(domain) => format!("www.{domain}"),
                        None => h.clone(),
                    })
                    .next()
                    .or_else(|| gateway.address_ips.first().map(ToString::to_string));
                let Some(host) = host else { continue };
                let port = (listener.port != scheme.default_port()).then_some(listener.port);
                for (rule, status) in raw.rules.iter().zip(&route.rules) {
                    if status.dropped.is_some() {
                        continue;
                    }
                    for route_match in &rule.matches {
                        let RouteMatch::Http(http) = route_match else {
                            continue;
                        };
                        let plain = http.method.as_deref().is_none_or(|m| m == "GET")
                            && http.headers.is_empty()
                            && http.query_params.is_empty()
                            && http.path.kind != MatchKind::RegularExpression;
                        if !plain {
                            continue;
                        }
                        let destination = Destination::Url {
                            scheme,
                            host: host.clone(),
                            port,
                            path: http.path.value.clone(),
                            query: None,
                        };
                        let label =
                            format!("external → {} {} {destination}", route.kind, route.key());
                        push_exposed(flows, label, external, destination, config);
                    }
                }
            }
        }
    }
}

/// Adds a flow from outside the cluster, unless one with the same label is there.
fn push_exposed(
    flows: &mut Vec<Flow>,
    label: String,
    external: &TraceSource,
    destination: Destination,
    config: &SimConfig,
) {
    if flows.iter().any(|f| f.label == label) {
        return;
    }
    flows.push(Flow {
        label,
        origin: FlowOrigin::Exposed,
        source: external.clone(),
        destination,
        protocol: Protocol::Tcp,
        http: HttpOptions::default(),
        rate: config.default_rate,
    });
}

/// The Service a flow's destination names: by DNS name, by one of its addresses
/// and ports, by a nodePort, or through the Ingress route of a URL; a URL to a
/// hostname a Gateway claims counts under the Gateway's Service (§11.10). Where
/// several Services answer, the first in [`Topology::services`] does.
///
/// This indexes the topology for the one call: the simulator asks
/// [`service_of`] with the index it keeps.
pub fn flow_service(topology: &Topology, flow: &Flow) -> Option<NamespacedName> {
    service_of(topology, &TraceIndex::build(topology), flow)
}

/// [`flow_service`], through `index`: by name and by address a look-up, not a scan
/// of every Service per flow (at 100,000 pods, 20,000 scans of 20,000 Services
/// took the page 0.5 s). Only nodePorts are still found by a scan.
fn service_of(topology: &Topology, index: &TraceIndex, flow: &Flow) -> Option<NamespacedName> {
    let source_namespace = match &flow.source {
        TraceSource::Workload { namespace, .. } => namespace.as_str(),
        _ => "default",
    };
    let services = &topology.services;
    let has_port = |i: &usize, port: i64| services[*i].ports.iter().any(|p| p.port == port);
    let by_node_port = |node_port: i64| {
        services
            .iter()
            .position(|s| s.ports.iter().any(|p| p.node_port == Some(node_port)))
    };
    let found = match &flow.destination {
        Destination::Name { host, .. } => {
            let mut labels = host.trim_end_matches('.').split('.');
            let name = labels.next().unwrap_or_default();
            let second = labels.next();
            let third = labels.next();
            index
                .service_position(second.unwrap_or(source_namespace), name)
                // A member's own name under a headless Service,
                // `<hostname>.<service>.<namespace>` (§6).
                .or_else(|| {
                    index
                        .service_position(third.filter(|t| *t != "svc")?, second?)
                        .filter(|&position| services[position].headless)
                })
        }
        Destination::Address { ip, port } => {
            let by_address = index
                .services_at(*ip, true)
                .filter(|i| has_port(i, *port))
                .min();
            let is_node = topology.cluster.nodes.iter().any(|n| n.internal_ip == *ip);
            let by_node_port = is_node.then(|| by_node_port(*port)).flatten();
            by_address.into_iter().chain(by_node_port).min()
        }
        Destination::AnyNodePort { node_port } => by_node_port(*node_port),
        Destination::Url {
            scheme,
            host,
            path,
            port,
            ..
        } => {
            let route = topology.ingresses.iter().find_map(|ingress| {
                ingress.routes.iter().find(|route| {
                    let host_matches = route.host.as_deref() == Some(host.as_str())
                        || ingress.addresses.iter().any(|a| a.to_string() == *host)
                        || route.host.is_none();
                    host_matches && route.path == *path
                })
            });
            if let Some(route) = route {
                return Some(route.service.clone());
            }
            // A Gateway's address (§11.2): the flow targets the Gateway's Service.
            let Ok(ip) = host.parse::<IpAddr>() else {
                let dial_port = port.unwrap_or_else(|| scheme.default_port());
                let claiming = topology.gateway.claiming(host, dial_port);
                let gateway = claiming
                    .first()
                    .and_then(|&i| topology.gateway.gateways.get(i))?;
                return gateway.proxy_service.clone();
            };
            index
                .services_at(ip, false)
                .filter(|i| port.is_none_or(|port| has_port(i, port)))
                .min()
        }
    };
    found.map(|i| services[i].key())
}

fn verdict_slot(verdict: Verdict) -> usize {
    match verdict {
        Verdict::Delivered => 0,
        Verdict::Dropped => 1,
        Verdict::Rejected => 2,
        Verdict::Unresolved => 3,
        Verdict::Redirected => 4,
        Verdict::Answered => 5,
    }
}

struct FlowState {
    flow: Flow,
    /// The Service the flow targets, for the per-Service counters.
    service: Option<NamespacedName>,
    /// Fractional connections owed; one is emitted per whole unit.
    credit: f64,
    /// One decision tree per external client (one root for other sources).
    roots: Vec<DecisionNode>,
}

impl FlowState {
    fn new(flow: Flow, phase: f64, service: Option<NamespacedName>) -> FlowState {
        FlowState {
            flow,
            service,
            credit: phase,
            roots: Vec::new(),
        }
    }
}

/// The cache of traces of one flow and client: each random choice a trace makes is
/// a branch; each complete sequence of choices ends in the path it leads to.
enum DecisionNode {
    Unvisited,
    Branch(Vec<DecisionNode>),
    Leaf(u32),
}

#[derive(Clone, Copy, Debug)]
struct Packet {
    flow: u32,
    path: u32,
    hop: u16,
    elapsed: u32,
    /// The ticks of its hop (0 past the last), kept here so that a tick reads the
    /// path only when the packet changes hop: tens of thousands of packets move
    /// every tick, and their paths are scattered in memory.
    hop_ticks: u32,
}

/// Replays a prefix of choices, then draws from the generator, recording `(n, choice)`.
struct ReplayChooser<'p, 'r> {
    prefix: &'p [u32],
    position: usize,
    rng: Option<&'r mut SplitMix64>,
    record: Vec<(u32, u32)>,
}

impl Chooser for ReplayChooser<'_, '_> {
    fn choose(&mut self, n: usize) -> usize {
        let choice = if self.position < self.prefix.len() {
            (self.prefix[self.position] as usize).min(n.saturating_sub(1))
        } else {
            match self.rng.as_deref_mut() {
                Some(rng) => rng.below(n),
                None => 0,
            }
        };
        self.position += 1;
        self.record.push((n as u32, choice as u32));
        choice
    }
}

/// Strings and places stored once, referred to by id.
#[derive(Debug)]
struct Interner<T: Ord + Clone> {
    items: Vec<T>,
    ids: BTreeMap<T, u32>,
}

impl<T: Ord + Clone> Default for Interner<T> {
    fn default() -> Self {
        Interner {
            items: Vec::new(),
            ids: BTreeMap::new(),
        }
    }
}

impl<T: Ord + Clone> Interner<T> {
    fn intern(&mut self, item: &T) -> u32 {
        if let Some(&id) = self.ids.get(item) {
            return id;
        }
        let id = self.items.len() as u32;
        self.items.push(item.clone());
        self.ids.insert(item.clone(), id);
        id
    }
}
