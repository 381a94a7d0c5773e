//! Kubernetes label selectors, reproduced from `k8s.io/apimachinery`
//! `pkg/labels` (spec: `docs/semantics.md` §1).
//!
//! Three selector shapes exist in the API and they disagree about what
//! "empty" means, so each gets its own type here:
//!
//! * [`Selector`]: an AND of [`Requirement`]s, the result of
//!   [`parse`] (kubectl `-l` syntax) or of resolving a set-based selector.
//!   An empty one matches everything.
//! * [`LabelSelector`]: the `matchLabels` + `matchExpressions` object of
//!   Deployments, NetworkPolicies, PodDisruptionBudgets... A `null` one
//!   ([`LabelSelector::Nothing`]) matches nothing, an empty `{}` one matches
//!   everything.
//! * A Service's `spec.selector`, a plain map. [`map_matches`] is the subset
//!   test, and [`ServiceSelector`] adds the Service rule that an empty or
//!   absent map selects *no* Pods.
//!
//! ```
//! use kubetopo::engine::selector::{parse, Labels};
//!
//! let selector = parse("tier in (web, api), !canary").unwrap();
//! let mut pod_labels = Labels::new();
//! pod_labels.insert("tier".to_string(), "web".to_string());
//! assert!(selector.matches(&pod_labels));
//! assert_eq!(selector.to_string(), "!canary,tier in (api,web)");
//! ```
//!
//! Matching never allocates: a topology with 100k Pods runs every selector
//! against every Pod in its namespace.

use crate::engine::sort::CollectCompact;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use super::golang::quote::{go_json_strings, go_quote};
use super::golang::sort::sort_like_go;
use super::k8s_names::{label_key_problems, label_value_problems};

/// A label set: the `metadata.labels` of an object. A `BTreeMap` so that
/// everything printed from it is sorted and deterministic.
pub type Labels = BTreeMap<String, String>;

/// The operator of one [`Requirement`] (apimachinery `selection.Operator`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub enum Operator {
    /// `key=value`
    Equals,
    /// `key==value`, a synonym of `=` that is printed back as `==`.
    DoubleEquals,
    /// `key in (a,b)`
    In,
    /// `key!=value`: true when the key is absent, too.
    NotEquals,
    /// `key notin (a,b)`: true when the key is absent, too.
    NotIn,
    /// A bare `key`.
    Exists,
    /// `!key`
    DoesNotExist,
    /// `key>3`: both sides must parse as int64.
    GreaterThan,
    /// `key<3`: both sides must parse as int64.
    LessThan,
}

impl Operator {
    /// The `selection.Operator` string, which is also what "expected: in,
    /// notin, =, ==, !=, gt, lt" in parse errors lists.
    pub fn as_str(self) -> &'static str {
        match self {
            Operator::Equals => "=",
            Operator::DoubleEquals => "==",
            Operator::In => "in",
            Operator::NotEquals => "!=",
            Operator::NotIn => "notin",
            Operator::Exists => "exists",
            Operator::DoesNotExist => "!",
            Operator::GreaterThan => "gt",
            Operator::LessThan => "lt",
        }
    }
}

impl fmt::Display for Operator {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// One `key <operator> values` condition.
///
/// Fields are private so that every requirement went through the
/// `NewRequirement` rules in [`Requirement::new`] (or is the documented
/// [`Requirement::zero_value`]).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct Requirement {
    key: String,
    operator: Operator,
    values: BTreeSet<String>,
}

impl Requirement {
    /// Builds a requirement with apimachinery's `NewRequirement` rules (§1.1):
    /// `in`/`notin` need at least one value, `=`/`==`/`!=` exactly one,
    /// `exists`/`!` none, `gt`/`lt` exactly one integer, and the key and
    /// every value must be a valid label key and value.
    ///
    /// Values are counted *before* duplicates collapse, as Go counts its
    /// slice: `=` with `["a", "a"]` is an error. Every problem is reported,
    /// in Go's aggregate form (`[first, second]` when there are several).
    pub fn new<Key, Values, Value>(
        key: Key,
        operator: Operator,
        values: Values,
    ) -> Result<Requirement, SelectorError>
    where
        Key: Into<String>,
        Values: IntoIterator<Item = Value>,
        Value: Into<String>,
    {
        let key = key.into();
        let values: Vec<String> = values.into_iter().map(Into::into).collect();
        let problems = requirement_problems(&key, operator, &values);
        if !problems.is_empty() {
            return Err(SelectorError::new(
                ErrorKind::InvalidRequirement,
                aggregate_messages(&problems),
            ));
        }
        Ok(Requirement {
            key,
            operator,
            values: values.into_iter().collect_set(),
        })
    }

    /// The Go zero value `Requirement{}` (§1.5 vector 28): empty key, no
    /// operator, no values. `NewRequirement` never produces it, and its
    /// `Matches` falls through to `default: return false`, so it matches no
    /// label set at all.
    ///
    /// There is no "no operator" in [`Operator`], so it is stored as `In`
    /// over the empty set: the one operator/values pair that likewise cannot
    /// match anything and that [`Requirement::new`] refuses to build. It
    /// prints as ` in ()`, where Go prints the empty string.
    pub fn zero_value() -> Requirement {
        Requirement {
            key: String::new(),
            operator: Operator::In,
            values: BTreeSet::new(),
        }
    }

