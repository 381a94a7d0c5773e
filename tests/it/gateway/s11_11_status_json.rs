//! §11.11 Status in the JSON output: `analyze --format json` writes each Gateway
//! and Route with the status a conformant controller would write, in upstream's
//! condition types and reasons, with the keys `docs/json-output.md` lists.

use serde_json::Value;

use super::canary;
use super::status::{gw, run};

fn json_of(topology: &kubetopo::engine::Topology) -> Value {
    serde_json::from_str(&kubetopo::engine::output::to_json(topology)).expect("the JSON parses")
}

/// The keys of `object`, sorted.
fn keys(object: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> = object
        .as_object()
        .unwrap_or_else(|| panic!("not an object: {object}"))
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    keys
}

/// Every condition has exactly `type`, `status`, `reason` and `message`, and its
/// status is one of the three the API allows.
fn check_conditions(conditions: &Value) {
    let conditions = conditions.as_array().expect("conditions are a list");
    assert!(!conditions.is_empty());
    for condition in conditions {
        assert_eq!(keys(condition), ["message", "reason", "status", "type"]);
        assert!(
            ["True", "False", "Unknown"].contains(&condition["status"].as_str().unwrap()),
            "{condition}"
        );
        assert!(!condition["reason"].as_str().unwrap().is_empty());
    }
}

/// §11.11: the canary sample's Gateway, listeners and Routes carry exactly the
/// keys the issue and `docs/json-output.md` name, under schema version 2.
#[test]
fn s11_11_gateways_and_routes_carry_the_documented_keys() {
    let json = json_of(&canary());
    assert_eq!(json["schemaVersion"], 2);
    let gateway = &json["gateways"][0];
    assert_eq!(
        keys(gateway),
        [
            "addresses",
            "conditions",
            "gatewayClass",
            "listeners",
            "name",
            "namespace",
            "proxyService",
            "proxySimulated"
        ]
    );
    assert_eq!(keys(&gateway["addresses"][0]), ["type", "value"]);
    check_conditions(&gateway["conditions"]);
    let listener = &gateway["listeners"][0];
    assert_eq!(
        keys(listener),
        [
            "attachedRoutes",
            "conditions",
            "hostname",
            "name",
            "port",
            "protocol",
            "supportedKinds"
        ]
    );
    for kind in listener["supportedKinds"].as_array().unwrap() {
        assert_eq!(keys(kind), ["group", "kind"]);
        assert_eq!(kind["group"], "gateway.networking.k8s.io");
    }
    check_conditions(&listener["conditions"]);

    let routes = json["routes"].as_array().unwrap();
    assert_eq!(routes.len(), 2);
    for route in routes {
        assert_eq!(
            keys(route),
            ["hostnames", "kind", "name", "namespace", "parents", "rules"]
        );
        for parent in route["parents"].as_array().unwrap() {
            assert_eq!(
                keys(parent),
                ["conditions", "gateway", "port", "sectionName"]
            );
            check_conditions(&parent["conditions"]);
        }
        for rule in route["rules"].as_array().unwrap() {
            assert_eq!(
                keys(rule),
                ["backends", "dropped", "filters", "matches", "name"]
            );
            for backend in rule["backends"].as_array().unwrap() {
                assert_eq!(keys(backend), ["backend", "port", "problem", "weight"]);
            }
        }
    }
    // The refused Route says why, in upstream's reason.
    let refused = routes.iter().find(|r| r["name"] == "old-shop").unwrap();
    assert_eq!(
        refused["parents"][0]["conditions"][0]["reason"],
        "NotAllowedByListeners"
    );
    assert_eq!(refused["parents"][0]["conditions"][0]["status"], "False");
}

/// §11.11 and §11.4 step 1: a Route's parents follow its parentRefs in order, and a
/// parentRef to a Gateway not in the input gets no entry, as no controller writes one.
#[test]
fn s11_11_parents_follow_the_parent_refs_leaving_out_missing_gateways() {
    let yaml = format!(
        "{}{}apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {{name: r}}\nspec:\n  parentRefs:\n  - {{name: b, sectionName: http}}\n  - {{name: missing}}\n  - {{name: a, port: 80}}\n",
        gw("a", "  - {name: http, port: 80, protocol: HTTP}\n"),
        gw("b", "  - {name: http, port: 80, protocol: HTTP}\n"),
    );
    let json = json_of(&run(&yaml));
    let parents: Vec<(String, Value, Value)> = json["routes"][0]["parents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["gateway"].as_str().unwrap().to_string(),
                p["sectionName"].clone(),
                p["port"].clone(),
            )
        })
        .collect();
    assert_eq!(
        parents,
        [
            ("default/b".to_string(), Value::from("http"), Value::Null),
            ("default/a".to_string(), Value::Null, Value::from(80)),
        ]
    );
}

/// §11.11 and §11.13: a Gateway whose GatewayClass is not in the input has no
/// controller to accept it: its conditions are `Unknown`, reason `Pending`.
#[test]
fn s11_11_a_gateway_of_a_class_not_in_the_input_is_unknown_and_pending() {
    let yaml = "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: g}\nspec:\n  gatewayClassName: elsewhere\n  listeners:\n  - {name: http, port: 80, protocol: HTTP}\n";
    let json = json_of(&run(yaml));
    let gateway = &json["gateways"][0];
    assert_eq!(gateway["gatewayClass"], "elsewhere");
    check_conditions(&gateway["conditions"]);
    for condition in gateway["conditions"].as_array().unwrap() {
        assert_eq!(
            (condition["status"].as_str(), condition["reason"].as_str()),
            (Some("Unknown"), Some("Pending")),
            "{condition}"
        );
    }
}
