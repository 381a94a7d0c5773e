//! [`analyze`](super::analyze) in stages, for a shell that runs them apart and
//! shows how far it got.
//!
//! The web app parses in a worker ([`parse`]) and hands the parsed documents to the
//! page through [`codec`](super::codec); the page then reads the objects ([`read`]),
//! simulates the cluster ([`build`]) and resolves it ([`resolve`]), each in a task of
//! its own, so that input gets in between. Each stage reports what it
//! did through a callback with counts only: the engine has no clock, so the shell
//! decides when a notice is worth showing.

use super::cluster::{self, Cluster};
use super::config::Config;
use super::diag::Diagnostic;
use super::ingest::{self, ParsedFile, SourceFile};
use super::model::Manifests;
use super::pause::{self, Pause};
use super::{gateway, validate, yaml, Topology};

/// How far an analysis got, in counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// `n_read` of the `n_documents` documents of file `file_index` (0-based, of
    /// `n_files`) are parsed. The items of a List that crosses in parts
    /// ([`parse_in_parts`]) count as documents, once the List is parsed.
    DocumentsRead {
        file_index: usize,
        n_files: usize,
        n_read: usize,
        n_documents: usize,
    },
    /// The objects are read and the cluster simulated, with this many pods.
    ClusterBuilt { n_pods: usize },
    /// Addresses, endpoints, DNS and diagnostics are resolved for this many Services.
    ServicesResolved { n_services: usize },
}

/// Every file parsed into spanned documents, with the parser's diagnostics.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Parsed {
    pub files: Vec<ParsedFile>,
    pub diagnostics: Vec<Diagnostic>,
}

/// The objects read and the cluster simulated: what [`resolve_topology`] takes.
#[derive(Clone, Debug)]
pub struct Simulated {
    pub manifests: Manifests,
    pub cluster: Cluster,
    pub ingest_diagnostics: Vec<Diagnostic>,
}

/// Parses every file (the first stage, and the costliest for large inputs),
/// reporting [`Stage::DocumentsRead`] after each document.
pub fn parse(files: &[SourceFile], progress: &mut dyn FnMut(Stage)) -> Parsed {
    parse_in_parts(files, usize::MAX, progress, &mut |_| {})
}

/// [`parse`], handing out the documents parsed so far (with their diagnostics) to
/// `part` each time a file has `documents_per_part` of them waiting, and returning
/// the rest. The items of a List longer than a part count as documents. Read in order with [`ReadInParts`], the parts and the rest give what
/// [`read`] gives for the whole: the web app reads one part on the page while its
/// worker parses the next.
pub fn parse_in_parts(
    files: &[SourceFile],
    documents_per_part: usize,
    progress: &mut dyn FnMut(Stage),
    part: &mut dyn FnMut(Parsed),
) -> Parsed {
    let mut rest = Parsed::default();
    let n_files = files.len();
    for (file_index, file) in files.iter().enumerate() {
        let mut documents = Vec::new();
        let mut n_read = 0;
        // A List's items beyond one: each crosses as a document of its own.
        let mut n_more_documents = 0;
        yaml::load_documents_each(
            &file.name,
            &file.text,
            &mut rest.diagnostics,
            &mut |document, n_documents, diagnostics| {
                let items = list_items(&document, documents_per_part);
                n_more_documents += items.map_or(0, |items| items.len() - 1);
                let mut take = |piece| {
                    documents.push(piece);
                    n_read += 1;
                    progress(Stage::DocumentsRead {
                        file_index,
                        n_files,
                        n_read,
                        n_documents: n_documents + n_more_documents,
                    });
                    if documents.len() >= documents_per_part {
                        let mut files = std::mem::take(&mut rest.files);
                        files.push(ParsedFile {
                            name: file.name.clone(),
                            documents: std::mem::take(&mut documents),
                        });
                        part(Parsed {
                            files,
                            diagnostics: std::mem::take(diagnostics),
                        });
                    }
                };
                match items {
                    Some(items) => {
                        for item in items {
                            take(yaml::Document {
                                index: document.index,
                                root: Some(item.clone()),
                                helm_source: document.helm_source.clone(),
                            });
                        }
                    }
                    None => take(document),
                }
            },
        );
        rest.files.push(ParsedFile {
            name: file.name.clone(),
            documents,
        });
    }
    rest
}

