//! Telling the provider from a request.

use hookbench_domain::signature::{Scheme, detect};

use crate::support::*;

#[test]
fn every_builtin_schemes_own_request_is_detected_as_that_scheme_first() {
    for scheme in Scheme::all_builtin() {
        let f = fixture(scheme.clone());
        let sent = send(&f, &f.sign_key);
        let found = detect(&sent.headers, &sent.body);
        assert_eq!(
            found.first().map(|d| d.scheme_id.as_str()),
            Some(scheme.id()),
            "a {} request should be recognised as such: {found:?}",
            scheme.id()
        );
        assert!(found.first().is_some_and(|d| !d.evidence.is_empty()), "the evidence is listed");
    }
}

#[test]
fn a_lone_x_hub_signature_is_intercom_but_with_github_headers_it_is_github() {
    let lone = headers(&[("X-Hub-Signature", "sha1=00")]);
    assert_eq!(detect(&lone, b"{}").first().map(|d| d.scheme_id.clone()).as_deref(), Some("intercom"), "no X-GitHub-*");
    let github = headers(&[("X-Hub-Signature", "sha1=00"), ("X-GitHub-Event", "push")]);
    let found = detect(&github, b"{}");
    assert_eq!(found.first().map(|d| d.scheme_id.as_str()), Some("github"), "GitHub always adds X-GitHub-*");
    assert!(found.first().is_some_and(|d| d.evidence.contains(&"X-GitHub-Event".to_owned())), "{found:?}");
}

#[test]
fn a_plain_request_detects_nothing() {
    let plain = headers(&[("Content-Type", "application/json"), ("User-Agent", "curl/8")]);
    assert!(detect(&plain, b"{\"a\":1}").is_empty(), "no signature headers, no guess");
}

#[test]
fn evidence_keeps_the_header_names_as_received() {
    let found = detect(&headers(&[("STRIPE-SIGNATURE", "t=1,v1=00")]), b"");
    assert_eq!(found.first().map(|d| d.evidence.clone()), Some(vec!["STRIPE-SIGNATURE".to_owned()]), "case kept");
}
