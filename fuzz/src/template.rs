//! What the `response_template` fuzz target does with its bytes, shared with the domain crate's
//! corpus test (`crates/domain/tests/fuzz_corpus.rs` includes this file by path), so the committed
//! corpus also runs under `cargo test`.
//!
//! The bytes are cut at 0xFF into parts: a template source, method, path, headers (`Name: value`
//! lines), query, body, and a `ResponseSettings` JSON document. The template is parsed (an error
//! must point inside the source) and rendered against the request; the same text is tried as a
//! path glob; the settings, if they read as JSON, are compiled, a rule is chosen and rendered.
//! None may panic, and a rendered header value never carries CR, LF or NUL.

use hookbench_domain::Header;
use hookbench_domain::response::{
    RenderContext, RequestView, ResponseSettings, Template, choose_response, glob_matches, percent_decode,
};
use rand::SeedableRng;
use rand::rngs::StdRng;

/// A fixed clock: 2026-11-29, in milliseconds.
const NOW: i64 = 1_796_000_000_123;

pub fn run(data: &[u8]) {
    let parts: Vec<&[u8]> = data.split(|b| *b == 0xFF).collect();
    let part = |i: usize| parts.get(i).copied().unwrap_or_default();
    let text = |i: usize| String::from_utf8_lossy(part(i)).into_owned();
    let source = text(0);
    let method = text(1);
    let path = text(2);
    let headers: Vec<Header> = part(3)
        .split(|b| *b == b'\n')
        .filter(|line| !line.is_empty())
        .map(|line| match line.iter().position(|b| *b == b':') {
            Some(colon) => Header::new(String::from_utf8_lossy(&line[..colon]).into_owned(), &line[colon + 1..]),
            None => Header::new(String::from_utf8_lossy(line).into_owned(), Vec::new()),
        })
        .collect();
    let query = text(4);
    let body = part(5);
    let view = RequestView { method: &method, path: &path, query: Some(&query), headers: &headers, body };
    let mut rng = StdRng::seed_from_u64(data.len() as u64);

    match Template::parse(&source) {
        Ok(template) => {
            let mut ctx = RenderContext::new(view, Some(42), NOW, &mut rng);
            let _ = template.render(&mut ctx);
            let _ = template.is_constant();
        }
        Err(e) => {
            assert!(e.offset <= source.len(), "the error offset {} is inside the source", e.offset);
            assert!(e.line >= 1 && e.column >= 1, "lines and columns count from 1");
            assert!(!e.to_string().is_empty());
        }
    }
    let _ = glob_matches(&source, &path);
    let _ = percent_decode(&query);
    let _ = view.query_param(&source);

    if let Ok(settings) = serde_json::from_slice::<ResponseSettings>(part(6)) {
        match settings.compile() {
            Ok(compiled) => {
                let plan = choose_response(&compiled, &view);
                let mut ctx = RenderContext::new(view, Some(42), NOW, &mut rng);
                let rendered = plan.render(&mut ctx);
                for header in &rendered.headers {
                    assert!(!header.value.contains(['\r', '\n', '\0']), "a header value cannot split the response");
                }
            }
            Err(problems) => assert!(!problems.is_empty(), "a refusal names at least one problem"),
        }
    }
}
