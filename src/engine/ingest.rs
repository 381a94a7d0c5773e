//! Ingest: documents in, a lenient typed model plus diagnostics out.
//!
//! Only the fields the engine uses are read. A field with the wrong type is reported
//! at its own line and skipped; the rest of the object, and every other document,
//! is still used. Nothing here fails as a whole.

use crate::engine::sort::CollectCompact;
use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;
use std::sync::Arc;

use super::diag::{Diagnostic, Source};
use super::model::*;
use super::refs::{KindRef, NamespacedName};
use super::selector::{self, LabelSelector, Labels, MatchExpression};
use super::yaml::{self, Node as YamlNode, Value};

/// One input file: a name for diagnostics and its text.
#[derive(Clone, Debug)]
pub struct SourceFile {
    pub name: String,
    pub text: String,
}

impl SourceFile {
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> SourceFile {
        SourceFile {
            name: name.into(),
            text: text.into(),
        }
    }
}

/// Most replicas accepted for one workload; more is refused rather than simulated.
pub const MAX_REPLICAS: i64 = 10_000;

/// Reads every file into one model. Diagnostics are appended to `diagnostics`.
pub fn ingest(files: &[SourceFile], diagnostics: &mut Vec<Diagnostic>) -> Manifests {
    let parsed: Vec<ParsedFile> = files
        .iter()
        .map(|file| ParsedFile {
            name: file.name.clone(),
            documents: yaml::load_documents(&file.name, &file.text, diagnostics),
        })
        .collect();
    ingest_parsed(&parsed, diagnostics)
}

/// One file's documents as `yaml` parsed them: what the web app's worker hands
/// back (`engine::codec`), so that the page never parses YAML itself.
#[derive(Clone, Debug, PartialEq)]
pub struct ParsedFile {
    pub name: String,
    pub documents: Vec<yaml::Document>,
}

/// [`ingest`] after the parsing: reads parsed documents into one model.
pub fn ingest_parsed(files: &[ParsedFile], diagnostics: &mut Vec<Diagnostic>) -> Manifests {
    let mut reading = Reading::default();
    reading.add(files, diagnostics);
    reading.finish()
}

/// [`ingest_parsed`] a part at a time: the documents of each part are read as it
/// comes, and [`Reading::finish`] drops what later documents replaced.
#[derive(Default)]
pub struct Reading {
    manifests: Manifests,
    seen: Seen,
}

impl Reading {
    /// Reads the documents of `files` after those read before.
    pub fn add(&mut self, files: &[ParsedFile], diagnostics: &mut Vec<Diagnostic>) {
        for file in files {
            for document in &file.documents {
                let Some(root) = &document.root else { continue };
                let context = DocumentContext {
                    file: &file.name,
                    document: document.index,
                    end_line: last_line(root),
                };
                read_document_root(
                    root,
                    &context,
                    &mut self.manifests,
                    &mut self.seen,
                    diagnostics,
                );
            }
        }
    }

    /// Everything read, without the definitions later ones replaced.
    pub fn finish(mut self) -> Manifests {
        remove_superseded(&mut self.manifests, &self.seen);
        self.manifests
    }
}

/// The objects read so far: where each was last defined, and which were defined
/// more than once.
#[derive(Default)]
struct Seen {
    sources: BTreeMap<ObjectRef, Source>,
    superseded: BTreeSet<ObjectRef>,
}

/// Drops the earlier definitions of objects defined again later, as `kubectl apply`
/// replaces them: the entries of a superseded object whose source is not its last
/// definition's. One pass over each list at the end, instead of one per duplicate,
/// which made two copies of a large cluster quadratic (two 40,000-pod copies took
/// 17 s natively, issue #9).
fn remove_superseded(manifests: &mut Manifests, seen: &Seen) {
    if seen.superseded.is_empty() {
        return;
    }
    let last: BTreeMap<(&str, &str, &str), &Source> = seen
        .superseded
        .iter()
        .filter_map(|object_ref| {
            let key = (
                object_ref.kind.as_str(),
                object_ref.namespace.as_deref().unwrap_or(""),
                object_ref.name.as_str(),
            );
            Some((key, seen.sources.get(object_ref)?))
        })
        .collect_map();
    let keep = |kind: &str, meta: &Meta| {
        last.get(&(kind, meta.namespace.as_str(), meta.name.as_str()))
            .is_none_or(|source| **source == meta.source)
    };
    manifests.ignored.retain(|(object_ref, source)| {
        !seen.superseded.contains(object_ref)
            || seen
                .sources
                .get(object_ref)
                .is_none_or(|last| last == source)
    });
    manifests.namespaces.retain(|o| keep("Namespace", &o.meta));
    manifests.nodes.retain(|o| keep("Node", &o.meta));
    manifests.pods.retain(|o| keep("Pod", &o.meta));
    manifests.services.retain(|o| keep("Service", &o.meta));
    manifests.endpoint_slices.retain(|o| {
        keep(
            if o.legacy {
                "Endpoints"
            } else {
                "EndpointSlice"
            },
            &o.meta,
        )
    });
    manifests.ingresses.retain(|o| keep("Ingress", &o.meta));
    manifests
        .ingress_classes
        .retain(|o| keep("IngressClass", &o.meta));
    manifests
        .network_policies
        .retain(|o| keep("NetworkPolicy", &o.meta));
    manifests
        .gateway
        .classes
        .retain(|o| keep("GatewayClass", &o.meta));
    manifests
        .gateway
        .gateways
        .retain(|o| keep("Gateway", &o.meta));
    manifests
        .gateway
        .grants
        .retain(|o| keep("ReferenceGrant", &o.meta));
    manifests
        .gateway
        .routes
        .retain(|o| keep(o.kind.as_str(), &o.meta));
    manifests
        .gateway
        .backend_tls_policies
        .retain(|o| keep("BackendTLSPolicy", &o.meta));
    manifests
        .workloads
        .retain(|o| keep(o.kind.as_str(), &o.meta));
}

struct DocumentContext<'a> {
    file: &'a str,
    document: usize,
    end_line: usize,
}

fn last_line(node: &YamlNode) -> usize {
    let mut line = node.line;
    let mut current = node;
    loop {
        let next = match &current.value {
            Value::Seq(items) => items.last(),
            Value::Map(entries) => entries.last().map(|(_, value)| value),
            Value::Scalar(s) => {
                line = line.max(current.line + s.text.matches('\n').count() as u32);
                None
            }
        };
        match next {
            Some(next) => {
                line = line.max(next.line);
                current = next;
            }
            None => return line as usize,
        }
    }
}

fn read_document_root(
    root: &YamlNode,
    context: &DocumentContext,
    manifests: &mut Manifests,
    seen: &mut Seen,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let source = Source {
        file: context.file.to_string(),
        document: context.document,
        line: root.line as usize,
        column: root.column as usize,
    };
    if root.as_map().is_none() {
        diagnostics.push(
            Diagnostic::error("not-an-object", format!("This document is {}, not a Kubernetes object. Each document must be a map with apiVersion, kind and metadata.", root.describe()))
                .at(source),
        );
        return;
    }
    let kind = root.get("kind").and_then(YamlNode::as_str).unwrap_or("");
    if kind.ends_with("List") {
        if let Some(items) = root.get("items").and_then(YamlNode::as_seq) {
            // `kubectl get -o yaml` wraps objects in a List; lists can nest.
            let mut stack: Vec<&YamlNode> = items.iter().rev().collect();
            while let Some(item) = stack.pop() {
                let item_kind = item.get("kind").and_then(YamlNode::as_str).unwrap_or("");
                if item_kind.ends_with("List") {
                    if let Some(nested) = item.get("items").and_then(YamlNode::as_seq) {
                        stack.extend(nested.iter().rev());
                        continue;
                    }
                }
                let item_context = DocumentContext {
                    end_line: last_line(item),
                    ..*context
                };
                read_object(item, &item_context, manifests, seen, diagnostics);
            }
            return;
        }
    }
    read_object(root, context, manifests, seen, diagnostics);
}

const CLUSTER_SCOPED: &[&str] = &[
    "Namespace",
    "Node",
    "IngressClass",
    "ClusterRole",
    "ClusterRoleBinding",
    "CustomResourceDefinition",
    "ValidatingWebhookConfiguration",
    "MutatingWebhookConfiguration",
    "PersistentVolume",
    "StorageClass",
    "PriorityClass",
    "APIService",
    "GatewayClass",
];

