//! Layout and scene: from a topology to a backend-neutral list of shapes.
//!
//! Layout is column-based and deterministic: external clients and load balancers,
//! then ingresses, then Services in namespace islands, then nodes holding their pods
//! grouped by workload. Every position derives from sorted keys and the sizes of the
//! objects before it in its own column, so adding a pod only grows its node box.
//!
//! The same [`Scene`] is drawn by the web app (SVG DOM) and by `kubetopo render`
//! ([`to_svg`]), so the two pictures cannot drift apart.

use crate::engine::sort::{CollectCompact, SortCompact};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::{self, Write as _};

use serde::Serialize;

use super::cluster::FnvBuildHasher;
use super::diag::Severity;
use super::layer_order::{order_layers, order_layers_seeded, Layer, ROOT};
use super::lod;
use super::model::{Readiness, ServiceType};
use super::pause::{self, Pause};
use super::refs::KindRef;
use super::text::{ascii, ip_text, push_int};
use super::trace::Place;
use super::Topology;

#[path = "scene_gateway.rs"]
pub mod gateway;

/// Which picture to draw.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub enum View {
    /// External clients, ingresses, Services and nodes holding pods.
    #[default]
    Cluster,
    /// Workloads and Services, without nodes.
    Logical,
}

/// What to leave out of the picture.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filter {
    /// Only these namespaces, or all when empty.
    pub namespaces: BTreeSet<String>,
    /// Object kinds to hide: `ingress`, `service`, `pod`, `node`, `external`, `dependency`.
    pub hidden_kinds: BTreeSet<String>,
}

/// One entry of the namespace filter's list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NamespaceChoice {
    pub name: String,
    pub chosen: bool,
    /// Whether the input has anything drawn in this namespace. A chosen namespace
    /// that an edit emptied stays in the list, chosen, so that the choice outlives
    /// the edit and can still be taken back.
    pub present: bool,
}

impl Filter {
    /// The namespaces the filter offers (§13.10): every namespace of a Service, a
    /// pod, an Ingress or a Gateway, and every chosen one, sorted by name.
    pub fn namespace_choices(&self, topology: &Topology) -> Vec<NamespaceChoice> {
        let mut present = BTreeSet::new();
        let mut last = None;
        for namespace in topology
            .services
            .iter()
            .map(|service| service.namespace.as_str())
            .chain(
                topology
                    .cluster
                    .pods
                    .iter()
                    .map(|pod| pod.namespace.as_str()),
            )
            .chain(
                topology
                    .ingresses
                    .iter()
                    .map(|ingress| ingress.namespace.as_str()),
            )
            .chain(
                topology
                    .gateway
                    .gateways
                    .iter()
                    .map(|gateway| gateway.namespace.as_str()),
            )
        {
            // The lists come namespace by namespace, so one insertion per run: at
            // 100,000 pods, 120,000 insertions into the set were 65 ms of the task
            // that shows a new picture (issue #9).
            if last != Some(namespace) {
                present.insert(namespace);
                last = Some(namespace);
            }
        }
        let names: BTreeSet<&str> = present
            .iter()
            .copied()
            .chain(self.namespaces.iter().map(String::as_str))
            .collect_set();
        names
            .into_iter()
            .map(|name| NamespaceChoice {
                name: name.to_string(),
                chosen: self.namespaces.contains(name),
                present: present.contains(name),
            })
            .collect()
    }

    /// Chooses `namespace` if it was not chosen, and takes it back if it was. With
    /// none chosen, every namespace is shown.
    pub fn toggle_namespace(&mut self, namespace: &str) {
        if !self.namespaces.remove(namespace) {
            self.namespaces.insert(namespace.to_string());
        }
    }

    fn shows_namespace(&self, namespace: &str) -> bool {
        self.namespaces.is_empty() || self.namespaces.contains(namespace)
    }
    fn shows(&self, kind: &str) -> bool {
        !self.hidden_kinds.contains(kind)
    }
}

/// A coordinate written with one decimal, exactly as `format!("{:.1}", x)` writes
/// it, for the paths and attributes of every shape and edge. The standard
/// formatter's exact mode works through big integers for every number; here a
/// number is rounded in tenths with integer arithmetic, and only one within a
/// hair of a tie (where the tenth depends on digits `x * 10.0` has lost), or out
/// of range, goes through the standard formatter.
#[derive(Clone, Copy, Debug)]
pub struct Tenths(pub f64);

impl fmt::Display for Tenths {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut buffer = [0u8; 24];
        match tenths_digits(self.0, &mut buffer) {
            Some(start) => f.write_str(ascii(&buffer[start..])),
            None => write!(f, "{:.1}", self.0),
        }
    }
}

/// Writes `x` in tenths backwards into the end of `buffer` (the units, the point,
/// the tenth) and returns where it starts; `None` for a number the standard
/// formatter has to write.
fn tenths_digits(x: f64, buffer: &mut [u8; 24]) -> Option<usize> {
    let tenths = x.abs() * 10.0;
    // Below 1e9 tenths, `tenths` is within 1.2e-7 of the exact product, so a
    // fraction 1e-6 away from one half rounds the same way on both.
    let in_range = tenths < 1e9; // false for NaN too
    if !in_range || ((tenths - tenths.floor()) - 0.5).abs() < 1e-6 {
        return None;
    }
    let n = tenths.round() as u64;
    let point = buffer.len() - 2;
    buffer[point] = b'.';
    buffer[point + 1] = b'0' + (n % 10) as u8;
    let mut start = super::text::digits_before(buffer, point, n / 10);
    if x.is_sign_negative() {
        start -= 1;
        buffer[start] = b'-';
    }
    Some(start)
}

/// Appends `x` as [`Tenths`] writes it, without the formatting machinery: a large
/// picture writes a few hundred thousand coordinates into its paths.
pub fn push_tenths(out: &mut String, x: f64) {
    let mut buffer = [0u8; 24];
    match tenths_digits(x, &mut buffer) {
        Some(start) => out.push_str(ascii(&buffer[start..])),
        None => {
            let _ = write!(out, "{x:.1}");
        }
    }
}

/// Appends `prefix`, then the point `x,y` in tenths: one step of SVG path data.
fn push_point(out: &mut String, prefix: &str, (x, y): (f64, f64)) {
    out.push_str(prefix);
    push_tenths(out, x);
    out.push(',');
    push_tenths(out, y);
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Rect {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

impl Rect {
    pub fn center(&self) -> (f64, f64) {
        (self.x + self.w / 2.0, self.y + self.h / 2.0)
    }
    pub fn overlaps(&self, other: &Rect) -> bool {
        self.x < other.x + other.w
            && other.x < self.x + self.w
            && self.y < other.y + other.h
            && other.y < self.y + self.h
    }
}

/// One drawable object. `id` names the model object (`svc:ns/name`, `pod:ns/name`,
/// `node:name`, ...); `class` carries its visual encoding for CSS.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Shape {
    pub id: String,
    pub kind: ShapeKind,
    pub rect: Rect,
    pub class: String,
    pub label: String,
    /// A second, smaller line (type, IP, zone).
    pub sublabel: String,
    /// Hover text.
    pub tooltip: String,
    /// The worst diagnostic on this object, drawn as a badge.
    pub badge: Option<Severity>,
    /// The enclosing shape (pod → node, service → namespace island).
    pub parent: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum ShapeKind {
    /// A labelled container: namespace island, node box, workload group.
    Group,
    /// A box: service, ingress, load balancer, external client, workload.
    Box,
    /// A small square: a pod.
    Chip,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Edge {
    pub from: String,
    pub to: String,
    /// SVG path data, a cubic curve between the two shapes' sides.
    pub path: String,
    pub class: String,
    /// Hover text; every edge has one.
    pub tooltip: String,
    /// Ports or paths written beside the edge (`:80 → 8080`, `/api`), if any.
    pub label: Option<EdgeLabel>,
    /// The scene ids of the objects the edge stands for, when it stands for
    /// objects of its own: the Routes gathered into a Gateway's route edge. A click
    /// on the edge selects the first; selecting any of them lights the edge.
    #[serde(skip)]
    pub stands_for: Vec<String>,
}

/// Text drawn beside an edge, at a point the layout chose so that the labels of a
/// fan of edges out of one shape coincide rather than overlap.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EdgeLabel {
    pub text: String,
    pub x: f64,
    pub y: f64,
    /// Which end of the text sits at `x`.
    pub anchor: LabelAnchor,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum LabelAnchor {
    Start,
    End,
}

/// Scene ids to positions.
type ShapeIndex = HashMap<String, u32, FnvBuildHasher>;

#[derive(Clone, Debug, Default, Serialize)]
pub struct Scene {
    pub width: f64,
    pub height: f64,
    pub shapes: Vec<Shape>,
    pub edges: Vec<Edge>,
    /// Shape id to position in `shapes`. Only looked up, never walked, so its
    /// order cannot show; a hash map finds a shape among 200,000 with one string
    /// comparison where a search tree needs about eighteen. FNV, as the pod
    /// index's maps (and the same map type, so the wasm carries its code once):
    /// SipHash costs more than the comparisons it saves in the wasm build.
    #[serde(skip)]
    index: ShapeIndex,
    /// Each shape's parent, by position: found once when the shape is pushed, so
    /// that walking up to a container (an edge's attachment, levels of detail)
    /// looks nothing up.
    #[serde(skip)]
    parents: Vec<Option<u32>>,
    /// How many Services, pods and nodes it draws, counted as they are pushed: the
    /// page shows them with every new picture, and walking 200,000 shapes for them
    /// was 20 ms of the task that shows it (issue #9).
    #[serde(skip)]
    counts: ShapeCounts,
}

/// The Services, pods and nodes a scene draws; the box of unscheduled pods is not
/// a node.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ShapeCounts {
    pub services: usize,
    pub pods: usize,
    pub nodes: usize,
}

/// Two scenes are equal when they draw the same: the index follows from the shapes.
impl PartialEq for Scene {
    fn eq(&self, other: &Scene) -> bool {
        (self.width, self.height) == (other.width, other.height)
            && self.shapes == other.shapes
            && self.edges == other.edges
    }
}

impl Scene {
    /// Frees up to `n` entries of the shape index; false once it is empty. The page
    /// frees a scene it replaced a step at a time (at 100,000 pods the index is a
    /// string per shape, about 40 ms to free at once); such a scene finds no shape.
    pub fn shed_index(&mut self, n: usize) -> bool {
        let any = !self.index.is_empty();
        self.index.extract_if(|_, _| true).take(n).for_each(drop);
        any
    }

    pub fn shape(&self, id: &str) -> Option<&Shape> {
        self.index.get(id).map(|&i| &self.shapes[i as usize])
    }

    /// The position of shape `id` in [`Scene::shapes`], which is also its position
    /// among the shapes of [`svg_elements`].
    pub fn shape_index(&self, id: &str) -> Option<usize> {
        self.index.get(id).map(|&i| i as usize)
    }

    /// The workload (`wl:namespace/Kind/name`) whose pods a workload group inside a
    /// node box holds. The node name is read from the group's parent rather than
    /// cut at a colon, so a node name with a colon in it cannot shift the cut.
    pub fn workload_of_group(&self, group_id: &str) -> Option<String> {
        group_workload_key(self.shape(group_id)?).map(|key| id_from_key(IdKind::Workload, key))
    }

    /// Where a packet at this object is drawn.
    /// A Route, drawn as edges, is at the middle of its edges' labels (or of their
    /// ends, for edges without one): where the view centres when it is selected.
    pub fn anchor(&self, id: &str) -> Option<(f64, f64)> {
        if id_kind(id) != Some(IdKind::Route) {
            return self.shape(id).map(|s| s.rect.center());
        }
        let (mut sum_x, mut sum_y, mut n_points) = (0.0, 0.0, 0.0);
        for edge in self
            .edges
            .iter()
            .filter(|e| e.stands_for.iter().any(|r| r == id))
        {
            let point = match &edge.label {
                Some(label) => Some((label.x, label.y)),
                None => self
                    .anchor(&edge.from)
                    .zip(self.anchor(&edge.to))
                    .map(|((x1, y1), (x2, y2))| ((x1 + x2) / 2.0, (y1 + y2) / 2.0)),
            };
            if let Some((x, y)) = point {
                sum_x += x;
                sum_y += y;
                n_points += 1.0;
            }
        }
        (n_points > 0.0).then(|| (sum_x / n_points, sum_y / n_points))
    }

    /// Everything one edge away from `id`, plus its parent and children: what a
    /// selection highlights.
    pub fn neighbours(&self, id: &str) -> BTreeSet<String> {
        let mut found = BTreeSet::new();
        for edge in &self.edges {
            if edge.from == id {
                found.insert(edge.to.clone());
            } else if edge.to == id {
                found.insert(edge.from.clone());
            }
        }
        for shape in &self.shapes {
            if shape.parent.as_deref() == Some(id) {
                found.insert(shape.id.clone());
            }
        }
        found
    }

    /// A scene of these shapes and edges (the ids of the edges' ends among the
    /// shapes), such as a part of another scene (`focus::restrict`).
    pub fn from_parts(width: f64, height: f64, shapes: Vec<Shape>, edges: Vec<Edge>) -> Scene {
        let mut scene = Scene {
            width,
            height,
            edges,
            ..Scene::default()
        };
        for shape in shapes {
            scene.push(shape);
        }
        scene
    }

    /// The position of the parent of the shape at `position`, if it has one in
    /// the scene.
    pub fn parent_index(&self, position: usize) -> Option<usize> {
        match self.parents.get(position).copied().flatten() {
            Some(parent) => Some(parent as usize),
            // A parent pushed after its child (scenes put parents first).
            None => self.shape_index(self.shapes.get(position)?.parent.as_deref()?),
        }
    }

    /// How many Services, pods and nodes it draws.
    pub fn counts(&self) -> ShapeCounts {
        self.counts
    }

    fn push(&mut self, shape: Shape) {
        match id_kind(&shape.id) {
            Some(IdKind::Service) => self.counts.services += 1,
            Some(IdKind::Pod) => self.counts.pods += 1,
            Some(IdKind::Node) if shape.id != UNSCHEDULED_NODE_ID => self.counts.nodes += 1,
            _ => {}
        }
        let parent = shape.parent.as_deref().and_then(|id| self.index.get(id));
        self.parents.push(parent.copied());
        // The last shape pushed with an id is the one it finds.
        self.index
            .insert(shape.id.clone(), self.shapes.len() as u32);
        self.shapes.push(shape);
    }
}

// Geometry, in SVG user units.
const MARGIN: f64 = 24.0;
const COLUMN_GAP: f64 = 90.0;
const EXTERNAL_W: f64 = 150.0;
const INGRESS_W: f64 = 170.0;
const SERVICE_W: f64 = 210.0;
const BOX_H: f64 = 40.0;
const ROW_H: f64 = 52.0;
const ISLAND_HEADER: f64 = 28.0;
const ISLAND_PAD: f64 = 10.0;
const NODE_W: f64 = 250.0;
/// A node box's header, above its workload groups.
pub const NODE_HEADER: f64 = 38.0;
/// The gap between a node box's columns of workload groups, and right of the last.
pub const GROUP_GAP: f64 = ISLAND_PAD / 2.0;
/// The gap between a node box's columns of workload groups when the input has
/// NetworkPolicies: the policy overlay's ways out of the groups left of it run up
/// there, one place per kind of way at least `MIN_RUN_GAP` (8 units) apart (§8.6).
pub const POLICY_GROUP_GAP: f64 = 40.0;
const CHIP: f64 = 14.0;
const CHIP_GAP: f64 = 4.0;
const GROUP_LABEL: f64 = 16.0;
const WORKLOAD_W: f64 = 220.0;
/// How far right of a column the lanes of edges drawn around the picture run.
const LANE_OFFSET: f64 = 16.0;
/// The height of the lane above everything that edges around the picture follow.
const TOP_LANE_Y: f64 = 10.0;
const CORNER_RADIUS: f64 = 8.0;
/// How far right of the Services a bundle of dependencies splits into branches.
const BUNDLE_SPLIT: f64 = 16.0;
const BUNDLE_LANES: usize = 4;
const BUNDLE_LANE_GAP: f64 = 10.0;

/// What a scene id names. The id is the kind's prefix, a colon and the object's
/// key (`namespace/name` for namespaced objects, the name for nodes and namespaces),
/// so that shells can go from an id to the object without knowing the format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum IdKind {
    Service,
    Pod,
    Node,
    Ingress,
    /// The entry point (load balancer, external IP or NodePort) of a Service; its
    /// key is the Service's key.
    LoadBalancer,
    /// A workload box of the logical view; its key is `namespace/Kind/name`.
    Workload,
    /// A namespace island around Services; its key is the namespace.
    Namespace,
    /// The pods of one workload inside one node box.
    WorkloadGroup,
    /// The external clients.
    External,
    /// A Gateway (§11.2); its key is `namespace/name`.
    Gateway,
    /// One listener of a Gateway (§11.3); its key is `namespace/name/listener`.
    Listener,
    /// A Route, drawn as edges rather than a shape; its key is `Kind/namespace/name`.
    Route,
}

impl IdKind {
    pub const ALL: [IdKind; 12] = [
        IdKind::Service,
        IdKind::Pod,
        IdKind::Node,
        IdKind::Ingress,
        IdKind::LoadBalancer,
        IdKind::Workload,
        IdKind::Namespace,
        IdKind::WorkloadGroup,
        IdKind::External,
        IdKind::Gateway,
        IdKind::Listener,
        IdKind::Route,
    ];

    fn prefix(self) -> &'static str {
        match self {
            IdKind::Service => "svc:",
            IdKind::Pod => "pod:",
            IdKind::Node => "node:",
            IdKind::Ingress => "ing:",
            IdKind::LoadBalancer => "lb:",
            IdKind::Workload => "wl:",
            IdKind::Namespace => "ns:",
            IdKind::WorkloadGroup => "grp:",
            IdKind::External => "ext:",
            IdKind::Gateway => "gw:",
            IdKind::Listener => "gwl:",
            IdKind::Route => "route:",
        }
    }
}

