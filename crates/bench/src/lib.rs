//! Hookbench's benchmarks. `hookbench-bench` (src/bin) runs the end-to-end figures on loopback, each
//! against a ceiling measured in the same run, and prints one table; `benches/` holds the Criterion
//! micro-benchmarks of the domain rules. Benchmarks print; they never pass or fail.

pub mod capture;
pub mod desktop;
pub mod loadgen;
pub mod outbox;
pub mod report;
pub mod scale;
pub mod servers;
pub mod ui;
