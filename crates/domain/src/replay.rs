//! Replaying a capture: to a URL or a destination, as received (method, headers and body as they
//! came, hop-by-hop headers dropped) or re-signed (the old signature dropped, a fresh one made for
//! the target), optionally edited first. The result is an ordinary event input, so a replay gets
//! retries and a timeline. The capture itself never changes.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::capture::HeaderView;
use crate::outbox::{DestinationRef, EventInput, PolicyChoice, SchemeChoice};
use crate::retry::TimeScale;
use crate::signature::is_signature_header;

/// Headers about one connection, not the request: never replayed. `host` and `content-length`
/// are written afresh for the new target and body.
pub const HOP_BY_HOP: &[&str] = &[
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "host",
    "content-length",
];

pub fn is_hop_by_hop(name: &str) -> bool {
    HOP_BY_HOP.iter().any(|h| h.eq_ignore_ascii_case(name))
}

/// Where a replay goes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum ReplayTarget {
    /// A destination by id or name: its retry policy, breaker, limits and (re-signed) signing apply.
    Destination { destination: DestinationRef },
    /// Any http(s) URL, with the default delivery settings.
    Url { url: String },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReplayMode {
    /// Method, headers and body byte for byte as received (hop-by-hop headers dropped); nothing added.
    #[default]
    AsReceived,
    /// The old signature headers dropped and a fresh signature (new timestamp) made with the
    /// destination's scheme and secret, or the `scheme`/`secret` given.
    Resigned,
}

/// Changes made before sending; what is left out stays as it was.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RequestEdit {
    #[serde(default)]
    pub method: Option<String>,
    /// The whole URL to send to, instead of the target's.
    #[serde(default)]
    pub url: Option<String>,
    /// The complete header list to send (replaces the original's).
    #[serde(default)]
    pub headers: Option<Vec<HeaderView>>,
    /// The new body as text…
    #[serde(default)]
    pub body: Option<String>,
    /// …or as exact bytes.
    #[serde(default)]
    pub body_base64: Option<String>,
    /// Send a `body` that claims to be JSON even when it does not parse (default: refuse it, naming
    /// the line and column).
    #[serde(default)]
    pub allow_invalid_json: bool,
}

/// `POST /api/captures/{id}/replay`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct ReplayInput {
    #[serde(flatten)]
    pub to: ReplayTarget,
    #[serde(default)]
    pub mode: ReplayMode,
    #[serde(default)]
    pub edit: Option<RequestEdit>,
    /// For a re-signed replay: the scheme, instead of the destination's.
    #[serde(default)]
    pub scheme: Option<SchemeChoice>,
    /// For a re-signed replay: the secret, instead of the destination's.
    #[serde(default)]
    pub secret: Option<String>,
    #[serde(default)]
    pub policy: Option<PolicyChoice>,
    #[serde(default)]
    pub time_scale: Option<TimeScale>,
}

/// The request a replay starts from: a capture's, or another event's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Original {
    pub method: String,
    pub headers: Vec<HeaderView>,
    pub body: Vec<u8>,
}

/// The request after the edit: method, URL override, headers, body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edited {
    pub method: String,
    pub url: Option<String>,
    pub headers: Vec<HeaderView>,
    pub body: Vec<u8>,
}

