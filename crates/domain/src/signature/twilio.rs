//! Schemes that sign the URL: Twilio (URL + sorted form parameters, or URL with `bodySHA256`)
//! and Square (notification URL + body). Also the small URL reader both need.

use std::collections::BTreeMap;

use super::SignRequest;
use super::crypto;
use super::plan::{Piece, Plan, Received, Unreadable, check_encoded, header, parse_form, require_header};
use super::scheme::{Encoding, HmacAlgorithm};
use super::stripe::elements;
use super::verdict::{Reason, ReasonCode};
use crate::Header;

/// `scheme://host[:port]rest`, enough to swap the scheme, host or port. Userinfo stays in `host`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct UrlParts {
    pub scheme: String,
    pub host: String,
    pub port: Option<String>,
    pub rest: String,
}

impl UrlParts {
    pub(crate) fn parse(url: &str) -> Option<UrlParts> {
        let (scheme, after) = url.split_once("://")?;
        let end = after.find(['/', '?', '#']).unwrap_or(after.len());
        let (authority, rest) = (after.get(..end)?, after.get(end..)?);
        let (host, port) = match authority.rsplit_once(':') {
            Some((h, p)) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) && !h.ends_with('[') => {
                (h.to_owned(), Some(p.to_owned()))
            }
            _ => (authority.to_owned(), None),
        };
        Some(UrlParts { scheme: scheme.to_owned(), host, port, rest: rest.to_owned() })
    }

    pub(crate) fn render(&self) -> String {
        match &self.port {
            Some(port) => format!("{}://{}:{}{}", self.scheme, self.host, port, self.rest),
            None => format!("{}://{}{}", self.scheme, self.host, self.rest),
        }
    }

    pub(crate) fn default_port(&self) -> &'static str {
        if self.scheme.eq_ignore_ascii_case("https") { "443" } else { "80" }
    }

    pub(crate) fn query(&self) -> &str {
        let without_fragment = self.rest.split('#').next().unwrap_or("");
        without_fragment.split_once('?').map(|(_, q)| q).unwrap_or("")
    }
}

/// The URLs Twilio's library accepts for a request: without any port, and with the default
/// port when none is given.
fn twilio_urls(url: &str) -> Vec<String> {
    let Some(parts) = UrlParts::parse(url) else { return vec![url.to_owned()] };
    let without = UrlParts { port: None, ..parts.clone() }.render();
    let with = match &parts.port {
        Some(_) => parts.render(),
        None => UrlParts { port: Some(parts.default_port().to_owned()), ..parts.clone() }.render(),
    };
    let mut urls = vec![without];
    if !urls.contains(&with) {
        urls.push(with);
    }
    urls
}

/// What Twilio signs after the URL: for each parameter name in sorted order, each of its distinct
/// values in sorted order, name and value concatenated. `None` for a JSON webhook (`bodySHA256`
/// in the URL), which signs the URL alone.
fn twilio_params(url: &str, body: &[u8]) -> (Option<String>, Vec<u8>) {
    let body_hash = UrlParts::parse(url)
        .and_then(|p| parse_form(p.query().as_bytes()).into_iter().find(|(k, _)| k == "bodySHA256").map(|(_, v)| v));
    if body_hash.is_some() {
        return (body_hash, Vec::new());
    }
    let mut grouped: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (name, value) in parse_form(body) {
        grouped.entry(name).or_default().push(value);
    }
    let mut out = String::new();
    for (name, mut values) in grouped {
        values.sort();
        values.dedup();
        for value in values {
            out.push_str(&name);
            out.push_str(&value);
        }
    }
    (None, out.into_bytes())
}

