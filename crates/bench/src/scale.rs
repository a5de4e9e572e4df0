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

/// Mixed sizes (JSON, see `capture`): 60% 128 B–1 KiB, 35% 1–4 KiB, 5% 4–32 KiB (about 2 KiB on average).
fn size(rng: &mut Rng) -> usize {
    match rng.next() % 100 {
        0..60 => rng.between(128, 1024),
        60..95 => rng.between(1024, 4096),
        _ => rng.between(4096, 32 * 1024),
    }
}

/// Keys and words of the generated payloads: JSON like a provider's event, whose keys and enum-like
/// values repeat while ids, amounts and times do not (so it compresses like real webhook bodies,
/// about 3× with zstd, not like a repeated filler).
const KEYS: [&str; 24] = [
    "object",
    "status",
    "amount",
    "currency",
    "customer",
    "created",
    "livemode",
    "description",
    "email",
    "name",
    "metadata",
    "payment_method",
    "invoice",
    "subscription",
    "quantity",
    "price",
    "product",
    "country",
    "city",
    "line1",
    "postal_code",
    "phone",
    "url",
    "reason",
];
const WORDS: [&str; 32] = [
    "succeeded",
    "pending",
    "failed",
    "usd",
    "eur",
    "gbp",
    "card",
    "visa",
    "mastercard",
    "charge",
    "refund",
    "active",
    "canceled",
    "trialing",
    "month",
    "year",
    "true",
    "false",
    "null",
    "standard",
    "premium",
    "basic",
    "shipping",
    "billing",
    "automatic",
    "manual",
    "requires_action",
    "processing",
    "open",
    "paid",
    "draft",
    "void",
];
const ALNUM: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

