//! Which signature scheme a request is checked against, with its id, label and default tolerance.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A webhook signature scheme. Serialized internally tagged: `{"kind":"stripe"}`,
/// `{"kind":"custom_hmac","algorithm":"sha256","header":"X-Sig",…}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Scheme {
    /// `Stripe-Signature: t=…,v1=…` over `"{t}.{body}"`.
    Stripe,
    /// `X-Hub-Signature-256: sha256=…` over the body; falls back to the legacy `X-Hub-Signature: sha1=…`.
    Github,
    /// `webhook-id/-timestamp/-signature`, `v1,` HMAC and `v1a,` Ed25519 entries.
    StandardWebhooks,
    /// Standard Webhooks under `svix-*` names (white-labelled accounts send `webhook-*`).
    Svix,
    /// `X-Shopify-Hmac-Sha256`: base64 HMAC-SHA256 of the body.
    Shopify,
    /// `X-Slack-Signature: v0=…` over `"v0:{ts}:{body}"`.
    Slack,
    /// `X-Twilio-Signature` over the URL and the sorted form parameters; HMAC-SHA1, or the
    /// algorithm that `X-Twilio-Webhooks-Signature-Settings` names.
    Twilio,
    /// `Paddle-Signature: ts=…;h1=…` over `"{ts}:{body}"`.
    #[serde(rename = "paddle")]
    PaddleBilling,
    /// `x-square-hmacsha256-signature` over `notification URL + body`.
    Square,
    /// `Linear-Signature` over the body; the timestamp is `webhookTimestamp` in the body.
    Linear,
    /// `X-Hub-Signature: sha1=…` over the body.
    Intercom,
    /// The signature travels in the body: `signature.{timestamp,token,signature}`.
    Mailgun,
    /// `x-zm-signature: v0=…` over `"v0:{ts}:{body}"`.
    Zoom,
    /// `X-Signature-Ed25519` over `timestamp + body`, checked with the application's public key.
    Discord,
    /// `X-Twilio-Email-Event-Webhook-Signature`: ECDSA P-256 over `timestamp + body`.
    Sendgrid,
    /// An HMAC scheme the user describes.
    CustomHmac(CustomHmac),
}

/// A user-described HMAC scheme.
///
/// `template` is the signed content. Placeholders: `{body}` (the raw body bytes), `{timestamp}`
/// (the value of `timestamp_header`), `{url}` (the full request URL), `{method}` (upper-case
/// method) and `{header:Name}` (the value of request header `Name`; when signing, it is filled with
/// the request id and that header is sent). `{{` and `}}` write literal braces. Anything else in
/// braces is an error, so a typo never silently signs the wrong string.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CustomHmac {
    pub algorithm: HmacAlgorithm,
    /// The header that carries the signature.
    pub header: String,
    pub encoding: Encoding,
    /// Written before the encoded signature, e.g. `sha256=`; may be empty.
    #[serde(default)]
    pub prefix: String,
    /// The header that carries a unix timestamp (seconds), checked against the tolerance.
    #[serde(default)]
    pub timestamp_header: Option<String>,
    /// The signed content, e.g. `{timestamp}.{body}`.
    pub template: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum HmacAlgorithm {
    Sha1,
    Sha256,
    Sha512,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Encoding {
    Hex,
    Base64,
}

impl HmacAlgorithm {
    pub fn label(self) -> &'static str {
        match self {
            Self::Sha1 => "HMAC-SHA1",
            Self::Sha256 => "HMAC-SHA256",
            Self::Sha512 => "HMAC-SHA512",
        }
    }
}

impl Encoding {
    pub fn label(self) -> &'static str {
        match self {
            Self::Hex => "hex",
            Self::Base64 => "base64",
        }
    }
}

const BUILTIN_IDS: [&str; 15] = [
    "stripe",
    "github",
    "standard-webhooks",
    "svix",
    "shopify",
    "slack",
    "twilio",
    "paddle",
    "square",
    "linear",
    "intercom",
    "mailgun",
    "zoom",
    "discord",
    "sendgrid",
];

