//! Capture throughput: 1 KiB JSON POSTs on 64 connections to the real receiver (every 2xx after its
//! commit), interleaved with the same load on a bare axum handler (the ceiling) and on a minimal
//! FastAPI + sqlite3 receiver; then the p99 latency at half the measured load.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use bytes::Bytes;
use hookbench_http::ServeConfig;

use crate::loadgen::{LoadResult, Target, closed_loop, median, open_loop, percentile};
use crate::report::Row;
use crate::servers;

#[derive(Debug, Clone)]
pub struct CaptureOptions {
    pub connections: usize,
    pub round: Duration,
    pub rounds: usize,
    /// The venv's python with fastapi and uvicorn; `None` skips the FastAPI comparison.
    pub python: Option<PathBuf>,
    /// The folder holding the FastAPI app (`app.py`).
    pub python_app: PathBuf,
}

/// A 1 KiB JSON body.
pub fn json_body(size: usize) -> Bytes {
    let mut body =
        String::from(r#"{"id":"evt_1","type":"invoice.paid","data":{"amount":4200,"currency":"eur","note":""#);
    while body.len() < size.saturating_sub(3) {
        body.push('x');
    }
    body.push_str("\"}}");
    Bytes::from(body)
}

struct Python {
    child: Child,
    addr: SocketAddr,
    _dir: tempfile::TempDir,
}

impl Drop for Python {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn start_python(python: &PathBuf, app_dir: &PathBuf) -> anyhow::Result<Python> {
    let dir = tempfile::tempdir()?;
    // A free port: bind, read it back, let go, hand it to uvicorn.
    let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    // Absolute (links kept: the venv's python is a link), since a relative program path would be
    // looked up from the app's folder.
    let python = std::path::absolute(python)
        .map_err(|e| anyhow::anyhow!("the FastAPI venv's python {} is not there: {e}", python.display()))?;
    let child = Command::new(&python)
        .args(["-m", "uvicorn", "app:app", "--host", "127.0.0.1", "--port", &port.to_string()])
        .args(["--workers", "1", "--log-level", "warning", "--no-access-log"])
        .current_dir(app_dir)
        .env("BENCH_PY_DB", dir.path().join("captures.db"))
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()?;
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    let mut python = Python { child, addr, _dir: dir };
    let client = reqwest::Client::builder().no_proxy().build()?;
    let started = Instant::now();
    loop {
        let answer = client.post(format!("http://{addr}/ready")).body("{}").send().await;
        if answer.is_ok_and(|r| r.status().is_success()) {
            return Ok(python);
        }
        if let Ok(Some(status)) = python.child.try_wait() {
            anyhow::bail!("the FastAPI receiver exited at start ({status})");
        }
        if started.elapsed() > Duration::from_secs(30) {
            anyhow::bail!("the FastAPI receiver did not answer within 30 s");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn rate(r: f64) -> String {
    format!("{r:.0} req/s")
}

fn ms(us: u64) -> String {
    format!("{:.2} ms", us as f64 / 1000.0)
}

pub async fn run(options: &CaptureOptions) -> anyhow::Result<Vec<Row>> {
    let dir = tempfile::tempdir()?;
    let mut config = ServeConfig::new(dir.path().join("data"));
    config.receiver_addr = "127.0.0.1:0".parse()?;
    config.api_addr = "127.0.0.1:0".parse()?;
    let running = hookbench_http::start(config).await?;
    let bare = servers::bare().await?;
    let python = match &options.python {
        Some(p) => Some(start_python(p, &options.python_app).await?),
        None => None,
    };
    let body = json_body(1024);
    let hook = Target { addr: running.receiver_addr, path: "/hooks/bench".into(), body: body.clone() };
    let ceiling = Target { addr: bare.addr, path: "/hooks/bench".into(), body: body.clone() };
    let py = python.as_ref().map(|p| Target { addr: p.addr, path: "/hooks/bench".into(), body: body.clone() });

    let conns = options.connections;
    let mut acknowledged = 0u64;
    // Warm-up: connections, caches, the database's first pages.
    acknowledged += closed_loop(&hook, conns, Duration::from_secs(1)).await.ok;
    closed_loop(&ceiling, conns, Duration::from_secs(1)).await;
    if let Some(py) = &py {
        closed_loop(py, conns, Duration::from_secs(1)).await;
    }

    let (mut hook_rates, mut ceiling_rates, mut py_rates) = (Vec::new(), Vec::new(), Vec::new());
    let mut hook_errors = 0;
    for round in 0..options.rounds {
        let c = closed_loop(&ceiling, conns, options.round).await;
        let h: LoadResult = closed_loop(&hook, conns, options.round).await;
        acknowledged += h.ok;
        hook_errors += h.errors;
        eprintln!(
            "  capture round {}: ceiling {:.0}/s, hookbench {:.0}/s ({} errors)",
            round + 1,
            c.per_sec(),
            h.per_sec(),
            h.errors
        );
        ceiling_rates.push(c.per_sec());
        hook_rates.push(h.per_sec());
        if let Some(py) = &py {
            let p = closed_loop(py, conns, options.round).await;
            eprintln!("  capture round {}: fastapi {:.0}/s ({} errors)", round + 1, p.per_sec(), p.errors);
            py_rates.push(p.per_sec());
        }
    }
    let hook_rate = median(&hook_rates);
    let ceiling_rate = median(&ceiling_rates);

    // Latency at half the measured capture throughput, open loop, then the ceiling at the same rate.
    let half = hook_rate / 2.0;
    let mut h = open_loop(&hook, conns, half, options.round).await;
    acknowledged += h.ok;
    let mut c = open_loop(&ceiling, conns, half, options.round).await;
    let (h50, h99) = (percentile(&mut h.latencies_us, 50.0), percentile(&mut h.latencies_us, 99.0));
    let c99 = percentile(&mut c.latencies_us, 99.0);
    eprintln!("  latency at {half:.0}/s: hookbench p50 {h50} us p99 {h99} us, ceiling p99 {c99} us");

    // Every 2xx must have been committed: the store holds at least as many captures (the readiness
    // probes of nothing else reach this receiver). Counted in the database file after shutdown,
    // exactly (the API's total may be capped).
    running.shutdown().await;
    let db = rusqlite::Connection::open(dir.path().join("data").join(hookbench_store::DB_FILE))?;
    let stored: u64 = db.query_row("SELECT count(*) FROM captures", [], |r| r.get(0))?;
    drop(db);

    let ratio = hook_rate / ceiling_rate.max(1e-9);
    let mut rows = vec![
        Row::new("capture throughput (1 KiB JSON, 64 conns)", rate(hook_rate))
            .ceiling(format!("{} bare axum", rate(ceiling_rate)), ratio)
            .target("≥ 0.6 of ceiling", ratio >= 0.6)
            .note(format!(
                "median of {} interleaved {:.0} s rounds; {acknowledged} 2xx answers, {stored} captures stored, {hook_errors} errors",
                options.rounds,
                options.round.as_secs_f64()
            )),
        Row::new(format!("capture p99 latency at half load ({half:.0} req/s)"), ms(h99))
            .ceiling(format!("{} bare axum, same rate", ms(c99)), h99 as f64 / c99.max(1) as f64)
            .target("≤ 10 ms", h99 <= 10_000)
            .note(format!("open loop, latency from each request's scheduled time; p50 {}", ms(h50))),
    ];
    if python.is_some() {
        let py_rate = median(&py_rates);
        let times = hook_rate / py_rate.max(1e-9);
        rows.push(
            Row::new("capture throughput vs FastAPI + sqlite3", rate(hook_rate))
                .ceiling(format!("{} FastAPI", rate(py_rate)), times)
                .target("≥ 8× FastAPI", times >= 8.0)
                .note("uvicorn, 1 worker, a commit per request (WAL, synchronous=NORMAL like Hookbench); ratio = Hookbench / FastAPI"),
        );
    } else {
        rows.push(
            Row::new("capture throughput vs FastAPI + sqlite3", "not measured")
                .target_open("≥ 8× FastAPI")
                .note("no --python given (make bench makes the venv)"),
        );
    }
    drop(python);
    Ok(rows)
}

/// Profiling aid: a receiver alone in this process, so a profiler sees only the capture path.
pub async fn serve_only(secs: Duration) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let mut config = ServeConfig::new(dir.path().join("data"));
    config.receiver_addr = "127.0.0.1:0".parse()?;
    config.api_addr = "127.0.0.1:0".parse()?;
    let running = hookbench_http::start(config).await?;
    println!("receiver {}", running.receiver_addr);
    tokio::time::sleep(secs).await;
    running.shutdown().await;
    Ok(())
}

/// Profiling aid: the capture benchmark's load on `addr`, from this process.
pub async fn load_only(addr: SocketAddr, connections: usize, secs: Duration) -> anyhow::Result<()> {
    let target = Target { addr, path: "/hooks/bench".into(), body: json_body(1024) };
    let result = closed_loop(&target, connections, secs).await;
    println!("{:.0} req/s ({} ok, {} errors)", result.per_sec(), result.ok, result.errors);
    Ok(())
}
