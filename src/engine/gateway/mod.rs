//! Gateway API (`gateway.networking.k8s.io`), following `docs/semantics.md` §11.
//!
//! - [`model`]: GatewayClass, Gateway, the five Route kinds and ReferenceGrant, as
//!   read with the API server's defaults; [`read`] reads them from the manifests and
//!   refuses what the API server would refuse.
//! - [`backend_tls`]: BackendTLSPolicy, the proxy's TLS to the Services it targets.
//! - [`dataplane`]: the proxy Deployment and LoadBalancer Service kubetopo simulates
//!   for each Gateway, added before the cluster is simulated.
//! - [`status`]: listeners and their conflicts, Route attachment, backends and
//!   ReferenceGrants, and the status conditions a conformant controller writes.
//! - `shadowing`: rules another Route always beats on a listener.
//! - [`routing`]: what the proxy does with one request; the trace follows it.
//! - [`cors`]: the CORS filter, its preflight answers and response headers.
//! - [`hostname`]: hostname format, intersection and matching.
//! - [`panel`]: what the details panel shows for a Gateway, listener or Route.

pub mod backend_tls;
pub mod cors;
pub mod dataplane;
pub mod hostname;
pub mod model;
pub mod panel;
pub mod read;
pub mod routing;
mod shadowing;
pub mod status;

pub use model::GatewayManifests;
pub use status::{resolve_gateways, GatewayTopology};
