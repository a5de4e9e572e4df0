//! Full-text search and capture paging against a real SQLite file: phrases, prefixes, every filter
//! combined, cursor paging, deletion and retention, the capped total.
#![allow(clippy::unwrap_used)]

use hookbench_domain::capture::CAPTURE_COUNT_CAP;
use hookbench_domain::{CaptureFilter, CaptureId, Header, NewCapture};
use hookbench_store::Store;

struct Spec {
    method: &'static str,
    path: String,
    body: String,
    endpoint: i64,
    status: u16,
    valid: Option<bool>,
    at: i64,
    header: &'static str,
}

fn new_capture(s: &Spec) -> NewCapture {
    NewCapture {
        received_at: s.at,
        method: s.method.into(),
        path: s.path.clone(),
        query: None,
        url: format!("http://127.0.0.1:9000{}", s.path),
        http_version: "HTTP/1.1".into(),
        remote_addr: "127.0.0.1:50000".into(),
        headers: vec![Header::new("Content-Type", "application/json"), Header::new("X-Tag", s.header)],
        content_type: Some("application/json".into()),
        body_size: s.body.len() as u64,
        body: Some(bytes::Bytes::from(s.body.clone())),
        response_status: s.status,
        endpoint_id: s.endpoint,
        verdict_json: None,
        verdict_valid: s.valid,
        dedupe: None,
        faults: Vec::new(),
        response_note: None,
    }
}

/// 120 captures whose fields cycle with different periods, so every combination of filters has a
/// known answer computed from the same specs.
fn specs() -> Vec<Spec> {
    (0..120)
        .map(|i| Spec {
            method: ["POST", "PUT", "GET"][i % 3],
            path: format!("/hooks/{}", ["stripe", "github"][i % 2]),
            body: format!(
                r#"{{"id":"evt_{i}","type":"{}","note":"{}"}}"#,
                ["invoice.paid", "charge.failed", "invoice.created", "customer.updated"][i % 4],
                if i % 5 == 0 { "quick brown fox" } else { "brown quick fox" }
            ),
            endpoint: 1 + (i % 2) as i64,
            status: [200, 500, 409][i % 3 / 2 + (i % 7 == 0) as usize],
            valid: [Some(true), Some(false), None][i % 3],
            at: 1_796_000_000_000 + i as i64 * 1000,
            header: ["alpha", "beta-gamma"][i % 2],
        })
        .collect()
}

async fn filled() -> (tempfile::TempDir, Store, Vec<(CaptureId, Spec)>) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let mut out = Vec::new();
    for s in specs() {
        let id = store.insert_capture(new_capture(&s)).await.unwrap().id;
        out.push((id, s));
    }
    (dir, store, out)
}

fn filter(text: &str) -> CaptureFilter {
    CaptureFilter { text: Some(text.into()), limit: 500, ..Default::default() }
}

/// Every page of a filter, following the cursor with `page` captures a page.
async fn all_pages(store: &Store, mut f: CaptureFilter, page: usize) -> Vec<CaptureId> {
    f.limit = page;
    let mut ids = Vec::new();
    loop {
        let got = store.list_captures(f.clone()).await.unwrap();
        assert!(got.items.len() <= page);
        ids.extend(got.items.iter().map(|c| c.id));
        match got.next_cursor {
            Some(cursor) => {
                assert_eq!(Some(cursor), got.items.last().map(|c| c.id), "the cursor is the page's last id");
                f.before = Some(cursor);
            }
            None => break,
        }
    }
    ids
}

fn newest_first(mut ids: Vec<CaptureId>) -> Vec<CaptureId> {
    ids.sort_unstable_by(|a, b| b.cmp(a));
    ids
}