/// Splits a scene id into its kind and its key; `None` for text that is not a
/// scene id.
pub fn parse_id(id: &str) -> Option<(IdKind, &str)> {
    IdKind::ALL
        .into_iter()
        .find_map(|kind| id.strip_prefix(kind.prefix()).map(|key| (kind, key)))
}

/// The key (`namespace/Kind/name`) of the workload whose pods the workload group
/// `group` holds: [`Scene::workload_of_group`] without the `wl:`, read from the
/// group's own shape.
pub fn group_workload_key(group: &Shape) -> Option<&str> {
    let (IdKind::Node, node) = parse_id(group.parent.as_deref()?)? else {
        return None;
    };
    let (IdKind::WorkloadGroup, key) = parse_id(&group.id)? else {
        return None;
    };
    key.strip_prefix(node)?.strip_prefix(':')
}

/// The kind of a scene id, if it is one.
pub fn id_kind(id: &str) -> Option<IdKind> {
    parse_id(id).map(|(kind, _)| kind)
}

/// The id of the object of `kind` whose key (`namespace/name`, or a bare name for
/// nodes and namespaces) is `key`: the inverse of [`parse_id`].
pub fn id_from_key(kind: IdKind, key: &str) -> String {
    joined(&[kind.prefix(), key])
}

/// The parts one after the other, in one allocation of the right size: ids are
/// made for every pod and edge of a scene, and `format!` costs several times
/// as much.
fn joined(parts: &[&str]) -> String {
    let mut text = String::with_capacity(parts.iter().map(|part| part.len()).sum());
    for part in parts {
        text.push_str(part);
    }
    text
}

/// Ids of model objects in the scene.
pub fn service_id(namespace: &str, name: &str) -> String {
    joined(&[IdKind::Service.prefix(), namespace, "/", name])
}
pub fn pod_id(namespace: &str, name: &str) -> String {
    joined(&[IdKind::Pod.prefix(), namespace, "/", name])
}
pub fn node_id(name: &str) -> String {
    id_from_key(IdKind::Node, name)
}
pub fn ingress_id(namespace: &str, name: &str) -> String {
    joined(&[IdKind::Ingress.prefix(), namespace, "/", name])
}
pub fn load_balancer_id(namespace: &str, name: &str) -> String {
    joined(&[IdKind::LoadBalancer.prefix(), namespace, "/", name])
}
/// A workload, e.g. `wl:default/Deployment/frontend`.
pub fn workload_id(namespace: &str, workload: &KindRef) -> String {
    joined(&[
        IdKind::Workload.prefix(),
        namespace,
        "/",
        &workload.kind,
        "/",
        &workload.name,
    ])
}
/// The key of a workload's id: `namespace/Kind/name`, its id without `wl:`.
pub fn workload_key(namespace: &str, workload: &KindRef) -> String {
    joined(&[namespace, "/", &workload.kind, "/", &workload.name])
}
/// A namespace island.
pub fn namespace_id(namespace: &str) -> String {
    id_from_key(IdKind::Namespace, namespace)
}
/// The pods of `workload` (`Kind/name`) in `namespace` on `node`.
pub fn workload_group_id(node: &str, namespace: &str, workload: &KindRef) -> String {
    joined(&[
        IdKind::WorkloadGroup.prefix(),
        node,
        ":",
        namespace,
        "/",
        &workload.kind,
        "/",
        &workload.name,
    ])
}
pub const EXTERNAL_ID: &str = "ext:internet";
/// The box of pods that no node can run.
pub const UNSCHEDULED_NODE_ID: &str = "node:unscheduled";

/// Where a packet at `place` (a place of a traced path) is drawn in `scene`, or
/// `None` when the scene does not show it. In the logical view a pod is drawn at
/// its workload's box; `topology` says which workload that is.
pub fn place_anchor(scene: &Scene, topology: &Topology, place: &Place) -> Option<(f64, f64)> {
    match place {
        Place::Client => scene.anchor(EXTERNAL_ID),
        // Cluster DNS has no box of its own: packets ask it just above the first
        // namespace island.
        Place::Dns => scene
            .shapes
            .iter()
            .find(|shape| id_kind(&shape.id) == Some(IdKind::Namespace))
            .map(|shape| (shape.rect.x + shape.rect.w / 2.0, shape.rect.y - 8.0)),
        Place::LoadBalancer(service_key) => scene
            .anchor(&id_from_key(IdKind::LoadBalancer, &service_key.to_string()))
            .or_else(|| scene.anchor(&id_from_key(IdKind::Service, &service_key.to_string()))),
        Place::Node(name) => scene
            .shape(&node_id(name))
            .map(|shape| (shape.rect.x + 14.0, shape.rect.y + 14.0)),
        Place::Pod(pod_key) => scene
            .anchor(&id_from_key(IdKind::Pod, &pod_key.to_string()))
            .or_else(|| {
                let pod = topology.cluster.pods.iter().find(|p| p.key() == *pod_key)?;
                scene.anchor(&workload_id(&pod.namespace, pod.workload.as_ref()?))
            }),
        Place::Outside(_) => scene.shape(EXTERNAL_ID).map(|shape| {
            (
                shape.rect.x + shape.rect.w / 2.0,
                shape.rect.y + shape.rect.h + 20.0,
            )
        }),
    }
}

/// Builds the scene of `topology` for `view`, leaving out what `filter` hides.
pub fn build_scene(topology: &Topology, view: View, filter: &Filter) -> Scene {
    build_scene_after(topology, view, filter, None)
}

/// The y of each Service's row, by scene id, so that the ingress and Gateway boxes
/// line up with the Services they route to. Positions into a list, in a map type
/// the engine has anyway (a `BTreeMap<String, f64>` of its own costs the wasm).
#[derive(Default)]
pub struct ServiceRows {
    positions: BTreeMap<String, usize>,
    ys: Vec<f64>,
}

impl ServiceRows {
    fn insert(&mut self, id: String, y: f64) {
        match self.positions.get(&id) {
            Some(&position) => self.ys[position] = y,
            None => {
                self.positions.insert(id, self.ys.len());
                self.ys.push(y);
            }
        }
    }

    pub fn get(&self, id: &str) -> Option<f64> {
        self.positions.get(id).map(|&position| self.ys[position])
    }
}

/// Builds the scene of `topology` as [`build_scene`] does, but, given the
/// `previous` picture of the same view and filter (before an edit), keeps the order
/// it chose for every Service, node, workload group and pod still there, so that an
/// edit moves only what it changed (§13.8). When most of the picture is new (another
/// input), the order is chosen afresh.
pub fn build_scene_after(
    topology: &Topology,
    view: View,
    filter: &Filter,
    previous: Option<&Scene>,
) -> Scene {
    pause::finish(build_scene_pausable(
        topology,
        view,
        filter,
        previous,
        &Pause::never(),
    ))
}

