//! Fuzzes the body_signed signature parsers through verify, sign and detect (see src/entry.rs).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| hookbench_fuzz::run("body_signed", data));
