//! The response template fuzz target's committed corpus (seeds plus any crash found by `make fuzz`,
//! copied from `fuzz/artifacts/` into `fuzz/corpus/response_template/`) run as plain tests, with a
//! deterministic sweep of generated inputs. And every target `fuzz/Cargo.toml` lists must have a
//! committed corpus that some `cargo test` sweeps.

#[path = "../../../fuzz/src/template.rs"]
mod template;

use std::path::PathBuf;

fn fuzz_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fuzz")
}

/// Every fuzz target, and the test that sweeps its corpus under `cargo test`.
const SWEPT: &[(&str, &str)] = &[
    ("stripe_like", "tests/signatures/robustness.rs"),
    ("standard", "tests/signatures/robustness.rs"),
    ("prefixed", "tests/signatures/robustness.rs"),
    ("url_signed", "tests/signatures/robustness.rs"),
    ("body_signed", "tests/signatures/robustness.rs"),
    ("public_key", "tests/signatures/robustness.rs"),
    ("custom", "tests/signatures/robustness.rs"),
    ("har_import", "tests/exchange.rs"),
    ("curl_import", "tests/exchange.rs"),
    ("response_template", "tests/fuzz_corpus.rs"),
];

#[test]
fn the_response_template_corpus_runs_without_panics() {
    let dir = fuzz_dir().join("corpus/response_template");
    let files = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("the corpus is committed at {}: {e}", dir.display()));
    let mut ran = 0;
    for file in files.flatten() {
        let data = std::fs::read(file.path()).unwrap_or_default();
        template::run(&data);
        ran += 1;
    }
    assert!(ran >= 3, "the seeds ran ({ran})");
}

/// Template fragments, joined at random (a fixed xorshift sequence, so a failure reproduces).
const TOKENS: &[&[u8]] = &[
    b"{{",
    b"}}",
    b"\\{{",
    b" | json",
    b" | ",
    b"request.method",
    b"request.path",
    b"request.query.",
    b"request.header.",
    b"request.body",
    b"request.json.",
    b"request.json./",
    b"/data/0",
    b"~0",
    b"~1",
    b"~",
    b"capture.id",
    b"now",
    b"uuid",
    b"random.int ",
    b"-9223372036854775808",
    b"9223372036854775807",
    b"1 6",
    b" ",
    b"\n",
    b"\r\n",
    b"*",
    b"**",
    b"?",
    b"/",
    b"%",
    b"%e9",
    b"\xc3",
    b"\xe9",
    b"\xf0\x9f\x98",
    b"\x00",
    b"\xff",
    br#"{"rules":[{"name":"r","when":[{"kind":"path_glob","pattern":"#,
    br#""}],"status":200,"body":""#,
    br#"","delay":{"kind":"log_normal","p50_ms":1,"p99_ms":18446744073709551615}}]}"#,
    br#""}],"default":{"status":204,"headers":[{"name":"X","value":"{{request.header.x}}"}]}}"#,
];

#[test]
fn thousands_of_generated_template_inputs_never_panic() {
    let mut state: u64 = 0x2545_F491_4F6C_DD1D;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for _ in 0..5000 {
        let mut input = Vec::new();
        for _ in 0..next() % 32 {
            if next() % 4 == 0 {
                input.push((next() & 0xFF) as u8);
            } else {
                input.extend_from_slice(TOKENS[(next() % TOKENS.len() as u64) as usize]);
            }
        }
        template::run(&input);
    }
}

#[test]
fn every_fuzz_target_has_a_committed_corpus_swept_by_a_test() {
    let manifest = std::fs::read_to_string(fuzz_dir().join("Cargo.toml")).unwrap_or_default();
    // The `name` of each `[[bin]]` table (a table header alone on its line, not a mention in a comment).
    let mut targets: Vec<&str> = Vec::new();
    let mut in_bin = false;
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            in_bin = line == "[[bin]]";
        } else if in_bin && let Some(name) = line.strip_prefix("name = ") {
            targets.push(name.trim_matches('"'));
        }
    }
    assert!(targets.len() >= SWEPT.len(), "fuzz/Cargo.toml lists its targets: {targets:?}");
    for target in targets {
        let Some((_, test)) = SWEPT.iter().find(|(name, _)| *name == target) else {
            panic!("the fuzz target {target} has no corpus sweep: add one and list it in SWEPT here")
        };
        let test_file = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(test);
        let source = std::fs::read_to_string(&test_file).unwrap_or_default();
        assert!(source.contains("fuzz/corpus") || source.contains("corpus("), "{test} reads the committed corpus");
        let seeds = std::fs::read_dir(fuzz_dir().join("corpus").join(target)).map(|d| d.count()).unwrap_or(0);
        assert!(seeds > 0, "fuzz/corpus/{target} holds at least one committed seed");
    }
}