impl Scheme {
    /// The stable id used on the CLI and in detections (`standard-webhooks`, `paddle`, …).
    pub fn id(&self) -> &'static str {
        match self {
            Self::Stripe => "stripe",
            Self::Github => "github",
            Self::StandardWebhooks => "standard-webhooks",
            Self::Svix => "svix",
            Self::Shopify => "shopify",
            Self::Slack => "slack",
            Self::Twilio => "twilio",
            Self::PaddleBilling => "paddle",
            Self::Square => "square",
            Self::Linear => "linear",
            Self::Intercom => "intercom",
            Self::Mailgun => "mailgun",
            Self::Zoom => "zoom",
            Self::Discord => "discord",
            Self::Sendgrid => "sendgrid",
            Self::CustomHmac(_) => "custom-hmac",
        }
    }

    pub fn label(&self) -> &'static str {
        match self {
            Self::Stripe => "Stripe",
            Self::Github => "GitHub",
            Self::StandardWebhooks => "Standard Webhooks",
            Self::Svix => "Svix",
            Self::Shopify => "Shopify",
            Self::Slack => "Slack",
            Self::Twilio => "Twilio",
            Self::PaddleBilling => "Paddle Billing",
            Self::Square => "Square",
            Self::Linear => "Linear",
            Self::Intercom => "Intercom",
            Self::Mailgun => "Mailgun",
            Self::Zoom => "Zoom",
            Self::Discord => "Discord",
            Self::Sendgrid => "SendGrid",
            Self::CustomHmac(_) => "Custom HMAC",
        }
    }

    /// Every scheme but the custom one, in a stable order.
    pub fn all_builtin() -> Vec<Scheme> {
        BUILTIN_IDS.iter().filter_map(|id| Self::from_id(id)).collect()
    }

    /// A built-in scheme by its id; `_` and `-` are interchangeable and case is ignored
    /// (`standard_webhooks`, `Standard-Webhooks`), and `paddle_billing` names Paddle too.
    pub fn from_id(id: &str) -> Option<Scheme> {
        let id = id.trim().to_ascii_lowercase().replace('_', "-");
        Some(match id.as_str() {
            "stripe" => Self::Stripe,
            "github" => Self::Github,
            "standard-webhooks" | "standardwebhooks" => Self::StandardWebhooks,
            "svix" => Self::Svix,
            "shopify" => Self::Shopify,
            "slack" => Self::Slack,
            "twilio" => Self::Twilio,
            "paddle" | "paddle-billing" => Self::PaddleBilling,
            "square" => Self::Square,
            "linear" => Self::Linear,
            "intercom" => Self::Intercom,
            "mailgun" => Self::Mailgun,
            "zoom" => Self::Zoom,
            "discord" => Self::Discord,
            "sendgrid" => Self::Sendgrid,
            _ => return None,
        })
    }

    /// Whether the scheme can be used as configured: built-in schemes always can; a custom one
    /// needs a header name and a template whose placeholders are all known.
    pub fn validate(&self) -> Result<(), String> {
        match self {
            Self::CustomHmac(custom) => super::custom::check(custom),
            _ => Ok(()),
        }
    }

    /// The ids `from_id` knows, for help texts.
    pub fn builtin_ids() -> &'static [&'static str] {
        &BUILTIN_IDS
    }

    /// How far (seconds, either direction) a signed timestamp may be from now; `None` when the
    /// scheme signs no timestamp. Values follow the providers' libraries: Paddle 5 s, Linear 60 s,
    /// Mailgun 900 s, 300 s elsewhere. Zoom, Discord and SendGrid sign a timestamp that their
    /// libraries never check; Hookbench checks it with 300 s and says so in the reason.
    pub fn default_tolerance_secs(&self) -> Option<u64> {
        match self {
            Self::Stripe | Self::StandardWebhooks | Self::Svix | Self::Slack => Some(300),
            Self::Zoom | Self::Discord | Self::Sendgrid => Some(300),
            Self::PaddleBilling => Some(5),
            Self::Linear => Some(60),
            Self::Mailgun => Some(900),
            Self::CustomHmac(c) => c.timestamp_header.as_ref().map(|_| 300),
            Self::Github | Self::Shopify | Self::Twilio | Self::Square | Self::Intercom => None,
        }
    }

    /// What the provider's own library does with a timestamp outside tolerance in this direction,
    /// when that differs from Hookbench's verdict.
    pub(crate) fn library_accepts_note(&self, in_future: bool) -> Option<&'static str> {
        match (self, in_future) {
            (Self::Stripe, true) => {
                Some("Stripe's own library would accept it: it rejects only timestamps in the past")
            }
            (Self::PaddleBilling, true) => Some(
                "@paddle/paddle-node-sdk would accept it (it checks only the past); paddle-python-sdk rejects it too",
            ),
            (Self::Zoom, _) => Some("Zoom's library (@zoom/rivet) would accept it: it does not check the timestamp"),
            (Self::Discord, _) => Some("discord-interactions would accept it: it does not check the timestamp"),
            (Self::Sendgrid, _) => Some("SendGrid's libraries would accept it: they do not check the timestamp"),
            _ => None,
        }
    }
}
