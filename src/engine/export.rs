//! Exports of a scene as text other tools draw: a Mermaid flowchart (GitHub and
//! GitLab render it in Markdown) and a Graphviz DOT graph.
//!
//! Both are written from the same [`Scene`] the app and `kubetopo render` draw, so
//! an export holds what the picture holds, view and filter included. The scene is
//! first turned into a small graph ([`Diagram`]): namespace islands and node boxes
//! become clusters (Mermaid subgraphs, DOT `cluster_` subgraphs), and the pods of
//! one workload on one node fold into one box, so that a Deployment of fifty
//! replicas is one box with a count instead of fifty.
//!
//! Names come from manifests and may hold anything: quotes, brackets, `#`, `;`,
//! backslashes and control characters. Identifiers in the output are therefore
//! never names but positions (`n0`, `s1`), and every label is escaped for its
//! format (see [`mermaid_text`] and [`dot_text`]), so any input gives output the
//! real parsers accept. The output is deterministic: it follows the scene's order.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::scene::{parse_id, IdKind, Scene, ShapeKind, View};

/// The scene as Mermaid flowchart text (`flowchart LR`).
pub fn to_mermaid(scene: &Scene) -> String {
    let diagram = Diagram::of(scene);
    let mut out = String::from("flowchart LR\n");
    write_mermaid_items(&diagram, None, 1, &mut out);
    for edge in &diagram.edges {
        let arrow = if edge.style.dashed { "-.->" } else { "-->" };
        let _ = writeln!(
            out,
            "  {} {arrow} {}",
            diagram.ids[edge.from], diagram.ids[edge.to]
        );
    }
    // Styles: one class per look, then one `linkStyle` per edge colour, in the
    // order of `LOOKS` and `EDGE_COLOURS`.
    for look in LOOKS {
        let ids: Vec<&str> = diagram
            .items
            .iter()
            .zip(&diagram.ids)
            .filter(|(item, _)| item.look.name == look.name)
            .map(|(_, id)| id.as_str())
            .collect();
        if ids.is_empty() {
            continue;
        }
        let _ = writeln!(
            out,
            "  classDef {} fill:{},stroke:{},color:#0f172a{}",
            look.name,
            look.fill,
            look.stroke,
            if look.dashed {
                ",stroke-dasharray:4 3"
            } else {
                ""
            }
        );
        let _ = writeln!(out, "  class {} {}", ids.join(","), look.name);
    }
    for colour in EDGE_COLOURS {
        let positions: Vec<String> = diagram
            .edges
            .iter()
            .enumerate()
            .filter(|(_, edge)| edge.style.colour == colour)
            .map(|(position, _)| position.to_string())
            .collect();
        if !positions.is_empty() {
            let _ = writeln!(
                out,
                "  linkStyle {} stroke:{colour},stroke-width:1.5px",
                positions.join(",")
            );
        }
    }
    out
}

/// The scene as a Graphviz DOT digraph, laid out left to right.
pub fn to_dot(scene: &Scene) -> String {
    let diagram = Diagram::of(scene);
    let mut out = String::from(
        "digraph kubetopo {\n  graph [rankdir=LR, compound=true, fontname=\"sans-serif\", fontsize=11, nodesep=0.25, ranksep=0.9];\n  node [shape=box, style=\"rounded,filled\", fontname=\"sans-serif\", fontsize=10, fontcolor=\"#0f172a\"];\n  edge [arrowsize=0.6, penwidth=1.2];\n",
    );
    write_dot_items(&diagram, None, 1, &mut out);
    for edge in &diagram.edges {
        let mut attributes = vec![format!("color=\"{}\"", edge.style.colour)];
        if edge.style.dashed {
            attributes.push("style=dashed".into());
        }
        // An edge to a cluster ends at its border: it goes to a box inside, clipped
        // by `lhead` (`compound=true` above).
        let to = match diagram.first_inside(edge.to) {
            Some(inside) => {
                attributes.push(format!("lhead=cluster_{}", diagram.ids[edge.to]));
                inside
            }
            None => edge.to,
        };
        let from = match diagram.first_inside(edge.from) {
            Some(inside) => {
                attributes.push(format!("ltail=cluster_{}", diagram.ids[edge.from]));
                inside
            }
            None => edge.from,
        };
        if !edge.tooltip.is_empty() {
            attributes.push(format!("tooltip=\"{}\"", dot_text(&edge.tooltip)));
        }
        let _ = writeln!(
            out,
            "  {} -> {} [{}];",
            diagram.ids[from],
            diagram.ids[to],
            attributes.join(", ")
        );
    }
    out.push_str("}\n");
    out
}

