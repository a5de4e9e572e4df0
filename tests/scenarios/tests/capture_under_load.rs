//! Issue 8, crash safety: 20,000 requests at concurrency 32, SIGKILL at a random moment, restart;
//! every request that got a 2xx is in the store byte-exact and the database is intact.
#![allow(clippy::unwrap_used)]

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use hookbench_scenarios::{Serve, integrity_check, seed, stored_header};
use rand::rngs::StdRng;
use rand::{Rng, RngCore, SeedableRng};

const TOTAL: usize = 20_000;
const CONCURRENCY: usize = 32;
const ID_HEADER: &str = "X-Scenario-Id";

/// One request, derived from the seed and its number alone, so the check can rebuild it.
struct Req {
    method: &'static str,
    path: String,
    query: Option<String>,
    content_type: &'static str,
    body: Vec<u8>,
}

fn request(seed: u64, n: usize) -> Req {
    let mut rng = StdRng::seed_from_u64(seed ^ (n as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    let method = ["POST", "POST", "PUT", "PATCH", "DELETE"][n % 5];
    // Mostly small, some medium, a few up to 64 KiB; a few empty.
    let size = match rng.random_range(0..100) {
        0..5 => 0,
        5..70 => rng.random_range(1..1024),
        70..95 => rng.random_range(1024..8 * 1024),
        _ => rng.random_range(8 * 1024..64 * 1024),
    };
    let (content_type, body) = if rng.random_bool(0.5) {
        // Binary: every byte value, NULs and invalid UTF-8 included.
        let mut body = vec![0u8; size];
        rng.fill_bytes(&mut body);
        ("application/octet-stream", body)
    } else {
        let mut body = format!("{{\"n\":{n},\"pad\":\"").into_bytes();
        let mut pad = vec![0u8; size.saturating_sub(body.len() + 2)];
        rng.fill_bytes(&mut pad);
        body.extend(pad.iter().map(|b| b'a' + b % 26));
        body.extend_from_slice(b"\"}");
        ("application/json", body)
    };
    let query = n.is_multiple_of(3).then(|| format!("n={n}&k=v%20w"));
    Req { method, path: format!("/load/{}/{n}", n % 7), query, content_type, body }
}

#[derive(Default)]
struct Outcome {
    /// Request number → the capture id the receiver answered with (2xx).
    acked: HashMap<usize, i64>,
    /// Answered with something else than 2xx.
    refused: Vec<(usize, u16)>,
    /// No answer: in flight when the process died.
    unanswered: Vec<usize>,
    sent: usize,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_acknowledged_capture_survives_a_sigkill_under_load() {
    let seed = seed("capture under load");
    let mut rng = StdRng::seed_from_u64(seed);
    let kill_after = rng.random_range(TOTAL / 20..TOTAL * 19 / 20);
    println!(
        "[capture under load] {TOTAL} requests at concurrency {CONCURRENCY}; SIGKILL after the {kill_after}th 2xx"
    );

    let dir = tempfile::tempdir().unwrap();
    let serve = Arc::new(Mutex::new(Serve::start(dir.path(), "scenario-token")));
    let (receiver, client) = {
        let s = serve.lock().unwrap();
        (s.receiver_url.clone(), s.client().clone())
    };
    let next = Arc::new(AtomicUsize::new(0));
    let acks = Arc::new(AtomicUsize::new(0));
    let killed = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..CONCURRENCY {
        let (next, acks, killed, serve) = (next.clone(), acks.clone(), killed.clone(), serve.clone());
        let (client, receiver) = (client.clone(), receiver.clone());
        workers.push(tokio::spawn(async move {
            let mut out = Outcome::default();
            loop {
                if killed.load(Ordering::SeqCst) {
                    break;
                }
                let n = next.fetch_add(1, Ordering::SeqCst);
                if n >= TOTAL {
                    break;
                }
                out.sent += 1;
                let req = request(seed, n);
                let url = match &req.query {
                    Some(q) => format!("{receiver}{}?{q}", req.path),
                    None => format!("{receiver}{}", req.path),
                };
                let sent = client
                    .request(reqwest::Method::from_bytes(req.method.as_bytes()).unwrap(), url)
                    .header(ID_HEADER, n.to_string())
                    .header("content-type", req.content_type)
                    .body(req.body)
                    .send()
                    .await;
                let res = match sent {
                    Ok(res) => res,
                    Err(_) => {
                        out.unanswered.push(n);
                        continue;
                    }
                };
                let status = res.status();
                let capture_id = res
                    .headers()
                    .get("x-hookbench-capture-id")
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.parse::<i64>().ok());
                // The answer counts once it is complete: a body cut off by the kill is no answer.
                if res.bytes().await.is_err() {
                    out.unanswered.push(n);
                    continue;
                }
                if !status.is_success() {
                    out.refused.push((n, status.as_u16()));
                    continue;
                }
                out.acked.insert(n, capture_id.expect("a 2xx names its capture id"));
                if acks.fetch_add(1, Ordering::SeqCst) + 1 == kill_after {
                    serve.lock().unwrap().kill9();
                    killed.store(true, Ordering::SeqCst);
                }
            }
            out
        }));
    }
    let mut outcome = Outcome::default();
    for worker in workers {
        let out = worker.await.unwrap();
        outcome.acked.extend(out.acked);
        outcome.refused.extend(out.refused);
        outcome.unanswered.extend(out.unanswered);
        outcome.sent += out.sent;
    }
    let load_time = started.elapsed();
    assert!(killed.load(Ordering::SeqCst), "the kill happened ({} acknowledged)", outcome.acked.len());
    assert!(outcome.refused.is_empty(), "no request was refused under load: {:?}", &outcome.refused[..]);
    println!(
        "[capture under load] killed after {:.1} s: {} sent, {} acknowledged, {} unanswered (in flight at the kill)",
        load_time.as_secs_f64(),
        outcome.sent,
        outcome.acked.len(),
        outcome.unanswered.len()
    );

    // Restart on the same data dir: it opens, recovers the WAL and takes requests again.
    let mut serve = Arc::try_unwrap(serve).ok().unwrap().into_inner().unwrap();
    serve.restart();
    let after = serve
        .client()
        .post(format!("{}/after-restart", serve.receiver_url))
        .header(ID_HEADER, "after-restart")
        .body("still here")
        .send()
        .await
        .unwrap();
    assert_eq!(after.status().as_u16(), 200, "the restarted receiver stores again");

    let checked = Instant::now();
    let db = serve.db();
    assert_eq!(integrity_check(&db), "ok", "PRAGMA integrity_check after the SIGKILL");
    let mut found: HashMap<usize, i64> = HashMap::new();
    let mut mismatched = Vec::new();
    let mut stmt = db
        .prepare(
            "SELECT c.id, c.method, c.path, c.query, c.headers, c.body_stored, b.body, b.encoding
             FROM captures c LEFT JOIN capture_bodies b ON b.capture_id = c.id",
        )
        .unwrap();
    let mut rows = stmt.query([]).unwrap();
    let mut after_restart_found = false;
    while let Some(row) = rows.next().unwrap() {
        let id: i64 = row.get(0).unwrap();
        let headers: Vec<u8> = row.get(4).unwrap();
        let Some(tag) = stored_header(&headers, ID_HEADER) else {
            panic!("capture {id} has no {ID_HEADER} header: {}", String::from_utf8_lossy(&headers));
        };
        if tag == "after-restart" {
            after_restart_found = true;
            continue;
        }
        let n: usize = tag.parse().unwrap();
        let req = request(seed, n);
        let method: String = row.get(1).unwrap();
        let path: String = row.get(2).unwrap();
        let query: Option<String> = row.get(3).unwrap();
        let body_stored: bool = row.get(5).unwrap();
        // Read straight from the file, not through the store: a body may be kept as a zstd frame
        // (`capture_bodies.encoding` 1), which must give back the very bytes sent.
        let encoding: Option<i64> = row.get(7).unwrap();
        let body: Option<Vec<u8>> = row.get::<_, Option<Vec<u8>>>(6).unwrap().map(|b| match encoding {
            Some(1) => zstd::stream::decode_all(b.as_slice()).unwrap(),
            _ => b,
        });
        if method != req.method || path != req.path || query != req.query || !body_stored || body != Some(req.body) {
            mismatched.push((n, id));
        }
        assert!(found.insert(n, id).is_none(), "request {n} was stored twice");
    }
    assert!(after_restart_found, "the request after the restart is stored");

    let lost: Vec<usize> = outcome.acked.keys().filter(|n| !found.contains_key(n)).copied().collect();
    let wrong_id: Vec<usize> =
        outcome.acked.iter().filter(|(n, id)| found.get(n).is_some_and(|f| f != *id)).map(|(n, _)| *n).collect();
    let stored_anyway = outcome.unanswered.iter().filter(|n| found.contains_key(n)).count();
    let phantoms = found.keys().filter(|n| !outcome.acked.contains_key(n) && !outcome.unanswered.contains(n)).count();
    println!(
        "[capture under load] sent {}, acknowledged {}, found {} of them, lost {}, in flight at the kill {} of which stored anyway {}; checked in {:.1} s",
        outcome.sent,
        outcome.acked.len(),
        outcome.acked.len() - lost.len(),
        lost.len(),
        outcome.unanswered.len(),
        stored_anyway,
        checked.elapsed().as_secs_f64()
    );
    assert!(lost.is_empty(), "acknowledged but not in the store: {lost:?}");
    assert!(mismatched.is_empty(), "stored but not byte-exact (request, capture): {mismatched:?}");
    assert!(wrong_id.is_empty(), "stored under another id than the one acknowledged: {wrong_id:?}");
    assert_eq!(phantoms, 0, "only requests that were sent are in the store");
}
