//! Tells which provider sent a request from its headers (and, for Mailgun, its body), so an
//! endpoint without a scheme can suggest one and a failed verification can point elsewhere.

use serde_json::Value;

use super::plan::parse_form;
use super::scheme::Scheme;
use super::verdict::Detection;
use crate::Header;

/// (scheme, signature headers — any one is decisive, supporting headers — each adds weight)
const RULES: &[(&str, &[&str], &[&str])] = &[
    ("stripe", &["Stripe-Signature"], &[]),
    (
        "github",
        &["X-Hub-Signature-256"],
        &["X-GitHub-Event", "X-GitHub-Delivery", "X-GitHub-Hook-ID", "X-Hub-Signature"],
    ),
    ("standard-webhooks", &["webhook-signature"], &["webhook-id", "webhook-timestamp"]),
    ("svix", &["svix-signature"], &["svix-id", "svix-timestamp"]),
    (
        "shopify",
        &["X-Shopify-Hmac-Sha256", "shopify-hmac-sha256"],
        &["X-Shopify-Topic", "X-Shopify-Shop-Domain", "X-Shopify-Webhook-Id", "X-Shopify-API-Version"],
    ),
    ("slack", &["X-Slack-Signature"], &["X-Slack-Request-Timestamp"]),
    ("twilio", &["X-Twilio-Signature"], &["X-Twilio-Webhooks-Signature-Settings", "I-Twilio-Idempotency-Token"]),
    ("paddle", &["Paddle-Signature"], &[]),
    ("square", &["x-square-hmacsha256-signature", "x-square-signature"], &[]),
    ("linear", &["Linear-Signature"], &["Linear-Delivery", "Linear-Event", "Linear-Timestamp"]),
    ("zoom", &["x-zm-signature"], &["x-zm-request-timestamp"]),
    ("discord", &["X-Signature-Ed25519"], &["X-Signature-Timestamp"]),
    ("sendgrid", &["X-Twilio-Email-Event-Webhook-Signature"], &["X-Twilio-Email-Event-Webhook-Timestamp"]),
];

/// Headers that belong to a signature (the signature itself, and the id/timestamp it covers) for
/// any provider this module knows: dropped before a request is signed again for another target.
pub fn is_signature_header(name: &str) -> bool {
    const EXTRA: &[&str] = &[
        "X-Hub-Signature",
        "webhook-id",
        "webhook-timestamp",
        "svix-id",
        "svix-timestamp",
        "X-Slack-Request-Timestamp",
        "X-Signature-Timestamp",
        "x-zm-request-timestamp",
        "X-Twilio-Email-Event-Webhook-Timestamp",
    ];
    RULES.iter().flat_map(|(_, signature, _)| signature.iter()).chain(EXTRA).any(|n| n.eq_ignore_ascii_case(name))
}

fn present<'h>(headers: &'h [Header], name: &str) -> Option<&'h str> {
    headers.iter().find(|h| h.name.eq_ignore_ascii_case(name)).map(|h| h.name.as_str())
}

/// Providers whose signature headers the request carries, strongest evidence first.
pub fn detect(headers: &[Header], body: &[u8]) -> Vec<Detection> {
    let mut found: Vec<(u32, Detection)> = Vec::new();
    for (id, signature, supporting) in RULES {
        let decisive: Vec<String> = signature.iter().filter_map(|n| present(headers, n)).map(str::to_owned).collect();
        if decisive.is_empty() {
            continue;
        }
        let support: Vec<String> = supporting.iter().filter_map(|n| present(headers, n)).map(str::to_owned).collect();
        let score = 10 + support.len() as u32;
        found.push((score, detection(id, decisive.into_iter().chain(support).collect())));
    }
    // X-Hub-Signature alone (sha1=) is Intercom's header and GitHub's legacy one: GitHub always
    // adds X-GitHub-* headers, so without them it is Intercom.
    if let Some(legacy) = present(headers, "X-Hub-Signature") {
        let github_hint: Vec<String> = ["X-GitHub-Event", "X-GitHub-Delivery"]
            .iter()
            .filter_map(|n| present(headers, n))
            .map(str::to_owned)
            .collect();
        if !found.iter().any(|(_, d)| d.scheme_id == "github") {
            if github_hint.is_empty() {
                found.push((9, detection("intercom", vec![legacy.to_owned()])));
            } else {
                let score = 10 + github_hint.len() as u32;
                found.push((
                    score,
                    detection("github", std::iter::once(legacy.to_owned()).chain(github_hint).collect()),
                ));
            }
        }
    }
    if let Some(evidence) = mailgun_evidence(body) {
        found.push((10, detection("mailgun", evidence)));
    }
    found.sort_by_key(|(score, _)| std::cmp::Reverse(*score));
    found.into_iter().map(|(_, d)| d).collect()
}

fn detection(id: &str, evidence: Vec<String>) -> Detection {
    let label = Scheme::from_id(id).map(|s| s.label()).unwrap_or(id);
    Detection { scheme_id: id.to_owned(), label: label.to_owned(), evidence }
}

fn mailgun_evidence(body: &[u8]) -> Option<Vec<String>> {
    let has_all = |has: &dyn Fn(&str) -> bool| ["timestamp", "token", "signature"].iter().all(|f| has(f));
    if let Ok(json) = serde_json::from_slice::<Value>(body) {
        let sig = json.get("signature")?.as_object()?;
        return has_all(&|f| sig.contains_key(f))
            .then(|| vec!["body: signature.timestamp, signature.token, signature.signature".to_owned()]);
    }
    let form = parse_form(body);
    has_all(&|f| form.iter().any(|(k, _)| k == f))
        .then(|| vec!["body: form fields timestamp, token, signature".to_owned()])
}