fn capture(i: usize, body_len: usize, now: i64) -> NewCapture {
    use std::fmt::Write as _;
    let mut rng = Rng((i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let mut body = format!(r#"{{"id":"evt_{i}","type":"invoice.paid","data":{{"n":{i}"#);
    while body.len() < body_len.saturating_sub(3) {
        let key = KEYS[rng.next() as usize % KEYS.len()];
        let _ = match rng.next() % 10 {
            0..6 => write!(body, r#","{key}":"{}""#, WORDS[rng.next() as usize % WORDS.len()]),
            6..8 => {
                let id: String = (0..14).map(|_| ALNUM[rng.next() as usize % ALNUM.len()] as char).collect();
                write!(body, r#","{key}":"{}_{id}""#, &key[..2.min(key.len())])
            }
            _ => write!(body, r#","{key}":{}"#, rng.next() % 1_000_000),
        };
    }
    body.truncate(body_len.saturating_sub(3));
    // The cut may fall inside a field: the bytes are JSON-like, not necessarily valid JSON.
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
    let counted = n.min(hookbench_domain::capture::CAPTURE_COUNT_CAP as usize);
    anyhow::ensure!(first.total as usize == counted, "the store counts {} captures, not {counted}", first.total);
    anyhow::ensure!(first.total_capped == (n > counted), "the total of {n} captures is capped: {}", first.total_capped);
    let (fts_bytes, body_bytes) = {
        let conn = rusqlite::Connection::open_with_flags(&db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
        let fts: i64 =
            conn.query_row("SELECT coalesce(sum(length(block)), 0) FROM captures_fts_data", [], |r| r.get(0))?;
        let bodies: i64 =
            conn.query_row("SELECT coalesce(sum(length(body)), 0) FROM capture_bodies", [], |r| r.get(0))?;
        (fts as f64, bodies as f64)
    };

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
    // What a full `count(*)` would cost (the list counts to CAPTURE_COUNT_CAP only).
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
                "p50 {}; {REPEATS} pages through Engine::list_captures; the page's total counts to {} (a full count(*) would take {} alone){scaled}",
                ms(e50),
                hookbench_domain::capture::CAPTURE_COUNT_CAP,
                ms(count_us)
            )),
        Row::new(format!("store {label}: open/start to first page"), format!("{open_ms:.0} ms"))
            .target("≤ 1 s", open < Duration::from_secs(1))
            .note(format!("Engine::start over the full store + the first newest page{scaled}")),
        Row::new(format!("store {label}: size on disk / raw payload"), format!("{size_ratio:.2}×"))
            .target("≤ 1.5×", size_ratio <= 1.5)
            .note(format!(
                "{:.0} MiB database for {:.0} MiB of bodies (mixed 128 B–32 KiB, ~2 KiB mean, JSON with repeating keys and words and unique ids; headers and metadata count against it): bodies as stored {:.0} MiB, the FTS5 index {:.0} MiB ({:.0} % of the file); filled at {fill_rate:.0} captures/s through the store's writer ({FILL_BATCH} a transaction){scaled}",
                on_disk as f64 / 1048576.0,
                raw as f64 / 1048576.0,
                body_bytes / 1048576.0,
                fts_bytes / 1048576.0,
                fts_bytes * 100.0 / on_disk.max(1) as f64,
            )),
    ]
    .into_iter()
    .chain(search.into_iter().map(|t| {
        let SearchTimes { what, mut engine_us, mut bare_us, mut prefix_us, matches } = t;
        let (p50, p99) = (percentile(&mut engine_us, 50.0), percentile(&mut engine_us, 99.0));
        let b99 = percentile(&mut bare_us, 99.0);
        Row::new(format!("store {label}: full-text search, {what} p99"), ms(p99))
            .ceiling(format!("{} bare FTS5 MATCH of whole words … LIMIT", ms(b99)), p99 as f64 / b99.max(1) as f64)
            .target("≤ 50 ms", p99 <= 50_000)
            .note(format!(
                "p50 {}; {matches} matching captures (the total counts to {}); the first page ({PAGE}) with its total, through Engine::list_captures (words as prefixes); FTS5's own prefix query of the same page: p99 {}{scaled}",
                ms(p50),
                hookbench_domain::capture::CAPTURE_COUNT_CAP,
                ms(percentile(&mut prefix_us, 99.0)),
            ))
    }))
    .collect())
}

struct SearchTimes {
    what: String,
    engine_us: Vec<u64>,
    /// The same page of a bare FTS5 query of the whole words (which FTS5 streams in rowid order).
    bare_us: Vec<u64>,
    /// The same page of FTS5's own prefix query (which merges every matching doclist first).
    prefix_us: Vec<u64>,
    matches: String,
}

/// A rare term (one capture's id and the few whose ids start with it), a word in every capture,
/// and that word with the other filters: the first page of matches through the engine, and bare
/// FTS5 queries of the same page.
async fn search(engine: &Engine, db: &std::path::Path, n: usize) -> anyhow::Result<Vec<SearchTimes>> {
    let bare = rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let mut stmt =
        bare.prepare_cached("SELECT rowid FROM captures_fts WHERE captures_fts MATCH ?1 ORDER BY rowid DESC LIMIT ?2")?;
    let mut out = Vec::new();
    let rare = format!("evt_{}", n / 2);
    let every = CaptureFilter { text: Some("invoice".into()), limit: PAGE, ..Default::default() };
    let filtered = CaptureFilter {
        method: Some("POST".into()),
        endpoint_id: Some(1),
        status: Some(200),
        duplicate: Some(false),
        since: Some(0),
        ..every.clone()
    };
    let cases = [
        (
            "rare term",
            CaptureFilter { text: Some(rare.clone()), limit: PAGE, ..Default::default() },
            format!("\"evt {}\"", n / 2),
            format!("\"evt {}\"*", n / 2),
        ),
        ("word in every capture", every, "\"invoice\"".to_owned(), "\"invoice\"*".to_owned()),
        (
            "word in every capture + method, endpoint, status, duplicate, since",
            filtered,
            "\"invoice\"".to_owned(),
            "\"invoice\"*".to_owned(),
        ),
    ];
    for (what, filter, whole, prefix) in cases {
        let (mut engine_us, mut bare_us, mut prefix_us, mut matches) = (Vec::new(), Vec::new(), Vec::new(), None);
        for _ in 0..SEARCH_REPEATS {
            let t = Instant::now();
            let page = engine.list_captures(filter.clone()).await?;
            engine_us.push(t.elapsed().as_micros() as u64);
            matches = Some(format!("{}{}", page.total, if page.total_capped { "+" } else { "" }));
            anyhow::ensure!(!page.items.is_empty(), "the search {what} found nothing");
            let t = Instant::now();
            let _ = stmt.query_map(rusqlite::params![whole, PAGE as i64 + 1], |r| r.get::<_, i64>(0))?.count();
            bare_us.push(t.elapsed().as_micros() as u64);
            let t = Instant::now();
            let _ = stmt.query_map(rusqlite::params![prefix, PAGE as i64 + 1], |r| r.get::<_, i64>(0))?.count();
            prefix_us.push(t.elapsed().as_micros() as u64);
        }
        let text = filter.text.unwrap_or_default();
        out.push(SearchTimes {
            what: format!("{what} ({text:?})"),
            engine_us,
            bare_us,
            prefix_us,
            matches: matches.unwrap_or_default(),
        });
    }
    Ok(out)
}