/// The name of an exported file: the workspace's name made safe for any file
/// system (lower-case ASCII letters, digits and single dashes, at most 60), then
/// the view for pictures and graphs, then `extension`. Only ASCII letters are
/// lowered: any other character becomes a dash anyway. An empty result falls back
/// to `kubetopo`. `Sample: Online Boutique`, logical view, `svg` gives
/// `sample-online-boutique-logical.svg`.
pub fn file_name(workspace_name: &str, view: Option<View>, extension: &str) -> String {
    let mut stem = String::new();
    for character in workspace_name.chars().map(|c| c.to_ascii_lowercase()) {
        if character.is_ascii_alphanumeric() {
            stem.push(character);
        } else if !stem.is_empty() && !stem.ends_with('-') {
            stem.push('-');
        }
        if stem.len() >= 60 {
            break;
        }
    }
    let stem = stem.trim_end_matches('-');
    let stem = if stem.is_empty() { "kubetopo" } else { stem };
    match view {
        Some(View::Cluster) => format!("{stem}-cluster.{extension}"),
        Some(View::Logical) => format!("{stem}-logical.{extension}"),
        None => format!("{stem}.{extension}"),
    }
}

/// Escapes `text` for the inside of a double-quoted Mermaid label.
///
/// Mermaid reads `#NAME;` and `#NUMBER;` in labels as entities, and a quoted label
/// ends at the next `"`. So every ASCII character other than letters, digits, space
/// and `.-_/=,` is written as a numeric entity (`"` is `#34;`, `#` is `#35;`), and
/// control characters (C0, DEL, C1) as `#65533;`, the replacement character,
/// because the SVG Mermaid draws is XML, which cannot hold them. Other characters
/// are written as they are.
pub fn mermaid_text(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            'a'..='z' | 'A'..='Z' | '0'..='9' | ' ' | '.' | '-' | '_' | '/' | '=' | ',' => {
                escaped.push(character)
            }
            '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}' | '\u{fffe}' | '\u{ffff}' => {
                escaped.push_str("#65533;")
            }
            character if character.is_ascii() => {
                let _ = write!(escaped, "#{};", u32::from(character));
            }
            character => escaped.push(character),
        }
    }
    escaped
}

/// Escapes `text` for the inside of a double-quoted DOT string.
///
/// In a DOT string only `"` needs a backslash, but Graphviz then reads label escapes
/// (`\n`, `\l`, `\N`, …), so a backslash is doubled to stay a backslash. Control
/// characters (C0, DEL, C1) become U+FFFD, the replacement character: Graphviz's
/// SVG output is XML, which cannot hold them.
pub fn dot_text(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '"' => escaped.push_str("\\\""),
            '\\' => escaped.push_str("\\\\"),
            '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}' | '\u{fffe}' | '\u{ffff}' => {
                escaped.push('\u{fffd}')
            }
            character => escaped.push(character),
        }
    }
    escaped
}

// ---------------------------------------------------------------------------
// The graph both formats write
// ---------------------------------------------------------------------------

/// The scene as boxes, clusters and edges. Items are kept in scene order; an
/// item's identifier in the output is its position (`n3`, or `s3` for clusters).
struct Diagram {
    items: Vec<Item>,
    /// The output identifier of each item.
    ids: Vec<String>,
    /// For each item, the items directly inside it, in order.
    children: Vec<Vec<usize>>,
    edges: Vec<DiagramEdge>,
}

struct Item {
    /// Whether this is a cluster (a box holding others) rather than a box.
    cluster: bool,
    parent: Option<usize>,
    /// One or two lines.
    lines: Vec<String>,
    tooltip: String,
    look: Look,
    shape: BoxShape,
}

struct DiagramEdge {
    from: usize,
    to: usize,
    tooltip: String,
    style: EdgeStyle,
}

