//! The store against a real SQLite file in a temp dir.
#![allow(clippy::unwrap_used)]

use hookbench_domain::{CaptureFilter, Header, NewCapture};
use hookbench_store::Store;

fn capture(method: &str, path: &str, body: Option<&[u8]>) -> NewCapture {
    NewCapture {
        received_at: 1_796_000_000_000,
        method: method.into(),
        path: path.into(),
        query: Some("a=1&a=2".into()),
        url: format!("http://127.0.0.1:9000{path}?a=1&a=2"),
        http_version: "HTTP/1.1".into(),
        remote_addr: "127.0.0.1:50000".into(),
        headers: vec![
            Header::new("X-Dup", "1"),
            Header::new("content-type", "application/octet-stream"),
            Header::new("X-Dup", "2"),
        ],
        content_type: Some("application/octet-stream".into()),
        body_size: body.map_or(0, |b| b.len() as u64),
        body: body.map(bytes::Bytes::copy_from_slice),
        response_status: 200,
        endpoint_id: 1,
        verdict_json: None,
        verdict_valid: None,
        dedupe: None,
        faults: Vec::new(),
        response_note: None,
    }
}

fn all() -> CaptureFilter {
    CaptureFilter { limit: 100, ..Default::default() }
}

#[tokio::test]
async fn a_stored_capture_reads_back_byte_exact_with_headers_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let body: Vec<u8> = (0..=255u8).collect();
    let id = store.insert_capture(capture("POST", "/hook", Some(&body))).await.unwrap().id;

    let got = store.get_capture(id).await.unwrap().expect("the capture just stored exists");
    let names: Vec<_> = got.headers.iter().map(|h| (h.name.as_str(), h.value.as_str())).collect();
    assert_eq!(names, [("X-Dup", "1"), ("content-type", "application/octet-stream"), ("X-Dup", "2")]);
    let stored = store.capture_body(id).await.unwrap().unwrap();
    assert_eq!(stored.bytes.as_deref(), Some(&body[..]), "every byte value must survive");
    assert_eq!(got.summary.body_size, 256);
    assert!(got.summary.body_stored);
}

#[tokio::test]
async fn a_capture_without_body_is_listed_as_not_stored() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let mut c = capture("PUT", "/big", None);
    c.body_size = 20_000_000;
    c.response_status = 413;
    let id = store.insert_capture(c).await.unwrap().id;
    let got = store.get_capture(id).await.unwrap().unwrap();
    assert!(!got.summary.body_stored);
    assert_eq!(got.summary.response_status, 413);
    assert_eq!(got.body_base64, None);
    assert_eq!(store.capture_body(id).await.unwrap().unwrap().bytes, None);
}

#[tokio::test]
async fn pages_go_newest_first_and_the_cursor_reaches_every_capture_once() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    for i in 0..25 {
        store.insert_capture(capture("POST", &format!("/p{i}"), Some(b"x"))).await.unwrap();
    }
    let mut seen = Vec::new();
    let mut before = None;
    loop {
        let page = store.list_captures(CaptureFilter { limit: 10, before, ..Default::default() }).await.unwrap();
        assert_eq!(page.total, 25, "total counts every capture, not the page");
        seen.extend(page.items.iter().map(|c| c.id));
        match page.next_cursor {
            Some(c) => before = Some(c),
            None => break,
        }
    }
    assert_eq!(seen.len(), 25);
    assert!(seen.windows(2).all(|w| w[0] > w[1]), "newest first, no repeats: {seen:?}");
}

#[tokio::test]
async fn filters_match_method_and_path_substring() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    store.insert_capture(capture("POST", "/stripe/events", None)).await.unwrap();
    store.insert_capture(capture("GET", "/stripe/health", None)).await.unwrap();
    store.insert_capture(capture("POST", "/github", None)).await.unwrap();
    let page = store
        .list_captures(CaptureFilter { method: Some("post".into()), path_contains: Some("STRIPE".into()), ..all() })
        .await
        .unwrap();
    let paths: Vec<_> = page.items.iter().map(|c| c.path.as_str()).collect();
    assert_eq!(paths, ["/stripe/events"]);
    assert_eq!(page.total, 1);
}

#[tokio::test]
async fn delete_and_clear_remove_captures_and_their_bodies() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let a = store.insert_capture(capture("POST", "/a", Some(b"a"))).await.unwrap().id;
    store.insert_capture(capture("POST", "/b", Some(b"b"))).await.unwrap();
    assert!(store.delete_capture(a).await.unwrap());
    assert!(!store.delete_capture(a).await.unwrap(), "deleting twice reports nothing deleted");
    assert!(store.capture_body(a).await.unwrap().is_none());
    assert_eq!(store.clear_captures().await.unwrap(), 1);
    assert_eq!(store.list_captures(all()).await.unwrap().total, 0);
}

#[tokio::test]
async fn captures_survive_closing_and_reopening_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let id = store.insert_capture(capture("POST", "/keep", Some(b"kept"))).await.unwrap().id;
    store.close().await;
    let store = Store::open(dir.path()).unwrap();
    let body = store.capture_body(id).await.unwrap().unwrap();
    assert_eq!(body.bytes.as_deref(), Some(&b"kept"[..]));
}