    /// The label key this requirement looks at.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The operator.
    pub fn operator(&self) -> Operator {
        self.operator
    }

    /// The value set, sorted and without duplicates. Empty for `exists` and `!`.
    pub fn values(&self) -> &BTreeSet<String> {
        &self.values
    }

    /// `Requirement.Matches` (§1.1). Does not allocate.
    pub fn matches(&self, labels: &Labels) -> bool {
        let label_value = labels.get(self.key.as_str());
        match self.operator {
            Operator::In | Operator::Equals | Operator::DoubleEquals => match label_value {
                Some(label_value) => self.values.contains(label_value.as_str()),
                None => false,
            },
            Operator::NotIn | Operator::NotEquals => match label_value {
                Some(label_value) => !self.values.contains(label_value.as_str()),
                None => true,
            },
            Operator::Exists => label_value.is_some(),
            Operator::DoesNotExist => label_value.is_none(),
            Operator::GreaterThan | Operator::LessThan => {
                let Some(label_value) = label_value else {
                    return false;
                };
                // Go's strconv.ParseInt(s, 10, 64) and Rust's i64 parser accept the
                // same strings: an optional sign, then decimal digits, no spaces.
                let Ok(label_integer) = label_value.parse::<i64>() else {
                    return false;
                };
                if self.values.len() != 1 {
                    return false;
                }
                let Some(Ok(operand)) = self.values.iter().next().map(|value| value.parse::<i64>())
                else {
                    return false;
                };
                match self.operator {
                    Operator::GreaterThan => label_integer > operand,
                    _ => label_integer < operand,
                }
            }
        }
    }
}

/// `Requirement.String()`: `key=val`, `key in (a,b)` with sorted values,
/// `!key` or `key`.
impl fmt::Display for Requirement {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.operator == Operator::DoesNotExist {
            formatter.write_str("!")?;
        }
        formatter.write_str(&self.key)?;
        let operator_text = match self.operator {
            Operator::Exists | Operator::DoesNotExist => return Ok(()),
            Operator::Equals => "=",
            Operator::DoubleEquals => "==",
            Operator::NotEquals => "!=",
            Operator::In => " in ",
            Operator::NotIn => " notin ",
            Operator::GreaterThan => ">",
            Operator::LessThan => "<",
        };
        formatter.write_str(operator_text)?;
        let is_set_operator = matches!(self.operator, Operator::In | Operator::NotIn);
        if is_set_operator {
            formatter.write_str("(")?;
        }
        for (index, value) in self.values.iter().enumerate() {
            if index > 0 {
                formatter.write_str(",")?;
            }
            formatter.write_str(value)?;
        }
        if is_set_operator {
            formatter.write_str(")")?;
        }
        Ok(())
    }
}

/// An AND of requirements (apimachinery `internalSelector`). No
/// requirements means "everything".
///
/// Requirements are kept sorted by key exactly as `parse` and `Add` leave
/// them in Go, which sorts with `sort.Sort` on the key alone. That sort is
/// stable for up to 12 requirements, so two requirements on the same key keep
/// their written order there; in a longer selector they may trade places, and
/// they do here too (see [`crate::engine::golang::sort`]). The order decides
/// what [`fmt::Display`] prints and what [`Selector::requires_exact_match`]
/// answers.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, serde::Serialize)]
pub struct Selector {
    requirements: Vec<Requirement>,
}

impl Selector {
    /// `labels.Everything()`: no requirements, matches every label set.
    pub fn everything() -> Selector {
        Selector {
            requirements: Vec::new(),
        }
    }

    /// A selector over the given requirements, sorted by key as
    /// `NewSelector().Add(...)` sorts them.
    pub fn from_requirements(mut requirements: Vec<Requirement>) -> Selector {
        sort_requirements_by_key(&mut requirements);
        Selector { requirements }
    }

    /// `SelectorFromValidatedSet`: one `=` requirement per entry, sorted by
    /// key. Like Go, it does not validate, so it accepts any map a YAML file
    /// holds; use [`Selector::from_map_validated`] to check it. An empty map
    /// gives [`Selector::everything`]: for a Service that is *not* what the
    /// controllers do, see [`ServiceSelector`].
    pub fn from_map(labels: &Labels) -> Selector {
        let requirements = labels
            .iter()
            .map(|(key, value)| Requirement {
                key: key.clone(),
                operator: Operator::Equals,
                values: std::iter::once(value.clone()).collect_set(),
            })
            .collect();
        // A BTreeMap iterates in key order, so no sort is needed.
        Selector { requirements }
    }