#[tokio::test]
async fn words_match_as_prefixes_and_quotes_keep_a_phrase_in_order() {
    let (_dir, store, all) = filled().await;
    let expect =
        |keep: &dyn Fn(&Spec) -> bool| newest_first(all.iter().filter(|(_, s)| keep(s)).map(|(id, _)| *id).collect());

    // A whole word, a prefix of one, two words (both must appear), a word in a header, one in the path.
    let ids = |f| async { store.list_captures(f).await.unwrap().items.iter().map(|c| c.id).collect::<Vec<_>>() };
    assert_eq!(ids(filter("invoice")).await, expect(&|s| s.body.contains("invoice")));
    assert_eq!(ids(filter("INVO")).await, expect(&|s| s.body.contains("invoice")), "a word is a case-blind prefix");
    assert_eq!(ids(filter("cust upd")).await, expect(&|s| s.body.contains("customer.updated")));
    assert_eq!(ids(filter("gamma")).await, expect(&|s| s.header == "beta-gamma"), "header values are searched");
    assert_eq!(ids(filter("github")).await, expect(&|s| s.path.ends_with("github")), "the path is searched");
    assert_eq!(ids(filter("x-ta")).await.len(), 120, "header names are searched");
    // An id like evt_1 is a phrase of its parts, the last a prefix: evt_1, evt_10…evt_19, evt_100…
    assert_eq!(ids(filter("evt_1")).await, expect(&|s| s.body.contains("\"evt_1")));
    assert_eq!(ids(filter("\"evt_11\"")).await, expect(&|s| s.body.contains("\"evt_11\"")), "quotes: exact");
    // Phrases keep their order: "quick brown" is in every fifth capture, "brown quick" in the rest.
    assert_eq!(ids(filter("\"quick brown\"")).await, expect(&|s| s.body.contains("quick brown")));
    assert_eq!(ids(filter("\"brown quick\"")).await, expect(&|s| s.body.contains("brown quick")));
    assert_eq!(ids(filter("quick brown")).await.len(), 120, "unquoted words may come in any order");
    // Nothing matches an unknown word or an unknown prefix; text without letters or digits is no search.
    assert!(ids(filter("zebra")).await.is_empty());
    assert!(ids(filter("invoicez")).await.is_empty());
    assert_eq!(ids(filter("\"\" ** ")).await.len(), 120);
    // Operators are plain words, never FTS5 syntax errors.
    assert!(ids(filter("NEAR( OR * ^col:x")).await.is_empty());
    assert_eq!(store.list_captures(filter("zebra")).await.unwrap().total, 0);
}

#[tokio::test]
async fn a_prefix_with_more_terms_than_are_expanded_still_finds_every_match() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    // 150 distinct terms starting with "tok" (more than the expansion takes) and some other words.
    let mut ids = Vec::new();
    for i in 0..150 {
        let s = Spec {
            method: "POST",
            path: "/p".into(),
            body: format!("tok{i:03} other{i}"),
            endpoint: 1,
            status: 200,
            valid: None,
            at: 1_796_000_000_000,
            header: "h",
        };
        ids.push(store.insert_capture(new_capture(&s)).await.unwrap().id);
    }
    let found = all_pages(&store, filter("tok"), 40).await;
    assert_eq!(found, newest_first(ids.clone()), "every capture, newest first, through the cursor");
    let found = all_pages(&store, filter("tok1"), 7).await;
    assert_eq!(found, newest_first(ids[100..150].to_vec()));
    let found = all_pages(&store, filter("tok14 other14"), 7).await;
    assert_eq!(found, newest_first(ids[140..150].to_vec()));
}

