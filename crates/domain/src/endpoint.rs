//! Endpoints: a receiving path prefix with its own signature, duplicate and response settings.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::dedupe::DedupeSettings;
use crate::fault::{FaultPlan, validate_plans};
use crate::response::ResponseSettings;
use crate::signature::Scheme;

pub type EndpointId = i64;

/// The endpoint that catches every path no other endpoint claims. It always exists.
pub const DEFAULT_ENDPOINT_ID: EndpointId = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Endpoint {
    pub id: EndpointId,
    pub name: String,
    /// Requests whose path is this prefix or below it (`/stripe` takes `/stripe` and `/stripe/…`,
    /// not `/stripes`). Empty for the default endpoint.
    pub path_prefix: String,
    #[serde(flatten)]
    pub settings: EndpointSettings,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, ToSchema)]
pub struct EndpointSettings {
    /// The signature scheme and secrets to check; `null` checks nothing (the scheme is only detected).
    #[serde(default)]
    pub signature: Option<SignatureSettings>,
    #[serde(default)]
    pub signature_mode: SignatureMode,
    /// How duplicates are recognised; `null` turns duplicate detection off.
    #[serde(default)]
    pub dedupe: Option<DedupeSettings>,
    /// What the endpoint answers (rules tried in order, then the default); `null` answers
    /// `200 {"ok":true,"capture_id":N}`.
    #[serde(default)]
    pub responses: Option<ResponseSettings>,
    /// Fault plans: ways to misbehave on purpose. Several may be on at once.
    #[serde(default)]
    pub faults: Vec<FaultPlan>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SignatureSettings {
    pub scheme: Scheme,
    /// Newest first: the first is "current", the others are older secrets still accepted (rotation).
    pub secrets: Vec<String>,
    /// Allowed clock difference in seconds; `null` uses the scheme's default (300 s for most).
    #[serde(default)]
    pub tolerance_secs: Option<u64>,
}

/// What the receiver does with a request whose signature is invalid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SignatureMode {
    /// Answer as usual and mark the verdict.
    #[default]
    Flag,
    /// Answer 401 with the reason (the request is still captured).
    Enforce,
}

/// What a user sends to create or replace an endpoint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct EndpointInput {
    pub name: String,
    pub path_prefix: String,
    #[serde(flatten)]
    pub settings: EndpointSettings,
}

impl EndpointInput {
    /// Checks the input and returns it tidied (prefix without a trailing slash), or every problem found.
    pub fn validated(mut self) -> Result<Self, Vec<String>> {
        let mut problems = Vec::new();
        self.name = self.name.trim().to_owned();
        if self.name.is_empty() {
            problems.push("name: give the endpoint a name".to_owned());
        }
        let prefix = self.path_prefix.trim().trim_end_matches('/').to_owned();
        if prefix.is_empty() {
            // Only the default endpoint has no prefix; creating a second one is refused by the engine.
        } else if !prefix.starts_with('/') {
            problems.push(format!("path_prefix: '{}' must start with '/', e.g. /stripe", self.path_prefix));
        } else if prefix.contains(['?', '#']) || prefix.chars().any(char::is_whitespace) {
            problems.push(format!(
                "path_prefix: '{}' must be a plain path (no query, fragment or spaces)",
                self.path_prefix
            ));
        }
        self.path_prefix = prefix;
        if let Some(sig) = &mut self.settings.signature {
            sig.secrets.retain(|s| !s.trim().is_empty());
            if sig.secrets.is_empty() {
                problems
                    .push("signature.secrets: add at least one secret (or key) to check signatures with".to_owned());
            }
            if let Err(e) = sig.scheme.validate() {
                problems.push(format!("signature.scheme: {e}"));
            }
        }
        if let Some(dedupe) = &self.settings.dedupe {
            if let Err(e) = dedupe.source.validate() {
                problems.push(format!("dedupe.source: {e}"));
            }
            if dedupe.ttl_secs == 0 {
                problems.push("dedupe.ttl_secs: must be at least 1 second".to_owned());
            }
        }
        if let Some(responses) = &self.settings.responses {
            problems.extend(responses.problems().into_iter().map(|p| format!("responses.{p}")));
        }
        problems.extend(validate_plans(&self.settings.faults).into_iter().map(|p| format!("faults{p}")));
        if problems.is_empty() { Ok(self) } else { Err(problems) }
    }
}

/// Whether `path` belongs under `prefix` (segment-wise: `/a` owns `/a` and `/a/b`, not `/ab`).
pub fn prefix_owns(prefix: &str, path: &str) -> bool {
    prefix.is_empty() || (path.starts_with(prefix) && matches!(path.as_bytes().get(prefix.len()), None | Some(b'/')))
}

/// The endpoint a request path lands in: the longest prefix that owns it, else the default.
pub fn route<'a>(endpoints: &'a [Endpoint], path: &str) -> Option<&'a Endpoint> {
    endpoints
        .iter()
        .filter(|e| prefix_owns(&e.path_prefix, path))
        .max_by_key(|e| (e.path_prefix.len(), e.id == DEFAULT_ENDPOINT_ID))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn endpoint(id: EndpointId, prefix: &str) -> Endpoint {
        Endpoint {
            id,
            name: format!("e{id}"),
            path_prefix: prefix.into(),
            settings: EndpointSettings::default(),
            created_at: String::new(),
            updated_at: String::new(),
        }
    }

    #[test]
    fn the_longest_owning_prefix_wins_and_the_default_takes_the_rest() {
        let all = [endpoint(1, ""), endpoint(2, "/stripe"), endpoint(3, "/stripe/connect")];
        let id = |path: &str| route(&all, path).map(|e| e.id);
        assert_eq!(id("/stripe"), Some(2));
        assert_eq!(id("/stripe/events"), Some(2));
        assert_eq!(id("/stripe/connect/x"), Some(3), "the more specific endpoint wins");
        assert_eq!(id("/stripes"), Some(1), "prefixes match whole segments");
        assert_eq!(id("/github"), Some(1));
    }

    #[test]
    fn input_is_tidied_or_every_problem_is_named() {
        let ok =
            EndpointInput { name: " Stripe ".into(), path_prefix: "/stripe/".into(), settings: Default::default() }
                .validated()
                .unwrap();
        assert_eq!((ok.name.as_str(), ok.path_prefix.as_str()), ("Stripe", "/stripe"));
        let bad = EndpointInput { name: "".into(), path_prefix: "stripe?x".into(), settings: Default::default() }
            .validated()
            .unwrap_err();
        assert_eq!(bad.len(), 2, "{bad:?}");
        assert!(bad[1].contains("must start with '/'"));
    }
}
