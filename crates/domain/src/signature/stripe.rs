//! Stripe and Paddle Billing: one header holding a timestamp and a list of hex HMAC-SHA256
//! signatures (`t=…,v1=…` / `ts=…;h1=…`), over `"{t}.{body}"` / `"{ts}:{body}"`.

use super::SignRequest;
use super::crypto;
use super::plan::{Piece, Plan, Received, SignedTime, Unreadable, parse_unix, require_header};
use super::scheme::{Encoding, HmacAlgorithm};
use super::verdict::ReasonCode;
use crate::Header;

/// The elements of a `k=v<sep>k=v` header: (key, value) in order; bare elements have no value.
pub(crate) fn elements(value: &str, separator: char) -> Vec<(String, Option<String>)> {
    value
        .split(separator)
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .map(|e| match e.split_once('=') {
            Some((k, v)) => (k.trim().to_owned(), Some(v.trim().to_owned())),
            None => (e.to_owned(), None),
        })
        .collect()
}

struct TimedList {
    name: String,
    ts_text: String,
    ts: i64,
    signatures: Vec<String>,
    others: Vec<String>,
}

fn read_list(
    req_headers: &[Header],
    header: &str,
    separator: char,
    ts_key: &str,
    sig_key: &str,
    what: &str,
) -> Result<TimedList, Unreadable> {
    let (name, value) = require_header(req_headers, header, what)?;
    let elements = elements(&value, separator);
    let mut ts_text = None;
    let mut signatures = Vec::new();
    let mut others = Vec::new();
    for (key, val) in &elements {
        match (key.as_str(), val) {
            (k, Some(v)) if k == ts_key && ts_text.is_none() => ts_text = Some(v.clone()),
            (k, Some(v)) if k == sig_key => signatures.push(v.clone()),
            (k, Some(_)) => others.push(format!("{k}=")),
            (k, None) => others.push(format!("{k:?} (no '=')")),
        }
    }
    let Some(ts_text) = ts_text else {
        return Err(Unreadable::new(
            ReasonCode::HeaderMalformed,
            format!("{name} has no {ts_key}=<unix seconds> element (it should look like {what})"),
        ));
    };
    let ts = parse_unix(&ts_text, &format!("the {ts_key}= element of {name}"))?;
    if signatures.is_empty() {
        let found = if others.is_empty() { String::new() } else { format!("; found only {}", others.join(", ")) };
        return Err(Unreadable::new(
            ReasonCode::HeaderMalformed,
            format!("{name} has no {sig_key}= signature element{found}"),
        ));
    }
    Ok(TimedList { name, ts_text, ts, signatures, others })
}

pub(crate) fn plan_stripe(req: &super::VerifyRequest) -> Result<Plan, Unreadable> {
    let list = read_list(req.headers, "Stripe-Signature", ',', "t", "v1", "t=<unix>,v1=<hex>")?;
    // Stripe's library formats the parsed integer, so `t=0123` signs "123.".
    let mut plan = Plan::new(vec![Piece::Text(format!("{}.", list.ts).into_bytes()), Piece::Body], req.url).with_hmac(
        HmacAlgorithm::Sha256,
        Encoding::Hex,
        "v1=",
    );
    plan.step("Header", format!("{}: t={} and {} v1 signature(s)", list.name, list.ts, list.signatures.len()));
    if !list.others.is_empty() {
        plan.step("Ignored", format!("{} (only v1 counts; v0 is a test-mode placeholder)", list.others.join(", ")));
    }
    plan.step(
        "Content",
        "\"{t}.{raw body}\", HMAC-SHA256 with the whole secret (whsec_ included) as UTF-8 key, lowercase hex",
    );
    plan.received = list.signatures.iter().map(|s| Received::hmac(format!("v1={s}"), s.clone())).collect();
    plan.timestamp = Some(SignedTime { unix: list.ts, source: format!("{} t=", list.name) });
    Ok(plan)
}

pub(crate) fn plan_paddle(req: &super::VerifyRequest) -> Result<Plan, Unreadable> {
    let list = read_list(req.headers, "Paddle-Signature", ';', "ts", "h1", "ts=<unix>;h1=<hex>")?;
    // Like Stripe, Paddle's SDK formats the parsed integer into the signed content.
    let mut plan = Plan::new(vec![Piece::Text(format!("{}:", list.ts).into_bytes()), Piece::Body], req.url).with_hmac(
        HmacAlgorithm::Sha256,
        Encoding::Hex,
        "h1=",
    );
    plan.step("Header", format!("{}: ts={} and {} h1 signature(s)", list.name, list.ts_text, list.signatures.len()));
    plan.step("Content", "\"{ts}:{raw body}\", HMAC-SHA256 with the secret as UTF-8 key, hex");
    plan.received = list.signatures.iter().map(|s| Received::hmac(format!("h1={s}"), s.clone())).collect();
    plan.timestamp = Some(SignedTime { unix: list.ts, source: format!("{} ts=", list.name) });
    Ok(plan)
}

pub(crate) fn sign_stripe(secret: &str, req: &SignRequest) -> Vec<Header> {
    let mut content = format!("{}.", req.timestamp).into_bytes();
    content.extend_from_slice(req.body);
    let sig = crypto::hmac_encoded(HmacAlgorithm::Sha256, Encoding::Hex, secret.as_bytes(), &content);
    vec![Header::new("Stripe-Signature", format!("t={},v1={sig}", req.timestamp))]
}

pub(crate) fn sign_paddle(secret: &str, req: &SignRequest) -> Vec<Header> {
    let mut content = format!("{}:", req.timestamp).into_bytes();
    content.extend_from_slice(req.body);
    let sig = crypto::hmac_encoded(HmacAlgorithm::Sha256, Encoding::Hex, secret.as_bytes(), &content);
    vec![Header::new("Paddle-Signature", format!("ts={};h1={sig}", req.timestamp))]
}