fn read_object(
    root: &YamlNode,
    context: &DocumentContext,
    manifests: &mut Manifests,
    seen: &mut Seen,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let source = Source {
        file: context.file.to_string(),
        document: context.document,
        line: root.line as usize,
        column: root.column as usize,
    };
    let Some(kind) = root
        .get("kind")
        .and_then(YamlNode::as_str)
        .map(str::to_string)
    else {
        if root.as_map().is_none() {
            diagnostics.push(
                Diagnostic::error(
                    "not-an-object",
                    format!("This item is {}, not a Kubernetes object.", root.describe()),
                )
                .at(source),
            );
        } else {
            diagnostics.push(Diagnostic::error("missing-kind", "This object has no `kind`, so kubetopo cannot tell what it is. Add `kind:` and `apiVersion:`.").at(source));
        }
        return;
    };
    let cluster_scoped = CLUSTER_SCOPED.contains(&kind.as_str());
    let mut reader = Reader {
        object: kind.clone(),
        file: context.file,
        document: context.document,
        diagnostics,
        positions: FieldPositions::default(),
        record_positions: kind != "Pod" && kind != "EndpointSlice" && kind != "Endpoints",
    };
    let metadata = reader.map(root, "metadata", FieldPath::new("metadata"));
    let name = metadata.and_then(|m| reader.string(m, "name", FieldPath::new("metadata.name")));
    let generate_name = metadata
        .and_then(|m| reader.string(m, "generateName", FieldPath::new("metadata.generateName")));
    let Some(name) = name.or(generate_name.map(|base| format!("{base}xxxxx"))) else {
        reader.diagnostics.push(
            Diagnostic::error(
                "missing-name",
                format!("This {kind} has no metadata.name. Add a name so it can be referenced."),
            )
            .object(kind.clone())
            .field("metadata.name")
            .at(source),
        );
        return;
    };
    let namespace = if cluster_scoped {
        String::new()
    } else {
        metadata
            .and_then(|m| reader.string(m, "namespace", FieldPath::new("metadata.namespace")))
            .unwrap_or_else(|| "default".to_string())
    };
    let object_ref = ObjectRef {
        kind: kind.clone(),
        namespace: (!cluster_scoped).then(|| namespace.clone()),
        name: name.clone(),
    };
    reader.object = object_ref.to_string();

    let mut meta = Meta {
        name,
        namespace,
        source: source.clone(),
        end_line: context.end_line,
        ..Meta::default()
    };
    if let Some(metadata) = metadata {
        meta.labels = reader.labels(metadata, "labels", FieldPath::new("metadata.labels"));
        meta.annotations = reader.labels(
            metadata,
            "annotations",
            FieldPath::new("metadata.annotations"),
        );
        meta.deletion_timestamp = metadata
            .get("deletionTimestamp")
            .is_some_and(|n| !n.is_null());
        let owners_path = FieldPath::new("metadata.ownerReferences");
        for (index, owner) in reader
            .seq(metadata, "ownerReferences", owners_path)
            .iter()
            .enumerate()
        {
            let path = owners_path.index(index);
            if reader.bool(owner, "controller", path) == Some(true) {
                let owner_kind = reader.string(owner, "kind", path).unwrap_or_default();
                let owner_name = reader.string(owner, "name", path).unwrap_or_default();
                meta.owner = Some(KindRef::new(owner_kind, owner_name));
            }
        }
    }

    if let Some(previous) = seen.sources.insert(object_ref.clone(), source.clone()) {
        reader.diagnostics.push(
            Diagnostic::warning(
                "duplicate-object",
                format!(
                    "{object_ref} is defined twice; the earlier definition (document {}, line {}) is replaced by this one, as `kubectl apply` would. Remove one of them.",
                    previous.document, previous.line
                ),
            )
            .object(object_ref.to_string())
            .at(source.clone()),
        );
        if previous == source {
            // Both from one place (a file read twice): the sources cannot tell the
            // copies apart at the end, so the earlier one goes now.
            remove_object(manifests, &object_ref);
        } else {
            seen.superseded.insert(object_ref.clone());
        }
    }

    match kind.as_str() {
        "Namespace" => manifests.namespaces.push(Namespace {
            meta: reader.finish(meta),
        }),
        "Node" => {
            let node = read_node(&mut reader, root);
            manifests.nodes.push(Node {
                meta: reader.finish(meta),
                ..node
            });
        }
        "Pod" => {
            let mut spec = reader
                .map(root, "spec", FieldPath::new("spec"))
                .map(|spec| read_pod_spec(&mut reader, spec, FieldPath::new("spec")))
                .unwrap_or_default();
            add_declared_calls(
                &mut spec,
                meta.annotations.get(CALLS_ANNOTATION).map(String::as_str),
            );
            let status = reader
                .map(root, "status", FieldPath::new("status"))
                .map(|status| read_pod_status(&mut reader, status))
                .unwrap_or_default();
            manifests.pods.push(Arc::new(Pod {
                meta: reader.finish(meta),
                spec: Arc::new(spec),
                status,
            }));
        }
        "Service" => {
            let spec = read_service(&mut reader, root);
            manifests.services.push(Arc::new(Service {
                meta: reader.finish(meta),
                spec,
            }));
        }
        "EndpointSlice" => {
            let slice = read_endpoint_slice(&mut reader, root, &meta);
            manifests.endpoint_slices.push(EndpointSlice {
                meta: reader.finish(meta),
                ..slice
            });
        }
        "Endpoints" => {
            let slices = read_endpoints(&mut reader, root, &meta);
            let meta = reader.finish(meta);
            manifests
                .endpoint_slices
                .extend(slices.into_iter().map(|slice| EndpointSlice {
                    meta: meta.clone(),
                    ..slice
                }));
        }
        "Ingress" => {
            let ingress = read_ingress(&mut reader, root, &meta);
            manifests.ingresses.push(Ingress {
                meta: reader.finish(meta),
                ..ingress
            });
        }
        "IngressClass" => {
            let controller = reader
                .map(root, "spec", FieldPath::new("spec"))
                .and_then(|spec| {
                    reader.string(spec, "controller", FieldPath::new("spec.controller"))
                })
                .unwrap_or_default();
            let is_default = meta
                .annotations
                .get("ingressclass.kubernetes.io/is-default-class")
                .is_some_and(|v| v == "true");
            manifests.ingress_classes.push(IngressClass {
                meta: reader.finish(meta),
                controller,
                is_default,
            });
        }
        "NetworkPolicy" => {
            let policy = read_network_policy(&mut reader, root);
            manifests.network_policies.push(NetworkPolicy {
                meta: reader.finish(meta),
                ..policy
            });
        }
        other
            if super::gateway::read::served_versions(other).is_some()
                && super::gateway::read::read_gateway_object(
                    &mut reader,
                    root,
                    other,
                    meta.clone(),
                    manifests,
                ) => {}
        other => match WorkloadKind::parse(other) {
            Some(workload_kind) => {
                if let Some(workload) = read_workload(&mut reader, root, workload_kind, &meta) {
                    manifests.workloads.push(Arc::new(Workload {
                        meta: reader.finish(meta),
                        ..workload
                    }));
                }
            }
            None => {
                reader.diagnostics.push(
                    Diagnostic::info("ignored-kind", format!("Kind {kind} is not modelled, so this object is listed and otherwise ignored; kubetopo draws Services, workloads, pods, nodes, ingresses and NetworkPolicies."))
                        .object(object_ref.to_string())
                        .at(source.clone()),
                );
                manifests.ignored.push((object_ref, source));
            }
        },
    }
}