    /// `ValidatedSelectorFromSet`: [`Selector::from_map`], but every key and
    /// value must be valid. Stops at the first bad entry, as Go does.
    pub fn from_map_validated(labels: &Labels) -> Result<Selector, SelectorError> {
        let requirements = labels
            .iter()
            .map(|(key, value)| Requirement::new(key.as_str(), Operator::Equals, [value.as_str()]))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Selector { requirements })
    }

    /// Adds one requirement (`Selector.Add`): Go appends it and sorts the whole
    /// list again. Up to 12 requirements, one whose key is already present goes
    /// after the existing ones; in a longer list the sort decides.
    pub fn add(&mut self, requirement: Requirement) {
        self.requirements.push(requirement);
        sort_requirements_by_key(&mut self.requirements);
    }

    /// The requirements, sorted by key.
    pub fn requirements(&self) -> &[Requirement] {
        &self.requirements
    }

    /// True when there are no requirements, so the selector matches everything
    /// (`Selector.Empty`).
    pub fn is_empty(&self) -> bool {
        self.requirements.is_empty()
    }

    /// True when every requirement matches. Does not allocate.
    pub fn matches(&self, labels: &Labels) -> bool {
        self.requirements
            .iter()
            .all(|requirement| requirement.matches(labels))
    }

    /// The first requirement (in key order) that the labels fail, so a
    /// diagnostic can say which label is missing or different. `None` exactly
    /// when [`Selector::matches`] is true.
    pub fn first_mismatch(&self, labels: &Labels) -> Option<&Requirement> {
        self.requirements
            .iter()
            .find(|requirement| !requirement.matches(labels))
    }

    /// `RequiresExactMatch`: the single value the selector demands for `key`
    /// through `=`, `==` or a one-value `in`, judged by the first requirement
    /// on that key. Lets a diagnostic print "wants app=web".
    pub fn requires_exact_match(&self, key: &str) -> Option<&str> {
        let requirement = self
            .requirements
            .iter()
            .find(|requirement| requirement.key == key)?;
        match requirement.operator {
            Operator::Equals | Operator::DoubleEquals | Operator::In
                if requirement.values.len() == 1 =>
            {
                requirement.values.iter().next().map(String::as_str)
            }
            _ => None,
        }
    }
}

/// `Selector.String()`: the requirements joined by `,` with no spaces. The
/// empty selector prints as the empty string.
impl fmt::Display for Selector {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, requirement) in self.requirements.iter().enumerate() {
            if index > 0 {
                formatter.write_str(",")?;
            }
            fmt::Display::fmt(requirement, formatter)?;
        }
        Ok(())
    }
}

impl std::str::FromStr for Selector {
    type Err = SelectorError;

    fn from_str(input: &str) -> Result<Selector, SelectorError> {
        parse(input)
    }
}

/// A resolved set-based selector (`metav1.LabelSelector`, §1.3).
///
/// "Absent" and "empty" differ: `null` becomes [`LabelSelector::Nothing`]
/// and matches no object, while `{}` becomes `Match` of an empty selector and
/// matches every object. Whether an empty one is even allowed depends on the
/// kind (Deployments reject it), which the caller checks.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize)]
pub enum LabelSelector {
    /// A `null` selector: `labels.Nothing()`, matches no object.
    Nothing,
    /// A present selector. `{}` gives an empty [`Selector`], which matches
    /// every object.
    Match(Selector),
}

impl LabelSelector {
    /// Resolves a present selector from its two parts; see
    /// [`label_selector_from_parts`].
    pub fn from_parts(
        match_labels: &Labels,
        match_expressions: &[MatchExpression],
    ) -> Result<LabelSelector, Vec<SelectorError>> {
        label_selector_from_parts(match_labels, match_expressions).map(LabelSelector::Match)
    }

    /// Whether the object's labels are selected. Does not allocate.
    pub fn matches(&self, labels: &Labels) -> bool {
        match self {
            LabelSelector::Nothing => false,
            LabelSelector::Match(selector) => selector.matches(labels),
        }
    }

    /// The selector, unless this is [`LabelSelector::Nothing`].
    pub fn selector(&self) -> Option<&Selector> {
        match self {
            LabelSelector::Nothing => None,
            LabelSelector::Match(selector) => Some(selector),
        }
    }
}

/// One `matchExpressions` entry as written (`LabelSelectorRequirement`).
/// The operator stays a string because any string can appear in YAML;
/// [`label_selector_from_parts`] rejects all but `In`, `NotIn`, `Exists`
/// and `DoesNotExist`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct MatchExpression {
    /// The label key.
    pub key: String,
    /// `In`, `NotIn`, `Exists` or `DoesNotExist`, case-sensitive.
    pub operator: String,
    /// The values; must be empty for `Exists` and `DoesNotExist`.
    #[serde(default)]
    pub values: Vec<String>,
}

/// A Service's `spec.selector`, resolved for endpoint selection (§1.2).
///
/// The map itself is a plain subset test ([`map_matches`]), under which the
/// empty map matches everything. The Service rule is the opposite: with no
/// selector the endpoint controllers manage no endpoints and leave them to
/// "an external process", and the Pod-to-Service mapping treats it as
/// "match nothing, not everything". The API server drops an empty map on the
/// wire, so empty and absent are the same case here.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize)]
pub enum ServiceSelector {
    /// No selector, or an empty one: selects no Pods; endpoints are managed
    /// by hand (or by nobody).
    Unmanaged,
    /// A non-empty map: selects the Pods whose labels contain every pair.
    Pods(Labels),
}

impl ServiceSelector {
    /// Resolves `spec.selector` as read from the manifest.
    pub fn from_spec(spec_selector: Option<&Labels>) -> ServiceSelector {
        match spec_selector {
            Some(labels) if !labels.is_empty() => ServiceSelector::Pods(labels.clone()),
            _ => ServiceSelector::Unmanaged,
        }
    }

