//! Share links (§12): the state and its JSON, the fragment around the compressed
//! bytes, malformed links and the size of a real one. miniz_oxide's raw DEFLATE
//! stands in for the browser's `CompressionStream("deflate-raw")`: both write and
//! read the same RFC 1951 stream.

use std::collections::BTreeSet;

use kubetopo::engine::gateway::model::RouteKind;
use kubetopo::engine::model::{ServiceType, SessionAffinity, TrafficDistribution, TrafficPolicy};
use kubetopo::engine::refs::NamespacedName;
use kubetopo::engine::scene::View;
use kubetopo::engine::share::{
    decode_base64, encode_base64url, parse_share_fragment, share_fragment, SharedFile, SharedState,
    SharedTab, SharedTraffic, SharedView, SharedViewport, MAX_JSON_BYTES, TARGET_LINK_BYTES,
};
use kubetopo::engine::whatif::Mutation;
use proptest::prelude::*;

/// The browser's default DEFLATE level (zlib's 6), which CompressionStream uses.
const BROWSER_LEVEL: u8 = 6;

/// The fragment a browser would write for `state`.
fn link_fragment(state: &SharedState) -> String {
    let json = state.to_json().expect("a shareable state");
    share_fragment(&miniz_oxide::deflate::compress_to_vec(&json, BROWSER_LEVEL))
}

/// Reads a fragment back as the web app does: parse, inflate (bounded), read.
fn open_link(fragment: &str) -> Result<SharedState, String> {
    let compressed = parse_share_fragment(fragment)
        .expect("a share fragment")
        .map_err(|e| e.to_string())?;
    let json = miniz_oxide::inflate::decompress_to_vec_with_limit(&compressed, MAX_JSON_BYTES)
        .map_err(|e| format!("inflate: {e:?}"))?;
    SharedState::from_json(&json).map_err(|e| e.to_string())
}

fn sample(name: &str) -> SharedFile {
    let path = format!("{}/samples/{name}", env!("CARGO_MANIFEST_DIR"));
    SharedFile {
        name: name.into(),
        text: std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}")),
    }
}

/// A view with every field set, as the e2e test sets it up.
fn busy_view() -> SharedView {
    SharedView {
        tab: SharedTab::Graph,
        picture: View::Logical,
        selection: Some("svc:default/frontend".into()),
        namespaces: BTreeSet::from(["default".to_string()]),
        hidden_kinds: BTreeSet::from(["dependency".to_string()]),
        search: "cart".into(),
        query: "app in (frontend,cartservice)".into(),
        viewport: Some(SharedViewport::from_scene(812.5, 403.25, 0.8)),
        edits: vec![Mutation::ScaleWorkload {
            namespace: "default".into(),
            name: "frontend".into(),
            replicas: 3,
        }],
        traffic: SharedTraffic::Paused,
    }
}

/// §12.2: Online Boutique with its NetworkPolicies and a full view fits in 8 KB,
/// as the whole URL of a GitHub Pages site.
#[test]
fn s12_2_boutique_link_fits_in_8_kb() {
    let state = SharedState {
        files: vec![
            sample("online-boutique.yaml"),
            sample("online-boutique-netpol.yaml"),
        ],
        view: busy_view(),
    };
    let url = format!(
        "https://example-org.github.io/kubetopo/#{}",
        link_fragment(&state)
    );
    assert!(
        url.len() <= TARGET_LINK_BYTES,
        "the boutique link is {} bytes",
        url.len()
    );
    assert_eq!(open_link(&url[url.find('#').unwrap()..]), Ok(state));
}

/// §12.1: the JSON of a state is pinned: a link made today must open in every later
/// build that reads format 1.
#[test]
fn s12_1_json_form_is_pinned() {
    let state = SharedState {
        files: vec![SharedFile {
            name: "web.yaml".into(),
            text: "kind: Service\n".into(),
        }],
        view: busy_view(),
    };
    let json = String::from_utf8(state.to_json().unwrap()).unwrap();
    assert_eq!(
        json,
        concat!(
            r#"{"files":[{"name":"web.yaml","text":"kind: Service\n"}],"#,
            r#""view":{"tab":"graph","picture":"logical","selection":"svc:default/frontend","#,
            r#""namespaces":["default"],"hiddenKinds":["dependency"],"search":"cart","#,
            r#""query":"app in (frontend,cartservice)","viewport":{"x":81250,"y":40325,"zoom":8000},"#,
            r#""edits":[{"op":"ScaleWorkload","namespace":"default","name":"frontend","replicas":3}],"#,
            r#""traffic":"paused"}}"#
        )
    );
}

