//! Fuzzing support for Hookbench's signature parsers: see `entry.rs`.

mod entry;

pub use entry::{FAMILIES, run};