    /// Whether a Pod with these labels backs the Service. The caller still
    /// has to check the namespace and that the type is not ExternalName,
    /// which ignores the selector. Does not allocate.
    pub fn selects(&self, pod_labels: &Labels) -> bool {
        match self {
            ServiceSelector::Unmanaged => false,
            ServiceSelector::Pods(selector) => map_matches(selector, pod_labels),
        }
    }
}

/// Why a selector, requirement or label could not be built. The message is
/// apimachinery's wording, so it can be shown next to what kubectl or the API
/// server would have said.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SelectorError {
    kind: ErrorKind,
    message: String,
}

impl SelectorError {
    /// The full message, as [`fmt::Display`] prints it.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// True for grammar errors of [`parse`] and [`parse_equality_map`]
    /// ("found ',', expected: ..."), false for validation errors (a bad key,
    /// value, operator or value count).
    pub fn is_syntax_error(&self) -> bool {
        self.kind == ErrorKind::Syntax
    }
}

impl fmt::Display for SelectorError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.message)
    }
}

impl std::error::Error for SelectorError {}

/// Parses kubectl's `-l` syntax (`labels.Parse`, §1.4).
///
/// The grammar, the lexer's quirks (`in`/`notin` are identifiers in value
/// position, `()` is the set `{""}`, a NUL byte ends the input) and the error
/// messages follow apimachinery exactly. The result is sorted by key. Never
/// panics, whatever the input.
pub fn parse(input: &str) -> Result<Selector, SelectorError> {
    let mut parser = Parser::new(input);
    let requirements = parser.parse_selector()?;
    Ok(Selector::from_requirements(requirements))
}

/// `ConvertSelectorToLabelsMap`: parses `k=v,k=v` where nothing but equality
/// is allowed. Terms are split on `,` then `=`, and keys and values are
/// trimmed of whitespace and validated. A later duplicate key wins, as in Go.
/// The empty string gives an empty map.
pub fn parse_equality_map(input: &str) -> Result<Labels, SelectorError> {
    let mut labels = Labels::new();
    if input.is_empty() {
        return Ok(labels);
    }
    for term in input.split(',') {
        let parts: Vec<&str> = term.split('=').collect();
        let [raw_key, raw_value] = parts.as_slice() else {
            // Go formats the []string with %s: "[a b]".
            return Err(SelectorError::new(
                ErrorKind::Syntax,
                format!("invalid selector: [{}]", parts.join(" ")),
            ));
        };
        let key = raw_key.trim();
        let key_problems = label_key_problems(key);
        if !key_problems.is_empty() {
            // Go passes a nil field path here, which prints as "<nil>".
            return Err(SelectorError::new(
                ErrorKind::InvalidLabel,
                field_invalid("<nil>", &go_quote(key), &key_problems.join("; ")),
            ));
        }
        let value = raw_value.trim();
        let value_problems = label_value_problems(value);
        if !value_problems.is_empty() {
            return Err(SelectorError::new(
                ErrorKind::InvalidLabel,
                field_invalid(
                    &format!("[{key}]"),
                    &go_quote(value),
                    &value_problems.join("; "),
                ),
            ));
        }
        labels.insert(key.to_string(), value.to_string());
    }
    Ok(labels)
}

/// `IsLabelKey` / `IsQualifiedName`: `[prefix/]name`, where the prefix is a
/// lowercase DNS-1123 subdomain of at most 253 bytes and the name is at most
/// 63 bytes of `[-A-Za-z0-9_.]` starting and ending alphanumeric. The error
/// joins apimachinery's messages with `"; "`.
pub fn is_label_key(key: &str) -> Result<(), String> {
    let problems = label_key_problems(key);
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("; "))
    }
}

/// `IsValidLabelValue`: empty, or at most 63 bytes with the same pattern as
/// a key's name part. The error joins apimachinery's messages
/// with `"; "`.
pub fn is_label_value(value: &str) -> Result<(), String> {
    let problems = label_value_problems(value);
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("; "))
    }
}

