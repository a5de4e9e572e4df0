//! Turns a `Plan` and the configured secrets into a `Verdict`: computes, compares in constant
//! time, checks the timestamp, and asks `diagnose` what went wrong when nothing matched.

use super::crypto::{self, Key};
use super::diagnose;
use super::plan::{Plan, SigKind, Unreadable, render};
use super::verdict::{Reason, ReasonCode, SignatureCandidate, Step, Verdict, secret_label};
use super::{VerifyConfig, VerifyRequest, key_for};

pub(crate) fn judge(config: &VerifyConfig, req: &VerifyRequest, planned: Result<Plan, Unreadable>) -> Verdict {
    let scheme = &config.scheme;
    let tolerance = scheme.default_tolerance_secs().and(config.tolerance_secs.or(scheme.default_tolerance_secs()));
    let mut verdict = Verdict {
        valid: false,
        scheme: scheme.id().to_owned(),
        matched_secret: None,
        matched_secret_label: None,
        reason: None,
        likely_causes: Vec::new(),
        signed_content: None,
        signed_content_base64: None,
        expected: Vec::new(),
        received: Vec::new(),
        timestamp: None,
        skew_secs: None,
        tolerance_secs: tolerance,
        steps: vec![Step::new("Scheme", scheme.label())],
    };
    let plan = match planned {
        Ok(plan) => plan,
        Err(unreadable) => {
            verdict.steps.extend(unreadable.steps);
            verdict.steps.push(Step::new("Stopped", unreadable.reason.message.clone()));
            verdict.reason = Some(unreadable.reason);
            verdict.likely_causes = diagnose::other_providers(scheme, req);
            return verdict;
        }
    };
    verdict.steps.extend(plan.steps.iter().cloned());
    verdict.received = plan.received.iter().map(|r| r.shown.clone()).collect();
    let first_url = plan.urls.first().map(String::as_str).unwrap_or(req.url);
    let content = render(&plan.content, req.body, first_url);
    match std::str::from_utf8(&content) {
        Ok(text) => verdict.signed_content = Some(text.to_owned()),
        Err(_) => {
            verdict.signed_content = Some(String::from_utf8_lossy(&content).into_owned());
            verdict.signed_content_base64 = Some(crypto::b64(&content));
        }
    }
    verdict.steps.push(Step::new("Signed content", format!("{} bytes: {}", content.len(), preview(&content))));

    let time_reason = plan.timestamp.as_ref().and_then(|ts| {
        let skew = req.now_unix.saturating_sub(ts.unix);
        verdict.timestamp = Some(ts.unix);
        verdict.skew_secs = Some(skew);
        check_time(config, ts.unix, &ts.source, skew, tolerance, &mut verdict.steps)
    });

    // Each secret, newest first: which signature it gives and whether it matches.
    let mut usable: Vec<(usize, Key)> = Vec::new();
    let mut key_errors: Vec<String> = Vec::new();
    for (index, secret) in config.secrets.iter().enumerate() {
        let label = secret_label(index);
        match key_for(scheme, secret) {
            Ok(key) => {
                let (signature, matched_url) = compare(&plan, &key, req.body);
                let matches = matched_url.is_some();
                verdict.steps.push(Step::new(
                    format!("Secret {label}"),
                    format!(
                        "{}; {}",
                        key.describe(),
                        match (&matched_url, plan.urls.len() > 1) {
                            (Some(url), true) => format!("matches (with URL {url})"),
                            (Some(_), false) => "matches".to_owned(),
                            (None, _) => "does not match".to_owned(),
                        }
                    ),
                ));
                if matches && verdict.matched_secret.is_none() {
                    verdict.matched_secret = Some(index);
                    verdict.matched_secret_label = Some(label.clone());
                }
                verdict.expected.push(SignatureCandidate { secret_label: label, signature, matches });
                usable.push((index, key));
            }
            Err(problem) => {
                verdict.steps.push(Step::new(format!("Secret {label}"), format!("not usable: {problem}")));
                key_errors.push(format!("{label}: {problem}"));
                verdict.expected.push(SignatureCandidate { secret_label: label, signature: None, matches: false });
            }
        }
    }

    verdict.reason = if let Some(failed) = plan.failed_check.clone() {
        Some(failed)
    } else if config.secrets.is_empty() {
        Some(Reason::new(
            ReasonCode::NoSecrets,
            "no secret is configured: add the signing secret (or public key) the sender uses",
        ))
    } else if verdict.matched_secret.is_some() {
        time_reason
    } else if usable.is_empty() {
        Some(Reason::new(
            ReasonCode::KeyMalformed,
            format!("no configured secret is a usable key — {}", key_errors.join("; ")),
        ))
    } else {
        Some(no_match_reason(&plan, &usable, &key_errors))
    };
    if verdict.matched_secret.is_none()
        && verdict.reason.as_ref().is_some_and(|r| r.code == ReasonCode::NoSecretMatches)
    {
        verdict.likely_causes = diagnose::causes(config, req, &plan, &usable);
    }
    verdict.valid = verdict.reason.is_none();
    verdict.steps.push(Step::new(
        "Result",
        match (&verdict.reason, &verdict.matched_secret_label) {
            (None, Some(label)) => format!("valid: signed with the {label} secret"),
            (None, None) => "valid".to_owned(),
            (Some(reason), _) => format!("invalid: {}", reason.message),
        },
    ));
    verdict
}

