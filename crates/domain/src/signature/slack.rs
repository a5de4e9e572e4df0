//! Slack and Zoom: `v0=<hex>` over `"v0:{timestamp}:{body}"`, the timestamp in its own header.

use super::SignRequest;
use super::crypto;
use super::plan::{
    Piece, Plan, Received, SignedTime, Unreadable, check_encoded, parse_unix, require_header, strip_prefix,
};
use super::scheme::{Encoding, HmacAlgorithm};
use crate::Header;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flavor {
    Slack,
    Zoom,
}

impl Flavor {
    fn signature_header(self) -> &'static str {
        match self {
            Flavor::Slack => "X-Slack-Signature",
            Flavor::Zoom => "x-zm-signature",
        }
    }
    fn timestamp_header(self) -> &'static str {
        match self {
            Flavor::Slack => "X-Slack-Request-Timestamp",
            Flavor::Zoom => "x-zm-request-timestamp",
        }
    }
}

pub(crate) fn plan(req: &super::VerifyRequest, flavor: Flavor) -> Result<Plan, Unreadable> {
    let (sig_name, sig_value) = require_header(req.headers, flavor.signature_header(), "it carries v0=<hex>")?;
    let (ts_name, ts_text) =
        require_header(req.headers, flavor.timestamp_header(), "the timestamp is part of the signed content")?;
    let ts = parse_unix(&ts_text, &ts_name)?;
    let sig = strip_prefix(&sig_name, &sig_value, "v0=")?;
    check_encoded(&sig_name, "the signature after \"v0=\"", sig, Encoding::Hex, 32)?;
    // The timestamp is signed exactly as sent (both libraries concatenate the header text).
    let mut plan = Plan::new(vec![Piece::Text(format!("v0:{ts_text}:").into_bytes()), Piece::Body], req.url).with_hmac(
        HmacAlgorithm::Sha256,
        Encoding::Hex,
        "v0=",
    );
    plan.step("Headers", format!("{sig_name}: {sig_value}; {ts_name}: {ts_text}"));
    plan.step("Content", "\"v0:{timestamp}:{raw body}\", HMAC-SHA256 with the secret as UTF-8 key, hex");
    plan.received = vec![Received::hmac(sig_value.clone(), sig)];
    plan.timestamp = Some(SignedTime { unix: ts, source: ts_name });
    Ok(plan)
}

pub(crate) fn sign(secret: &str, req: &SignRequest, flavor: Flavor) -> Vec<Header> {
    let mut content = format!("v0:{}:", req.timestamp).into_bytes();
    content.extend_from_slice(req.body);
    let sig = crypto::hmac_encoded(HmacAlgorithm::Sha256, Encoding::Hex, secret.as_bytes(), &content);
    vec![
        Header::new(flavor.signature_header(), format!("v0={sig}")),
        Header::new(flavor.timestamp_header(), req.timestamp.to_string()),
    ]
}