/// `LabelSelectorAsSelector` for a present selector, after the checks of
/// `ValidateLabelSelector` (§1.3).
///
/// `matchLabels` entries become `=` requirements and `matchExpressions` are
/// mapped to `in`, `notin`, `exists` and `!`; everything is ANDed and sorted
/// by key. Both parts empty (`{}`) gives [`Selector::everything`]. Every
/// problem is returned, not just the first, each with its field path
/// relative to the selector (`matchExpressions[0].values: ...`). An operator
/// other than the four above is an error.
pub fn label_selector_from_parts(
    match_labels: &Labels,
    match_expressions: &[MatchExpression],
) -> Result<Selector, Vec<SelectorError>> {
    let mut problems = Vec::new();
    for (key, value) in match_labels {
        for detail in label_key_problems(key) {
            problems.push(field_invalid("matchLabels", &go_quote(key), &detail));
        }
        for detail in label_value_problems(value) {
            problems.push(field_invalid("matchLabels", &go_quote(value), &detail));
        }
    }
    let mut operators = Vec::with_capacity(match_expressions.len());
    for (index, match_expression) in match_expressions.iter().enumerate() {
        let path = format!("matchExpressions[{index}]");
        let operator = match match_expression.operator.as_str() {
            "In" => Some(Operator::In),
            "NotIn" => Some(Operator::NotIn),
            "Exists" => Some(Operator::Exists),
            "DoesNotExist" => Some(Operator::DoesNotExist),
            _ => None,
        };
        match operator {
            Some(Operator::In | Operator::NotIn) if match_expression.values.is_empty() => {
                problems.push(format!(
                    "{path}.values: Required value: must be specified when `operator` is 'In' or 'NotIn'"
                ));
            }
            Some(Operator::Exists | Operator::DoesNotExist)
                if !match_expression.values.is_empty() =>
            {
                problems.push(format!(
                    "{path}.values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'"
                ));
            }
            Some(_) => {}
            None => problems.push(field_invalid(
                &format!("{path}.operator"),
                &go_quote(&match_expression.operator),
                "not a valid selector operator",
            )),
        }
        for detail in label_key_problems(&match_expression.key) {
            problems.push(field_invalid(
                &format!("{path}.key"),
                &go_quote(&match_expression.key),
                &detail,
            ));
        }
        for (value_index, value) in match_expression.values.iter().enumerate() {
            for detail in label_value_problems(value) {
                problems.push(field_invalid(
                    &format!("{path}.values[{value_index}]"),
                    &go_quote(value),
                    &detail,
                ));
            }
        }
        operators.push(operator);
    }
    if !problems.is_empty() {
        return Err(problems
            .into_iter()
            .map(|message| SelectorError::new(ErrorKind::InvalidLabelSelector, message))
            .collect());
    }

    // Validation passed, so NewRequirement cannot fail below; its errors are
    // still collected rather than unwrapped so that no input can panic.
    let mut requirements = Vec::with_capacity(match_labels.len() + match_expressions.len());
    let mut construction_errors = Vec::new();
    for (key, value) in match_labels {
        match Requirement::new(key.as_str(), Operator::Equals, [value.as_str()]) {
            Ok(requirement) => requirements.push(requirement),
            Err(error) => construction_errors.push(error),
        }
    }
    for (match_expression, operator) in match_expressions.iter().zip(operators) {
        let Some(operator) = operator else { continue };
        match Requirement::new(
            match_expression.key.as_str(),
            operator,
            match_expression.values.iter().map(String::as_str),
        ) {
            Ok(requirement) => requirements.push(requirement),
            Err(error) => construction_errors.push(error),
        }
    }
    if !construction_errors.is_empty() {
        return Err(construction_errors);
    }
    Ok(Selector::from_requirements(requirements))
}

/// The Service selector test (`SelectorFromSet(...).Matches`, §1.2): every
/// key of `selector` is in `labels` with the same value; extra labels do not
/// matter. The empty map matches everything here (§1.5 vector 24). That is
/// the set semantics; the Service-level rule that an empty or absent
/// selector manages *no* endpoints is the caller's, see [`ServiceSelector`].
/// Does not allocate.
pub fn map_matches(selector: &Labels, labels: &Labels) -> bool {
    selector
        .iter()
        .all(|(key, value)| labels.get(key.as_str()) == Some(value))
}

/// `Set.String()`: `key=value` pairs sorted by key, joined by `,`.
pub fn labels_to_string(labels: &Labels) -> String {
    let mut text = String::new();
    for (index, (key, value)) in labels.iter().enumerate() {
        if index > 0 {
            text.push(',');
        }
        text.push_str(key);
        text.push('=');
        text.push_str(value);
    }
    text
}

// ---------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ErrorKind {
    /// The input is outside the grammar of `parse` or `parse_equality_map`.
    Syntax,
    /// A `NewRequirement` rule failed (key, value, value count, integer).
    InvalidRequirement,
    /// A single label key or value failed validation.
    InvalidLabel,
    /// `ValidateLabelSelector` found a problem in matchLabels/matchExpressions.
    InvalidLabelSelector,
}

impl SelectorError {
    fn new(kind: ErrorKind, message: String) -> SelectorError {
        SelectorError { kind, message }
    }

    /// Errors raised inside one requirement are prefixed by the top-level
    /// parse loop, as `Parser.parse` does with `fmt.Errorf`.
    fn inside_requirement(self) -> SelectorError {
        SelectorError {
            kind: self.kind,
            message: format!("unable to parse requirement: {}", self.message),
        }
    }
}

/// `ByKey` sorted with `sort.Sort`: Go's unstable sort, comparing keys only
/// (`internalSelector.Less` is `a[i].key < a[j].key`, a byte-wise comparison,
/// as Rust's `str` ordering is).
fn sort_requirements_by_key(requirements: &mut [Requirement]) {
    sort_like_go(requirements, |left, right| left.key < right.key);
}

/// `field.Invalid(path, value, detail).Error()`.
fn field_invalid(path: &str, quoted_value: &str, detail: &str) -> String {
    format!("{path}: Invalid value: {quoted_value}: {detail}")
}

/// `utilerrors.NewAggregate(...).Error()`: one message alone, several in
/// brackets, duplicates dropped.
fn aggregate_messages(messages: &[String]) -> String {
    let mut distinct: Vec<&str> = Vec::with_capacity(messages.len());
    for message in messages {
        if !distinct.contains(&message.as_str()) {
            distinct.push(message);
        }
    }
    if distinct.len() == 1 {
        distinct[0].to_string()
    } else {
        format!("[{}]", distinct.join(", "))
    }
}

