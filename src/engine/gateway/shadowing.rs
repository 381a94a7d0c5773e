//! Rules that another Route always beats (§11.6, `gateway-rule-shadowed-by-route`).
//!
//! A rule never receives a request through a listener when, for every hostname its
//! Route serves there, some rule of another Route serving that same hostname holds
//! for every request the rule's matches take and ranks above it. Serving the same
//! hostname ties the two on key 1 (a Route serving a more specific one is checked
//! in that hostname's own group), so only the match keys and the tie-breaks decide.
//!
//! Two matches can only be compared cheaply, so the check works on two facts of
//! §11.6: a match that covers another and ranks as high on path, method, headers
//! and query is the same match (a shorter prefix or fewer headers ranks lower), and
//! the only match that covers others while ranking strictly higher is a
//! RegularExpression path that takes every path. Each (listener, hostname) group
//! is therefore one map from a match's canonical form to its best owner, plus the
//! few catch-all expressions: linear in the number of matches.

use crate::engine::sort::SortCompact;
use std::collections::BTreeMap;

use super::model::{MatchKind, RouteKind, RouteMatch};
use super::routing::match_rank;
use super::status::{age_key, describe_match, object_name, ResolvedGateway, ResolvedRoute};
use crate::engine::diag::Diagnostic;
use crate::engine::model::Manifests;

/// Adds a warning for each rule another Route beats on every hostname it serves on
/// a listener.
pub(super) fn cross_route_shadowing(
    manifests: &Manifests,
    routes: &[ResolvedRoute],
    gateways: &[ResolvedGateway],
    diagnostics: &mut Vec<Diagnostic>,
) {
    // (gateway, listener, kind, hostname) → positions in `routes`.
    let mut groups: BTreeMap<(usize, usize, RouteKind, Option<&str>), Vec<usize>> = BTreeMap::new();
    for (position, resolved) in routes.iter().enumerate() {
        let kind = manifests.gateway.routes[resolved.route_index].kind;
        if !matches!(kind, RouteKind::Http | RouteKind::Grpc) {
            continue;
        }
        for parent in &resolved.parents {
            let Some(gateway) = parent.gateway_index else {
                continue;
            };
            for attachment in &parent.attachments {
                for hostname in &attachment.hostnames {
                    let members = groups
                        .entry((gateway, attachment.listener, kind, hostname.as_deref()))
                        .or_default();
                    if members.last() != Some(&position) {
                        members.push(position);
                    }
                }
            }
        }
    }
    // (gateway, listener, route position, rule) → the verdict over the groups seen.
    let mut verdicts: BTreeMap<(usize, usize, usize, usize), Verdict> = BTreeMap::new();
    for (&(gateway, listener, _, hostname), members) in &groups {
        let ties: Vec<Tie> = members
            .iter()
            .map(|&position| {
                let route = &manifests.gateway.routes[routes[position].route_index];
                (
                    age_key(route.creation_timestamp.as_deref()),
                    (route.meta.namespace.as_str(), route.meta.name.as_str()),
                )
            })
            .collect();
        // The best two owners (by tie-break, from different Routes) of each
        // canonical match, and the catch-all expressions.
        let mut owners: BTreeMap<String, Vec<Owner>> = BTreeMap::new();
        let mut catch_alls: Vec<(Owner, &RouteMatch)> = Vec::new();
        for (slot, &position) in members.iter().enumerate() {
            let route = &manifests.gateway.routes[routes[position].route_index];
            for (rule_index, rule) in route.rules.iter().enumerate() {
                if rule.unsupported.is_some() {
                    continue;
                }
                for route_match in &rule.matches {
                    let owner = Owner { slot, rule_index };
                    if takes_every_path(route_match) {
                        catch_alls.push((owner, route_match));
                    }
                    let best = owners.entry(canonical(route_match)).or_default();
                    if !best.iter().any(|o| o.slot == slot) {
                        best.push(owner);
                        best.sort_compact_by(|a, b| ties[a.slot].cmp(&ties[b.slot]));
                        best.truncate(2);
                    }
                }
            }
        }
        for (slot, &position) in members.iter().enumerate() {
            let route = &manifests.gateway.routes[routes[position].route_index];
            for (rule_index, rule) in route.rules.iter().enumerate() {
                let verdict = verdicts
                    .entry((gateway, listener, position, rule_index))
                    .or_insert(Verdict::Unseen);
                if matches!(verdict, Verdict::Reachable) {
                    continue;
                }
                if rule.unsupported.is_some() || rule.matches.is_empty() {
                    *verdict = Verdict::Reachable;
                    continue;
                }
                let mut found: Option<Witness> = None;
                for route_match in &rule.matches {
                    let rank = match_rank(route_match);
                    let same = owners
                        .get(&canonical(route_match))
                        .and_then(|best| best.iter().find(|o| o.slot != slot))
                        .filter(|o| ties[o.slot] < ties[slot]);
                    let broader = catch_alls.iter().find(|(owner, catch_all)| {
                        owner.slot != slot
                            && covers(catch_all, route_match)
                            && (match_rank(catch_all) > rank
                                || (match_rank(catch_all) == rank && ties[owner.slot] < ties[slot]))
                    });
                    let Some((owner, witness_match)) = same
                        .map(|o| (o, route_match))
                        .or(broader.map(|(o, m)| (o, *m)))
                    else {
                        found = None;
                        break;
                    };
                    if found.is_none() {
                        let winner = &routes[members[owner.slot]];
                        found = Some(Witness {
                            hostname: hostname.map(str::to_string),
                            winner: format!("{} {}", winner.kind, winner.key()),
                            winner_rule: owner.rule_index,
                            winner_match: describe_match(witness_match),
                            own_match: describe_match(route_match),
                        });
                    }
                }
                match found {
                    Some(witness) => {
                        if matches!(verdict, Verdict::Unseen) {
                            *verdict = Verdict::Shadowed(witness);
                        }
                    }
                    None => *verdict = Verdict::Reachable,
                }
            }
        }
    }
    for ((gateway, listener, position, rule_index), verdict) in verdicts {
        let Verdict::Shadowed(witness) = verdict else {
            continue;
        };
        let route = &manifests.gateway.routes[routes[position].route_index];
        let rule = &route.rules[rule_index];
        let host = witness
            .hostname
            .as_deref()
            .map_or("every host".to_string(), |h| format!("hostname {h}"));
        diagnostics.push(
            Diagnostic::warning(
                "gateway-rule-shadowed-by-route",
                format!(
                    "On listener {} of Gateway {}, {} {} rule {rule_index} never receives a request: for {host} (and every other hostname the Route serves there), {} rule {} ({}) holds for every request this rule's match ({}) takes and ranks above it on path, method, headers and query, or ties and is older (or first by namespace/name) (§11.6).",
                    gateways[gateway].listeners[listener].name,
                    gateways[gateway].key(),
                    route.kind,
                    route.key(),
                    witness.winner,
                    witness.winner_rule,
                    witness.winner_match,
                    witness.own_match,
                ),
            )
            .object(object_name(&route.meta, route.kind.as_str()))
            .field(rule.field.clone())
            .at(route.meta.field_source(&rule.field)),
        );
    }
}