#[tokio::test]
async fn a_clean_close_leaves_only_the_database_file() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    store.insert_capture(capture("POST", "/x", Some(b"x"))).await.unwrap();
    store.list_captures(all()).await.unwrap();
    store.close().await;
    let mut names: Vec<String> =
        std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    assert_eq!(names, ["hookbench.db"], "the WAL is checkpointed and removed when the last connection closes");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writes_each_get_their_own_committed_id() {
    let dir = tempfile::tempdir().unwrap();
    let store = std::sync::Arc::new(Store::open(dir.path()).unwrap());
    let mut tasks = Vec::new();
    for i in 0..200 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            store.insert_capture(capture("POST", &format!("/c{i}"), Some(format!("{i}").as_bytes()))).await
        }));
    }
    let mut ids = Vec::new();
    for t in tasks {
        ids.push(t.await.unwrap().unwrap().id);
    }
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 200, "every write got a distinct id");
    assert_eq!(store.list_captures(all()).await.unwrap().total, 200);
}

mod endpoints_and_duplicates {
    use super::*;
    use hookbench_domain::DedupeClaim;
    use hookbench_domain::dedupe::DuplicateResponse;
    use hookbench_domain::endpoint::{EndpointInput, EndpointSettings};

    fn claimed(path: &str, key: &str, now: i64, on_duplicate: DuplicateResponse) -> NewCapture {
        let mut c = capture("POST", path, Some(b"{}"));
        c.received_at = now;
        c.dedupe = Some(DedupeClaim { key: key.into(), now, expires_at: now + 1_000, on_duplicate });
        c
    }

    fn input(name: &str, prefix: &str) -> EndpointInput {
        EndpointInput { name: name.into(), path_prefix: prefix.into(), settings: EndpointSettings::default() }
    }

    #[tokio::test]
    async fn the_default_endpoint_exists_and_cannot_be_deleted() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let all = store.list_endpoints().await.unwrap();
        assert_eq!(all.len(), 1);
        assert_eq!((all[0].id, all[0].path_prefix.as_str()), (1, ""));
        assert!(store.delete_endpoint(1).await.is_err(), "the catch-all must stay");
    }

    #[tokio::test]
    async fn a_taken_prefix_is_a_conflict_and_deleting_moves_captures_to_the_default() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let stripe = store.create_endpoint(input("Stripe", "/stripe"), 5).await.unwrap();
        let again = store.create_endpoint(input("Other", "/stripe"), 6).await.unwrap_err();
        assert!(again.to_string().contains("already has the path prefix /stripe"), "{again}");
        let mut c = capture("POST", "/stripe/x", None);
        c.endpoint_id = stripe.id;
        let id = store.insert_capture(c).await.unwrap().id;
        assert!(store.delete_endpoint(stripe.id).await.unwrap());
        let moved = store.get_capture(id).await.unwrap().unwrap();
        assert_eq!(moved.summary.endpoint_id, 1, "a deleted endpoint's captures are kept under the default");
    }

    #[tokio::test]
    async fn a_second_copy_is_marked_duplicate_of_the_first_and_counted_on_it() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let first = store.insert_capture(claimed("/a", "evt_1", 100, DuplicateResponse::Conflict)).await.unwrap();
        let second = store.insert_capture(claimed("/a", "evt_1", 200, DuplicateResponse::Conflict)).await.unwrap();
        assert_eq!(first.duplicate_of, None);
        assert_eq!(second.duplicate_of, Some(first.id));
        assert_eq!(second.response_status, 409, "the endpoint answers duplicates with 409");
        let first_row = store.get_capture(first.id).await.unwrap().unwrap();
        assert_eq!(first_row.summary.duplicate_count, 1);
        let dups = store.list_captures(CaptureFilter { duplicate: Some(true), ..all() }).await.unwrap();
        assert_eq!(dups.items.iter().map(|c| c.id).collect::<Vec<_>>(), [second.id]);
    }

    #[tokio::test]
    async fn an_expired_key_starts_a_new_original() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        store.insert_capture(claimed("/a", "k", 100, DuplicateResponse::SameAsFirst)).await.unwrap();
        let late = store.insert_capture(claimed("/a", "k", 100 + 1_000, DuplicateResponse::SameAsFirst)).await.unwrap();
        assert_eq!(late.duplicate_of, None, "the key expired at 1100, so this copy is an original again");
        assert_eq!(store.expire_dedupe_keys(10_000).await.unwrap(), 1);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn racing_copies_give_exactly_one_original() {
        let dir = tempfile::tempdir().unwrap();
        let store = std::sync::Arc::new(Store::open(dir.path()).unwrap());
        let tasks: Vec<_> = (0..50)
            .map(|_| {
                let store = store.clone();
                tokio::spawn(async move {
                    store.insert_capture(claimed("/race", "same", 100, DuplicateResponse::OkDuplicate)).await
                })
            })
            .collect();
        let mut originals = 0;
        for t in tasks {
            if t.await.unwrap().unwrap().duplicate_of.is_none() {
                originals += 1;
            }
        }
        assert_eq!(originals, 1, "one unique key, one original, however the copies interleave");
    }
}

#[path = "store/events.rs"]
mod events;
