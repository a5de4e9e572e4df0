//! What a scheme reads out of a request before any secret is used: the signed content, the
//! signatures received and the timestamp. Every scheme module produces a `Plan`; `judge` does the rest.

use super::crypto::{self, Key};
use super::scheme::{Encoding, HmacAlgorithm};
use super::verdict::{Reason, ReasonCode, Step};
use crate::Header;

/// One piece of the signed content. The body and the URL stay symbolic so diagnosis can put a
/// re-serialized body or another URL in their place.
#[derive(Debug, Clone)]
pub(crate) enum Piece {
    Text(Vec<u8>),
    Body,
    Url,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SigKind {
    /// Compared with the HMAC computed from `Plan::hmac`.
    Hmac,
    /// A raw 64-byte Ed25519 signature (decoded from the header).
    Ed25519,
    /// A DER ECDSA P-256/SHA-256 signature (decoded from the header).
    EcdsaP256,
}

#[derive(Debug, Clone)]
pub(crate) struct Received {
    /// As it appears in the request (`v1=ab12…`, `v1,Zm9v…`).
    pub shown: String,
    /// The encoded signature alone (HMAC) — compared as text, like the providers' libraries do.
    pub value: String,
    /// The decoded signature bytes (public-key kinds).
    pub bytes: Vec<u8>,
    pub kind: SigKind,
}

impl Received {
    pub(crate) fn hmac(shown: impl Into<String>, value: impl Into<String>) -> Self {
        Self { shown: shown.into(), value: value.into(), bytes: Vec::new(), kind: SigKind::Hmac }
    }
}

/// How an HMAC signature of this scheme is computed and written.
#[derive(Debug, Clone)]
pub(crate) struct HmacForm {
    pub algorithm: HmacAlgorithm,
    pub encoding: Encoding,
    /// Written before the value in the header (`v1=`, `sha256=`, `v1,`), for display.
    pub shown_prefix: String,
}

#[derive(Debug, Clone)]
pub(crate) struct SignedTime {
    pub unix: i64,
    /// Where it came from, for messages (`Stripe-Signature t=`, `webhook-timestamp`).
    pub source: String,
}

#[derive(Debug, Clone)]
pub(crate) struct Plan {
    pub content: Vec<Piece>,
    pub received: Vec<Received>,
    pub hmac: Option<HmacForm>,
    pub timestamp: Option<SignedTime>,
    /// URLs that count as the request URL (Twilio's library tries with and without the port).
    pub urls: Vec<String>,
    pub steps: Vec<Step>,
    /// A check that failed while reading the request although signatures may still match.
    pub failed_check: Option<Reason>,
}

impl Plan {
    pub(crate) fn new(content: Vec<Piece>, url: &str) -> Self {
        Self {
            content,
            received: Vec::new(),
            hmac: None,
            timestamp: None,
            urls: vec![url.to_owned()],
            steps: Vec::new(),
            failed_check: None,
        }
    }

    pub(crate) fn step(&mut self, label: impl Into<String>, detail: impl Into<String>) {
        self.steps.push(Step::new(label, detail));
    }

    pub(crate) fn with_hmac(mut self, algorithm: HmacAlgorithm, encoding: Encoding, shown_prefix: &str) -> Self {
        self.hmac = Some(HmacForm { algorithm, encoding, shown_prefix: shown_prefix.to_owned() });
        self
    }

    pub(crate) fn uses_url(&self) -> bool {
        self.content.iter().any(|p| matches!(p, Piece::Url))
    }
}

/// Puts the pieces together with a given body and URL.
pub(crate) fn render(pieces: &[Piece], body: &[u8], url: &str) -> Vec<u8> {
    let mut out = Vec::new();
    for piece in pieces {
        match piece {
            Piece::Text(t) => out.extend_from_slice(t),
            Piece::Body => out.extend_from_slice(body),
            Piece::Url => out.extend_from_slice(url.as_bytes()),
        }
    }
    out
}

/// A failure to read the request, with the steps taken up to it.
pub(crate) struct Unreadable {
    pub reason: Reason,
    pub steps: Vec<Step>,
}

impl Unreadable {
    pub(crate) fn missing(name: &str, what: &str) -> Self {
        Self::new(ReasonCode::HeaderMissing, format!("header {name} is missing: {what}"))
    }