/// `NewRequirement`'s checks, each problem as its own field error.
fn requirement_problems(key: &str, operator: Operator, values: &[String]) -> Vec<String> {
    let mut problems = Vec::new();
    let key_problems = label_key_problems(key);
    if !key_problems.is_empty() {
        problems.push(field_invalid(
            "key",
            &go_quote(key),
            &key_problems.join("; "),
        ));
    }
    let count_problem = match operator {
        Operator::In | Operator::NotIn if values.is_empty() => {
            Some("for 'in', 'notin' operators, values set can't be empty")
        }
        Operator::Equals | Operator::DoubleEquals | Operator::NotEquals if values.len() != 1 => {
            Some("exact-match compatibility requires one single value")
        }
        Operator::Exists | Operator::DoesNotExist if !values.is_empty() => {
            Some("values set must be empty for exists and does not exist")
        }
        Operator::GreaterThan | Operator::LessThan if values.len() != 1 => {
            Some("for 'Gt', 'Lt' operators, exactly one value is required")
        }
        _ => None,
    };
    if let Some(detail) = count_problem {
        // A field error prints a bad value that is not a string or a number as
        // JSON (`json.Marshal`), so the whole list reads `["a","b"]`.
        problems.push(field_invalid("values", &go_json_strings(values), detail));
    }
    if matches!(operator, Operator::GreaterThan | Operator::LessThan) {
        for (index, value) in values.iter().enumerate() {
            if value.parse::<i64>().is_err() {
                problems.push(field_invalid(
                    &format!("values[{index}]"),
                    &go_quote(value),
                    "for 'Gt', 'Lt' operators, the value must be an integer",
                ));
            }
        }
    }
    for (index, value) in values.iter().enumerate() {
        let value_problems = label_value_problems(value);
        if !value_problems.is_empty() {
            problems.push(field_invalid(
                &format!("values[{index}][{key}]"),
                &go_quote(value),
                &value_problems.join("; "),
            ));
        }
    }
    problems
}

// ---------------------------------------------------------------------------
// Lexer and parser (`Lexer`, `Parser` in pkg/labels/selector.go)
// ---------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum TokenKind {
    /// Go's `ErrorToken`. The symbol scanner cannot actually produce it
    /// (every special character is a token on its own); it exists so that
    /// an impossible state is a parse error rather than a panic.
    Error,
    EndOfString,
    ClosedParenthesis,
    Comma,
    DoesNotExist,
    DoubleEquals,
    Equals,
    GreaterThan,
    Identifier,
    In,
    LessThan,
    NotEquals,
    NotIn,
    OpenParenthesis,
}

#[derive(Clone, Copy, Debug)]
struct Token<'input> {
    kind: TokenKind,
    literal: &'input str,
}

const END_OF_STRING: Token<'static> = Token {
    kind: TokenKind::EndOfString,
    literal: "",
};

/// Whether `in` and `notin` are keywords (after a key) or plain identifiers
/// (everywhere else, so `notin=in` and `x in (in)` work).
#[derive(Clone, Copy, PartialEq, Eq)]
enum ParserContext {
    KeyAndOperator,
    Values,
}

/// The operators a key may be followed by, for the "expected:" message.
const BINARY_OPERATORS: &str = "in, notin, =, ==, !=, gt, lt";

fn is_whitespace(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\r' | b'\n')
}

fn is_special_symbol(byte: u8) -> bool {
    matches!(byte, b'=' | b'!' | b'(' | b')' | b',' | b'>' | b'<')
}

fn symbol_token_kind(symbol: &[u8]) -> Option<TokenKind> {
    match symbol {
        b")" => Some(TokenKind::ClosedParenthesis),
        b"," => Some(TokenKind::Comma),
        b"!" => Some(TokenKind::DoesNotExist),
        b"==" => Some(TokenKind::DoubleEquals),
        b"=" => Some(TokenKind::Equals),
        b">" => Some(TokenKind::GreaterThan),
        b"<" => Some(TokenKind::LessThan),
        b"!=" => Some(TokenKind::NotEquals),
        b"(" => Some(TokenKind::OpenParenthesis),
        _ => None,
    }
}

/// A byte lexer, like Go's. Every token boundary is an ASCII byte, so the
/// literals it slices out of the input are valid UTF-8.
struct Lexer<'input> {
    input: &'input str,
    position: usize,
}

impl<'input> Lexer<'input> {
    /// Go's `read`: the next byte, or 0 at the end. A NUL byte in the input
    /// also reads as 0, which is why NUL ends an identifier and, at the start
    /// of a token, the whole input.
    fn read(&mut self) -> u8 {
        match self.input.as_bytes().get(self.position) {
            Some(&byte) => {
                self.position += 1;
                byte
            }
            None => 0,
        }
    }

    fn unread(&mut self) {
        self.position = self.position.saturating_sub(1);
    }