/// Whether this key, with this body and URL in the content, gives one of the received signatures.
pub(crate) fn matches(plan: &Plan, key: &Key, body: &[u8], url: &str) -> bool {
    let content = render(&plan.content, body, url);
    match key {
        Key::Hmac(secret) => plan.hmac.as_ref().is_some_and(|form| {
            let expected = crypto::hmac_encoded(form.algorithm, form.encoding, secret, &content);
            plan.received.iter().any(|r| r.kind == SigKind::Hmac && crypto::same(&r.value, &expected))
        }),
        Key::Ed25519(public) => plan
            .received
            .iter()
            .any(|r| r.kind == SigKind::Ed25519 && crypto::ed25519_verify(public, &content, &r.bytes)),
        Key::P256(public) => plan
            .received
            .iter()
            .any(|r| r.kind == SigKind::EcdsaP256 && crypto::p256_verify(public, &content, &r.bytes)),
    }
}

/// The signature this key gives (HMAC only, as written in the header) and the URL with which it
/// matched a received signature, if any.
fn compare(plan: &Plan, key: &Key, body: &[u8]) -> (Option<String>, Option<String>) {
    let matched = plan.urls.iter().find(|url| matches(plan, key, body, url)).cloned();
    let shown = match (key, &plan.hmac) {
        (Key::Hmac(secret), Some(form)) => {
            let url = matched.as_deref().or(plan.urls.first().map(String::as_str)).unwrap_or("");
            let content = render(&plan.content, body, url);
            Some(format!(
                "{}{}",
                form.shown_prefix,
                crypto::hmac_encoded(form.algorithm, form.encoding, secret, &content)
            ))
        }
        _ => None,
    };
    (shown, matched)
}

fn no_match_reason(plan: &Plan, usable: &[(usize, Key)], key_errors: &[String]) -> Reason {
    let kind_of = |key: &Key| match key {
        Key::Hmac(_) => SigKind::Hmac,
        Key::Ed25519(_) => SigKind::Ed25519,
        Key::P256(_) => SigKind::EcdsaP256,
    };
    let comparable = plan.received.iter().filter(|r| usable.iter().any(|(_, k)| kind_of(k) == r.kind)).count();
    let mut message = if comparable == 0 {
        let got: Vec<&str> = plan.received.iter().map(|r| kind_name(r.kind)).collect();
        let have: Vec<&str> = usable.iter().map(|(_, k)| kind_name(kind_of(k))).collect();
        format!(
            "the request carries only {} signatures but the configured secrets are {} keys: configure the kind of key the sender signs with",
            dedup(got).join("/"),
            dedup(have).join("/")
        )
    } else {
        format!(
            "none of the {} received signature{} matches what the {} usable secret{} give{}",
            comparable,
            if comparable == 1 { "" } else { "s" },
            usable.len(),
            if usable.len() == 1 { "" } else { "s" },
            if usable.len() == 1 { "s" } else { "" },
        )
    };
    if !key_errors.is_empty() {
        message.push_str(&format!(" (unusable: {})", key_errors.join("; ")));
    }
    Reason::new(ReasonCode::NoSecretMatches, message)
}

fn kind_name(kind: SigKind) -> &'static str {
    match kind {
        SigKind::Hmac => "HMAC",
        SigKind::Ed25519 => "Ed25519",
        SigKind::EcdsaP256 => "ECDSA P-256",
    }
}

fn dedup(mut items: Vec<&str>) -> Vec<&str> {
    items.sort_unstable();
    items.dedup();
    items
}

fn check_time(
    config: &VerifyConfig,
    unix: i64,
    source: &str,
    skew: i64,
    tolerance: Option<u64>,
    steps: &mut Vec<Step>,
) -> Option<Reason> {
    let Some(tolerance) = tolerance else {
        steps.push(Step::new("Timestamp", format!("{unix} from {source}; not checked (no tolerance)")));
        return None;
    };
    let tol = i64::try_from(tolerance).unwrap_or(i64::MAX);
    let age = if skew >= 0 { format!("{skew} s old") } else { format!("{} s in the future", skew.unsigned_abs()) };
    steps.push(Step::new("Timestamp", format!("{unix} from {source}: {age}; tolerance ±{tolerance} s")));
    if skew.unsigned_abs() <= tolerance {
        return None;
    }
    let beyond = skew.unsigned_abs().saturating_sub(tol.unsigned_abs());
    let in_future = skew < 0;
    let mut message = if in_future {
        format!(
            "timestamp {unix} ({source}) is {} s in the future, {beyond} s beyond the ±{tolerance} s tolerance: the sender's clock is probably ahead of this machine's",
            skew.unsigned_abs()
        )
    } else {
        format!(
            "timestamp {unix} ({source}) is {skew} s old, {beyond} s beyond the ±{tolerance} s tolerance: a replayed or long-delayed request, or a clock behind"
        )
    };
    if let Some(note) = config.scheme.library_accepts_note(in_future) {
        message.push_str(&format!(" ({note})"));
    }
    Some(Reason::new(if in_future { ReasonCode::TimestampInFuture } else { ReasonCode::TimestampTooOld }, message))
}

/// The first bytes of the content as text, for a step line.
fn preview(content: &[u8]) -> String {
    let text = String::from_utf8_lossy(content);
    let short: String = text.chars().take(160).collect();
    if short.len() < text.len() { format!("{short:?}…") } else { format!("{short:?}") }
}
