//! How a link asks the app to show its input: `?view=` and `?traffic=`.
//!
//! Documentation embeds (`public/kubetopo-embed.js`) turn a fence's `data-view` and
//! `data-traffic` attributes into these query parameters. The parsing is plain Rust,
//! compiled on every target, so that the native tests pin every value a link may
//! carry; the web shell (`web::launch`) only applies the result.
//!
//! A value the app does not know is never ignored in silence: it becomes an
//! [`OptionError`] the app shows, and the option keeps its default.

use std::fmt;

/// What the main area shows first: one of the two graph views, or the table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ViewOption {
    Cluster,
    Logical,
    Table,
}

/// Whether the traffic animation runs when the page opens.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TrafficOption {
    On,
    Off,
}

/// The display options of a link; `None` keeps the app's default (the cluster
/// view, traffic running).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DisplayOptions {
    pub view: Option<ViewOption>,
    pub traffic: Option<TrafficOption>,
}

/// A display option whose value the app does not know.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OptionError {
    parameter: &'static str,
    value: String,
    expected: &'static str,
}

impl OptionError {
    /// The query parameter, such as `view`.
    pub fn parameter(&self) -> &'static str {
        self.parameter
    }

    /// The value as the link wrote it.
    pub fn value(&self) -> &str {
        &self.value
    }
}

impl fmt::Display for OptionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "This link asks for {}={:?}, which kubetopo does not know; use {}.",
            self.parameter, self.value, self.expected
        )
    }
}

/// Reads `view` and `traffic` from decoded query parameters, in the order the
/// link gives them. The first occurrence of a parameter counts, as with
/// `URLSearchParams.get`; other parameters are left to their own readers.
pub fn parse_display_options<'a>(
    params: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> (DisplayOptions, Vec<OptionError>) {
    let mut options = DisplayOptions::default();
    let mut errors = Vec::new();
    let mut view_seen = false;
    let mut traffic_seen = false;
    for (key, value) in params {
        match key {
            "view" if !view_seen => {
                view_seen = true;
                match parse_view(value) {
                    Some(view) => options.view = Some(view),
                    None => errors.push(OptionError {
                        parameter: "view",
                        value: value.to_string(),
                        expected: "cluster, logical or table",
                    }),
                }
            }
            "traffic" if !traffic_seen => {
                traffic_seen = true;
                match parse_traffic(value) {
                    Some(traffic) => options.traffic = Some(traffic),
                    None => errors.push(OptionError {
                        parameter: "traffic",
                        value: value.to_string(),
                        expected: "on or off",
                    }),
                }
            }
            _ => {}
        }
    }
    (options, errors)
}

/// `cluster`, `logical` or `table`, in any case, surrounding spaces ignored.
fn parse_view(value: &str) -> Option<ViewOption> {
    match value.trim().to_ascii_lowercase().as_str() {
        "cluster" => Some(ViewOption::Cluster),
        "logical" => Some(ViewOption::Logical),
        "table" => Some(ViewOption::Table),
        _ => None,
    }
}

/// The words `?embed` accepts: a bare `?traffic` or `on`, `1`, `true`, `yes` turn
/// it on; `off`, `0`, `false`, `no` turn it off.
fn parse_traffic(value: &str) -> Option<TrafficOption> {
    match value.trim().to_ascii_lowercase().as_str() {
        "" | "on" | "1" | "true" | "yes" => Some(TrafficOption::On),
        "off" | "0" | "false" | "no" => Some(TrafficOption::Off),
        _ => None,
    }
}
