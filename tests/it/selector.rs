//! Label selector semantics, checked against the vectors of
//! `docs/semantics.md` §1 (which come from apimachinery's
//! `pkg/labels` and `pkg/apis/meta/v1` tests). Each table row names the
//! section, vector number and upstream test it reproduces.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::collections::BTreeSet;

use kubetopo::engine::golang::quote::{go_json_strings, go_quote, go_quote_bytes, is_go_printable};
use kubetopo::engine::golang::sort::sort_like_go;
use kubetopo::engine::selector::{
    is_label_key, is_label_value, label_selector_from_parts, labels_to_string, map_matches, parse,
    parse_equality_map, LabelSelector, Labels, MatchExpression, Operator, Requirement, Selector,
    SelectorError, ServiceSelector,
};
use proptest::prelude::*;

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

fn labels(pairs: &[(&str, &str)]) -> Labels {
    pairs
        .iter()
        .map(|(key, value)| (key.to_string(), value.to_string()))
        .collect()
}

const NO_VALUES: [&str; 0] = [];

fn requirement(key: &str, operator: Operator, values: &[&str]) -> Requirement {
    match Requirement::new(key, operator, values.iter().copied()) {
        Ok(requirement) => requirement,
        Err(error) => panic!("test requirement {key} {operator} {values:?} is invalid: {error}"),
    }
}

fn parse_ok(input: &str) -> Selector {
    match parse(input) {
        Ok(selector) => selector,
        Err(error) => panic!("parse({input:?}) failed: {error}"),
    }
}

fn parse_error(input: &str) -> SelectorError {
    match parse(input) {
        Ok(selector) => panic!("parse({input:?}) succeeded with {selector}, expected an error"),
        Err(error) => error,
    }
}

/// Label sets used where a vector says "any labels".
fn assorted_label_sets() -> Vec<Labels> {
    vec![
        labels(&[]),
        labels(&[("x", "y")]),
        labels(&[("foo", "bar"), ("baz", "blah")]),
        labels(&[("x", "foo"), ("y", "baz")]),
        labels(&[("", "")]),
    ]
}

// ---------------------------------------------------------------------------
// §1.5 matching vectors
// ---------------------------------------------------------------------------