fn remove_object(manifests: &mut Manifests, object_ref: &ObjectRef) {
    let same = |meta: &Meta| {
        meta.name == object_ref.name
            && object_ref.namespace.as_deref().unwrap_or("") == meta.namespace
    };
    manifests
        .ignored
        .retain(|(ignored, _)| ignored != object_ref);
    match object_ref.kind.as_str() {
        "Namespace" => manifests.namespaces.retain(|o| !same(&o.meta)),
        "Node" => manifests.nodes.retain(|o| !same(&o.meta)),
        "Pod" => manifests.pods.retain(|o| !same(&o.meta)),
        "Service" => manifests.services.retain(|o| !same(&o.meta)),
        "EndpointSlice" => manifests
            .endpoint_slices
            .retain(|o| o.legacy || !same(&o.meta)),
        "Endpoints" => manifests
            .endpoint_slices
            .retain(|o| !o.legacy || !same(&o.meta)),
        "Ingress" => manifests.ingresses.retain(|o| !same(&o.meta)),
        "IngressClass" => manifests.ingress_classes.retain(|o| !same(&o.meta)),
        "NetworkPolicy" => manifests.network_policies.retain(|o| !same(&o.meta)),
        "GatewayClass" => manifests.gateway.classes.retain(|o| !same(&o.meta)),
        "Gateway" => manifests.gateway.gateways.retain(|o| !same(&o.meta)),
        "ReferenceGrant" => manifests.gateway.grants.retain(|o| !same(&o.meta)),
        "BackendTLSPolicy" => manifests
            .gateway
            .backend_tls_policies
            .retain(|o| !same(&o.meta)),
        "HTTPRoute" | "GRPCRoute" | "TLSRoute" | "TCPRoute" | "UDPRoute" => manifests
            .gateway
            .routes
            .retain(|o| !(o.kind.as_str() == object_ref.kind && same(&o.meta))),
        kind => manifests
            .workloads
            .retain(|o| !(o.kind.as_str() == kind && same(&o.meta))),
    }
}

/// A field's path (`spec.ports[0].port`) kept as its parts and joined only when a
/// diagnostic or a recorded position needs the text. Most fields read are absent,
/// and formatting their paths up front was 44 % of reading a 10,000-pod cluster
/// (issue #12, item 9). Each part borrows its parent, so a path costs nothing
/// until it is rendered.
#[derive(Clone, Copy)]
pub(crate) struct FieldPath<'a> {
    parent: Option<&'a FieldPath<'a>>,
    part: PathPart<'a>,
}

#[derive(Clone, Copy)]
enum PathPart<'a> {
    Key(&'a str),
    Index(usize),
}

impl<'a> FieldPath<'a> {
    /// A path written out whole, such as `spec.selector`.
    pub(crate) const fn new(path: &'a str) -> FieldPath<'a> {
        FieldPath {
            parent: None,
            part: PathPart::Key(path),
        }
    }

    /// `{self}.{key}`.
    pub(crate) fn key<'b>(&'b self, key: &'b str) -> FieldPath<'b> {
        FieldPath {
            parent: Some(self),
            part: PathPart::Key(key),
        }
    }

    /// `{self}[{index}]`.
    pub(crate) fn index<'b>(&'b self, index: usize) -> FieldPath<'b> {
        FieldPath {
            parent: Some(self),
            part: PathPart::Index(index),
        }
    }

    /// The path as text.
    pub(crate) fn render(&self) -> String {
        let mut text = String::with_capacity(48);
        self.write(&mut text);
        text
    }

    fn write(&self, text: &mut String) {
        if let Some(parent) = self.parent {
            parent.write(text);
        }
        match self.part {
            PathPart::Key(key) => {
                if self.parent.is_some() {
                    text.push('.');
                }
                text.push_str(key);
            }
            PathPart::Index(index) => {
                use std::fmt::Write;
                let _ = write!(text, "[{index}]");
            }
        }
    }
}

/// Reads typed fields from one object, reporting wrong types at their own line.
pub(crate) struct Reader<'a> {
    object: String,
    file: &'a str,
    document: usize,
    diagnostics: &'a mut Vec<Diagnostic>,
    positions: FieldPositions,
    record_positions: bool,
}

impl Reader<'_> {
    pub(crate) fn finish(&mut self, mut meta: Meta) -> Meta {
        meta.field_positions = std::mem::take(&mut self.positions);
        meta
    }

    pub(crate) fn source(&self, node: &YamlNode) -> Source {
        Source {
            file: self.file.to_string(),
            document: self.document,
            line: node.line as usize,
            column: node.column as usize,
        }
    }

    pub(crate) fn record(&mut self, node: &YamlNode, path: FieldPath) {
        if self.record_positions {
            self.positions
                .insert(&path.render(), (node.line, node.column));
        }
    }

    pub(crate) fn wrong_type(&mut self, node: &YamlNode, path: FieldPath, expected: &str) {
        let path = path.render();
        let diagnostic = Diagnostic::error("field-type", format!("`{path}` should be {expected}, but it is {}. This field is ignored; fix its value.", node.describe()))
            .object(self.object.clone())
            .field(path)
            .at(self.source(node));
        self.diagnostics.push(diagnostic);
    }

    pub(crate) fn invalid(
        &mut self,
        node: &YamlNode,
        path: &str,
        code: &'static str,
        message: String,
    ) {
        let diagnostic = Diagnostic::error(code, message)
            .object(self.object.clone())
            .field(path)
            .at(self.source(node));
        self.diagnostics.push(diagnostic);
    }

    /// Like `invalid`, for valid input kubetopo can only approximate.
    pub(crate) fn warn(
        &mut self,
        node: &YamlNode,
        path: &str,
        code: &'static str,
        message: String,
    ) {
        let diagnostic = Diagnostic::warning(code, message)
            .object(self.object.clone())
            .field(path)
            .at(self.source(node));
        self.diagnostics.push(diagnostic);
    }

    pub(crate) fn child<'n>(
        &mut self,
        parent: &'n YamlNode,
        key: &str,
        path: FieldPath,
    ) -> Option<&'n YamlNode> {
        let node = parent.get(key)?;
        if node.is_null() {
            return None;
        }
        self.record(node, path);
        self.check_yaml_version_reading(node, path);
        Some(node)
    }

    /// Warns where Kubernetes, which reads YAML 1.1, and YAML 1.2 tools read a plain
    /// scalar differently (`docs/semantics.md` §10): `0120` is 80 to the API server
    /// but 120 to a YAML 1.2 linter, `yes` is a boolean to one and a string to the
    /// other. kubetopo reads numbers and booleans as Kubernetes does.
    pub(crate) fn check_yaml_version_reading(&mut self, node: &YamlNode, path: FieldPath) {
        let Some((yaml_1_1, yaml_1_2)) = node.yaml_1_2_reading_differs() else {
            return;
        };
        let path = path.render();
        let text = node.as_str().unwrap_or_default();
        let advice = match &yaml_1_1 {
            yaml::ScalarReading::Bool(value) => format!(
                "Write `{value}` for a boolean, or quote the value (\"{text}\") for a string"
            ),
            yaml::ScalarReading::Int(value) => format!(
                "Write `{value}` for that number, or quote the value (\"{text}\") for a string"
            ),
            _ => format!("Quote the value (\"{text}\") if it is a string"),
        };
        let message = format!(
            "`{path}` is written `{text}`. Kubernetes reads manifests as YAML 1.1, where that is {}; YAML 1.2 tools (editors, linters, most libraries) read {}. kubetopo reads numbers and booleans as Kubernetes does. {advice}, so that every tool agrees.",
            yaml_1_1.describe(text),
            yaml_1_2.describe(text),
        );
        self.warn(node, &path, "yaml11-scalar", message);
    }

    /// Reads `key` with `convert`; a present value it refuses is reported as the wrong type.
    pub(crate) fn typed<'n, T>(
        &mut self,
        parent: &'n YamlNode,
        key: &str,
        path: FieldPath,
        expected: &str,
        convert: impl FnOnce(&'n YamlNode) -> Option<T>,
    ) -> Option<T> {
        let node = self.child(parent, key, path)?;
        let value = convert(node);
        if value.is_none() {
            self.wrong_type(node, path, expected);
        }
        value
    }

    pub(crate) fn map<'n>(
        &mut self,
        parent: &'n YamlNode,
        key: &str,
        path: FieldPath,
    ) -> Option<&'n YamlNode> {
        self.typed(parent, key, path, "a map", |node| {
            node.as_map().map(|_| node)
        })
    }

    pub(crate) fn seq<'n>(
        &mut self,
        parent: &'n YamlNode,
        key: &str,
        path: FieldPath,
    ) -> &'n [YamlNode] {
        self.typed(parent, key, path, "a list", YamlNode::as_seq)
            .unwrap_or_default()
    }

    pub(crate) fn string(
        &mut self,
        parent: &YamlNode,
        key: &str,
        path: FieldPath,
    ) -> Option<String> {
        self.typed(parent, key, path, "a string", |node| {
            node.as_str().map(str::to_string)
        })
    }

    pub(crate) fn strings(&mut self, parent: &YamlNode, key: &str, path: FieldPath) -> Vec<String> {
        let mut values = Vec::new();
        for (index, item) in self.seq(parent, key, path).iter().enumerate() {
            match item.as_str() {
                Some(text) => {
                    self.check_yaml_version_reading(item, path.index(index));
                    values.push(text.to_string());
                }
                None => self.wrong_type(item, path.index(index), "a string"),
            }
        }
        values
    }

    pub(crate) fn int(&mut self, parent: &YamlNode, key: &str, path: FieldPath) -> Option<i64> {
        self.typed(parent, key, path, "an integer", YamlNode::as_i64)
    }

    pub(crate) fn bool(&mut self, parent: &YamlNode, key: &str, path: FieldPath) -> Option<bool> {
        self.typed(parent, key, path, "true or false", YamlNode::as_bool)
    }

    /// An `IntOrString`: plain integers are numbers, anything else is a name.
    /// A quoted "8080" is a (bad) port name, as it is to the API's IntOrString decoder.
    pub(crate) fn port_ref(
        &mut self,
        parent: &YamlNode,
        key: &str,
        path: FieldPath,
    ) -> Option<PortRef> {
        self.typed(parent, key, path, "a port number or a port name", |node| {
            node.as_i64()
                .map(PortRef::Number)
                .or_else(|| node.as_str().map(|text| PortRef::Name(text.to_string())))
        })
    }

    pub(crate) fn labels(&mut self, parent: &YamlNode, key: &str, path: FieldPath) -> Labels {
        let mut labels = Labels::new();
        let Some(node) = self.map(parent, key, path) else {
            return labels;
        };
        for (label_key, value) in node.as_map().unwrap_or_default() {
            match value.as_str() {
                Some(text) => {
                    self.check_yaml_version_reading(value, path.key(label_key));
                    labels.insert(label_key.clone(), text.to_string());
                }
                None if value.is_null() => {
                    labels.insert(label_key.clone(), String::new());
                }
                None => self.wrong_type(value, path.key(label_key), "a string"),
            }
        }
        labels
    }

    pub(crate) fn protocol(&mut self, parent: &YamlNode, path: FieldPath) -> Protocol {
        let field = path.key("protocol");
        match self.string(parent, "protocol", field) {
            None => Protocol::Tcp,
            Some(text) => Protocol::parse(&text).unwrap_or_else(|| {
                let node = parent.get("protocol").unwrap_or(parent);
                let field = field.render();
                self.invalid(
                    node,
                    &field,
                    "invalid-protocol",
                    format!(
                        "`{field}` is \"{text}\"; it must be TCP, UDP or SCTP. TCP is assumed."
                    ),
                );
                Protocol::Tcp
            }),
        }
    }

    pub(crate) fn ips(&mut self, items: &[YamlNode], key: &str, path: FieldPath) -> Vec<IpAddr> {
        let mut ips = Vec::new();
        for (index, item) in items.iter().enumerate() {
            let item_path = path.index(index);
            let field = item_path.key(key);
            if let Some(text) = self.string(item, key, field) {
                match text.parse() {
                    Ok(ip) => ips.push(ip),
                    Err(_) => {
                        let field = field.render();
                        self.invalid(
                            item,
                            &field,
                            "invalid-ip",
                            format!("`{field}` is \"{text}\", which is not an IP address."),
                        )
                    }
                }
            }
        }
        ips
    }

    /// A `metav1.LabelSelector`. Absent or null is `None` (nil); `{}` selects everything.
    pub(crate) fn label_selector(
        &mut self,
        parent: &YamlNode,
        key: &str,
        path: FieldPath,
    ) -> Option<LabelSelector> {
        let node = self.map(parent, key, path)?;
        let match_labels = self.labels(node, "matchLabels", path.key("matchLabels"));
        let mut expressions = Vec::new();
        let expressions_path = path.key("matchExpressions");
        for (index, item) in self
            .seq(node, "matchExpressions", expressions_path)
            .iter()
            .enumerate()
        {
            let item_path = expressions_path.index(index);
            expressions.push(MatchExpression {
                key: self.string(item, "key", item_path).unwrap_or_default(),
                operator: self.string(item, "operator", item_path).unwrap_or_default(),
                values: self.strings(item, "values", item_path.key("values")),
            });
        }
        match selector::label_selector_from_parts(&match_labels, &expressions) {
            Ok(selector) => Some(LabelSelector::Match(selector)),
            Err(errors) => {
                let path = path.render();
                for error in errors {
                    self.invalid(node, &path, "invalid-selector", format!("`{path}` is invalid: {error}. The selector matches nothing until this is fixed."));
                }
                Some(LabelSelector::Nothing)
            }
        }
    }
}