/// [`build_scene_after`], pausing between Services and between nodes when `pause`
/// says so.
pub async fn build_scene_pausable(
    topology: &Topology,
    view: View,
    filter: &Filter,
    previous: Option<&Scene>,
    pause: &Pause<'_>,
) -> Scene {
    let badges = badges(topology);
    // About two shapes per pod (its chip and a share of its workload group), so that
    // the lists and the index of a large picture grow once, not twenty times.
    let expected = 2 * topology.cluster.pods.len() + topology.services.len();
    let mut scene = Scene {
        shapes: Vec::with_capacity(expected),
        parents: Vec::with_capacity(expected),
        index: ShapeIndex::with_capacity_and_hasher(expected, Default::default()),
        ..Scene::default()
    };
    let x_external = MARGIN;
    let x_ingress = x_external + EXTERNAL_W + COLUMN_GAP;
    // Without ingresses and Gateways their column folds away.
    let has_ingresses = filter.shows("ingress")
        && (topology
            .ingresses
            .iter()
            .any(|i| filter.shows_namespace(&i.namespace))
            || topology
                .gateway
                .gateways
                .iter()
                .any(|g| filter.shows_namespace(&g.namespace)));
    let x_service = if has_ingresses {
        x_ingress + INGRESS_W + COLUMN_GAP
    } else {
        x_ingress
    };

    let services: Vec<_> = topology
        .services
        .iter()
        .filter(|s| filter.shows_namespace(&s.namespace) && filter.shows("service"))
        .collect();

    // Services, in namespace islands, placed by `pack_islands`.
    let mut service_rows = ServiceRows::default();
    let mut by_namespace: BTreeMap<&str, Vec<&super::resolve::ResolvedService>> = BTreeMap::new();
    for service in &services {
        by_namespace
            .entry(service.namespace.as_str())
            .or_default()
            .push(service);
    }
    let packing = packing(topology, filter, &by_namespace);
    // Layer ordering (crossing reduction) for the classic picture only: a packed
    // picture is read by its tiles, and must not reorder when a pod is added (§13.1).
    let ranks = if packing == Packing::Column {
        column_ranks(topology, view, filter, previous)
    } else {
        BTreeMap::new()
    };
    let mut ordered: Vec<(&str, Vec<&super::resolve::ResolvedService>)> =
        by_namespace.into_iter().collect();
    ordered.sort_compact_by_cached_key(|(namespace, _)| rank(&ranks, &namespace_id(namespace)));
    for (_, members) in &mut ordered {
        members.sort_compact_by_cached_key(|service| {
            rank(&ranks, &service_id(&service.namespace, &service.name))
        });
    }
    let island_sizes: Vec<usize> = ordered.iter().map(|(_, members)| members.len()).collect();
    let islands = pack_islands(&island_sizes, x_service - ISLAND_PAD, packing);
    for ((namespace, members), island) in ordered.iter().zip(&islands.islands) {
        let island_id = namespace_id(namespace);
        scene.push(Shape {
            id: island_id.clone(),
            kind: ShapeKind::Group,
            rect: island.rect,
            class: "namespace".into(),
            label: namespace.to_string(),
            sublabel: String::new(),
            tooltip: joined(&["namespace ", namespace]),
            badge: None,
            parent: None,
        });
        for (position, service) in members.iter().enumerate() {
            pause.point().await;
            let (service_x, service_y) = island.service_position(position);
            let id = service_id(&service.namespace, &service.name);
            let type_class = if service.headless {
                "headless"
            } else {
                service_type_class(service.service_type)
            };
            let address = if service.headless {
                "headless".to_string()
            } else if let Some(name) = &service.external_name {
                name.clone()
            } else {
                service
                    .cluster_ips
                    .first()
                    .map(ToString::to_string)
                    .unwrap_or_default()
            };
            let ports: Vec<String> = service.ports.iter().map(|p| p.port.to_string()).collect();
            let n_ready = service.endpoints.iter().filter(|e| e.ready).count();
            let no_endpoints = service.service_type != ServiceType::ExternalName && n_ready == 0;
            scene.push(Shape {
                id: id.clone(),
                kind: ShapeKind::Box,
                rect: Rect {
                    x: service_x,
                    y: service_y,
                    w: SERVICE_W,
                    h: BOX_H,
                },
                class: joined(&[
                    "service ",
                    type_class,
                    if no_endpoints { " no-endpoints" } else { "" },
                ]),
                label: service.name.clone(),
                sublabel: format!(
                    "{} · {}{}",
                    type_label(service),
                    address,
                    if ports.is_empty() {
                        String::new()
                    } else {
                        format!(" :{}", ports.join(","))
                    }
                ),
                tooltip: format!(
                    "Service {}/{} ({}), {} of {} endpoints ready",
                    service.namespace,
                    service.name,
                    type_label(service),
                    n_ready,
                    service.endpoints.len()
                ),
                badge: badges
                    .get(&joined(&[
                        "Service/",
                        &service.namespace,
                        "/",
                        &service.name,
                    ]))
                    .copied(),
                parent: Some(island_id.clone()),
            });
            service_rows.insert(id, service_y);
        }
    }
    let services_bottom = islands.bottom;
    let x_right = islands.right + ISLAND_PAD + COLUMN_GAP;

    // Load balancers and external entry points, aligned with their Service.
    let mut left_slots = SlotColumn::default();
    let mut ingress_slots = SlotColumn::default();
    if filter.shows("external") {
        let exposed: Vec<_> = services
            .iter()
            .filter(|s| s.externally_accessible())
            .collect();
        if !exposed.is_empty() || has_ingresses {
            let rect = left_slots.place(x_external, MARGIN, EXTERNAL_W, BOX_H);
            scene.push(Shape {
                id: EXTERNAL_ID.into(),
                kind: ShapeKind::Box,
                rect,
                class: "external".into(),
                label: "External clients".into(),
                sublabel: "internet".into(),
                tooltip: "Clients outside the cluster".into(),
                badge: None,
                parent: None,
            });
        }
        for service in exposed {
            let id = load_balancer_id(&service.namespace, &service.name);
            let service_key = service_id(&service.namespace, &service.name);
            let want_y = service_rows.get(&service_key).unwrap_or(MARGIN);
            let rect = left_slots.place(x_external, want_y, EXTERNAL_W, BOX_H);
            let (label, sublabel) = match (
                service.load_balancer_ips.first(),
                service.external_ips.first(),
            ) {
                (Some(ip), _) => ("Load balancer".to_string(), ip.to_string()),
                (None, Some(ip)) => ("External IP".to_string(), ip.to_string()),
                _ => (
                    "NodePort".to_string(),
                    service
                        .ports
                        .iter()
                        .filter_map(|p| p.node_port)
                        .map(|p| format!(":{p}"))
                        .collect::<Vec<_>>()
                        .join(" "),
                ),
            };
            scene.push(Shape {
                id: id.clone(),
                kind: ShapeKind::Box,
                rect,
                class: "load-balancer".into(),
                label,
                sublabel,
                tooltip: joined(&["Entry point of ", &service.namespace, "/", &service.name]),
                badge: None,
                parent: None,
            });
            scene
                .edges
                .push(edge(&scene, EXTERNAL_ID, &id, "external", "client traffic"));
            scene.edges.push(edge(
                &scene,
                &id,
                &service_key,
                "capture",
                "captured by kube-proxy",
            ));
        }
    }
    if filter.shows("ingress") {
        for ingress in topology
            .ingresses
            .iter()
            .filter(|i| filter.shows_namespace(&i.namespace))
        {
            let id = ingress_id(&ingress.namespace, &ingress.name);
            let targets: Vec<String> = ingress
                .routes
                .iter()
                .map(|r| id_from_key(IdKind::Service, &r.service.to_string()))
                .collect();
            let want_y = targets
                .iter()
                .filter_map(|t| service_rows.get(t))
                .fold(f64::INFINITY, f64::min);
            let rect = ingress_slots.place(
                x_ingress,
                if want_y.is_finite() { want_y } else { MARGIN },
                INGRESS_W,
                BOX_H,
            );
            let hosts: BTreeSet<&str> = ingress
                .routes
                .iter()
                .map(|r| r.host.as_deref().unwrap_or("*"))
                .collect_set();
            // The box names a single host: its edges' labels say only the paths.
            let one_host = hosts.len() == 1;
            scene.push(Shape {
                id: id.clone(),
                kind: ShapeKind::Box,
                rect,
                class: "ingress".into(),
                label: ingress.name.clone(),
                sublabel: hosts.into_iter().collect::<Vec<_>>().join(", "),
                tooltip: format!(
                    "Ingress {}/{} (class {})",
                    ingress.namespace,
                    ingress.name,
                    ingress.class_name.as_deref().unwrap_or("none")
                ),
                badge: badges
                    .get(&joined(&[
                        "Ingress/",
                        &ingress.namespace,
                        "/",
                        &ingress.name,
                    ]))
                    .copied(),
                parent: None,
            });
            if scene.shape(EXTERNAL_ID).is_some() {
                let from = match &ingress.controller_service {
                    Some(controller) => load_balancer_id(&controller.namespace, &controller.name),
                    None => EXTERNAL_ID.to_string(),
                };
                let from = if scene.shape(&from).is_some() {
                    from
                } else {
                    EXTERNAL_ID.to_string()
                };
                scene.edges.push(edge(
                    &scene,
                    &from,
                    &id,
                    "external",
                    "HTTP via the ingress controller",
                ));
            }
            // One edge per target Service, labelled with every path that leads there.
            let mut by_target: Vec<(&String, Vec<&super::ingress::IngressRoute>)> = Vec::new();
            for (route, target) in ingress.routes.iter().zip(&targets) {
                if scene.shape(target).is_none() {
                    continue;
                }
                match by_target.iter_mut().find(|(t, _)| *t == target) {
                    Some((_, routes)) => routes.push(route),
                    None => by_target.push((target, vec![route])),
                }
            }
            for (target, routes) in by_target {
                let matches: Vec<String> = routes
                    .iter()
                    .map(|route| match &route.host {
                        Some(host) if !one_host => format!("{host}{}", route.path),
                        _ => route.path.clone(),
                    })
                    .collect();
                let route_edge = labelled_edge(
                    &scene,
                    (&id, target),
                    "route",
                    &routes
                        .iter()
                        .map(|route| {
                            format!(
                                "{}{} → {}{}",
                                route.host.as_deref().unwrap_or("*"),
                                route.path,
                                route.service,
                                route
                                    .resolved_port
                                    .map(|p| format!(":{p}"))
                                    .unwrap_or_default()
                            )
                        })
                        .collect::<Vec<_>>()
                        .join("; "),
                    (matches.join(", "), LabelAnchor::End),
                );
                scene.edges.push(route_edge);
            }
        }
    }

    if filter.shows("ingress") {
        gateway::place_gateways(
            topology,
            filter,
            &mut scene,
            &mut ingress_slots,
            &gateway::GatewayColumn {
                x: x_ingress,
                width: INGRESS_W,
                service_rows: &service_rows,
                badges: &badges,
            },
        );
    }

    let right_bottom = match view {
        View::Cluster => {
            place_nodes(
                topology,
                filter,
                &mut scene,
                NodeBlock {
                    x0: x_right,
                    target_height: services_bottom,
                    packing,
                    previous,
                },
                (&badges, &ranks),
                pause,
            )
            .await
        }
        View::Logical => place_workloads(
            topology, filter, &mut scene, x_right, packing, &badges, &ranks,
        ),
    };

    // Service → endpoints and LB → node edges.
    for service in &services {
        pause.point().await;
        let service_key = service_id(&service.namespace, &service.name);
        // Targets already drawn from this Service (a hash map for its speed: it is
        // only asked, never walked).
        let mut seen = ShapeIndex::default();
        for endpoint in &service.endpoints {
            let Some(pod) = &endpoint.pod else { continue };
            let target = match view {
                View::Cluster => pod_id(&pod.namespace, &pod.name),
                View::Logical => match endpoint
                    .pod_index
                    .and_then(|i| topology.cluster.pods.get(i))
                    .and_then(|p| p.workload.as_ref())
                {
                    Some(workload) => workload_id(&service.namespace, workload),
                    None => pod_id(&pod.namespace, &pod.name),
                },
            };
            if scene.shape(&target).is_none() || seen.insert(target.clone(), 0).is_some() {
                continue;
            }
            let state = Readiness::of(endpoint.terminating, endpoint.ready).as_str();
            let ports = port_mapping(service, endpoint);
            let space = if ports.is_empty() { "" } else { " " };
            let tooltip = joined(&[
                "endpoint ",
                &pod.namespace,
                "/",
                &pod.name,
                " (",
                state,
                ")",
                space,
                &ports,
            ]);
            let endpoint_edge = labelled_edge(
                &scene,
                (&service_key, &target),
                &joined(&["endpoint ", state]),
                &tooltip,
                (ports, LabelAnchor::Start),
            );
            scene.edges.push(endpoint_edge);
        }
        if view == View::Cluster && service.externally_accessible() && filter.shows("external") {
            let lb = load_balancer_id(&service.namespace, &service.name);
            let local_nodes: BTreeSet<&str> = service
                .endpoints
                .iter()
                .filter(|e| e.ready)
                .filter_map(|e| e.node.as_deref())
                .collect_set();
            let local = service.external_traffic_policy == Some(super::model::TrafficPolicy::Local);
            for node in &topology.cluster.nodes {
                let target = node_id(&node.name);
                if scene.shape(&target).is_none() {
                    continue;
                }
                let healthy = !local || local_nodes.contains(node.name.as_str());
                let class = if healthy {
                    "node-port"
                } else {
                    "node-port unhealthy"
                };
                let ports: Vec<String> = service
                    .ports
                    .iter()
                    .filter_map(|p| p.node_port)
                    .map(|p| p.to_string())
                    .collect();
                let tooltip = if healthy {
                    format!("nodePort {} on {}", ports.join(","), node.name)
                } else {
                    format!("{} has no local endpoint: health check fails, traffic is dropped (externalTrafficPolicy Local)", node.name)
                };
                let mut node_port = edge(&scene, &lb, &target, class, &tooltip);
                node_port.path = around_the_top(&scene, &lb, &target);
                scene.edges.push(node_port);
            }
        }
    }
    // Inferred dependencies: workload → Service.
    pause.seam().await;
    if filter.shows("dependency") {
        let dependency_sources = dependency_sources(topology, view);
        for (index, dependency) in topology.dependencies.iter().enumerate() {
            let to = id_from_key(IdKind::Service, &dependency.to.to_string());
            let from = dependency_sources.get(index).cloned().flatten();
            if let Some(from) = from {
                if scene.shape(&from).is_some() && scene.shape(&to).is_some() {
                    let port = dependency.port.map(|p| format!(":{p}")).unwrap_or_default();
                    scene.edges.push(edge(
                        &scene,
                        &from,
                        &to,
                        "dependency",
                        &format!(
                            "{} → {}{port} ({})",
                            dependency.from, dependency.to, dependency.evidence
                        ),
                    ));
                }
            }
        }
        bundle_dependencies(&mut scene);
    }
    scene.width = scene
        .shapes
        .iter()
        .map(|s| s.rect.x + s.rect.w)
        .fold(0.0, f64::max)
        + MARGIN;
    scene.height = services_bottom
        .max(right_bottom)
        .max(left_slots.bottom)
        .max(ingress_slots.bottom)
        + MARGIN;
    scene
}