    fn lex(&mut self) -> Token<'input> {
        let mut byte = self.read();
        while is_whitespace(byte) {
            byte = self.read();
        }
        if byte == 0 {
            return END_OF_STRING;
        }
        self.unread();
        if is_special_symbol(byte) {
            self.scan_special_symbol()
        } else {
            self.scan_identifier_or_keyword()
        }
    }

    fn scan_identifier_or_keyword(&mut self) -> Token<'input> {
        let start = self.position;
        let end = loop {
            let before = self.position;
            let byte = self.read();
            if byte == 0 {
                break before;
            }
            if is_special_symbol(byte) || is_whitespace(byte) {
                self.unread();
                break before;
            }
        };
        let literal = &self.input[start..end];
        let kind = match literal {
            "in" => TokenKind::In,
            "notin" => TokenKind::NotIn,
            _ => TokenKind::Identifier,
        };
        Token { kind, literal }
    }

    /// The longest symbol that is a token: `!=` and `==` are the only
    /// two-byte ones.
    fn scan_special_symbol(&mut self) -> Token<'input> {
        let start = self.position;
        let mut longest: Option<Token<'input>> = None;
        loop {
            let before = self.position;
            let byte = self.read();
            if byte == 0 {
                break;
            }
            if !is_special_symbol(byte) {
                self.unread();
                break;
            }
            let candidate = &self.input[start..before + 1];
            if let Some(kind) = symbol_token_kind(candidate.as_bytes()) {
                longest = Some(Token {
                    kind,
                    literal: candidate,
                });
            } else if longest.is_some() {
                self.unread();
                break;
            }
        }
        longest.unwrap_or(Token {
            kind: TokenKind::Error,
            literal: &self.input[start..self.position],
        })
    }
}

struct Parser<'input> {
    tokens: Vec<Token<'input>>,
    position: usize,
}

impl<'input> Parser<'input> {
    /// Scans the whole input up front, up to the first end-of-string token.
    fn new(input: &'input str) -> Parser<'input> {
        let mut lexer = Lexer { input, position: 0 };
        let mut tokens = Vec::new();
        loop {
            let token = lexer.lex();
            tokens.push(token);
            if token.kind == TokenKind::EndOfString {
                break;
            }
        }
        Parser {
            tokens,
            position: 0,
        }
    }

    fn in_context(token: Token<'input>, context: ParserContext) -> Token<'input> {
        match token.kind {
            TokenKind::In | TokenKind::NotIn if context == ParserContext::Values => Token {
                kind: TokenKind::Identifier,
                literal: token.literal,
            },
            _ => token,
        }
    }

    fn lookahead(&self, context: ParserContext) -> Token<'input> {
        // Go indexes without a check; the grammar never reads past the final
        // end-of-string token, and past it we keep answering end-of-string.
        let token = self
            .tokens
            .get(self.position)
            .copied()
            .unwrap_or(END_OF_STRING);
        Parser::in_context(token, context)
    }

    fn consume(&mut self, context: ParserContext) -> Token<'input> {
        let token = self.lookahead(context);
        if self.position < self.tokens.len() {
            self.position += 1;
        }
        token
    }

    /// `Parser.parse`: requirements separated by commas.
    fn parse_selector(&mut self) -> Result<Vec<Requirement>, SelectorError> {
        let mut requirements = Vec::new();
        loop {
            let token = self.lookahead(ParserContext::Values);
            match token.kind {
                TokenKind::Identifier | TokenKind::DoesNotExist => {
                    let requirement = self
                        .parse_requirement()
                        .map_err(SelectorError::inside_requirement)?;
                    requirements.push(requirement);
                    let separator = self.consume(ParserContext::Values);
                    match separator.kind {
                        TokenKind::EndOfString => return Ok(requirements),
                        TokenKind::Comma => {
                            let next = self.lookahead(ParserContext::Values);
                            if !matches!(next.kind, TokenKind::Identifier | TokenKind::DoesNotExist)
                            {
                                return Err(syntax_error(format!(
                                    "found '{}', expected: identifier after ','",
                                    next.literal
                                )));
                            }
                        }
                        _ => {
                            return Err(syntax_error(format!(
                                "found '{}', expected: ',' or 'end of string'",
                                separator.literal
                            )));
                        }
                    }
                }
                TokenKind::EndOfString => return Ok(requirements),
                _ => {
                    return Err(syntax_error(format!(
                        "found '{}', expected: !, identifier, or 'end of string'",
                        token.literal
                    )));
                }
            }
        }
    }

    fn parse_requirement(&mut self) -> Result<Requirement, SelectorError> {
        let (key, inferred_operator) = self.parse_key_and_infer_operator()?;
        if let Some(operator) = inferred_operator {
            return Requirement::new(key, operator, std::iter::empty::<String>());
        }
        let operator = self.parse_operator()?;
        let values = match operator {
            Operator::In | Operator::NotIn => self.parse_values()?,
            _ => self.parse_exact_value()?,
        };
        Requirement::new(key, operator, values)
    }

