//! Fuzzing support: the signature parsers (`entry.rs`) and the response template language
//! (`template.rs`).

mod entry;
pub mod template;

pub use entry::{FAMILIES, run};