/// The shape each inferred dependency is drawn from, by position in
/// `topology.dependencies`: the workload group of the workload's first pod in the
/// cluster view (a bare pod's chip), its workload box in the logical view.
fn dependency_sources(topology: &Topology, view: View) -> Vec<Option<String>> {
    // The first pod of each (namespace, workload name), found once rather than
    // by a scan of every pod per dependency.
    // The cluster lists a workload's pods together, so a pod of the same workload
    // as the one before it is passed over without a look-up.
    let mut first_pod: BTreeMap<(&str, &str), &super::cluster::ClusterPod> = BTreeMap::new();
    let mut previous = None;
    for pod in &topology.cluster.pods {
        let name = pod.workload.as_ref().map_or(&pod.name, |w| &w.name);
        let key = (pod.namespace.as_str(), name.as_str());
        if previous != Some(key) {
            first_pod.entry(key).or_insert(pod);
            previous = Some(key);
        }
    }
    topology
        .dependencies
        .iter()
        .map(|dependency| {
            let namespace = dependency.from.namespace.as_str();
            let pod = first_pod.get(&(namespace, dependency.from.name.as_str()))?;
            Some(match (view, &pod.workload) {
                (View::Cluster, Some(workload)) => workload_group_id(
                    pod.node.as_deref().unwrap_or("unscheduled"),
                    namespace,
                    workload,
                ),
                (View::Logical, Some(workload)) => workload_id(namespace, workload),
                (_, None) => pod_id(namespace, &pod.name),
            })
        })
        .collect()
}

/// The place of an id in its column's order (see [`column_ranks`]); ids the order
/// does not know come last, in the order they had.
fn rank(ranks: &BTreeMap<String, usize>, id: &str) -> usize {
    ranks.get(id).copied().unwrap_or(usize::MAX)
}

/// The order of the Services column and of the column facing it (nodes, their
/// workload groups and pods; or workloads in the logical view), chosen by
/// [`layer_order::order_layers`] to reduce the crossings of endpoint and
/// dependency edges. Namespace islands, zones, nodes and workload groups stay
/// contiguous. Returns each scene id's position in a depth-first walk of its
/// column; the placement functions sort by it.
fn column_ranks(
    topology: &Topology,
    view: View,
    filter: &Filter,
    previous: Option<&Scene>,
) -> BTreeMap<String, usize> {
    let mut services = Layer::default();
    let mut facing = Layer::default();
    let mut ids: [Vec<String>; 2] = [vec![String::new()], vec![String::new()]];
    let mut items: [BTreeMap<String, usize>; 2] = [BTreeMap::new(), BTreeMap::new()];
    let mut add = |side: usize, layer: &mut Layer, parent: usize, id: String| {
        if let Some(&item) = items[side].get(&id) {
            return item;
        }
        let item = layer.add(parent);
        items[side].insert(id.clone(), item);
        ids[side].push(id);
        item
    };
    // The Services column: namespace islands holding Services, sorted.
    if filter.shows("service") {
        let mut by_namespace: BTreeMap<&str, Vec<&super::resolve::ResolvedService>> =
            BTreeMap::new();
        for service in topology
            .services
            .iter()
            .filter(|s| filter.shows_namespace(&s.namespace))
        {
            by_namespace
                .entry(&service.namespace)
                .or_default()
                .push(service);
        }
        for (namespace, members) in by_namespace {
            let island = add(0, &mut services, ROOT, namespace_id(namespace));
            for service in members {
                add(
                    0,
                    &mut services,
                    island,
                    service_id(&service.namespace, &service.name),
                );
            }
        }
    }
    // The facing column, in the placement functions' initial order.
    let pods = topology
        .cluster
        .pods
        .iter()
        .filter(|p| filter.shows_namespace(&p.namespace));
    match view {
        View::Cluster if filter.shows("node") => {
            let mut nodes: Vec<&super::cluster::ClusterNode> =
                topology.cluster.nodes.iter().collect();
            nodes.sort_compact_by(|a, b| (&a.zone, &a.name).cmp(&(&b.zone, &b.name)));
            let mut node_items = BTreeMap::new();
            for node in nodes {
                let zone = add(
                    1,
                    &mut facing,
                    ROOT,
                    format!("zone:{}", node.zone.as_deref().unwrap_or_default()),
                );
                node_items.insert(
                    node.name.as_str(),
                    add(1, &mut facing, zone, node_id(&node.name)),
                );
            }
            if filter.shows("pod") {
                let mut grouped: BTreeMap<
                    (&str, String, KindRef),
                    Vec<&super::cluster::ClusterPod>,
                > = BTreeMap::new();
                for pod in pods {
                    let Some(node) = pod.node.as_deref().filter(|n| node_items.contains_key(n))
                    else {
                        continue;
                    };
                    let workload = pod
                        .workload
                        .clone()
                        .unwrap_or_else(|| KindRef::new("Pod", &pod.name));
                    grouped
                        .entry((node, pod.namespace.clone(), workload))
                        .or_default()
                        .push(pod);
                }
                for ((node, namespace, workload), members) in grouped {
                    let group = add(
                        1,
                        &mut facing,
                        node_items[node],
                        workload_group_id(node, &namespace, &workload),
                    );
                    for pod in members {
                        add(1, &mut facing, group, pod_id(&pod.namespace, &pod.name));
                    }
                }
            }
        }
        View::Cluster => {}
        View::Logical => {
            let workloads: BTreeSet<(String, KindRef)> = pods
                .map(|pod| {
                    let workload = pod
                        .workload
                        .clone()
                        .unwrap_or_else(|| KindRef::new("Pod", &pod.name));
                    (pod.namespace.clone(), workload)
                })
                .collect_set();
            for (namespace, workload) in workloads {
                // Not a scene id: the Services column already ranks `ns:` ids.
                let island = add(1, &mut facing, ROOT, format!("workloads-in:{namespace}"));
                add(1, &mut facing, island, workload_id(&namespace, &workload));
            }
        }
    }
    // Links: Service → endpoint, and dependency (workload → Service).
    let mut links = Vec::new();
    for service in &topology.services {
        let Some(&service_item) = items[0].get(&service_id(&service.namespace, &service.name))
        else {
            continue;
        };
        for endpoint in &service.endpoints {
            let Some(pod) = &endpoint.pod else { continue };
            let target = match view {
                View::Cluster => id_from_key(IdKind::Pod, &pod.to_string()),
                View::Logical => match endpoint
                    .pod_index
                    .and_then(|i| topology.cluster.pods.get(i))
                    .and_then(|p| p.workload.as_ref())
                {
                    Some(workload) => workload_id(&service.namespace, workload),
                    None => continue,
                },
            };
            if let Some(&target_item) = items[1].get(&target) {
                links.push((service_item, target_item));
            }
        }
    }
    if filter.shows("dependency") {
        for (dependency, source) in topology
            .dependencies
            .iter()
            .zip(dependency_sources(topology, view))
        {
            let target = id_from_key(IdKind::Service, &dependency.to.to_string());
            if let (Some(&target_item), Some(&source_item)) = (
                items[0].get(&target),
                source.and_then(|source| items[1].get(&source)),
            ) {
                links.push((target_item, source_item));
            }
        }
    }
    links.sort_compact();
    links.dedup();
    // An item's place in the previous picture is its shape's position there, which
    // follows the previous order within every container.
    let seeds = previous.map(|previous| {
        ids.each_ref().map(|ids| -> Vec<Option<usize>> {
            ids.iter().map(|id| previous.shape_index(id)).collect()
        })
    });
    let mostly_known = seeds.as_ref().is_some_and(|seeds| {
        let known: usize = seeds.iter().flatten().filter(|s| s.is_some()).count();
        known * 2 >= ids[0].len() + ids[1].len()
    });
    match seeds {
        Some([left, right]) if mostly_known => {
            order_layers_seeded(&mut services, &mut facing, &links, [&left, &right]);
        }
        _ => order_layers(&mut services, &mut facing, &links),
    }
    let mut ranks = BTreeMap::new();
    for (side, layer) in [services, facing].iter().enumerate() {
        let mut stack = vec![ROOT];
        while let Some(item) = stack.pop() {
            if item != ROOT {
                let position = ranks.len();
                ranks.insert(ids[side][item].clone(), position);
            }
            stack.extend(layer.children(item).iter().rev());
        }
    }
    ranks
}

/// Places boxes in one column at their wanted y, pushed down past earlier boxes so
/// nothing overlaps.
#[derive(Default)]
struct SlotColumn {
    bottom: f64,
}

impl SlotColumn {
    fn place(&mut self, x: f64, want_y: f64, w: f64, h: f64) -> Rect {
        let y = want_y.max(self.bottom);
        self.bottom = y + h + (ROW_H - BOX_H);
        Rect { x, y, w, h }
    }
}

// Block packing. Small inputs keep the classic picture: one column of namespace
// islands and up to twelve columns of nodes. Large ones are packed into columns of
// one common height, chosen from the number of Services and nodes (never from the
// pods, so that adding a pod cannot repack the picture), so that the whole picture
// is about as wide as a screen is and Fit shows all of it.

/// Above this height, one column of namespace islands is packed into a grid.
const GRID_TRIGGER_HEIGHT: f64 = 3_000.0;
/// Above this many pods shown, nodes are packed into a grid too.
const GRID_TRIGGER_PODS: usize = 1_500;
/// The packed picture's width over its height: a landscape screen.
const GRID_ASPECT: f64 = 1.6;
/// The area a packed node box takes, on average, before its pods are counted.
const GRID_NODE_AREA: f64 = 1_000_000.0;
/// A packed node box stacks its workload groups into columns this high.
const GROUP_COLUMN_H: f64 = 640.0;
/// Between two columns of Services inside one packed island.
const SERVICE_COLUMN_GAP: f64 = 20.0;
/// Between two columns of packed blocks.
const BLOCK_COLUMN_GAP: f64 = 30.0;

/// Whether the picture leaves room for the policy overlay's lanes (§8.6, §13.1):
/// when the input has NetworkPolicies or had them before its latest change
/// (`Topology::had_policies`: a what-if edit disabled them, or a text edit removed
/// them). It depends on the input, never on whether the overlay is shown, so
/// showing it, disabling a policy or deleting the last one moves nothing.
fn policy_room(topology: &Topology) -> bool {
    !topology.manifests.network_policies.is_empty() || topology.had_policies
}

/// The gutter between two columns of node boxes or workloads: wider where the
/// policy overlay's lanes run (`policy_room`).
fn block_gutter(topology: &Topology) -> f64 {
    if policy_room(topology) {
        COLUMN_GAP
    } else {
        BLOCK_COLUMN_GAP
    }
}
/// Below each block in a column.
const BLOCK_GAP: f64 = 16.0;

/// How blocks (namespace islands, nodes, workloads) are placed.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Packing {
    /// One column of islands; nodes in up to twelve columns as tall as it.
    Column,
    /// Columns of at most `height`, side by side.
    Grid { height: f64 },
}

impl Packing {
    fn group_column_height(self) -> f64 {
        match self {
            Packing::Column => f64::INFINITY,
            Packing::Grid { .. } => GROUP_COLUMN_H,
        }
    }
}

/// The packing of `topology` as `filter` shows it: a grid once one column of islands
/// or the pods would make the picture far taller than wide.
fn packing(
    topology: &Topology,
    filter: &Filter,
    by_namespace: &BTreeMap<&str, Vec<&super::resolve::ResolvedService>>,
) -> Packing {
    let column_height: f64 = by_namespace
        .values()
        .map(|members| island_height(members.len(), 1) + BLOCK_GAP)
        .sum();
    let n_pods = if filter.shows("pod") {
        topology
            .cluster
            .pods
            .iter()
            .filter(|p| filter.shows_namespace(&p.namespace))
            .count()
    } else {
        0
    };
    if column_height <= GRID_TRIGGER_HEIGHT && n_pods <= GRID_TRIGGER_PODS {
        return Packing::Column;
    }
    let n_services: usize = by_namespace.values().map(Vec::len).sum();
    let service_area = n_services as f64 * (SERVICE_W + SERVICE_COLUMN_GAP) * ROW_H;
    let node_area = topology.cluster.nodes.len() as f64 * GRID_NODE_AREA;
    let height = ((service_area + node_area) / GRID_ASPECT)
        .sqrt()
        .max(1_200.0);
    Packing::Grid {
        height: height.round(),
    }
}

fn island_height(n_services: usize, n_columns: usize) -> f64 {
    let rows = n_services.div_ceil(n_columns.max(1));
    ISLAND_HEADER + rows as f64 * ROW_H + ISLAND_PAD - (ROW_H - BOX_H)
}

/// One placed namespace island: its box and how its Services are arranged.
#[derive(Clone, Debug, PartialEq)]
pub struct PlacedIsland {
    pub rect: Rect,
    /// Services per column (the island is filled column by column).
    pub rows: usize,
}

impl PlacedIsland {
    /// The top-left corner of the island's `position`-th Service.
    pub fn service_position(&self, position: usize) -> (f64, f64) {
        let rows = self.rows.max(1);
        let (column, row) = (position / rows, position % rows);
        (
            self.rect.x + ISLAND_PAD + column as f64 * (SERVICE_W + SERVICE_COLUMN_GAP),
            self.rect.y + ISLAND_HEADER + row as f64 * ROW_H,
        )
    }
}

/// Placed islands, and the bottom and right edge of the block they make.
#[derive(Clone, Debug, PartialEq)]
pub struct IslandBlock {
    pub islands: Vec<PlacedIsland>,
    pub bottom: f64,
    pub right: f64,
}

