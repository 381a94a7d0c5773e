//! Fuzz target: traces with random sources and destinations over fuzzed manifests.
//!
//! The manifests are analyzed, then up to 8 traces run from sources and to
//! destinations picked from what the topology holds (pods, nodes, workloads,
//! Services by name, cluster IP, node port, pod IP, Ingress URL) or written by the
//! fuzzer itself and read with `parse_source`/`parse_destination`, as the CLI reads
//! `--from` and `--to`. A trace never fails: an unknown source or destination is a
//! `TraceError` or an `unresolved` verdict. See docs/fuzzing.md.

#![no_main]

mod common;

use std::net::{IpAddr, Ipv4Addr};

use kubetopo::engine::analyze;
use kubetopo::engine::config::Config;
use kubetopo::engine::ingest::SourceFile;
use kubetopo::engine::model::Protocol;
use kubetopo::engine::trace::{
    parse_destination, parse_source, render_text, to_json, trace, Destination, TraceRequest,
    TraceSource,
};
use kubetopo::engine::Topology;
use libfuzzer_sys::arbitrary::Unstructured;
use libfuzzer_sys::fuzz_target;

use common::pick;

const MAX_TRACES: usize = 8;

fuzz_target!(|data: &[u8]| {
    let input = common::FuzzInput::new(data);
    let topology = analyze(
        &[SourceFile::new("fuzz.yaml", input.text.as_str())],
        &Config::default(),
    );
    let mut control = input.control();
    for _ in 0..control.int_in_range(1..=MAX_TRACES).unwrap_or(1) {
        let Some(source) = pick_source(&topology, &mut control) else {
            continue;
        };
        let Some(destination) = pick_destination(&topology, &mut control) else {
            continue;
        };
        let protocol = [Protocol::Tcp, Protocol::Udp, Protocol::Sctp]
            [control.int_in_range(0..=2).unwrap_or(0)];
        let request = TraceRequest {
            source,
            destination,
            protocol,
            seed: control.arbitrary().unwrap_or(0),
        };
        let result = trace(&topology, &request);
        assert_eq!(
            trace(&topology, &request),
            result,
            "the same request and seed gave two different traces"
        );
        let json = to_json(&result);
        assert!(
            serde_json::from_str::<serde_json::Value>(&json).is_ok(),
            "trace::to_json produced invalid JSON"
        );
        assert!(!render_text(&result).is_empty());
        for (index, hop) in result.hops.iter().enumerate() {
            assert_eq!(hop.step, index + 1, "hop steps are not 1, 2, 3, …");
        }
    }
});

fn fuzzed_text(control: &mut Unstructured) -> String {
    let length = control.int_in_range(0..=40).unwrap_or(0);
    let bytes = control.bytes(length).unwrap_or_default();
    String::from_utf8_lossy(bytes).into_owned()
}

fn pick_source(topology: &Topology, control: &mut Unstructured) -> Option<TraceSource> {
    let pods = &topology.cluster.pods;
    let nodes = &topology.cluster.nodes;
    Some(match control.int_in_range(0..=5).unwrap_or(0) {
        0 => {
            let pod = pick(pods, control)?;
            TraceSource::Pod {
                namespace: pod.namespace.clone(),
                name: pod.name.clone(),
            }
        }
        1 => TraceSource::Node {
            name: pick(nodes, control)?.name.clone(),
        },
        2 => {
            let pod = pick(pods, control)?;
            let workload = pod.workload.clone()?;
            let name = if control.arbitrary().unwrap_or(false) {
                workload
                    .split_once('/')
                    .map_or(workload.clone(), |(_, n)| n.to_string())
            } else {
                workload
            };
            TraceSource::Workload {
                namespace: pod.namespace.clone(),
                name,
            }
        }
        3 => TraceSource::External {
            client_ip: IpAddr::V4(Ipv4Addr::from(control.arbitrary::<u32>().unwrap_or(0))),
        },
        // What a user types after `--from`, with or without `--client-ip`.
        4 => {
            let text = fuzzed_text(control);
            let client_ip = control
                .arbitrary()
                .unwrap_or(false)
                .then(|| fuzzed_text(control));
            parse_source(&text, client_ip.as_deref()).ok()?
        }
        _ => TraceSource::External {
            client_ip: kubetopo::engine::trace::DEFAULT_CLIENT_IP,
        },
    })
}

fn pick_destination(topology: &Topology, control: &mut Unstructured) -> Option<Destination> {
    let services = &topology.services;
    Some(match control.int_in_range(0..=6).unwrap_or(0) {
        0 => {
            let service = pick(services, control)?;
            let port = pick(&service.ports, control).map(|p| p.port);
            let host = match control.int_in_range(0..=2).unwrap_or(0) {
                0 => service.name.clone(),
                1 => format!("{}.{}", service.name, service.namespace),
                _ => format!("{}.{}.svc.cluster.local", service.name, service.namespace),
            };
            Destination::Name { host, port }
        }
        1 => {
            let service = pick(services, control)?;
            Destination::Address {
                ip: *pick(&service.cluster_ips, control)?,
                port: pick(&service.ports, control).map_or(80, |p| p.port),
            }
        }
        2 => {
            let service = pick(services, control)?;
            Destination::AnyNodePort {
                node_port: pick(&service.ports, control)?.node_port?,
            }
        }
        3 => {
            let pod = pick(&topology.cluster.pods, control)?;
            Destination::Address {
                ip: *pick(&pod.ips, control)?,
                port: control.int_in_range(0..=65535).unwrap_or(80),
            }
        }
        4 => {
            let ingress = pick(&topology.ingresses, control)?;
            let route = pick(&ingress.routes, control)?;
            Destination::Url {
                scheme: if control.arbitrary().unwrap_or(false) {
                    kubetopo::engine::trace::Scheme::Https
                } else {
                    kubetopo::engine::trace::Scheme::Http
                },
                query: None,
                host: route
                    .host
                    .clone()
                    .unwrap_or_else(|| "example.com".to_string()),
                port: None,
                path: route.path.clone(),
            }
        }
        // What a user types after `--to`.
        _ => parse_destination(&fuzzed_text(control)).ok()?,
    })
}