fn read_node(reader: &mut Reader, root: &YamlNode) -> Node {
    let mut node = Node {
        meta: Meta::default(),
        taints: Vec::new(),
        unschedulable: false,
        internal_ip: None,
        ready: true,
        pod_cidr: None,
    };
    if let Some(spec) = reader.map(root, "spec", FieldPath::new("spec")) {
        node.unschedulable = reader
            .bool(spec, "unschedulable", FieldPath::new("spec.unschedulable"))
            .unwrap_or(false);
        node.pod_cidr = reader.string(spec, "podCIDR", FieldPath::new("spec.podCIDR"));
        let taints_path = FieldPath::new("spec.taints");
        for (index, taint) in reader.seq(spec, "taints", taints_path).iter().enumerate() {
            let path = taints_path.index(index);
            let effect = match reader.string(taint, "effect", path).as_deref() {
                Some("NoSchedule") => TaintEffect::NoSchedule,
                Some("PreferNoSchedule") => TaintEffect::PreferNoSchedule,
                Some("NoExecute") => TaintEffect::NoExecute,
                _ => continue,
            };
            node.taints.push(Taint {
                key: reader.string(taint, "key", path).unwrap_or_default(),
                value: reader.string(taint, "value", path).unwrap_or_default(),
                effect,
            });
        }
    }
    if let Some(status) = reader.map(root, "status", FieldPath::new("status")) {
        let addresses_path = FieldPath::new("status.addresses");
        for (index, address) in reader
            .seq(status, "addresses", addresses_path)
            .iter()
            .enumerate()
        {
            let path = addresses_path.index(index);
            if reader.string(address, "type", path).as_deref() == Some("InternalIP") {
                node.internal_ip = reader
                    .string(address, "address", path)
                    .and_then(|text| text.parse().ok());
            }
        }
        let conditions_path = FieldPath::new("status.conditions");
        for (index, condition) in reader
            .seq(status, "conditions", conditions_path)
            .iter()
            .enumerate()
        {
            let path = conditions_path.index(index);
            if reader.string(condition, "type", path).as_deref() == Some("Ready") {
                node.ready = reader.string(condition, "status", path).as_deref() == Some("True");
            }
        }
    }
    node
}

fn read_container(
    reader: &mut Reader,
    node: &YamlNode,
    path: FieldPath,
    restartable_init: bool,
) -> Container {
    let mut container = Container {
        name: reader
            .string(node, "name", path.key("name"))
            .unwrap_or_default(),
        ports: Vec::new(),
        probes: Vec::new(),
        address_hints: Vec::new(),
        restartable_init,
        field: path.render(),
    };
    let ports_path = path.key("ports");
    for (index, port) in reader.seq(node, "ports", ports_path).iter().enumerate() {
        let port_path = ports_path.index(index);
        let Some(container_port) =
            reader.int(port, "containerPort", port_path.key("containerPort"))
        else {
            continue;
        };
        container.ports.push(ContainerPort {
            name: reader.string(port, "name", port_path.key("name")),
            container_port,
            protocol: reader.protocol(port, port_path),
            host_port: reader.int(port, "hostPort", port_path.key("hostPort")),
        });
    }
    for kind in ["livenessProbe", "readinessProbe", "startupProbe"] {
        let probe_path = path.key(kind);
        let Some(probe) = reader.map(node, kind, probe_path) else {
            continue;
        };
        for handler in ["httpGet", "tcpSocket", "grpc"] {
            let handler_path = probe_path.key(handler);
            if let Some(handler_node) = reader.map(probe, handler, handler_path) {
                let port_path = handler_path.key("port");
                if let Some(port) = reader.port_ref(handler_node, "port", port_path) {
                    let source = reader.source(handler_node.get("port").unwrap_or(handler_node));
                    container.probes.push(Probe {
                        kind,
                        port,
                        field: port_path.render(),
                        source,
                    });
                }
            }
        }
    }
    let envs_path = path.key("env");
    for (index, env) in reader.seq(node, "env", envs_path).iter().enumerate() {
        let env_path = envs_path.index(index);
        let name = reader
            .string(env, "name", env_path.key("name"))
            .unwrap_or_default();
        if let Some(value) = env.get("value").and_then(YamlNode::as_str) {
            container.address_hints.push(AddressHint {
                evidence: format!("env {name}"),
                value: value.to_string(),
                declared: false,
            });
        }
    }
    for key in ["command", "args"] {
        for (index, arg) in reader
            .strings(node, key, path.key(key))
            .into_iter()
            .enumerate()
        {
            container.address_hints.push(AddressHint {
                evidence: format!("{key}[{index}]"),
                value: arg,
                declared: false,
            });
        }
    }
    container
}

