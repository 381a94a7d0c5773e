//! Samples embedded at build time. The corpus files are copies of
//! upstream manifests (see samples/SOURCES.md for their origin and licence).

pub struct Sample {
    pub id: &'static str,
    pub title: &'static str,
    pub files: &'static [(&'static str, &'static str)],
}

pub const SAMPLES: &[Sample] = &[
    Sample {
        id: "boutique",
        title: "Online Boutique + NetworkPolicies",
        files: &[
            (
                "online-boutique.yaml",
                include_str!("../../samples/online-boutique.yaml"),
            ),
            (
                "online-boutique-netpol.yaml",
                include_str!("../../samples/online-boutique-netpol.yaml"),
            ),
        ],
    },
    Sample {
        id: "guestbook",
        title: "Guestbook",
        files: &[(
            "guestbook.yaml",
            include_str!("../../samples/guestbook.yaml"),
        )],
    },
    Sample {
        id: "ingress-nginx",
        title: "ingress-nginx (cloud)",
        files: &[(
            "ingress-nginx-cloud.yaml",
            include_str!("../../samples/ingress-nginx-cloud.yaml"),
        )],
    },
    Sample {
        id: "statefulset",
        title: "Headless StatefulSet",
        files: &[(
            "headless-statefulset.yaml",
            include_str!("../../samples/headless-statefulset.yaml"),
        )],
    },
    Sample {
        id: "gateway-canary",
        title: "Gateway API canary (90/10)",
        files: &[(
            "gateway-canary.yaml",
            include_str!("../../samples/gateway-canary.yaml"),
        )],
    },
    Sample {
        id: "local-lb",
        title: "LoadBalancer with externalTrafficPolicy Local",
        files: &[(
            "local-loadbalancer.yaml",
            include_str!("../../samples/local-loadbalancer.yaml"),
        )],
    },
];

/// The first-visit demo.
pub fn demo() -> &'static Sample {
    &SAMPLES[0]
}

/// The editor buffers of a sample.
pub fn sample_files(sample: &Sample) -> Vec<super::state::InputFile> {
    sample
        .files
        .iter()
        .map(|(name, text)| super::state::InputFile {
            name: name.to_string(),
            text: text.to_string(),
        })
        .collect()
}
