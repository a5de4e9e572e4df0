//! The JSON shapes other parts of Hookbench rely on (API, store, CLI).

use hookbench_domain::signature::{Scheme, VerifyConfig};

use crate::support::*;

#[test]
fn schemes_serialize_internally_tagged_in_snake_case() {
    assert_eq!(serde_json::to_value(Scheme::Stripe).ok(), Some(serde_json::json!({"kind": "stripe"})), "unit variant");
    assert_eq!(
        serde_json::to_value(Scheme::StandardWebhooks).ok(),
        Some(serde_json::json!({"kind": "standard_webhooks"})),
        "snake_case kind"
    );
    let custom = serde_json::to_value(custom_scheme()).expect("serializes");
    assert_eq!(custom["kind"], "custom_hmac", "custom carries its settings inline: {custom}");
    assert_eq!(custom["template"], "{timestamp}.{body}", "{custom}");
}

#[test]
fn every_builtin_id_round_trips_through_from_id() {
    for scheme in Scheme::all_builtin() {
        assert_eq!(Scheme::from_id(scheme.id()), Some(scheme.clone()), "{} parses back", scheme.id());
        let json = serde_json::to_string(&scheme).expect("serializes");
        assert_eq!(serde_json::from_str::<Scheme>(&json).ok(), Some(scheme.clone()), "serde round trip of {json}");
    }
    assert_eq!(Scheme::all_builtin().len(), 15, "fifteen providers");
    assert_eq!(Scheme::from_id("standard_webhooks"), Some(Scheme::StandardWebhooks), "underscores accepted");
}

#[test]
fn a_verdict_serializes_with_every_field_the_ui_reads() {
    let f = fixture(Scheme::Stripe);
    let v = check(&f, &[&f.verify_key], &send(&f, &f.sign_key), NOW);
    let json = serde_json::to_value(&v).expect("serializes");
    for key in [
        "valid",
        "scheme",
        "matched_secret",
        "matched_secret_label",
        "reason",
        "likely_causes",
        "signed_content",
        "expected",
        "received",
        "timestamp",
        "skew_secs",
        "tolerance_secs",
        "steps",
    ] {
        assert!(json.get(key).is_some(), "verdict JSON has {key}: {json}");
    }
    assert_eq!(json["expected"][0]["secret_label"], "current", "{json}");
    let config: VerifyConfig =
        serde_json::from_str(r#"{"scheme":{"kind":"github"},"secrets":["a"]}"#).expect("tolerance is optional");
    assert_eq!(config.tolerance_secs, None, "defaults to the scheme's");
}