enum SelectorUnderTest {
    /// kubectl syntax, through `parse`.
    Text(&'static str),
    /// A Service-style map, through `map_matches`.
    Map(&'static [(&'static str, &'static str)]),
    /// Go's zero-value `Requirement{}` inside a selector.
    ZeroValueRequirement,
    /// `LabelSelector` `nil`.
    NullLabelSelector,
    /// `LabelSelector` `{}`.
    EmptyLabelSelector,
    /// `matchLabels` + `matchExpressions` (key, operator, values).
    Parts {
        match_labels: &'static [(&'static str, &'static str)],
        match_expressions: &'static [(&'static str, &'static str, &'static [&'static str])],
    },
}

enum Expected {
    /// Matches (or not) the given labels.
    Matches(&'static [(&'static str, &'static str)], bool),
    /// Matches (or not) every label set whatsoever.
    MatchesAny(bool),
    /// Resolves to a selector equivalent to this string.
    PrintsAs(&'static str),
    /// Cannot be resolved.
    IsError,
}

struct MatchingVector {
    rule: &'static str,
    selector: SelectorUnderTest,
    expected: Expected,
}

fn build_parts(
    match_labels: &[(&str, &str)],
    match_expressions: &[(&str, &str, &[&str])],
) -> Result<Selector, Vec<SelectorError>> {
    let match_expressions: Vec<MatchExpression> = match_expressions
        .iter()
        .map(|(key, operator, values)| MatchExpression {
            key: key.to_string(),
            operator: operator.to_string(),
            values: values.iter().map(|value| value.to_string()).collect(),
        })
        .collect();
    label_selector_from_parts(&labels(match_labels), &match_expressions)
}

/// Whether the selector under test matches one label set.
fn evaluate(rule: &str, selector: &SelectorUnderTest, label_set: &Labels) -> bool {
    match selector {
        SelectorUnderTest::Text(text) => parse_ok(text).matches(label_set),
        SelectorUnderTest::Map(pairs) => map_matches(&labels(pairs), label_set),
        SelectorUnderTest::ZeroValueRequirement => {
            Selector::from_requirements(vec![Requirement::zero_value()]).matches(label_set)
        }
        SelectorUnderTest::NullLabelSelector => LabelSelector::Nothing.matches(label_set),
        SelectorUnderTest::EmptyLabelSelector => {
            match LabelSelector::from_parts(&Labels::new(), &[]) {
                Ok(label_selector) => label_selector.matches(label_set),
                Err(errors) => panic!("{rule}: {{}} did not resolve: {errors:?}"),
            }
        }
        SelectorUnderTest::Parts {
            match_labels,
            match_expressions,
        } => match build_parts(match_labels, match_expressions) {
            Ok(resolved) => resolved.matches(label_set),
            Err(errors) => panic!("{rule}: did not resolve: {errors:?}"),
        },
    }
}

#[test]
fn s1_5_matching_vectors() {
    use Expected::*;
    use SelectorUnderTest::*;
    let foo_bar_baz_blah: &[(&str, &str)] = &[("foo", "bar"), ("baz", "blah")];
    let x_foo_y_baz: &[(&str, &str)] = &[("x", "foo"), ("y", "baz")];
    let vectors = [
        MatchingVector {
            rule: "§1.5 #1 T1",
            selector: Text(""),
            expected: Matches(&[("x", "y")], true),
        },
        MatchingVector {
            rule: "§1.5 #2 T1",
            selector: Text("x=y"),
            expected: Matches(&[("x", "y")], true),
        },
        MatchingVector {
            rule: "§1.5 #3 T1",
            selector: Text("x=y,z=w"),
            expected: Matches(&[("x", "y"), ("z", "w")], true),
        },
        MatchingVector {
            rule: "§1.5 #4 T1",
            selector: Text("x!=y,z!=w"),
            expected: Matches(&[("x", "z"), ("z", "a")], true),
        },
        MatchingVector {
            rule: "§1.5 #5 T1",
            selector: Text("notin=in"),
            expected: Matches(&[("notin", "in")], true),
        },
        MatchingVector {
            rule: "§1.5 #6 T1",
            selector: Text("x"),
            expected: Matches(&[("x", "z")], true),
        },
        MatchingVector {
            rule: "§1.5 #7 T1",
            selector: Text("!x"),
            expected: Matches(&[("y", "z")], true),
        },
        MatchingVector {
            rule: "§1.5 #8 T1",
            selector: Text("x>1"),
            expected: Matches(&[("x", "2")], true),
        },
        MatchingVector {
            rule: "§1.5 #9 T1",
            selector: Text("x<1"),
            expected: Matches(&[("x", "0")], true),
        },
        MatchingVector {
            rule: "§1.5 #10 T1",
            selector: Text("x=z"),
            expected: Matches(&[], false),
        },
        MatchingVector {
            rule: "§1.5 #11 T1",
            selector: Text("x=y"),
            expected: Matches(&[("x", "z")], false),
        },
        MatchingVector {
            rule: "§1.5 #12 T1",
            selector: Text("x=y,z=w"),
            expected: Matches(&[("x", "w"), ("z", "w")], false),
        },
        MatchingVector {
            rule: "§1.5 #13 T1",
            selector: Text("x!=y,z!=w"),
            expected: Matches(&[("x", "z"), ("z", "w")], false),
        },
        MatchingVector {
            rule: "§1.5 #14 T1",
            selector: Text("x"),
            expected: Matches(&[("y", "z")], false),
        },
        MatchingVector {
            rule: "§1.5 #15 T1",
            selector: Text("!x"),
            expected: Matches(&[("x", "z")], false),
        },
        MatchingVector {
            rule: "§1.5 #16 T1",
            selector: Text("x>1"),
            expected: Matches(&[("x", "0")], false),
        },
        MatchingVector {
            rule: "§1.5 #17 T1",
            selector: Text("x<1"),
            expected: Matches(&[("x", "2")], false),
        },
        MatchingVector {
            rule: "§1.5 #18 T1",
            selector: Text("foo=bar"),
            expected: Matches(foo_bar_baz_blah, true),
        },
        MatchingVector {
            rule: "§1.5 #19 T1",
            selector: Text("baz=blah"),
            expected: Matches(foo_bar_baz_blah, true),
        },
        MatchingVector {
            rule: "§1.5 #20 T1",
            selector: Text("foo=bar,baz=blah"),
            expected: Matches(foo_bar_baz_blah, true),
        },
        MatchingVector {
            rule: "§1.5 #21 T1",
            selector: Text("foo=blah"),
            expected: Matches(foo_bar_baz_blah, false),
        },
        MatchingVector {
            rule: "§1.5 #22 T1",
            selector: Text("baz=bar"),
            expected: Matches(foo_bar_baz_blah, false),
        },
        MatchingVector {
            rule: "§1.5 #23 T1",
            selector: Text("foo=bar,foobar=bar,baz=blah"),
            expected: Matches(foo_bar_baz_blah, false),
        },
        // T2 is the map semantics: the empty map is a subset of everything. The
        // Service rule "empty selects nothing" is ServiceSelector's, see s1_2_*.
        MatchingVector {
            rule: "§1.5 #24 T2",
            selector: Map(&[]),
            expected: Matches(foo_bar_baz_blah, true),
        },
        MatchingVector {
            rule: "§1.5 #25 T2",
            selector: Map(&[("foo", "bar")]),
            expected: Matches(foo_bar_baz_blah, true),
        },
        MatchingVector {
            rule: "§1.5 #26 T2",
            selector: Map(&[("baz", "blah")]),
            expected: Matches(foo_bar_baz_blah, true),
        },
        MatchingVector {
            rule: "§1.5 #27 T2",
            selector: Map(&[("foo", "bar"), ("baz", "blah")]),
            expected: Matches(foo_bar_baz_blah, true),
        },
        // Go's zero-value Requirement falls to `default: return false` in
        // Matches. Requirement::zero_value models it as `In` over the empty set,
        // which likewise matches no label set (see s1_5_zero_value_requirement).
        MatchingVector {
            rule: "§1.5 #28 T3",
            selector: ZeroValueRequirement,
            expected: Matches(x_foo_y_baz, false),
        },
        MatchingVector {
            rule: "§1.5 #29 T3",
            selector: Text("x in (foo),y notin (alpha)"),
            expected: Matches(x_foo_y_baz, true),
        },
        MatchingVector {
            rule: "§1.5 #30 T3",
            selector: Text("x in (foo),y in (alpha)"),
            expected: Matches(x_foo_y_baz, false),
        },
        MatchingVector {
            rule: "§1.5 #31 T3",
            selector: Text("x notin (),y"),
            expected: Matches(&[("y", "")], true),
        },
        MatchingVector {
            rule: "§1.5 #32 T3",
            selector: Text("!x,y"),
            expected: Matches(&[("y", "")], true),
        },
        MatchingVector {
            rule: "§1.5 #33 T3",
            selector: Text("x notin (),!y"),
            expected: Matches(&[("y", "")], false),
        },
        MatchingVector {
            rule: "§1.5 #34 T3",
            selector: Text("x in ()"),
            expected: Matches(&[("y", "baz")], false),
        },
        MatchingVector {
            rule: "§1.5 #35 T3",
            selector: Text("z>1"),
            expected: Matches(&[("z", "2")], true),
        },
        MatchingVector {
            rule: "§1.5 #36 T3",
            selector: Text("z>1"),
            expected: Matches(&[("z", "v2")], false),
        },
        MatchingVector {
            rule: "§1.5 #37 T4",
            selector: NullLabelSelector,
            expected: MatchesAny(false),
        },
        MatchingVector {
            rule: "§1.5 #38 T4",
            selector: EmptyLabelSelector,
            expected: MatchesAny(true),
        },
        MatchingVector {
            rule: "§1.5 #39 T4",
            selector: Parts {
                match_labels: &[("foo", "bar")],
                match_expressions: &[("baz", "In", &["qux", "norf"])],
            },
            expected: PrintsAs("baz in (norf,qux),foo=bar"),
        },
        MatchingVector {
            rule: "§1.5 #40 T4",
            selector: Parts {
                match_labels: &[],
                match_expressions: &[("baz", "Exists", &["qux", "norf"])],
            },
            expected: IsError,
        },
    ];
    assert_eq!(
        vectors.len(),
        40,
        "every §1.5 matching vector is in the table"
    );
    for (index, vector) in vectors.iter().enumerate() {
        let rule = vector.rule;
        assert!(
            rule.contains(&format!("#{} ", index + 1)),
            "{rule} is out of order"
        );
        match &vector.expected {
            Expected::Matches(pairs, expected) => {
                assert_eq!(
                    evaluate(rule, &vector.selector, &labels(pairs)),
                    *expected,
                    "{rule}"
                );
            }
            Expected::MatchesAny(expected) => {
                for label_set in assorted_label_sets() {
                    assert_eq!(
                        evaluate(rule, &vector.selector, &label_set),
                        *expected,
                        "{rule} with {label_set:?}"
                    );
                }
            }
            Expected::PrintsAs(expected_text) => {
                let SelectorUnderTest::Parts {
                    match_labels,
                    match_expressions,
                } = &vector.selector
                else {
                    panic!("{rule}: PrintsAs needs Parts");
                };
                let resolved = build_parts(match_labels, match_expressions)
                    .unwrap_or_else(|errors| panic!("{rule}: {errors:?}"));
                assert_eq!(resolved.to_string(), *expected_text, "{rule}");
                assert_eq!(
                    resolved,
                    parse_ok(expected_text),
                    "{rule}: ≡ its string form"
                );
            }
            Expected::IsError => {
                let SelectorUnderTest::Parts {
                    match_labels,
                    match_expressions,
                } = &vector.selector
                else {
                    panic!("{rule}: IsError needs Parts");
                };
                let errors = build_parts(match_labels, match_expressions).expect_err(rule);
                assert_eq!(
                    errors.iter().map(SelectorError::message).collect::<Vec<_>>(),
                    ["matchExpressions[0].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'"],
                    "{rule}"
                );
            }
        }
    }
}

/// §1.5 #28: Go's `Requirement{}` cannot be built by `NewRequirement` (an
/// empty key is invalid whatever the operator), and it matches nothing.
#[test]
fn s1_5_zero_value_requirement() {
    let zero_value = Requirement::zero_value();
    assert_eq!(zero_value.key(), "");
    assert!(zero_value.values().is_empty());
    for label_set in assorted_label_sets() {
        assert!(!zero_value.matches(&label_set), "{label_set:?}");
    }
    for operator in ALL_OPERATORS {
        assert!(
            Requirement::new("", operator, NO_VALUES).is_err(),
            "{operator:?}"
        );
        assert!(
            Requirement::new("", operator, [""]).is_err(),
            "{operator:?}"
        );
    }
    assert!(Requirement::new("x", Operator::In, NO_VALUES).is_err());
}

/// §1.5 existence vectors (`TestLabelHas`): an empty value counts as present.
#[test]
fn s1_5_existence_vectors() {
    assert!(parse_ok("x").matches(&labels(&[("x", "y")])));
    assert!(parse_ok("x").matches(&labels(&[("x", "")])));
    assert!(!parse_ok("foo").matches(&labels(&[("x", "y")])));
}

// ---------------------------------------------------------------------------
// §1.1 primitives
// ---------------------------------------------------------------------------

const ALL_OPERATORS: [Operator; 9] = [
    Operator::Equals,
    Operator::DoubleEquals,
    Operator::In,
    Operator::NotEquals,
    Operator::NotIn,
    Operator::Exists,
    Operator::DoesNotExist,
    Operator::GreaterThan,
    Operator::LessThan,
];

/// §1.1 `NewRequirement` rules (`TestRequirementConstructor`, plus the
/// count-before-dedup rule of Go's slice).
#[test]
fn s1_1_new_requirement_rules() {
    type Case<'a> = (&'a str, Operator, &'a [&'a str], bool);
    let long_key = "a".repeat(254);
    let cases: &[Case] = &[
        ("x", Operator::In, &[], false),
        ("x", Operator::NotIn, &[], false),
        ("x", Operator::In, &["foo"], true),
        ("x", Operator::NotIn, &["foo"], true),
        ("x", Operator::Exists, &[], true),
        ("x", Operator::DoesNotExist, &[], true),
        ("1foo", Operator::In, &["bar"], true),
        ("1234", Operator::In, &["bar"], true),
        ("y", Operator::GreaterThan, &["1"], true),
        ("z", Operator::LessThan, &["6"], true),
        ("foo", Operator::GreaterThan, &["bar"], false),
        ("barz", Operator::LessThan, &["blah"], false),
        (long_key.as_str(), Operator::Exists, &[], false),
        ("x", Operator::Equals, &["a"], true),
        ("x", Operator::Equals, &[], false),
        ("x", Operator::Equals, &["a", "b"], false),
        ("x", Operator::Equals, &["a", "a"], false),
        ("x", Operator::DoubleEquals, &[""], true),
        ("x", Operator::NotEquals, &["a", "b"], false),
        ("x", Operator::Exists, &["a"], false),
        ("x", Operator::DoesNotExist, &["a"], false),
        ("x", Operator::GreaterThan, &["1", "2"], false),
        ("x", Operator::GreaterThan, &["-1"], false),
        ("x", Operator::In, &["a||b"], false),
        ("example.com/x", Operator::In, &["a", "b", "a"], true),
    ];
    for (key, operator, values, valid) in cases {
        let result = Requirement::new(*key, *operator, values.iter().copied());
        assert_eq!(
            result.is_ok(),
            *valid,
            "{key} {operator:?} {values:?}: {result:?}"
        );
    }
}

/// §1.1 `NewRequirement` reports every problem, in Go's field-error form. A
/// bad value list is not a string, so the field error prints it as JSON
/// (`json.Marshal`), not with Go's `%#v`.
#[test]
fn s1_1_new_requirement_messages() {
    let error = Requirement::new("x", Operator::GreaterThan, ["a"]).unwrap_err();
    assert_eq!(
        error.message(),
        "values[0]: Invalid value: \"a\": for 'Gt', 'Lt' operators, the value must be an integer"
    );
    assert!(!error.is_syntax_error());

    let error = Requirement::new("x", Operator::Exists, ["qux", "norf"]).unwrap_err();
    assert_eq!(
        error.message(),
        "values: Invalid value: [\"qux\",\"norf\"]: values set must be empty for exists and does not exist"
    );

    let error = Requirement::new("x", Operator::In, NO_VALUES).unwrap_err();
    assert_eq!(
        error.message(),
        "values: Invalid value: []: for 'in', 'notin' operators, values set can't be empty"
    );

    // Several problems come back as one aggregate, in brackets.
    let error = Requirement::new("-x", Operator::Equals, ["a", "b"]).unwrap_err();
    assert!(
        error
            .message()
            .starts_with("[key: Invalid value: \"-x\": name part must consist of"),
        "{error}"
    );
    assert!(error.message().contains(", values: Invalid value: [\"a\",\"b\"]: exact-match compatibility requires one single value]"), "{error}");
}

/// §1.1 per-operator semantics, including absent keys and int64 parsing.
#[test]
fn s1_1_operator_semantics() {
    type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], bool);
    let cases: &[Case] = &[
        ("x=a", &[], false),
        ("x==a", &[("x", "a")], true),
        ("x in (a,b)", &[("x", "b")], true),
        ("x in (a,b)", &[], false),
        ("x!=a", &[], true),
        ("x notin (a)", &[], true),
        ("x notin (a)", &[("x", "a")], false),
        ("x", &[("x", "")], true),
        ("!x", &[("x", "")], false),
        ("x>1", &[], false),
        ("x>1", &[("x", "+2")], true),
        ("x>1", &[("x", " 2")], false),
        ("x>1", &[("x", "99999999999999999999")], false),
        ("x<0", &[("x", "-9223372036854775808")], true),
        ("x<1", &[("x", "1")], false),
        ("x>1", &[("x", "1")], false),
    ];
    for (text, pairs, expected) in cases {
        assert_eq!(
            parse_ok(text).matches(&labels(pairs)),
            *expected,
            "{text} on {pairs:?}"
        );
    }
}

/// §1.1 label key and value syntax.
#[test]
fn s1_1_label_key_and_value_syntax() {
    let max_name = "a".repeat(63);
    let long_name = "a".repeat(64);
    let max_prefix = format!("{}/x", "a".repeat(253));
    let long_prefix = format!("{}/x", "a".repeat(254));
    for key in [
        "x",
        "X_y.z-1",
        "1234",
        "example.com/name",
        "a.b-c/Name",
        max_name.as_str(),
        max_prefix.as_str(),
    ] {
        assert_eq!(is_label_key(key), Ok(()), "{key}");
    }
    for key in [
        "",
        "-x",
        "x-",
        "x y",
        "a/b/c",
        "/x",
        "x/",
        "Example.com/x",
        "ex_ample.com/x",
        "é",
        long_name.as_str(),
        long_prefix.as_str(),
    ] {
        assert!(is_label_key(key).is_err(), "{key}");
    }
    for value in ["", "a", "A-b_c.d", "123", max_name.as_str()] {
        assert_eq!(is_label_value(value), Ok(()), "{value}");
    }
    for value in ["-a", "a-", "a b", "a||b", "$y", long_name.as_str()] {
        assert!(is_label_value(value).is_err(), "{value}");
    }

    assert_eq!(
        is_label_key("app:").unwrap_err(),
        "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
    );
    assert_eq!(
        is_label_key("").unwrap_err(),
        "name part must be non-empty; name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
    );
    assert_eq!(
        is_label_key("app.kubernetes_io/name").unwrap_err(),
        "prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
    );
    assert!(is_label_key("a/b/c")
        .unwrap_err()
        .starts_with("a valid label key must consist of"));
    assert_eq!(
        is_label_value(&long_name).unwrap_err(),
        "must be no more than 63 bytes"
    );
    assert_eq!(
        is_label_value("a b").unwrap_err(),
        "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
    );
}

/// §1.1: a selector is an AND; `first_mismatch` names the first failing
/// requirement in key order, and is `None` exactly when the selector matches.
#[test]
fn s1_1_first_mismatch_names_the_failing_requirement() {
    let selector = parse_ok("tier=web,app=shop,!canary");
    let pod_labels = labels(&[("app", "shop"), ("tier", "db")]);
    assert!(!selector.matches(&pod_labels));
    assert_eq!(
        selector
            .first_mismatch(&pod_labels)
            .map(ToString::to_string),
        Some("tier=web".to_string())
    );

    let pod_labels = labels(&[("app", "shop"), ("tier", "web"), ("canary", "")]);
    assert_eq!(
        selector
            .first_mismatch(&pod_labels)
            .map(ToString::to_string),
        Some("!canary".to_string())
    );

    let pod_labels = labels(&[("app", "shop"), ("tier", "web")]);
    assert!(selector.matches(&pod_labels));
    assert_eq!(selector.first_mismatch(&pod_labels), None);

    assert!(Selector::everything().matches(&pod_labels));
    assert!(Selector::everything().is_empty());
    assert!(!selector.is_empty());
}

#[test]
fn s1_1_requires_exact_match() {
    let selector = parse_ok("app=shop,tier in (web),env in (a,b),!canary");
    assert_eq!(selector.requires_exact_match("app"), Some("shop"));
    assert_eq!(selector.requires_exact_match("tier"), Some("web"));
    assert_eq!(selector.requires_exact_match("env"), None);
    assert_eq!(selector.requires_exact_match("canary"), None);
    assert_eq!(selector.requires_exact_match("missing"), None);
}

#[test]
fn s1_1_add_keeps_key_order() {
    let mut selector = parse_ok("b=1,d");
    selector.add(requirement("c", Operator::Exists, &[]));
    selector.add(requirement("a", Operator::DoesNotExist, &[]));
    selector.add(requirement("b", Operator::NotEquals, &["2"]));
    assert_eq!(selector.to_string(), "!a,b=1,b!=2,c,d");
}

// ---------------------------------------------------------------------------
// Counting allocator, to hold matching to "does not allocate" (100k Pods).
// ---------------------------------------------------------------------------

struct CountingAllocator;

thread_local! {
    static ALLOCATIONS_ON_THIS_THREAD: Cell<usize> = const { Cell::new(0) };
}

unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS_ON_THIS_THREAD.with(|count| count.set(count.get() + 1));
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, pointer: *mut u8, layout: Layout) {
        unsafe { System.dealloc(pointer, layout) }
    }

    unsafe fn realloc(&self, pointer: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS_ON_THIS_THREAD.with(|count| count.set(count.get() + 1));
        unsafe { System.realloc(pointer, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL_ALLOCATOR: CountingAllocator = CountingAllocator;

fn allocations_during(work: impl FnOnce()) -> usize {
    let before = ALLOCATIONS_ON_THIS_THREAD.with(Cell::get);
    work();
    ALLOCATIONS_ON_THIS_THREAD.with(Cell::get) - before
}

#[test]
fn s1_1_matching_does_not_allocate() {
    let selector =
        parse_ok("app=shop,tier in (web,api),env notin (dev),!canary,team,replicas>2,zone!=b");
    let label_selector = LabelSelector::Match(selector.clone());
    let service_map = labels(&[("app", "shop"), ("tier", "web")]);
    let service_selector = ServiceSelector::from_spec(Some(&service_map));
    let pod_label_sets = [
        labels(&[
            ("app", "shop"),
            ("tier", "web"),
            ("team", "a"),
            ("replicas", "3"),
            ("zone", "a"),
        ]),
        labels(&[("app", "shop"), ("tier", "db")]),
        labels(&[]),
    ];
    let mut n_matches = 0;
    let n_allocations = allocations_during(|| {
        for pod_labels in &pod_label_sets {
            n_matches += usize::from(selector.matches(pod_labels));
            n_matches += usize::from(selector.first_mismatch(pod_labels).is_none());
            n_matches += usize::from(label_selector.matches(pod_labels));
            n_matches += usize::from(map_matches(&service_map, pod_labels));
            n_matches += usize::from(service_selector.selects(pod_labels));
        }
    });
    assert_eq!(n_allocations, 0);
    assert_eq!(n_matches, 5);
}

// ---------------------------------------------------------------------------
// §1.2 Service selector
// ---------------------------------------------------------------------------

/// §1.2: a Service with an empty or absent selector gets no endpoints from
/// the controllers, even though the empty map is a subset of every label set.
#[test]
fn s1_2_service_selector_empty_or_absent_selects_nothing() {
    let pod_labels = labels(&[("app", "shop")]);
    assert!(
        map_matches(&Labels::new(), &pod_labels),
        "set semantics (§1.5 #24)"
    );
    assert_eq!(ServiceSelector::from_spec(None), ServiceSelector::Unmanaged);
    assert_eq!(
        ServiceSelector::from_spec(Some(&Labels::new())),
        ServiceSelector::Unmanaged
    );
    assert!(!ServiceSelector::from_spec(None).selects(&pod_labels));
    assert!(!ServiceSelector::from_spec(Some(&Labels::new())).selects(&pod_labels));
    assert!(!ServiceSelector::Unmanaged.selects(&Labels::new()));

    let service_selector = ServiceSelector::from_spec(Some(&pod_labels));
    assert!(service_selector.selects(&labels(&[("app", "shop"), ("tier", "web")])));
    assert!(!service_selector.selects(&labels(&[("app", "shop2")])));
    assert!(!service_selector.selects(&labels(&[])));
}

/// §1.2: the map selector and its `Selector` form agree.
#[test]
fn s1_2_map_selector_equals_its_selector_form() {
    let service_map = labels(&[("foo", "bar"), ("baz", "blah")]);
    let selector = Selector::from_map(&service_map);
    assert_eq!(selector.to_string(), "baz=blah,foo=bar");
    assert_eq!(
        Selector::from_map_validated(&service_map),
        Ok(selector.clone())
    );
    for label_set in assorted_label_sets() {
        assert_eq!(
            selector.matches(&label_set),
            map_matches(&service_map, &label_set)
        );
    }
    assert!(Selector::from_map(&Labels::new()).is_empty());
    assert!(Selector::from_map_validated(&labels(&[("bad key", "v")])).is_err());
}

// ---------------------------------------------------------------------------
// §1.3 set-based LabelSelector
// ---------------------------------------------------------------------------

/// §1.3: only In, NotIn, Exists and DoesNotExist; every problem is reported.
#[test]
fn s1_3_label_selector_validation_collects_every_problem() {
    let errors = build_parts(
        &[("bad key", "ok"), ("ok", "bad value!")],
        &[
            ("a", "In", &[]),
            ("b", "Gt", &["1"]),
            ("c", "DoesNotExist", &["x"]),
            ("-d", "exists", &[]),
            ("e", "NotIn", &["ok", "not ok"]),
        ],
    )
    .unwrap_err();
    let messages: Vec<&str> = errors.iter().map(SelectorError::message).collect();
    let expected_prefixes = [
        "matchLabels: Invalid value: \"bad key\": name part must consist of",
        "matchLabels: Invalid value: \"bad value!\": a valid label must be",
        "matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
        "matchExpressions[1].operator: Invalid value: \"Gt\": not a valid selector operator",
        "matchExpressions[2].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
        "matchExpressions[3].operator: Invalid value: \"exists\": not a valid selector operator",
        "matchExpressions[3].key: Invalid value: \"-d\": name part must consist of",
        "matchExpressions[4].values[1]: Invalid value: \"not ok\": a valid label must be",
    ];
    assert_eq!(messages.len(), expected_prefixes.len(), "{messages:#?}");
    for (message, prefix) in messages.iter().zip(expected_prefixes) {
        assert!(
            message.starts_with(prefix),
            "{message:?} should start with {prefix:?}"
        );
    }
    assert!(errors.iter().all(|error| !error.is_syntax_error()));
}

#[test]
fn s1_3_label_selector_operators() {
    let resolved = build_parts(
        &[("app", "shop")],
        &[
            ("tier", "In", &["web", "api", "web"]),
            ("env", "NotIn", &["dev"]),
            ("team", "Exists", &[]),
            ("canary", "DoesNotExist", &[]),
        ],
    )
    .unwrap();
    assert_eq!(
        resolved.to_string(),
        "app=shop,!canary,env notin (dev),team,tier in (api,web)"
    );
    assert!(resolved.matches(&labels(&[("app", "shop"), ("tier", "api"), ("team", "")])));
    assert!(!resolved.matches(&labels(&[
        ("app", "shop"),
        ("tier", "api"),
        ("team", ""),
        ("env", "dev")
    ])));

    let label_selector = LabelSelector::from_parts(&Labels::new(), &[]).unwrap();
    assert_eq!(label_selector, LabelSelector::Match(Selector::everything()));
    assert_eq!(label_selector.selector(), Some(&Selector::everything()));
    assert_eq!(LabelSelector::Nothing.selector(), None);
}

#[test]
fn s1_3_match_expression_reads_from_json() {
    let match_expression: MatchExpression =
        serde_json::from_str(r#"{"key": "tier", "operator": "Exists"}"#).unwrap();
    assert_eq!(match_expression.values, Vec::<String>::new());
    assert_eq!(match_expression.operator, "Exists");
}

// ---------------------------------------------------------------------------
// §1.4 string syntax
// ---------------------------------------------------------------------------

/// §1.4 valid strings whose `String()` is the input without spaces
/// (`TestSelectorParse`).
#[test]
fn s1_4_valid_strings_round_trip() {
    let inputs = [
        "x=a,y=b,z=c",
        "",
        "x!=a,y=b",
        "x=",
        "x= ",
        "x=,z= ",
        "x= ,z= ",
        "!x",
        "x>1",
        "x>1,z<5",
    ];
    for input in inputs {
        assert_eq!(
            parse_ok(input).to_string(),
            input.replace(' ', ""),
            "{input:?}"
        );
    }
}

/// §1.4 invalid strings, with the parser's messages where §1.4 gives them.
#[test]
fn s1_4_invalid_strings_exact_messages() {
    let exact: &[(&str, &str)] = &[
        ("x==a==b", "found '==', expected: ',' or 'end of string'"),
        ("!x=a", "found '=', expected: ',' or 'end of string'"),
        ("x,,y", "found ',', expected: identifier after ','"),
        (
            ",x,y",
            "found ',', expected: !, identifier, or 'end of string'",
        ),
        (
            "x nott in (y)",
            "unable to parse requirement: found 'nott', expected: in, notin, =, ==, !=, gt, lt",
        ),
        ("a in (xyz),", "found '', expected: identifier after ','"),
        (
            "a in (xyz)b notin ()",
            "found 'b', expected: ',' or 'end of string'",
        ),
        (
            "a in (xyz abc)",
            "unable to parse requirement: found 'abc', expected: ',' or ')'",
        ),
        (
            "a notin(",
            "unable to parse requirement: found '', expected: ',', ')' or identifier",
        ),
        (
            "a (",
            "unable to parse requirement: found '(', expected: in, notin, =, ==, !=, gt, lt",
        ),
        (
            "(",
            "found '(', expected: !, identifier, or 'end of string'",
        ),
    ];
    for (input, message) in exact {
        let error = parse_error(input);
        assert_eq!(error.message(), *message, "{input:?}");
        assert_eq!(error.to_string(), *message, "{input:?}");
        assert!(error.is_syntax_error(), "{input:?}");
    }

    // §1.4 describes these two by kind rather than by exact text.
    let error = parse_error("x<a");
    assert!(
        error.message().starts_with("unable to parse requirement: "),
        "{error}"
    );
    assert!(
        error
            .message()
            .contains("for 'Gt', 'Lt' operators, the value must be an integer"),
        "{error}"
    );
    assert!(!error.is_syntax_error());

    let error = parse_error("x=a||y=b");
    assert!(
        error.message().starts_with("unable to parse requirement: "),
        "{error}"
    );
    assert!(
        error
            .message()
            .contains("\"a||y\": a valid label must be an empty string"),
        "{error}"
    );
    assert!(!error.is_syntax_error());
}

/// The field-error form of requirement errors inside `parse`, as kubectl
/// prints them (the parser's nil field path shows as `<nil>`).
#[test]
fn s1_4_requirement_errors_use_go_field_paths() {
    assert_eq!(
        parse_error("x<a").message(),
        "unable to parse requirement: values[0]: Invalid value: \"a\": for 'Gt', 'Lt' operators, the value must be an integer"
    );
    assert_eq!(
        parse_error("x=a||y=b").message(),
        "unable to parse requirement: values[0][x]: Invalid value: \"a||y\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
    );
    assert_eq!(
        parse_error("app:monolith").message(),
        "unable to parse requirement: <nil>: Invalid value: \"app:monolith\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
    );
    assert_eq!(
        parse_error("x in (a b").message(),
        "unable to parse requirement: found 'b', expected: ',' or ')'"
    );
    assert_eq!(
        parse_error("x in a").message(),
        "unable to parse requirement: found 'a' expected: '('"
    );
    assert_eq!(
        parse_error("x=(").message(),
        "unable to parse requirement: found '(', expected: identifier"
    );
    assert_eq!(
        parse_error("!").message(),
        "unable to parse requirement: found '', expected: identifier"
    );
    assert_eq!(
        parse_error("x in (a,=").message(),
        "unable to parse requirement: found '=', expected: ',', or identifier"
    );
    assert_eq!(
        parse_error("x in (a=").message(),
        "unable to parse requirement: found '=', expected: ',' or ')'"
    );
    assert!(parse_error("x\"=a").message().contains("\"x\\\"\""));
}

/// §1.4 valid strings and what they parse to (`TestSetSelectorParser`).
#[test]
fn s1_4_valid_strings_parsed_result() {
    use Operator::*;
    type Expected = &'static [(&'static str, Operator, &'static [&'static str])];
    let cases: &[(&str, Expected)] = &[
        ("", &[]),
        ("\rx", &[("x", Exists, &[])]),
        ("a ", &[("a", Exists, &[])]),
        (
            "this-is-a-dns.domain.com/key-with-dash",
            &[("this-is-a-dns.domain.com/key-with-dash", Exists, &[])],
        ),
        (
            "this-is-another-dns.domain.com/key-with-dash in (so,what)",
            &[(
                "this-is-another-dns.domain.com/key-with-dash",
                In,
                &["so", "what"],
            )],
        ),
        (
            "0.1.2.domain/99 notin (10.10.100.1, tick.tack.clock)",
            &[(
                "0.1.2.domain/99",
                NotIn,
                &["10.10.100.1", "tick.tack.clock"],
            )],
        ),
        ("foo  in\t (abc)", &[("foo", In, &["abc"])]),
        ("x notin\n (abc)", &[("x", NotIn, &["abc"])]),
        ("x  notin\t\t\t(abc,def)", &[("x", NotIn, &["abc", "def"])]),
        ("x in (abc,def)", &[("x", In, &["abc", "def"])]),
        ("x in (abc,)", &[("x", In, &["abc", ""])]),
        ("x in (abc,abc)", &[("x", In, &["abc"])]),
        ("x in ()", &[("x", In, &[""])]),
        ("x in (a,,)", &[("x", In, &["a", ""])]),
        ("x in (a,,,)", &[("x", In, &["a", ""])]),
        ("x in (a,,a,,a,,a,,)", &[("x", In, &["a", ""])]),
        ("x notin ( )", &[("x", NotIn, &[""])]),
        ("x notin (, a)", &[("x", NotIn, &["", "a"])]),
        (
            "x notin (abc,,def),bar,z in (),w",
            &[
                ("bar", Exists, &[]),
                ("w", Exists, &[]),
                ("x", NotIn, &["abc", "", "def"]),
                ("z", In, &[""]),
            ],
        ),
        ("x,y in (a)", &[("x", Exists, &[]), ("y", In, &["a"])]),
        (
            "a in (x,y,notin, z,in)",
            &[("a", In, &["in", "notin", "x", "y", "z"])],
        ),
        ("x=a", &[("x", Equals, &["a"])]),
        ("x>1", &[("x", GreaterThan, &["1"])]),
        ("x<7", &[("x", LessThan, &["7"])]),
        (
            "x=a,y!=b",
            &[("x", Equals, &["a"]), ("y", NotEquals, &["b"])],
        ),
        (
            "x=a,y!=b,z in (h,i,j)",
            &[
                ("x", Equals, &["a"]),
                ("y", NotEquals, &["b"]),
                ("z", In, &["h", "i", "j"]),
            ],
        ),
        ("notin=in", &[("notin", Equals, &["in"])]),
        ("in in (in)", &[("in", In, &["in"])]),
        ("!notin", &[("notin", DoesNotExist, &[])]),
        ("x==", &[("x", DoubleEquals, &[""])]),
        ("x!=,y", &[("x", NotEquals, &[""]), ("y", Exists, &[])]),
    ];
    for (input, expected) in cases {
        let expected_selector = Selector::from_requirements(
            expected
                .iter()
                .map(|(key, operator, values)| requirement(key, *operator, values))
                .collect(),
        );
        assert_eq!(parse_ok(input), expected_selector, "{input:?}");
    }
}

/// §1.4 lexer: a NUL byte reads as end of input, as Go's `read` returns 0.
/// Inside an identifier it only ends the identifier; at the start of a token
/// it ends the whole input.
#[test]
fn s1_4_lexer_nul_byte() {
    assert_eq!(parse_ok("x \0y,,,").to_string(), "x");
    assert_eq!(parse_ok("x\0,y").to_string(), "x,y");
    assert_eq!(
        parse_error("x\0y").message(),
        "unable to parse requirement: found 'y', expected: in, notin, =, ==, !=, gt, lt"
    );
}

/// §1.4 "Deterministic order" (`TestDeterministicParse`).
#[test]
fn s1_4_deterministic_order() {
    assert_eq!(parse_ok("x=a,a=x").to_string(), "a=x,x=a");
    assert_eq!(parse_ok("a=x,x=a").to_string(), "a=x,x=a");
    assert_eq!(parse_ok("x=a,a=x"), parse_ok("a=x,x=a"));
    // Equal keys keep the order they were written in.
    assert_eq!(parse_ok("z!=a,z,a").to_string(), "a,z!=a,z");
    assert_eq!(parse_ok("z,z!=a,a").to_string(), "a,z,z!=a");
}

/// §1.4 `String()` forms (`TestToString`).
#[test]
fn s1_4_string_forms() {
    use Operator::*;
    type Requirements = &'static [(&'static str, Operator, &'static [&'static str])];
    let cases: &[(Requirements, &str)] = &[
        (
            &[
                ("x", In, &["abc", "def"]),
                ("y", NotIn, &["jkl"]),
                ("z", Exists, &[]),
            ],
            "x in (abc,def),y notin (jkl),z",
        ),
        (
            &[
                ("x", NotIn, &["abc", "def"]),
                ("y", NotEquals, &["jkl"]),
                ("z", DoesNotExist, &[]),
            ],
            "x notin (abc,def),y!=jkl,!z",
        ),
        (
            &[
                ("x", NotIn, &["abc"]),
                ("y", In, &["jkl", "mno"]),
                ("z", NotIn, &[""]),
            ],
            "x notin (abc),y in (jkl,mno),z notin ()",
        ),
        (
            &[
                ("x", Equals, &["abc"]),
                ("y", DoubleEquals, &["jkl"]),
                ("z", NotEquals, &["a"]),
                ("z", Exists, &[]),
            ],
            "x=abc,y==jkl,z!=a,z",
        ),
        (
            &[
                ("x", GreaterThan, &["2"]),
                ("y", LessThan, &["8"]),
                ("z", Exists, &[]),
            ],
            "x>2,y<8,z",
        ),
        (&[("x", In, &["def", "abc"])], "x in (abc,def)"),
    ];
    for (requirements, expected) in cases {
        let selector = Selector::from_requirements(
            requirements
                .iter()
                .map(|(key, operator, values)| requirement(key, *operator, values))
                .collect(),
        );
        assert_eq!(selector.to_string(), *expected);
        assert_eq!(parse_ok(expected), selector, "{expected} parses back");
        assert_eq!(expected.parse::<Selector>().as_ref(), Ok(&selector));
    }
    assert_eq!(Selector::everything().to_string(), "");
    assert_eq!(Requirement::zero_value().to_string(), " in ()");
    assert_eq!(Operator::NotIn.to_string(), "notin");
    assert_eq!(Operator::GreaterThan.as_str(), "gt");
}