/// The annotation by which a pod names the Services it calls that its containers'
/// env and args do not (§6.1).
pub const CALLS_ANNOTATION: &str = "kubetopo.dev/calls";

/// Gives the pod's declared calls (§6.1) to its first container, as one more
/// place that names addresses.
fn add_declared_calls(spec: &mut PodSpec, calls: Option<&str>) {
    if let (Some(calls), Some(container)) = (calls, spec.containers.first_mut()) {
        container.address_hints.push(AddressHint {
            evidence: format!("annotation {CALLS_ANNOTATION}"),
            value: calls.to_string(),
            declared: true,
        });
    }
}

fn read_pod_spec(reader: &mut Reader, spec: &YamlNode, path: FieldPath) -> PodSpec {
    let mut pod_spec = PodSpec::default();
    let containers_path = path.key("containers");
    for (index, container) in reader
        .seq(spec, "containers", containers_path)
        .iter()
        .enumerate()
    {
        pod_spec.containers.push(read_container(
            reader,
            container,
            containers_path.index(index),
            false,
        ));
    }
    let init_containers_path = path.key("initContainers");
    for (index, container) in reader
        .seq(spec, "initContainers", init_containers_path)
        .iter()
        .enumerate()
    {
        let container_path = init_containers_path.index(index);
        let restartable = reader
            .string(
                container,
                "restartPolicy",
                container_path.key("restartPolicy"),
            )
            .as_deref()
            == Some("Always");
        if restartable {
            pod_spec
                .containers
                .push(read_container(reader, container, container_path, true));
        }
    }
    pod_spec.node_name = reader.string(spec, "nodeName", path.key("nodeName"));
    pod_spec.node_selector = reader.labels(spec, "nodeSelector", path.key("nodeSelector"));
    pod_spec.hostname = reader.string(spec, "hostname", path.key("hostname"));
    pod_spec.subdomain = reader.string(spec, "subdomain", path.key("subdomain"));
    pod_spec.host_network = reader
        .bool(spec, "hostNetwork", path.key("hostNetwork"))
        .unwrap_or(false);
    let tolerations_path = path.key("tolerations");
    for (index, toleration) in reader
        .seq(spec, "tolerations", tolerations_path)
        .iter()
        .enumerate()
    {
        let toleration_path = tolerations_path.index(index);
        let effect = match reader
            .string(toleration, "effect", toleration_path)
            .as_deref()
        {
            Some("NoSchedule") => Some(TaintEffect::NoSchedule),
            Some("PreferNoSchedule") => Some(TaintEffect::PreferNoSchedule),
            Some("NoExecute") => Some(TaintEffect::NoExecute),
            _ => None,
        };
        pod_spec.tolerations.push(Toleration {
            key: reader
                .string(toleration, "key", toleration_path)
                .unwrap_or_default(),
            exists: reader
                .string(toleration, "operator", toleration_path)
                .as_deref()
                == Some("Exists"),
            value: reader
                .string(toleration, "value", toleration_path)
                .unwrap_or_default(),
            effect,
        });
    }
    let terms = spec
        .get("affinity")
        .and_then(|a| a.get("nodeAffinity"))
        .and_then(|a| a.get("requiredDuringSchedulingIgnoredDuringExecution"))
        .and_then(|a| a.get("nodeSelectorTerms"))
        .and_then(YamlNode::as_seq)
        .unwrap_or_default();
    for (index, term) in terms.iter().enumerate() {
        // Node selector terms use the LabelSelector operators plus Gt/Lt; reuse the
        // matchExpressions reader by presenting the term as a selector.
        let mut expressions = Vec::new();
        for expression in term
            .get("matchExpressions")
            .and_then(YamlNode::as_seq)
            .unwrap_or_default()
        {
            expressions.push(MatchExpression {
                key: expression
                    .get("key")
                    .and_then(YamlNode::as_str)
                    .unwrap_or_default()
                    .to_string(),
                operator: expression
                    .get("operator")
                    .and_then(YamlNode::as_str)
                    .unwrap_or_default()
                    .to_string(),
                values: expression
                    .get("values")
                    .and_then(YamlNode::as_seq)
                    .unwrap_or_default()
                    .iter()
                    .filter_map(YamlNode::as_str)
                    .map(str::to_string)
                    .collect(),
            });
        }
        match selector::label_selector_from_parts(&Labels::new(), &expressions) {
            Ok(term_selector) => pod_spec.required_node_affinity.push(LabelSelector::Match(term_selector)),
            Err(_) => reader.warn(term, &path.key("affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms").index(index).render(), "unsupported-node-affinity", "This node affinity term uses an operator kubetopo does not simulate (Gt or Lt); it is treated as matching every node.".to_string()),
        }
    }
    pod_spec
}

fn read_pod_status(reader: &mut Reader, status: &YamlNode) -> PodStatus {
    let mut pod_status = PodStatus {
        phase: reader
            .string(status, "phase", FieldPath::new("status.phase"))
            .and_then(|phase| match phase.as_str() {
                "Pending" => Some(PodPhase::Pending),
                "Running" => Some(PodPhase::Running),
                "Succeeded" => Some(PodPhase::Succeeded),
                "Failed" => Some(PodPhase::Failed),
                "Unknown" => Some(PodPhase::Unknown),
                _ => None,
            }),
        ..PodStatus::default()
    };
    let pod_ips_node = reader.seq(status, "podIPs", FieldPath::new("status.podIPs"));
    pod_status.pod_ips = reader.ips(pod_ips_node, "ip", FieldPath::new("status.podIPs"));
    if pod_status.pod_ips.is_empty() {
        if let Some(ip) = reader
            .string(status, "podIP", FieldPath::new("status.podIP"))
            .and_then(|text| text.parse().ok())
        {
            pod_status.pod_ips.push(ip);
        }
    }
    pod_status.host_ip = reader
        .string(status, "hostIP", FieldPath::new("status.hostIP"))
        .and_then(|text| text.parse().ok());
    let conditions_path = FieldPath::new("status.conditions");
    for (index, condition) in reader
        .seq(status, "conditions", conditions_path)
        .iter()
        .enumerate()
    {
        let path = conditions_path.index(index);
        if reader.string(condition, "type", path).as_deref() == Some("Ready") {
            pod_status.ready =
                Some(reader.string(condition, "status", path).as_deref() == Some("True"));
        }
    }
    pod_status
}

