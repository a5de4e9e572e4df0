//! The sender: delivery throughput against a plain reqwest loop, and the scheduler's lateness and
//! idle cost with 100,000 events waiting.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use hookbench_domain::outbox::{DeliverySettings, EventOrigin, NewEvent};
use hookbench_domain::{Clock, SystemClock};
use hookbench_engine::{Engine, EngineConfig};
use hookbench_store::{DB_FILE, Store};

use crate::capture::json_body;
use crate::loadgen::{median, percentile};
use crate::report::Row;
use crate::servers;

/// Puts `n` events for `url` in the outbox of the store in `dir` (due now), through the store's writer.
async fn prefill(dir: &Path, url: &str, n: usize, body_size: usize, max_in_flight: Option<u32>) -> anyhow::Result<()> {
    let store = Arc::new(Store::open(dir)?);
    let now = SystemClock.now_ms();
    let body = json_body(body_size).to_vec();
    let mut settings = DeliverySettings::default();
    settings.limits.max_in_flight = max_in_flight;
    let mut inserts = futures_util::stream::iter(0..n)
        .map(|i| {
            let store = store.clone();
            let mut event =
                NewEvent::new(EventOrigin::Send, url.to_owned(), format!("msg_bench_{i}"), settings.clone());
            event.body = body.clone();
            async move { store.insert_event(event, now).await }
        })
        .buffer_unordered(256);
    while let Some(done) = inserts.next().await {
        done?;
    }
    drop(inserts);
    store.close().await;
    Ok(())
}

fn connect(dir: &Path) -> anyhow::Result<rusqlite::Connection> {
    let conn = rusqlite::Connection::open(dir.join(DB_FILE))?;
    conn.busy_timeout(Duration::from_secs(5))?;
    Ok(conn)
}

fn delivered(conn: &rusqlite::Connection) -> anyhow::Result<(usize, usize)> {
    let events: i64 = conn.query_row("SELECT count(*) FROM events WHERE state = 'delivered'", [], |r| r.get(0))?;
    let attempts: i64 = conn.query_row("SELECT count(*) FROM attempts WHERE state = 'finished'", [], |r| r.get(0))?;
    Ok((events as usize, attempts as usize))
}

