//! The engine's capture pipeline: commit first, then publish.

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
    }
}

fn engine(dir: &std::path::Path) -> Arc<Engine> {
    Engine::start(EngineConfig::new(dir.to_owned()), Arc::new(ManualClock::starting_at(5))).unwrap()
}

#[tokio::test]
async fn a_recorded_capture_is_published_after_it_is_readable() {
    let dir = tempfile::tempdir().unwrap();
    let engine = engine(dir.path());
    let mut live = engine.subscribe();
    let summary = engine.record_capture(new_capture("/a")).await.unwrap();

    let msg = live.recv().await.unwrap();
    assert_eq!(msg.event, LiveEvent::CaptureCreated(summary.clone()));
    assert_eq!(msg.event.name(), "capture.created");
    let stored = engine.get_capture(summary.id).await.unwrap();
    assert!(stored.is_some(), "a published capture is already committed");
}

#[tokio::test]
async fn deleting_and_clearing_are_published_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let engine = engine(dir.path());
    let a = engine.record_capture(new_capture("/a")).await.unwrap();
    engine.record_capture(new_capture("/b")).await.unwrap();
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
    let engine = engine(dir.path());
    engine.shutdown().await;
    let err = engine.record_capture(new_capture("/late")).await.unwrap_err();
    assert!(err.to_string().contains("closed") || err.to_string().contains("stopped"), "{err}");
}
