//! The engine's capture pipeline: commit first, then publish.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use hookbench_domain::{CaptureFilter, Header, ManualClock, NewCapture};
use hookbench_engine::{Engine, EngineConfig, LiveEvent};

fn new_capture(path: &str) -> NewCapture {
    NewCapture {
        received_at: 1_000,
        method: "POST".into(),
        path: path.into(),
        query: None,
        url: format!("http://127.0.0.1:9000{path}"),
        http_version: "HTTP/1.1".into(),
        remote_addr: "127.0.0.1:1".into(),
        headers: vec![Header::new("Content-Type", "text/plain")],
        content_type: Some("text/plain".into()),
        body_size: 2,
        body: Some(bytes::Bytes::from_static(b"hi")),
        response_status: 200,
        endpoint_id: 1,
        verdict_json: None,
        verdict_valid: None,
        dedupe: None,
        faults: Vec::new(),
        response_note: None,
    }
}

async fn engine(dir: &std::path::Path) -> Arc<Engine> {
    Engine::start(EngineConfig::new(dir.to_owned()), Arc::new(ManualClock::starting_at(5))).await.unwrap()
}

#[tokio::test]
async fn a_recorded_capture_is_published_after_it_is_readable() {
    let dir = tempfile::tempdir().unwrap();
    let engine = engine(dir.path()).await;
    let mut live = engine.subscribe();
    let summary = engine.record(new_capture("/a")).await.unwrap();

    let msg = live.recv().await.unwrap();
    assert_eq!(msg.event, LiveEvent::CaptureCreated(summary.clone()));
    assert_eq!(msg.event.name(), "capture.created");
    let stored = engine.get_capture(summary.id).await.unwrap();
    assert!(stored.is_some(), "a published capture is already committed");
}

#[tokio::test]
async fn deleting_and_clearing_are_published_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let engine = engine(dir.path()).await;
    let a = engine.record(new_capture("/a")).await.unwrap();
    engine.record(new_capture("/b")).await.unwrap();
    let mut live = engine.subscribe();
    assert!(engine.delete_capture(a.id).await.unwrap());
    assert!(!engine.delete_capture(a.id).await.unwrap(), "a second delete finds nothing");
    assert_eq!(engine.clear_captures().await.unwrap(), 1);

    let first = live.recv().await.unwrap();
    let second = live.recv().await.unwrap();
    assert_eq!(first.event, LiveEvent::CaptureDeleted { id: a.id });
    assert_eq!(second.event, LiveEvent::CapturesCleared {});
    assert!(second.seq > first.seq, "sequence numbers grow");
    assert!(live.try_recv().is_err(), "a delete that found nothing publishes nothing");
    let page = engine.list_captures(CaptureFilter { limit: 10, ..Default::default() }).await.unwrap();
    assert_eq!(page.total, 0);
}

#[tokio::test]
async fn after_shutdown_the_store_refuses_writes_with_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let engine = engine(dir.path()).await;
    engine.shutdown().await;
    let err = engine.record(new_capture("/late")).await.unwrap_err();
    assert!(err.to_string().contains("closed") || err.to_string().contains("stopped"), "{err}");
}

mod inbound {
    use super::*;
    use hookbench_domain::dedupe::{DedupeSettings, DuplicateResponse, KeySource};
    use hookbench_domain::endpoint::{EndpointInput, EndpointSettings, SignatureMode, SignatureSettings};
    use hookbench_domain::signature::{Scheme, SignRequest, sign};
    use hookbench_engine::InboundRequest;

    const SECRET: &str = "whsec_test_secret";
    const NOW_MS: i64 = 1_796_000_000_000;

    fn request(path: &str, headers: Vec<Header>, body: &[u8]) -> InboundRequest {
        InboundRequest {
            received_at: NOW_MS,
            method: "POST".into(),
            path: path.into(),
            query: None,
            url: format!("http://127.0.0.1:9000{path}"),
            http_version: "HTTP/1.1".into(),
            remote_addr: "127.0.0.1:2".into(),
            headers,
            content_type: Some("application/json".into()),
            body: Some(bytes::Bytes::copy_from_slice(body)),
            body_size: body.len() as u64,
        }
    }

    fn stripe_headers(body: &[u8], secret: &str) -> Vec<Header> {
        let req = SignRequest { method: "POST", url: "", body, timestamp: NOW_MS / 1000, id: "evt_1" };
        sign(&Scheme::Stripe, secret, &req).unwrap().headers
    }