/// How a box is outlined in Mermaid; DOT draws every box as a rounded box.
#[derive(Clone, Copy, PartialEq, Eq)]
enum BoxShape {
    Rectangle,
    Rounded,
    Stadium,
    Hexagon,
    Parallelogram,
}

impl Diagram {
    // Shapes are found by their position in the scene (`Scene::shape_index`), and
    // per-shape facts are kept in vectors by that position: this code also runs in
    // the browser, where every new map type adds to the download.
    fn of(scene: &Scene) -> Diagram {
        let n_shapes = scene.shapes.len();
        let index_of = |id: &str| scene.shape_index(id);
        // Pods inside a workload group fold into the group: counted, not drawn.
        let mut folded_into: Vec<Option<usize>> = vec![None; n_shapes];
        let mut pod_counts: Vec<(usize, usize)> = vec![(0, 0); n_shapes];
        for (position, shape) in scene.shapes.iter().enumerate() {
            let Some(parent) = shape.parent.as_deref() else {
                continue;
            };
            if shape.kind == ShapeKind::Chip
                && parse_id(parent).map(|(kind, _)| kind) == Some(IdKind::WorkloadGroup)
            {
                if let Some(group) = index_of(parent) {
                    folded_into[position] = Some(group);
                    pod_counts[group].0 += 1;
                    pod_counts[group].1 +=
                        usize::from(shape.class.split(' ').any(|word| word == "ready"));
                }
            }
        }
        let mut has_children = vec![false; n_shapes];
        for (position, shape) in scene.shapes.iter().enumerate() {
            if folded_into[position].is_none() {
                if let Some(parent) = shape.parent.as_deref().and_then(index_of) {
                    has_children[parent] = true;
                }
            }
        }
        // The item each shape is drawn as.
        let mut item_of: Vec<Option<usize>> = vec![None; n_shapes];
        let mut items = Vec::new();
        for (position, shape) in scene.shapes.iter().enumerate() {
            if folded_into[position].is_some() {
                continue;
            }
            let kind = parse_id(&shape.id).map(|(kind, _)| kind);
            // A group with nothing left inside is drawn as a box: an empty cluster
            // would vanish in DOT and look odd in Mermaid.
            let cluster = shape.kind == ShapeKind::Group
                && kind != Some(IdKind::WorkloadGroup)
                && has_children[position];
            let mut lines = vec![shape.label.clone()];
            let mut look = Look::of_class(&shape.class);
            match pod_counts[position] {
                (0, _) if !shape.sublabel.is_empty() => lines.push(shape.sublabel.clone()),
                (0, _) => {}
                (n_pods, n_ready) => {
                    lines.push(format!(
                        "{} · {n_pods} pod{}, {n_ready} ready",
                        shape.sublabel,
                        if n_pods == 1 { "" } else { "s" }
                    ));
                    if n_ready < n_pods {
                        look = Look::named("podsNotReady");
                    }
                }
            }
            let shape_of_box = match kind {
                Some(IdKind::Service) => BoxShape::Rounded,
                Some(IdKind::External) => BoxShape::Stadium,
                Some(IdKind::LoadBalancer) => BoxShape::Hexagon,
                Some(IdKind::Ingress) => BoxShape::Parallelogram,
                _ => BoxShape::Rectangle,
            };
            item_of[position] = Some(items.len());
            items.push(Item {
                cluster,
                parent: None,
                lines,
                tooltip: shape.tooltip.clone(),
                look,
                shape: shape_of_box,
            });
        }
        let mut children = vec![Vec::new(); items.len()];
        for (position, shape) in scene.shapes.iter().enumerate() {
            let (Some(item), Some(parent_item)) = (
                item_of[position],
                shape
                    .parent
                    .as_deref()
                    .and_then(index_of)
                    .and_then(|parent| item_of[parent]),
            ) else {
                continue;
            };
            if items[parent_item].cluster && parent_item != item {
                items[item].parent = Some(parent_item);
                children[parent_item].push(item);
            }
        }
        let ids = items
            .iter()
            .enumerate()
            .map(|(position, item)| format!("{}{position}", if item.cluster { "s" } else { "n" }))
            .collect();
        let end = |id: &str| {
            let position = index_of(id)?;
            item_of[folded_into[position].unwrap_or(position)]
        };
        let mut edges: Vec<DiagramEdge> = Vec::new();
        // Edges to pods folded into one box become one edge that names them all.
        // Keyed by text, the kind of map the scene already has.
        let mut seen: BTreeMap<String, usize> = BTreeMap::new();
        for edge in &scene.edges {
            let (Some(from), Some(to)) = (end(&edge.from), end(&edge.to)) else {
                continue;
            };
            if from == to {
                continue;
            }
            let key = format!("{from} {to} {}", edge.class);
            if let Some(&position) = seen.get(&key) {
                let merged = &mut edges[position];
                merged.tooltip.push_str("; ");
                merged.tooltip.push_str(&edge.tooltip);
                continue;
            }
            seen.insert(key, edges.len());
            edges.push(DiagramEdge {
                from,
                to,
                tooltip: edge.tooltip.clone(),
                style: EdgeStyle::of_class(&edge.class),
            });
        }
        Diagram {
            items,
            ids,
            children,
            edges,
        }
    }

