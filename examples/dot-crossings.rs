//! Compares kubetopo's edge crossings with those of Graphviz `dot` on the same
//! graph: `scripts/dot-crossings.sh` drives it, and the figures it prints are
//! recorded in `tests/it/crossings.rs`.
//!
//! - `dot-crossings scene INPUT...` prints the crossing pairs of kubetopo's cluster view.
//! - `dot-crossings dot INPUT...` prints the same scene as a DOT graph: every shape
//!   that is not a container is a node of its real size, every container (namespace
//!   island, node, workload group) a cluster, a container that edges end at holds a
//!   point node of its own id, and each column of the scene is one `rank=same` set.
//!   Nodes, clusters and edges are written sorted by id, so `dot` starts from the
//!   same order whatever order kubetopo chose.
//! - `dot-crossings count` reads `dot -Tjson` output on standard input and prints
//!   its crossing pairs, counted by `kubetopo::engine::crossings` exactly as the
//!   scene's are.
//!
//! An INPUT is a manifest file, or `synthetic:D,R,N,S` for `SyntheticCluster` with
//! D Deployments of R replicas on N nodes in S namespaces.
// Not in the wasm: the standard sorts are fine here (see clippy.toml).
#![allow(clippy::disallowed_methods)]

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;
use std::io::Read;

use kubetopo::engine::analyze;
use kubetopo::engine::config::Config;
use kubetopo::engine::crossings::{count_crossings, scene_crossings, DrawnEdge};
use kubetopo::engine::ingest::SourceFile;
use kubetopo::engine::scene::{build_scene, id_kind, Filter, IdKind, Scene, ShapeKind, View};
use kubetopo::synth::SyntheticCluster;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("scene") => println!("{}", scene_crossings(&scene(&args[1..]))),
        Some("dot") => print!("{}", to_dot(&scene(&args[1..]))),
        Some("count") => {
            let mut json = String::new();
            std::io::stdin()
                .read_to_string(&mut json)
                .expect("dot -Tjson output on stdin");
            println!("{}", count_dot_json(&json));
        }
        _ => {
            eprintln!("usage: dot-crossings scene|dot INPUT... | dot-crossings count < dot.json");
            std::process::exit(2);
        }
    }
}

fn scene(inputs: &[String]) -> Scene {
    let sources: Vec<SourceFile> = inputs
        .iter()
        .map(|input| match input.strip_prefix("synthetic:") {
            Some(numbers) => {
                let n: Vec<usize> = numbers
                    .split(',')
                    .map(|n| n.parse().expect("synthetic:D,R,N,S"))
                    .collect();
                let cluster = SyntheticCluster {
                    n_deployments: n[0],
                    replicas: n[1],
                    n_nodes: n[2],
                    n_namespaces: n[3],
                    n_http_routes: 0,
                };
                SourceFile::new("synthetic.yaml", cluster.to_yaml())
            }
            None => SourceFile::new(
                input.as_str(),
                std::fs::read_to_string(input).expect("readable input"),
            ),
        })
        .collect();
    build_scene(
        &analyze(&sources, &Config::default()),
        View::Cluster,
        &Filter::default(),
    )
}

/// The column of the scene a shape is drawn in.
fn column(id: &str) -> usize {
    match id_kind(id) {
        Some(IdKind::External | IdKind::LoadBalancer) => 0,
        Some(IdKind::Ingress) => 1,
        Some(IdKind::Service | IdKind::Namespace) => 2,
        _ => 3,
    }
}

