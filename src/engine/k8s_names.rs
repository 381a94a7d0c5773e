//! Kubernetes' syntax checks for names, label keys and label values, with
//! apimachinery's exact messages (§1.1, §2).
//!
//! Each `*_problems` function returns what the Go function of the same rule
//! returns: an empty list when the text is valid, otherwise one message per
//! problem, in Go's order. Callers join them (`"; "` for a field error) or
//! embed them in a diagnostic. Lengths are counted in bytes, as Go's `len`
//! counts a string, and the messages say so ("must be no more than 63
//! bytes", apimachinery 1.35 and later).
//!
//! Sources: apimachinery `pkg/api/validate/content` (`IsLabelKey`,
//! `IsLabelValue`, `IsDNS1123Label`, `IsDNS1123Subdomain`, `MaxLenError`,
//! `RegexError`) and `pkg/util/validation` (`IsDNS1035Label`,
//! `IsValidPortName`).

/// `DNS1123LabelMaxLength`.
pub const DNS1123_LABEL_MAX_LENGTH: usize = 63;
/// `DNS1123SubdomainMaxLength`.
pub const DNS1123_SUBDOMAIN_MAX_LENGTH: usize = 253;
/// `DNS1035LabelMaxLength`.
pub const DNS1035_LABEL_MAX_LENGTH: usize = 63;
/// The longest name part of a label key.
pub const LABEL_NAME_MAX_LENGTH: usize = 63;
/// `LabelValueMaxLength`.
pub const LABEL_VALUE_MAX_LENGTH: usize = 63;
/// The longest IANA service name (RFC 6335), which a named port is.
pub const PORT_NAME_MAX_LENGTH: usize = 15;

const DNS1123_LABEL_FORMAT: &str = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
const DNS1123_LABEL_MESSAGE: &str = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character";
const DNS1123_SUBDOMAIN_FORMAT: &str =
    "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*";
const DNS1123_SUBDOMAIN_MESSAGE: &str = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
const DNS1035_LABEL_FORMAT: &str = "[a-z]([-a-z0-9]*[a-z0-9])?";
const DNS1035_LABEL_MESSAGE: &str = "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character";
const LABEL_KEY_FORMAT: &str = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
const LABEL_KEY_MESSAGE: &str = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const LABEL_VALUE_FORMAT: &str = "(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?";
const LABEL_VALUE_MESSAGE: &str = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";

/// `IsDNS1123Label`: at most 63 bytes of `[a-z0-9]([-a-z0-9]*[a-z0-9])?`. A
/// text that would be a valid subdomain fails only because of its dots, and
/// Go says exactly that instead of quoting the pattern.
pub fn dns1123_label_problems(text: &str) -> Vec<String> {
    let mut problems = Vec::new();
    if text.len() > DNS1123_LABEL_MAX_LENGTH {
        problems.push(max_length_error(DNS1123_LABEL_MAX_LENGTH));
    }
    if !has_dns1123_label_shape(text) {
        if has_dns1123_subdomain_shape(text) {
            problems.push("must not contain dots".to_string());
        } else {
            problems.push(regex_error(
                DNS1123_LABEL_MESSAGE,
                DNS1123_LABEL_FORMAT,
                &["my-name", "123-abc"],
            ));
        }
    }
    problems
}

/// `IsDNS1123Subdomain`: at most 253 bytes of dot-separated DNS-1123 labels.
/// Like Go it checks the total length and the pattern, not the 63-byte limit
/// of each label.
pub fn dns1123_subdomain_problems(text: &str) -> Vec<String> {
    let mut problems = Vec::new();
    if text.len() > DNS1123_SUBDOMAIN_MAX_LENGTH {
        problems.push(max_length_error(DNS1123_SUBDOMAIN_MAX_LENGTH));
    }
    if !has_dns1123_subdomain_shape(text) {
        problems.push(regex_error(
            DNS1123_SUBDOMAIN_MESSAGE,
            DNS1123_SUBDOMAIN_FORMAT,
            &["example.com"],
        ));
    }
    problems
}

/// `IsDNS1035Label`: a DNS-1123 label that starts with a letter, at most 63
/// bytes. Service names must be one.
pub fn dns1035_label_problems(text: &str) -> Vec<String> {
    let mut problems = Vec::new();
    if text.len() > DNS1035_LABEL_MAX_LENGTH {
        problems.push(max_length_error(DNS1035_LABEL_MAX_LENGTH));
    }
    let starts_with_letter = text.as_bytes().first().is_some_and(u8::is_ascii_lowercase);
    if !has_dns1123_label_shape(text) || !starts_with_letter {
        problems.push(regex_error(
            DNS1035_LABEL_MESSAGE,
            DNS1035_LABEL_FORMAT,
            &["my-name", "abc-123"],
        ));
    }
    problems
}

