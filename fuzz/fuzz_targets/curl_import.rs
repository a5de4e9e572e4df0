//! Fuzzes the curl command reader: no input panics, and whatever it accepts round-trips through our
//! cURL script writer (see `hookbench_domain::exchange::probe`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Err(e) = hookbench_domain::exchange::probe::curl_import(data) {
        panic!("{e}");
    }
});