/// §1.4 equality-only converter (`TestLabelSelectorParse`), valid inputs.
#[test]
fn s1_4_equality_map_valid() {
    let cases: &[(&str, &[(&str, &str)])] = &[
        ("", &[]),
        ("x=a", &[("x", "a")]),
        ("x=a,y=b,z=c", &[("x", "a"), ("y", "b"), ("z", "c")]),
        (
            " x = a , y = b , z = c ",
            &[("x", "a"), ("y", "b"), ("z", "c")],
        ),
        (
            "color=green, env=test, service=front",
            &[("color", "green"), ("env", "test"), ("service", "front")],
        ),
        ("x=a,x=b", &[("x", "b")]),
        ("x=", &[("x", "")]),
    ];
    for (input, expected) in cases {
        assert_eq!(parse_equality_map(input), Ok(labels(expected)), "{input:?}");
    }
}

/// §1.4 equality-only converter, invalid inputs, with Go's messages.
#[test]
fn s1_4_equality_map_invalid() {
    let cases: &[(&str, &str)] = &[
        (",", "invalid selector: []"),
        ("x", "invalid selector: [x]"),
        ("x,y", "invalid selector: [x]"),
        ("x=$y", "[x]: Invalid value: \"$y\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"),
        ("x!=y", "<nil>: Invalid value: \"x!\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"),
        ("x==y", "invalid selector: [x  y]"),
        ("x=a||y=b", "invalid selector: [x a||y b]"),
        ("x in (y)", "invalid selector: [x in (y)]"),
        ("x notin (y)", "invalid selector: [x notin (y)]"),
        ("x y", "invalid selector: [x y]"),
    ];
    for (input, message) in cases {
        let error = parse_equality_map(input).unwrap_err();
        assert_eq!(error.message(), *message, "{input:?}");
    }
}