/// `IsValidPortName` (an IANA_SVC_NAME): at most 15 bytes of `[-a-z0-9]`, at
/// least one letter, no `--`, no leading or trailing `-`. Every rule that
/// fails adds its own message.
pub fn port_name_problems(text: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let bytes = text.as_bytes();
    if bytes.len() > PORT_NAME_MAX_LENGTH {
        problems.push(max_length_error(PORT_NAME_MAX_LENGTH));
    }
    let is_port_name_byte =
        |byte: &u8| byte.is_ascii_lowercase() || byte.is_ascii_digit() || *byte == b'-';
    if bytes.is_empty() || !bytes.iter().all(is_port_name_byte) {
        problems.push(
            "must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)".to_string(),
        );
    }
    if !bytes.iter().any(u8::is_ascii_lowercase) {
        problems.push("must contain at least one letter (a-z)".to_string());
    }
    if text.contains("--") {
        problems.push("must not contain consecutive hyphens".to_string());
    }
    if bytes.first() == Some(&b'-') || bytes.last() == Some(&b'-') {
        problems.push("must not begin or end with a hyphen".to_string());
    }
    problems
}

/// `IsLabelKey` (formerly `IsQualifiedName`): `[prefix/]name`, where the
/// prefix is a DNS-1123 subdomain and the name is at most 63 bytes of
/// `[-A-Za-z0-9_.]` that starts and ends alphanumeric. More than one `/` is a
/// single problem that describes the whole format.
pub fn label_key_problems(key: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let name = match key.split_once('/') {
        None => key,
        Some((_, suffix)) if suffix.contains('/') => {
            problems.push(format!(
                "a valid label key {} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
                regex_error(LABEL_KEY_MESSAGE, LABEL_KEY_FORMAT, &["MyName", "my.name", "123-abc"])
            ));
            return problems;
        }
        Some((prefix, suffix)) => {
            if prefix.is_empty() {
                problems.push("prefix part must be non-empty".to_string());
            } else {
                for problem in dns1123_subdomain_problems(prefix) {
                    problems.push(format!("prefix part {problem}"));
                }
            }
            suffix
        }
    };
    if name.is_empty() {
        problems.push("name part must be non-empty".to_string());
    } else if name.len() > LABEL_NAME_MAX_LENGTH {
        problems.push(format!(
            "name part {}",
            max_length_error(LABEL_NAME_MAX_LENGTH)
        ));
    }
    if !is_label_name(name) {
        problems.push(format!(
            "name part {}",
            regex_error(
                LABEL_KEY_MESSAGE,
                LABEL_KEY_FORMAT,
                &["MyName", "my.name", "123-abc"]
            )
        ));
    }
    problems
}

/// `IsLabelValue`: empty, or at most 63 bytes with the pattern of a key's
/// name part.
pub fn label_value_problems(value: &str) -> Vec<String> {
    let mut problems = Vec::new();
    if value.len() > LABEL_VALUE_MAX_LENGTH {
        problems.push(max_length_error(LABEL_VALUE_MAX_LENGTH));
    }
    if !value.is_empty() && !is_label_name(value) {
        problems.push(regex_error(
            LABEL_VALUE_MESSAGE,
            LABEL_VALUE_FORMAT,
            &["MyValue", "my_value", "12345"],
        ));
    }
    problems
}

/// `MaxLenError`. The limit is in bytes: a 40-character value of two-byte
/// characters is 80 bytes and too long.
pub fn max_length_error(max_length: usize) -> String {
    format!("must be no more than {max_length} bytes")
}

/// `RegexError`: the message, then the examples and the pattern in
/// parentheses. Each example is followed by `", "`, and the next by `" or "`,
/// which is where Go's double space before "or" comes from.
pub fn regex_error(message: &str, format: &str, examples: &[&str]) -> String {
    let mut text = message.to_string();
    if examples.is_empty() {
        text.push_str(" (regex used for validation is '");
        text.push_str(format);
        text.push_str("')");
        return text;
    }
    text.push_str(" (e.g. ");
    for (index, example) in examples.iter().enumerate() {
        if index > 0 {
            text.push_str(" or ");
        }
        text.push('\'');
        text.push_str(example);
        text.push_str("', ");
    }
    text.push_str("regex used for validation is '");
    text.push_str(format);
    text.push_str("')");
    text
}

/// `[a-z0-9]([-a-z0-9]*[a-z0-9])?`, anchored, without the length limit.
fn has_dns1123_label_shape(text: &str) -> bool {
    let bytes = text.as_bytes();
    let is_lower_alphanumeric = |byte: &u8| byte.is_ascii_lowercase() || byte.is_ascii_digit();
    match (bytes.first(), bytes.last()) {
        (Some(first), Some(last)) => {
            is_lower_alphanumeric(first)
                && is_lower_alphanumeric(last)
                && bytes
                    .iter()
                    .all(|byte| is_lower_alphanumeric(byte) || *byte == b'-')
        }
        _ => false,
    }
}

/// Dot-separated DNS-1123 labels, anchored, without the length limit.
fn has_dns1123_subdomain_shape(text: &str) -> bool {
    text.split('.').all(has_dns1123_label_shape)
}

/// `([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]`, anchored.
fn is_label_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    match (bytes.first(), bytes.last()) {
        (Some(first), Some(last)) => {
            first.is_ascii_alphanumeric()
                && last.is_ascii_alphanumeric()
                && bytes
                    .iter()
                    .all(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.'))
        }
        _ => false,
    }
}
