//! The same questions asked of every scheme: sign → verify, a flipped byte, a wrong secret, a
//! missing or malformed header, rotation, stale and future timestamps, a re-serialized body, and
//! another provider's request.

use hookbench_domain::signature::{LikelyCauseCode, ReasonCode, Scheme};

use crate::support::*;

macro_rules! signed_tests {
    (malformed: $bad:expr => $part:expr, other: $other:expr) => {
        #[test]
        fn a_request_it_signed_is_valid_with_the_current_secret() {
            let f = fixture();
            let v = check(&f, &[&f.verify_key], &send(&f, &f.sign_key), NOW);
            assert!(v.valid, "what sign() produces must verify: {:?}", v.reason);
            assert_eq!(v.matched_secret_label.as_deref(), Some("current"), "the only secret is the current one");
            assert!(!v.received.is_empty(), "the workbench shows the received signature");
            assert!(v.signed_content.is_some(), "the workbench shows the signed content");
        }

        #[test]
        fn a_wrong_secret_is_rejected_because_no_secret_matches() {
            let f = fixture();
            let v = check(&f, &[&f.old_verify_key], &send(&f, &f.sign_key), NOW);
            assert!(!v.valid, "another key must not verify");
            assert_eq!(code(&v), Some(ReasonCode::NoSecretMatches), "{}", message(&v));
        }

        #[test]
        fn when_only_the_previous_secret_matches_the_request_is_valid_and_names_it() {
            let f = fixture();
            let sent = send(&f, &f.old_sign_key);
            let v = check(&f, &[&f.verify_key, &f.old_verify_key], &sent, NOW);
            assert!(v.valid, "a rotated-out secret still listed must be accepted: {:?}", v.reason);
            assert_eq!(v.matched_secret, Some(1), "the old secret is second in the list");
            assert_eq!(v.matched_secret_label.as_deref(), Some("previous #1"), "the label a person reads");
        }

        #[test]
        fn a_missing_signature_header_is_reported_by_name() {
            let f = fixture();
            let mut sent = send(&f, &f.sign_key);
            let name = f.signature_header.unwrap_or_default();
            remove_headers(&mut sent.headers, name);
            let v = check(&f, &[&f.verify_key], &sent, NOW);
            assert_eq!(code(&v), Some(ReasonCode::HeaderMissing), "{}", message(&v));
            assert!(
                message(&v).to_lowercase().contains(&name.to_lowercase()),
                "the message names {name}: {}",
                message(&v)
            );
        }

        #[test]
        fn a_malformed_signature_header_says_which_part_is_wrong() {
            let f = fixture();
            let mut sent = send(&f, &f.sign_key);
            let name = f.signature_header.unwrap_or_default();
            set_header(&mut sent.headers, name, $bad);
            let v = check(&f, &[&f.verify_key], &sent, NOW);
            assert_eq!(code(&v), Some(ReasonCode::HeaderMalformed), "{}", message(&v));
            assert!(message(&v).contains($part), "the message should say {:?}: {}", $part, message(&v));
            assert!(message(&v).to_lowercase().contains(&name.to_lowercase()), "and name the header: {}", message(&v));
        }

        #[test]
        fn a_request_from_another_provider_suggests_that_scheme() {
            let f = fixture();
            let other = crate::support::fixture($other);
            let sent = send(&other, &other.sign_key);
            let v = check(&f, &[&f.verify_key], &sent, NOW);
            assert!(!v.valid, "another provider's request cannot verify");
            let suggested: Vec<_> = v.likely_causes.iter().filter_map(|c| c.suggested_scheme.clone()).collect();
            assert!(
                suggested.contains(&other.scheme.id().to_owned()),
                "suggests {}: {:?}",
                other.scheme.id(),
                v.likely_causes
            );
        }
    };
}

macro_rules! body_flip_tests {
    () => {
        #[test]
        fn a_flipped_body_byte_is_rejected() {
            let f = fixture();
            let mut sent = send(&f, &f.sign_key);
            // Byte 3 is inside the first name in every fixture body, so JSON stays JSON.
            if let Some(byte) = sent.body.get_mut(3) {
                *byte ^= 0x01;
            }
            let v = check(&f, &[&f.verify_key], &sent, NOW);
            assert!(!v.valid, "the body is signed, so any changed byte must fail");
            assert_eq!(code(&v), Some(ReasonCode::NoSecretMatches), "{}", message(&v));
        }
    };
}