pub(crate) fn plan_twilio(req: &super::VerifyRequest) -> Result<Plan, Unreadable> {
    let (name, value) =
        require_header(req.headers, "X-Twilio-Signature", "Twilio signs every webhook request with it")?;
    let mut algorithm = HmacAlgorithm::Sha1;
    let mut settings_step = None;
    if let Some((settings_name, settings)) = header(req.headers, "X-Twilio-Webhooks-Signature-Settings") {
        let algo = elements(&settings, ',')
            .into_iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("algorithm"))
            .and_then(|(_, v)| v);
        // Like Twilio's library: no `algorithm=` means the legacy HMAC-SHA1.
        algorithm = match algo.as_deref() {
            Some(a) if a.eq_ignore_ascii_case("HMAC_SHA256") => HmacAlgorithm::Sha256,
            Some(a) if a.eq_ignore_ascii_case("HMAC_SHA1") || a.is_empty() => HmacAlgorithm::Sha1,
            None => HmacAlgorithm::Sha1,
            other => {
                return Err(Unreadable::new(
                    ReasonCode::HeaderMalformed,
                    format!("{settings_name} names algorithm {other:?}; expected algorithm=HMAC_SHA256 or HMAC_SHA1"),
                ));
            }
        };
        settings_step = Some(format!("{settings_name}: {settings} (the secret is that key's shared secret)"));
    }
    let len = if algorithm == HmacAlgorithm::Sha1 { 20 } else { 32 };
    check_encoded(&name, "the signature", &value, Encoding::Base64, len)?;
    let (body_hash, params) = twilio_params(req.url, req.body);
    let mut plan =
        Plan::new(vec![Piece::Url, Piece::Text(params.clone())], req.url).with_hmac(algorithm, Encoding::Base64, "");
    plan.urls = twilio_urls(req.url);
    plan.step("Header", format!("{name}: {value}"));
    if let Some(step) = settings_step {
        plan.step("Settings", step);
    }
    match body_hash {
        Some(expected) => {
            let actual = crypto::sha256_hex(req.body);
            plan.step("Content", "the URL alone (it carries bodySHA256, so the body is checked by its hash)");
            plan.step("Body hash", format!("sha256(body) = {actual}; bodySHA256 in the URL = {expected}"));
            if !crypto::same(&actual, &expected) {
                plan.failed_check = Some(Reason::new(
                    ReasonCode::BodyHashMismatch,
                    format!(
                        "the body's SHA-256 is {actual} but the URL's bodySHA256 says {expected}: the body changed after signing"
                    ),
                ));
            }
        }
        None => plan.step(
            "Content",
            format!(
                "the URL, then each form parameter sorted by name as name+value: {:?}; {} base64 with the Auth Token",
                String::from_utf8_lossy(&params),
                algorithm.label()
            ),
        ),
    }
    plan.step("URLs tried", plan.urls.join(" , "));
    plan.received = vec![Received::hmac(value.clone(), value)];
    Ok(plan)
}

pub(crate) fn plan_square(req: &super::VerifyRequest) -> Result<Plan, Unreadable> {
    let (name, value, algorithm) = match header(req.headers, "x-square-hmacsha256-signature") {
        Some((n, v)) => (n.to_owned(), v, HmacAlgorithm::Sha256),
        None => match header(req.headers, "x-square-signature") {
            Some((n, v)) => (n.to_owned(), v, HmacAlgorithm::Sha1),
            None => {
                return Err(Unreadable::missing(
                    "x-square-hmacsha256-signature",
                    "Square signs every notification with it (nor is the legacy x-square-signature there)",
                ));
            }
        },
    };
    let len = if algorithm == HmacAlgorithm::Sha1 { 20 } else { 32 };
    check_encoded(&name, "the signature", &value, Encoding::Base64, len)?;
    let mut plan = Plan::new(vec![Piece::Url, Piece::Body], req.url).with_hmac(algorithm, Encoding::Base64, "");
    plan.step("Header", format!("{name}: {value}"));
    plan.step(
        "Content",
        format!("the notification URL then the raw body, {} with the signature key, base64", algorithm.label()),
    );
    if req.body.is_empty() {
        plan.step("Note", "the body is empty: Square's Python library rejects an empty body outright");
    }
    plan.received = vec![Received::hmac(value.clone(), value)];
    Ok(plan)
}

pub(crate) fn sign_twilio(secret: &str, req: &SignRequest) -> Vec<Header> {
    let (_, params) = twilio_params(req.url, req.body);
    let mut content = req.url.as_bytes().to_vec();
    content.extend_from_slice(&params);
    let sig = crypto::hmac_encoded(HmacAlgorithm::Sha1, Encoding::Base64, secret.as_bytes(), &content);
    vec![Header::new("X-Twilio-Signature", sig)]
}

pub(crate) fn sign_square(secret: &str, req: &SignRequest) -> Vec<Header> {
    let mut content = req.url.as_bytes().to_vec();
    content.extend_from_slice(req.body);
    let sig = crypto::hmac_encoded(HmacAlgorithm::Sha256, Encoding::Base64, secret.as_bytes(), &content);
    vec![Header::new("x-square-hmacsha256-signature", sig)]
}