/// Places namespace islands holding `sizes[i]` Services each, from `x0`. In a grid,
/// an island spreads its Services over as many columns as make it about as wide as
/// tall, and islands fill columns of the grid's height, left to right.
pub fn pack_islands(sizes: &[usize], x0: f64, packing: Packing) -> IslandBlock {
    let single_w = SERVICE_W + 2.0 * ISLAND_PAD;
    let mut block = IslandBlock {
        islands: Vec::with_capacity(sizes.len()),
        bottom: MARGIN,
        right: x0 + single_w,
    };
    let (mut x, mut y) = (x0, MARGIN);
    let mut column_w: f64 = 0.0;
    for &n in sizes {
        let n_columns = match packing {
            Packing::Column => 1,
            Packing::Grid { height } => {
                // About as wide as tall, and never taller than the grid.
                let square = (n as f64 * ROW_H / (SERVICE_W + SERVICE_COLUMN_GAP))
                    .sqrt()
                    .ceil() as usize;
                let rows_cap = ((height - ISLAND_HEADER - ISLAND_PAD) / ROW_H)
                    .floor()
                    .max(1.0) as usize;
                square.max(n.div_ceil(rows_cap)).max(1)
            }
        };
        let rows = n.div_ceil(n_columns).max(1);
        let w = single_w + (n_columns - 1) as f64 * (SERVICE_W + SERVICE_COLUMN_GAP);
        let h = island_height(n, n_columns);
        if let Packing::Grid { height } = packing {
            if y > MARGIN && y + h > MARGIN + height {
                x += column_w + BLOCK_COLUMN_GAP;
                y = MARGIN;
                column_w = 0.0;
            }
        }
        let rect = Rect { x, y, w, h };
        column_w = column_w.max(w);
        block.right = block.right.max(x + w);
        y += h + BLOCK_GAP;
        block.bottom = block.bottom.max(y);
        block.islands.push(PlacedIsland { rect, rows });
    }
    block
}

/// Where the node block starts and how tall the classic columns may grow.
#[derive(Clone, Copy, Debug)]
struct NodeBlock<'p> {
    x0: f64,
    /// The Services' column height, which classic node columns match.
    target_height: f64,
    packing: Packing,
    /// The picture before an edit, whose node columns an edit keeps.
    previous: Option<&'p Scene>,
}

/// Where `nodes` stood in `previous`, when that is the picture before an edit: every
/// node had a box there, and at least half of the pods `filter` shows were drawn
/// there (unlike another input), judged from up to 1,024 pods spread over the list,
/// so that a picture of 100,000 pods looks up only a few.
#[inline(never)]
fn previous_places(
    topology: &Topology,
    filter: &Filter,
    nodes: &[&super::cluster::ClusterNode],
    previous: &Scene,
) -> Option<Vec<Rect>> {
    let pods = &topology.cluster.pods;
    let (mut known, mut looked) = (0, 0);
    if filter.shows("pod") {
        for pod in pods.iter().step_by(pods.len().div_ceil(1_024).max(1)) {
            if filter.shows_namespace(&pod.namespace) {
                looked += 1;
                known += usize::from(
                    previous
                        .shape_index(&pod_id(&pod.namespace, &pod.name))
                        .is_some(),
                );
            }
        }
    }
    if known * 2 < looked {
        return None;
    }
    let mut places = Vec::with_capacity(nodes.len());
    for node in nodes {
        places.push(previous.shape(&node_id(&node.name))?.rect);
    }
    Some(places)
}

/// A node box's workload groups, stacked into columns no taller than a limit:
/// each group's offset from the top-left of the box's body.
#[derive(Clone, Debug, PartialEq)]
pub struct GroupFlow {
    pub offsets: Vec<(f64, f64)>,
    n_columns: usize,
    column_h: f64,
    /// From one column of groups to the next.
    step: f64,
}

impl GroupFlow {
    /// Stacks groups of these heights; a group that would pass `column_limit` starts
    /// a new column (unless it is the first of its column), `gap` right of the one
    /// before.
    pub fn new(heights: impl IntoIterator<Item = f64>, column_limit: f64, gap: f64) -> GroupFlow {
        let mut flow = GroupFlow {
            offsets: Vec::new(),
            n_columns: 1,
            column_h: 0.0,
            step: NODE_W - ISLAND_PAD + gap,
        };
        let mut y: f64 = 0.0;
        for h in heights {
            if y > 0.0 && y + h > column_limit {
                flow.n_columns += 1;
                y = 0.0;
            }
            let dx = (flow.n_columns - 1) as f64 * flow.step;
            flow.offsets.push((dx, y));
            y += h + 6.0;
            flow.column_h = flow.column_h.max(y);
        }
        flow
    }

    /// The node box's width and height.
    pub fn node_size(&self) -> (f64, f64) {
        (
            NODE_W + (self.n_columns - 1) as f64 * self.step,
            NODE_HEADER + self.column_h + ISLAND_PAD,
        )
    }
}

/// Places node boxes of `sizes` (width, height) from `x0`. Classic: up to twelve
/// columns, each about `target_height` tall, or 3/4 of the picture's width. Grid:
/// columns of the grid's height. After an edit, [`settle_nodes`] places them.
pub fn pack_nodes(
    sizes: &[(f64, f64)],
    x0: f64,
    target_height: f64,
    packing: Packing,
    gutter: f64,
) -> Vec<Rect> {
    let mut places = Vec::with_capacity(sizes.len());
    match packing {
        Packing::Column => {
            let total_height: f64 = sizes.iter().map(|(_, h)| h + BLOCK_GAP).sum();
            // As few columns as keep each about as tall as the Services, or, when
            // that makes a wide strip, no taller than 3/4 of the picture's width:
            // a wide strip is drawn small in a window of about that shape.
            let n_columns = (1..12)
                .find(|&n| {
                    let width = x0 + n as f64 * (NODE_W + BLOCK_COLUMN_GAP);
                    total_height / n as f64 <= target_height.max(480.0).max(0.75 * width)
                })
                .unwrap_or(12);
            let per_column = sizes.len().div_ceil(n_columns).max(1);
            for (column, chunk) in sizes.chunks(per_column).enumerate() {
                let x = x0 + column as f64 * (NODE_W + gutter);
                let mut y = MARGIN;
                for &(w, h) in chunk {
                    places.push(Rect { x, y, w, h });
                    y += h + BLOCK_GAP;
                }
            }
        }
        Packing::Grid { height } => {
            let (mut x, mut y) = (x0, MARGIN);
            let mut column_w: f64 = 0.0;
            for &(w, h) in sizes {
                if y > MARGIN && y + h > MARGIN + height {
                    x += column_w + gutter;
                    y = MARGIN;
                    column_w = 0.0;
                }
                places.push(Rect { x, y, w, h });
                column_w = column_w.max(w);
                y += h + BLOCK_GAP;
            }
        }
    }
    places
}

/// Places node boxes of `sizes` after an edit, given where each stood before
/// (`previous`, in the same order, column by column): each box keeps its place in
/// its column, unless the box above it now reaches into it, when it moves down just
/// far enough to keep `BLOCK_GAP` below that box. The first column stands at `x0`
/// and each next one a `gutter` right of the widest box before it, as when packed;
/// so the columns move only when a box grew or shrank in width, or the gutters or
/// `x0` changed. A box that shrank in height leaves its room empty, and one that
/// grew moves only the boxes it pushes (§13.8). `None` when the places before are
/// not in that order (each column top to bottom, the columns left to right), as
/// when the nodes were ordered afresh: then the boxes are packed anew.
pub fn settle_nodes(
    sizes: &[(f64, f64)],
    previous: &[Rect],
    x0: f64,
    gutter: f64,
) -> Option<Vec<Rect>> {
    let in_order = previous
        .windows(2)
        .all(|pair| pair[0].x < pair[1].x || (pair[0].x == pair[1].x && pair[0].y < pair[1].y));
    if !in_order {
        return None;
    }
    let mut places = Vec::with_capacity(sizes.len());
    // The left edge the current column had before, where it stands now, the lowest
    // y its next box may take, and the right edge of the columns so far.
    let (mut column_x, mut x, mut next_y, mut right) = (f64::NAN, x0, f64::MIN, x0 - gutter);
    for (&(w, h), before) in sizes.iter().zip(previous) {
        if before.x != column_x {
            column_x = before.x;
            x = right + gutter;
            next_y = f64::MIN;
        }
        let y = before.y.max(next_y);
        places.push(Rect { x, y, w, h });
        next_y = y + h + BLOCK_GAP;
        right = right.max(x + w);
    }
    Some(places)
}

/// Where the box of unscheduled pods goes: below the first column (classic), or in
/// a column of its own right of the last node (grid).
fn unscheduled_corner(
    places: &[Rect],
    x0: f64,
    bottom: f64,
    packing: Packing,
    gutter: f64,
) -> (f64, f64) {
    match packing {
        Packing::Column => (x0, bottom),
        Packing::Grid { .. } => (
            places.iter().map(|r| r.x + r.w + gutter).fold(x0, f64::max),
            MARGIN,
        ),
    }
}

async fn place_nodes(
    topology: &Topology,
    filter: &Filter,
    scene: &mut Scene,
    block: NodeBlock<'_>,
    (badges, ranks): (&BTreeMap<String, Severity>, &BTreeMap<String, usize>),
    pause: &Pause<'_>,
) -> f64 {
    let NodeBlock {
        x0,
        target_height,
        packing,
        ..
    } = block;
    if !filter.shows("node") {
        return 0.0;
    }
    let chips_per_row = ((NODE_W - 2.0 * ISLAND_PAD + CHIP_GAP) / (CHIP + CHIP_GAP))
        .floor()
        .max(1.0) as usize;
    // Pods per node, grouped by workload, in sorted order.
    let mut groups: BTreeMap<&str, BTreeMap<(String, KindRef), Vec<&super::cluster::ClusterPod>>> =
        BTreeMap::new();
    for node in &topology.cluster.nodes {
        groups.entry(node.name.as_str()).or_default();
    }
    let mut unscheduled = Vec::new();
    if filter.shows("pod") {
        for pod in topology
            .cluster
            .pods
            .iter()
            .filter(|p| filter.shows_namespace(&p.namespace))
        {
            pause.point().await;
            let group_key = (
                pod.namespace.clone(),
                pod.workload
                    .clone()
                    .unwrap_or_else(|| KindRef::new("Pod", &pod.name)),
            );
            match pod.node.as_deref() {
                Some(node) if groups.contains_key(node) => groups
                    .get_mut(node)
                    .unwrap()
                    .entry(group_key)
                    .or_default()
                    .push(pod),
                _ => unscheduled.push(pod),
            }
        }
    }
    let group_height = |members: &Vec<&super::cluster::ClusterPod>| {
        GROUP_LABEL + (members.len().div_ceil(chips_per_row)) as f64 * (CHIP + CHIP_GAP)
    };
    let group_column_height = packing.group_column_height();
    let group_gap = if policy_room(topology) {
        POLICY_GROUP_GAP
    } else {
        GROUP_GAP
    };
    // Each node's workload groups, and their pods, in the layer order (`column_ranks`).
    type Group<'a> = (
        String,
        &'a String,
        &'a KindRef,
        Vec<&'a super::cluster::ClusterPod>,
    );
    let ordered: BTreeMap<&str, Vec<Group>> = groups
        .iter()
        .map(|(node, pods)| {
            let mut list: Vec<Group> = pods
                .iter()
                .map(|((namespace, workload), members)| {
                    let mut members = members.clone();
                    members.sort_compact_by_cached_key(|pod| {
                        rank(ranks, &pod_id(&pod.namespace, &pod.name))
                    });
                    (
                        workload_group_id(node, namespace, workload),
                        namespace,
                        workload,
                        members,
                    )
                })
                .collect();
            list.sort_compact_by_cached_key(|(group_id, ..)| rank(ranks, group_id));
            (*node, list)
        })
        .collect_map();
    let node_layout = |list: &[Group]| {
        GroupFlow::new(
            list.iter().map(|(.., members)| group_height(members)),
            group_column_height,
            group_gap,
        )
    };
    let mut nodes: Vec<&super::cluster::ClusterNode> = topology.cluster.nodes.iter().collect();
    nodes.sort_compact_by(|a, b| (&a.zone, &a.name).cmp(&(&b.zone, &b.name)));
    nodes.sort_compact_by_cached_key(|node| rank(ranks, &node_id(&node.name)));
    let layouts: Vec<GroupFlow> = nodes
        .iter()
        .map(|n| node_layout(&ordered[n.name.as_str()]))
        .collect();
    let sizes: Vec<(f64, f64)> = layouts.iter().map(GroupFlow::node_size).collect();
    // After an edit the node boxes keep the places they stood in, and make room
    // only for a box that grew into them (§13.8).
    let previous_places = block
        .previous
        .and_then(|previous| previous_places(topology, filter, &nodes, previous));
    let gutter = block_gutter(topology);
    let places = previous_places
        .and_then(|previous| settle_nodes(&sizes, &previous, x0, gutter))
        .unwrap_or_else(|| pack_nodes(&sizes, x0, target_height, packing, gutter));
    let mut bottom: f64 = 0.0;
    for ((node, layout), place) in nodes.iter().zip(&layouts).zip(&places) {
        // A node holds about a hundred pods at most in a real cluster: a point per
        // node is often enough.
        pause.point().await;
        let (x, y, w, h) = (place.x, place.y, place.w, place.h);
        {
            let pods = &groups[node.name.as_str()];
            let id = node_id(&node.name);
            let state = if !node.ready {
                " failed"
            } else if node.unschedulable {
                " cordoned"
            } else {
                ""
            };
            scene.push(Shape {
                id: id.clone(),
                kind: ShapeKind::Group,
                rect: Rect { x, y, w, h },
                class: joined(&["node", state]),
                label: node.name.clone(),
                sublabel: format!(
                    "{} · {}",
                    node.zone.as_deref().unwrap_or("no zone"),
                    node.internal_ip
                ),
                tooltip: format!(
                    "Node {} ({}), {} pods{}",
                    node.name,
                    node.internal_ip,
                    pods.values().map(Vec::len).sum::<usize>(),
                    if node.simulated { ", simulated" } else { "" }
                ),
                badge: None,
                parent: None,
            });
            for ((group_id, namespace, workload, members), (group_dx, group_dy)) in
                ordered[node.name.as_str()].iter().zip(&layout.offsets)
            {
                let group_h = group_height(members);
                let group_x = x + group_dx;
                let group_y = y + NODE_HEADER + group_dy;
                scene.push(Shape {
                    id: group_id.clone(),
                    kind: ShapeKind::Group,
                    rect: Rect {
                        x: group_x + GROUP_GAP,
                        y: group_y,
                        w: NODE_W - ISLAND_PAD,
                        h: group_h,
                    },
                    class: "workload-group".into(),
                    label: workload.name.clone(),
                    sublabel: namespace.to_string(),
                    tooltip: {
                        let mut tooltip =
                            joined(&[&workload.kind, "/", &workload.name, " in ", namespace, ": "]);
                        push_int(&mut tooltip, members.len() as i64);
                        tooltip.push_str(" pods on ");
                        tooltip.push_str(&node.name);
                        tooltip
                    },
                    badge: badges
                        .get(&joined(&[
                            &workload.kind,
                            "/",
                            namespace,
                            "/",
                            &workload.name,
                        ]))
                        .copied(),
                    parent: Some(id.clone()),
                });
                for (position, pod) in members.iter().enumerate() {
                    let row = position / chips_per_row;
                    let column = position % chips_per_row;
                    let state = Readiness::of(pod.terminating, pod.ready).as_str();
                    let ip = pod.ips.first().map(ip_text);
                    scene.push(Shape {
                        id: pod_id(&pod.namespace, &pod.name),
                        kind: ShapeKind::Chip,
                        rect: Rect {
                            x: group_x + ISLAND_PAD + column as f64 * (CHIP + CHIP_GAP),
                            y: group_y + GROUP_LABEL + row as f64 * (CHIP + CHIP_GAP),
                            w: CHIP,
                            h: CHIP,
                        },
                        class: joined(&["pod ", state]),
                        label: pod.name.clone(),
                        tooltip: joined(&[
                            "Pod ",
                            &pod.namespace,
                            "/",
                            &pod.name,
                            " · ",
                            ip.as_deref().unwrap_or("no IP"),
                            " · ",
                            state,
                        ]),
                        sublabel: ip.unwrap_or_default(),
                        badge: badges
                            .get(&joined(&["Pod/", &pod.namespace, "/", &pod.name]))
                            .copied(),
                        parent: Some(group_id.clone()),
                    });
                }
            }
            bottom = bottom.max(y + h + 16.0);
        }
    }
    if !unscheduled.is_empty() {
        let (x, y) = unscheduled_corner(&places, x0, bottom, packing, gutter);
        let rows = unscheduled.len().div_ceil(chips_per_row);
        let h = NODE_HEADER + rows as f64 * (CHIP + CHIP_GAP) + ISLAND_PAD;
        scene.push(Shape {
            id: UNSCHEDULED_NODE_ID.into(),
            kind: ShapeKind::Group,
            rect: Rect { x, y, w: NODE_W, h },
            class: "node unscheduled".into(),
            label: "Pending".into(),
            sublabel: "not scheduled".into(),
            tooltip: "Pods no node can run".into(),
            badge: None,
            parent: None,
        });
        for (position, pod) in unscheduled.iter().enumerate() {
            scene.push(Shape {
                id: pod_id(&pod.namespace, &pod.name),
                kind: ShapeKind::Chip,
                rect: Rect {
                    x: x + ISLAND_PAD + (position % chips_per_row) as f64 * (CHIP + CHIP_GAP),
                    y: y + NODE_HEADER + (position / chips_per_row) as f64 * (CHIP + CHIP_GAP),
                    w: CHIP,
                    h: CHIP,
                },
                class: "pod pending".into(),
                label: pod.name.clone(),
                sublabel: String::new(),
                tooltip: joined(&["Pod ", &pod.namespace, "/", &pod.name, " · Pending"]),
                badge: None,
                parent: Some(UNSCHEDULED_NODE_ID.into()),
            });
        }
        bottom = y + h + 16.0;
    }
    bottom
}