/// A Route's tie-break after the match keys (§11.6 keys 7 and 8): smaller wins.
type Tie<'m> = ((bool, String), (&'m str, &'m str));

#[derive(Clone, Copy)]
struct Owner {
    /// Position of the Route in the group.
    slot: usize,
    rule_index: usize,
}

/// A rule's standing over the hostname groups looked at so far.
enum Verdict {
    Unseen,
    /// Beaten in every group so far; the witness is from the first.
    Shadowed(Witness),
    /// It can win in some group.
    Reachable,
}

/// Why a rule never wins, from the first hostname group that shows it.
struct Witness {
    hostname: Option<String>,
    winner: String,
    winner_rule: usize,
    winner_match: String,
    own_match: String,
}

/// A match in a form where two matches that take the same requests with the same
/// rank are equal: a prefix without its trailing `/`, headers by lower-case name.
fn canonical(route_match: &RouteMatch) -> String {
    let values = |values: &[super::model::ValueMatch], fold: bool| {
        let mut parts: Vec<String> = values
            .iter()
            .map(|v| {
                let name = if fold {
                    v.name.to_ascii_lowercase()
                } else {
                    v.name.clone()
                };
                format!("{name}\u{1}{}\u{1}{}", v.kind.as_str(), v.value)
            })
            .collect();
        parts.sort_compact();
        parts.join("\u{2}")
    };
    match route_match {
        RouteMatch::Http(http) => {
            let path = match http.path.kind {
                MatchKind::PathPrefix => http.path.value.trim_end_matches('/'),
                _ => http.path.value.as_str(),
            };
            format!(
                "http\u{0}{}\u{0}{path}\u{0}{}\u{0}{}\u{0}{}",
                http.path.kind.as_str(),
                http.method.as_deref().unwrap_or(""),
                values(&http.headers, true),
                values(&http.query_params, false)
            )
        }
        RouteMatch::Grpc(grpc) => format!(
            "grpc\u{0}{}\u{0}{}\u{0}{}\u{0}{}",
            grpc.kind.as_str(),
            grpc.service.as_deref().unwrap_or("\u{3}"),
            grpc.method.as_deref().unwrap_or("\u{3}"),
            values(&grpc.headers, true)
        ),
    }
}

/// An HTTP match whose path is a RegularExpression that takes every path, with no
/// other condition on the path's rank: `.*` or `/.*`.
fn takes_every_path(route_match: &RouteMatch) -> bool {
    matches!(route_match, RouteMatch::Http(http)
        if http.path.kind == MatchKind::RegularExpression
            && matches!(http.path.value.as_str(), ".*" | "/.*"))
}

/// Whether a catch-all match holds for every request `other` takes: its method, if
/// any, is the other's, and its headers and query parameters are among the other's.
fn covers(catch_all: &RouteMatch, other: &RouteMatch) -> bool {
    let (RouteMatch::Http(wide), RouteMatch::Http(narrow)) = (catch_all, other) else {
        return false;
    };
    wide.method
        .as_ref()
        .is_none_or(|m| narrow.method.as_ref() == Some(m))
        && wide.headers.iter().all(|h| {
            narrow.headers.iter().any(|n| {
                n.name.eq_ignore_ascii_case(&h.name) && n.kind == h.kind && n.value == h.value
            })
        })
        && wide
            .query_params
            .iter()
            .all(|q| narrow.query_params.contains(q))
}