    /// The first box inside cluster `position` (depth first), or `None` when
    /// `position` is a box itself.
    fn first_inside(&self, position: usize) -> Option<usize> {
        if !self.items[position].cluster {
            return None;
        }
        for &child in &self.children[position] {
            match self.first_inside(child) {
                Some(inside) => return Some(inside),
                None if !self.items[child].cluster => return Some(child),
                None => {}
            }
        }
        None
    }

    fn top_level(&self, parent: Option<usize>) -> Vec<usize> {
        match parent {
            Some(parent) => self.children[parent].clone(),
            None => (0..self.items.len())
                .filter(|&position| self.items[position].parent.is_none())
                .collect(),
        }
    }
}

fn write_mermaid_items(diagram: &Diagram, parent: Option<usize>, depth: usize, out: &mut String) {
    let indent = "  ".repeat(depth);
    for position in diagram.top_level(parent) {
        let item = &diagram.items[position];
        let id = &diagram.ids[position];
        let label = item
            .lines
            .iter()
            .map(|line| mermaid_text(line))
            .collect::<Vec<_>>()
            .join("<br>");
        if item.cluster {
            let _ = writeln!(out, "{indent}subgraph {id}[\"{label}\"]");
            write_mermaid_items(diagram, Some(position), depth + 1, out);
            let _ = writeln!(out, "{indent}end");
        } else {
            let (open, close) = match item.shape {
                BoxShape::Rectangle => ("[", "]"),
                BoxShape::Rounded => ("(", ")"),
                BoxShape::Stadium => ("([", "])"),
                BoxShape::Hexagon => ("{{", "}}"),
                BoxShape::Parallelogram => ("[/", "/]"),
            };
            let _ = writeln!(out, "{indent}{id}{open}\"{label}\"{close}");
        }
    }
}

fn write_dot_items(diagram: &Diagram, parent: Option<usize>, depth: usize, out: &mut String) {
    let indent = "  ".repeat(depth);
    for position in diagram.top_level(parent) {
        let item = &diagram.items[position];
        let id = &diagram.ids[position];
        let label = item
            .lines
            .iter()
            .map(|line| dot_text(line))
            .collect::<Vec<_>>()
            .join("\\n");
        let look = item.look;
        if item.cluster {
            // A DOT subgraph is a cluster only when its name starts with `cluster`.
            let _ = writeln!(
                out,
                "{indent}subgraph cluster_{id} {{\n{indent}  label=\"{label}\"; tooltip=\"{}\"; style=\"rounded,filled{}\"; fillcolor=\"{}\"; color=\"{}\";",
                dot_text(&item.tooltip),
                if look.dashed { ",dashed" } else { "" },
                look.fill,
                look.stroke
            );
            write_dot_items(diagram, Some(position), depth + 1, out);
            let _ = writeln!(out, "{indent}}}");
        } else {
            let _ = writeln!(
                out,
                "{indent}{id} [label=\"{label}\", tooltip=\"{}\", fillcolor=\"{}\", color=\"{}\"{}];",
                dot_text(&item.tooltip),
                look.fill,
                look.stroke,
                if look.dashed {
                    ", style=\"rounded,filled,dashed\""
                } else {
                    ""
                }
            );
        }
    }
}

