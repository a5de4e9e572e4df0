//! Fixtures shared by the signature tests: one signer/verifier pair per scheme, fixed clock.

use hookbench_domain::Header;
use hookbench_domain::signature::{
    LikelyCauseCode, ReasonCode, Scheme, SignRequest, Verdict, VerifyConfig, VerifyRequest, sign, verify,
};

/// The signing time of every fixture request.
pub const T: i64 = 1_700_000_000;
/// "Now" for a fresh request: within every scheme's tolerance (Paddle's is 5 s).
pub const NOW: i64 = T + 2;
pub const URL: &str = "https://hooks.example.com/in/abc?x=1";
pub const JSON_BODY: &[u8] = br#"{"id":"evt_1","type":"thing.created","data":{"amount":100,"note":"caf\u00e9"}}"#;

pub struct Fixture {
    pub scheme: Scheme,
    /// What the sender signs with (a private key for public-key schemes).
    pub sign_key: String,
    /// What the receiver verifies with (the public key for public-key schemes).
    pub verify_key: String,
    /// Another sender key and its verifier: a rotated-out or simply wrong secret.
    pub old_sign_key: String,
    pub old_verify_key: String,
    pub body: Vec<u8>,
    /// The header carrying the signature (`None` for Mailgun: it is in the body). Tests remove
    /// every header whose name starts with it (GitHub's `X-Hub-Signature` and `-256`).
    pub signature_header: Option<&'static str>,
}

pub struct Sent {
    pub headers: Vec<Header>,
    pub body: Vec<u8>,
    pub url: String,
}

fn ed25519_public_hex(seed_hex: &str) -> String {
    let seed: [u8; 32] = hex::decode(seed_hex).ok().and_then(|b| b.try_into().ok()).unwrap_or([0; 32]);
    hex::encode(ed25519_dalek::SigningKey::from_bytes(&seed).verifying_key().as_bytes())
}

