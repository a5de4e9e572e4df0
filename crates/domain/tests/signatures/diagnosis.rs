//! Likely causes and the finer points of each scheme: several signatures per header, secret
//! encodings, URLs changed by proxies, upper-case hex, library quirks.

use hmac::{Hmac, Mac};
use hookbench_domain::signature::{LikelyCauseCode, ReasonCode, Scheme};

use crate::support::*;

fn hmac_hex(key: &[u8], content: &[u8]) -> String {
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(key).expect("any key length");
    mac.update(content);
    hex::encode(mac.finalize().into_bytes())
}

fn b64(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn sent(pairs: &[(&str, &str)], body: &[u8], url: &str) -> Sent {
    Sent { headers: headers(pairs), body: body.to_vec(), url: url.to_owned() }
}

#[test]
fn a_stripe_header_with_several_v1_signatures_is_valid_if_any_matches() {
    let good = hmac_hex(
        b"sk_current",
        format!("{T}.").as_bytes().iter().chain(JSON_BODY).copied().collect::<Vec<_>>().as_slice(),
    );
    let header = format!("t={T},v1={},v1={good},v0=deadbeef", "0".repeat(64));
    let v =
        check_scheme(&Scheme::Stripe, &["sk_current"], &sent(&[("Stripe-Signature", &header)], JSON_BODY, URL), NOW);
    assert!(v.valid, "Stripe sends one v1 per active secret during a roll: {:?}", v.reason);
    assert_eq!(v.received.len(), 2, "both v1 entries are listed, v0 is not a signature");
}

#[test]
fn a_paddle_header_with_several_h1_signatures_is_valid_if_any_matches() {
    let good = hmac_hex(b"pdl_ntfset_x", [format!("{T}:").as_bytes(), JSON_BODY].concat().as_slice());
    let header = format!("ts={T};h1={};h1={good}", "a".repeat(64));
    let v = check_scheme(
        &Scheme::PaddleBilling,
        &["pdl_ntfset_x"],
        &sent(&[("Paddle-Signature", &header)], JSON_BODY, URL),
        NOW,
    );
    assert!(v.valid, "the Python SDK checks every h1: {:?}", v.reason);
}

#[test]
fn a_standard_webhooks_list_mixing_v1a_and_v1_entries_is_valid_with_either_key() {
    let f = fixture(Scheme::StandardWebhooks);
    let hmac_sent = send(&f, &f.sign_key);
    let seed = b64(&[7u8; 32]);
    let ed_sent = send(&f, &format!("whsk_{seed}"));
    let hmac_sig =
        hmac_sent.headers.iter().find(|h| h.name == "webhook-signature").map(|h| h.value.clone()).unwrap_or_default();
    let ed_sig =
        ed_sent.headers.iter().find(|h| h.name == "webhook-signature").map(|h| h.value.clone()).unwrap_or_default();
    let list = format!("{} v2,abc {}", String::from_utf8_lossy(&ed_sig), String::from_utf8_lossy(&hmac_sig));
    let mut both = hmac_sent;
    set_header(&mut both.headers, "webhook-signature", &list);
    let public = {
        let key = ed25519_dalek::SigningKey::from_bytes(&[7u8; 32]);
        format!("whpk_{}", b64(key.verifying_key().as_bytes()))
    };
    assert!(check(&f, &[&f.verify_key], &both, NOW).valid, "the whsec_ secret matches the v1 entry");
    let v = check(&f, &[&public], &both, NOW);
    assert!(v.valid, "the whpk_ public key matches the v1a entry: {:?}", v.reason);
    assert!(v.steps.iter().any(|s| s.detail.contains("unknown version")), "the skipped v2 entry is shown");
}

#[test]
fn an_hmac_secret_against_only_ed25519_entries_says_the_key_kind_is_wrong() {
    let f = fixture(Scheme::StandardWebhooks);
    let sent = send(&f, &format!("whsk_{}", b64(&[7u8; 32])));
    let v = check(&f, &[&f.verify_key], &sent, NOW);
    assert_eq!(code(&v), Some(ReasonCode::NoSecretMatches), "{}", message(&v));
    assert!(message(&v).contains("only Ed25519 signatures"), "explains the mismatch of kinds: {}", message(&v));
}

#[test]
fn a_stripe_secret_used_base64_decoded_by_the_sender_is_named_as_the_cause() {
    let secret = whsec(0x5a);
    let decoded = [0x5au8; 32];
    let sig = hmac_hex(&decoded, [format!("{T}.").as_bytes(), JSON_BODY].concat().as_slice());
    let s = sent(&[("Stripe-Signature", &format!("t={T},v1={sig}"))], JSON_BODY, URL);
    let v = check_scheme(&Scheme::Stripe, &[&secret], &s, NOW);
    assert!(!v.valid, "Stripe keys with the whole string");
    let cause = v.likely_causes.iter().find(|c| c.code == LikelyCauseCode::SecretEncoding);
    assert!(cause.is_some_and(|c| c.message.contains("base64-decoded")), "{:?}", v.likely_causes);
}

#[test]
fn a_standard_webhooks_secret_used_as_text_by_the_sender_is_named_as_the_cause() {
    let f = fixture(Scheme::StandardWebhooks);
    let content = [b"msg_1.".as_slice(), format!("{T}.").as_bytes(), JSON_BODY].concat();
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(f.sign_key.as_bytes()).expect("key");
    mac.update(&content);
    let sig = format!("v1,{}", b64(&mac.finalize().into_bytes()));
    let s = sent(
        &[("webhook-id", "msg_1"), ("webhook-timestamp", &T.to_string()), ("webhook-signature", &sig)],
        JSON_BODY,
        URL,
    );
    let v = check(&f, &[&f.verify_key], &s, NOW);
    assert!(has_cause(&v, LikelyCauseCode::SecretEncoding), "the whole whsec_ string as key: {:?}", v.likely_causes);
}

#[test]
fn upper_case_hex_is_rejected_and_named_as_the_cause() {
    let sig = hmac_hex(b"gh", JSON_BODY).to_uppercase();
    let s = sent(&[("X-Hub-Signature-256", &format!("sha256={sig}"))], JSON_BODY, URL);
    let v = check_scheme(&Scheme::Github, &["gh"], &s, NOW);
    assert!(!v.valid, "GitHub's libraries compare the exact string");
    assert!(has_cause(&v, LikelyCauseCode::SignatureCase), "{:?}", v.likely_causes);
}

#[test]
fn a_trailing_newline_added_after_signing_is_named_as_the_cause() {
    let f = fixture(Scheme::Slack);
    let mut sent = send(&f, &f.sign_key);
    sent.body.push(b'\n');
    let v = check(&f, &[&f.verify_key], &sent, NOW);
    assert!(has_cause(&v, LikelyCauseCode::TrailingNewline), "{:?}", v.likely_causes);
}

#[test]
fn json_with_pythons_separators_is_recognised_as_reserialized() {
    let f = fixture(Scheme::Stripe);
    let mut sent = send(&f, &f.sign_key);
    sent.body = br#"{"id": "evt_1", "type": "thing.created", "data": {"amount": 100, "note": "caf\u00e9"}}"#.to_vec();
    let v = check(&f, &[&f.verify_key], &sent, NOW);
    let cause = v.likely_causes.iter().find(|c| c.code == LikelyCauseCode::BodyReserialized);
    assert!(
        cause.is_some_and(|c| c.message.contains("compact")),
        "what was signed is the compact form: {:?}",
        v.likely_causes
    );
}

#[test]
fn a_twilio_url_whose_scheme_a_proxy_changed_is_named_with_the_matching_variant() {
    let f = fixture(Scheme::Twilio);
    let mut sent = send(&f, &f.sign_key);
    sent.url = URL.replace("https://", "http://");
    let v = check(&f, &[&f.verify_key], &sent, NOW);
    let cause = v.likely_causes.iter().find(|c| c.code == LikelyCauseCode::UrlChanged);
    assert!(cause.is_some_and(|c| c.message.contains("scheme https instead of http")), "{:?}", v.likely_causes);
}

#[test]
fn a_twilio_url_with_the_default_port_is_valid_as_twilios_library_accepts_it() {
    let f = fixture(Scheme::Twilio);
    let mut sent = send(&f, &f.sign_key);
    sent.url = URL.replace("example.com/", "example.com:443/");
    let v = check(&f, &[&f.verify_key], &sent, NOW);
    assert!(v.valid, "the library tries with and without the port: {:?}", v.reason);
}

#[test]
fn a_square_url_rewritten_by_a_proxy_is_found_through_forwarded_headers() {
    let f = fixture(Scheme::Square);
    let mut sent = send(&f, &f.sign_key);
    sent.url = "http://10.0.0.5:8080/in/abc?x=1".into();
    sent.headers.push(hookbench_domain::Header::new("X-Forwarded-Host", "hooks.example.com"));
    sent.headers.push(hookbench_domain::Header::new("X-Forwarded-Proto", "https"));
    let v = check(&f, &[&f.verify_key], &sent, NOW);
    let cause = v.likely_causes.iter().find(|c| c.code == LikelyCauseCode::UrlChanged);
    assert!(cause.is_some_and(|c| c.message.contains("host hooks.example.com")), "{:?}", v.likely_causes);
}

#[test]
fn a_twilio_json_webhook_is_checked_by_its_body_hash() {
    let body = br#"{"EventType":"onMessageAdded"}"#;
    let hash = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(body));
    let url = format!("https://hooks.example.com/tw?bodySHA256={hash}");
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(b"token").expect("key");
    mac.update(url.as_bytes());
    let sig = b64(&mac.finalize().into_bytes());
    let ok = sent(&[("X-Twilio-Signature", &sig)], body, &url);
    assert!(check_scheme(&Scheme::Twilio, &["token"], &ok, NOW).valid, "URL signed, body hash matches");
    let tampered = sent(&[("X-Twilio-Signature", &sig)], br#"{"EventType":"onMessageRemoved"}"#, &url);
    let v = check_scheme(&Scheme::Twilio, &["token"], &tampered, NOW);
    assert_eq!(
        code(&v),
        Some(ReasonCode::BodyHashMismatch),
        "the URL still matches, the body does not: {}",
        message(&v)
    );
}

#[test]
fn twilios_sha256_variant_is_used_when_the_settings_header_names_it() {
    let f = fixture(Scheme::Twilio);
    let content = format!("{URL}CallSidCA123Digits1234From+14155550100"); // sorted names, name+value
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(b"shared-key-secret").expect("key");
    mac.update(content.as_bytes());
    let s = sent(
        &[
            ("X-Twilio-Signature", &b64(&mac.finalize().into_bytes())),
            ("X-Twilio-Webhooks-Signature-Settings", "key=KS123,algorithm=HMAC_SHA256"),
        ],
        &f.body,
        URL,
    );
    let v = check_scheme(&Scheme::Twilio, &["shared-key-secret"], &s, NOW);
    assert!(v.valid, "HMAC-SHA256 with the shared key: {:?} {:?}", v.reason, v.signed_content);
}

#[test]
fn a_stripe_timestamp_from_the_future_mentions_that_stripes_library_would_accept_it() {
    let f = fixture(Scheme::Stripe);
    let v = check(&f, &[&f.verify_key], &send(&f, &f.sign_key), T - 1000);
    assert_eq!(code(&v), Some(ReasonCode::TimestampInFuture), "Hookbench rejects both directions");
    assert!(message(&v).contains("Stripe's own library would accept it"), "{}", message(&v));
}

#[test]
fn a_discord_key_that_is_not_hex_is_a_malformed_key() {
    let f = fixture(Scheme::Discord);
    let v = check(&f, &["not a key"], &send(&f, &f.sign_key), NOW);
    assert_eq!(code(&v), Some(ReasonCode::KeyMalformed), "{}", message(&v));
    assert!(message(&v).contains("current"), "names which secret: {}", message(&v));
}

#[test]
fn no_configured_secret_is_its_own_reason() {
    let f = fixture(Scheme::Github);
    let v = check(&f, &[], &send(&f, &f.sign_key), NOW);
    assert_eq!(code(&v), Some(ReasonCode::NoSecrets), "nothing to compare with");
}

#[test]
fn github_falls_back_to_the_legacy_sha1_header() {
    let f = fixture(Scheme::Github);
    let mut sent = send(&f, &f.sign_key);
    sent.headers.retain(|h| h.name != "X-Hub-Signature-256");
    let v = check(&f, &[&f.verify_key], &sent, NOW);
    assert!(v.valid, "X-Hub-Signature sha1= is still sent by GitHub: {:?}", v.reason);
    assert!(v.steps.iter().any(|s| s.label == "Fallback"), "the step says the legacy header was used");
}

#[test]
fn a_linear_body_without_webhook_timestamp_is_rejected_as_its_sdk_does() {
    let f = fixture(Scheme::Linear);
    let body = br#"{"action":"create"}"#;
    let v = check(&f, &[&f.verify_key], &send_body(&f, &f.sign_key, body, T), NOW);
    assert_eq!(code(&v), Some(ReasonCode::TimestampMissing), "{}", message(&v));
}

#[test]
fn svix_reads_white_labelled_webhook_headers() {
    let f = fixture(Scheme::StandardWebhooks);
    let sent = send(&f, &f.sign_key);
    let v = check_scheme(&Scheme::Svix, &[&f.verify_key], &sent, NOW);
    assert!(v.valid, "white-labelled Svix sends webhook-*: {:?}", v.reason);
}

#[test]
fn a_non_integer_timestamp_is_malformed_and_quoted() {
    let f = fixture(Scheme::Slack);
    let mut sent = send(&f, &f.sign_key);
    set_header(&mut sent.headers, "X-Slack-Request-Timestamp", "12:30");
    let v = check(&f, &[&f.verify_key], &sent, NOW);
    assert_eq!(code(&v), Some(ReasonCode::TimestampMalformed), "{}", message(&v));
    assert!(message(&v).contains("\"12:30\""), "quotes the value: {}", message(&v));
}

#[test]
fn a_configured_tolerance_overrides_the_default() {
    use hookbench_domain::signature::{VerifyConfig, VerifyRequest, verify};
    let f = fixture(Scheme::Stripe);
    let sent = send(&f, &f.sign_key);
    let config = VerifyConfig { scheme: Scheme::Stripe, secrets: vec![f.verify_key.clone()], tolerance_secs: Some(10) };
    let req = VerifyRequest { method: "POST", url: URL, headers: &sent.headers, body: &sent.body, now_unix: T + 11 };
    let v = verify(&config, &req);
    assert_eq!(code(&v), Some(ReasonCode::TimestampTooOld), "11 s is beyond a 10 s tolerance");
    assert_eq!(v.tolerance_secs, Some(10), "the verdict shows the tolerance applied");
}
