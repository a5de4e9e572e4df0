//! Schemes that sign the raw body alone: GitHub (`sha256=`, legacy `sha1=`), Intercom (`sha1=`),
//! Shopify (base64) and Linear (hex, with the timestamp inside the JSON body).

use super::SignRequest;
use super::crypto;
use super::plan::{Piece, Plan, Received, SignedTime, Unreadable, check_encoded, header, require_header, strip_prefix};
use super::scheme::{Encoding, HmacAlgorithm};
use super::verdict::{Reason, ReasonCode};
use crate::Header;

/// One `prefix<encoded>` signature header over the body.
fn body_plan(
    req: &super::VerifyRequest,
    name: &str,
    value: &str,
    prefix: &str,
    algorithm: HmacAlgorithm,
    encoding: Encoding,
) -> Result<Plan, Unreadable> {
    let sig = strip_prefix(name, value, prefix)?;
    let len = match algorithm {
        HmacAlgorithm::Sha1 => 20,
        HmacAlgorithm::Sha256 => 32,
        HmacAlgorithm::Sha512 => 64,
    };
    check_encoded(name, &format!("the signature after {prefix:?}"), sig, encoding, len)?;
    let mut plan = Plan::new(vec![Piece::Body], req.url).with_hmac(algorithm, encoding, prefix);
    plan.step("Header", format!("{name}: {value}"));
    plan.step(
        "Content",
        format!("the raw body, {} with the secret as UTF-8 key, {}", algorithm.label(), encoding.label()),
    );
    plan.received = vec![Received::hmac(value, sig)];
    Ok(plan)
}

pub(crate) fn plan_github(req: &super::VerifyRequest) -> Result<Plan, Unreadable> {
    if let Some((name, value)) = header(req.headers, "X-Hub-Signature-256") {
        return body_plan(req, name, &value, "sha256=", HmacAlgorithm::Sha256, Encoding::Hex);
    }
    match header(req.headers, "X-Hub-Signature") {
        Some((name, value)) => {
            let mut plan = body_plan(req, name, &value, "sha1=", HmacAlgorithm::Sha1, Encoding::Hex)?;
            plan.step("Fallback", "no X-Hub-Signature-256: checked the legacy SHA-1 header (GitHub sends both)");
            Ok(plan)
        }
        None => Err(Unreadable::missing(
            "X-Hub-Signature-256",
            "GitHub sends it on every delivery from a webhook with a secret (and the legacy X-Hub-Signature is absent too)",
        )),
    }
}

pub(crate) fn plan_intercom(req: &super::VerifyRequest) -> Result<Plan, Unreadable> {
    let (name, value) = require_header(req.headers, "X-Hub-Signature", "Intercom signs notifications with sha1=<hex>")?;
    body_plan(req, &name, &value, "sha1=", HmacAlgorithm::Sha1, Encoding::Hex)
}

pub(crate) fn plan_shopify(req: &super::VerifyRequest) -> Result<Plan, Unreadable> {
    let (name, value) = match header(req.headers, "X-Shopify-Hmac-Sha256") {
        Some(found) => found,
        None => header(req.headers, "shopify-hmac-sha256")
            .ok_or_else(|| Unreadable::missing("X-Shopify-Hmac-Sha256", "Shopify signs every webhook with it"))?,
    };
    body_plan(req, name, &value, "", HmacAlgorithm::Sha256, Encoding::Base64)
}

pub(crate) fn plan_linear(req: &super::VerifyRequest) -> Result<Plan, Unreadable> {
    let (name, value) = require_header(req.headers, "Linear-Signature", "Linear signs every webhook with it")?;
    let mut plan = body_plan(req, &name, &value, "", HmacAlgorithm::Sha256, Encoding::Hex)?;
    // Linear's SDK trusts only the timestamp inside the signed body (milliseconds); the
    // Linear-Timestamp header is deprecated and ignored, so don't fall back to it.
    let body_ts = serde_json::from_slice::<serde_json::Value>(req.body)
        .ok()
        .and_then(|v| v.get("webhookTimestamp").cloned())
        .and_then(|t| t.as_i64().or_else(|| t.as_f64().map(|f| f as i64)));
    match body_ts {
        Some(ms) => {
            plan.timestamp =
                Some(SignedTime { unix: ms.div_euclid(1000), source: "webhookTimestamp in the body".into() });
            plan.step(
                "Timestamp",
                format!("webhookTimestamp {ms} ms in the body (the Linear-Timestamp header is ignored)"),
            );
        }
        None => {
            plan.failed_check = Some(Reason::new(
                ReasonCode::TimestampMissing,
                "the JSON body has no numeric webhookTimestamp (milliseconds); Linear's SDK rejects a webhook without it",
            ))
        }
    }
    Ok(plan)
}

fn body_sig(algorithm: HmacAlgorithm, encoding: Encoding, secret: &str, body: &[u8]) -> String {
    crypto::hmac_encoded(algorithm, encoding, secret.as_bytes(), body)
}

pub(crate) fn sign_github(secret: &str, req: &SignRequest) -> Vec<Header> {
    let mut headers = vec![
        Header::new(
            "X-Hub-Signature-256",
            format!("sha256={}", body_sig(HmacAlgorithm::Sha256, Encoding::Hex, secret, req.body)),
        ),
        Header::new(
            "X-Hub-Signature",
            format!("sha1={}", body_sig(HmacAlgorithm::Sha1, Encoding::Hex, secret, req.body)),
        ),
    ];
    if !req.id.is_empty() {
        headers.push(Header::new("X-GitHub-Delivery", req.id));
    }
    headers
}

pub(crate) fn sign_intercom(secret: &str, req: &SignRequest) -> Vec<Header> {
    vec![Header::new(
        "X-Hub-Signature",
        format!("sha1={}", body_sig(HmacAlgorithm::Sha1, Encoding::Hex, secret, req.body)),
    )]
}

pub(crate) fn sign_shopify(secret: &str, req: &SignRequest) -> Vec<Header> {
    let mut headers =
        vec![Header::new("X-Shopify-Hmac-Sha256", body_sig(HmacAlgorithm::Sha256, Encoding::Base64, secret, req.body))];
    if !req.id.is_empty() {
        headers.push(Header::new("X-Shopify-Webhook-Id", req.id));
    }
    headers
}

/// Linear's timestamp lives in the body (`webhookTimestamp`), which is signed as given; the
/// `Linear-Timestamp` header is sent for completeness, as Linear does.
pub(crate) fn sign_linear(secret: &str, req: &SignRequest) -> Vec<Header> {
    let mut headers = vec![
        Header::new("Linear-Signature", body_sig(HmacAlgorithm::Sha256, Encoding::Hex, secret, req.body)),
        Header::new("Linear-Timestamp", req.timestamp.saturating_mul(1000).to_string()),
    ];
    if !req.id.is_empty() {
        headers.push(Header::new("Linear-Delivery", req.id));
    }
    headers
}
