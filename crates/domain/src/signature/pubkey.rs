//! Public-key schemes over `timestamp + body`: Discord (Ed25519, hex) and SendGrid (ECDSA P-256
//! with SHA-256, base64 DER). The configured "secret" is the public key; signing takes the private one.

use super::crypto::{self, Key};
use super::plan::{Piece, Plan, Received, SigKind, SignedTime, Unreadable, parse_unix, require_header};
use super::verdict::ReasonCode;
use super::{SignError, SignRequest};
use crate::Header;

const DISCORD_SIG: &str = "X-Signature-Ed25519";
const DISCORD_TS: &str = "X-Signature-Timestamp";
const SENDGRID_SIG: &str = "X-Twilio-Email-Event-Webhook-Signature";
const SENDGRID_TS: &str = "X-Twilio-Email-Event-Webhook-Timestamp";

fn timed_plan(
    req: &super::VerifyRequest,
    ts_name: &str,
    ts_text: &str,
    received: Received,
) -> Result<Plan, Unreadable> {
    let ts = parse_unix(ts_text, ts_name)?;
    // The timestamp is signed as the header text, not re-formatted.
    let mut plan = Plan::new(vec![Piece::Text(ts_text.as_bytes().to_vec()), Piece::Body], req.url);
    plan.received = vec![received];
    plan.timestamp = Some(SignedTime { unix: ts, source: ts_name.to_owned() });
    Ok(plan)
}

pub(crate) fn plan_discord(req: &super::VerifyRequest) -> Result<Plan, Unreadable> {
    let (sig_name, sig) = require_header(req.headers, DISCORD_SIG, "Discord signs every interaction with it")?;
    let (ts_name, ts_text) = require_header(req.headers, DISCORD_TS, "the timestamp is part of the signed content")?;
    let bytes = hex::decode(&sig).map_err(|_| {
        Unreadable::new(ReasonCode::HeaderMalformed, format!("{sig_name} is not hex ({} characters)", sig.len()))
    })?;
    if bytes.len() != 64 {
        return Err(Unreadable::new(
            ReasonCode::HeaderMalformed,
            format!(
                "{sig_name} decodes to {} bytes; an Ed25519 signature is 64 bytes (128 hex characters)",
                bytes.len()
            ),
        ));
    }
    let received = Received { shown: sig.clone(), value: sig.clone(), bytes, kind: SigKind::Ed25519 };
    let mut plan = timed_plan(req, &ts_name, &ts_text, received)?;
    plan.step("Headers", format!("{sig_name}: {sig}; {ts_name}: {ts_text}"));
    plan.step("Content", "timestamp + raw body, Ed25519, checked with the application's public key (hex)");
    Ok(plan)
}

pub(crate) fn plan_sendgrid(req: &super::VerifyRequest) -> Result<Plan, Unreadable> {
    let (sig_name, sig) = require_header(req.headers, SENDGRID_SIG, "SendGrid's signed Event Webhook sends it")?;
    let (ts_name, ts_text) = require_header(req.headers, SENDGRID_TS, "the timestamp is part of the signed content")?;
    let bytes = crypto::b64_decode_lenient(&sig)
        .ok_or_else(|| Unreadable::new(ReasonCode::HeaderMalformed, format!("{sig_name} is not base64")))?;
    if p256::ecdsa::Signature::from_der(&bytes).is_err() {
        return Err(Unreadable::new(
            ReasonCode::HeaderMalformed,
            format!("{sig_name} is base64 but not a DER-encoded ECDSA signature ({} bytes)", bytes.len()),
        ));
    }
    let received = Received { shown: sig.clone(), value: sig.clone(), bytes, kind: SigKind::EcdsaP256 };
    let mut plan = timed_plan(req, &ts_name, &ts_text, received)?;
    plan.step("Headers", format!("{sig_name}: {sig}; {ts_name}: {ts_text}"));
    plan.step(
        "Content",
        "timestamp + raw body (a trailing CRLF included), ECDSA P-256/SHA-256 with the verification key",
    );
    Ok(plan)
}

pub(crate) fn discord_key(secret: &str) -> Result<Key, String> {
    let bytes = hex::decode(secret.trim())
        .map_err(|_| "Discord's public key is 64 hex characters; this is not hex".to_owned())?;
    crypto::ed25519_public_from_bytes(&bytes).map(Key::Ed25519)
}

pub(crate) fn sendgrid_key(secret: &str) -> Result<Key, String> {
    crypto::p256_public_from_text(secret).map(Key::P256)
}

pub(crate) fn sign_discord(secret: &str, req: &SignRequest) -> Result<Vec<Header>, SignError> {
    let bytes = hex::decode(secret.trim())
        .map_err(|_| SignError::key("the Discord private key must be hex (a 32-byte seed)"))?;
    let key = crypto::ed25519_signing_from_bytes(&bytes).map_err(SignError::key)?;
    let mut content = req.timestamp.to_string().into_bytes();
    content.extend_from_slice(req.body);
    Ok(vec![
        Header::new(DISCORD_SIG, hex::encode(crypto::ed25519_sign(&key, &content))),
        Header::new(DISCORD_TS, req.timestamp.to_string()),
    ])
}

pub(crate) fn sign_sendgrid(secret: &str, req: &SignRequest) -> Result<Vec<Header>, SignError> {
    let key = crypto::p256_signing_from_text(secret).map_err(SignError::key)?;
    let mut content = req.timestamp.to_string().into_bytes();
    content.extend_from_slice(req.body);
    Ok(vec![
        Header::new(SENDGRID_SIG, crypto::b64(&crypto::p256_sign(&key, &content))),
        Header::new(SENDGRID_TS, req.timestamp.to_string()),
    ])
}