    pub(crate) fn new(code: ReasonCode, message: impl Into<String>) -> Self {
        Self { reason: Reason::new(code, message), steps: Vec::new() }
    }
}

/// The first header with this name (case-insensitive), as text. Non-UTF-8 bytes are replaced.
pub(crate) fn header<'h>(headers: &'h [Header], name: &str) -> Option<(&'h str, String)> {
    headers
        .iter()
        .find(|h| h.name.eq_ignore_ascii_case(name))
        .map(|h| (h.name.as_str(), String::from_utf8_lossy(&h.value).trim().to_owned()))
}

pub(crate) fn require_header(headers: &[Header], name: &str, what: &str) -> Result<(String, String), Unreadable> {
    match header(headers, name) {
        Some((n, v)) if !v.is_empty() => Ok((n.to_owned(), v)),
        Some((n, _)) => {
            Err(Unreadable::new(ReasonCode::HeaderMalformed, format!("header {n} is present but empty: {what}")))
        }
        None => Err(Unreadable::missing(name, what)),
    }
}

/// An integer unix timestamp; the error says what was wrong with it.
pub(crate) fn parse_unix(text: &str, source: &str) -> Result<i64, Unreadable> {
    let t = text.trim();
    t.parse::<i64>().map_err(|_| {
        let shown: String = t.chars().take(40).collect();
        Unreadable::new(
            ReasonCode::TimestampMalformed,
            format!("{source} is {shown:?}, not an integer number of seconds since 1970"),
        )
    })
}

/// Decodes `application/x-www-form-urlencoded` bytes into (name, value) pairs, order kept.
pub(crate) fn parse_form(bytes: &[u8]) -> Vec<(String, String)> {
    bytes
        .split(|b| *b == b'&')
        .filter(|part| !part.is_empty())
        .map(|part| {
            let (name, value) = match part.iter().position(|b| *b == b'=') {
                Some(i) => (part.get(..i).unwrap_or_default(), part.get(i + 1..).unwrap_or_default()),
                None => (part, &[][..]),
            };
            (percent_decode(name), percent_decode(value))
        })
        .collect()
}

fn percent_decode(bytes: &[u8]) -> String {
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'+' => out.push(b' '),
            b'%' => {
                let hi = bytes.get(i + 1).and_then(|c| (*c as char).to_digit(16));
                let lo = bytes.get(i + 2).and_then(|c| (*c as char).to_digit(16));
                if let (Some(hi), Some(lo)) = (hi, lo) {
                    out.push((hi * 16 + lo) as u8);
                    i += 2;
                } else {
                    out.push(b'%');
                }
            }
            other => out.push(other),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Builds the HMAC `Key` every HMAC scheme without special secret handling uses: the UTF-8 bytes.
pub(crate) fn utf8_key(secret: &str) -> Result<Key, String> {
    Ok(Key::Hmac(secret.as_bytes().to_vec()))
}

/// Decodes a signature written in `encoding`; `None` when it is not valid in that encoding.
pub(crate) fn decode_sig(encoding: Encoding, text: &str) -> Option<Vec<u8>> {
    match encoding {
        Encoding::Hex => hex::decode(text).ok(),
        Encoding::Base64 => crypto::b64_decode_lenient(text),
    }
}

/// Checks that a received signature is `encoding` of `len` bytes; the error names the header and
/// what is wrong with the part, so a person can see it is the sender's formatting, not the secret.
pub(crate) fn check_encoded(
    header: &str,
    part: &str,
    value: &str,
    encoding: Encoding,
    len: usize,
) -> Result<(), Unreadable> {
    let shown: String = value.chars().take(24).collect();
    let decoded = decode_sig(encoding, value).ok_or_else(|| {
        Unreadable::new(
            ReasonCode::HeaderMalformed,
            format!("{part} of {header} is not {} (starts {shown:?})", encoding.label()),
        )
    })?;
    if decoded.len() != len {
        return Err(Unreadable::new(
            ReasonCode::HeaderMalformed,
            format!("{part} of {header} decodes to {} bytes; this scheme's signature is {len} bytes", decoded.len()),
        ));
    }
    Ok(())
}

/// Strips a required prefix (`sha256=`), or says which prefix was expected and what came instead.
pub(crate) fn strip_prefix<'v>(header: &str, value: &'v str, prefix: &str) -> Result<&'v str, Unreadable> {
    value.strip_prefix(prefix).ok_or_else(|| {
        let found: String = value.chars().take(12).collect();
        Unreadable::new(
            ReasonCode::HeaderMalformed,
            format!("{header} should start with {prefix:?}; it starts with {found:?}"),
        )
    })
}
