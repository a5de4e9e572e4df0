//! Likely causes of a failed verification, found by trying what usually goes wrong: a body that
//! was re-formatted, a secret decoded the other way, a URL a proxy rewrote, upper-case hex, or a
//! request that is simply from another provider. Each cause is only reported when the variant
//! really produces a received signature.

use std::io;

use serde_json::Value;
use serde_json::ser::{Formatter, PrettyFormatter, Serializer};

use super::crypto::{self, Key};
use super::judge::matches;
use super::plan::{Piece, Plan, SigKind, header};
use super::scheme::Scheme;
use super::twilio::UrlParts;
use super::verdict::{LikelyCause, LikelyCauseCode, secret_label};
use super::{VerifyConfig, VerifyRequest, detect};

/// Bodies above this size are not re-serialized to look for a likely cause.
const MAX_VARIANT_BODY: usize = 1 << 20;

pub(crate) fn causes(
    config: &VerifyConfig,
    req: &VerifyRequest,
    plan: &Plan,
    usable: &[(usize, Key)],
) -> Vec<LikelyCause> {
    let mut causes = Vec::new();
    let keys: Vec<&Key> = usable.iter().map(|(_, k)| k).collect();
    let hits = |body: &[u8], url: &str| keys.iter().any(|k| matches(plan, k, body, url));
    let url = plan.urls.first().map(String::as_str).unwrap_or(req.url);

    if let Some(cause) = signature_case(plan, usable, req.body, url) {
        causes.push(cause);
    }
    // Re-serializing and re-hashing a huge body for every variant would stall the receiver; a
    // body that large is rarely hand-formatted anyway.
    let signs_body = plan.content.iter().any(|p| matches!(p, Piece::Body)) && req.body.len() <= MAX_VARIANT_BODY;
    let body_hit = if signs_body { body_variants(req.body).into_iter().find(|(_, _, b)| hits(b, url)) } else { None };
    if let Some((code, label, _)) = body_hit {
        let message = match code {
            LikelyCauseCode::TrailingNewline => format!(
                "the signature matches the body {label}: a newline was added or stripped between signing and sending (an editor, a template or a proxy)"
            ),
            _ => format!(
                "the signature matches the body re-serialized as {label}: the bytes received are not the bytes that were signed — something parsed and re-encoded the JSON (a framework, a proxy, or a sender that signs one string and sends another). Verify the raw body"
            ),
        };
        causes.push(LikelyCause { code, message, suggested_scheme: None });
    }
    if plan.hmac.is_some() {
        causes.extend(secret_variants(config, plan, req.body, url));
    }
    if plan.uses_url() {
        let found = url_variants(req).into_iter().find(|(u, _)| !plan.urls.contains(u) && hits(req.body, u));
        if let Some((variant, change)) = found {
            causes.push(LikelyCause {
                code: LikelyCauseCode::UrlChanged,
                message: format!(
                    "the signature matches the URL {variant} ({change}) instead of {}: a proxy or load balancer changed the URL on the way; configure the URL the sender uses",
                    req.url
                ),
                suggested_scheme: None,
            });
        }
    }
    causes.extend(other_providers(&config.scheme, req));
    causes
}

/// Providers other than `scheme` whose signature headers the request carries.
pub(crate) fn other_providers(scheme: &Scheme, req: &VerifyRequest) -> Vec<LikelyCause> {
    let own = scheme.id();
    // Svix reads webhook-* too, and GitHub's legacy header is Intercom's: don't send people in circles.
    let related = match scheme {
        Scheme::Svix => Some("standard-webhooks"),
        Scheme::Github => Some("intercom"),
        Scheme::Intercom => Some("github"),
        _ => None,
    };
    detect(req.headers, req.body)
        .into_iter()
        .filter(|d| d.scheme_id != own && Some(d.scheme_id.as_str()) != related)
        .map(|d| LikelyCause {
            code: LikelyCauseCode::OtherProviderHeaders,
            message: format!(
                "the request carries {}'s signature headers ({}): it was probably sent by {} — try the {} scheme",
                d.label,
                d.evidence.join(", "),
                d.label,
                d.scheme_id
            ),
            suggested_scheme: Some(d.scheme_id),
        })
        .collect()
}

