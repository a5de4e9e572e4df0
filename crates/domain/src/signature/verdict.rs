//! The verdict on one request's signature: valid or not, why, and the computation that led there.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Everything Hookbench found out about a request's signature. `valid` is the answer; the rest
/// explains it to a person (the workbench shows `steps`, `signed_content`, `expected` vs `received`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Verdict {
    pub valid: bool,
    /// The scheme id (`stripe`, `standard-webhooks`, …).
    pub scheme: String,
    /// Index into the configured secrets of the one that produced a matching signature. Set even
    /// when the verdict is invalid for another reason (a stale timestamp).
    pub matched_secret: Option<usize>,
    /// `current` for index 0, `previous #1` for index 1, …
    pub matched_secret_label: Option<String>,
    /// Why the request is invalid; `null` when valid.
    pub reason: Option<Reason>,
    /// What probably went wrong, when it can be told (strongest first).
    pub likely_causes: Vec<LikelyCause>,
    /// The exact content that was (or would be) signed, as text (lossy when not UTF-8).
    pub signed_content: Option<String>,
    /// The exact signed bytes, base64, only when they are not valid UTF-8.
    pub signed_content_base64: Option<String>,
    /// One entry per configured secret: the signature it gives, written as in the header.
    pub expected: Vec<SignatureCandidate>,
    /// The signatures found in the request, written as in the header.
    pub received: Vec<String>,
    /// The signed timestamp (unix seconds), when the scheme has one.
    pub timestamp: Option<i64>,
    /// `now - timestamp` in seconds: positive means the request is that old, negative that it is
    /// from the future.
    pub skew_secs: Option<i64>,
    /// The tolerance applied, seconds either way; `null` when no timestamp is checked.
    pub tolerance_secs: Option<u64>,
    pub steps: Vec<Step>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Reason {
    pub code: ReasonCode,
    /// A sentence a person can act on: which header, which part, by how much.
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReasonCode {
    /// A header the scheme needs is absent.
    HeaderMissing,
    /// A header is present but cannot be read (the message names the part).
    HeaderMalformed,
    /// The scheme signs a timestamp but none was found (e.g. Linear's `webhookTimestamp`).
    TimestampMissing,
    /// The timestamp is not an integer.
    TimestampMalformed,
    TimestampTooOld,
    TimestampInFuture,
    /// Signatures were found and computed, none matches any secret.
    NoSecretMatches,
    /// No secret is configured.
    NoSecrets,
    /// A secret or key cannot be used as this scheme's key (bad base64, wrong length, …).
    KeyMalformed,
    /// The body must carry the signature (Mailgun) or a value (Linear) and does not.
    BodyMalformed,
    /// Twilio: the body's SHA-256 differs from `bodySHA256` in the URL.
    BodyHashMismatch,
    /// The scheme's own settings are unusable (a custom template with an unknown placeholder).
    ConfigMalformed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LikelyCause {
    pub code: LikelyCauseCode,
    pub message: String,
    /// A scheme id to try instead, when the cause is another provider's headers.
    pub suggested_scheme: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LikelyCauseCode {
    /// The signature matches a re-serialized form of the JSON body (compact, pretty, …).
    BodyReserialized,
    /// The signature matches the body with a trailing newline added or removed.
    TrailingNewline,
    /// The signature matches when the secret is decoded differently (`whsec_` prefix, base64, hex).
    SecretEncoding,
    /// The request carries another provider's signature headers.
    OtherProviderHeaders,
    /// The signature matches another URL (scheme, host or port changed on the way).
    UrlChanged,
    /// The signature matches except for letter case (upper-case hex).
    SignatureCase,
}

/// What one configured secret gives for this request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SignatureCandidate {
    pub secret_label: String,
    /// The signature computed with this secret, written as in the header; `null` for public-key
    /// schemes (a public key verifies, it cannot sign) and for secrets that are not usable keys.
    pub signature: Option<String>,
    /// Whether it matched one of the received signatures.
    pub matches: bool,
}

/// One line of the step-by-step computation shown in the workbench.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Step {
    pub label: String,
    pub detail: String,
}

impl Step {
    pub fn new(label: impl Into<String>, detail: impl Into<String>) -> Self {
        Self { label: label.into(), detail: detail.into() }
    }
}

impl Reason {
    pub fn new(code: ReasonCode, message: impl Into<String>) -> Self {
        Self { code, message: message.into() }
    }
}

/// The label of the secret at `index` in a newest-first list.
pub fn secret_label(index: usize) -> String {
    match index {
        0 => "current".to_owned(),
        n => format!("previous #{n}"),
    }
}

/// A provider found from a request's headers (or Mailgun's body).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Detection {
    pub scheme_id: String,
    pub label: String,
    /// The header names (as received) that gave it away; `body: …` for fields in the body.
    pub evidence: Vec<String>,
}
