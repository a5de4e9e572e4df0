//! Bodies are stored compressed when that is smaller (V14); every read gives the bytes as received.
#![allow(clippy::unwrap_used)]

use hookbench_domain::{CaptureFilter, Header, NewCapture};
use hookbench_store::Store;

fn capture(body: Option<Vec<u8>>) -> NewCapture {
    NewCapture {
        received_at: 1_796_000_000_000,
        method: "POST".into(),
        path: "/hook".into(),
        query: None,
        url: "http://127.0.0.1:9000/hook".into(),
        http_version: "HTTP/1.1".into(),
        remote_addr: "127.0.0.1:50000".into(),
        headers: vec![Header::new("Content-Type", "application/octet-stream")],
        content_type: Some("application/octet-stream".into()),
        body_size: body.as_ref().map_or(0, |b| b.len() as u64),
        body: body.map(bytes::Bytes::from),
        response_status: 200,
        endpoint_id: 1,
        verdict_json: None,
        verdict_valid: None,
        dedupe: None,
        faults: Vec::new(),
        response_note: None,
    }
}

/// Bytes that do not compress (a xorshift stream).
fn noise(n: usize) -> Vec<u8> {
    let mut x = 0x9E37_79B9_7F4A_7C15u64;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

#[tokio::test]
async fn every_body_reads_back_byte_exact_whether_or_not_it_was_compressed() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let json = br#"{"type":"invoice.paid","data":{"object":{"id":"in_1","lines":[]}}}"#.repeat(40);
    let bodies: Vec<Vec<u8>> = vec![
        Vec::new(),
        b"x".to_vec(),
        (0..=255u8).collect(),
        (0..=255u8).cycle().take(10_000).collect(),
        noise(5000),
        json.clone(),
        // Over the inline limit: compressed on a blocking thread.
        json.repeat(200),
        noise(600_000),
        // A zstd frame as the payload: stored and read as the bytes received, not decoded.
        zstd::bulk::compress(&json, 3).unwrap(),
    ];
    for body in bodies {
        let id = store.insert_capture(capture(Some(body.clone()))).await.unwrap().id;
        let stored = store.capture_body(id).await.unwrap().unwrap();
        assert_eq!(stored.bytes.as_deref(), Some(&body[..]), "{} bytes through capture_body", body.len());
        let full = store.get_capture(id).await.unwrap().unwrap();
        use base64::Engine as _;
        let decoded = full.body_base64.map(|b| base64::engine::general_purpose::STANDARD.decode(b).unwrap());
        assert_eq!(decoded.as_deref(), Some(&body[..]), "{} bytes through get_capture", body.len());
    }
    // No body at all stays no body.
    let id = store.insert_capture(capture(None)).await.unwrap().id;
    assert_eq!(store.capture_body(id).await.unwrap().unwrap().bytes, None);
    // Imports (many in one transaction) and forwarded captures go through the same packing.
    let many = store.insert_captures(vec![capture(Some(json.clone())), capture(Some(noise(300)))]).await.unwrap();
    assert_eq!(store.capture_body(many[0].id).await.unwrap().unwrap().bytes.as_deref(), Some(&json[..]));
    assert_eq!(store.capture_body(many[1].id).await.unwrap().unwrap().bytes, Some(noise(300)));
    let (stored, _) = store.insert_capture_forwarded(capture(Some(json.clone())), None, 1).await.unwrap();
    assert_eq!(store.capture_body(stored.id).await.unwrap().unwrap().bytes.as_deref(), Some(&json[..]));
}

#[tokio::test]
async fn compressible_bodies_take_less_room_and_are_still_searchable() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let body = br#"{"type":"invoice.paid","note":"lorem ipsum dolor sit amet"}"#.repeat(500);
    for _ in 0..200 {
        store.insert_capture(capture(Some(body.clone()))).await.unwrap();
    }
    store.close().await;
    let db = dir.path().join(hookbench_store::DB_FILE);
    let on_disk =
        std::fs::metadata(&db).unwrap().len() + std::fs::metadata(db.with_extension("db-wal")).map_or(0, |m| m.len());
    let raw = 200 * body.len() as u64;
    assert!(on_disk < raw / 2, "{on_disk} bytes on disk for {raw} bytes of repetitive JSON");
    let store = Store::open(dir.path()).unwrap();
    let found =
        store.list_captures(CaptureFilter { text: Some("dolor".into()), limit: 500, ..Default::default() }).await;
    assert_eq!(found.unwrap().items.len(), 200, "the index holds the text, not the compressed bytes");
}
