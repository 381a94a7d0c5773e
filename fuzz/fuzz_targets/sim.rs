//! Fuzz target: simulator ticks over fuzzed manifests.
//!
//! The manifests are analyzed and handed to `sim::Simulator` with its default flows
//! and a fuzzed seed. Then up to 300 ticks run, and between them the fuzzer changes
//! rates, adds flows, opens connections, replays the trace of a path and applies
//! what-if mutations, as the web app's controls do. The simulator never fails; its
//! counters only grow, and the packets in flight stay within `max_packets` plus the
//! connections opened by hand (`open_connection` is a user's click, which the limit
//! on flows does not refuse).
//! See docs/fuzzing.md.

#![no_main]

mod common;

use kubetopo::engine::analyze;
use kubetopo::engine::config::Config;
use kubetopo::engine::ingest::SourceFile;
use kubetopo::engine::model::Protocol;
use kubetopo::engine::sim::{Flow, FlowOrigin, SimConfig, Simulator};
use kubetopo::engine::trace::{Destination, TraceSource};
use libfuzzer_sys::fuzz_target;

use common::pick;

const MAX_TICKS: u32 = 300;
/// Small, so that a flood of packets is reached quickly and the limit is exercised.
const MAX_PACKETS: usize = 2_000;

fuzz_target!(|data: &[u8]| {
    let input = common::FuzzInput::new(data);
    let topology = analyze(
        &[SourceFile::new("fuzz.yaml", input.text.as_str())],
        &Config::default(),
    );
    let mut control = input.control();
    let config = SimConfig {
        seed: control.arbitrary().unwrap_or(0),
        max_packets: MAX_PACKETS,
        ..SimConfig::default()
    };
    let mut simulator = Simulator::new(topology, config);
    let mut delivered_before = 0;
    let mut n_opened_by_hand = 0usize;
    for _ in 0..control.int_in_range(1..=MAX_TICKS).unwrap_or(1) {
        match control.int_in_range(0..=15).unwrap_or(0) {
            0 => {
                let n_flows = simulator.flows().len();
                if n_flows > 0 {
                    let flow = control.choose_index(n_flows).unwrap_or(0);
                    // Rates from paused to a flood, and the odd NaN or negative rate
                    // a buggy caller could pass.
                    let rate = match control.int_in_range(0..=3).unwrap_or(0) {
                        0 => 0.0,
                        1 => f64::from(control.int_in_range(1..=1000).unwrap_or(1)) / 100.0,
                        2 => 1e9,
                        _ => f64::from_bits(control.arbitrary().unwrap_or(0)),
                    };
                    simulator.set_rate(flow, rate);
                }
            }
            1 => {
                let topology = simulator.topology();
                let source = match control.int_in_range(0..=2).unwrap_or(0) {
                    0 => pick(&topology.cluster.pods, &mut control).map(|pod| TraceSource::Pod {
                        namespace: pod.namespace.clone(),
                        name: pod.name.clone(),
                    }),
                    1 => {
                        pick(&topology.cluster.nodes, &mut control).map(|node| TraceSource::Node {
                            name: node.name.clone(),
                        })
                    }
                    _ => Some(TraceSource::ExternalClients {
                        n_clients: control.int_in_range(0..=16).unwrap_or(1),
                    }),
                };
                let destination =
                    pick(&topology.services, &mut control).map(|service| Destination::Name {
                        host: format!("{}.{}", service.name, service.namespace),
                        port: pick(&service.ports, &mut control).map(|p| p.port),
                    });
                if let (Some(source), Some(destination)) = (source, destination) {
                    simulator.add_flow(Flow {
                        label: "fuzz".to_string(),
                        origin: FlowOrigin::User,
                        source,
                        destination,
                        protocol: Protocol::Tcp,
                        rate: 0.5,
                    });
                }
            }
            2 => {
                let n_flows = simulator.flows().len();
                if n_flows > 0 {
                    let flow = control.choose_index(n_flows).unwrap_or(0);
                    if let Some(path) = simulator.open_connection(flow) {
                        n_opened_by_hand += 1;
                        assert!(
                            simulator.path(path).is_some(),
                            "an opened path has no SimPath"
                        );
                        if let Some(trace) = simulator.path_trace(path) {
                            assert_eq!(
                                trace.verdict,
                                simulator.path(path).unwrap().verdict,
                                "the replayed trace of a path ends differently"
                            );
                        }
                    }
                }
            }
            3 => {
                if let Some(mutation) = common::pick_mutation(simulator.topology(), &mut control) {
                    let _ = simulator.apply(&mutation);
                }
            }
            4 => {
                simulator.reset_counters();
                delivered_before = 0;
            }
            _ => {}
        }
        let output = simulator.tick();
        assert!(
            output.packets.len() <= MAX_PACKETS + n_opened_by_hand,
            "{} packets in flight, above max_packets ({MAX_PACKETS}) and the {n_opened_by_hand} connections opened by hand",
            output.packets.len()
        );
        for packet in &output.packets {
            assert!(
                (0.0..=1.0).contains(&packet.progress),
                "packet progress {} outside 0..=1",
                packet.progress
            );
        }
        let delivered = simulator.counters().delivered();
        assert!(
            delivered >= delivered_before,
            "the delivered count went down without a reset"
        );
        delivered_before = delivered;
    }
});
