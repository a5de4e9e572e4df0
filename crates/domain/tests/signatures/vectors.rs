//! The providers' own published examples.

use hookbench_domain::signature::{Scheme, SignRequest, sign};

use crate::support::*;

fn sent(pairs: &[(&str, &str)], body: &[u8], url: &str) -> Sent {
    Sent { headers: headers(pairs), body: body.to_vec(), url: url.to_owned() }
}

#[test]
fn githubs_documented_example_verifies() {
    let s = sent(
        &[("X-Hub-Signature-256", "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17")],
        b"Hello, World!",
        URL,
    );
    let v = check_scheme(&Scheme::Github, &["It's a Secret to Everybody"], &s, NOW);
    assert!(v.valid, "GitHub's docs vector: {:?}", v.reason);
}

#[test]
fn signing_githubs_example_gives_the_documented_signature() {
    let req = SignRequest { method: "POST", url: URL, body: b"Hello, World!", timestamp: T, id: "" };
    let signed = sign(&Scheme::Github, "It's a Secret to Everybody", &req).expect("signs");
    let value = signed.headers.iter().find(|h| h.name == "X-Hub-Signature-256").map(|h| h.value.clone());
    assert_eq!(
        value.as_deref(),
        Some(&b"sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"[..]),
        "byte-for-byte GitHub's published value"
    );
}

const SPEC_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const SPEC_BODY: &[u8] = br#"{"test": 2432232314}"#;

#[test]
fn the_standard_webhooks_spec_example_verifies() {
    let s = sent(
        &[
            ("webhook-id", "msg_p5jXN8AQM9LWM0D4loKWxJek"),
            ("webhook-timestamp", "1614265330"),
            ("webhook-signature", "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="),
        ],
        SPEC_BODY,
        URL,
    );
    let v = check_scheme(&Scheme::StandardWebhooks, &[SPEC_SECRET], &s, 1_614_265_330);
    assert!(v.valid, "the spec's example: {:?}", v.reason);
    assert_eq!(v.skew_secs, Some(0), "verified at its own timestamp");
}

#[test]
fn the_svix_docs_example_verifies_under_svix_names() {
    let s = sent(
        &[
            ("svix-id", "msg_p5jXN8AQM9LWM0D4loKWxJek"),
            ("svix-timestamp", "1614265330"),
            ("svix-signature", "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="),
        ],
        SPEC_BODY,
        URL,
    );
    let v = check_scheme(&Scheme::Svix, &[SPEC_SECRET], &s, 1_614_265_330);
    assert!(v.valid, "Svix publishes the same example: {:?}", v.reason);
}

#[test]
fn the_standard_webhooks_reference_ed25519_example_signs_and_verifies() {
    // From the reference Go library's asymmetric test (the only v1a implementation).
    let key = "whsk_VEVTVFNJR05JTkdLRVlET05PVFVTRVRISVNGT1JBTlk=";
    let expected = "v1a,tQ9V2XOqn7jL/DQenEFpqIugdBVtiMmER5mhSkXBNwM0mkATuDe6KYYUuxqtaiHeYGb7KaaBRdM5WqyeFiL8Ag==";
    let req = SignRequest {
        method: "POST",
        url: URL,
        body: SPEC_BODY,
        timestamp: 1_614_265_330,
        id: "msg_p5jXN8AQM9LWM0D4loKWxJek",
    };
    let signed = sign(&Scheme::StandardWebhooks, key, &req).expect("signs with whsk_");
    let value = signed.headers.iter().find(|h| h.name == "webhook-signature").map(|h| h.value.clone());
    assert_eq!(value.as_deref(), Some(expected.as_bytes()), "Ed25519 is deterministic: the reference value");
    let s = Sent { headers: signed.headers, body: SPEC_BODY.to_vec(), url: URL.into() };
    let v = check_scheme(&Scheme::StandardWebhooks, &[key], &s, 1_614_265_330);
    assert!(v.valid, "verifying with the private key works via its public half: {:?}", v.reason);
}

#[test]
fn twilios_documented_example_verifies() {
    let body = b"CallSid=CA1234567890ABCDE&Caller=%2B12349013030&Digits=1234&From=%2B12349013030&To=%2B18005551212";
    let s = sent(
        &[("X-Twilio-Signature", "0/KCTR6DLpKmkAf8muzZqo1nDgQ=")],
        body,
        "https://mycompany.com/myapp.php?foo=1&bar=2",
    );
    let v = check_scheme(&Scheme::Twilio, &["12345"], &s, NOW);
    assert!(v.valid, "Twilio's docs example: {:?}", v.reason);
}

#[test]
fn slacks_documented_example_verifies() {
    let body = b"token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
    let s = sent(
        &[
            ("X-Slack-Request-Timestamp", "1531420618"),
            ("X-Slack-Signature", "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"),
        ],
        body,
        URL,
    );
    let v = check_scheme(&Scheme::Slack, &["8f742231b10e8888abcd99yyyzzz85a5"], &s, 1_531_420_618);
    assert!(v.valid, "Slack's docs example: {:?}", v.reason);
}
