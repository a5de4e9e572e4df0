//! No input makes the parsers panic: thousands of pseudo-random byte strings (a fixed xorshift
//! sequence, so a failure reproduces) through every scheme, plus the committed fuzz corpus.

#[path = "../../../../fuzz/src/entry.rs"]
mod entry;

use std::path::PathBuf;

/// A tiny deterministic generator: the same sequence on every run.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Fragments the parsers look for, so random inputs get past the first check often.
const TOKENS: &[&[u8]] = &[
    b"t=",
    b"v1=",
    b"v0=",
    b",",
    b";",
    b"ts=",
    b"h1=",
    b"v1,",
    b"v1a,",
    b" ",
    b"sha256=",
    b"sha1=",
    b"whsec_",
    b"whpk_",
    b"whsk_",
    b"{",
    b"}",
    b"{body}",
    b"{timestamp}",
    b"{url}",
    b"{header:",
    b"=",
    b"&",
    b"%",
    b"%zz",
    b"%4",
    b"+",
    b"1700000000",
    b"-1",
    b"99999999999999999999",
    b"abcdef0123456789",
    b"AAAA",
    b"==",
    b"://",
    b"https",
    b"http",
    b":443",
    b"?bodySHA256=",
    b"#",
    b"[",
    b"]",
    b":",
    b"\xff",
    b"\x00",
    b"\xc3\xa9",
    b"\xf0\x9f",
    b"\r\n",
    b"\n",
    br#"{"signature":{"timestamp":"1700000000","token":"t","signature":"#,
    br#""}}"#,
    b"webhookTimestamp",
    b"\"",
    b"key=K,algorithm=HMAC_SHA256",
    b"algorithm=",
    b"MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE",
];

fn random_input(rng: &mut XorShift) -> Vec<u8> {
    let mut out = Vec::new();
    for _ in 0..rng.below(40) {
        if rng.below(3) == 0 {
            for _ in 0..rng.below(12) {
                out.push((rng.next() & 0xFF) as u8);
            }
        } else {
            out.extend_from_slice(TOKENS[rng.below(TOKENS.len())]);
        }
    }
    out
}

#[test]
fn thousands_of_random_inputs_never_make_verify_sign_or_detect_panic() {
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    for family in entry::FAMILIES {
        for _ in 0..1500 {
            let input = random_input(&mut rng);
            entry::run(family, &input);
        }
    }
}

#[test]
fn the_committed_fuzz_corpus_runs_without_panics() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus");
    let mut ran = 0;
    for family in entry::FAMILIES {
        let dir = root.join(family);
        let Ok(files) = std::fs::read_dir(&dir) else {
            panic!("the corpus for {family} is committed at {}", dir.display())
        };
        for file in files.flatten() {
            let data = std::fs::read(file.path()).unwrap_or_default();
            entry::run(family, &data);
            ran += 1;
        }
    }
    assert!(ran >= entry::FAMILIES.len(), "at least one seed per family ran ({ran})");
}