/// §12.1 and §11.14: the Gateway API edits' wire form is pinned, and reads back.
#[test]
fn s12_1_gateway_edits_wire_form() {
    let edits = vec![
        Mutation::SetBackendWeight {
            kind: RouteKind::Http,
            namespace: "shop".into(),
            name: "storefront".into(),
            rule: 0,
            backend: 0,
            weight: 50,
        },
        Mutation::DetachRoute {
            kind: RouteKind::Http,
            namespace: "shop".into(),
            name: "storefront".into(),
            gateway: NamespacedName::new("shop", "web"),
        },
        Mutation::DeleteReferenceGrant {
            namespace: "payments".into(),
            name: "allow-shop-routes".into(),
        },
    ];
    let mut state = SharedState::with_files(vec![sample("gateway-canary.yaml")]);
    state.view.edits = edits.clone();
    let json = String::from_utf8(state.to_json().unwrap()).unwrap();
    for record in [
        r#"{"op":"SetBackendWeight","namespace":"shop","name":"storefront","value":"HTTPRoute","rule":0,"backend":0,"weight":50}"#,
        r#"{"op":"DetachRoute","namespace":"shop","name":"storefront","value":"HTTPRoute","gateway":"shop/web"}"#,
        r#"{"op":"DeleteReferenceGrant","namespace":"payments","name":"allow-shop-routes"}"#,
    ] {
        assert!(json.contains(record), "{record} not in {json}");
    }
    assert_eq!(open_link(&link_fragment(&state)).unwrap().view.edits, edits);
    // A missing field is an error naming it.
    let broken = br#"{"files":[],"view":{"edits":[{"op":"DetachRoute","namespace":"shop","name":"r","value":"HTTPRoute"}]}}"#;
    assert_eq!(
        SharedState::from_json(broken).unwrap_err().to_string(),
        "its content cannot be read: edit 1: DetachRoute needs \"gateway\""
    );
}

/// §12.1: a link written by an earlier build (this exact text) still opens.
#[test]
fn s12_1_a_format_1_link_keeps_opening() {
    let json = br#"{"files":[{"name":"a.yaml","text":"kind: Service\nmetadata: {name: a}\n"}],"view":{"picture":"logical","edits":[{"op":"KillPod","namespace":"default","name":"a-0"},{"op":"SetServiceType","namespace":"default","name":"a","value":"NodePort"},{"op":"DrainNode","name":"node-2"}],"traffic":"paused"}}"#;
    let compressed = miniz_oxide::deflate::compress_to_vec(json, BROWSER_LEVEL);
    let fragment = format!("#share=1.{}", encode_base64url(&compressed));
    let state = open_link(&fragment).unwrap();
    assert_eq!(state.files[0].name, "a.yaml");
    assert_eq!(state.view.picture, View::Logical);
    assert_eq!(
        state.view.tab,
        SharedTab::Graph,
        "absent fields take their default"
    );
    assert_eq!(state.view.viewport, None, "no viewport means fit");
    assert_eq!(
        state.view.edits,
        vec![
            Mutation::KillPod {
                namespace: "default".into(),
                name: "a-0".into()
            },
            Mutation::SetServiceType {
                namespace: "default".into(),
                name: "a".into(),
                service_type: ServiceType::NodePort
            },
            Mutation::DrainNode {
                name: "node-2".into()
            }
        ]
    );
    assert_eq!(state.view.traffic, SharedTraffic::Paused);
}

