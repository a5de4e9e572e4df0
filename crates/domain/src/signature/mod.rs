//! Webhook signatures: verify a request against a provider's scheme, explain a failure, detect
//! the provider from its headers, and sign a body the way a provider would. Pure: the clock comes
//! in as `now_unix` / `timestamp`.
//!
//! Secrets, per scheme (all strings, as the provider shows them):
//! - HMAC schemes: the secret's UTF-8 bytes are the key — Stripe's whole `whsec_…` string included.
//! - Standard Webhooks / Svix: `whsec_<base64>` (the decoded bytes are the HMAC key); for `v1a`
//!   entries `whpk_<base64 32-byte public key>` to verify, or `whsk_<base64 32-byte seed>` (the
//!   private key, also accepted for verifying).
//! - Discord: verify with the application public key (64 hex characters); sign with the private
//!   key as hex: a 32-byte seed, or 64 bytes seed‖public (libsodium / PyNaCl form).
//! - SendGrid: verify with the verification key, base64 DER SubjectPublicKeyInfo; sign with a
//!   base64 DER PKCS#8 P-256 private key. PEM armor is accepted for both.

mod crypto;
mod custom;
mod detect;
mod diagnose;
mod github;
mod judge;
mod mailgun;
mod plan;
mod pubkey;
mod scheme;
mod slack;
mod standard;
mod stripe;
mod twilio;
mod verdict;

pub use detect::{detect, is_signature_header};
pub use scheme::{CustomHmac, Encoding, HmacAlgorithm, Scheme};
pub use verdict::{
    Detection, LikelyCause, LikelyCauseCode, Reason, ReasonCode, SignatureCandidate, Step, Verdict, secret_label,
};

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::Header;
use crypto::Key;

/// The request as received: raw bytes, headers in their original case and order.
#[derive(Debug, Clone, Copy)]
pub struct VerifyRequest<'a> {
    pub method: &'a str,
    /// The full URL the sender used (scheme, host, path and query), for URL-signing schemes.
    pub url: &'a str,
    pub headers: &'a [Header],
    pub body: &'a [u8],
    pub now_unix: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct VerifyConfig {
    pub scheme: Scheme,
    /// Newest first: index 0 is "current", 1 is "previous #1", …
    pub secrets: Vec<String>,
    /// Seconds either way; `None` uses the scheme's default. Ignored by schemes without a timestamp.
    #[serde(default)]
    pub tolerance_secs: Option<u64>,
}

/// Checks a request's signature. Never panics, whatever the bytes.
pub fn verify(config: &VerifyConfig, req: &VerifyRequest) -> Verdict {
    let planned = match &config.scheme {
        Scheme::Stripe => stripe::plan_stripe(req),
        Scheme::PaddleBilling => stripe::plan_paddle(req),
        Scheme::Github => github::plan_github(req),
        Scheme::Intercom => github::plan_intercom(req),
        Scheme::Shopify => github::plan_shopify(req),
        Scheme::Linear => github::plan_linear(req),
        Scheme::StandardWebhooks => standard::plan(req, standard::Names::Webhook),
        Scheme::Svix => standard::plan(req, standard::Names::Svix),
        Scheme::Slack => slack::plan(req, slack::Flavor::Slack),
        Scheme::Zoom => slack::plan(req, slack::Flavor::Zoom),
        Scheme::Twilio => twilio::plan_twilio(req),
        Scheme::Square => twilio::plan_square(req),
        Scheme::Mailgun => mailgun::plan(req),
        Scheme::Discord => pubkey::plan_discord(req),
        Scheme::Sendgrid => pubkey::plan_sendgrid(req),
        Scheme::CustomHmac(custom) => custom::plan(custom, req),
    };
    judge::judge(config, req, planned)
}

/// What a sender puts on a request. `id` is the message/delivery id where the scheme signs or
/// sends one (Standard Webhooks `webhook-id`, Mailgun's token, GitHub's delivery id).
#[derive(Debug, Clone, Copy)]
pub struct SignRequest<'a> {
    pub method: &'a str,
    pub url: &'a str,
    pub body: &'a [u8],
    pub timestamp: i64,
    pub id: &'a str,
}

/// The result of signing: the headers the provider would send, and for Mailgun — whose signature
/// lives in the body — the body to send instead of the one given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signed {
    pub headers: Vec<Header>,
    pub body: Option<Vec<u8>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SignError {
    pub code: SignErrorCode,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SignErrorCode {
    /// The secret is not a key this scheme can sign with (e.g. a public key for Discord).
    KeyMalformed,
    /// The body cannot carry what the scheme needs (Mailgun needs a JSON object).
    BodyMalformed,
    /// The scheme's settings are unusable (a custom template with an unknown placeholder).
    ConfigMalformed,
}

impl SignError {
    pub(crate) fn new(code: SignErrorCode, message: impl Into<String>) -> Self {
        Self { code, message: message.into() }
    }
    pub(crate) fn key(message: impl Into<String>) -> Self {
        Self::new(SignErrorCode::KeyMalformed, message)
    }
}

impl std::fmt::Display for SignError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.message)
    }
}

impl std::error::Error for SignError {}

/// Signs a body as the provider would. For public-key schemes `secret` is the private key (see
/// the module docs for the formats).
pub fn sign(scheme: &Scheme, secret: &str, req: &SignRequest) -> Result<Signed, SignError> {
    let headers = match scheme {
        Scheme::Stripe => stripe::sign_stripe(secret, req),
        Scheme::PaddleBilling => stripe::sign_paddle(secret, req),
        Scheme::Github => github::sign_github(secret, req),
        Scheme::Intercom => github::sign_intercom(secret, req),
        Scheme::Shopify => github::sign_shopify(secret, req),
        Scheme::Linear => github::sign_linear(secret, req),
        Scheme::StandardWebhooks => standard::sign(secret, req, standard::Names::Webhook)?,
        Scheme::Svix => standard::sign(secret, req, standard::Names::Svix)?,
        Scheme::Slack => slack::sign(secret, req, slack::Flavor::Slack),
        Scheme::Zoom => slack::sign(secret, req, slack::Flavor::Zoom),
        Scheme::Twilio => twilio::sign_twilio(secret, req),
        Scheme::Square => twilio::sign_square(secret, req),
        Scheme::Discord => pubkey::sign_discord(secret, req)?,
        Scheme::Sendgrid => pubkey::sign_sendgrid(secret, req)?,
        Scheme::CustomHmac(custom) => custom::sign(custom, secret, req)?,
        Scheme::Mailgun => return mailgun::sign(secret, req),
    };
    Ok(Signed { headers, body: None })
}

/// How a configured secret becomes this scheme's key; the error says why it cannot.
pub(crate) fn key_for(scheme: &Scheme, secret: &str) -> Result<Key, String> {
    match scheme {
        Scheme::StandardWebhooks | Scheme::Svix => standard::key(secret),
        Scheme::Discord => pubkey::discord_key(secret),
        Scheme::Sendgrid => pubkey::sendgrid_key(secret),
        _ => plan::utf8_key(secret),
    }
}