#[tokio::test]
async fn every_filter_combines_with_the_search_and_the_cursor_pages_without_gap_or_duplicate() {
    let (_dir, store, all) = filled().await;
    let base = 1_796_000_000_000i64;
    type Keep = Box<dyn Fn(&Spec) -> bool>;
    let cases: Vec<(CaptureFilter, Keep)> = vec![
        (
            CaptureFilter { text: Some("invoice".into()), ..Default::default() },
            Box::new(|s| s.body.contains("invoice")),
        ),
        (
            CaptureFilter { text: Some("invoice".into()), method: Some("post".into()), ..Default::default() },
            Box::new(|s| s.body.contains("invoice") && s.method == "POST"),
        ),
        (
            CaptureFilter { text: Some("fox".into()), endpoint_id: Some(2), status: Some(500), ..Default::default() },
            Box::new(|s| s.endpoint == 2 && s.status == 500),
        ),
        (
            CaptureFilter { text: Some("brown".into()), verdict_valid: Some(false), ..Default::default() },
            Box::new(|s| s.valid == Some(false)),
        ),
        (
            CaptureFilter {
                text: Some("\"quick brown\"".into()),
                since: Some(base + 20_000),
                until: Some(base + 100_000),
                path_contains: Some("STRIPE".into()),
                ..Default::default()
            },
            Box::new(move |s| {
                s.body.contains("quick brown")
                    && s.at >= base + 20_000
                    && s.at < base + 100_000
                    && s.path.contains("stripe")
            }),
        ),
        (
            CaptureFilter { text: Some("charge".into()), duplicate: Some(false), ..Default::default() },
            Box::new(|s| s.body.contains("charge")),
        ),
        (
            CaptureFilter { text: Some("charge".into()), duplicate: Some(true), ..Default::default() },
            Box::new(|_| false),
        ),
        (
            CaptureFilter {
                text: Some("evt".into()),
                method: Some("PUT".into()),
                endpoint_id: Some(1),
                verdict_valid: Some(false),
                status: Some(200),
                since: Some(base),
                ..Default::default()
            },
            Box::new(|s| s.method == "PUT" && s.endpoint == 1 && s.valid == Some(false) && s.status == 200),
        ),
        // The same filters without a search: the list driven by `captures`.
        (
            CaptureFilter { method: Some("GET".into()), until: Some(base + 60_000), ..Default::default() },
            Box::new(move |s| s.method == "GET" && s.at < base + 60_000),
        ),
    ];
    for (i, (f, keep)) in cases.into_iter().enumerate() {
        let expected = newest_first(all.iter().filter(|(_, s)| keep(s)).map(|(id, _)| *id).collect());
        for page in [1, 3, 500] {
            let got = all_pages(&store, f.clone(), page).await;
            assert_eq!(got, expected, "case {i}, pages of {page}: every match once, newest first");
        }
        let first = store.list_captures(CaptureFilter { limit: 2, ..f.clone() }).await.unwrap();
        assert_eq!(first.total, expected.len() as u64, "case {i}: the total counts every match, not the page");
        assert!(!first.total_capped);
    }
}

#[tokio::test]
async fn deleted_and_pruned_captures_leave_the_results() {
    let (_dir, store, all) = filled().await;
    let invoices: Vec<CaptureId> =
        newest_first(all.iter().filter(|(_, s)| s.body.contains("invoice")).map(|(id, _)| *id).collect());
    assert!(store.delete_capture(invoices[0]).await.unwrap());
    let got = all_pages(&store, filter("invoice"), 4).await;
    assert_eq!(got, invoices[1..].to_vec());
    // Retention: the oldest 100 go, and with them their index rows.
    store.prune_captures(Some(20), None, 1000).await.unwrap();
    let kept: Vec<CaptureId> = invoices[1..].iter().copied().filter(|id| *id > all[99].0).collect();
    assert_eq!(all_pages(&store, filter("invoice"), 4).await, kept);
    assert_eq!(all_pages(&store, filter("evt"), 4).await.len(), 20);
    assert_eq!(store.clear_captures().await.unwrap(), 20);
    assert!(all_pages(&store, filter("evt"), 4).await.is_empty());
    assert!(all_pages(&store, filter("invoice"), 4).await.is_empty());
}

#[tokio::test]
async fn the_total_stops_counting_at_the_cap_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let n = CAPTURE_COUNT_CAP as usize + 5;
    let specs: Vec<NewCapture> = (0..n)
        .map(|i| {
            new_capture(&Spec {
                method: "POST",
                path: "/p".into(),
                body: if i % 2 == 0 { "even word".into() } else { "odd word".into() },
                endpoint: 1,
                status: 200,
                valid: None,
                at: 1_796_000_000_000,
                header: "h",
            })
        })
        .collect();
    store.insert_captures(specs).await.unwrap();
    let everything = store.list_captures(CaptureFilter { limit: 10, ..Default::default() }).await.unwrap();
    assert_eq!((everything.total, everything.total_capped), (CAPTURE_COUNT_CAP, true));
    let words = store.list_captures(CaptureFilter { limit: 10, ..filter("word") }).await.unwrap();
    assert_eq!((words.total, words.total_capped), (CAPTURE_COUNT_CAP, true));
    assert_eq!(words.items.len(), 10);
    // Half of them: under the cap, counted exactly.
    let even = store.list_captures(CaptureFilter { limit: 10, ..filter("even") }).await.unwrap();
    assert_eq!((even.total, even.total_capped), (n.div_ceil(2) as u64, false));
}