/// Waits until the sink has had `hits` requests and the outbox shows `n` events delivered.
async fn wait_delivered(
    dir: &Path,
    sink: &servers::Bare,
    hits: u64,
    n: usize,
    limit: Duration,
) -> anyhow::Result<(usize, usize)> {
    let started = Instant::now();
    while sink.hits() < hits {
        if started.elapsed() > limit {
            anyhow::bail!("only {} of {n} deliveries arrived within {} s", sink.hits(), limit.as_secs());
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let conn = connect(dir)?;
    loop {
        let counts = delivered(&conn)?;
        if counts.0 >= n || started.elapsed() > limit {
            return Ok(counts);
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// `n` POSTs of `body` to `url` by `concurrency` workers with a plain reqwest client.
async fn reqwest_loop(url: &str, n: usize, concurrency: usize, body: bytes::Bytes) -> anyhow::Result<Duration> {
    let client = reqwest::Client::builder().no_proxy().redirect(reqwest::redirect::Policy::none()).build()?;
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..concurrency {
        let (client, next, body, url) = (client.clone(), next.clone(), body.clone(), url.to_owned());
        tasks.spawn(async move {
            while next.fetch_add(1, Ordering::Relaxed) < n {
                if let Ok(response) =
                    client.post(&url).header("content-type", "application/json").body(body.clone()).send().await
                {
                    let _ = response.bytes().await;
                }
            }
        });
    }
    while tasks.join_next().await.is_some() {}
    Ok(started.elapsed())
}

pub async fn delivery(events: usize, concurrency: u32, rounds: usize) -> anyhow::Result<Vec<Row>> {
    let sink = servers::bare().await?;
    let url = format!("http://{}/sink", sink.addr);
    let body = json_body(1024);
    let (mut engine_rates, mut ceiling_rates) = (Vec::new(), Vec::new());
    let mut recorded = Vec::new();
    for round in 0..rounds {
        let took = reqwest_loop(&url, events, concurrency as usize, body.clone()).await?;
        ceiling_rates.push(events as f64 / took.as_secs_f64());

        let dir = tempfile::tempdir()?;
        prefill(dir.path(), &url, events, 1024, Some(concurrency)).await?;
        let before = sink.hits();
        let started = Instant::now();
        let engine = Engine::start(EngineConfig::new(dir.path().to_owned()), Arc::new(SystemClock)).await?;
        let counts =
            wait_delivered(dir.path(), &sink, before + events as u64, events, Duration::from_secs(300)).await?;
        let took_engine = started.elapsed();
        engine.shutdown().await;
        engine_rates.push(events as f64 / took_engine.as_secs_f64());
        recorded.push(counts);
        eprintln!(
            "  delivery round {}: reqwest {:.0}/s, engine {:.0}/s ({} delivered, {} attempts recorded)",
            round + 1,
            events as f64 / took.as_secs_f64(),
            events as f64 / took_engine.as_secs_f64(),
            counts.0,
            counts.1
        );
    }
    let engine_rate = median(&engine_rates);
    let ceiling_rate = median(&ceiling_rates);
    let ratio = engine_rate / ceiling_rate.max(1e-9);
    let all_recorded = recorded.iter().all(|&(d, a)| d == events && a == events);
    Ok(vec![
        Row::new(format!("delivery throughput ({concurrency} in flight)"), format!("{engine_rate:.0} events/s"))
            .ceiling(format!("{ceiling_rate:.0} req/s plain reqwest"), ratio)
            .target("≥ 0.5 of ceiling, every attempt recorded", ratio >= 0.5 && all_recorded)
            .note(format!(
                "{events} events (1 KiB) already in the outbox, engine started, until all are delivered; median of {rounds} interleaved rounds; delivered/attempts recorded per round: {recorded:?}"
            )),
    ])
}

/// Arrivals at the scheduler's sink: the `Idempotency-Key` of each request and when it came (unix ms).
type Arrivals = Arc<std::sync::Mutex<Vec<(String, i64)>>>;

/// The bare sink (answers 200, counts) that also notes when each request arrived, so lateness can be
/// measured where it matters too: at the target, after the claim's commit and the send.
async fn arrivals_sink() -> anyhow::Result<(servers::Bare, Arrivals)> {
    use axum::extract::State;
    use axum::http::{HeaderMap, StatusCode};
    type Sink = (Arc<std::sync::atomic::AtomicU64>, Arrivals);
    async fn answer(State((hits, arrivals)): State<Sink>, headers: HeaderMap, _body: bytes::Bytes) -> StatusCode {
        let at = SystemClock.now_ms();
        let key = headers.get("idempotency-key").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
        arrivals.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push((key, at));
        hits.fetch_add(1, Ordering::Relaxed);
        StatusCode::OK
    }
    let hits = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let arrivals = Arrivals::default();
    let app = axum::Router::new().fallback(answer).with_state((hits.clone(), arrivals.clone()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok((servers::Bare { addr, hits }, arrivals))
}

/// CPU time of this process so far (utime + stime from /proc/self/stat), in clock ticks.
fn cpu_ticks() -> u64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which may hold spaces) start after the last ')'.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the whole line: 12 and 13 after the ')'.
    let get = |i: usize| fields.get(i).and_then(|f| f.parse::<u64>().ok()).unwrap_or(0);
    get(11) + get(12)
}

/// Linux's USER_HZ: clock ticks per second in /proc (100 on every mainstream architecture).
const TICKS_PER_SEC: f64 = 100.0;

pub async fn scheduler(n: usize, spread: Duration, idle: Duration, max_in_flight: u32) -> anyhow::Result<Vec<Row>> {
    let (sink, arrivals) = arrivals_sink().await?;
    let url = format!("http://{}/sink", sink.addr);
    let dir = tempfile::tempdir()?;
    let t = Instant::now();
    prefill(dir.path(), &url, n, 256, Some(max_in_flight)).await?;
    eprintln!("  scheduler: {n} events in the outbox in {:.1} s", t.elapsed().as_secs_f64());
    let min_id: i64 = connect(dir.path())?.query_row("SELECT min(id) FROM events", [], |r| r.get(0))?;

    // Idle: everything due in 3 hours.
    let later = SystemClock.now_ms() + 3 * 3600 * 1000;
    connect(dir.path())?.execute("UPDATE events SET next_attempt_at = ?1", [later])?;
    let engine = Engine::start(EngineConfig::new(dir.path().to_owned()), Arc::new(SystemClock)).await?;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let (cpu0, wake0, t0) = (cpu_ticks(), engine.scheduler_wakeups(), Instant::now());
    tokio::time::sleep(idle).await;
    let (cpu1, wake1, took) = (cpu_ticks(), engine.scheduler_wakeups(), t0.elapsed());
    engine.shutdown().await;
    let cpu_ms = (cpu1 - cpu0) as f64 * 1000.0 / TICKS_PER_SEC;
    let cpu_pct = cpu_ms / took.as_millis().max(1) as f64 * 100.0;
    let wakeups = wake1 - wake0;

    // Lateness: due times spread evenly over `spread`, starting 2 s from now.
    let spread_ms = spread.as_millis() as i64;
    let base = SystemClock.now_ms() + 2_000;
    let due = move |id: i64| base + (id - min_id) * spread_ms / n as i64;
    connect(dir.path())?
        .execute("UPDATE events SET next_attempt_at = ?1 + (id - ?2) * ?3 / ?4", [base, min_id, spread_ms, n as i64])?;
    let before = sink.hits();
    arrivals.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clear();
    let engine = Engine::start(EngineConfig::new(dir.path().to_owned()), Arc::new(SystemClock)).await?;
    let limit = spread + Duration::from_secs(300);
    let counts = wait_delivered(dir.path(), &sink, before + n as u64, n, limit).await?;
    engine.shutdown().await;
    let conn = connect(dir.path())?;
    let mut stmt = conn.prepare("SELECT event_id, started_at, finished_at FROM attempts WHERE number = 1")?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?, r.get::<_, Option<i64>>(2)?)))?;
    let mut lateness = Vec::with_capacity(n);
    let mut last_finish = 0;
    for row in rows {
        let (event, started, finished) = row?;
        lateness.push(u64::try_from(started - due(event)).unwrap_or(0));
        last_finish = last_finish.max(finished.unwrap_or(started));
    }
    let (p50, p99) = (percentile(&mut lateness, 50.0), percentile(&mut lateness, 99.0));
    let max = lateness.iter().copied().max().unwrap_or(0);
    // The same at the target: first arrival of each event's request − its due time.
    let mut ids = std::collections::HashMap::new();
    let mut stmt = conn.prepare("SELECT idempotency_key, id FROM events")?;
    for row in stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))? {
        let (key, id) = row?;
        ids.insert(key, id);
    }
    let mut first_arrival = std::collections::HashMap::new();
    for (key, at) in arrivals.lock().unwrap_or_else(std::sync::PoisonError::into_inner).iter() {
        if let Some(id) = ids.get(key) {
            first_arrival.entry(*id).or_insert(*at);
        }
    }
    let mut at_target: Vec<u64> =
        first_arrival.iter().map(|(id, at)| u64::try_from(at - due(*id)).unwrap_or(0)).collect();
    let (t50, t99) = (percentile(&mut at_target, 50.0), percentile(&mut at_target, 99.0));
    let drained = (last_finish - base) as f64 / 1000.0;
    eprintln!(
        "  scheduler: lateness p50 {p50} ms p99 {p99} ms max {max} ms (at the target: p50 {t50} ms p99 {t99} ms, {} arrivals); idle {cpu_ms:.0} ms CPU, {wakeups} wake-ups",
        at_target.len()
    );
    Ok(vec![
        Row::new(
            format!("scheduler lateness p50 / p99 ({n} events over {} s)", spread.as_secs()),
            format!("{p50} ms / {p99} ms"),
        )
        .target("p99 ≤ 20 ms", p99 <= 20)
        .note(format!(
            "lateness = first attempt's start − due time; max {max} ms; at the target (first arrival of the request − due time) p50 {t50} ms / p99 {t99} ms over {} events; {} of {n} delivered, the last finished {drained:.1} s after the first was due; max_in_flight {max_in_flight}",
            at_target.len(),
            counts.0
        )),
        Row::new(
            format!("scheduler idle CPU ({n} events due in 3 h)"),
            format!("{cpu_pct:.2}% ({cpu_ms:.0} ms in {:.1} s)", took.as_secs_f64()),
        )
        .target("≈ 0", cpu_pct < 0.5)
        .note(format!(
            "utime+stime of the whole bench process from /proc/self/stat (10 ms ticks); {wakeups} scheduler wake-ups in the window; met = under 0.5%"
        )),
    ])
}
