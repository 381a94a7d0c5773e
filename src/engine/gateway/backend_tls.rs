//! BackendTLSPolicy (§11.15): which Service ports the Gateway's proxy reaches over
//! TLS, the policy's status, and the backends a policy that cannot be met makes
//! invalid.

use crate::engine::model::IgnoredByName;
use crate::engine::sort::SortCompact;

use serde::Serialize;

use super::model::{BackendTlsPolicy, LocalRef};
use super::status::{age_key, object_name, Condition, ConditionStatus};
use crate::engine::diag::Diagnostic;
use crate::engine::model::Manifests;

/// A BackendTLSPolicy with the status kubetopo's controller writes for it.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResolvedBackendTlsPolicy {
    pub namespace: String,
    pub name: String,
    /// `validation.hostname`: the SNI the proxy sends.
    pub hostname: String,
    /// Each target as `Service name` or `Service name:sectionName`.
    pub targets: Vec<String>,
    /// `Accepted`, then `ResolvedRefs`.
    pub conditions: Vec<Condition>,
    /// Position in `Manifests::gateway.backend_tls_policies`.
    #[serde(skip)]
    pub policy_index: usize,
    /// Why the policy cannot be met, as a ResolvedRefs reason and message; `None`
    /// when the proxy can originate TLS with it.
    #[serde(skip)]
    pub unmet: Option<(&'static str, String)>,
}

impl ResolvedBackendTlsPolicy {
    /// `namespace/name`, as the trace names the policy.
    pub fn key(&self) -> String {
        format!("{}/{}", self.namespace, self.name)
    }
}

