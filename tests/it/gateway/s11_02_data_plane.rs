//! §11.2 GatewayClass, Gateway and the simulated data plane: a Gateway whose class
//! is not in the input, the proxy Service kubetopo adds or the user's own, and the
//! Gateway's address and conditions.

use kubetopo::engine::analyze;
use kubetopo::engine::config::Config;
use kubetopo::engine::ingest::SourceFile;

use super::status::{codes, conditions, gateway, gw, run};

/// §11.2: a class missing from the input leaves the Gateway Pending, with no data plane.
#[test]
fn a_gateway_without_its_class_stays_pending() {
    let topology = analyze(
        &[SourceFile::new(
            "gw.yaml",
            gw("g", "  - {name: h, port: 80, protocol: HTTP}\n"),
        )],
        &Config::default(),
    );
    let g = gateway(&topology, "g");
    assert_eq!(
        conditions(&g.conditions),
        ["Accepted=Unknown/Pending", "Programmed=Unknown/Pending"]
    );
    assert!(g.proxy_service.is_none() && g.addresses.is_empty());
    assert!(topology.services.is_empty());
    assert!(codes(&topology).contains(&"gateway-class-not-found"));
}

/// §11.2: the simulated data plane, its address, and a user's own proxy Service.
#[test]
fn the_data_plane_and_its_address() {
    let requested = run(&gw(
        "g",
        "  - {name: h, port: 80, protocol: HTTP}\n  - {name: dns, port: 53, protocol: UDP}\n",
    )
    .replace(
        "gatewayClassName: c\n",
        "gatewayClassName: c\n  addresses: [{value: 203.0.113.50}]\n",
    ));
    let g = gateway(&requested, "g");
    assert_eq!(g.addresses[0].value, "203.0.113.50");
    assert_eq!(
        conditions(&g.conditions),
        ["Accepted=True/Accepted", "Programmed=True/Programmed"]
    );
    let proxy = requested
        .services
        .iter()
        .find(|s| s.name == "g-c")
        .expect("g-c");
    let ports: Vec<String> = proxy
        .ports
        .iter()
        .map(|p| format!("{}/{}", p.port, p.protocol))
        .collect();
    assert_eq!(ports, ["53/UDP", "80/TCP"]);
    assert_eq!(proxy.endpoints.len(), 1);

    let own = run(&format!("{}apiVersion: v1\nkind: Service\nmetadata: {{name: my-proxy, labels: {{gateway.networking.k8s.io/gateway-name: g}}}}\nspec:\n  type: LoadBalancer\n  selector: {{app: proxy}}\n  ports: [{{port: 80}}]\n", gw("g", "  - {name: h, port: 80, protocol: HTTP}\n")));
    let g = gateway(&own, "g");
    assert_eq!(g.proxy_service.as_ref().unwrap().name, "my-proxy");
    assert!(!g.proxy_simulated);
    assert!(own.services.iter().all(|s| s.name != "g-c"));

    let hostname_address = run(
        &gw("g", "  - {name: h, port: 80, protocol: HTTP}\n").replace(
            "gatewayClassName: c\n",
            "gatewayClassName: c\n  addresses: [{type: Hostname, value: lb.example.com}]\n",
        ),
    );
    assert_eq!(
        conditions(&gateway(&hostname_address, "g").conditions)[0],
        "Accepted=False/UnsupportedAddress"
    );
}

/// §11.2: an `IPAddress` request whose value is not an IP address leaves the
/// Gateway accepted but not programmed (`AddressNotUsable`), with a warning at
/// `spec.addresses`.
#[test]
fn s11_2_a_requested_address_that_is_not_an_ip_is_not_usable() {
    let topology = run(
        &gw("g", "  - {name: h, port: 80, protocol: HTTP}\n").replace(
            "gatewayClassName: c\n",
            "gatewayClassName: c\n  addresses: [{type: IPAddress, value: not-an-ip}]\n",
        ),
    );
    let g = gateway(&topology, "g");
    assert_eq!(
        conditions(&g.conditions),
        [
            "Accepted=True/Accepted",
            "Programmed=False/AddressNotUsable"
        ]
    );
    let warning = topology
        .diagnostics
        .iter()
        .find(|d| d.code == "gateway-address-unsupported")
        .expect("a warning");
    assert_eq!(warning.field, "spec.addresses");
    assert!(warning.source.line > 0);
    assert!(warning.message.contains("not-an-ip"), "{}", warning.message);
}
