//! The custom HMAC scheme: the user names the header, algorithm, encoding, prefix, an optional
//! timestamp header, and the signed content as a template (see `CustomHmac`).

use super::crypto;
use super::plan::{
    Piece, Plan, Received, SignedTime, Unreadable, check_encoded, parse_unix, require_header, strip_prefix,
};
use super::scheme::{CustomHmac, HmacAlgorithm};
use super::verdict::ReasonCode;
use super::{SignError, SignErrorCode, SignRequest};
use crate::Header;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    Body,
    Timestamp,
    Url,
    Method,
    Header(String),
}

/// Reads a template; the error says which placeholder or brace is wrong and where.
fn parse_template(template: &str) -> Result<Vec<Segment>, String> {
    let mut segments = Vec::new();
    let mut literal = String::new();
    let mut chars = template.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        match c {
            '{' if chars.peek().map(|(_, n)| *n) == Some('{') => {
                chars.next();
                literal.push('{');
            }
            '}' if chars.peek().map(|(_, n)| *n) == Some('}') => {
                chars.next();
                literal.push('}');
            }
            '}' => return Err(format!("a lone '}}' at character {at}; write '}}}}' for a literal brace")),
            '{' => {
                let mut name = String::new();
                let mut closed = false;
                for (_, n) in chars.by_ref() {
                    if n == '}' {
                        closed = true;
                        break;
                    }
                    name.push(n);
                }
                if !closed {
                    return Err(format!("the '{{' at character {at} is never closed"));
                }
                if !literal.is_empty() {
                    segments.push(Segment::Literal(std::mem::take(&mut literal)));
                }
                segments.push(match name.as_str() {
                    "body" => Segment::Body,
                    "timestamp" => Segment::Timestamp,
                    "url" => Segment::Url,
                    "method" => Segment::Method,
                    other => match other.strip_prefix("header:") {
                        Some(h) if !h.trim().is_empty() => Segment::Header(h.trim().to_owned()),
                        _ => {
                            return Err(format!(
                                "unknown placeholder {{{other}}} at character {at}; use {{body}}, {{timestamp}}, {{url}}, {{method}} or {{header:Name}}"
                            ));
                        }
                    },
                });
            }
            other => literal.push(other),
        }
    }
    if !literal.is_empty() {
        segments.push(Segment::Literal(literal));
    }
    Ok(segments)
}

fn sig_len(algorithm: HmacAlgorithm) -> usize {
    match algorithm {
        HmacAlgorithm::Sha1 => 20,
        HmacAlgorithm::Sha256 => 32,
        HmacAlgorithm::Sha512 => 64,
    }
}

fn template_error(custom: &CustomHmac, segments: &[Segment]) -> Option<String> {
    if custom.header.trim().is_empty() {
        return Some("the custom scheme names no signature header".to_owned());
    }
    if segments.contains(&Segment::Timestamp) && custom.timestamp_header.is_none() {
        return Some("the template uses {timestamp} but no timestamp header is set".to_owned());
    }
    None
}

/// The problem with a custom scheme's settings, if any.
pub(crate) fn check(custom: &CustomHmac) -> Result<(), String> {
    let segments = parse_template(&custom.template)?;
    template_error(custom, &segments).map_or(Ok(()), Err)
}

pub(crate) fn plan(custom: &CustomHmac, req: &super::VerifyRequest) -> Result<Plan, Unreadable> {
    let config_error = |m: String| Unreadable::new(ReasonCode::ConfigMalformed, format!("custom scheme: {m}"));
    let segments = parse_template(&custom.template).map_err(config_error)?;
    if let Some(problem) = template_error(custom, &segments) {
        return Err(config_error(problem));
    }
    let (name, value) = require_header(req.headers, &custom.header, "the custom scheme reads the signature from it")?;
    let sig = strip_prefix(&name, &value, &custom.prefix)?;
    check_encoded(&name, "the signature", sig, custom.encoding, sig_len(custom.algorithm))?;
    let mut timestamp = None;
    if let Some(ts_header) = &custom.timestamp_header {
        let (ts_name, ts_text) = require_header(req.headers, ts_header, "the custom scheme signs a timestamp")?;
        let unix = parse_unix(&ts_text, &ts_name)?;
        timestamp = Some((ts_name, ts_text, unix));
    }
    let mut pieces = Vec::new();
    for segment in &segments {
        pieces.push(match segment {
            Segment::Literal(text) => Piece::Text(text.clone().into_bytes()),
            Segment::Body => Piece::Body,
            Segment::Url => Piece::Url,
            Segment::Method => Piece::Text(req.method.to_ascii_uppercase().into_bytes()),
            Segment::Timestamp => Piece::Text(timestamp.as_ref().map(|t| t.1.clone()).unwrap_or_default().into_bytes()),
            Segment::Header(h) => {
                Piece::Text(require_header(req.headers, h, "the template signs its value")?.1.into_bytes())
            }
        });
    }
    let mut plan = Plan::new(pieces, req.url).with_hmac(custom.algorithm, custom.encoding, &custom.prefix);
    plan.step("Header", format!("{name}: {value}"));
    plan.step(
        "Content",
        format!(
            "template {:?}, {} with the secret as UTF-8 key, {}",
            custom.template,
            custom.algorithm.label(),
            custom.encoding.label()
        ),
    );
    plan.received = vec![Received::hmac(value.clone(), sig)];
    plan.timestamp = timestamp.map(|(source, _, unix)| SignedTime { unix, source });
    Ok(plan)
}

pub(crate) fn sign(custom: &CustomHmac, secret: &str, req: &SignRequest) -> Result<Vec<Header>, SignError> {
    let config_error = |m: String| SignError::new(SignErrorCode::ConfigMalformed, format!("custom scheme: {m}"));
    let segments = parse_template(&custom.template).map_err(config_error)?;
    if let Some(problem) = template_error(custom, &segments) {
        return Err(config_error(problem));
    }
    let mut content = Vec::new();
    let mut extra = Vec::new();
    for segment in &segments {
        match segment {
            Segment::Literal(text) => content.extend_from_slice(text.as_bytes()),
            Segment::Body => content.extend_from_slice(req.body),
            Segment::Url => content.extend_from_slice(req.url.as_bytes()),
            Segment::Method => content.extend_from_slice(req.method.to_ascii_uppercase().as_bytes()),
            Segment::Timestamp => content.extend_from_slice(req.timestamp.to_string().as_bytes()),
            Segment::Header(h) => {
                content.extend_from_slice(req.id.as_bytes());
                extra.push(Header::new(h.clone(), req.id));
            }
        }
    }
    let sig = crypto::hmac_encoded(custom.algorithm, custom.encoding, secret.as_bytes(), &content);
    let mut headers = vec![Header::new(custom.header.clone(), format!("{}{sig}", custom.prefix))];
    if let Some(ts_header) = &custom.timestamp_header {
        headers.push(Header::new(ts_header.clone(), req.timestamp.to_string()));
    }
    headers.extend(extra);
    Ok(headers)
}
