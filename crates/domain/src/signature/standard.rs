//! Standard Webhooks and Svix: `{id}.{timestamp}.{body}`, a space-separated list of `v1,<base64
//! HMAC>` and `v1a,<base64 Ed25519>` entries, `whsec_`/`whpk_`/`whsk_` keys.

use super::crypto::{self, Key};
use super::plan::{Piece, Plan, Received, SigKind, SignedTime, Unreadable, header, parse_unix};
use super::scheme::{Encoding, HmacAlgorithm};
use super::verdict::ReasonCode;
use super::{SignError, SignRequest};
use crate::Header;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Names {
    /// `webhook-*` only.
    Webhook,
    /// `svix-*`, falling back to `webhook-*` (white-labelled Svix accounts).
    Svix,
}

impl Names {
    fn prefixes(self) -> &'static [&'static str] {
        match self {
            Names::Webhook => &["webhook"],
            Names::Svix => &["svix", "webhook"],
        }
    }
}

fn find(req: &super::VerifyRequest, names: Names, suffix: &str) -> Result<(String, String), Unreadable> {
    for prefix in names.prefixes() {
        if let Some((name, value)) = header(req.headers, &format!("{prefix}-{suffix}")) {
            return Ok((name.to_owned(), value));
        }
    }
    let first = names.prefixes().first().copied().unwrap_or("webhook");
    let also = if names == Names::Svix { " (nor webhook-".to_owned() + suffix + ")" } else { String::new() };
    Err(Unreadable::missing(&format!("{first}-{suffix}{also}"), "the sender signs id, timestamp and body together"))
}

pub(crate) fn plan(req: &super::VerifyRequest, names: Names) -> Result<Plan, Unreadable> {
    let (id_name, id) = find(req, names, "id")?;
    let (ts_name, ts_text) = find(req, names, "timestamp")?;
    let (sig_name, sig_value) = find(req, names, "signature")?;
    let ts = parse_unix(&ts_text, &ts_name)?;
    let mut received = Vec::new();
    let mut skipped = Vec::new();
    for (n, entry) in sig_value.split_whitespace().enumerate() {
        let position = n + 1;
        match entry.split_once(',') {
            Some(("v1", sig)) => received.push(Received::hmac(entry, sig)),
            Some(("v1a", sig)) => match crypto::b64_decode_lenient(sig) {
                Some(bytes) if bytes.len() == 64 => received.push(Received {
                    shown: entry.to_owned(),
                    value: sig.to_owned(),
                    bytes,
                    kind: SigKind::Ed25519,
                }),
                Some(bytes) => {
                    skipped.push(format!("entry {position} (v1a) is {} bytes, an Ed25519 signature is 64", bytes.len()))
                }
                None => skipped.push(format!("entry {position} (v1a) is not base64")),
            },
            Some((version, _)) => skipped.push(format!("entry {position} has unknown version {version:?}")),
            None => {
                skipped.push(format!("entry {position} {:?} has no ',' between version and signature", short(entry)))
            }
        }
    }
    if received.is_empty() {
        let detail = if skipped.is_empty() { "it is empty".to_owned() } else { skipped.join("; ") };
        return Err(Unreadable::new(
            ReasonCode::HeaderMalformed,
            format!("{sig_name} has no usable \"v1,<base64>\" or \"v1a,<base64>\" entry: {detail}"),
        ));
    }
    let mut plan = Plan::new(vec![Piece::Text(format!("{id}.{ts}.").into_bytes()), Piece::Body], req.url).with_hmac(
        HmacAlgorithm::Sha256,
        Encoding::Base64,
        "v1,",
    );
    plan.step("Headers", format!("{id_name}: {id}; {ts_name}: {ts_text}; {sig_name}: {} entr(y/ies)", received.len()));
    if !skipped.is_empty() {
        plan.step("Skipped", skipped.join("; "));
    }
    plan.step(
        "Content",
        "\"{id}.{timestamp}.{raw body}\"; v1 = HMAC-SHA256 keyed with the base64-decoded part after whsec_, base64; v1a = Ed25519",
    );
    if names == Names::Svix && !id_name.to_ascii_lowercase().starts_with("svix") {
        plan.step("Headers", "no svix-* headers: used the webhook-* names (white-labelled Svix)");
    }
    plan.received = received;
    plan.timestamp = Some(SignedTime { unix: ts, source: ts_name });
    Ok(plan)
}

fn short(text: &str) -> String {
    text.chars().take(24).collect()
}

/// `whsec_<base64>` → HMAC key; `whpk_` → Ed25519 public key; `whsk_` → the public half of the
/// private key. Like the libraries, a secret without a prefix is base64-decoded as an HMAC key.
pub(crate) fn key(secret: &str) -> Result<Key, String> {
    let secret = secret.trim();
    if let Some(public) = secret.strip_prefix("whpk_") {
        let bytes = crypto::b64_decode_lenient(public).ok_or("the part after whpk_ is not base64")?;
        return crypto::ed25519_public_from_bytes(&bytes).map(Key::Ed25519);
    }
    if let Some(private) = secret.strip_prefix("whsk_") {
        let bytes = crypto::b64_decode_lenient(private).ok_or("the part after whsk_ is not base64")?;
        return crypto::ed25519_signing_from_bytes(&bytes).map(|k| Key::Ed25519(k.verifying_key()));
    }
    let (rest, what) = match secret.strip_prefix("whsec_") {
        Some(rest) => (rest, "the part after whsec_"),
        None => (secret, "the secret (no whsec_ prefix)"),
    };
    let bytes = crypto::b64_decode_lenient(rest).ok_or_else(|| format!("{what} is not base64"))?;
    if bytes.is_empty() {
        return Err(format!("{what} is empty"));
    }
    Ok(Key::Hmac(bytes))
}

pub(crate) fn sign(secret: &str, req: &SignRequest, names: Names) -> Result<Vec<Header>, SignError> {
    let prefix = names.prefixes().first().copied().unwrap_or("webhook");
    let id = if req.id.is_empty() {
        format!(
            "msg_{}",
            crypto::sha256_hex(&[req.timestamp.to_string().as_bytes(), req.body].concat()).get(..24).unwrap_or("")
        )
    } else {
        req.id.to_owned()
    };
    let mut content = format!("{id}.{}.", req.timestamp).into_bytes();
    content.extend_from_slice(req.body);
    let secret = secret.trim();
    let signature = if let Some(private) = secret.strip_prefix("whsk_") {
        let bytes =
            crypto::b64_decode_lenient(private).ok_or_else(|| SignError::key("the part after whsk_ is not base64"))?;
        let key = crypto::ed25519_signing_from_bytes(&bytes).map_err(SignError::key)?;
        format!("v1a,{}", crypto::b64(&crypto::ed25519_sign(&key, &content)))
    } else if secret.starts_with("whpk_") {
        return Err(SignError::key("whpk_ is a public key: signing needs the whsk_ private key or a whsec_ secret"));
    } else {
        let Key::Hmac(key) = key(secret).map_err(SignError::key)? else {
            return Err(SignError::key("not an HMAC secret"));
        };
        format!("v1,{}", crypto::hmac_encoded(HmacAlgorithm::Sha256, Encoding::Base64, &key, &content))
    };
    Ok(vec![
        Header::new(format!("{prefix}-id"), id),
        Header::new(format!("{prefix}-timestamp"), req.timestamp.to_string()),
        Header::new(format!("{prefix}-signature"), signature),
    ])
}
