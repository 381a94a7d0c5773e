pub mod alloc;
pub mod cluster;
pub mod config;
pub mod diag;
pub mod ingest;
pub mod model;
pub mod selector;
pub mod yaml;
