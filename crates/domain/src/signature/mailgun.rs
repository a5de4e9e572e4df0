//! Mailgun: the signature travels in the body — `{"signature":{"timestamp","token","signature"},
//! "event-data":{…}}`, or form fields in legacy webhooks — over `timestamp + token`. The event data
//! is not covered by the signature, so a re-formatted body still verifies.

use serde_json::{Map, Value};

use super::crypto;
use super::plan::{Piece, Plan, Received, SignedTime, Unreadable, check_encoded, parse_form, parse_unix};
use super::scheme::{Encoding, HmacAlgorithm};
use super::verdict::ReasonCode;
use super::{SignError, SignErrorCode, SignRequest, Signed};
use crate::Header;

struct Fields {
    timestamp: String,
    token: String,
    signature: String,
    origin: &'static str,
}

fn text(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn read(body: &[u8]) -> Result<Fields, Unreadable> {
    if let Ok(json) = serde_json::from_slice::<Value>(body) {
        let Some(sig) = json.get("signature").and_then(Value::as_object) else {
            return Err(Unreadable::new(
                ReasonCode::BodyMalformed,
                "the JSON body has no \"signature\" object; Mailgun sends {\"signature\":{\"timestamp\",\"token\",\"signature\"},\"event-data\":{…}}",
            ));
        };
        let field = |name: &str| {
            text(sig.get(name)).ok_or_else(|| {
                Unreadable::new(
                    ReasonCode::BodyMalformed,
                    format!("the body's signature object has no string {name:?}"),
                )
            })
        };
        return Ok(Fields {
            timestamp: field("timestamp")?,
            token: field("token")?,
            signature: field("signature")?,
            origin: "signature object in the JSON body",
        });
    }
    let form = parse_form(body);
    let field = |name: &str| form.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    match (field("timestamp"), field("token"), field("signature")) {
        (Some(timestamp), Some(token), Some(signature)) => {
            Ok(Fields { timestamp, token, signature, origin: "form fields (legacy webhook)" })
        }
        _ => Err(Unreadable::new(
            ReasonCode::BodyMalformed,
            "the body is neither JSON with a \"signature\" object nor a form with timestamp, token and signature fields",
        )),
    }
}

pub(crate) fn plan(req: &super::VerifyRequest) -> Result<Plan, Unreadable> {
    let fields = read(req.body)?;
    let ts = parse_unix(&fields.timestamp, "signature.timestamp in the body")?;
    check_encoded("the body", "signature.signature", &fields.signature, Encoding::Hex, 32)?;
    let content = format!("{}{}", fields.timestamp, fields.token).into_bytes();
    let mut plan = Plan::new(vec![Piece::Text(content)], req.url).with_hmac(HmacAlgorithm::Sha256, Encoding::Hex, "");
    plan.step(
        "Signature",
        format!("from the {}: timestamp {}, token {}", fields.origin, fields.timestamp, fields.token),
    );
    plan.step(
        "Content",
        "timestamp + token (no separator), HMAC-SHA256 with the webhook signing key, hex; the event data is not signed",
    );
    plan.received = vec![Received::hmac(fields.signature.clone(), fields.signature)];
    plan.timestamp = Some(SignedTime { unix: ts, source: "signature.timestamp in the body".into() });
    Ok(plan)
}

/// Signs by putting a `signature` object in the body. A JSON object that already has
/// `event-data` gets the signature beside it; any other JSON value becomes the `event-data`.
/// The token is `id`, or derived from the timestamp and body when `id` is empty.
pub(crate) fn sign(secret: &str, req: &SignRequest) -> Result<Signed, SignError> {
    let parsed: Value = serde_json::from_slice(req.body).map_err(|_| {
        SignError::new(
            SignErrorCode::BodyMalformed,
            "Mailgun's signature goes inside a JSON body; this body is not JSON",
        )
    })?;
    let token = if req.id.is_empty() {
        crypto::sha256_hex(&[req.timestamp.to_string().as_bytes(), req.body].concat())
            .get(..50)
            .unwrap_or("")
            .to_owned()
    } else {
        req.id.to_owned()
    };
    let timestamp = req.timestamp.to_string();
    let signature = crypto::hmac_encoded(
        HmacAlgorithm::Sha256,
        Encoding::Hex,
        secret.as_bytes(),
        format!("{timestamp}{token}").as_bytes(),
    );
    let mut sig = Map::new();
    sig.insert("timestamp".into(), Value::String(timestamp));
    sig.insert("token".into(), Value::String(token));
    sig.insert("signature".into(), Value::String(signature));
    let out = match parsed {
        Value::Object(mut object) if object.contains_key("event-data") => {
            object.insert("signature".into(), Value::Object(sig));
            Value::Object(object)
        }
        other => {
            let mut object = Map::new();
            object.insert("signature".into(), Value::Object(sig));
            object.insert("event-data".into(), other);
            Value::Object(object)
        }
    };
    let body = serde_json::to_vec(&out).map_err(|e| SignError::new(SignErrorCode::BodyMalformed, e.to_string()))?;
    Ok(Signed { headers: vec![Header::new("Content-Type", "application/json")], body: Some(body) })
}