    /// Reads `[!] KEY`. The operator is known here only for `!key` and for a
    /// bare key followed by `,` or the end (Exists).
    fn parse_key_and_infer_operator(
        &mut self,
    ) -> Result<(&'input str, Option<Operator>), SelectorError> {
        let mut operator = None;
        let mut token = self.consume(ParserContext::Values);
        if token.kind == TokenKind::DoesNotExist {
            operator = Some(Operator::DoesNotExist);
            token = self.consume(ParserContext::Values);
        }
        if token.kind != TokenKind::Identifier {
            return Err(syntax_error(format!(
                "found '{}', expected: identifier",
                token.literal
            )));
        }
        let key_problems = label_key_problems(token.literal);
        if !key_problems.is_empty() {
            // The parser passes its nil field path, which Go prints as "<nil>".
            return Err(SelectorError::new(
                ErrorKind::InvalidRequirement,
                field_invalid("<nil>", &go_quote(token.literal), &key_problems.join("; ")),
            ));
        }
        let next = self.lookahead(ParserContext::Values);
        if matches!(next.kind, TokenKind::EndOfString | TokenKind::Comma) && operator.is_none() {
            operator = Some(Operator::Exists);
        }
        Ok((token.literal, operator))
    }

    fn parse_operator(&mut self) -> Result<Operator, SelectorError> {
        let token = self.consume(ParserContext::KeyAndOperator);
        match token.kind {
            TokenKind::In => Ok(Operator::In),
            TokenKind::Equals => Ok(Operator::Equals),
            TokenKind::DoubleEquals => Ok(Operator::DoubleEquals),
            TokenKind::GreaterThan => Ok(Operator::GreaterThan),
            TokenKind::LessThan => Ok(Operator::LessThan),
            TokenKind::NotIn => Ok(Operator::NotIn),
            TokenKind::NotEquals => Ok(Operator::NotEquals),
            _ => Err(syntax_error(format!(
                "found '{}', expected: {BINARY_OPERATORS}",
                token.literal
            ))),
        }
    }

    /// `( VALUE {, VALUE} )` after `in`/`notin`.
    fn parse_values(&mut self) -> Result<BTreeSet<String>, SelectorError> {
        let token = self.consume(ParserContext::Values);
        if token.kind != TokenKind::OpenParenthesis {
            return Err(syntax_error(format!(
                "found '{}' expected: '('",
                token.literal
            )));
        }
        let first = self.lookahead(ParserContext::Values);
        match first.kind {
            TokenKind::Identifier | TokenKind::Comma => {
                let values = self.parse_identifiers_list()?;
                let closing = self.consume(ParserContext::Values);
                if closing.kind != TokenKind::ClosedParenthesis {
                    // Go reports the token after '(' here, not the one found.
                    return Err(syntax_error(format!(
                        "found '{}', expected: ')'",
                        first.literal
                    )));
                }
                Ok(values)
            }
            TokenKind::ClosedParenthesis => {
                self.consume(ParserContext::Values);
                Ok(std::iter::once(String::new()).collect_set())
            }
            _ => Err(syntax_error(format!(
                "found '{}', expected: ',', ')' or identifier",
                first.literal
            ))),
        }
    }

    /// A comma-separated list in which any item may be empty: `(,a)`,
    /// `(a,)` and `(a,,b)` all contain `""`. Stops before the `)`.
    ///
    /// Older apimachinery consumed the second comma of `,,`, which made
    /// `(a,,)` an error; current apimachinery (and its test vectors `x in
    /// (a,,)`) does not, and neither does this.
    fn parse_identifiers_list(&mut self) -> Result<BTreeSet<String>, SelectorError> {
        let mut values = BTreeSet::new();
        loop {
            let token = self.consume(ParserContext::Values);
            match token.kind {
                TokenKind::Identifier => {
                    values.insert(token.literal.to_string());
                    let next = self.lookahead(ParserContext::Values);
                    match next.kind {
                        TokenKind::Comma => continue,
                        TokenKind::ClosedParenthesis => return Ok(values),
                        _ => {
                            return Err(syntax_error(format!(
                                "found '{}', expected: ',' or ')'",
                                next.literal
                            )));
                        }
                    }
                }
                TokenKind::Comma => {
                    if values.is_empty() {
                        // A leading comma: "(,a)".
                        values.insert(String::new());
                    }
                    let next = self.lookahead(ParserContext::Values);
                    match next.kind {
                        TokenKind::ClosedParenthesis => {
                            // A trailing comma: "(a,)".
                            values.insert(String::new());
                            return Ok(values);
                        }
                        TokenKind::Comma => {
                            // A doubled comma: "(a,,b)".
                            values.insert(String::new());
                        }
                        _ => {}
                    }
                }
                _ => {
                    return Err(syntax_error(format!(
                        "found '{}', expected: ',', or identifier",
                        token.literal
                    )));
                }
            }
        }
    }

    /// The value after `=`, `==`, `!=`, `>` or `<`; nothing before `,` or the
    /// end means the empty value.
    fn parse_exact_value(&mut self) -> Result<BTreeSet<String>, SelectorError> {
        let next = self.lookahead(ParserContext::Values);
        if matches!(next.kind, TokenKind::EndOfString | TokenKind::Comma) {
            return Ok(std::iter::once(String::new()).collect_set());
        }
        let token = self.consume(ParserContext::Values);
        if token.kind == TokenKind::Identifier {
            return Ok(std::iter::once(token.literal.to_string()).collect_set());
        }
        Err(syntax_error(format!(
            "found '{}', expected: identifier",
            token.literal
        )))
    }
}

fn syntax_error(message: String) -> SelectorError {
    SelectorError::new(ErrorKind::Syntax, message)
}