macro_rules! timestamp_tests {
    () => {
        #[test]
        fn a_stale_timestamp_is_rejected_with_how_far_beyond_the_tolerance() {
            let f = fixture();
            let tolerance = f.scheme.default_tolerance_secs().unwrap_or_default() as i64;
            let v = check(&f, &[&f.verify_key], &send(&f, &f.sign_key), T + tolerance + 100);
            assert_eq!(code(&v), Some(ReasonCode::TimestampTooOld), "{}", message(&v));
            assert_eq!(v.skew_secs, Some(tolerance + 100), "skew is now minus the signed time");
            assert!(message(&v).contains("100 s beyond"), "says by how much: {}", message(&v));
            assert_eq!(v.matched_secret, Some(0), "the signature itself was right, only late");
        }

        #[test]
        fn a_future_timestamp_is_rejected_with_its_direction() {
            let f = fixture();
            let tolerance = f.scheme.default_tolerance_secs().unwrap_or_default() as i64;
            let v = check(&f, &[&f.verify_key], &send(&f, &f.sign_key), T - tolerance - 100);
            assert_eq!(code(&v), Some(ReasonCode::TimestampInFuture), "{}", message(&v));
            assert_eq!(v.skew_secs, Some(-(tolerance + 100)), "negative skew: from the future");
            assert!(message(&v).contains("in the future") && message(&v).contains("100 s beyond"), "{}", message(&v));
        }

        #[test]
        fn a_timestamp_exactly_at_the_tolerance_is_accepted() {
            let f = fixture();
            let tolerance = f.scheme.default_tolerance_secs().unwrap_or_default() as i64;
            let v = check(&f, &[&f.verify_key], &send(&f, &f.sign_key), T + tolerance);
            assert!(v.valid, "the libraries reject only beyond the tolerance: {:?}", v.reason);
        }
    };
}

macro_rules! reserialize_tests {
    () => {
        #[test]
        fn a_pretty_printed_copy_of_the_signed_json_is_rejected_naming_reserialization() {
            let f = fixture();
            let parsed: serde_json::Value = serde_json::from_slice(&f.body).expect("fixture body is JSON");
            let compact = serde_json::to_vec(&parsed).expect("serializes");
            let mut sent = send_body(&f, &f.sign_key, &compact, T);
            sent.body = serde_json::to_vec_pretty(&parsed).expect("serializes");
            let v = check(&f, &[&f.verify_key], &sent, NOW);
            assert_eq!(code(&v), Some(ReasonCode::NoSecretMatches), "{}", message(&v));
            assert!(has_cause(&v, LikelyCauseCode::BodyReserialized), "the cause is told: {:?}", v.likely_causes);
        }
    };
}

mod stripe {
    use super::*;
    fn fixture() -> Fixture {
        crate::support::fixture(Scheme::Stripe)
    }
    signed_tests!(malformed: "t=1700000000,v0=abc" => "no v1= signature", other: Scheme::Github);
    body_flip_tests!();
    timestamp_tests!();
    reserialize_tests!();
}

mod github {
    use super::*;
    fn fixture() -> Fixture {
        crate::support::fixture(Scheme::Github)
    }
    signed_tests!(malformed: "sha256=abc" => "should start with \"sha1=\"", other: Scheme::Stripe);
    body_flip_tests!();
    reserialize_tests!();
}

mod standard_webhooks {
    use super::*;
    fn fixture() -> Fixture {
        crate::support::fixture(Scheme::StandardWebhooks)
    }
    signed_tests!(malformed: "v1:abc" => "has no ','", other: Scheme::Stripe);
    body_flip_tests!();
    timestamp_tests!();
    reserialize_tests!();
}

mod svix {
    use super::*;
    fn fixture() -> Fixture {
        crate::support::fixture(Scheme::Svix)
    }
    signed_tests!(malformed: "v2,abc" => "unknown version", other: Scheme::Stripe);
    body_flip_tests!();
    timestamp_tests!();
    reserialize_tests!();
}