/// §1.4 set formatting (`TestSetString`).
#[test]
fn s1_4_set_formatting() {
    let label_set = labels(&[("foo", "bar"), ("baz", "qup")]);
    assert_eq!(labels_to_string(&label_set), "baz=qup,foo=bar");
    assert_eq!(
        Selector::from_map(&label_set).to_string(),
        "baz=qup,foo=bar"
    );
    assert_eq!(labels_to_string(&Labels::new()), "");
}

// ---------------------------------------------------------------------------
// Go's sort.Sort order of requirements (§1.4 "sorted by key")
// ---------------------------------------------------------------------------

/// The text of `b,a=0,a=1,...,a=<last>`: one `b` requirement written first,
/// then requirements on key `a` with the values 0 to `last`.
fn b_then_a_requirements(last: usize) -> String {
    let mut text = String::from("b");
    for value in 0..=last {
        text.push_str(&format!(",a={value}"));
    }
    text
}

/// §1.4: `parse` sorts requirements by key with Go's `sort.Sort`, which is
/// insertion sort, and so stable, for up to 12 requirements.
///
/// Obtained by hand: with 12 elements `pdqsort` goes straight to
/// `insertionSort`, which moves each `a` requirement left past `b` and never
/// past another `a`, so the `a` requirements keep their written order.
#[test]
fn s1_4_twelve_requirements_keep_the_written_order_of_equal_keys() {
    let selector = parse_ok(&b_then_a_requirements(10));
    assert_eq!(selector.requirements().len(), 12);
    assert_eq!(
        selector.to_string(),
        "a=0,a=1,a=2,a=3,a=4,a=5,a=6,a=7,a=8,a=9,a=10,b"
    );
    assert_eq!(selector.requires_exact_match("a"), Some("0"));
}