fn place_workloads(
    topology: &Topology,
    filter: &Filter,
    scene: &mut Scene,
    x0: f64,
    packing: Packing,
    badges: &BTreeMap<String, Severity>,
    ranks: &BTreeMap<String, usize>,
) -> f64 {
    let mut workloads: BTreeMap<(String, KindRef), (usize, usize)> = BTreeMap::new();
    for pod in topology
        .cluster
        .pods
        .iter()
        .filter(|p| filter.shows_namespace(&p.namespace))
    {
        let workload = pod
            .workload
            .clone()
            .unwrap_or_else(|| KindRef::new("Pod", &pod.name));
        let counts = workloads
            .entry((pod.namespace.clone(), workload))
            .or_default();
        counts.0 += 1;
        counts.1 += usize::from(pod.ready);
    }
    let mut y = MARGIN;
    let mut x = x0;
    let mut bottom = MARGIN;
    let mut current_namespace: Option<String> = None;
    let mut workloads: Vec<_> = workloads.into_iter().collect();
    workloads.sort_compact_by_cached_key(|((namespace, workload), _)| {
        rank(ranks, &workload_id(namespace, workload))
    });
    for ((namespace, workload), (n_pods, n_ready)) in &workloads {
        if current_namespace.as_deref() != Some(namespace) {
            if current_namespace.is_some() {
                y += 16.0;
            }
            current_namespace = Some(namespace.clone());
        }
        // Packed: a column that would grow past the grid's height starts a new one.
        if let Packing::Grid { height } = packing {
            if y > MARGIN && y + BOX_H > MARGIN + height {
                x += WORKLOAD_W + block_gutter(topology);
                y = MARGIN;
            }
        }
        let (kind, name) = (workload.kind.as_str(), workload.name.as_str());
        scene.push(Shape {
            id: workload_id(namespace, workload),
            kind: ShapeKind::Box,
            rect: Rect {
                x,
                y,
                w: WORKLOAD_W,
                h: BOX_H,
            },
            class: joined(&["workload", if n_ready < n_pods { " degraded" } else { "" }]),
            label: name.to_string(),
            sublabel: format!("{kind} · {namespace} · {n_ready}/{n_pods} ready"),
            tooltip: format!("{workload} in {namespace}: {n_ready} of {n_pods} pods ready"),
            badge: badges
                .get(&joined(&[kind, "/", namespace, "/", name]))
                .copied(),
            parent: None,
        });
        y += ROW_H;
        bottom = bottom.max(y);
    }
    bottom
}

fn edge(scene: &Scene, from: &str, to: &str, class: &str, tooltip: &str) -> Edge {
    labelled_edge(
        scene,
        (from, to),
        class,
        tooltip,
        (String::new(), LabelAnchor::Start),
    )
}

/// An edge as [`edge`] draws it, with `label` just past its start
/// ([`LabelAnchor::Start`]) or just before its end. The two ends are looked up and
/// attached once for the path and the label: a 10,000-pod scene has as many
/// labelled endpoint edges.
fn labelled_edge(
    scene: &Scene,
    (from, to): (&str, &str),
    class: &str,
    tooltip: &str,
    (text, end): (String, LabelAnchor),
) -> Edge {
    let attached = match (scene.shape_index(from), scene.shape_index(to)) {
        (Some(a), Some(b)) => Some((attachment(scene, a), attachment(scene, b))),
        _ => None,
    };
    let label = attached
        .as_ref()
        .filter(|_| !text.is_empty())
        .map(|(a, b)| {
            let (start, finish) = curve_ends(a, b);
            let point = match end {
                LabelAnchor::Start => start,
                LabelAnchor::End => finish,
            };
            EdgeLabel {
                text,
                x: point.0 + if end == LabelAnchor::Start { 6.0 } else { -8.0 },
                y: point.1 - 4.0,
                anchor: end,
            }
        });
    Edge {
        from: from.to_string(),
        to: to.to_string(),
        path: attached.map_or_else(String::new, |(a, b)| curve(&a, &b)),
        class: class.to_string(),
        tooltip: tooltip.to_string(),
        label,
        stands_for: Vec::new(),
    }
}

/// `:80 → 8080` for each port of `service`, the target port as `endpoint`
/// resolved it (EndpointSlice ports carry the Service port's name).
fn port_mapping(
    service: &super::resolve::ResolvedService,
    endpoint: &super::resolve::Endpoint,
) -> String {
    let mut mapping = String::new();
    for (n, service_port) in service.ports.iter().enumerate() {
        let separator = if n == 0 { ":" } else { ", :" };
        mapping.push_str(separator);
        push_int(&mut mapping, service_port.port);
        mapping.push_str(" → ");
        match endpoint.ports.iter().find(|p| p.name == service_port.name) {
            Some(p) => push_int(&mut mapping, p.port),
            None => {
                let _ = write!(mapping, "{}", service_port.target_port);
            }
        }
    }
    mapping
}

/// The path of an edge from a load balancer to a node, around the picture: out of
/// the load balancer's right side, up a lane beside its column, along the top,
/// down a lane right of the node and into the node's header from the right. Drawn
/// straight across, every such edge would cross the Service → pod and dependency
/// edges between it and the node; this way it crosses none of them.
fn around_the_top(scene: &Scene, from: &str, to: &str) -> String {
    let (Some(from), Some(to)) = (scene.shape_index(from), scene.shape_index(to)) else {
        return String::new();
    };
    let (a, b) = (attachment(scene, from), attachment(scene, to));
    let start = (a.x + a.w, a.y + a.h / 2.0);
    let end = (b.x + b.w, b.y + b.h / 2.0);
    let lane_left = start.0 + LANE_OFFSET;
    let lane_right = end.0 + LANE_OFFSET;
    rounded_polyline(&[
        start,
        (lane_left, start.1),
        (lane_left, TOP_LANE_Y),
        (lane_right, TOP_LANE_Y),
        (lane_right, end.1),
        end,
    ])
}

/// SVG path data through `points`, each inner corner rounded by a quarter curve of
/// up to [`CORNER_RADIUS`].
fn rounded_polyline(points: &[(f64, f64)]) -> String {
    let Some(&(x0, y0)) = points.first() else {
        return String::new();
    };
    let mut path = String::with_capacity(24 + 56 * points.len());
    push_point(&mut path, "M", (x0, y0));
    for window in points.windows(3) {
        let [previous, corner, next] = [window[0], window[1], window[2]];
        let toward = |from: (f64, f64), to: (f64, f64)| {
            let length = ((to.0 - from.0).powi(2) + (to.1 - from.1).powi(2)).sqrt();
            let radius = CORNER_RADIUS.min(length / 2.0);
            if length == 0.0 {
                from
            } else {
                (
                    from.0 + (to.0 - from.0) * radius / length,
                    from.1 + (to.1 - from.1) * radius / length,
                )
            }
        };
        let (enter, leave) = (toward(corner, previous), toward(corner, next));
        push_point(&mut path, " L", enter);
        push_point(&mut path, " C", corner);
        push_point(&mut path, " ", corner);
        push_point(&mut path, " ", leave);
    }
    if let Some(&(x, y)) = points.last() {
        push_point(&mut path, " L", (x, y));
    }
    path
}

/// Draws the dependencies out of each workload as one bundle: a single trunk from
/// the workload to a split point just right of the Services it calls, level with
/// the workload (or the nearest of its targets), then one short branch per
/// Service. A workload that calls many Services is then one line across the
/// endpoint edges instead of a fan of them, and the branches spread only where
/// the Services are.
fn bundle_dependencies(scene: &mut Scene) {
    let mut by_source: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (position, edge) in scene.edges.iter().enumerate() {
        if edge.class == "dependency" {
            by_source
                .entry(edge.from.clone())
                .or_default()
                .push(position);
        }
    }
    // Bundles split in one of a few lanes, by the order of their workloads from
    // the top, so that neighbouring bundles branch side by side, not on top of
    // each other.
    let mut sources: Vec<(f64, String, Vec<usize>)> = by_source
        .into_iter()
        .filter_map(|(source, members)| {
            let rect = attachment(scene, scene.shape_index(&source)?);
            Some((rect.y, source, members))
        })
        .collect();
    sources.sort_compact_by(|a, b| a.0.total_cmp(&b.0).then_with(|| a.1.cmp(&b.1)));
    for (lane, (_, source, members)) in sources.into_iter().enumerate() {
        let Some(source_position) = scene.shape_index(&source) else {
            continue;
        };
        let source_rect = attachment(scene, source_position);
        let start = (source_rect.x, source_rect.y + source_rect.h / 2.0);
        let targets: Vec<(f64, f64)> = members
            .iter()
            .filter_map(|&position| scene.shape_index(&scene.edges[position].to))
            .map(|shape| {
                let rect = attachment(scene, shape);
                (rect.x + rect.w, rect.y + rect.h / 2.0)
            })
            .collect();
        let right_of_targets = targets
            .iter()
            .map(|t| t.0)
            .fold(f64::NEG_INFINITY, f64::max);
        let split_x =
            right_of_targets + BUNDLE_SPLIT + (lane % BUNDLE_LANES) as f64 * BUNDLE_LANE_GAP;
        // Only a workload right of every Service it calls is bundled; any other
        // keeps its plain curves.
        if targets.len() != members.len() || split_x + 2.0 * BUNDLE_SPLIT > start.0 {
            continue;
        }
        let (low, high) = targets
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(low, high), t| {
                (low.min(t.1), high.max(t.1))
            });
        let split_y = start.1.clamp(low, high);
        let bend = (start.0 - split_x) / 2.0;
        let mut trunk = String::with_capacity(64);
        push_point(&mut trunk, "M", start);
        push_point(&mut trunk, " C", (start.0 - bend, start.1));
        push_point(&mut trunk, " ", (split_x + bend, split_y));
        push_point(&mut trunk, " ", (split_x, split_y));
        for (&position, &(target_x, target_y)) in members.iter().zip(&targets) {
            let reach = (split_x - target_x) / 2.0;
            let mut path = String::with_capacity(trunk.len() + 48);
            path.push_str(&trunk);
            push_point(&mut path, " C", (split_x - reach, split_y));
            push_point(&mut path, " ", (target_x + reach, target_y));
            push_point(&mut path, " ", (target_x, target_y));
            scene.edges[position].path = path;
        }
    }
}