/// Resolves every BackendTLSPolicy, sorted by namespace/name, with a diagnostic
/// for each broken reference and each target that is not in the input.
pub(super) fn resolve_backend_tls(
    manifests: &Manifests,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<ResolvedBackendTlsPolicy> {
    let policies = &manifests.gateway.backend_tls_policies;
    if policies.is_empty() {
        return Vec::new();
    }
    let config_maps = IgnoredByName::new(manifests, "ConfigMap");
    let mut order: Vec<usize> = (0..policies.len()).collect();
    order.sort_compact_by(|&a, &b| {
        let key = |p: &BackendTlsPolicy| (p.meta.namespace.clone(), p.meta.name.clone());
        key(&policies[a]).cmp(&key(&policies[b]))
    });
    order
        .into_iter()
        .map(|index| resolve_one(manifests, index, &config_maps, diagnostics))
        .collect()
}

fn resolve_one(
    manifests: &Manifests,
    index: usize,
    config_maps: &IgnoredByName<'_>,
    diagnostics: &mut Vec<Diagnostic>,
) -> ResolvedBackendTlsPolicy {
    let policy = &manifests.gateway.backend_tls_policies[index];
    let object = object_name(&policy.meta, "BackendTLSPolicy");
    let key = format!("{}/{}", policy.meta.namespace, policy.meta.name);
    let mut refs_problem: Option<(&'static str, String)> = None;
    let mut n_valid_refs = 0;
    for reference in &policy.ca_certificate_refs {
        match ca_ref_problem(reference, &policy.meta.namespace, config_maps) {
            None => n_valid_refs += 1,
            Some((reason, message)) => {
                diagnostics.push(
                    Diagnostic::error("gateway-backend-tls-bad-ca-ref", format!("BackendTLSPolicy {key}: {message}, so its ResolvedRefs is False/{reason} (§11.15). With no valid CA certificate the policy cannot be met, and every Route backend it covers answers 500."))
                        .object(object.clone())
                        .field(reference.field.clone())
                        .at(policy.meta.field_source(&reference.field)),
                );
                refs_problem.get_or_insert((reason, message));
            }
        }
    }
    let mut n_found_targets = 0;
    for target in &policy.target_refs {
        match target_problem(manifests, policy, target) {
            None => n_found_targets += 1,
            Some(message) => diagnostics.push(
                Diagnostic::warning(
                    "gateway-backend-tls-target-not-found",
                    format!(
                        "BackendTLSPolicy {key}: {message}, so this target has no effect (§11.15)."
                    ),
                )
                .object(object.clone())
                .field(target.field.clone())
                .at(policy.meta.field_source(&target.field)),
            ),
        }
    }
    let no_valid_ca = !policy.ca_certificate_refs.is_empty() && n_valid_refs == 0;
    let accepted = if no_valid_ca {
        Condition::new(
            "Accepted",
            ConditionStatus::False,
            "NoValidCACertificate",
            "No CA certificate reference is valid",
        )
    } else if n_found_targets == 0 {
        Condition::new(
            "Accepted",
            ConditionStatus::False,
            "TargetNotFound",
            "No target is in the input",
        )
    } else {
        Condition::new(
            "Accepted",
            ConditionStatus::True,
            "Accepted",
            "Policy is accepted",
        )
    };
    let unmet = if no_valid_ca {
        refs_problem.clone().map(|(reason, message)| {
            (
                reason,
                format!("BackendTLSPolicy {key} cannot be met: {message}"),
            )
        })
    } else {
        None
    };
    ResolvedBackendTlsPolicy {
        namespace: policy.meta.namespace.clone(),
        name: policy.meta.name.clone(),
        hostname: policy.hostname.clone(),
        targets: policy
            .target_refs
            .iter()
            .map(|t| match &t.section_name {
                Some(section) => format!("{} {}:{section}", t.kind, t.name),
                None => format!("{} {}", t.kind, t.name),
            })
            .collect(),
        conditions: vec![accepted, Condition::resolved_refs(&refs_problem)],
        policy_index: index,
        unmet,
    }
}

/// Why a `caCertificateRefs` entry does not resolve: not a core ConfigMap
/// (InvalidKind), or no such ConfigMap in the policy's namespace
/// (InvalidCACertificateRef).
fn ca_ref_problem(
    reference: &LocalRef,
    namespace: &str,
    config_maps: &IgnoredByName<'_>,
) -> Option<(&'static str, String)> {
    if !(reference.group.is_empty() && reference.kind == "ConfigMap") {
        let kind = if reference.group.is_empty() {
            reference.kind.clone()
        } else {
            format!("{}/{}", reference.group, reference.kind)
        };
        return Some((
            "InvalidKind",
            format!(
                "CA certificate ref {} is a {kind}, not a core ConfigMap",
                reference.name
            ),
        ));
    }
    if !config_maps.contains(namespace, &reference.name) {
        return Some((
            "InvalidCACertificateRef",
            format!(
                "ConfigMap {namespace}/{} is not in the input",
                reference.name
            ),
        ));
    }
    None
}

/// Why a target names nothing: not a core Service, no such Service in the
/// policy's namespace, or no port of that name.
fn target_problem(
    manifests: &Manifests,
    policy: &BackendTlsPolicy,
    target: &super::model::PolicyTargetRef,
) -> Option<String> {
    if !(target.group.is_empty() && target.kind == "Service") {
        return Some(format!(
            "target {} is a {} {}, and kubetopo applies BackendTLSPolicies to core Services only",
            target.name, target.group, target.kind
        ));
    }
    let Some(service) = manifests
        .services
        .iter()
        .find(|s| s.meta.namespace == policy.meta.namespace && s.meta.name == target.name)
    else {
        return Some(format!(
            "Service {}/{} is not in the input",
            policy.meta.namespace, target.name
        ));
    };
    match &target.section_name {
        Some(section)
            if !service
                .spec
                .ports
                .iter()
                .any(|p| p.name.as_deref() == Some(section.as_str())) =>
        {
            Some(format!(
                "Service {}/{} has no port named {section}",
                policy.meta.namespace, target.name
            ))
        }
        _ => None,
    }
}

/// The policy that applies to a Service port the proxy connects to (§11.15): one
/// naming the port (by its name) wins over one naming the whole Service; among
/// equals, the oldest, then the first by name. Its position in `policies`.
pub fn applying(
    manifests: &Manifests,
    policies: &[ResolvedBackendTlsPolicy],
    namespace: &str,
    service: &str,
    port_name: Option<&str>,
) -> Option<usize> {
    let raw = &manifests.gateway.backend_tls_policies;
    policies
        .iter()
        .enumerate()
        .filter_map(|(position, resolved)| {
            let policy = raw.get(resolved.policy_index)?;
            if policy.meta.namespace != namespace {
                return None;
            }
            let section_match = policy
                .target_refs
                .iter()
                .filter(|t| t.group.is_empty() && t.kind == "Service" && t.name == service)
                .filter_map(|t| match (&t.section_name, port_name) {
                    (None, _) => Some(false),
                    (Some(section), Some(port)) if section == port => Some(true),
                    _ => None,
                })
                .max()?;
            Some((
                (
                    !section_match,
                    age_key(policy.creation_timestamp.as_deref()),
                    policy.meta.name.clone(),
                ),
                position,
            ))
        })
        .min()
        .map(|(_, position)| position)
}
