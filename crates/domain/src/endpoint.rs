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
    /// Forward every capture to a local app through the outbox; `null` forwards nothing.
    #[serde(default)]
    pub forward: Option<ForwardSettings>,
}

/// Forwarding to a local app (like `stripe listen --forward-to`, but retried): each capture this
/// endpoint accepts becomes an outbox event (origin `forward`) sent as received, committed in the
/// capture's own transaction. Not forwarded: duplicates (when the endpoint detects them), bodies
/// over the limit, signatures refused by `enforce`, and requests a fault refused (a non-2xx
/// status, a hold or a reset: the provider was told to send it again).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ForwardSettings {
    /// The app's URL, e.g. `http://localhost:3000/webhooks`.
    pub url: String,
    /// `false`: the URL as given (like `stripe listen --forward-to`). `true`: the request's path
    /// below the endpoint's prefix and its query are appended (`/stripe/a/b?x=1` on endpoint
    /// `/stripe` goes to `URL/a/b?x=1`).
    #[serde(default)]
    pub append_path: bool,
    /// `true`: the receiver answers the provider with the app's answer to the first attempt (or
    /// 504/502 with a JSON reason); `false`: at once, as usual. Held events never wait.
    #[serde(default)]
    pub wait: bool,
    /// Each attempt's timeout, and how long `wait` waits. Default 10 s.
    #[serde(default = "default_forward_timeout")]
    pub timeout_ms: u64,
    /// A preset id (`"aggressive"`), `{"preset":"…"}` or a full policy. Default: every second,
    /// doubling up to a minute, for a day: an app that restarts loses nothing.
    #[serde(default = "forward_policy", deserialize_with = "forward_policy_choice")]
    #[schema(value_type = crate::retry::RetryPolicy)]
    pub policy: crate::retry::RetryPolicy,
    /// Store forwarded events `held`: nothing is sent until a person releases them.
    #[serde(default)]
    pub hold: bool,
}

/// Default forward timeout: 10 s.
pub const DEFAULT_FORWARD_TIMEOUT_MS: u64 = 10_000;

fn default_forward_timeout() -> u64 {
    DEFAULT_FORWARD_TIMEOUT_MS
}

/// The default policy of a forward: 1 s, 2 s, 4 s … at most 1 min apart, for up to 24 h.
pub fn forward_policy() -> crate::retry::RetryPolicy {
    use crate::retry::{DurationSpec, RetryPolicy, Schedule};
    RetryPolicy {
        max_total: Some(DurationSpec::from_hours(24)),
        ..RetryPolicy::with_schedule(Schedule::Exponential {
            initial: DurationSpec::from_secs(1),
            factor: 2.0,
            cap: DurationSpec::from_mins(1),
            max_attempts: None,
        })
    }
}

fn forward_policy_choice<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<crate::retry::RetryPolicy, D::Error> {
    crate::outbox::PolicyChoice::deserialize(deserializer)?.resolve().map_err(serde::de::Error::custom)
}

impl ForwardSettings {
    /// Every problem, each as `forward.field: what is wrong`; the URL is trimmed.
    pub fn problems(&mut self) -> Vec<String> {
        let mut problems = Vec::new();
        self.url = self.url.trim().to_owned();
        if let Err(e) = crate::outbox::validate_url("forward.url", &self.url) {
            problems.push(e);
        }
        if !(100..=600_000).contains(&self.timeout_ms) {
            problems.push(format!("forward.timeout_ms: {} must be between 100 and 600000 (10 min)", self.timeout_ms));
        }
        if let Err(policy) = self.policy.validate() {
            problems.extend(policy.into_iter().map(|p| format!("forward.policy.{p}")));
        }
        problems
    }

    /// Where a request to `path?query` on an endpoint with `prefix` is forwarded.
    pub fn target_url(&self, prefix: &str, path: &str, query: Option<&str>) -> String {
        if !self.append_path {
            return self.url.clone();
        }
        let below = path.strip_prefix(prefix).unwrap_or(path);
        let mut url = self.url.trim_end_matches('/').to_owned();
        if !below.is_empty() && below != "/" {
            url.push_str(below);
        } else if self.url.ends_with('/') {
            url.push('/');
        }
        if let Some(q) = query.filter(|q| !q.is_empty()) {
            url.push(if url.contains('?') { '&' } else { '?' });
            url.push_str(q);
        }
        url
    }
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
        if let Some(forward) = &mut self.settings.forward {
            problems.extend(forward.problems());
        }
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

    fn forward(doc: serde_json::Value) -> ForwardSettings {
        serde_json::from_value(doc).unwrap()
    }

    #[test]
    fn forward_settings_take_a_preset_and_name_each_bad_field() {
        let f = forward(serde_json::json!({"url": "http://localhost:3000/hooks", "policy": "aggressive"}));
        assert_eq!(f.policy, crate::retry::RetryPolicy::preset("aggressive").unwrap());
        assert_eq!((f.wait, f.hold, f.timeout_ms), (false, false, DEFAULT_FORWARD_TIMEOUT_MS));
        assert_eq!(forward(serde_json::json!({"url": "http://x"})).policy, forward_policy(), "the default policy");
        let mut bad = forward(serde_json::json!({"url": "localhost:3000", "timeout_ms": 5}));
        let problems = bad.problems();
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[0].starts_with("forward.url:"), "{problems:?}");
        assert!(problems[1].starts_with("forward.timeout_ms:"), "{problems:?}");
        let unknown =
            serde_json::from_value::<ForwardSettings>(serde_json::json!({"url": "http://x", "policy": "nope"}));
        assert!(unknown.unwrap_err().to_string().contains("unknown retry preset 'nope'"));
    }

    #[test]
    fn the_forward_url_is_kept_or_gets_the_path_below_the_prefix_and_the_query() {
        let mut f = forward(serde_json::json!({"url": "http://localhost:3000/hooks"}));
        assert_eq!(f.target_url("/stripe", "/stripe/a/b", Some("x=1")), "http://localhost:3000/hooks");
        f.append_path = true;
        assert_eq!(f.target_url("/stripe", "/stripe/a/b", Some("x=1")), "http://localhost:3000/hooks/a/b?x=1");
        assert_eq!(f.target_url("/stripe", "/stripe", None), "http://localhost:3000/hooks");
        assert_eq!(f.target_url("", "/any/where", Some("")), "http://localhost:3000/hooks/any/where");
    }
}