fn signature_case(plan: &Plan, usable: &[(usize, Key)], body: &[u8], url: &str) -> Option<LikelyCause> {
    let form = plan.hmac.as_ref()?;
    let content = super::plan::render(&plan.content, body, url);
    for (index, key) in usable {
        let Key::Hmac(secret) = key else { continue };
        let expected = crypto::hmac_encoded(form.algorithm, form.encoding, secret, &content);
        let hit = plan
            .received
            .iter()
            .find(|r| r.kind == SigKind::Hmac && r.value != expected && r.value.eq_ignore_ascii_case(&expected));
        if let Some(received) = hit {
            return Some(LikelyCause {
                code: LikelyCauseCode::SignatureCase,
                message: format!(
                    "the received signature {} equals the one the {} secret gives except for letter case: the sender writes upper-case hex, and the provider's libraries compare exactly (lower-case)",
                    received.shown,
                    secret_label(*index)
                ),
                suggested_scheme: None,
            });
        }
    }
    None
}

/// Bodies the sender may have signed instead: the JSON re-serialized in common styles, and the
/// body with a trailing newline added or removed.
fn body_variants(body: &[u8]) -> Vec<(LikelyCauseCode, String, Vec<u8>)> {
    let mut out: Vec<(LikelyCauseCode, String, Vec<u8>)> = Vec::new();
    if let Ok(value) = serde_json::from_slice::<Value>(body) {
        let styles: Vec<(&str, Option<Vec<u8>>)> = vec![
            ("compact JSON (no spaces, as JSON.stringify writes it)", serde_json::to_vec(&value).ok()),
            ("JSON pretty-printed with 2-space indents", serde_json::to_vec_pretty(&value).ok()),
            ("JSON pretty-printed with 4-space indents", write_with(&value, PrettyFormatter::with_indent(b"    "))),
            ("JSON with \", \" and \": \" separators (Python's json.dumps)", write_with(&value, SpacedFormatter)),
        ];
        for (label, bytes) in styles {
            let Some(bytes) = bytes else { continue };
            let escaped = ascii_escaped(&bytes);
            out.push((
                LikelyCauseCode::BodyReserialized,
                format!("{label} plus a trailing newline"),
                [&bytes[..], b"\n"].concat(),
            ));
            if escaped != bytes {
                out.push((
                    LikelyCauseCode::BodyReserialized,
                    format!("{label} with non-ASCII escaped as \\u (Python's default)"),
                    escaped,
                ));
            }
            out.insert(0, (LikelyCauseCode::BodyReserialized, label.to_owned(), bytes));
        }
    }
    let trimmed = body.strip_suffix(b"\r\n").or_else(|| body.strip_suffix(b"\n"));
    match trimmed {
        Some(t) => out.insert(0, (LikelyCauseCode::TrailingNewline, "without its trailing newline".into(), t.to_vec())),
        None => {
            out.insert(
                0,
                (LikelyCauseCode::TrailingNewline, "with a trailing \\r\\n".into(), [body, b"\r\n"].concat()),
            );
            out.insert(0, (LikelyCauseCode::TrailingNewline, "with a trailing newline".into(), [body, b"\n"].concat()));
        }
    }
    out.retain(|(_, _, b)| b != body);
    out
}

fn write_with<F: Formatter>(value: &Value, formatter: F) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let mut serializer = Serializer::with_formatter(&mut out, formatter);
    serde::Serialize::serialize(value, &mut serializer).ok()?;
    Some(out)
}

/// Python's `json.dumps` separators: `", "` between items and `": "` after keys.
struct SpacedFormatter;

impl Formatter for SpacedFormatter {
    fn begin_array_value<W: ?Sized + io::Write>(&mut self, writer: &mut W, first: bool) -> io::Result<()> {
        if first { Ok(()) } else { writer.write_all(b", ") }
    }
    fn begin_object_key<W: ?Sized + io::Write>(&mut self, writer: &mut W, first: bool) -> io::Result<()> {
        if first { Ok(()) } else { writer.write_all(b", ") }
    }
    fn begin_object_value<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        writer.write_all(b": ")
    }
}

/// JSON text with every non-ASCII character written as `\uXXXX` (surrogate pairs above U+FFFF).
fn ascii_escaped(json: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(json);
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        }
    }
    out.into_bytes()
}

