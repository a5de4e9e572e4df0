//! Fuzzes the stripe_like signature parsers through verify, sign and detect (see src/entry.rs).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| hookbench_fuzz::run("stripe_like", data));
