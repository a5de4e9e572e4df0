//! Fuzzes the HAR reader: no input panics, and whatever it accepts round-trips through our HAR and
//! JSON Lines writers (see `hookbench_domain::exchange::probe`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Err(e) = hookbench_domain::exchange::probe::har_import(data) {
        panic!("{e}");
    }
});