/// The positions of each edge's two shapes, by the edge's position; `None` for an
/// edge whose ends are not both in the scene.
pub fn edge_ends(scene: &Scene) -> Vec<Option<(usize, usize)>> {
    scene
        .edges
        .iter()
        .map(|e| Some((scene.shape_index(&e.from)?, scene.shape_index(&e.to)?)))
        .collect()
}

/// The part of a shape edges attach to: a node's header, where its packets are
/// drawn, so that edges to the node stay clear of the workload groups below it;
/// and for a shape inside a container (a Service in its namespace island, a pod
/// in its node), its own rows widened to the outermost container's sides, so that
/// edges and their arrowheads end on the container's border, level with the
/// shape, instead of under the container's fill.
fn attachment(scene: &Scene, position: usize) -> Rect {
    let shape = &scene.shapes[position];
    let own = match id_kind(&shape.id) {
        Some(IdKind::Node) => Rect {
            h: NODE_HEADER.min(shape.rect.h),
            ..shape.rect
        },
        _ => shape.rect,
    };
    let mut outermost = None;
    let mut parent = scene.parent_index(position);
    // Containers nest at most three deep; the bound guards against a cycle.
    for _ in 0..8 {
        let Some(container) = parent else {
            break;
        };
        outermost = Some(scene.shapes[container].rect);
        parent = scene.parent_index(container);
    }
    match outermost {
        Some(container) => Rect {
            x: container.x,
            w: container.w,
            ..own
        },
        None => own,
    }
}

/// Where [`curve`] starts and ends: the middles of the facing sides.
fn curve_ends(a: &Rect, b: &Rect) -> ((f64, f64), (f64, f64)) {
    let (ay, by) = (a.y + a.h / 2.0, b.y + b.h / 2.0);
    let (ax, bx) = if a.x + a.w <= b.x {
        (a.x + a.w, b.x)
    } else if b.x + b.w <= a.x {
        (a.x, b.x + b.w)
    } else {
        (a.x + a.w / 2.0, b.x + b.w / 2.0)
    };
    ((ax, ay), (bx, by))
}

/// A horizontal S-curve from the facing sides of two boxes.
fn curve(a: &Rect, b: &Rect) -> String {
    let ((ax, ay), (bx, by)) = curve_ends(a, b);
    let bend = ((bx - ax).abs() / 2.0).max(30.0) * if bx >= ax { 1.0 } else { -1.0 };
    let mut path = String::with_capacity(56);
    push_point(&mut path, "M", (ax, ay));
    push_point(&mut path, " C", (ax + bend, ay));
    push_point(&mut path, " ", (bx - bend, by));
    push_point(&mut path, " ", (bx, by));
    path
}

fn service_type_class(service_type: ServiceType) -> &'static str {
    match service_type {
        ServiceType::ClusterIP => "cluster-ip",
        ServiceType::NodePort => "node-port-type",
        ServiceType::LoadBalancer => "load-balancer-type",
        ServiceType::ExternalName => "external-name",
    }
}

fn type_label(service: &super::resolve::ResolvedService) -> &'static str {
    if service.headless {
        "Headless"
    } else {
        service.service_type.as_str()
    }
}

/// The worst severity of the diagnostics about each object (`Kind/ns/name`).
fn badges(topology: &Topology) -> BTreeMap<String, Severity> {
    let mut worst: BTreeMap<String, Severity> = BTreeMap::new();
    for diagnostic in &topology.diagnostics {
        if diagnostic.object.is_empty() || diagnostic.severity == Severity::Info {
            continue;
        }
        let entry = worst
            .entry(diagnostic.object.clone())
            .or_insert(diagnostic.severity);
        if diagnostic.severity < *entry {
            *entry = diagnostic.severity;
        }
    }
    worst
}

/// Whether shapes carry their hover text as SVG `<title>` elements. Standalone
/// SVG needs them; the web app shows its own tooltip and keeps the DOM small.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tooltips {
    Embedded,
    Omitted,
}

/// The scene as a standalone SVG document, styled like the web app.
pub fn to_svg(scene: &Scene) -> String {
    to_svg_styled(scene, &format!("<style>{SVG_STYLE}</style>"))
}

/// [`to_svg`] with its `<style>` element given: the web app's, read from its page.
pub fn to_svg_styled(scene: &Scene, style: &str) -> String {
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w:.0} {h:.0}\" width=\"{w:.0}\" height=\"{h:.0}\" font-family=\"system-ui, sans-serif\">\n{style}\n<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n{}</svg>\n",
        svg_elements(scene, Tooltips::Embedded),
        w = scene.width,
        h = scene.height,
    )
}

/// The edges and shapes as SVG elements. Each carries `data-id` (shapes) or
/// `data-from`/`data-to` (edges), which the web app uses for hit testing and
/// highlighting without re-rendering.
pub fn svg_elements(scene: &Scene, tooltips: Tooltips) -> String {
    let mut out = String::with_capacity(scene.shapes.len() * 220 + scene.edges.len() * 160);
    out.push_str("<g class=\"edges\">");
    for edge in &scene.edges {
        let _ = write!(
            out,
            "<path class=\"edge {}\" data-from=\"{}\" data-to=\"{}\" d=\"{}\" marker-end=\"url(#{})\">",
            edge.class,
            escape(&edge.from),
            escape(&edge.to),
            edge.path,
            arrow_marker(&edge.class).id(),
        );
        if tooltips == Tooltips::Embedded {
            let _ = write!(out, "<title>{}</title>", escape(&edge.tooltip));
        }
        out.push_str("</path>\n");
    }
    out.push_str("</g><g class=\"shapes\">");
    for shape in &scene.shapes {
        let r = &shape.rect;
        let radius = match shape.kind {
            ShapeKind::Chip => 3.0,
            ShapeKind::Box => 8.0,
            ShapeKind::Group => 10.0,
        };
        let _ = write!(
            out,
            "<g class=\"shape {}\" data-id=\"{}\"><rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"{radius}\"/>",
            shape.class,
            escape(&shape.id),
            Tenths(r.x),
            Tenths(r.y),
            Tenths(r.w),
            Tenths(r.h),
        );
        if tooltips == Tooltips::Embedded {
            let _ = write!(out, "<title>{}</title>", escape(&shape.tooltip));
        }
        if let Some((style, room)) = title_style(shape) {
            let _ = write!(
                out,
                "<text class=\"{}\" x=\"{}\" y=\"{}\">",
                style.class,
                Tenths(r.x + style.dx),
                Tenths(r.y + style.baseline),
            );
            // Drawn at its own size; the app cuts it again as it zooms (§13.2).
            let name = title_text(shape);
            out.push_str(&escape(&lod::shown(
                name,
                lod::shown_chars(name, &room, 1.0),
            )));
            // A Gateway's address follows its name, as detail.
            if let Some(address) = shape.label.get(name.len() + " · ".len()..) {
                out.push_str("<tspan class=\"detail\"> · ");
                out.push_str(&escape(address));
                out.push_str("</tspan>");
            }
            out.push_str("</text>");
            if !shape.sublabel.is_empty()
                && (shape.kind == ShapeKind::Box || shape.class.starts_with("node"))
            {
                let sublabel = escape(&fit(
                    &shape.sublabel,
                    r.w - SUBLABEL_MARGIN,
                    SUBLABEL_CHAR_W,
                ));
                let _ = write!(
                    out,
                    "<text class=\"sublabel\" x=\"{}\" y=\"{}\">{}</text>",
                    Tenths(r.x + 10.0),
                    Tenths(r.y + 30.0),
                    if shape.class.starts_with("ingress listener") {
                        detail_before_count(&sublabel)
                    } else {
                        sublabel
                    }
                );
            }
        }
        if let Some(severity) = shape.badge {
            let _ = write!(out, "<circle class=\"badge {}\" cx=\"{}\" cy=\"{}\" r=\"5\"><title>{} diagnostics</title></circle>", severity.as_str(), Tenths(r.x + r.w - 2.0), Tenths(r.y + 2.0), severity.as_str());
        }
        out.push_str("</g>\n");
    }
    out.push_str("</g>");
    out.push_str(&edge_labels(scene));
    out.push_str(&arrow_markers());
    out
}

/// A listener's sublabel with its hostname, before its Route count, marked as
/// detail, as [`detail_after_name`] marks a Gateway's address.
fn detail_before_count(sublabel: &str) -> String {
    let Some((hostname, count)) = sublabel.rsplit_once(" · ") else {
        return sublabel.to_string();
    };
    let mut marked = String::from("<tspan class=\"detail\">");
    marked.push_str(hostname);
    marked.push_str(" · </tspan>");
    marked.push_str(count);
    marked
}

/// How a shape's title is written: from the shape's left edge and top, with its
/// baseline `baseline` below the top, at `size`, cut to the shape's width less
/// `margin` ([`lod::shown_chars`]). Its box, between `top` and `bottom` below the
/// shape's top, counts `box_char_w` a character, so that it covers the text in a
/// wide font too.
struct TitleStyle {
    class: &'static str,
    size: f64,
    dx: f64,
    baseline: f64,
    top: f64,
    bottom: f64,
    box_char_w: f64,
    margin: f64,
}

/// The title of every shape but chips and workload groups: 12 px, semibold.
const TITLE: TitleStyle = TitleStyle {
    class: "label",
    size: 12.0,
    dx: 10.0,
    baseline: 16.0,
    top: 3.0,
    bottom: 20.0,
    box_char_w: 8.2,
    margin: 24.0,
};

/// A workload group's title inside its node box: 9.5 px.
const GROUP_TITLE: TitleStyle = TitleStyle {
    class: "group-label",
    size: 9.5,
    dx: 5.0,
    baseline: 11.0,
    top: 1.5,
    bottom: 14.0,
    box_char_w: 6.6,
    margin: 10.0,
};

/// A shape's title style and the room its title has (§13.2): the shape's width
/// less the margins, and the height of its header (the whole box for a box);
/// `None` for a pod's chip, which has no title.
fn title_style(shape: &Shape) -> Option<(&'static TitleStyle, lod::TextRoom)> {
    let class = shape.class.as_str();
    let (style, height) = match shape.kind {
        ShapeKind::Chip => return None,
        // A listener's title stays above its second row, which Gateway text
        // keeps drawn: it is not drawn grown past about 17.5 units.
        ShapeKind::Box if class.starts_with("ingress listener") => (&TITLE, 21.0),
        ShapeKind::Box => (&TITLE, shape.rect.h),
        _ if class.starts_with("workload-group") => (&GROUP_TITLE, GROUP_LABEL),
        _ if class.starts_with("namespace") => (&TITLE, ISLAND_HEADER),
        _ if class.starts_with("gateway") => (&TITLE, gateway::GATEWAY_HEADER),
        _ => (&TITLE, NODE_HEADER),
    };
    Some((
        style,
        lod::TextRoom {
            size: style.size,
            width: shape.rect.w - style.margin,
            height,
            baseline: style.baseline,
            fit: lod::Fit::Cut,
        },
    ))
}

/// The room of a shape's title, and its left end and top, in scene units; `None`
/// for a pod's chip. The canvas draws titles in it as the SVG does.
pub fn title_room(shape: &Shape) -> Option<(lod::TextRoom, f64, f64)> {
    title_style(shape).map(|(style, room)| (room, shape.rect.x + style.dx, shape.rect.y))
}

/// The part of a shape's title that is cut as the zoom falls: the whole title,
/// but a Gateway's name without its address, which is detail.
pub fn title_text(shape: &Shape) -> &str {
    match shape.label.split_once(" · ") {
        Some((name, _)) if shape.class.starts_with("gateway") => name,
        _ => &shape.label,
    }
}

/// The box, in scene units, that a shape's title covers as [`svg_elements`] writes
/// it; `None` for a pod's chip, which has no title. A trace's badges keep off it
/// (§13.5).
pub fn title_box(shape: &Shape) -> Option<Rect> {
    let (style, room) = title_style(shape)?;
    let name = title_text(shape);
    let n_chars = lod::shown(name, lod::shown_chars(name, &room, 1.0))
        .chars()
        .count();
    if n_chars == 0 {
        return None;
    }
    Some(Rect {
        x: shape.rect.x + style.dx,
        y: shape.rect.y + style.top,
        w: n_chars as f64 * style.box_char_w,
        h: style.bottom - style.top,
    })
}

/// Where a box's second row (a Service's type and address, a node's zone) is
/// drawn, in scene units, when it has one: what labels placed over the picture keep
/// clear of, as they keep clear of titles.
pub fn sublabel_box(shape: &Shape) -> Option<Rect> {
    if shape.sublabel.is_empty()
        || !(shape.kind == ShapeKind::Box || shape.class.starts_with("node"))
    {
        return None;
    }
    let room = ((shape.rect.w - SUBLABEL_MARGIN) / SUBLABEL_CHAR_W)
        .floor()
        .max(1.0) as usize;
    let n_chars = shape.sublabel.chars().take(room).count();
    Some(Rect {
        x: shape.rect.x + 10.0,
        y: shape.rect.y + 30.0 - lod::SMALL_TEXT_SIZE,
        w: n_chars as f64 * SUBLABEL_CHAR_W,
        h: lod::SMALL_TEXT_SIZE * 1.25,
    })
}

/// The arrowheads, one marker per edge colour, each defined once. They come after
/// the `g.edges` and `g.shapes` containers, which the web app reads by position.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ArrowMarker {
    Plain,
    Dependency,
    Route,
    Warning,
    Error,
}