/// Regression for issue #11 §6 "Sort order": with 13 requirements that repeat
/// a key, kubetopo's stable sort printed `a=0,...` where Go prints `a=5,...`,
/// and `RequiresExactMatch("a")` answered "0" where Go answers "5" (§1.4).
///
/// Obtained by hand-simulating Go's `pdqsort` on the 13 requirements
/// `[b, a0, a1, ..., a11]` (`aN` is `a=N`), `limit = bits.Len(13) = 4`:
/// 1. 13 > 12, so no insertion sort yet. `choosePivot`: `l/4 = 3`, so the
///    candidates are indices 3, 6 and 9 (`a2`, `a5`, `a8`). They compare
///    equal, `order2` never swaps, so the pivot is index 6 with an increasing
///    hint.
/// 2. `partialInsertionSort` finds `Less(1, 0)` (`a0 < b`) at once, and 13 is
///    shorter than 50, so it gives up without moving anything.
/// 3. `a == 0`, so no `partitionEqual`. `partition` swaps the pivot `a5` to
///    index 0, giving `[a5, a0, a1, a2, a3, a4, b, a6, ..., a11]`. Nothing is
///    less than `a5`, so the left scan stops at once and the right scan runs
///    down to index 0; the pivot stays at 0 and the range counts as already
///    partitioned.
/// 4. The left part is empty; the right part, indices 1 to 12, has 12
///    elements and is insertion-sorted: `b` moves behind `a11`, and no `a`
///    passes another.
///
/// Result: `[a5, a0, a1, a2, a3, a4, a6, ..., a11, b]`. The same input run
/// through Go 1.19's `sort.Sort` (whose `pdqsort` is the one current Go
/// ships) printed the same permutation.
#[test]
fn s1_4_regression_issue_11_thirteen_requirements_follow_go_sort_sort() {
    let selector = parse_ok(&b_then_a_requirements(11));
    assert_eq!(selector.requirements().len(), 13);
    assert_eq!(
        selector.to_string(),
        "a=5,a=0,a=1,a=2,a=3,a=4,a=6,a=7,a=8,a=9,a=10,a=11,b"
    );
    assert_eq!(selector.requires_exact_match("a"), Some("5"));
    // Printing and parsing again is stable: `pdqsort` leaves a range that is
    // already sorted by key untouched (`partialInsertionSort` finds no pair
    // out of order), so the printed order survives a round trip.
    assert_eq!(parse_ok(&selector.to_string()), selector);
}

