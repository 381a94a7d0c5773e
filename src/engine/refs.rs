//! Typed identities of objects, instead of `"namespace/name"` strings.
//!
//! Kubernetes names an object by its kind, namespace and name. The engine used to
//! join those into strings and split them again wherever it needed a part; these
//! types keep the parts apart. `Display` gives the familiar `namespace/name` and
//! `Kind/name` forms, and serializing writes that same text, so the JSON output
//! does not change.

use std::fmt;

use serde::{Serialize, Serializer};

/// An object of any kind, namespaced or cluster-scoped: what diagnostics name and
/// what duplicate detection compares. Displays as `Kind/namespace/name`, or
/// `Kind/name` for cluster-scoped objects.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ObjectRef {
    pub kind: String,
    pub namespace: Option<String>,
    pub name: String,
}

impl fmt::Display for ObjectRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.namespace {
            Some(namespace) => write!(f, "{}/{}/{}", self.kind, namespace, self.name),
            None => write!(f, "{}/{}", self.kind, self.name),
        }
    }
}

/// A namespaced object of a kind the context already knows: a Service, a Pod
/// (apimachinery's `types.NamespacedName`).
/// Displays as `namespace/name`.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NamespacedName {
    pub namespace: String,
    pub name: String,
}

impl NamespacedName {
    pub fn new(namespace: impl Into<String>, name: impl Into<String>) -> NamespacedName {
        NamespacedName {
            namespace: namespace.into(),
            name: name.into(),
        }
    }

    /// Parses `namespace/name`, the form users type and the CLI accepts. `None`
    /// unless both parts are non-empty.
    pub fn parse(text: &str) -> Option<NamespacedName> {
        let (namespace, name) = text.split_once('/')?;
        if namespace.is_empty() || name.is_empty() {
            return None;
        }
        Some(NamespacedName::new(namespace, name))
    }
}

impl fmt::Display for NamespacedName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.namespace, self.name)
    }
}

impl Serialize for NamespacedName {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// An object named by kind within a namespace the context already knows: a pod's
/// controller (`ReplicaSet/frontend-5c6d8f7b9`) or its top-level workload
/// (`Deployment/frontend`). The kind is a string because an owner can be of any
/// kind, including ones the engine does not model (a Node owns mirror pods).
/// Displays as `Kind/name`.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct KindRef {
    pub kind: String,
    pub name: String,
}

impl KindRef {
    pub fn new(kind: impl Into<String>, name: impl Into<String>) -> KindRef {
        KindRef {
            kind: kind.into(),
            name: name.into(),
        }
    }

    /// Parses `Kind/name`. `None` unless both parts are non-empty.
    pub fn parse(text: &str) -> Option<KindRef> {
        let (kind, name) = text.split_once('/')?;
        if kind.is_empty() || name.is_empty() {
            return None;
        }
        Some(KindRef::new(kind, name))
    }
}

impl fmt::Display for KindRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.kind, self.name)
    }
}

impl Serialize for KindRef {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_and_parse_round_trip() {
        let service = NamespacedName::new("shop", "cart");
        assert_eq!(service.to_string(), "shop/cart");
        assert_eq!(NamespacedName::parse("shop/cart"), Some(service));
        let workload = KindRef::new("Deployment", "frontend");
        assert_eq!(workload.to_string(), "Deployment/frontend");
        assert_eq!(KindRef::parse("Deployment/frontend"), Some(workload));
    }

    #[test]
    fn parse_refuses_missing_parts() {
        for text in ["", "/", "shop/", "/cart", "cart"] {
            assert_eq!(NamespacedName::parse(text), None, "{text:?}");
            assert_eq!(KindRef::parse(text), None, "{text:?}");
        }
    }

    #[test]
    fn serializes_as_its_display_text() {
        let json =
            serde_json::to_string(&(NamespacedName::new("a", "b"), KindRef::new("Job", "j")));
        assert_eq!(json.unwrap(), r#"["a/b","Job/j"]"#);
    }
}
