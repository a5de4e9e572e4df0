//! Micro-benchmarks of the pure rules on the hot paths: signature verification per scheme, the
//! fault decision, the retry schedule and next step, and response template rendering.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use hookbench_domain::Header;
use hookbench_domain::fault::{FaultPlan, FaultRequest, FaultState, decide};
use hookbench_domain::response::{RenderContext, RequestView, Template};
use hookbench_domain::retry::{AttemptOutcome, TimeScale, next_step, planned_attempts, presets};
use hookbench_domain::signature::{Scheme, SignRequest, VerifyConfig, VerifyRequest, sign, verify};
use rand::SeedableRng;

const T: i64 = 1_700_000_000;
const URL: &str = "https://hooks.example.com/in/abc?x=1";

/// A 1 KiB JSON body, the size the capture benchmark sends.
fn json_body() -> Vec<u8> {
    let mut body = String::from(r#"{"id":"evt_1","type":"invoice.paid","data":{"amount":100,"note":""#);
    while body.len() < 1024 - 4 {
        body.push('x');
    }
    body.push_str("\"}}");
    body.into_bytes()
}

/// (sign key, verify key, body) for a scheme, as the signature tests' fixtures make them.
fn keys(scheme: &Scheme) -> (String, String, Vec<u8>) {
    use base64::Engine as _;
    let b64 = |bytes: &[u8]| base64::engine::general_purpose::STANDARD.encode(bytes);
    match scheme {
        Scheme::StandardWebhooks | Scheme::Svix => {
            let k = format!("whsec_{}", b64(&[0x11; 32]));
            (k.clone(), k, json_body())
        }
        Scheme::Discord => {
            let seed = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
            let bytes: [u8; 32] = hex::decode(seed).unwrap().try_into().unwrap();
            let public = hex::encode(ed25519_dalek::SigningKey::from_bytes(&bytes).verifying_key().as_bytes());
            (seed.to_owned(), public, json_body())
        }
        Scheme::Sendgrid => (
            "MEECAQAwEwYHKoZIzj0CAQYIKoZIzj0DAQcEJzAlAgEBBCAxMTExMTExMTExMTExMTExMTExMTExMTExMTExMTExMQ==".into(),
            "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEdDGxjwVayHOx63102HFq0ePfBpCLAMwvkBFT+OtkKBhIZ8D9qzOcbEkKOa5wTSm1tMLxJENQopBZYiz0m0IRVQ==".into(),
            b"[{\"email\":\"a@example.com\",\"event\":\"delivered\"}]\r\n".to_vec(),
        ),
        Scheme::Twilio => ("hb_secret".into(), "hb_secret".into(), b"CallSid=CA123&From=%2B14155550100&Digits=1234".to_vec()),
        Scheme::Linear => (
            "hb_secret".into(),
            "hb_secret".into(),
            format!(r#"{{"action":"create","type":"Issue","webhookTimestamp":{}}}"#, T * 1000).into_bytes(),
        ),
        Scheme::Mailgun => ("hb_secret".into(), "hb_secret".into(), br#"{"event-data":{"event":"delivered","id":"m1"}}"#.to_vec()),
        _ => ("hb_secret".into(), "hb_secret".into(), json_body()),
    }
}

fn signatures(c: &mut Criterion) {
    let mut group = c.benchmark_group("verify");
    for scheme in Scheme::all_builtin() {
        let (sign_key, verify_key, body) = keys(&scheme);
        let req = SignRequest { method: "POST", url: URL, body: &body, timestamp: T, id: "msg_2Zx8" };
        let signed = sign(&scheme, &sign_key, &req).unwrap();
        let body = signed.body.unwrap_or(body);
        let config = VerifyConfig { scheme: scheme.clone(), secrets: vec![verify_key], tolerance_secs: None };
        let request =
            VerifyRequest { method: "POST", url: URL, headers: &signed.headers, body: &body, now_unix: T + 2 };
        assert!(verify(&config, &request).valid, "{} does not verify its own signature", scheme.id());
        group.bench_function(scheme.id(), |b| b.iter(|| black_box(verify(black_box(&config), black_box(&request)))));
    }
    group.finish();
}

fn faults(c: &mut Criterion) {
    let now = T * 1000;
    let headers = vec![Header::new("Content-Type", "application/json")];
    let body = json_body();
    let request = FaultRequest {
        request: RequestView { method: "POST", path: "/hooks/stripe", query: None, headers: &headers, body: &body },
        idempotency_key: Some("evt_1"),
    };
    let mut group = c.benchmark_group("fault_decide");
    group.bench_function("no_plans", |b| {
        let mut state = FaultState::default();
        b.iter(|| black_box(decide(&[], &mut state, black_box(&request), now)))
    });
    for id in ["503-2m", "flaky-30", "fail-3", "rate-limited"] {
        let plans: Vec<FaultPlan> = vec![FaultPlan::preset(id, now).unwrap()];
        group.bench_function(id, |b| {
            let mut state = FaultState::default();
            b.iter(|| black_box(decide(black_box(&plans), &mut state, black_box(&request), now)))
        });
    }
    group.finish();
}

fn retry(c: &mut Criterion) {
    let mut group = c.benchmark_group("retry");
    let outcome = AttemptOutcome::Response { status: 503, retry_after: None };
    for preset in presets() {
        group.bench_function(format!("planned_attempts/{}", preset.id), |b| {
            b.iter(|| black_box(planned_attempts(black_box(&preset.policy), T * 1000, TimeScale::REAL)))
        });
        group.bench_function(format!("next_step/{}", preset.id), |b| {
            let mut rng = rand::rngs::StdRng::seed_from_u64(7);
            b.iter(|| {
                black_box(next_step(
                    black_box(&preset.policy),
                    2,
                    T * 1000,
                    T * 1000 + 5_000,
                    &outcome,
                    TimeScale::REAL,
                    &mut rng,
                ))
            })
        });
    }
    group.finish();
}

fn templates(c: &mut Criterion) {
    let headers = vec![Header::new("Content-Type", "application/json"), Header::new("X-Request-Id", "req_42")];
    let body = json_body();
    let view =
        RequestView { method: "POST", path: "/hooks/stripe", query: Some("a=1&b=2"), headers: &headers, body: &body };
    let mut group = c.benchmark_group("template_render");
    let sources = [
        ("static", r#"{"ok":true}"#),
        (
            "request_fields",
            r#"{"method":"{{request.method}}","path":"{{request.path}}","b":"{{request.query.b}}","rid":"{{request.header.X-Request-Id}}"}"#,
        ),
        (
            "json_pointer",
            r#"{"received":{{request.json./id | json}},"type":{{request.json./type | json}},"at":"{{now}}"}"#,
        ),
        ("uuid_random", r#"{"id":"{{uuid}}","n":{{random.int 1 100}}}"#),
    ];
    for (name, source) in sources {
        let template = Template::parse(source).unwrap_or_else(|e| panic!("template {name}: {}", e.message));
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        group.bench_function(name, |b| {
            b.iter(|| {
                let mut ctx = RenderContext::new(view, Some(42), T * 1000, &mut rng);
                black_box(template.render(&mut ctx))
            })
        });
    }
    group.finish();
}

criterion_group!(benches, signatures, faults, retry, templates);
criterion_main!(benches);