/// §12.1: files alone are a state; unknown fields (from a later minor change) are ignored.
#[test]
fn s12_1_defaults_and_unknown_fields() {
    let state =
        SharedState::from_json(br#"{"files":[{"name":"x.yaml","text":""}],"future":1}"#).unwrap();
    assert_eq!(state.view, SharedView::default());
    assert_eq!(state.view.traffic, SharedTraffic::Running);
}

/// §12.3: every malformed link names what is wrong.
#[test]
fn s12_3_malformed_links_say_what_is_wrong() {
    let deflated = |json: &[u8]| {
        format!(
            "share=1.{}",
            encode_base64url(&miniz_oxide::deflate::compress_to_vec(json, BROWSER_LEVEL))
        )
    };
    let cases: Vec<(&str, String, &str)> = vec![
        ("no version", "share=abc".into(), "does not start with a format version"),
        ("a word for a version", "share=x.AAAA".into(), "does not start with a format version"),
        ("newer format", "share=2.AAAA".into(), "made by a newer kubetopo (link format 2; this one reads format 1)"),
        ("not base64", "share=1.ab*c".into(), "not base64 (character '*' at position 3)"),
        ("empty payload", "share=1.".into(), "it is empty"),
        ("cut short", "share=1.AAAAA".into(), "its length is wrong: was it cut short?"),
        ("not UTF-8", deflated(&[0x7b, 0xff, 0xfe]), "not UTF-8 text (byte 1 is invalid)"),
        ("not JSON", deflated(b"<html>"), "its content cannot be read: expected value at line 1 column 1"),
        ("no files field", deflated(br#"{"view":{}}"#), "its content cannot be read: missing field `files`"),
        ("no files", deflated(br#"{"files":[]}"#), "it holds no files"),
        ("unknown tab", deflated(br#"{"files":[{"name":"a","text":""}],"view":{"tab":"chart"}}"#), r#"unknown tab "chart" (expected graph or table)"#),
        ("unknown picture", deflated(br#"{"files":[{"name":"a","text":""}],"view":{"picture":"Cluster!"}}"#), r#"unknown picture "Cluster!" (expected cluster or logical)"#),
        ("unknown traffic", deflated(br#"{"files":[{"name":"a","text":""}],"view":{"traffic":"on"}}"#), r#"unknown traffic "on" (expected running or paused)"#),
        ("unknown edit", deflated(br#"{"files":[{"name":"a","text":""}],"view":{"edits":[{"op":"Explode"}]}}"#), r#"edit 1: unknown what-if edit "Explode""#),
        (
            "a whole policy is not a shareable edit",
            deflated(br#"{"files":[{"name":"a","text":""}],"view":{"edits":[{"op":"KillPod","namespace":"a","name":"b"},{"op":"AddNetworkPolicy","name":"p"}]}}"#),
            r#"edit 2: unknown what-if edit "AddNetworkPolicy""#,
        ),
        ("edit without namespace", deflated(br#"{"files":[{"name":"a","text":""}],"view":{"edits":[{"op":"KillPod","name":"b"}]}}"#), r#"edit 1: KillPod needs "namespace""#),
        ("scale without replicas", deflated(br#"{"files":[{"name":"a","text":""}],"view":{"edits":[{"op":"ScaleWorkload","namespace":"a","name":"b"}]}}"#), r#"edit 1: ScaleWorkload needs "replicas""#),
        ("unknown Service type", deflated(br#"{"files":[{"name":"a","text":""}],"view":{"edits":[{"op":"SetServiceType","namespace":"a","name":"b","value":"Headless"}]}}"#), r#"edit 1: SetServiceType has an unknown Service type "Headless""#),
        ("negative zoom", deflated(br#"{"files":[{"name":"a","text":""}],"view":{"viewport":{"x":1,"y":2,"zoom":-1}}}"#), "the viewport's zoom -1 is out of range"),
        ("wrong type", deflated(br#"{"files":[{"name":"a","text":""}],"view":{"edits":[{"op":"ScaleWorkload","namespace":"a","name":"b","replicas":"3"}]}}"#), "invalid type: string \"3\", expected u32"),
    ];
    for (what, fragment, expected) in cases {
        let error = open_link(&fragment).expect_err(what);
        assert!(
            error.contains(expected),
            "{what}: {error:?} should say {expected:?}"
        );
    }
}

/// §12.3: damaged DEFLATE data is refused by the inflater (the browser reports it
/// the same way), and a payload that inflates past the input limit is refused.
#[test]
fn s12_3_damaged_or_huge_payloads_are_refused() {
    let damaged = format!("share=1.{}", encode_base64url(&[0xff, 0xff, 0xff, 0x00]));
    assert!(open_link(&damaged).unwrap_err().starts_with("inflate"));
    let bomb = vec![b' '; MAX_JSON_BYTES + 1];
    assert_eq!(
        SharedState::from_json(&bomb).unwrap_err().to_string(),
        "it expands to more than 50 MB, the input limit"
    );
}

/// §12.3: other fragments, the old `#manifests=` form among them, are not share links.
#[test]
fn s12_3_other_fragments_are_not_share_links() {
    for fragment in ["", "#", "#manifests=YQ", "#shared=1.AA", "#sharex", "share"] {
        assert!(
            parse_share_fragment(fragment).is_none(),
            "{fragment:?} is not a share link"
        );
    }
    assert!(parse_share_fragment("#share=1.YQ").is_some());
    assert!(parse_share_fragment("share=1.YQ").is_some());
}

/// §12.1: a whole added NetworkPolicy cannot travel in a link; encoding says so.
#[test]
fn s12_1_added_policy_is_refused_when_encoding() {
    let topology = crate::common::samples(&["online-boutique-netpol.yaml"]);
    let policy = topology.manifests.network_policies[0].clone();
    let mut state = SharedState::with_files(vec![sample("online-boutique-netpol.yaml")]);
    state.view.edits = vec![Mutation::AddNetworkPolicy(Box::new(policy))];
    let error = state.to_json().unwrap_err().to_string();
    assert!(
        error == "this view cannot be put in a link: adding a whole NetworkPolicy (AddNetworkPolicy) is not a shareable edit",
        "{error}"
    );
}

/// §12.1: the viewport is exact in hundredths and ten-thousandths, clamped, and
/// defined for any float.
#[test]
fn s12_1_viewport_quantisation() {
    let viewport = SharedViewport::from_scene(-12.345, 6.0, 1.23456);
    assert_eq!((viewport.x, viewport.y, viewport.zoom), (-1235, 600, 12346));
    assert_eq!(viewport.center(), (-12.35, 6.0));
    assert_eq!(viewport.scale(), 1.2346);
    assert_eq!(SharedViewport::from_scene(0.0, 0.0, 100.0).scale(), 4.0);
    assert_eq!(SharedViewport::from_scene(0.0, 0.0, 0.0).scale(), 0.05);
    let nan = SharedViewport::from_scene(f64::NAN, f64::INFINITY, f64::NAN);
    assert_eq!((nan.x, nan.y), (0, i64::MAX));
    assert_eq!(nan.scale(), 0.05);
}

fn name() -> impl Strategy<Value = String> + Clone {
    "[a-z0-9-]{1,12}"
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let pod = (name(), name());
    prop_oneof![
        pod.clone()
            .prop_map(|(namespace, name)| Mutation::DeletePod { namespace, name }),
        pod.clone()
            .prop_map(|(namespace, name)| Mutation::KillPod { namespace, name }),
        pod.clone()
            .prop_map(|(namespace, name)| Mutation::MarkPodNotReady { namespace, name }),
        pod.clone()
            .prop_map(|(namespace, name)| Mutation::MarkPodReady { namespace, name }),
        pod.clone()
            .prop_map(|(namespace, name)| Mutation::MarkPodTerminating { namespace, name }),
        name().prop_map(|name| Mutation::CordonNode { name }),
        name().prop_map(|name| Mutation::UncordonNode { name }),
        name().prop_map(|name| Mutation::DrainNode { name }),
        name().prop_map(|name| Mutation::FailNode { name }),
        name().prop_map(|name| Mutation::RecoverNode { name }),
        (name(), name(), any::<u32>()).prop_map(|(namespace, name, replicas)| {
            Mutation::ScaleWorkload {
                namespace,
                name,
                replicas,
            }
        }),
        (
            pod.clone(),
            prop_oneof![
                Just(ServiceType::ClusterIP),
                Just(ServiceType::NodePort),
                Just(ServiceType::LoadBalancer),
                Just(ServiceType::ExternalName)
            ]
        )
            .prop_map(
                |((namespace, name), service_type)| Mutation::SetServiceType {
                    namespace,
                    name,
                    service_type
                }
            ),
        (
            pod.clone(),
            prop_oneof![Just(TrafficPolicy::Cluster), Just(TrafficPolicy::Local)]
        )
            .prop_map(
                |((namespace, name), policy)| Mutation::SetExternalTrafficPolicy {
                    namespace,
                    name,
                    policy
                }
            ),
        (
            pod.clone(),
            prop_oneof![Just(TrafficPolicy::Cluster), Just(TrafficPolicy::Local)]
        )
            .prop_map(
                |((namespace, name), policy)| Mutation::SetInternalTrafficPolicy {
                    namespace,
                    name,
                    policy
                }
            ),
        (
            pod.clone(),
            prop_oneof![Just(SessionAffinity::None), Just(SessionAffinity::ClientIP)]
        )
            .prop_map(
                |((namespace, name), affinity)| Mutation::SetSessionAffinity {
                    namespace,
                    name,
                    affinity
                }
            ),
        (
            pod.clone(),
            proptest::option::of(prop_oneof![
                Just(TrafficDistribution::PreferSameZone),
                Just(TrafficDistribution::PreferSameNode)
            ])
        )
            .prop_map(|((namespace, name), distribution)| {
                Mutation::SetTrafficDistribution {
                    namespace,
                    name,
                    distribution,
                }
            }),
        pod.clone()
            .prop_map(|(namespace, name)| Mutation::RemoveNetworkPolicy { namespace, name }),
        (
            pod.clone(),
            route_kind(),
            any::<usize>(),
            any::<usize>(),
            any::<i64>()
        )
            .prop_map(|((namespace, name), kind, rule, backend, weight)| {
                Mutation::SetBackendWeight {
                    kind,
                    namespace,
                    name,
                    rule,
                    backend,
                    weight,
                }
            }),
        (pod.clone(), route_kind(), name(), name()).prop_map(
            |((namespace, name), kind, gateway_namespace, gateway_name)| Mutation::DetachRoute {
                kind,
                namespace,
                name,
                gateway: NamespacedName::new(&gateway_namespace, &gateway_name),
            }
        ),
        pod.prop_map(|(namespace, name)| Mutation::DeleteReferenceGrant { namespace, name }),
    ]
}

fn route_kind() -> impl Strategy<Value = RouteKind> {
    prop_oneof![
        Just(RouteKind::Http),
        Just(RouteKind::Grpc),
        Just(RouteKind::Tls),
        Just(RouteKind::Tcp),
        Just(RouteKind::Udp)
    ]
}

fn shared_state() -> impl Strategy<Value = SharedState> {
    let files = prop::collection::vec(
        (any::<String>(), any::<String>()).prop_map(|(name, text)| SharedFile { name, text }),
        1..4,
    );
    let viewport = proptest::option::of(
        (any::<i64>(), any::<i64>(), any::<u32>()).prop_map(|(x, y, zoom)| SharedViewport {
            x,
            y,
            zoom,
        }),
    );
    let view = (
        (
            prop_oneof![Just(SharedTab::Graph), Just(SharedTab::Table)],
            prop_oneof![Just(View::Cluster), Just(View::Logical)],
            proptest::option::of(any::<String>()),
            prop::collection::btree_set(any::<String>(), 0..3),
            prop::collection::btree_set(any::<String>(), 0..3),
        ),
        (
            any::<String>(),
            any::<String>(),
            viewport,
            prop::collection::vec(mutation(), 0..6),
            prop_oneof![Just(SharedTraffic::Running), Just(SharedTraffic::Paused)],
        ),
    )
        .prop_map(
            |(
                (tab, picture, selection, namespaces, hidden_kinds),
                (search, query, viewport, edits, traffic),
            )| SharedView {
                tab,
                picture,
                selection,
                namespaces,
                hidden_kinds,
                search,
                query,
                viewport,
                edits,
                traffic,
            },
        );
    (files, view).prop_map(|(files, view)| SharedState { files, view })
}

proptest! {
    /// §12.1: encoding a state into a link and opening the link gives the same
    /// state, whatever the text, names, edits and viewport hold; and the link is
    /// made of characters that need no escaping in a URL fragment.
    #[test]
    fn s12_1_encode_then_decode_is_identity(state in shared_state()) {
        let fragment = link_fragment(&state);
        prop_assert!(
            fragment.bytes().all(|b| b.is_ascii_alphanumeric() || b"=._-".contains(&b)),
            "{:?}", fragment
        );
        prop_assert_eq!(open_link(&format!("#{fragment}")), Ok(state));
    }

    /// §12.1: base64url encoding reads back with the lenient reader, with or
    /// without padding and as standard base64.
    #[test]
    fn s12_1_base64url_round_trip(bytes in prop::collection::vec(any::<u8>(), 1..200)) {
        let text = encode_base64url(&bytes);
        prop_assert_eq!(decode_base64(&text), Ok(bytes.clone()));
        let padded = format!("{text}{}", "=".repeat((4 - text.len() % 4) % 4));
        prop_assert_eq!(decode_base64(&padded), Ok(bytes.clone()));
        let standard = text.replace('-', "+").replace('_', "/");
        prop_assert_eq!(decode_base64(&standard), Ok(bytes));
    }
}