/// The items of a document that is a `kind: List` of more than `n_items_per_part`
/// maps (§10.1), which cross as documents of the List's index. Read in order, they
/// give what the List gives: ingest reads each item of a List as it reads a
/// document, at the item's own position (a List among them is flattened in turn),
/// and uses nothing else of the List. So a `kubectl get -o yaml` dump, one
/// document, still crosses from the worker in parts. An item that is not a map
/// would be named a document rather than an item in its diagnostic, so such a List
/// stays whole.
fn list_items(document: &yaml::Document, n_items_per_part: usize) -> Option<&[yaml::Node]> {
    let root = document.root.as_ref()?;
    let items = root.get("items")?.as_seq()?;
    (items.len() > n_items_per_part
        && root.get("kind")?.as_str()?.ends_with("List")
        && items.iter().all(|item| item.as_map().is_some()))
    .then_some(items)
}

/// The objects read from the parsed documents, with what reading them found.
#[derive(Clone, Debug)]
pub struct Read {
    pub manifests: Manifests,
    pub ingest_diagnostics: Vec<Diagnostic>,
}

/// Reads the parsed objects into the model: the first half of [`simulate`].
pub fn read(parsed: Parsed) -> Read {
    let mut reading = ReadInParts::default();
    reading.add(parsed);
    reading.finish()
}

/// [`read`] a part at a time, for the parts of [`parse_in_parts`] in their order.
#[derive(Default)]
pub struct ReadInParts {
    reading: ingest::Reading,
    parse_diagnostics: Vec<Diagnostic>,
    read_diagnostics: Vec<Diagnostic>,
}

impl ReadInParts {
    /// Reads the objects of the next part.
    pub fn add(&mut self, part: Parsed) {
        self.parse_diagnostics.extend(part.diagnostics);
        self.reading.add(&part.files, &mut self.read_diagnostics);
    }

    /// The objects of every part, with what parsing and reading them found (in
    /// that order, as [`read`] gives them).
    pub fn finish(self) -> Read {
        let mut ingest_diagnostics = self.parse_diagnostics;
        ingest_diagnostics.extend(self.read_diagnostics);
        Read {
            manifests: self.reading.finish(),
            ingest_diagnostics,
        }
    }
}

/// Adds the simulated Gateway proxies to the objects read, validates Services and
/// simulates the cluster (§7): the second half of [`simulate`].
pub fn build(read: Read, config: &Config) -> Simulated {
    pause::finish(build_pausable(read, config, &Pause::never()))
}

/// [`build`], pausing between workloads when `pause` says so.
pub async fn build_pausable(read: Read, config: &Config, pause: &Pause<'_>) -> Simulated {
    let Read {
        mut manifests,
        mut ingest_diagnostics,
    } = read;
    gateway::dataplane::synthesize(&mut manifests);
    for service in &manifests.services {
        pause.point().await;
        validate::validate_service(service, &mut ingest_diagnostics);
    }
    let cluster =
        cluster::build_cluster_pausable(&manifests, config, &mut ingest_diagnostics, pause).await;
    Simulated {
        manifests,
        cluster,
        ingest_diagnostics,
    }
}

/// Reads the parsed objects into the model, adds the simulated Gateway proxies,
/// validates Services and simulates the cluster (§7): [`read`], then [`build`].
pub fn simulate(parsed: Parsed, config: &Config) -> Simulated {
    build(read(parsed), config)
}

/// The last stage: resolves a simulated cluster into the topology.
pub fn resolve(simulated: Simulated, config: &Config) -> Topology {
    pause::finish(resolve_pausable(simulated, config, &Pause::never()))
}

/// [`resolve`], pausing between Services and between its steps when `pause` says so.
pub async fn resolve_pausable(
    simulated: Simulated,
    config: &Config,
    pause: &Pause<'_>,
) -> Topology {
    let Simulated {
        manifests,
        cluster,
        ingest_diagnostics,
    } = simulated;
    super::resolve_topology_pausable(
        manifests,
        cluster,
        config.clone(),
        ingest_diagnostics,
        pause,
    )
    .await
}

/// [`analyze`](super::analyze), reporting each stage as it ends.
pub fn analyze_with_progress(
    files: &[SourceFile],
    config: &Config,
    progress: &mut dyn FnMut(Stage),
) -> Topology {
    let simulated = simulate(parse(files, progress), config);
    progress(Stage::ClusterBuilt {
        n_pods: simulated.cluster.pods.len(),
    });
    let topology = resolve(simulated, config);
    progress(Stage::ServicesResolved {
        n_services: topology.services.len(),
    });
    topology
}