    async fn stripe_endpoint(engine: &Engine, mode: SignatureMode, secrets: &[&str]) {
        let settings = EndpointSettings {
            signature: Some(SignatureSettings {
                scheme: Scheme::Stripe,
                secrets: secrets.iter().map(|s| s.to_string()).collect(),
                tolerance_secs: None,
            }),
            signature_mode: mode,
            ..Default::default()
        };
        engine
            .create_endpoint(EndpointInput { name: "Stripe".into(), path_prefix: "/stripe".into(), settings })
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn a_correctly_signed_request_gets_a_valid_verdict_naming_the_secret() {
        let dir = tempfile::tempdir().unwrap();
        let engine = engine(dir.path()).await;
        stripe_endpoint(&engine, SignatureMode::Flag, &["whsec_new", SECRET]).await;
        let body = br#"{"id":"evt_1"}"#;
        let (summary, response) =
            engine.receive(request("/stripe/hook", stripe_headers(body, SECRET), body)).await.unwrap();
        assert_eq!(response.status, 200);
        assert_eq!(summary.verdict_valid, Some(true));
        let capture = engine.get_capture(summary.id).await.unwrap().unwrap();
        let verdict = capture.verdict.expect("the verdict is stored with the capture");
        assert_eq!(verdict["matched_secret"], 1, "the previous secret matched: {verdict}");
    }

    #[tokio::test]
    async fn flag_mode_answers_200_but_enforce_mode_answers_401_with_the_reason_and_both_capture() {
        let dir = tempfile::tempdir().unwrap();
        let engine = engine(dir.path()).await;
        stripe_endpoint(&engine, SignatureMode::Flag, &[SECRET]).await;
        let body = br#"{"id":"evt_1"}"#;
        let wrong = stripe_headers(body, "whsec_wrong");
        let (flagged, response) = engine.receive(request("/stripe", wrong.clone(), body)).await.unwrap();
        assert_eq!((response.status, flagged.verdict_valid), (200, Some(false)), "flag only: answer as usual");

        let stripe = engine.list_endpoints().await.unwrap().into_iter().find(|e| e.path_prefix == "/stripe").unwrap();
        let mut settings = stripe.settings.clone();
        settings.signature_mode = SignatureMode::Enforce;
        engine
            .update_endpoint(stripe.id, EndpointInput { name: stripe.name, path_prefix: stripe.path_prefix, settings })
            .await
            .unwrap();
        let (enforced, response) = engine.receive(request("/stripe", wrong, body)).await.unwrap();
        assert_eq!(response.status, 401);
        assert_eq!(response.body_json()["code"], "signature_invalid");
        assert!(!response.body_json()["message"].as_str().unwrap().is_empty(), "the 401 says why");
        assert_eq!(enforced.response_status, 401, "the capture records what the client was told");
        assert!(engine.get_capture(enforced.id).await.unwrap().is_some(), "an enforced rejection is still captured");
    }

    #[tokio::test]
    async fn paths_without_an_endpoint_land_in_the_default_with_no_verdict() {
        let dir = tempfile::tempdir().unwrap();
        let engine = engine(dir.path()).await;
        stripe_endpoint(&engine, SignatureMode::Enforce, &[SECRET]).await;
        let (summary, response) = engine.receive(request("/stripes", vec![], b"{}")).await.unwrap();
        assert_eq!((response.status, summary.endpoint_id, summary.verdict_valid), (200, 1, None));
    }

    async fn dedupe_endpoint(engine: &Engine, on_duplicate: DuplicateResponse) {
        let settings = EndpointSettings {
            dedupe: Some(DedupeSettings {
                source: KeySource::JsonPointer { pointer: "/id".into() },
                ttl_secs: 60,
                on_duplicate,
            }),
            ..Default::default()
        };
        engine
            .create_endpoint(EndpointInput { name: "Dedupe".into(), path_prefix: "/d".into(), settings })
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn duplicates_are_stored_marked_and_answered_as_the_endpoint_says() {
        for (policy, status) in [
            (DuplicateResponse::SameAsFirst, 200),
            (DuplicateResponse::OkDuplicate, 200),
            (DuplicateResponse::Conflict, 409),
        ] {
            let dir = tempfile::tempdir().unwrap();
            let engine = engine(dir.path()).await;
            dedupe_endpoint(&engine, policy).await;
            let (first, _) = engine.receive(request("/d", vec![], br#"{"id":"evt_9"}"#)).await.unwrap();
            let (second, response) =
                engine.receive(request("/d", vec![], br#"{"id":"evt_9","retry":1}"#)).await.unwrap();
            assert_eq!(second.duplicate_of, Some(first.id), "{policy:?}: same /id, so a duplicate");
            assert_eq!(response.status, status, "{policy:?}");
            if policy == DuplicateResponse::OkDuplicate {
                assert_eq!(response.body_json()["duplicate"], true);
            }
            let (other, _) = engine.receive(request("/d", vec![], br#"{"id":"evt_10"}"#)).await.unwrap();
            assert_eq!(other.duplicate_of, None, "another id is not a duplicate");
        }
    }

    #[tokio::test]
    async fn expired_keys_are_swept_by_the_clock() {
        let dir = tempfile::tempdir().unwrap();
        let clock = ManualClock::starting_at(NOW_MS);
        let engine = Engine::start(EngineConfig::new(dir.path().to_owned()), Arc::new(clock.clone())).await.unwrap();
        dedupe_endpoint(&engine, DuplicateResponse::Conflict).await;
        engine.receive(request("/d", vec![], br#"{"id":"x"}"#)).await.unwrap();
        assert_eq!(engine.expire_dedupe_keys().await.unwrap(), 0, "the 60 s TTL has not run out");
        clock.advance_ms(61_000);
        assert_eq!(engine.expire_dedupe_keys().await.unwrap(), 1, "after 61 s the key is forgotten");
    }
}

#[path = "engine/outbound.rs"]
mod outbound;

#[path = "engine/forward.rs"]
mod forward;