mod shopify {
    use super::*;
    fn fixture() -> Fixture {
        crate::support::fixture(Scheme::Shopify)
    }
    signed_tests!(malformed: "@@not base64@@" => "not base64", other: Scheme::Stripe);
    body_flip_tests!();
    reserialize_tests!();
}

mod slack {
    use super::*;
    fn fixture() -> Fixture {
        crate::support::fixture(Scheme::Slack)
    }
    signed_tests!(malformed: "v0=xyz" => "not hex", other: Scheme::Stripe);
    body_flip_tests!();
    timestamp_tests!();
    reserialize_tests!();
}

mod twilio {
    use super::*;
    fn fixture() -> Fixture {
        crate::support::fixture(Scheme::Twilio)
    }
    signed_tests!(malformed: "@@@" => "not base64", other: Scheme::Stripe);
    body_flip_tests!();
}

mod paddle {
    use super::*;
    fn fixture() -> Fixture {
        crate::support::fixture(Scheme::PaddleBilling)
    }
    signed_tests!(malformed: "ts=1700000000;h2=abcd" => "no h1= signature", other: Scheme::Stripe);
    body_flip_tests!();
    timestamp_tests!();
    reserialize_tests!();
}

mod square {
    use super::*;
    fn fixture() -> Fixture {
        crate::support::fixture(Scheme::Square)
    }
    signed_tests!(malformed: "@@@" => "not base64", other: Scheme::Stripe);
    body_flip_tests!();
    reserialize_tests!();
}

mod linear {
    use super::*;
    fn fixture() -> Fixture {
        crate::support::fixture(Scheme::Linear)
    }
    signed_tests!(malformed: "xyz" => "not hex", other: Scheme::Stripe);
    body_flip_tests!();
    timestamp_tests!();
    reserialize_tests!();
}

mod intercom {
    use super::*;
    fn fixture() -> Fixture {
        crate::support::fixture(Scheme::Intercom)
    }
    signed_tests!(malformed: "sha256=00" => "should start with \"sha1=\"", other: Scheme::Stripe);
    body_flip_tests!();
    reserialize_tests!();
}

mod zoom {
    use super::*;
    fn fixture() -> Fixture {
        crate::support::fixture(Scheme::Zoom)
    }
    signed_tests!(malformed: "v1=00" => "should start with \"v0=\"", other: Scheme::Stripe);
    body_flip_tests!();
    timestamp_tests!();
    reserialize_tests!();
}

mod discord {
    use super::*;
    fn fixture() -> Fixture {
        crate::support::fixture(Scheme::Discord)
    }
    signed_tests!(malformed: "zz" => "not hex", other: Scheme::Stripe);
    body_flip_tests!();
    timestamp_tests!();
    reserialize_tests!();
}

mod sendgrid {
    use super::*;
    fn fixture() -> Fixture {
        crate::support::fixture(Scheme::Sendgrid)
    }
    signed_tests!(malformed: "AAAA" => "not a DER-encoded ECDSA signature", other: Scheme::Stripe);
    body_flip_tests!();
    timestamp_tests!();
    reserialize_tests!();
}

mod custom_hmac {
    use super::*;
    fn fixture() -> Fixture {
        crate::support::fixture(custom_scheme())
    }
    signed_tests!(malformed: "md5=00" => "should start with \"sha256=\"", other: Scheme::Stripe);
    body_flip_tests!();
    timestamp_tests!();
    reserialize_tests!();
}

mod mailgun {
    use super::*;
    fn fixture() -> Fixture {
        crate::support::fixture(Scheme::Mailgun)
    }
    timestamp_tests!();

    fn signature_field(sent: &Sent, field: &str) -> String {
        let v: serde_json::Value = serde_json::from_slice(&sent.body).expect("signed body is JSON");
        v["signature"][field].as_str().unwrap_or_default().to_owned()
    }

    fn replace_in_body(sent: &mut Sent, from: &str, to: &str) {
        sent.body = String::from_utf8_lossy(&sent.body).replacen(from, to, 1).into_bytes();
    }

