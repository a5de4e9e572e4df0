//! Fuzzes the response template language and response rules: parse, render, glob, compile, choose
//! (see src/template.rs).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| hookbench_fuzz::template::run(data));