impl RequestEdit {
    /// The original with this edit applied, or every problem, each naming its field (`edit.body: …`).
    pub fn apply(&self, original: &Original) -> Result<Edited, Vec<String>> {
        let mut problems = Vec::new();
        let method = self.method.as_deref().unwrap_or(&original.method).trim().to_ascii_uppercase();
        if method.is_empty() || !method.bytes().all(|b| b.is_ascii_alphabetic() || b == b'-') {
            problems.push(format!("edit.method: '{method}' is not an HTTP method"));
        }
        if let Some(url) = &self.url
            && let Err(e) = crate::outbox::validate_url("edit.url", url.trim())
        {
            problems.push(e);
        }
        let headers = self.headers.clone().unwrap_or_else(|| original.headers.clone());
        let body = match (&self.body, &self.body_base64) {
            (Some(_), Some(_)) => {
                problems.push("edit.body: give body or body_base64, not both".to_owned());
                Vec::new()
            }
            (Some(text), None) => {
                if !self.allow_invalid_json
                    && is_json(&headers, &original.body)
                    && let Err(e) = serde_json::from_str::<serde::de::IgnoredAny>(text)
                {
                    problems.push(format!(
                        "edit.body: not valid JSON at line {} column {}: {e} (set allow_invalid_json to send it anyway)",
                        e.line(),
                        e.column()
                    ));
                }
                text.clone().into_bytes()
            }
            (None, Some(b64)) => BASE64.decode(b64.trim()).unwrap_or_else(|e| {
                problems.push(format!("edit.body_base64: not base64: {e}"));
                Vec::new()
            }),
            (None, None) => original.body.clone(),
        };
        for (i, h) in headers.iter().enumerate() {
            let token = !h.name.is_empty()
                && h.name.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_!#$%&'*+.^`|~".contains(&b));
            if !token {
                problems.push(format!("edit.headers[{i}].name: '{}' is not a header name", h.name));
            }
            if h.to_header().value.iter().any(|b| matches!(b, b'\r' | b'\n' | 0)) {
                problems.push(format!("edit.headers[{i}].value: a header value cannot contain a line break or NUL"));
            }
        }
        if problems.is_empty() {
            Ok(Edited { method, url: self.url.as_ref().map(|u| u.trim().to_owned()), headers, body })
        } else {
            Err(problems)
        }
    }
}

/// The body is meant as JSON: its content type says so, or there is none and the original parsed.
fn is_json(headers: &[HeaderView], original_body: &[u8]) -> bool {
    match headers.iter().find(|h| h.name.eq_ignore_ascii_case("content-type")) {
        Some(h) => {
            let v = h.value.to_ascii_lowercase();
            v.contains("/json") || v.contains("+json")
        }
        None => serde_json::from_slice::<serde::de::IgnoredAny>(original_body).is_ok(),
    }
}

/// The headers of a request to send again: hop-by-hop ones dropped, and for a re-signed replay the
/// old signature's too. Order, case and repeats of the rest are kept.
pub fn replay_headers(headers: &[HeaderView], mode: ReplayMode) -> Vec<HeaderView> {
    headers
        .iter()
        .filter(|h| !is_hop_by_hop(&h.name))
        .filter(|h| mode == ReplayMode::AsReceived || !is_signature_header(&h.name))
        .cloned()
        .collect()
}