/// Other readings of each configured secret: with or without `whsec_`, base64- or hex-decoded.
fn secret_variants(config: &VerifyConfig, plan: &Plan, body: &[u8], url: &str) -> Vec<LikelyCause> {
    let mut causes = Vec::new();
    for (index, secret) in config.secrets.iter().enumerate() {
        let actual = match super::key_for(&config.scheme, secret) {
            Ok(Key::Hmac(bytes)) => Some(bytes),
            _ => None,
        };
        let mut readings: Vec<(&str, Vec<u8>)> = vec![("the whole string as UTF-8 text", secret.as_bytes().to_vec())];
        match secret.strip_prefix("whsec_") {
            Some(rest) => {
                readings.push(("the part after whsec_ as UTF-8 text", rest.as_bytes().to_vec()));
                if let Some(b) = crypto::b64_decode_strict(rest) {
                    readings.push(("the part after whsec_, base64-decoded (Standard Webhooks/Svix style)", b));
                }
            }
            None => {
                if let Some(b) = crypto::b64_decode_strict(secret) {
                    readings.push(("the string base64-decoded", b));
                }
                if let Ok(b) = hex::decode(secret) {
                    readings.push(("the string hex-decoded", b));
                }
            }
        }
        let found = readings
            .into_iter()
            .filter(|(_, bytes)| !bytes.is_empty() && Some(bytes) != actual.as_ref())
            .find(|(_, bytes)| matches(plan, &Key::Hmac(bytes.clone()), body, url));
        if let Some((reading, _)) = found {
            let how = match config.scheme {
                Scheme::StandardWebhooks | Scheme::Svix => "this scheme base64-decodes the part after whsec_",
                Scheme::Stripe => "Stripe uses the whole whsec_ string as UTF-8 text",
                _ => "this scheme uses the secret as UTF-8 text",
            };
            causes.push(LikelyCause {
                code: LikelyCauseCode::SecretEncoding,
                message: format!(
                    "the signature matches when the {} secret is taken as {reading}, but {how}: the sender decodes the secret differently",
                    secret_label(index)
                ),
                suggested_scheme: None,
            });
        }
    }
    causes
}

/// The request URL with its scheme, host or port changed the ways proxies change them, each with
/// a description of the change.
fn url_variants(req: &VerifyRequest) -> Vec<(String, String)> {
    let Some(original) = UrlParts::parse(req.url) else { return Vec::new() };
    let swap = |s: &str| if s.eq_ignore_ascii_case("https") { "http" } else { "https" }.to_owned();
    let mut schemes = vec![original.scheme.clone(), swap(&original.scheme)];
    let mut hosts = vec![original.host.clone()];
    if let Some((_, proto)) = header(req.headers, "X-Forwarded-Proto") {
        schemes.push(proto.split(',').next().unwrap_or("").trim().to_owned());
    }
    if let Some((_, host)) = header(req.headers, "X-Forwarded-Host") {
        hosts.push(host.split(',').next().unwrap_or("").trim().to_owned());
    }
    let mut out: Vec<(String, String)> = Vec::new();
    for scheme in schemes.iter().filter(|s| !s.is_empty()) {
        for host in hosts.iter().filter(|h| !h.is_empty()) {
            let base = UrlParts { scheme: scheme.clone(), host: host.clone(), port: None, rest: original.rest.clone() };
            let default = base.default_port().to_owned();
            for port in [original.port.clone(), None, Some(default)] {
                let candidate = UrlParts { port, ..base.clone() };
                let rendered = candidate.render();
                if rendered != req.url && !out.iter().any(|(u, _)| *u == rendered) {
                    out.push((rendered, describe_change(&original, &candidate)));
                }
            }
        }
    }
    out
}

fn describe_change(from: &UrlParts, to: &UrlParts) -> String {
    let mut changes = Vec::new();
    if !from.scheme.eq_ignore_ascii_case(&to.scheme) {
        changes.push(format!("scheme {} instead of {}", to.scheme, from.scheme));
    }
    if from.host != to.host {
        changes.push(format!("host {} instead of {}", to.host, from.host));
    }
    match (&from.port, &to.port) {
        (Some(a), None) => changes.push(format!("without port :{a}")),
        (None, Some(b)) => changes.push(format!("with port :{b}")),
        (Some(a), Some(b)) if a != b => changes.push(format!("port :{b} instead of :{a}")),
        _ => {}
    }
    changes.join(", ")
}
