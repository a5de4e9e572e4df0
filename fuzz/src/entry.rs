//! What every fuzz target does with its bytes, shared with the domain crate's robustness test
//! (which includes this file by path), so the committed corpus also runs under `cargo test`.
//!
//! The bytes are cut at 0xFF into parts: header values (each signature-header name in turn), a
//! body, a URL and secrets. Every scheme of the family verifies them, `detect` reads them and
//! `sign` signs with them; none may panic.

use hookbench_domain::Header;
use hookbench_domain::signature::{
    CustomHmac, Encoding, HmacAlgorithm, Scheme, SignRequest, VerifyConfig, VerifyRequest, detect, sign, verify,
};

/// The fuzz target families: one per kind of signature-header parser.
pub const FAMILIES: &[&str] =
    &["stripe_like", "standard", "prefixed", "url_signed", "body_signed", "public_key", "custom"];

const HEADER_NAMES: &[&str] = &[
    "Stripe-Signature",
    "Paddle-Signature",
    "webhook-id",
    "webhook-timestamp",
    "webhook-signature",
    "svix-id",
    "svix-timestamp",
    "svix-signature",
    "X-Hub-Signature-256",
    "X-Hub-Signature",
    "X-Shopify-Hmac-Sha256",
    "X-Slack-Signature",
    "X-Slack-Request-Timestamp",
    "x-zm-signature",
    "x-zm-request-timestamp",
    "Linear-Signature",
    "X-Twilio-Signature",
    "X-Twilio-Webhooks-Signature-Settings",
    "x-square-hmacsha256-signature",
    "x-square-signature",
    "X-Signature-Ed25519",
    "X-Signature-Timestamp",
    "X-Twilio-Email-Event-Webhook-Signature",
    "X-Twilio-Email-Event-Webhook-Timestamp",
    "X-Forwarded-Host",
    "X-Forwarded-Proto",
    "X-Sig",
    "X-Ts",
];

fn schemes(family: &str, parts: &[&[u8]]) -> Vec<Scheme> {
    match family {
        "stripe_like" => vec![Scheme::Stripe, Scheme::PaddleBilling],
        "standard" => vec![Scheme::StandardWebhooks, Scheme::Svix],
        "prefixed" => {
            vec![Scheme::Github, Scheme::Intercom, Scheme::Shopify, Scheme::Slack, Scheme::Zoom, Scheme::Linear]
        }
        "url_signed" => vec![Scheme::Twilio, Scheme::Square],
        "body_signed" => vec![Scheme::Mailgun],
        "public_key" => vec![Scheme::Discord, Scheme::Sendgrid],
        _ => {
            let pick = |i: usize| parts.get(i).and_then(|p| p.first()).copied().unwrap_or(0);
            let text = |i: usize| String::from_utf8_lossy(parts.get(i).copied().unwrap_or_default()).into_owned();
            vec![Scheme::CustomHmac(CustomHmac {
                algorithm: [HmacAlgorithm::Sha1, HmacAlgorithm::Sha256, HmacAlgorithm::Sha512]
                    [usize::from(pick(0) % 3)],
                header: "X-Sig".into(),
                encoding: if pick(1) % 2 == 0 { Encoding::Hex } else { Encoding::Base64 },
                prefix: text(2),
                timestamp_header: (pick(3) % 2 == 0).then(|| "X-Ts".to_owned()),
                template: text(4),
            })]
        }
    }
}

pub fn run(family: &str, data: &[u8]) {
    let parts: Vec<&[u8]> = data.split(|b| *b == 0xFF).collect();
    let part = |i: usize| parts.get(i).copied().unwrap_or_default();
    let headers: Vec<Header> = parts
        .iter()
        .enumerate()
        .flat_map(|(i, value)| {
            let name = HEADER_NAMES.get(i % HEADER_NAMES.len()).copied().unwrap_or("X-Sig");
            // The same value under several names, so each scheme's parser sees fuzzed input.
            [Header::new(name, *value), Header::new(HEADER_NAMES[(i * 7 + 3) % HEADER_NAMES.len()], *value)]
        })
        .collect();
    let body = part(parts.len().saturating_sub(1));
    let url = String::from_utf8_lossy(part(1)).into_owned();
    let now = i64::from_le_bytes(
        part(2).iter().copied().chain([0; 8]).take(8).collect::<Vec<_>>().try_into().unwrap_or([0; 8]),
    );
    let mut secrets: Vec<String> = vec![
        String::from_utf8_lossy(part(0)).into_owned(),
        format!("whsec_{}", String::from_utf8_lossy(part(3))),
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".into(),
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a".into(),
    ];
    secrets.retain(|s| s.len() < 4096);
    for scheme in schemes(family, &parts) {
        let _ = scheme.validate();
        let config = VerifyConfig { scheme: scheme.clone(), secrets: secrets.clone(), tolerance_secs: None };
        let req = VerifyRequest { method: "POST", url: &url, headers: &headers, body, now_unix: now };
        let verdict = verify(&config, &req);
        assert!(verdict.valid == verdict.reason.is_none(), "valid exactly when there is no reason");
        for secret in &secrets {
            let sign_req = SignRequest { method: "POST", url: &url, body, timestamp: now, id: &secrets[0] };
            let _ = sign(&scheme, secret, &sign_req);
        }
    }
    let _ = detect(&headers, body);
}
