pub mod diag;
pub mod selector;
pub mod yaml;