fn b64(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// P-256 key pairs as (base64 PKCS#8 private key, base64 SPKI public key): the scalars 0x31…31
/// and 0x47…47, encoded once with OpenSSL.
pub fn p256_pair(fill: u8) -> (String, String) {
    let (private, public) = match fill {
        0x31 => (
            "MEECAQAwEwYHKoZIzj0CAQYIKoZIzj0DAQcEJzAlAgEBBCAxMTExMTExMTExMTExMTExMTExMTExMTExMTExMTExMQ==",
            "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEdDGxjwVayHOx63102HFq0ePfBpCLAMwvkBFT+OtkKBhIZ8D9qzOcbEkKOa5wTSm1tMLxJENQopBZYiz0m0IRVQ==",
        ),
        _ => (
            "MEECAQAwEwYHKoZIzj0CAQYIKoZIzj0DAQcEJzAlAgEBBCBHR0dHR0dHR0dHR0dHR0dHR0dHR0dHR0dHR0dHR0dHRw==",
            "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEctq/ed9EjHpb+uy3vA28mQoP/UO3pStQLIYKwKuDQP8jnYEpl26FMGeQfZjCMenjSfiu38HhzLL6R/5JRd4kYA==",
        ),
    };
    (private.to_owned(), public.to_owned())
}

pub fn whsec(fill: u8) -> String {
    format!("whsec_{}", b64(&[fill; 32]))
}

pub fn fixture(scheme: Scheme) -> Fixture {
    let hmac = |scheme: Scheme, header: Option<&'static str>, body: &[u8]| Fixture {
        scheme,
        sign_key: "hb_secret_current_7f3a".into(),
        verify_key: "hb_secret_current_7f3a".into(),
        old_sign_key: "hb_secret_previous_19c2".into(),
        old_verify_key: "hb_secret_previous_19c2".into(),
        body: body.to_vec(),
        signature_header: header,
    };
    match scheme {
        Scheme::Stripe => hmac(scheme, Some("Stripe-Signature"), JSON_BODY),
        Scheme::Github => hmac(scheme, Some("X-Hub-Signature"), JSON_BODY),
        Scheme::Shopify => hmac(scheme, Some("X-Shopify-Hmac-Sha256"), JSON_BODY),
        Scheme::Slack => hmac(scheme, Some("X-Slack-Signature"), JSON_BODY),
        Scheme::Twilio => hmac(scheme, Some("X-Twilio-Signature"), b"CallSid=CA123&From=%2B14155550100&Digits=1234"),
        Scheme::PaddleBilling => hmac(scheme, Some("Paddle-Signature"), JSON_BODY),
        Scheme::Square => hmac(scheme, Some("x-square-hmacsha256-signature"), JSON_BODY),
        Scheme::Linear => hmac(
            scheme,
            Some("Linear-Signature"),
            format!(r#"{{"action":"create","type":"Issue","webhookTimestamp":{}}}"#, T * 1000).as_bytes(),
        ),
        Scheme::Intercom => hmac(scheme, Some("X-Hub-Signature"), JSON_BODY),
        Scheme::Mailgun => hmac(scheme, None, br#"{"event-data":{"event":"delivered","id":"m1"}}"#),
        Scheme::Zoom => hmac(scheme, Some("x-zm-signature"), JSON_BODY),
        Scheme::CustomHmac(_) => hmac(scheme, Some("X-Sig"), JSON_BODY),
        Scheme::StandardWebhooks | Scheme::Svix => Fixture {
            signature_header: Some(if scheme == Scheme::Svix { "svix-signature" } else { "webhook-signature" }),
            scheme,
            sign_key: whsec(0x11),
            verify_key: whsec(0x11),
            old_sign_key: whsec(0x22),
            old_verify_key: whsec(0x22),
            body: JSON_BODY.to_vec(),
        },
        Scheme::Discord => {
            let seed = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
            let old = "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb";
            Fixture {
                scheme,
                sign_key: seed.into(),
                verify_key: ed25519_public_hex(seed),
                old_sign_key: old.into(),
                old_verify_key: ed25519_public_hex(old),
                body: JSON_BODY.to_vec(),
                signature_header: Some("X-Signature-Ed25519"),
            }
        }
        Scheme::Sendgrid => {
            let (private, public) = p256_pair(0x31);
            let (old_private, old_public) = p256_pair(0x47);
            Fixture {
                scheme,
                sign_key: private,
                verify_key: public,
                old_sign_key: old_private,
                old_verify_key: old_public,
                body: b"[{\"email\":\"a@example.com\",\"event\":\"delivered\"}]\r\n".to_vec(),
                signature_header: Some("X-Twilio-Email-Event-Webhook-Signature"),
            }
        }
    }
}

/// The custom scheme used in the shared tests: hex HMAC-SHA256 of `{timestamp}.{body}`.
pub fn custom_scheme() -> Scheme {
    serde_json::from_str(
        r#"{"kind":"custom_hmac","algorithm":"sha256","header":"X-Sig","encoding":"hex","prefix":"sha256=","timestamp_header":"X-Sig-Timestamp","template":"{timestamp}.{body}"}"#,
    )
    .expect("the custom scheme JSON of the brief parses")
}

/// Signs `body` at `ts` with `key` as the fixture's scheme would send it.
pub fn send_body(f: &Fixture, key: &str, body: &[u8], ts: i64) -> Sent {
    let req = SignRequest { method: "POST", url: URL, body, timestamp: ts, id: "msg_2Zx8" };
    let signed = sign(&f.scheme, key, &req).unwrap_or_else(|e| panic!("signing with {} failed: {e}", f.scheme.id()));
    Sent { headers: signed.headers, body: signed.body.unwrap_or_else(|| body.to_vec()), url: URL.to_owned() }
}

pub fn send(f: &Fixture, key: &str) -> Sent {
    send_body(f, key, &f.body, T)
}

pub fn check(f: &Fixture, secrets: &[&str], sent: &Sent, now: i64) -> Verdict {
    check_scheme(&f.scheme, secrets, sent, now)
}

pub fn check_scheme(scheme: &Scheme, secrets: &[&str], sent: &Sent, now: i64) -> Verdict {
    let config = VerifyConfig {
        scheme: scheme.clone(),
        secrets: secrets.iter().map(|s| s.to_string()).collect(),
        tolerance_secs: None,
    };
    let req = VerifyRequest { method: "POST", url: &sent.url, headers: &sent.headers, body: &sent.body, now_unix: now };
    verify(&config, &req)
}

pub fn code(v: &Verdict) -> Option<ReasonCode> {
    v.reason.as_ref().map(|r| r.code)
}

pub fn message(v: &Verdict) -> String {
    v.reason.as_ref().map(|r| r.message.clone()).unwrap_or_default()
}

pub fn has_cause(v: &Verdict, code: LikelyCauseCode) -> bool {
    v.likely_causes.iter().any(|c| c.code == code)
}

pub fn remove_headers(headers: &mut Vec<Header>, name: &str) {
    let stem = name.to_ascii_lowercase();
    headers.retain(|h| !h.name.to_ascii_lowercase().starts_with(&stem));
}

pub fn set_header(headers: &mut Vec<Header>, name: &str, value: &str) {
    remove_headers(headers, name);
    headers.push(Header::new(name, value));
}

pub fn headers(pairs: &[(&str, &str)]) -> Vec<Header> {
    pairs.iter().map(|(n, v)| Header::new(*n, *v)).collect()
}