fn read_workload(
    reader: &mut Reader,
    root: &YamlNode,
    kind: WorkloadKind,
    meta: &Meta,
) -> Option<Workload> {
    let Some(spec) = reader.map(root, "spec", FieldPath::new("spec")) else {
        let diagnostic = Diagnostic::error("missing-template", format!("{} {} has no `spec`, so it creates no pods. Add a spec with a selector and a pod template.", kind.as_str(), meta.name))
            .object(reader.object.clone())
            .field("spec")
            .at(meta.source.clone());
        reader.diagnostics.push(diagnostic);
        return None;
    };
    // A CronJob wraps a Job spec: spec.jobTemplate.spec.
    let (spec, prefix) = if kind == WorkloadKind::CronJob {
        let job_template = reader.map(spec, "jobTemplate", FieldPath::new("spec.jobTemplate"))?;
        (
            reader.map(
                job_template,
                "spec",
                FieldPath::new("spec.jobTemplate.spec"),
            )?,
            FieldPath::new("spec.jobTemplate.spec"),
        )
    } else {
        (spec, FieldPath::new("spec"))
    };
    let default_replicas = match kind {
        WorkloadKind::Job | WorkloadKind::CronJob => reader
            .int(spec, "parallelism", prefix.key("parallelism"))
            .unwrap_or(1),
        _ => 1,
    };
    let replicas_path = prefix.key("replicas");
    let mut replicas = if matches!(
        kind,
        WorkloadKind::Job | WorkloadKind::CronJob | WorkloadKind::DaemonSet
    ) {
        default_replicas
    } else {
        reader
            .int(spec, "replicas", replicas_path)
            .unwrap_or(default_replicas)
    };
    if replicas < 0 {
        let node = spec.get("replicas").unwrap_or(spec);
        let replicas_field = replicas_path.render();
        reader.invalid(
            node,
            &replicas_field,
            "invalid-replicas",
            format!(
                "`{replicas_field}` is {replicas}; it must be 0 or more. No pods are simulated."
            ),
        );
        replicas = 0;
    } else if replicas > MAX_REPLICAS {
        let node = spec.get("replicas").unwrap_or(spec);
        let replicas_field = replicas_path.render();
        reader.invalid(node, &replicas_field, "too-many-replicas", format!("`{replicas_field}` is {replicas}; kubetopo simulates at most {MAX_REPLICAS} replicas per workload. No pods are simulated for it; lower the count to see them."));
        replicas = 0;
    }
    let selector_path = prefix.key("selector");
    let selector = match kind {
        WorkloadKind::ReplicationController => match reader.map(spec, "selector", selector_path) {
            Some(_) => WorkloadSelector::Map(reader.labels(spec, "selector", selector_path)),
            None => WorkloadSelector::Absent,
        },
        _ => match reader.label_selector(spec, "selector", selector_path) {
            Some(label_selector) => WorkloadSelector::Set(label_selector),
            None => WorkloadSelector::Absent,
        },
    };
    let template_path = prefix.key("template");
    let template = match reader.map(spec, "template", template_path) {
        Some(template) => {
            let metadata = reader.map(template, "metadata", template_path.key("metadata"));
            let labels = metadata
                .map(|m| reader.labels(m, "labels", template_path.key("metadata.labels")))
                .unwrap_or_default();
            let mut pod_spec = reader
                .map(template, "spec", template_path.key("spec"))
                .map(|s| read_pod_spec(reader, s, template_path.key("spec")))
                .unwrap_or_default();
            let calls = metadata
                .and_then(|m| m.get("annotations"))
                .and_then(|annotations| annotations.get(CALLS_ANNOTATION))
                .and_then(YamlNode::as_str);
            add_declared_calls(&mut pod_spec, calls);
            PodTemplate {
                labels,
                spec: Arc::new(pod_spec),
                hash: template.fingerprint(),
            }
        }
        None => {
            let template_path = template_path.render();
            let diagnostic = Diagnostic::error(
                "missing-template",
                format!(
                    "{} {} has no `{template_path}`, so it creates no pods. Add a pod template.",
                    kind.as_str(),
                    meta.name
                ),
            )
            .object(reader.object.clone())
            .field(template_path.clone())
            .at(meta.source.clone());
            reader.diagnostics.push(diagnostic);
            PodTemplate::default()
        }
    };
    let service_name = (kind == WorkloadKind::StatefulSet)
        .then(|| reader.string(spec, "serviceName", FieldPath::new("spec.serviceName")))
        .flatten();
    // `start` is an int32 in Kubernetes; clamping to i32::MAX (not u32::MAX) also keeps
    // `start + replicas` (at most MAX_REPLICAS) within u32 when the pods are named.
    let ordinal_start = spec
        .get("ordinals")
        .map(|ordinals| {
            reader
                .int(ordinals, "start", FieldPath::new("spec.ordinals.start"))
                .unwrap_or(0)
        })
        .unwrap_or(0)
        .clamp(0, i64::from(i32::MAX)) as u32;
    let indexed = reader
        .string(spec, "completionMode", prefix.key("completionMode"))
        .as_deref()
        == Some("Indexed");
    let manual_selector = reader
        .bool(spec, "manualSelector", prefix.key("manualSelector"))
        .unwrap_or(false);
    Some(Workload {
        meta: Meta::default(),
        kind,
        replicas: replicas as u32,
        selector,
        template,
        service_name,
        ordinal_start,
        indexed,
        manual_selector,
    })
}

