//! What an export hides: header values by name, and secret strings wherever they occur.

use crate::capture::Header;

use super::ExchangeRecord;

/// What a redacted value becomes.
pub const REDACTED: &str = "[redacted]";

/// Headers redacted unless the user turns redaction off: credentials, cookies, and the headers that
/// carry a signature in every scheme Hookbench verifies (`signature/`). A trailing `*` matches any
/// name that starts with the rest (`x-hub-signature*` covers `X-Hub-Signature-256`).
pub const DEFAULT_REDACTED_HEADERS: &[&str] = &[
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
    "x-api-key",
    "stripe-signature",
    "paddle-signature",
    "x-hub-signature*",
    "webhook-signature",
    "svix-signature",
    "x-shopify-hmac-sha256",
    "x-slack-signature",
    "x-zm-signature",
    "linear-signature",
    "x-twilio-signature",
    "x-twilio-email-event-webhook-signature",
    "x-square-hmacsha256-signature",
    "x-square-signature",
    "x-signature-ed25519",
];

/// What an export redacts. [`Redaction::default`] redacts [`DEFAULT_REDACTED_HEADERS`];
/// [`Redaction::none`] redacts nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redaction {
    /// Header names (any case; `prefix*` matches by prefix) whose values become `[redacted]`.
    pub redact_headers: Vec<String>,
    /// Strings replaced by `[redacted]` in header values, URLs and bodies (and their percent-encoded
    /// form). Empty strings are ignored.
    pub secrets: Vec<String>,
}

impl Default for Redaction {
    fn default() -> Self {
        Self { redact_headers: DEFAULT_REDACTED_HEADERS.iter().map(|s| (*s).to_owned()).collect(), secrets: Vec::new() }
    }
}

impl Redaction {
    /// Redacts nothing: the export is byte-exact.
    pub fn none() -> Self {
        Self { redact_headers: Vec::new(), secrets: Vec::new() }
    }

    pub fn is_none(&self) -> bool {
        self.redact_headers.is_empty() && self.secrets.iter().all(String::is_empty)
    }

    /// Whether a header of this name has its value redacted.
    pub fn hides_header(&self, name: &str) -> bool {
        self.redact_headers.iter().any(|pattern| {
            let pattern = pattern.trim();
            match pattern.strip_suffix('*') {
                Some(prefix) => {
                    name.len() >= prefix.len()
                        && name.is_char_boundary(prefix.len())
                        && name[..prefix.len()].eq_ignore_ascii_case(prefix)
                }
                None => name.eq_ignore_ascii_case(pattern),
            }
        })
    }

    /// The record as it may be exported.
    pub fn apply(&self, record: &ExchangeRecord) -> ExchangeRecord {
        let mut out = record.clone();
        if self.is_none() {
            return out;
        }
        let needles = self.needles();
        self.headers(&mut out.headers, &needles);
        out.url = replace_text(&out.url, &needles);
        out.body = replace_all(&out.body, &needles);
        if let Some(response) = &mut out.response {
            self.headers(&mut response.headers, &needles);
            response.body = replace_all(&response.body, &needles);
        }
        for text in [&mut out.error, &mut out.meta.comment, &mut out.meta.response_note].into_iter().flatten() {
            *text = replace_text(text, &needles);
        }
        out
    }

    fn headers(&self, headers: &mut [Header], needles: &[Vec<u8>]) {
        for h in headers {
            if self.hides_header(&h.name) {
                h.value = REDACTED.as_bytes().to_vec();
            } else {
                h.value = replace_all(&h.value, needles);
            }
        }
    }

    /// Each secret and its percent-encoded form, longest first so a secret inside another is not
    /// half-replaced.
    fn needles(&self) -> Vec<Vec<u8>> {
        let mut needles: Vec<Vec<u8>> = Vec::new();
        for secret in self.secrets.iter().filter(|s| !s.is_empty()) {
            for form in [secret.as_bytes().to_vec(), percent_encode(secret.as_bytes())] {
                if !needles.contains(&form) {
                    needles.push(form);
                }
            }
        }
        needles.sort_by_key(|n| std::cmp::Reverse(n.len()));
        needles
    }
}

fn replace_text(text: &str, needles: &[Vec<u8>]) -> String {
    String::from_utf8_lossy(&replace_all(text.as_bytes(), needles)).into_owned()
}

/// Every occurrence of every needle replaced by `[redacted]`, left to right.
fn replace_all(haystack: &[u8], needles: &[Vec<u8>]) -> Vec<u8> {
    if needles.is_empty() {
        return haystack.to_vec();
    }
    let mut out = Vec::with_capacity(haystack.len());
    let mut i = 0;
    while i < haystack.len() {
        match needles.iter().find(|n| haystack[i..].starts_with(n)) {
            Some(n) => {
                out.extend_from_slice(REDACTED.as_bytes());
                i += n.len();
            }
            None => {
                out.push(haystack[i]);
                i += 1;
            }
        }
    }
    out
}

/// RFC 3986 percent-encoding of everything but unreserved characters.
pub(super) fn percent_encode(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    for &b in bytes {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b);
        } else {
            out.extend_from_slice(format!("%{b:02X}").as_bytes());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_patterns_match_any_case_and_prefixes() {
        let r = Redaction::default();
        assert!(r.hides_header("Authorization"), "exact names match in any case");
        assert!(r.hides_header("X-Hub-Signature-256"), "x-hub-signature* covers the sha256 header");
        assert!(r.hides_header("x-hub-signature"), "and the legacy one");
        assert!(!r.hides_header("Content-Type"), "ordinary headers are kept");
        assert!(!r.hides_header("X-Hub"), "a name shorter than the prefix does not match");
        assert!(!Redaction::none().hides_header("Authorization"), "none redacts nothing");
    }

    #[test]
    fn secrets_are_replaced_everywhere_including_their_percent_encoded_form() {
        let needles = Redaction { redact_headers: vec![], secrets: vec!["a b".into(), String::new()] }.needles();
        assert_eq!(needles.len(), 2, "the plain and percent-encoded forms, no empty needle: {needles:?}");
        assert_eq!(replace_all(b"x=a%20b&y=a b", &needles), b"x=[redacted]&y=[redacted]".to_vec());
        assert_eq!(replace_all(b"", &needles), b"".to_vec());
        assert_eq!(replace_all(b"a ", &needles), b"a ".to_vec(), "a partial match at the end stays");
    }
}