/// §1.4 `Selector.Add` appends, then sorts the whole list with `sort.Sort`.
///
/// Obtained by hand: the 12 requirements `a=0..a=10,b` are insertion-sorted to
/// `[a0, ..., a10, b]`. Adding `a=11` gives 13 elements,
/// `[a0, ..., a10, b, a11]`. `choosePivot` samples `a3`, `a6`, `a9` (equal,
/// so pivot index 6, increasing hint); `partialInsertionSort` stops at
/// `a11 < b` and gives up (13 < 50); `partition` swaps `a6` to the front,
/// `[a6, a1, ..., a5, a0, a7, ..., a10, b, a11]`, and leaves it there; the 12
/// elements after it are insertion-sorted, which only swaps `b` and `a11`.
/// Go 1.19's `sort.Sort` gives the same permutation.
#[test]
fn s1_4_add_sorts_like_go_past_twelve_requirements() {
    let mut text = String::new();
    for value in 0..=10 {
        text.push_str(&format!("a={value},"));
    }
    text.push('b');
    let mut selector = parse_ok(&text);
    assert_eq!(
        selector.to_string(),
        "a=0,a=1,a=2,a=3,a=4,a=5,a=6,a=7,a=8,a=9,a=10,b"
    );
    selector.add(requirement("a", Operator::Equals, &["11"]));
    assert_eq!(
        selector.to_string(),
        "a=6,a=1,a=2,a=3,a=4,a=5,a=0,a=7,a=8,a=9,a=10,a=11,b"
    );
    assert_eq!(selector.requires_exact_match("a"), Some("6"));
}