    #[test]
    fn a_body_it_signed_is_valid_with_the_current_secret() {
        let f = fixture();
        let sent = send(&f, &f.sign_key);
        assert!(
            sent.headers.iter().all(|h| h.name == "Content-Type"),
            "Mailgun's signature lives in the body, not headers"
        );
        let v = check(&f, &[&f.verify_key], &sent, NOW);
        assert!(v.valid, "{:?}", v.reason);
        assert_eq!(
            v.signed_content.as_deref(),
            Some(format!("{T}msg_2Zx8").as_str()),
            "timestamp + token, no separator"
        );
    }

    #[test]
    fn a_changed_token_is_rejected() {
        let f = fixture();
        let mut sent = send(&f, &f.sign_key);
        replace_in_body(&mut sent, "msg_2Zx8", "msg_2Zx9");
        let v = check(&f, &[&f.verify_key], &sent, NOW);
        assert_eq!(code(&v), Some(ReasonCode::NoSecretMatches), "the token is signed: {}", message(&v));
    }

    #[test]
    fn changed_event_data_still_verifies_because_mailgun_does_not_sign_it() {
        let f = fixture();
        let mut sent = send(&f, &f.sign_key);
        replace_in_body(&mut sent, "delivered", "failed");
        let v = check(&f, &[&f.verify_key], &sent, NOW);
        assert!(v.valid, "Mailgun's signature covers only timestamp+token, as its library checks: {:?}", v.reason);
    }

    #[test]
    fn a_wrong_secret_is_rejected_because_no_secret_matches() {
        let f = fixture();
        let v = check(&f, &[&f.old_verify_key], &send(&f, &f.sign_key), NOW);
        assert_eq!(code(&v), Some(ReasonCode::NoSecretMatches), "{}", message(&v));
    }

    #[test]
    fn when_only_the_previous_secret_matches_the_request_is_valid_and_names_it() {
        let f = fixture();
        let v = check(&f, &[&f.verify_key, &f.old_verify_key], &send(&f, &f.old_sign_key), NOW);
        assert_eq!(v.matched_secret_label.as_deref(), Some("previous #1"), "{:?}", v.reason);
        assert!(v.valid, "rotation");
    }

    #[test]
    fn a_body_without_the_signature_object_is_reported_as_such() {
        let f = fixture();
        let sent = Sent { headers: Vec::new(), body: f.body.clone(), url: URL.into() };
        let v = check(&f, &[&f.verify_key], &sent, NOW);
        assert_eq!(code(&v), Some(ReasonCode::BodyMalformed), "{}", message(&v));
        assert!(message(&v).contains("\"signature\" object"), "says what is missing: {}", message(&v));
    }

    #[test]
    fn a_malformed_signature_field_says_which_part_is_wrong() {
        let f = fixture();
        let mut sent = send(&f, &f.sign_key);
        let sig = signature_field(&sent, "signature");
        replace_in_body(&mut sent, &sig, "not-hex");
        let v = check(&f, &[&f.verify_key], &sent, NOW);
        assert_eq!(code(&v), Some(ReasonCode::HeaderMalformed), "{}", message(&v));
        assert!(message(&v).contains("signature.signature"), "names the field: {}", message(&v));
    }

    #[test]
    fn legacy_form_fields_are_read_too() {
        let f = fixture();
        let sent = send(&f, &f.sign_key);
        let form = format!(
            "timestamp={}&token={}&signature={}&event=delivered",
            signature_field(&sent, "timestamp"),
            signature_field(&sent, "token"),
            signature_field(&sent, "signature")
        );
        let v =
            check(&f, &[&f.verify_key], &Sent { headers: Vec::new(), body: form.into_bytes(), url: URL.into() }, NOW);
        assert!(v.valid, "legacy webhooks post the same three fields as a form: {:?}", v.reason);
    }

    #[test]
    fn a_request_from_another_provider_suggests_that_scheme() {
        let f = fixture();
        let other = crate::support::fixture(Scheme::Stripe);
        let v = check(&f, &[&f.verify_key], &send(&other, &other.sign_key), NOW);
        assert!(
            v.likely_causes.iter().any(|c| c.suggested_scheme.as_deref() == Some("stripe")),
            "{:?}",
            v.likely_causes
        );
    }
}