impl ArrowMarker {
    const ALL: [ArrowMarker; 5] = [
        ArrowMarker::Plain,
        ArrowMarker::Dependency,
        ArrowMarker::Route,
        ArrowMarker::Warning,
        ArrowMarker::Error,
    ];

    fn id(self) -> &'static str {
        match self {
            ArrowMarker::Plain => "kt-arrow",
            ArrowMarker::Dependency => "kt-arrow-dependency",
            ArrowMarker::Route => "kt-arrow-route",
            ArrowMarker::Warning => "kt-arrow-warning",
            ArrowMarker::Error => "kt-arrow-error",
        }
    }

    /// The class of the arrowhead's path, coloured by the stylesheet like its edge.
    fn class(self) -> &'static str {
        match self {
            ArrowMarker::Plain => "arrow",
            ArrowMarker::Dependency => "arrow dependency",
            ArrowMarker::Route => "arrow route",
            ArrowMarker::Warning => "arrow warning",
            ArrowMarker::Error => "arrow error",
        }
    }
}

/// The arrowhead of an edge of `class`, matching the colour the stylesheet gives it.
fn arrow_marker(class: &str) -> ArrowMarker {
    let has = |word: &str| class.split(' ').any(|c| c == word);
    if has("rejected") {
        ArrowMarker::Error
    } else if has("dependency") {
        ArrowMarker::Dependency
    } else if has("route") {
        ArrowMarker::Route
    } else if has("terminating") || has("unhealthy") {
        ArrowMarker::Error
    } else if has("not-ready") {
        ArrowMarker::Warning
    } else {
        ArrowMarker::Plain
    }
}

fn arrow_markers() -> String {
    let mut out = String::from("<defs>");
    for marker in ArrowMarker::ALL {
        let _ = write!(
            out,
            "<marker id=\"{}\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" markerUnits=\"userSpaceOnUse\" orient=\"auto\"><path class=\"{}\" d=\"M0,1 L10,5 L0,9 z\"/></marker>",
            marker.id(),
            marker.class()
        );
    }
    out.push_str("</defs>");
    out
}

/// The edges' labels, above the shapes so that they stay readable. A fan of edges
/// out of one Service carries the same label at the same point: it is written once.
fn edge_labels(scene: &Scene) -> String {
    let mut out = String::from("<g class=\"edge-labels\">");
    let shapes = super::spatial::SpatialIndex::of_shapes(scene);
    let rooms = label_rooms_in(scene, &shapes);
    let mut placed = lod::EdgeLabels::new(scene, &shapes, &rooms);
    for (&(position, _), placement) in rooms.iter().zip(placed.place(1.0)) {
        let edge = &scene.edges[position];
        let Some(label) = &edge.label else { continue };
        // A Gateway route's label has a class of its own: the app draws it no
        // smaller than 9 screen pixels (§13.2).
        out.push_str(if edge.class.contains("gateway-route") {
            "<text class=\"edge-label route\""
        } else {
            "<text class=\"edge-label\""
        });
        let _ = write!(
            out,
            " x=\"{}\" y=\"{}\" text-anchor=\"{}\">",
            Tenths(placement.x),
            Tenths(placement.y),
            match label.anchor {
                LabelAnchor::Start => "start",
                LabelAnchor::End => "end",
            },
        );
        // At its own size, clear of the labels before it, at its own point or
        // further along its edge; the app places it again as it zooms (§13.2).
        out.push_str(&escape(&lod::shown(&label.text, placement.n_chars)));
        out.push_str("</text>");
    }
    out.push_str("</g>");
    out
}

/// The edge labels [`svg_elements`] writes, in order: for each, the first edge
/// that carries it and the room it has (§13.2). Grown up to
/// [`lod::LABEL_MAX_GROWTH`] times its size, a label runs from its point to the
/// nearest border of a shape in its way, less a gap; a Route's label grows
/// leftwards from its Service towards its Gateway, and is cut, the others are
/// drawn whole or not at all.
pub fn label_rooms(scene: &Scene) -> Vec<(usize, lod::TextRoom)> {
    label_rooms_in(scene, &super::spatial::SpatialIndex::of_shapes(scene))
}

/// [`label_rooms`], with the shapes in their spatial index: only the shapes level
/// with a label can be in its way, which the index finds without passing over the
/// others (a 10,000-pod picture has thousands of labels and of shapes).
pub fn label_rooms_in(
    scene: &Scene,
    shapes: &super::spatial::SpatialIndex,
) -> Vec<(usize, lod::TextRoom)> {
    let elements = label_elements(scene);
    let mut rooms = Vec::new();
    for (position, edge) in scene.edges.iter().enumerate() {
        let Some(label) = edge
            .label
            .as_ref()
            .filter(|_| elements[position] == Some(rooms.len()))
        else {
            continue;
        };
        let fit = if edge.class.contains("gateway-route") {
            lod::Fit::Cut
        } else {
            lod::Fit::Whole
        };
        let point = (label.x, label.y);
        // However far the nearest border is, found by looking a little way first:
        // a band across the whole picture meets thousands of shapes at 100,000
        // pods, and most labels have a border near.
        let mut reach = NEAR_REACH;
        let room = loop {
            let room = label_room_at(scene, shapes, point, label.anchor, fit, reach);
            // A shape outside the band is at least `reach` away: a border found
            // nearer than that is the nearest of all.
            if room.width + LABEL_GAP <= reach || reach >= FAR_REACH {
                break room;
            }
            reach *= 8.0;
        };
        rooms.push((position, room));
    }
    rooms
}

/// The room of an edge label written at `(x, y)` (§13.2): from there to the
/// nearest border of a shape in its way, in the direction it runs, as tall as the
/// label at [`lod::LABEL_MAX_GROWTH`] times its size, less a gap. Only shapes
/// within `reach` of the point are looked at: a room wider than the label at its
/// largest is as good as any wider one, and a narrow query passes over fewer
/// buckets of the index. [`lod::EdgeLabels`] measures each spot along an edge so.
pub fn label_room_at(
    scene: &Scene,
    shapes: &super::spatial::SpatialIndex,
    (x, y): (f64, f64),
    anchor: LabelAnchor,
    fit: lod::Fit,
    reach: f64,
) -> lod::TextRoom {
    let size = lod::ENTRY_TEXT_SIZE;
    let grown = size * lod::LABEL_MAX_GROWTH;
    let (top, bottom) = (y - lod::TEXT_ASCENT * grown, y + lod::TEXT_DESCENT * grown);
    // However far: a picture is far narrower, and `x` stays exact beside it.
    let reach = reach.min(FAR_REACH);
    let band = Rect {
        x: if anchor == LabelAnchor::Start {
            x
        } else {
            x - reach
        },
        y: top,
        w: reach,
        h: bottom - top,
    };
    let mut width = f64::INFINITY;
    for shape in shapes.query(&band) {
        let r = &scene.shapes[shape].rect;
        if r.y >= bottom || top >= r.y + r.h {
            continue;
        }
        let (left, right) = (r.x, r.x + r.w);
        let room = match anchor {
            LabelAnchor::Start if left >= x => left - x,
            LabelAnchor::Start if right > x => right - x,
            LabelAnchor::End if right <= x => x - right,
            LabelAnchor::End if left < x => x - left,
            _ => continue,
        };
        width = width.min(room);
    }
    lod::TextRoom {
        size,
        width: width - LABEL_GAP,
        height: f64::INFINITY,
        baseline: 0.0,
        fit,
    }
}

/// The gap an edge label keeps from a shape's border.
const LABEL_GAP: f64 = 4.0;
/// How far [`label_rooms_in`] looks for a border first, and how far at most: a
/// picture is far narrower than the second.
const NEAR_REACH: f64 = 256.0;
const FAR_REACH: f64 = 1e9;

/// For each edge, the position of the `text.edge-label` element [`svg_elements`]
/// writes for its label among all of them, if it has a label. The labels of a fan
/// of edges out of one shape coincide, text and point: one element is written, for
/// the first edge, and the others point at it too. The web app lights an edge's
/// label with the edge.
pub fn label_elements(scene: &Scene) -> Vec<Option<usize>> {
    let mut written: BTreeMap<(String, &str), usize> = BTreeMap::new();
    scene
        .edges
        .iter()
        .map(|edge| {
            let label = edge.label.as_ref()?;
            let key = (
                format!("{},{}", Tenths(label.x), Tenths(label.y)),
                label.text.as_str(),
            );
            let next = written.len();
            Some(*written.entry(key).or_insert(next))
        })
        .collect()
}

/// The width a sublabel's character is taken to have, and the box width around
/// the text, when it is cut to fit its box.
pub const SUBLABEL_CHAR_W: f64 = 5.8;
pub const SUBLABEL_MARGIN: f64 = 20.0;

/// Truncates `text` with an ellipsis so it fits `width` at `char_width` per character.
pub fn fit(text: &str, width: f64, char_width: f64) -> String {
    let max_chars = (width / char_width).floor().max(1.0) as usize;
    lod::shown(
        text,
        if text.chars().count() <= max_chars {
            max_chars
        } else {
            max_chars - 1
        },
    )
}

/// Escapes `text` for SVG text and double-quoted attributes. Characters XML 1.0
/// does not allow at all, even as references (C0 controls other than tab, newline
/// and carriage return, and U+FFFE/U+FFFF), become U+FFFD: names come from
/// manifests, and one such character would make the whole document unreadable.
pub fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\t' | '\n' | '\r' => escaped.push(character),
            '\u{0}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}' => escaped.push('\u{fffd}'),
            character => escaped.push(character),
        }
    }
    escaped
}

/// Colours shared with `public/style.css` (light theme). The web app reads the
/// same rules from `index.html` (the template `kt-svg-style`), so that the wasm
/// does not carry them; a test keeps the two equal.
pub const SVG_STYLE: &str = ".edge{fill:none;stroke:#94a3b8;stroke-width:1.2}.edge.dependency{stroke:#0d9488;stroke-width:1.4;stroke-dasharray:7 3 1.5 3}.edge.route{stroke:#0ea5e9}.edge.external,.edge.capture{stroke:#64748b}.edge.node-port.unhealthy{stroke:#ef4444;stroke-dasharray:3 3}.edge.not-ready{stroke:#f59e0b}.edge.terminating{stroke:#ef4444;stroke-dasharray:2 3}.edge.rejected{stroke:#ef4444;stroke-dasharray:5 3}\
.shape rect{fill:#fff;stroke:#cbd5e1}.namespace>rect{fill:#f1f5f9;stroke:#cbd5e1;stroke-dasharray:4 3}.node>rect{fill:#f8fafc}.node.failed>rect{fill:#fee2e2;stroke:#ef4444}.node.cordoned>rect{stroke:#f59e0b;stroke-dasharray:6 3}.workload-group>rect{fill:none;stroke:none}\
.service.cluster-ip>rect{stroke:#3b82f6}.service.node-port-type>rect{stroke:#10b981}.service.load-balancer-type>rect{stroke:#f97316;stroke-width:2}.service.external-name>rect{stroke:#a855f7;stroke-dasharray:5 3}.service.headless>rect{stroke:#64748b;stroke-dasharray:2 2}.service.no-endpoints>rect{fill:#fef2f2}\
.pod.ready>rect{fill:#22c55e;stroke:#15803d}.pod.not-ready>rect{fill:#fbbf24;stroke:#b45309}.pod.terminating>rect{fill:#f87171;stroke:#b91c1c}.pod.pending>rect{fill:#e2e8f0}.ingress>rect{stroke:#0ea5e9}.gateway>rect{fill:#f0f9ff;stroke:#0ea5e9}.from-set>rect{stroke-dasharray:1.5 2}.rejected>rect,.unresolved>rect{stroke:#ef4444;stroke-dasharray:4 3}.load-balancer>rect{stroke:#f97316}.external>rect{fill:#f1f5f9}.workload>rect{stroke:#6366f1}\
.label{font-size:12px;font-weight:600;fill:#0f172a}.group-label{font-size:9.5px;fill:#334155}.sublabel{font-size:10px;fill:#475569}.badge.error{fill:#dc2626}.badge.warning{fill:#f59e0b}\
.arrow{fill:#94a3b8}.arrow.dependency{fill:#0d9488}.arrow.route{fill:#0ea5e9}.arrow.warning{fill:#f59e0b}.arrow.error{fill:#ef4444}.edge-label{font-size:10px;fill:#334155;paint-order:stroke;stroke:#fff;stroke-width:3px;stroke-linejoin:round}";

/// A flow's packet colour, `hsl(hue, 75%, 48%)` as RGBA bytes, with hues spread by
/// the golden angle so that neighbours differ. The hues run from 70° to 299°
/// (yellow-green through blue to violet): the reds and ambers of drop and reject
/// markers are theirs alone, so a packet never looks like a drop (§13.5).
pub fn flow_rgba(flow: u32) -> [u8; 4] {
    let hue = f64::from(70 + flow.wrapping_mul(137) % 230) / 60.0;
    let (saturation, lightness) = (0.75, 0.48);
    let chroma = (1.0 - (2.0 * lightness - 1.0f64).abs()) * saturation;
    let second = chroma * (1.0 - (hue % 2.0 - 1.0).abs());
    let (r, g, b) = match hue as u32 {
        0 => (chroma, second, 0.0),
        1 => (second, chroma, 0.0),
        2 => (0.0, chroma, second),
        3 => (0.0, second, chroma),
        4 => (second, 0.0, chroma),
        _ => (chroma, 0.0, second),
    };
    let byte = |v: f64| ((v + lightness - chroma / 2.0) * 255.0).round() as u8;
    [byte(r), byte(g), byte(b), 255]
}