/// §1.4: `sort_like_go` on plain pairs, through the paths of `pdqsort` that
/// the selector vectors above do not reach.
#[test]
fn s1_4_sort_like_go_vectors() {
    // Each row: the keys in input order, and the input positions in the order
    // Go's `sort.Sort` leaves them.
    let rows: [(&[u8], &[usize]); 4] = [
        // All equal: `partialInsertionSort` sees a sorted range and returns
        // before anything moves (by hand: no pair is out of order).
        (&[0; 13], &[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]),
        // Already sorted by key: left alone for the same reason (by hand).
        (
            &[0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1],
            &[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13],
        ),
        // The 13-requirement case above, as keys (by hand, see there).
        (
            &[1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
            &[6, 1, 2, 3, 4, 5, 7, 8, 9, 10, 11, 12, 0],
        ),
        // Unbalanced partitions trigger `breakPatterns`, whose swaps come from
        // Go's xorshift generator. Not simulated by hand: this row is the
        // output of Go 1.19's `sort.Sort` with the generator's shifts set to
        // (13, 7, 17) as in current Go; with Go 1.19's own (13, 17, 5) the
        // order differs, which is what makes the row a test of the generator.
        (
            &[0, 0, 1, 1, 0, 1, 0, 1, 0, 0, 1, 0, 1, 0],
            &[9, 1, 13, 11, 4, 0, 8, 6, 12, 5, 10, 3, 7, 2],
        ),
    ];
    for (keys, expected_positions) in rows {
        assert_eq!(
            go_sorted_positions(keys),
            expected_positions,
            "keys {keys:?}"
        );
    }
}

/// The input positions of `keys` in the order `sort_like_go` leaves them.
fn go_sorted_positions(keys: &[u8]) -> Vec<usize> {
    let mut pairs: Vec<(u8, usize)> = keys.iter().copied().zip(0..).collect();
    sort_like_go(&mut pairs, |left, right| left.0 < right.0);
    pairs.iter().map(|pair| pair.1).collect()
}

// ---------------------------------------------------------------------------
// Go's strconv.Quote in `Invalid value: "..."` (§1.4 messages)
// ---------------------------------------------------------------------------

/// Regression for issue #11 §6 "Quoting": field errors quote values with
/// Go's `strconv.Quote`, which escapes every rune `unicode.IsPrint` rejects.
/// kubetopo escaped only control characters and whitespace, so a soft hyphen
/// or a zero-width space stayed invisible in the message.
///
/// Expected texts: Go 1.19's `strconv.Quote` printed each of them (all these
/// runes predate Unicode 13, so every Go since agrees), and the rules say the
/// same: printable runes stay, `\a \b \f \n \r \t \v` are short, other
/// runes below U+0080 are `\xNN`, the rest `\uNNNN` or `\UNNNNNNNN`.
#[test]
fn s1_4_regression_issue_11_go_quote_escapes_what_go_cannot_print() {
    let rows: [(&str, &str); 17] = [
        ("plain", r#""plain""#),
        ("", r#""""#),
        ("a b", r#""a b""#),
        ("say \"hi\"", r#""say \"hi\"""#),
        ("back\\slash", r#""back\\slash""#),
        ("\u{7}\u{8}\u{c}\n\r\t\u{b}", r#""\a\b\f\n\r\t\v""#),
        ("x\0y\u{7f}", r#""x\x00y\x7f""#),
        ("\u{1b}[31m", r#""\x1b[31m""#),
        // Soft hyphen (Cf), zero-width space (Cf), byte order mark (Cf).
        ("soft\u{ad}hyphen", r#""soft\u00adhyphen""#),
        ("zero\u{200b}width", r#""zero\u200bwidth""#),
        ("\u{feff}bom", r#""\ufeffbom""#),
        // No-break space and line separator are spaces, not printable to Go.
        ("no\u{a0}break", r#""no\u00a0break""#),
        ("line\u{2028}separator", r#""line\u2028separator""#),
        // Outside the Basic Multilingual Plane: a language tag is escaped
        // with a capital U, an emoji is printable.
        ("tag\u{e0001}", r#""tag\U000e0001""#),
        ("smile\u{1f600}", "\"smile\u{1f600}\""),
        // Letters and marks of any script are printable.
        ("café-ñ", "\"café-ñ\""),
        ("e\u{301}", "\"e\u{301}\""),
    ];
    for (text, expected) in rows {
        assert_eq!(go_quote(text), expected, "{text:?}");
    }
    assert!(is_go_printable(' '));
    assert!(!is_go_printable('\u{3000}'), "an ideographic space is Zs");
    assert!(!is_go_printable('\u{e000}'), "private use is not printable");
    assert!(
        !is_go_printable('\u{378}'),
        "an unassigned code point is not"
    );
}

/// §1.4: a Go string may hold bytes that are not UTF-8; `strconv.Quote`
/// prints each byte that does not start a valid rune as `\xNN`. Expected
/// texts are Go 1.19's `strconv.Quote` of the same bytes.
#[test]
fn s1_4_go_quote_of_invalid_utf8() {
    let rows: [(&[u8], &str); 6] = [
        (b"\xff", r#""\xff""#),
        (b"a\xe2\x82", r#""a\xe2\x82""#),
        (b"\xe2\x82\xac", "\"\u{20ac}\""),
        (b"\xed\xa0\x80", r#""\xed\xa0\x80""#),
        (b"\xf0\x9f\x98", r#""\xf0\x9f\x98""#),
        (b"\xc0\xaf", r#""\xc0\xaf""#),
    ];
    for (bytes, expected) in rows {
        assert_eq!(go_quote_bytes(bytes), expected, "{bytes:?}");
    }
}

/// §1.4: invisible runes in a selector reach the message escaped.
#[test]
fn s1_4_invisible_runes_are_escaped_in_parse_errors() {
    assert_eq!(
        parse_error("app\u{200b}=web").message(),
        "unable to parse requirement: <nil>: Invalid value: \"app\\u200b\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
    );
    let error = parse_equality_map("tier=front\u{ad}end").unwrap_err();
    assert!(
        error
            .message()
            .starts_with("[tier]: Invalid value: \"front\\u00adend\": "),
        "{error}"
    );
}

/// §1.1: a list of bad values is printed as JSON, with `encoding/json`'s
/// escapes (HTML-safe `<`, `>`, `&`; U+2028 and U+2029; short escapes for the
/// common control characters).
#[test]
fn s1_1_bad_value_lists_print_as_json() {
    let values: Vec<String> = ["a<b>&c", "tab\t", "q\"\\", "\u{1}", "\u{2028}", "é"]
        .iter()
        .map(|value| value.to_string())
        .collect();
    assert_eq!(
        go_json_strings(&values),
        r#"["a\u003cb\u003e\u0026c","tab\t","q\"\\","\u0001","\u2028","é"]"#
    );
    assert_eq!(go_json_strings(&[]), "[]");
}

// ---------------------------------------------------------------------------
// Bytes, not characters (§1.1)
// ---------------------------------------------------------------------------

/// Regression for issue #11 §6 "bytes": apimachinery counts a label's length
/// with Go's `len`, in bytes, and since 1.35 says "bytes". A value of 32
/// two-byte characters is 64 bytes: too long, although it has 32 characters.
#[test]
fn s1_1_regression_issue_11_lengths_are_bytes() {
    let two_byte_value = "é".repeat(32);
    assert_eq!(two_byte_value.len(), 64);
    let problems = is_label_value(&two_byte_value).unwrap_err();
    assert!(
        problems.starts_with("must be no more than 63 bytes; a valid label must be"),
        "{problems}"
    );
    let ascii_value = "a".repeat(64);
    assert_eq!(
        is_label_value(&ascii_value).unwrap_err(),
        "must be no more than 63 bytes"
    );
    assert_eq!(
        is_label_key(&"k".repeat(64)).unwrap_err(),
        "name part must be no more than 63 bytes"
    );
    let long_prefix = format!("{}/name", "p".repeat(254));
    assert_eq!(
        is_label_key(&long_prefix).unwrap_err(),
        "prefix part must be no more than 253 bytes"
    );
    let error = parse_error(&format!("x={}", "b".repeat(64)));
    assert_eq!(
        error.message(),
        format!(
            "unable to parse requirement: values[0][x]: Invalid value: \"{}\": must be no more than 63 bytes",
            "b".repeat(64)
        )
    );
}

// ---------------------------------------------------------------------------
// Property tests
// ---------------------------------------------------------------------------

/// Keys include `in`/`notin`, which are keywords only after a key.
fn key_strategy() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "a",
            "b",
            "c",
            "in",
            "notin",
            "example.com/a",
            "x.y-z_1"
        ])
        .prop_map(str::to_string),
        "[a-z][a-z0-9]{0,2}",
        "[a-z]{1,3}(\\.[a-z]{1,3})?/[A-Za-z0-9]([-A-Za-z0-9_.]{0,3}[A-Za-z0-9])?",
    ]
}

fn value_strategy() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec!["", "v", "w", "in", "notin", "1", "007"])
            .prop_map(str::to_string),
        "[A-Za-z0-9]([-A-Za-z0-9_.]{0,3}[A-Za-z0-9])?",
    ]
}

fn requirement_strategy() -> impl Strategy<Value = Requirement> {
    let operator = prop::sample::select(ALL_OPERATORS.to_vec());
    (
        key_strategy(),
        operator,
        prop::collection::vec(value_strategy(), 1..4),
        "[0-9]{1,3}",
    )
        .prop_filter_map("a valid requirement", |(key, operator, values, integer)| {
            let values = match operator {
                Operator::In | Operator::NotIn => values,
                Operator::Equals | Operator::DoubleEquals | Operator::NotEquals => {
                    values.into_iter().take(1).collect()
                }
                Operator::Exists | Operator::DoesNotExist => Vec::new(),
                Operator::GreaterThan | Operator::LessThan => vec![integer],
            };
            Requirement::new(key, operator, values).ok()
        })
}

fn label_set_strategy() -> impl Strategy<Value = Labels> {
    prop::collection::btree_map(
        prop::sample::select(vec!["a", "b", "c", "in", "notin", "example.com/a"])
            .prop_map(str::to_string),
        prop::sample::select(vec!["", "v", "w", "in", "1", "5", "007", "500", "x1"])
            .prop_map(str::to_string),
        0..5,
    )
}

/// §1.1 written out independently of the library, as the oracle for the
/// matching property.
fn reference_matches(requirements: &[Requirement], label_set: &Labels) -> bool {
    requirements.iter().all(|requirement| {
        let label_value = label_set.get(requirement.key());
        let values: &BTreeSet<String> = requirement.values();
        let integer = |text: &str| text.parse::<i64>().ok();
        match requirement.operator() {
            Operator::Equals | Operator::DoubleEquals | Operator::In => {
                label_value.is_some_and(|value| values.contains(value))
            }
            Operator::NotEquals | Operator::NotIn => {
                label_value.is_none_or(|value| !values.contains(value))
            }
            Operator::Exists => label_value.is_some(),
            Operator::DoesNotExist => label_value.is_none(),
            Operator::GreaterThan | Operator::LessThan => {
                let operand = values.iter().next().and_then(|value| integer(value));
                let actual = label_value.and_then(|value| integer(value));
                match (actual, operand) {
                    (Some(actual), Some(operand)) => {
                        if requirement.operator() == Operator::GreaterThan {
                            actual > operand
                        } else {
                            actual < operand
                        }
                    }
                    _ => false,
                }
            }
        }
    })
}

/// Pieces that exercise every branch of the lexer and parser.
fn selector_like_text() -> impl Strategy<Value = String> {
    let pieces = vec![
        "x", "y", "in", "notin", "!", "=", "==", "!=", "(", ")", ",", " ", "\t", "<", ">", "1",
        "\0", "a/b", "-", "()", "in (", "é", "||",
    ];
    prop::collection::vec(prop::sample::select(pieces), 0..16).prop_map(|pieces| pieces.concat())
}

proptest! {
    /// §1.4: printing a selector and parsing it back gives the same selector
    /// and the same text, and (§1.1) it matches exactly what the rules say.
    #[test]
    fn s1_4_print_parse_round_trip(
        requirements in prop::collection::vec(requirement_strategy(), 0..6),
        label_sets in prop::collection::vec(label_set_strategy(), 1..8),
    ) {
        let selector = Selector::from_requirements(requirements);
        let printed = selector.to_string();
        let reparsed = parse(&printed);
        prop_assert_eq!(reparsed.as_ref(), Ok(&selector), "printed as {:?}", printed);
        let reparsed = reparsed.unwrap();
        prop_assert_eq!(reparsed.to_string(), printed.clone());
        for label_set in &label_sets {
            let expected = reference_matches(selector.requirements(), label_set);
            prop_assert_eq!(selector.matches(label_set), expected, "{} on {:?}", printed, label_set);
            prop_assert_eq!(reparsed.matches(label_set), expected, "{} on {:?}", printed, label_set);
            prop_assert_eq!(selector.first_mismatch(label_set).is_none(), expected);
        }
    }

    /// §1.4: `sort_like_go` sorts by key and keeps every element; up to 12
    /// elements it is insertion sort, so it agrees with a stable sort there.
    #[test]
    fn s1_4_sort_like_go_sorts_and_is_stable_up_to_twelve(
        keys in prop::collection::vec(0u8..4, 0..120),
    ) {
        let positions = go_sorted_positions(&keys);
        prop_assert!(positions.windows(2).all(|window| keys[window[0]] <= keys[window[1]]));
        let mut every_position = positions.clone();
        every_position.sort_unstable();
        prop_assert_eq!(every_position, (0..keys.len()).collect::<Vec<_>>());
        if keys.len() <= 12 {
            let mut stable_positions: Vec<usize> = (0..keys.len()).collect();
            stable_positions.sort_by_key(|&position| keys[position]);
            prop_assert_eq!(positions, stable_positions);
        }
    }

    /// §1.4: any string parses or fails cleanly, never panics, and whatever
    /// parses prints back to something that parses to the same selector.
    #[test]
    fn s1_4_parse_never_panics_on_arbitrary_text(input in "\\PC{0,40}") {
        if let Ok(selector) = parse(&input) {
            prop_assert_eq!(parse(&selector.to_string()), Ok(selector));
        }
        let _ = parse_equality_map(&input);
    }

    #[test]
    fn s1_4_parse_never_panics_on_selector_like_text(input in selector_like_text()) {
        if let Ok(selector) = parse(&input) {
            prop_assert_eq!(parse(&selector.to_string()), Ok(selector));
        }
        let _ = parse_equality_map(&input);
    }

    #[test]
    fn s1_4_parse_never_panics_on_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..40)) {
        let input = String::from_utf8_lossy(&bytes);
        if let Ok(selector) = parse(&input) {
            prop_assert_eq!(parse(&selector.to_string()), Ok(selector));
        }
    }

    /// §1.1 and §1.3: construction from arbitrary parts never panics.
    #[test]
    fn s1_3_construction_never_panics(
        key in "\\PC{0,12}",
        operator in "\\PC{0,6}",
        values in prop::collection::vec("\\PC{0,8}", 0..3),
        operator_index in 0..ALL_OPERATORS.len(),
    ) {
        let _ = Requirement::new(key.as_str(), ALL_OPERATORS[operator_index], values.iter().map(String::as_str));
        let _ = is_label_key(&key);
        let _ = is_label_value(&key);
        let match_expressions = [MatchExpression { key: key.clone(), operator, values: values.clone() }];
        let match_labels = labels(&[(key.as_str(), values.first().map(String::as_str).unwrap_or(""))]);
        if let Ok(selector) = label_selector_from_parts(&match_labels, &match_expressions) {
            prop_assert_eq!(parse(&selector.to_string()), Ok(selector));
        }
    }
}
