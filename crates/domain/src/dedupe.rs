//! Duplicate detection: where an endpoint finds a request's idempotency key, and what a duplicate gets.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use crate::Header;

/// Seven days: long enough to cover every provider's retry schedule.
pub const DEFAULT_TTL_SECS: u64 = 7 * 24 * 3600;

/// Where the idempotency key of a request comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum KeySource {
    /// A header, e.g. `Idempotency-Key`, `webhook-id`, `X-GitHub-Delivery`, `X-Shopify-Webhook-Id`.
    Header { name: String },
    /// A JSON pointer into the body (RFC 6901), e.g. `/id` for Stripe events.
    JsonPointer { pointer: String },
    /// The SHA-256 of the whole body.
    BodyHash,
}

/// What the receiver answers to a duplicate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DuplicateResponse {
    /// The same status the first copy got.
    #[default]
    SameAsFirst,
    /// `200 {"duplicate": true}`.
    OkDuplicate,
    /// `409 Conflict`.
    Conflict,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DedupeSettings {
    pub source: KeySource,
    #[serde(default = "default_ttl")]
    pub ttl_secs: u64,
    #[serde(default)]
    pub on_duplicate: DuplicateResponse,
}

fn default_ttl() -> u64 {
    DEFAULT_TTL_SECS
}

/// Header names that providers use for a delivery's identity, offered as presets.
pub const HEADER_PRESETS: &[(&str, &str)] = &[
    ("Idempotency-Key", "generic"),
    ("webhook-id", "Standard Webhooks"),
    ("svix-id", "Svix"),
    ("X-GitHub-Delivery", "GitHub"),
    ("X-Shopify-Webhook-Id", "Shopify"),
    ("X-Request-Id", "generic"),
];

impl KeySource {
    /// The key of this request, or `None` when the request has none (no header, not JSON, no such field).
    pub fn key_of(&self, headers: &[Header], body: Option<&[u8]>) -> Option<String> {
        match self {
            KeySource::Header { name } => headers
                .iter()
                .find(|h| h.name.eq_ignore_ascii_case(name))
                .map(|h| String::from_utf8_lossy(&h.value).trim().to_owned())
                .filter(|v| !v.is_empty()),
            KeySource::JsonPointer { pointer } => {
                let value: serde_json::Value = serde_json::from_slice(body?).ok()?;
                match value.pointer(pointer)? {
                    serde_json::Value::Null => None,
                    serde_json::Value::String(s) => Some(s.clone()),
                    other => Some(other.to_string()),
                }
            }
            KeySource::BodyHash => Some(hex::encode(Sha256::digest(body?))),
        }
    }

    /// A short description for lists: `header Idempotency-Key`, `body /id`, `body hash`.
    pub fn describe(&self) -> String {
        match self {
            KeySource::Header { name } => format!("header {name}"),
            KeySource::JsonPointer { pointer } => format!("body {pointer}"),
            KeySource::BodyHash => "body hash".into(),
        }
    }

    pub fn validate(&self) -> Result<(), String> {
        match self {
            KeySource::Header { name } if name.trim().is_empty() => Err("the key header name is empty".into()),
            KeySource::Header { name } if !name.bytes().all(|b| b.is_ascii_graphic() && b != b':') => {
                Err(format!("'{name}' is not a valid header name"))
            }
            KeySource::JsonPointer { pointer } if !(pointer.is_empty() || pointer.starts_with('/')) => {
                Err(format!("'{pointer}' is not a JSON pointer: it must start with '/', e.g. /id or /data/object/id"))
            }
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers() -> Vec<Header> {
        vec![Header::new("Content-Type", "application/json"), Header::new("X-GitHub-Delivery", " 72d3162e ")]
    }

    #[test]
    fn a_header_key_is_found_by_any_case_and_trimmed() {
        let source = KeySource::Header { name: "x-github-delivery".into() };
        assert_eq!(source.key_of(&headers(), None).as_deref(), Some("72d3162e"));
        let missing = KeySource::Header { name: "Idempotency-Key".into() };
        assert_eq!(missing.key_of(&headers(), None), None, "no header, no key: never a duplicate");
    }

    #[test]
    fn a_json_pointer_key_reads_strings_and_numbers() {
        let body = br#"{"id":"evt_1","data":{"object":{"id":42}}}"#;
        let id = KeySource::JsonPointer { pointer: "/id".into() };
        assert_eq!(id.key_of(&[], Some(body)).as_deref(), Some("evt_1"));
        let nested = KeySource::JsonPointer { pointer: "/data/object/id".into() };
        assert_eq!(nested.key_of(&[], Some(body)).as_deref(), Some("42"));
        assert_eq!(id.key_of(&[], Some(b"not json")), None, "a body that is not JSON has no key");
    }

    #[test]
    fn a_body_hash_key_differs_when_a_byte_differs() {
        let a = KeySource::BodyHash.key_of(&[], Some(b"{\"a\":1}"));
        let b = KeySource::BodyHash.key_of(&[], Some(b"{\"a\":2}"));
        assert!(a.is_some() && a != b);
        assert_eq!(KeySource::BodyHash.key_of(&[], None), None, "an unstored body has no hash");
    }

    #[test]
    fn bad_sources_are_explained() {
        assert!(
            KeySource::JsonPointer { pointer: "id".into() }.validate().unwrap_err().contains("must start with '/'")
        );
        assert!(KeySource::Header { name: "Bad Name:".into() }.validate().is_err());
        assert!(KeySource::Header { name: "Idempotency-Key".into() }.validate().is_ok());
    }
}