// ---------------------------------------------------------------------------
// Colours: those of the app's stylesheet and `scene::to_svg`
// ---------------------------------------------------------------------------

/// The fill and outline of a box, by the scene class it has.
#[derive(Clone, Copy)]
struct Look {
    name: &'static str,
    fill: &'static str,
    stroke: &'static str,
    dashed: bool,
}

const LOOKS: &[Look] = &[
    look("plain", "#ffffff", "#cbd5e1", false),
    look("namespace", "#f1f5f9", "#cbd5e1", true),
    look("node", "#f8fafc", "#cbd5e1", false),
    look("nodeFailed", "#fee2e2", "#ef4444", false),
    look("nodeCordoned", "#f8fafc", "#f59e0b", true),
    look("clusterIP", "#ffffff", "#3b82f6", false),
    look("nodePort", "#ffffff", "#10b981", false),
    look("loadBalancerService", "#ffffff", "#f97316", false),
    look("externalName", "#ffffff", "#a855f7", true),
    look("headless", "#ffffff", "#64748b", true),
    look("noEndpoints", "#fef2f2", "#ef4444", false),
    look("podsReady", "#dcfce7", "#15803d", false),
    look("podsNotReady", "#fef3c7", "#b45309", false),
    look("podTerminating", "#fee2e2", "#b91c1c", false),
    look("podPending", "#e2e8f0", "#64748b", false),
    look("ingress", "#ffffff", "#0ea5e9", false),
    look("loadBalancer", "#ffffff", "#f97316", false),
    look("external", "#f1f5f9", "#64748b", false),
    look("workload", "#ffffff", "#6366f1", false),
    look("workloadDegraded", "#fef3c7", "#6366f1", false),
];

const fn look(name: &'static str, fill: &'static str, stroke: &'static str, dashed: bool) -> Look {
    Look {
        name,
        fill,
        stroke,
        dashed,
    }
}

impl Look {
    fn named(name: &str) -> Look {
        LOOKS
            .iter()
            .copied()
            .find(|look| look.name == name)
            .unwrap_or(LOOKS[0])
    }

    fn of_class(class: &str) -> Look {
        let words: Vec<&str> = class.split(' ').collect();
        let has = |word: &str| words.contains(&word);
        let name = match words.first().copied().unwrap_or_default() {
            "namespace" => "namespace",
            "node" if has("failed") => "nodeFailed",
            "node" if has("cordoned") => "nodeCordoned",
            "node" => "node",
            "service" if has("no-endpoints") => "noEndpoints",
            "service" if has("headless") => "headless",
            "service" if has("node-port-type") => "nodePort",
            "service" if has("load-balancer-type") => "loadBalancerService",
            "service" if has("external-name") => "externalName",
            "service" => "clusterIP",
            "workload-group" => "podsReady",
            "pod" if has("ready") => "podsReady",
            "pod" if has("not-ready") => "podsNotReady",
            "pod" if has("terminating") => "podTerminating",
            "pod" => "podPending",
            "ingress" => "ingress",
            "load-balancer" => "loadBalancer",
            "external" => "external",
            "workload" if has("degraded") => "workloadDegraded",
            "workload" => "workload",
            _ => "plain",
        };
        Look::named(name)
    }
}

/// Every colour an edge can have, in the order Mermaid's `linkStyle` lines list them.
const EDGE_COLOURS: [&str; 6] = [
    "#64748b", "#94a3b8", "#0ea5e9", "#f59e0b", "#ef4444", "#a855f7",
];

/// The colour and dash of an edge, by the scene class it has.
#[derive(Clone, Copy)]
struct EdgeStyle {
    colour: &'static str,
    dashed: bool,
}

impl EdgeStyle {
    fn of_class(class: &str) -> EdgeStyle {
        let words: Vec<&str> = class.split(' ').collect();
        let has = |word: &str| words.contains(&word);
        let (colour, dashed) = if has("dependency") {
            ("#a855f7", true)
        } else if has("route") {
            ("#0ea5e9", false)
        } else if has("unhealthy") || has("terminating") {
            ("#ef4444", true)
        } else if has("not-ready") {
            ("#f59e0b", false)
        } else if has("external") || has("capture") {
            ("#64748b", false)
        } else {
            ("#94a3b8", false)
        };
        EdgeStyle { colour, dashed }
    }
}