fn read_service(reader: &mut Reader, root: &YamlNode) -> ServiceSpec {
    let mut spec = ServiceSpec {
        service_type: ServiceType::ClusterIP,
        selector: None,
        ports: Vec::new(),
        cluster_ips: Vec::new(),
        external_ips: Vec::new(),
        external_name: None,
        load_balancer_ips_status: Vec::new(),
        load_balancer_ip_requested: None,
        load_balancer_source_ranges: Vec::new(),
        load_balancer_class: None,
        external_traffic_policy: None,
        internal_traffic_policy: None,
        session_affinity: SessionAffinity::None,
        session_affinity_timeout: None,
        publish_not_ready_addresses: false,
        allocate_load_balancer_node_ports: None,
        health_check_node_port: None,
        traffic_distribution: None,
        ip_families: Vec::new(),
        ip_family_policy: None,
    };
    if let Some(status) = root.get("status").and_then(|s| s.get("loadBalancer")) {
        let ingress = reader.seq(
            status,
            "ingress",
            FieldPath::new("status.loadBalancer.ingress"),
        );
        spec.load_balancer_ips_status = ingress
            .iter()
            .filter_map(|i| i.get("ip"))
            .filter_map(YamlNode::as_str)
            .filter_map(|t| t.parse().ok())
            .collect();
    }
    let Some(node) = reader.map(root, "spec", FieldPath::new("spec")) else {
        return spec;
    };
    if let Some(text) = reader.string(node, "type", FieldPath::new("spec.type")) {
        match ServiceType::parse(&text) {
            Some(service_type) => spec.service_type = service_type,
            None => {
                let at = node.get("type").unwrap_or(node);
                reader.invalid(at, "spec.type", "service-invalid-type", format!("`spec.type` is \"{text}\"; it must be ClusterIP, NodePort, LoadBalancer or ExternalName. ClusterIP is assumed."));
            }
        }
    }
    if node.get("selector").is_some_and(|n| !n.is_null()) {
        spec.selector = Some(reader.labels(node, "selector", FieldPath::new("spec.selector")));
    }
    let ports_path = FieldPath::new("spec.ports");
    for (index, port) in reader.seq(node, "ports", ports_path).iter().enumerate() {
        let path = ports_path.index(index);
        reader.record(port, path);
        let Some(number) = reader.int(port, "port", path.key("port")) else {
            if port.get("port").is_none() {
                let path = path.render();
                reader.invalid(
                    port,
                    &format!("{path}.port"),
                    "service-port-missing",
                    format!("`{path}` has no `port`. Add the port number the Service listens on."),
                );
            }
            continue;
        };
        let target_port = match reader.port_ref(port, "targetPort", path.key("targetPort")) {
            None | Some(PortRef::Number(0)) => PortRef::Number(number),
            Some(PortRef::Name(name)) if name.is_empty() => PortRef::Number(number),
            Some(target) => target,
        };
        spec.ports.push(ServicePort {
            name: reader.string(port, "name", path.key("name")),
            protocol: reader.protocol(port, path),
            port: number,
            target_port,
            node_port: reader
                .int(port, "nodePort", path.key("nodePort"))
                .filter(|&n| n != 0),
            app_protocol: reader.string(port, "appProtocol", path.key("appProtocol")),
        });
    }
    spec.cluster_ips = reader.strings(node, "clusterIPs", FieldPath::new("spec.clusterIPs"));
    if let Some(cluster_ip) = reader
        .string(node, "clusterIP", FieldPath::new("spec.clusterIP"))
        .filter(|ip| !ip.is_empty())
    {
        if spec.cluster_ips.is_empty() {
            spec.cluster_ips.push(cluster_ip);
        } else if spec.cluster_ips[0] != cluster_ip {
            let at = node.get("clusterIP").unwrap_or(node);
            reader.invalid(at, "spec.clusterIPs", "service-cluster-ips-mismatch", format!("`spec.clusterIPs[0]` must equal `spec.clusterIP` ({cluster_ip}) when both are set (§2)."));
        }
    }
    spec.external_ips = reader.strings(node, "externalIPs", FieldPath::new("spec.externalIPs"));
    spec.external_name = reader.string(node, "externalName", FieldPath::new("spec.externalName"));
    spec.load_balancer_ip_requested = reader.string(
        node,
        "loadBalancerIP",
        FieldPath::new("spec.loadBalancerIP"),
    );
    spec.load_balancer_source_ranges = reader.strings(
        node,
        "loadBalancerSourceRanges",
        FieldPath::new("spec.loadBalancerSourceRanges"),
    );
    spec.load_balancer_class = reader.string(
        node,
        "loadBalancerClass",
        FieldPath::new("spec.loadBalancerClass"),
    );
    for (field, target) in [
        ("externalTrafficPolicy", &mut spec.external_traffic_policy),
        ("internalTrafficPolicy", &mut spec.internal_traffic_policy),
    ] {
        let spec_path = FieldPath::new("spec");
        let path = spec_path.key(field);

        if let Some(text) = reader.string(node, field, path) {
            // `Cluster`/`Local` only; the pre-1.20 spelling `Global` meant Cluster.
            match TrafficPolicy::parse(&text)
                .or_else(|| (text == "Global").then_some(TrafficPolicy::Cluster))
            {
                Some(policy) => *target = Some(policy),
                None => {
                    let at = node.get(field).unwrap_or(node);
                    let path = path.render();
                    reader.invalid(
                        at,
                        &path,
                        "service-invalid-traffic-policy",
                        format!("`{path}` is \"{text}\"; it must be Cluster or Local."),
                    );
                }
            }
        }
    }
    if let Some(text) = reader.string(
        node,
        "sessionAffinity",
        FieldPath::new("spec.sessionAffinity"),
    ) {
        match text.as_str() {
            "ClientIP" => spec.session_affinity = SessionAffinity::ClientIP,
            "None" => {}
            _ => {
                let at = node.get("sessionAffinity").unwrap_or(node);
                reader.invalid(
                    at,
                    "spec.sessionAffinity",
                    "service-invalid-session-affinity",
                    format!("`spec.sessionAffinity` is \"{text}\"; it must be ClientIP or None."),
                );
            }
        }
    }
    if let Some(config) = node
        .get("sessionAffinityConfig")
        .and_then(|c| c.get("clientIP"))
    {
        spec.session_affinity_timeout = reader.int(
            config,
            "timeoutSeconds",
            FieldPath::new("spec.sessionAffinityConfig.clientIP.timeoutSeconds"),
        );
        if node.get("sessionAffinityConfig").is_some() {
            reader.record(
                node.get("sessionAffinityConfig").unwrap(),
                FieldPath::new("spec.sessionAffinityConfig"),
            );
        }
    }
    spec.publish_not_ready_addresses = reader
        .bool(
            node,
            "publishNotReadyAddresses",
            FieldPath::new("spec.publishNotReadyAddresses"),
        )
        .unwrap_or(false);
    spec.allocate_load_balancer_node_ports = reader.bool(
        node,
        "allocateLoadBalancerNodePorts",
        FieldPath::new("spec.allocateLoadBalancerNodePorts"),
    );
    spec.health_check_node_port = reader
        .int(
            node,
            "healthCheckNodePort",
            FieldPath::new("spec.healthCheckNodePort"),
        )
        .filter(|&n| n != 0);
    if let Some(text) = reader.string(
        node,
        "trafficDistribution",
        FieldPath::new("spec.trafficDistribution"),
    ) {
        spec.traffic_distribution = match text.as_str() {
            "PreferClose" | "PreferSameZone" => Some(TrafficDistribution::PreferSameZone),
            "PreferSameNode" => Some(TrafficDistribution::PreferSameNode),
            _ => {
                let at = node.get("trafficDistribution").unwrap_or(node);
                reader.invalid(at, "spec.trafficDistribution", "service-invalid-traffic-distribution", format!("`spec.trafficDistribution` is \"{text}\"; it must be PreferClose, PreferSameZone or PreferSameNode."));
                None
            }
        };
    }
    spec.ip_families = reader.strings(node, "ipFamilies", FieldPath::new("spec.ipFamilies"));
    spec.ip_family_policy = reader.string(
        node,
        "ipFamilyPolicy",
        FieldPath::new("spec.ipFamilyPolicy"),
    );
    spec
}

fn read_slice_ports(reader: &mut Reader, node: &YamlNode, path: FieldPath) -> Vec<SlicePort> {
    let mut ports = Vec::new();
    for (index, port) in reader.seq(node, "ports", path).iter().enumerate() {
        let port_path = path.index(index);
        ports.push(SlicePort {
            name: reader
                .string(port, "name", port_path.key("name"))
                .filter(|n| !n.is_empty()),
            port: reader.int(port, "port", port_path.key("port")),
            protocol: reader.protocol(port, port_path),
        });
    }
    ports
}

fn target_pod(
    reader: &mut Reader,
    node: &YamlNode,
    path: FieldPath,
    default_namespace: &str,
) -> Option<NamespacedName> {
    let target = node.get("targetRef")?;
    if reader.string(target, "kind", path).as_deref() != Some("Pod") {
        return None;
    }
    let name = reader.string(target, "name", path)?;
    let namespace = reader
        .string(target, "namespace", path)
        .unwrap_or_else(|| default_namespace.to_string());
    Some(NamespacedName::new(namespace, name))
}

fn read_endpoint_slice(reader: &mut Reader, root: &YamlNode, meta: &Meta) -> EndpointSlice {
    let service_name = meta
        .labels
        .get("kubernetes.io/service-name")
        .cloned()
        .unwrap_or_default();
    let mut endpoints = Vec::new();
    let endpoints_path = FieldPath::new("endpoints");
    for (index, endpoint) in reader
        .seq(root, "endpoints", endpoints_path)
        .iter()
        .enumerate()
    {
        let path = endpoints_path.index(index);
        let addresses = reader
            .strings(endpoint, "addresses", path.key("addresses"))
            .iter()
            .filter_map(|a| a.parse().ok())
            .collect();
        let conditions = endpoint.get("conditions");
        let condition = |reader: &mut Reader, key: &str| {
            conditions.and_then(|c| reader.bool(c, key, path.key("conditions").key(key)))
        };
        endpoints.push(SliceEndpoint {
            addresses,
            ready: condition(reader, "ready"),
            serving: condition(reader, "serving"),
            terminating: condition(reader, "terminating"),
            hostname: reader.string(endpoint, "hostname", path.key("hostname")),
            node_name: reader.string(endpoint, "nodeName", path.key("nodeName")),
            zone: reader.string(endpoint, "zone", path.key("zone")),
            target_pod: target_pod(reader, endpoint, path, &meta.namespace),
        });
    }
    let ports = read_slice_ports(reader, root, FieldPath::new("ports"));
    EndpointSlice {
        meta: Meta::default(),
        service_name,
        endpoints,
        ports,
        legacy: false,
    }
}

/// Legacy Endpoints: one slice per subset; `notReadyAddresses` become not-ready endpoints.
fn read_endpoints(reader: &mut Reader, root: &YamlNode, meta: &Meta) -> Vec<EndpointSlice> {
    let mut slices = Vec::new();
    let subsets_path = FieldPath::new("subsets");
    for (index, subset) in reader.seq(root, "subsets", subsets_path).iter().enumerate() {
        let path = subsets_path.index(index);
        let mut endpoints = Vec::new();
        for (list, ready) in [("addresses", true), ("notReadyAddresses", false)] {
            let list_path = path.key(list);
            for (address_index, address) in reader.seq(subset, list, list_path).iter().enumerate() {
                let address_path = list_path.index(address_index);
                let Some(ip) = reader
                    .string(address, "ip", address_path.key("ip"))
                    .and_then(|t| t.parse().ok())
                else {
                    continue;
                };
                endpoints.push(SliceEndpoint {
                    addresses: vec![ip],
                    ready: Some(ready),
                    serving: Some(ready),
                    terminating: Some(false),
                    hostname: reader.string(address, "hostname", address_path.key("hostname")),
                    node_name: reader.string(address, "nodeName", address_path.key("nodeName")),
                    zone: None,
                    target_pod: target_pod(reader, address, address_path, &meta.namespace),
                });
            }
        }
        let ports = read_slice_ports(reader, subset, path.key("ports"));
        slices.push(EndpointSlice {
            meta: Meta::default(),
            service_name: meta.name.clone(),
            endpoints,
            ports,
            legacy: true,
        });
    }
    slices
}