fn to_dot(scene: &Scene) -> String {
    let ends: BTreeSet<&str> = scene
        .edges
        .iter()
        .flat_map(|edge| [edge.from.as_str(), edge.to.as_str()])
        .collect();
    let mut children: BTreeMap<Option<&str>, Vec<&str>> = BTreeMap::new();
    for shape in &scene.shapes {
        children
            .entry(shape.parent.as_deref())
            .or_default()
            .push(&shape.id);
    }
    for members in children.values_mut() {
        members.sort_unstable();
    }
    let mut out = String::from(
        "digraph scene {\n  rankdir=LR; newrank=true; ranksep=1.2; nodesep=0.15;\n  node [shape=box, fixedsize=true, label=\"\"];\n",
    );
    let mut columns: BTreeMap<usize, Vec<&str>> = BTreeMap::new();
    write_members(scene, &children, &ends, None, 1, &mut out, &mut columns);
    for members in columns.values() {
        let quoted: Vec<String> = members.iter().map(|id| format!("\"{id}\"")).collect();
        let _ = writeln!(out, "  {{ rank=same; {} }}", quoted.join("; "));
    }
    let mut edges: Vec<(&str, &str)> = scene
        .edges
        .iter()
        .map(|edge| (edge.from.as_str(), edge.to.as_str()))
        .collect();
    edges.sort_unstable();
    for (from, to) in edges {
        let _ = writeln!(out, "  \"{from}\" -> \"{to}\";");
    }
    out.push_str("}\n");
    out
}

fn write_members<'a>(
    scene: &'a Scene,
    children: &BTreeMap<Option<&'a str>, Vec<&'a str>>,
    ends: &BTreeSet<&str>,
    parent: Option<&'a str>,
    depth: usize,
    out: &mut String,
    columns: &mut BTreeMap<usize, Vec<&'a str>>,
) {
    let indent = "  ".repeat(depth);
    for &id in children.get(&parent).map(Vec::as_slice).unwrap_or_default() {
        let shape = scene.shape(id).expect("listed shape");
        if shape.kind == ShapeKind::Group {
            let _ = writeln!(out, "{indent}subgraph \"cluster_{id}\" {{");
            if ends.contains(id) {
                let _ = writeln!(out, "{indent}  \"{id}\" [shape=point];");
                columns.entry(column(id)).or_default().push(id);
            }
            write_members(scene, children, ends, Some(id), depth + 1, out, columns);
            let _ = writeln!(out, "{indent}}}");
        } else {
            let _ = writeln!(
                out,
                "{indent}\"{id}\" [width={:.3}, height={:.3}];",
                shape.rect.w / 72.0,
                shape.rect.h / 72.0
            );
            columns.entry(column(id)).or_default().push(id);
        }
    }
}

/// Crossing pairs of the edges of a `dot -Tjson` layout: each edge's spline (the
/// `b` operation of its `_draw_`) becomes path data for the engine's counter.
fn count_dot_json(json: &str) -> usize {
    let layout: serde_json::Value = serde_json::from_str(json).expect("dot -Tjson output");
    let names: BTreeMap<u64, &str> = layout["objects"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|object| Some((object["_gvid"].as_u64()?, object["name"].as_str()?)))
        .collect();
    let mut drawn: Vec<(String, String, String)> = Vec::new();
    for edge in layout["edges"].as_array().into_iter().flatten() {
        let name = |key: &str| {
            edge[key]
                .as_u64()
                .and_then(|gvid| names.get(&gvid))
                .map(|name| name.to_string())
                .expect("edge end")
        };
        let mut path = String::new();
        for operation in edge["_draw_"].as_array().into_iter().flatten() {
            if !matches!(operation["op"].as_str(), Some("b" | "B")) {
                continue;
            }
            let points: Vec<(f64, f64)> = operation["points"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|p| Some((p[0].as_f64()?, p[1].as_f64()?)))
                .collect();
            let Some(((x, y), rest)) = points.split_first() else {
                continue;
            };
            let _ = write!(path, "M{x},{y}");
            for curve in rest.chunks_exact(3) {
                let _ = write!(
                    path,
                    " C{},{} {},{} {},{}",
                    curve[0].0, curve[0].1, curve[1].0, curve[1].1, curve[2].0, curve[2].1
                );
            }
        }
        drawn.push((name("tail"), name("head"), path));
    }
    let edges: Vec<DrawnEdge> = drawn
        .iter()
        .map(|(from, to, path)| DrawnEdge { from, to, path })
        .collect();
    count_crossings(&edges)
}
