//! The store at scale: N captures of mixed sizes; newest-page list latency (against a bare query of
//! the same page), open/start time, size on disk against the raw payload bytes.

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use hookbench_domain::{CaptureFilter, Clock, Header, NewCapture, SystemClock};
use hookbench_engine::{Engine, EngineConfig};
use hookbench_store::{DB_FILE, Store};

use crate::loadgen::percentile;
use crate::report::Row;

/// The page the Inbox asks for (`captureListQuery`'s default limit).
const PAGE: usize = 200;
const REPEATS: usize = 50;
const SEARCH_REPEATS: usize = 20;

/// A small deterministic generator (xorshift64*), so every run stores the same sizes.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn between(&mut self, low: u64, high: u64) -> usize {
        (low + self.next() % (high - low + 1)) as usize
    }
}

/// Mixed sizes: 60% 128 B–1 KiB, 35% 1–4 KiB, 5% 4–32 KiB (about 2 KiB on average).
fn size(rng: &mut Rng) -> usize {
    match rng.next() % 100 {
        0..60 => rng.between(128, 1024),
        60..95 => rng.between(1024, 4096),
        _ => rng.between(4096, 32 * 1024),
    }
}

fn capture(i: usize, body_len: usize, now: i64) -> NewCapture {
    let mut body = format!(r#"{{"id":"evt_{i}","type":"invoice.paid","data":{{"n":{i},"note":""#);
    while body.len() < body_len.saturating_sub(3) {
        body.push_str("lorem ipsum ");
    }
    body.truncate(body_len.saturating_sub(3));
    body.push_str("\"}}");
    let len = body.len();
    NewCapture {
        received_at: now,
        method: "POST".into(),
        path: format!("/hooks/{}", ["stripe", "github", "shopify", "app/orders"][i % 4]),
        query: None,
        url: "http://127.0.0.1:9000/hooks".into(),
        http_version: "HTTP/1.1".into(),
        remote_addr: "127.0.0.1:50000".into(),
        headers: vec![
            Header::new("Host", "127.0.0.1:9000"),
            Header::new("User-Agent", "bench/1"),
            Header::new("Content-Type", "application/json"),
            Header::new("Content-Length", len.to_string()),
        ],
        content_type: Some("application/json".into()),
        body: Some(bytes::Bytes::from(body)),
        body_size: len as u64,
        response_status: 200,
        endpoint_id: 1,
        verdict_json: None,
        verdict_valid: None,
        dedupe: None,
        faults: Vec::new(),
        response_note: None,
    }
}

fn file_size(path: &std::path::Path) -> u64 {
    std::fs::metadata(path).map_or(0, |m| m.len())
}

fn ms(d: u64) -> String {
    format!("{:.2} ms", d as f64 / 1000.0)
}

/// Captures per writer job in the fill: one transaction each (the store's own insert path).
const FILL_BATCH: usize = 2000;

/// What a fill stored.
pub struct Filled {
    /// The payload bytes stored (the sum of the bodies).
    pub raw_bytes: u64,
    /// Captures stored per second.
    pub per_second: f64,
}

/// Fills a new store in `dir` with `n` captures of mixed sizes (the same every run), through the
/// store's own insert path (`Store::insert_captures`, a transaction per `FILL_BATCH`, two batches in
/// flight so the next is built while one commits), then closes it.
pub async fn fill(dir: &std::path::Path, n: usize) -> anyhow::Result<Filled> {
    let store = Arc::new(Store::open(dir)?);
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let sizes: Vec<usize> = (0..n).map(|_| size(&mut rng)).collect();
    let raw_bytes: u64 = sizes.iter().map(|&s| s as u64).sum();
    let now = SystemClock.now_ms();
    let started = Instant::now();
    let batches: Vec<(usize, usize)> =
        (0..n).step_by(FILL_BATCH).map(|start| (start, (start + FILL_BATCH).min(n))).collect();
    let mut inserts = futures_util::stream::iter(batches)
        .map(|(start, end)| {
            let store = store.clone();
            let captures: Vec<NewCapture> = (start..end).map(|i| capture(i, sizes[i], now)).collect();
            async move { store.insert_captures(captures).await.map(|stored| stored.len()) }
        })
        .buffered(2);
    let mut done = 0usize;
    while let Some(result) = inserts.next().await {
        let before = done;
        done += result?;
        if before / 100_000 != done / 100_000 {
            eprintln!("  store: {done} captures ({:.0}/s)", done as f64 / started.elapsed().as_secs_f64());
        }
    }
    drop(inserts);
    let per_second = n as f64 / started.elapsed().as_secs_f64();
    store.close().await;
    Ok(Filled { raw_bytes, per_second })
}

pub async fn run(n: usize) -> anyhow::Result<Vec<Row>> {
    let dir = tempfile::tempdir()?;
    let Filled { raw_bytes: raw, per_second: fill_rate } = fill(dir.path(), n).await?;
    let db = dir.path().join(DB_FILE);
    let on_disk = file_size(&db) + file_size(&db.with_extension("db-wal"));

    // Open/start: the engine over the full store, until its first newest page is in hand.
    let started = Instant::now();
    let engine = Engine::start(EngineConfig::new(dir.path().to_owned()), Arc::new(SystemClock)).await?;
    let first = engine.list_captures(CaptureFilter { limit: PAGE, ..Default::default() }).await?;
    let open = started.elapsed();
    anyhow::ensure!(first.total as usize == n, "the store holds {} captures, not {n}", first.total);

    // Newest page through the engine, interleaved with the bare query of the same page.
    let bare = rusqlite::Connection::open_with_flags(&db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let mut stmt = bare.prepare_cached(
        "SELECT id, received_at, method, path, query, content_type, body_size, body_stored, response_status, \
         remote_addr, endpoint_id, verdict_valid, duplicate_of FROM captures ORDER BY id DESC LIMIT ?1",
    )?;
    let (mut engine_us, mut bare_us) = (Vec::new(), Vec::new());
    for _ in 0..REPEATS {
        let t = Instant::now();
        let page = engine.list_captures(CaptureFilter { limit: PAGE, ..Default::default() }).await?;
        engine_us.push(t.elapsed().as_micros() as u64);
        anyhow::ensure!(page.items.len() == PAGE.min(n), "the page holds {} captures", page.items.len());
        let t = Instant::now();
        let rows = stmt.query_map([PAGE as i64 + 1], |r| r.get::<_, i64>(0))?.count();
        bare_us.push(t.elapsed().as_micros() as u64);
        anyhow::ensure!(rows == (PAGE + 1).min(n), "the bare page holds {rows} rows");
    }
    drop(stmt);
    drop(bare);
    // The same page without the total: what the list costs beyond `count(*)`.
    let count_us = {
        let conn = rusqlite::Connection::open_with_flags(&db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
        let mut times = Vec::new();
        for _ in 0..10 {
            let t = Instant::now();
            let _: i64 = conn.query_row("SELECT count(*) FROM captures", [], |r| r.get(0))?;
            times.push(t.elapsed().as_micros() as u64);
        }
        percentile(&mut times, 50.0)
    };
    let search = search(&engine, &db, n).await?;
    engine.shutdown().await;
    let (e50, e99) = (percentile(&mut engine_us, 50.0), percentile(&mut engine_us, 99.0));
    let b99 = percentile(&mut bare_us, 99.0);
    let size_ratio = on_disk as f64 / raw.max(1) as f64;
    let label = if n >= 1_000_000 { format!("{}M", n / 1_000_000) } else { format!("{}k", n / 1000) };
    let scaled =
        if n < 1_000_000 { format!(" — {label}, not the 1M of the target (--captures N)") } else { String::new() };
    let open_ms = open.as_secs_f64() * 1000.0;
    Ok([
        Row::new(format!("store {label}: newest page ({PAGE}) p99"), ms(e99))
            .ceiling(format!("{} bare SELECT … LIMIT", ms(b99)), e99 as f64 / b99.max(1) as f64)
            .target("≤ 20 ms", e99 <= 20_000)
            .note(format!(
                "p50 {}; {REPEATS} pages through Engine::list_captures; its count(*) for `total` alone takes {} here{scaled}",
                ms(e50),
                ms(count_us)
            )),
        Row::new(format!("store {label}: open/start to first page"), format!("{open_ms:.0} ms"))
            .target("≤ 1 s", open < Duration::from_secs(1))
            .note(format!("Engine::start over the full store + the first newest page{scaled}")),
        Row::new(format!("store {label}: size on disk / raw payload"), format!("{size_ratio:.2}×"))
            .target("≤ 1.5×", size_ratio <= 1.5)
            .note(format!(
                "{:.0} MiB database for {:.0} MiB of bodies (mixed 128 B–32 KiB, ~2 KiB mean; headers and metadata count against it); filled at {fill_rate:.0} captures/s through the store's writer ({FILL_BATCH} a transaction){scaled}",
                on_disk as f64 / 1048576.0,
                raw as f64 / 1048576.0
            )),
    ]
    .into_iter()
    .chain(search.into_iter().map(|(what, mut engine_us, mut bare_us, matches)| {
        let (p50, p99) = (percentile(&mut engine_us, 50.0), percentile(&mut engine_us, 99.0));
        let b99 = percentile(&mut bare_us, 99.0);
        Row::new(format!("store {label}: full-text search, {what} p99"), ms(p99))
            .ceiling(format!("{} bare FTS5 MATCH … LIMIT", ms(b99)), p99 as f64 / b99.max(1) as f64)
            .target("≤ 50 ms", p99 <= 50_000)
            .note(format!(
                "p50 {}; {matches} matching captures; the first page ({PAGE}) with its total, through Engine::list_captures{scaled}",
                ms(p50)
            ))
    }))
    .collect())
}

type SearchTimes = (String, Vec<u64>, Vec<u64>, u64);

/// A rare term (one capture's id and the few whose ids start with it) and a word in every capture:
/// the first page of matches through the engine, and the bare FTS5 query of the same page.
async fn search(engine: &Engine, db: &std::path::Path, n: usize) -> anyhow::Result<Vec<SearchTimes>> {
    let bare = rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let mut stmt =
        bare.prepare_cached("SELECT rowid FROM captures_fts WHERE captures_fts MATCH ?1 ORDER BY rowid DESC LIMIT ?2")?;
    let mut out = Vec::new();
    let rare = format!("evt_{}", n / 2);
    let cases = [
        ("rare term", rare.clone(), format!("\"evt {}\"*", n / 2)),
        ("word in every capture", "invoice".to_owned(), "\"invoice\"*".to_owned()),
    ];
    for (what, text, fts) in cases {
        let (mut engine_us, mut bare_us, mut matches) = (Vec::new(), Vec::new(), 0);
        for _ in 0..SEARCH_REPEATS {
            let t = Instant::now();
            let page = engine
                .list_captures(CaptureFilter { text: Some(text.clone()), limit: PAGE, ..Default::default() })
                .await?;
            engine_us.push(t.elapsed().as_micros() as u64);
            matches = page.total;
            let t = Instant::now();
            let _ = stmt.query_map(rusqlite::params![fts, PAGE as i64 + 1], |r| r.get::<_, i64>(0))?.count();
            bare_us.push(t.elapsed().as_micros() as u64);
        }
        anyhow::ensure!(matches > 0, "the search for {text:?} found nothing");
        out.push((format!("{what} ({text:?})"), engine_us, bare_us, matches));
    }
    Ok(out)
}