fn read_backend(reader: &mut Reader, node: &YamlNode, path: FieldPath) -> Option<IngressBackend> {
    let source = reader.source(node);
    if let Some(service) = reader.map(node, "service", path.key("service")) {
        let name = reader.string(service, "name", path.key("service.name"))?;
        let port_node = reader.map(service, "port", path.key("service.port"));
        let port = match port_node {
            Some(port) => match reader.int(port, "number", path.key("service.port.number")) {
                Some(number) => PortRef::Number(number),
                None => PortRef::Name(
                    reader
                        .string(port, "name", path.key("service.port.name"))
                        .unwrap_or_default(),
                ),
            },
            None => PortRef::Name(String::new()),
        };
        return Some(IngressBackend {
            service: name,
            port,
            field: path.key("service").render(),

            source,
        });
    }
    // networking.k8s.io/v1beta1 and extensions/v1beta1.
    let name = reader.string(node, "serviceName", path.key("serviceName"))?;
    let port = reader
        .port_ref(node, "servicePort", path.key("servicePort"))
        .unwrap_or(PortRef::Name(String::new()));
    Some(IngressBackend {
        service: name,
        port,
        field: path.render(),
        source,
    })
}

fn read_ingress(reader: &mut Reader, root: &YamlNode, meta: &Meta) -> Ingress {
    let mut ingress = Ingress {
        meta: Meta::default(),
        class_name: meta.annotations.get("kubernetes.io/ingress.class").cloned(),
        default_backend: None,
        rules: Vec::new(),
        tls_hosts: Vec::new(),
        tls: Vec::new(),
        load_balancer_ips_status: Vec::new(),
    };
    // Where each annotation was written, so that `migrate` points at the line of an
    // annotation it cannot carry over.
    if let Some(annotations) = root
        .get("metadata")
        .and_then(|m| m.get("annotations"))
        .and_then(YamlNode::as_map)
    {
        for (key, value) in annotations {
            reader.record(value, FieldPath::new("metadata.annotations").key(key));
        }
    }
    if let Some(status) = root.get("status").and_then(|s| s.get("loadBalancer")) {
        let items = reader.seq(
            status,
            "ingress",
            FieldPath::new("status.loadBalancer.ingress"),
        );
        ingress.load_balancer_ips_status = items
            .iter()
            .filter_map(|i| i.get("ip"))
            .filter_map(YamlNode::as_str)
            .filter_map(|t| t.parse().ok())
            .collect();
    }
    let Some(spec) = reader.map(root, "spec", FieldPath::new("spec")) else {
        return ingress;
    };
    if let Some(class_name) = reader.string(
        spec,
        "ingressClassName",
        FieldPath::new("spec.ingressClassName"),
    ) {
        ingress.class_name = Some(class_name);
    }
    for key in ["defaultBackend", "backend"] {
        let spec_path = FieldPath::new("spec");
        let backend_path = spec_path.key(key);
        if let Some(backend) = reader.map(spec, key, backend_path) {
            ingress.default_backend = read_backend(reader, backend, backend_path);
        }
    }
    let rules_path = FieldPath::new("spec.rules");
    for (index, rule) in reader.seq(spec, "rules", rules_path).iter().enumerate() {
        let path = rules_path.index(index);
        let host = reader.string(rule, "host", path.key("host"));
        let mut paths = Vec::new();
        if let Some(http) = reader.map(rule, "http", path.key("http")) {
            let paths_path = path.key("http.paths");
            for (path_index, http_path) in reader.seq(http, "paths", paths_path).iter().enumerate()
            {
                let item_path = paths_path.index(path_index);
                let backend = reader
                    .map(http_path, "backend", item_path.key("backend"))
                    .and_then(|b| read_backend(reader, b, item_path.key("backend")));
                paths.push(IngressPath {
                    path: reader
                        .string(http_path, "path", item_path.key("path"))
                        .unwrap_or_else(|| "/".to_string()),
                    path_type: reader
                        .string(http_path, "pathType", item_path.key("pathType"))
                        .unwrap_or_else(|| "ImplementationSpecific".to_string()),
                    backend,
                });
            }
        }
        ingress.rules.push(IngressRule { host, paths });
    }
    let tls_path = FieldPath::new("spec.tls");
    for (index, tls) in reader.seq(spec, "tls", tls_path).iter().enumerate() {
        let hosts = reader.strings(tls, "hosts", tls_path.index(index).key("hosts"));
        let secret_name = reader.string(tls, "secretName", tls_path.index(index).key("secretName"));
        ingress.tls_hosts.extend(hosts.iter().cloned());
        ingress.tls.push(IngressTls { hosts, secret_name });
    }
    ingress
}

fn read_policy_rules(
    reader: &mut Reader,
    spec: &YamlNode,
    key: &str,
    peer_key: &str,
) -> Vec<PolicyRule> {
    let mut rules = Vec::new();
    let spec_path = FieldPath::new("spec");
    let rules_path = spec_path.key(key);
    for (index, rule) in reader.seq(spec, key, rules_path).iter().enumerate() {
        let path = rules_path.index(index);
        let mut ports = Vec::new();
        let ports_path = path.key("ports");
        for (port_index, port) in reader.seq(rule, "ports", ports_path).iter().enumerate() {
            let port_path = ports_path.index(port_index);
            ports.push(PolicyPort {
                protocol: reader.protocol(port, port_path),
                port: reader.port_ref(port, "port", port_path.key("port")),
                end_port: reader.int(port, "endPort", port_path.key("endPort")),
            });
        }
        let mut peers = Vec::new();
        let peers_path = path.key(peer_key);
        for (peer_index, peer) in reader.seq(rule, peer_key, peers_path).iter().enumerate() {
            let peer_path = peers_path.index(peer_index);

            let ip_block = reader
                .map(peer, "ipBlock", peer_path.key("ipBlock"))
                .map(|block| IpBlock {
                    cidr: reader
                        .string(block, "cidr", peer_path.key("ipBlock.cidr"))
                        .unwrap_or_default(),
                    except: reader.strings(block, "except", peer_path.key("ipBlock.except")),
                });
            peers.push(PolicyPeer {
                pod_selector: reader.label_selector(
                    peer,
                    "podSelector",
                    peer_path.key("podSelector"),
                ),
                namespace_selector: reader.label_selector(
                    peer,
                    "namespaceSelector",
                    peer_path.key("namespaceSelector"),
                ),
                ip_block,
            });
        }
        rules.push(PolicyRule { ports, peers });
    }
    rules
}

fn read_network_policy(reader: &mut Reader, root: &YamlNode) -> NetworkPolicy {
    let mut policy = NetworkPolicy {
        meta: Meta::default(),
        pod_selector: LabelSelector::Match(selector::Selector::everything()),
        policy_types: vec![PolicyDirection::Ingress],
        ingress: Vec::new(),
        egress: Vec::new(),
    };
    let Some(spec) = reader.map(root, "spec", FieldPath::new("spec")) else {
        return policy;
    };
    // An omitted podSelector defaults to empty, which selects every pod in the namespace.
    if let Some(pod_selector) =
        reader.label_selector(spec, "podSelector", FieldPath::new("spec.podSelector"))
    {
        policy.pod_selector = pod_selector;
    }
    policy.ingress = read_policy_rules(reader, spec, "ingress", "from");
    policy.egress = read_policy_rules(reader, spec, "egress", "to");
    let written_types = reader.strings(spec, "policyTypes", FieldPath::new("spec.policyTypes"));
    if written_types.is_empty() {
        // Defaulting: Ingress always; Egress only when egress rules are present.
        if !policy.egress.is_empty() {
            policy.policy_types.push(PolicyDirection::Egress);
        }
    } else {
        policy.policy_types.clear();
        for text in written_types {
            match text.as_str() {
                "Ingress" => policy.policy_types.push(PolicyDirection::Ingress),
                "Egress" => policy.policy_types.push(PolicyDirection::Egress),
                _ => {
                    let at = spec.get("policyTypes").unwrap_or(spec);
                    reader.invalid(at, "spec.policyTypes", "policy-invalid-type", format!("`spec.policyTypes` contains \"{text}\"; only Ingress and Egress are valid."));
                }
            }
        }
    }
    policy
}
