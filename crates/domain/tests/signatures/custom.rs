//! The custom HMAC scheme: its template, settings and checks.

use hookbench_domain::signature::{ReasonCode, Scheme, SignRequest, sign};

use crate::support::*;

fn custom(template: &str, timestamp_header: Option<&str>, encoding: &str) -> Scheme {
    let json = serde_json::json!({
        "kind": "custom_hmac", "algorithm": "sha512", "header": "X-Signature", "encoding": encoding,
        "prefix": "", "timestamp_header": timestamp_header, "template": template,
    });
    serde_json::from_value(json).expect("a custom scheme")
}

fn signed(scheme: &Scheme) -> Sent {
    let req = SignRequest { method: "post", url: URL, body: JSON_BODY, timestamp: T, id: "d-42" };
    let out = sign(scheme, "s3cret", &req).expect("signs");
    Sent { headers: out.headers, body: JSON_BODY.to_vec(), url: URL.into() }
}

#[test]
fn every_placeholder_is_filled_and_the_signature_verifies() {
    let scheme = custom("{method} {url}|{timestamp}|{header:X-Delivery}|{body}|{{literal}}", Some("X-Ts"), "base64");
    let sent = signed(&scheme);
    assert!(
        sent.headers.iter().any(|h| h.name == "X-Delivery" && h.value == b"d-42"),
        "{{header:…}} is sent with the id"
    );
    let v = check_scheme(&scheme, &["s3cret"], &sent, NOW);
    assert!(v.valid, "{:?}", v.reason);
    let expected = format!("POST {URL}|{T}|d-42|{}|{{literal}}", String::from_utf8_lossy(JSON_BODY));
    assert_eq!(v.signed_content.as_deref(), Some(expected.as_str()), "the template rendered exactly");
}

#[test]
fn an_unknown_placeholder_is_a_configuration_error_that_names_it() {
    let scheme = custom("{timestamp}.{bdy}", Some("X-Ts"), "hex");
    assert!(scheme.validate().is_err_and(|e| e.contains("{bdy}")), "validate() names the typo");
    let v = check_scheme(&scheme, &["s3cret"], &Sent { headers: vec![], body: vec![], url: URL.into() }, NOW);
    assert_eq!(code(&v), Some(ReasonCode::ConfigMalformed), "{}", message(&v));
}

#[test]
fn a_timestamp_placeholder_without_a_timestamp_header_is_a_configuration_error() {
    let scheme = custom("{timestamp}.{body}", None, "hex");
    assert!(scheme.validate().is_err(), "there is nothing to fill {{timestamp}} with");
}

#[test]
fn an_unclosed_brace_is_a_configuration_error() {
    assert!(custom("{body", None, "hex").validate().is_err(), "'{{' never closed");
    assert!(custom("body}", None, "hex").validate().is_err(), "lone '}}'");
    assert!(custom("{body}", None, "hex").validate().is_ok(), "the plain body template is fine");
}

#[test]
fn a_custom_scheme_without_a_timestamp_header_has_no_tolerance() {
    assert_eq!(custom("{body}", None, "hex").default_tolerance_secs(), None, "nothing to check");
    assert_eq!(custom("{timestamp}{body}", Some("X-Ts"), "hex").default_tolerance_secs(), Some(300), "the default");
}
