//! The display options a link carries (`?view=`, `?traffic=`), which documentation
//! embeds set from a fence's `data-view` and `data-traffic` (issue #7). Every value
//! a link may hold has a known answer, and a value the app does not know is said
//! to the user, never ignored in silence.

use kubetopo::launch_options::{parse_display_options, DisplayOptions, TrafficOption, ViewOption};

/// Parses the query's parameters, already split and decoded, as the web shell does.
fn check(params: &[(&str, &str)]) -> (DisplayOptions, Vec<String>) {
    let (options, errors) = parse_display_options(params.iter().copied());
    (options, errors.iter().map(ToString::to_string).collect())
}

#[test]
fn views_by_name_in_any_case() {
    let cases = [
        ("cluster", ViewOption::Cluster),
        ("logical", ViewOption::Logical),
        ("table", ViewOption::Table),
        ("Logical", ViewOption::Logical),
        (" TABLE ", ViewOption::Table),
    ];
    for (value, expected) in cases {
        let (options, errors) = check(&[("embed", ""), ("view", value)]);
        assert_eq!(options.view, Some(expected), "view={value:?}");
        assert_eq!(options.traffic, None, "view={value:?}");
        assert!(errors.is_empty(), "view={value:?}: {errors:?}");
    }
}

#[test]
fn traffic_takes_the_words_embed_takes() {
    let cases = [
        ("", TrafficOption::On),
        ("on", TrafficOption::On),
        ("1", TrafficOption::On),
        ("true", TrafficOption::On),
        ("Yes", TrafficOption::On),
        ("off", TrafficOption::Off),
        ("OFF", TrafficOption::Off),
        ("0", TrafficOption::Off),
        ("false", TrafficOption::Off),
        ("no", TrafficOption::Off),
    ];
    for (value, expected) in cases {
        let (options, errors) = check(&[("traffic", value)]);
        assert_eq!(options.traffic, Some(expected), "traffic={value:?}");
        assert!(errors.is_empty(), "traffic={value:?}: {errors:?}");
    }
}

#[test]
fn no_options_keep_the_defaults() {
    let (options, errors) = check(&[("embed", ""), ("sample", "local-lb")]);
    assert_eq!(options, DisplayOptions::default());
    assert!(errors.is_empty());
}

#[test]
fn an_unknown_value_is_an_error_that_names_it_and_the_choices() {
    let (options, errors) = check(&[("view", "graph"), ("traffic", "sometimes")]);
    assert_eq!(options, DisplayOptions::default());
    assert_eq!(
        errors,
        [
            "This link asks for view=\"graph\", which kubetopo does not know; use cluster, logical or table.",
            "This link asks for traffic=\"sometimes\", which kubetopo does not know; use on or off.",
        ]
    );
}

#[test]
fn a_bad_option_leaves_the_good_one_alone() {
    let (options, errors) = check(&[("view", "logical"), ("traffic", "maybe")]);
    assert_eq!(options.view, Some(ViewOption::Logical));
    assert_eq!(options.traffic, None);
    let (_, parsed_errors) = parse_display_options([("view", "logical"), ("traffic", "maybe")]);
    assert_eq!(parsed_errors.len(), errors.len());
    assert_eq!(parsed_errors[0].parameter(), "traffic");
    assert_eq!(parsed_errors[0].value(), "maybe");
}

#[test]
fn the_first_occurrence_counts_as_with_url_search_params() {
    let (options, errors) = check(&[
        ("view", "table"),
        ("view", "nonsense"),
        ("traffic", "off"),
        ("traffic", "on"),
    ]);
    assert_eq!(options.view, Some(ViewOption::Table));
    assert_eq!(options.traffic, Some(TrafficOption::Off));
    assert!(errors.is_empty(), "{errors:?}");
}