/// A replay as an event input, and whether it is sent exactly (as received: nothing added).
/// The caller checks signing for a re-signed replay once the destination is known.
pub fn event_input(original: &Original, input: ReplayInput) -> Result<(EventInput, bool), Vec<String>> {
    let base = Original { headers: replay_headers(&original.headers, input.mode), ..original.clone() };
    let edited = input.edit.as_ref().map(|e| e.apply(&base)).unwrap_or_else(|| {
        Ok(Edited { method: base.method.clone(), url: None, headers: base.headers.clone(), body: base.body.clone() })
    })?;
    let exact = input.mode == ReplayMode::AsReceived;
    if exact && (input.scheme.is_some() || input.secret.is_some()) {
        return Err(vec!["mode: a replay as received keeps its signature; choose mode resigned to sign afresh".into()]);
    }
    let (destination, url) = match input.to {
        ReplayTarget::Destination { destination } => (Some(destination), edited.url),
        ReplayTarget::Url { url } => (None, Some(edited.url.unwrap_or(url))),
    };
    let event = EventInput {
        destination,
        url,
        method: Some(edited.method),
        headers: edited.headers,
        body: None,
        body_base64: Some(BASE64.encode(&edited.body)),
        scheme: input.scheme,
        secret: input.secret,
        policy: input.policy,
        time_scale: input.time_scale,
    };
    Ok((event, exact))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hv(name: &str, value: &str) -> HeaderView {
        HeaderView { name: name.into(), value: value.into(), value_base64: None }
    }

    fn original() -> Original {
        Original {
            method: "POST".into(),
            headers: vec![
                hv("Host", "example.com"),
                hv("Content-Type", "application/json"),
                hv("Stripe-Signature", "t=1,v1=abc"),
                hv("X-Tag", "a"),
                hv("Connection", "keep-alive"),
                hv("X-Tag", "b"),
                hv("Content-Length", "2"),
            ],
            body: b"{}".to_vec(),
        }
    }

    fn names(h: &[HeaderView]) -> Vec<&str> {
        h.iter().map(|h| h.name.as_str()).collect()
    }

    #[test]
    fn as_received_keeps_everything_but_hop_by_hop_headers_in_order_with_repeats() {
        let kept = replay_headers(&original().headers, ReplayMode::AsReceived);
        assert_eq!(names(&kept), ["Content-Type", "Stripe-Signature", "X-Tag", "X-Tag"]);
        assert_eq!(kept[3].value, "b");
        let resigned = replay_headers(&original().headers, ReplayMode::Resigned);
        assert_eq!(names(&resigned), ["Content-Type", "X-Tag", "X-Tag"], "the old signature goes");
    }

    #[test]
    fn an_edit_changes_only_what_it_names_and_points_at_bad_json() {
        let edit = RequestEdit { body: Some("{\n  \"a\": 1,\n}".into()), ..Default::default() };
        let err = edit.apply(&original()).unwrap_err();
        assert!(err[0].starts_with("edit.body: not valid JSON at line 3 column 1"), "{err:?}");
        let edit = RequestEdit { allow_invalid_json: true, ..edit };
        assert_eq!(edit.apply(&original()).unwrap().body, b"{\n  \"a\": 1,\n}");
        let edit = RequestEdit { method: Some("put".into()), ..Default::default() };
        let edited = edit.apply(&original()).unwrap();
        assert_eq!((edited.method.as_str(), edited.body.as_slice()), ("PUT", b"{}".as_slice()));
        let bad = RequestEdit {
            method: Some("GE T".into()),
            url: Some("ftp://x".into()),
            headers: Some(vec![hv("Bad Name", "x"), hv("X", "a\r\nb")]),
            ..Default::default()
        };
        let err = bad.apply(&original()).unwrap_err();
        assert_eq!(err.len(), 4, "{err:?}");
        assert!(err.iter().any(|e| e.starts_with("edit.url:")) && err.iter().any(|e| e.starts_with("edit.method:")));
    }

    #[test]
    fn a_replay_to_a_url_is_an_exact_event_with_the_captured_bytes() {
        let input: ReplayInput = serde_json::from_value(serde_json::json!({"url": "http://127.0.0.1:9/x"})).unwrap();
        let (event, exact) = event_input(&original(), input).unwrap();
        assert!(exact);
        assert_eq!(event.url.as_deref(), Some("http://127.0.0.1:9/x"));
        assert_eq!(event.body_base64.as_deref(), Some(BASE64.encode(b"{}").as_str()));
        assert_eq!(names(&event.headers), ["Content-Type", "Stripe-Signature", "X-Tag", "X-Tag"]);
        let input: ReplayInput =
            serde_json::from_value(serde_json::json!({"destination": "app", "mode": "resigned"})).unwrap();
        let (event, exact) = event_input(&original(), input).unwrap();
        assert!(!exact);
        assert_eq!(event.destination, Some(DestinationRef::Name("app".into())));
        let input: ReplayInput =
            serde_json::from_value(serde_json::json!({"url": "http://127.0.0.1:9/x", "secret": "s"})).unwrap();
        assert!(event_input(&original(), input).unwrap_err()[0].starts_with("mode:"));
    }
}
