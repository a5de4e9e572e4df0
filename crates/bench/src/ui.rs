//! The UI under load: the Inbox over a store of N captures (the store-at-scale fill) while captures
//! arrive live, in Debian's Chromium. `tests/e2e/bench/frames.mjs` drives the page (scroll, click,
//! j/k) and measures frame intervals, long tasks and the JS heap; this module fills the store, serves
//! it with the real HTTP stack and the built UI, and turns the script's answer into rows. The
//! ceiling is the same workload on the same page with nothing arriving, in the same run.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use hookbench_http::ServeConfig;
use serde::Deserialize;

use crate::report::Row;

pub struct UiOptions {
    pub captures: usize,
    /// The script (`tests/e2e/bench/frames.mjs`); `playwright-core` resolves from its folder.
    pub script: PathBuf,
    /// The built UI (`ui/dist`).
    pub ui_dir: PathBuf,
    pub chromium: PathBuf,
    /// Seconds per measured phase (quiet, then live).
    pub secs: u64,
    /// Seconds of live flood for the memory samples.
    pub soak_secs: u64,
    /// Live captures a second.
    pub rate: u32,
    /// Where the script's log goes.
    pub log: PathBuf,
}

#[derive(Debug, Deserialize)]
struct Frames {
    p50: f64,
    p95: f64,
    p99: f64,
    max: f64,
    frames: u64,
    over_50ms: u64,
    cycles: u64,
    input_p50: f64,
    input_p95: f64,
    long_tasks: u64,
    long_task_ms: u64,
}

#[derive(Debug, Deserialize)]
struct Traffic {
    sent: u64,
    acked: u64,
    failed: u64,
    secs: f64,
}

#[derive(Debug, Deserialize)]
struct Sample {
    heap_mb: f64,
    nodes: f64,
    #[serde(default)]
    at_s: u64,
}

#[derive(Debug, Deserialize)]
struct Memory {
    quiet: Sample,
    soak: Vec<Sample>,
}

#[derive(Debug, Deserialize)]
struct Answer {
    first_rows_ms: u64,
    quiet: Frames,
    live: Frames,
    live_traffic: Traffic,
    soak_traffic: Traffic,
    memory: Memory,
    newest_shown: bool,
}

/// What is missing to run the browser part, if anything.
fn missing(o: &UiOptions) -> Option<String> {
    let modules = o.script.parent().and_then(Path::parent).map(|e| e.join("node_modules/playwright-core"));
    if !o.script.exists() {
        return Some(format!("no script at {}", o.script.display()));
    }
    if !modules.is_some_and(|m| m.exists()) {
        return Some("tests/e2e has no node_modules: npm --prefix tests/e2e ci".into());
    }
    if !o.ui_dir.join("index.html").exists() {
        return Some(format!("no built UI in {}: npm --prefix ui run build", o.ui_dir.display()));
    }
    if !o.chromium.exists() {
        return Some(format!("no Chromium at {}", o.chromium.display()));
    }
    None
}

fn ms(v: f64) -> String {
    format!("{v:.1} ms")
}

pub async fn run(o: &UiOptions) -> anyhow::Result<Vec<Row>> {
    const WHAT: &str = "UI: Inbox frame time";
    if let Some(why) = missing(o) {
        return Ok(vec![Row::new(WHAT, "not measured").target_open("responsive, memory bounded").note(why)]);
    }
    let dir = tempfile::tempdir()?;
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data)?;
    eprintln!("  ui: filling a store with {} captures …", o.captures);
    crate::scale::fill(&data, o.captures).await?;

    let mut config = ServeConfig::new(data);
    config.receiver_addr = "127.0.0.1:0".parse()?;
    config.api_addr = "127.0.0.1:0".parse()?;
    config.ui_dir = Some(o.ui_dir.clone());
    let running = hookbench_http::start(config).await?;
    eprintln!(
        "  ui: driving Chromium ({} s quiet, {} s live, {} s soak at {}/s) …",
        o.secs, o.secs, o.soak_secs, o.rate
    );
    let script = std::fs::canonicalize(&o.script)?;
    let script_dir = script.parent().unwrap_or(Path::new("."));
    let child = std::process::Command::new("node")
        .arg(&script)
        .current_dir(script_dir)
        .env("API_URL", &running.api_url)
        .env("TOKEN", &running.token)
        .env("RECEIVER_URL", &running.receiver_url)
        .env("CHROMIUM", &o.chromium)
        .env("SECS", o.secs.to_string())
        .env("SOAK_SECS", o.soak_secs.to_string())
        .env("RATE", o.rate.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let child = match child {
        Ok(child) => child,
        Err(e) => {
            running.shutdown().await;
            return Ok(vec![Row::new(WHAT, "not measured").note(format!("cannot run node: {e}"))]);
        }
    };
    let pid = child.id();
    let budget = Duration::from_secs(120 + 4 * (o.secs + o.soak_secs));
    let output = tokio::time::timeout(budget, tokio::task::spawn_blocking(move || child.wait_with_output())).await;
    if output.is_err() {
        let _ = std::process::Command::new("kill").args(["-9", &pid.to_string()]).status();
    }
    running.shutdown().await;
    let output = match output {
        Ok(Ok(Ok(out))) => out,
        Ok(Ok(Err(e))) => anyhow::bail!("the UI script failed to run: {e}"),
        Ok(Err(e)) => anyhow::bail!("the UI script's waiter failed: {e}"),
        Err(_) => anyhow::bail!("the UI script did not finish in {} s", budget.as_secs()),
    };
    // The script's own log (phases, page errors), kept for a look after the run.
    let _ = std::fs::write(o.log.as_path(), [&output.stderr[..], &output.stdout[..]].concat());
    let stdout = String::from_utf8_lossy(&output.stdout);
    let Some(line) = stdout.lines().rev().find(|l| l.starts_with('{')) else {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let tail: String =
            stderr.lines().rev().take(8).collect::<Vec<_>>().into_iter().rev().collect::<Vec<_>>().join("\n");
        anyhow::bail!("the UI script printed no result ({}):\n{tail}", output.status);
    };
    let a: Answer = serde_json::from_str(line)?;
    if !a.newest_shown {
        eprintln!("  ui: the newest capture was not in the list; the script's answer: {line}");
    }
    Ok(rows(o, &a))
}

fn rows(o: &UiOptions, a: &Answer) -> Vec<Row> {
    let n = o.captures;
    let frame = 1000.0 / 60.0;
    let live_rate = a.live_traffic.acked as f64 / a.live_traffic.secs.max(0.001);
    let mut rows = vec![
        Row::new(format!("UI: Inbox first rows, {n} captures"), format!("{} ms", a.first_rows_ms))
            .target_open("-")
            .note("page load to the first capture row, Chromium headless"),
        Row::new(
            format!("UI: frame interval p95 scrolling + selecting, {n} captures, {}/s live", o.rate),
            format!("{} (p50 {}, p99 {}, max {})", ms(a.live.p95), ms(a.live.p50), ms(a.live.p99), ms(a.live.max)),
        )
        .ceiling(format!("{} same workload, nothing arriving", ms(a.quiet.p95)), a.live.p95 / a.quiet.p95.max(0.001))
        .target("responsive: p95 ≤ 2 frames (33 ms)", a.live.p95 <= 2.0 * frame + 0.5)
        .note(format!(
            "{} frames, {} over 50 ms (quiet: {}), long tasks {} / {} ms (quiet: {} / {} ms), {} workload cycles (quiet {}); \
             {:.0} captures/s acknowledged live ({} of {} sent), {} failed",
            a.live.frames,
            a.live.over_50ms,
            a.quiet.over_50ms,
            a.live.long_tasks,
            a.live.long_task_ms,
            a.quiet.long_tasks,
            a.quiet.long_task_ms,
            a.live.cycles,
            a.quiet.cycles,
            live_rate,
            a.live_traffic.acked,
            a.live_traffic.sent,
            a.live_traffic.failed,
        )),
        Row::new(
            format!("UI: input handled (wheel, click, j/k), p95, {}/s live", o.rate),
            format!("{} (p50 {})", ms(a.live.input_p95), ms(a.live.input_p50)),
        )
        .ceiling(format!("{} nothing arriving", ms(a.quiet.input_p95)), a.live.input_p95 / a.quiet.input_p95.max(0.001))
        .target("responsive: ≤ 100 ms", a.live.input_p95 <= 100.0)
        .note("from the DevTools input call to the page's acknowledgement"),
    ];
    let first = a.memory.soak.first();
    let last = a.memory.soak.last();
    if let (Some(first), Some(last)) = (first, last) {
        let peak = a.memory.soak.iter().map(|s| s.heap_mb).fold(0.0, f64::max);
        let soaked = a.soak_traffic.acked;
        // Bounded: the heap after the flood is not above the peak of its first samples by more than
        // a few MB, while every capture adds about 1 KB to an unbounded list.
        let early_peak = a.memory.soak.iter().take(2).map(|s| s.heap_mb).fold(0.0, f64::max);
        let bounded = last.heap_mb <= early_peak + 5.0;
        rows.push(
            Row::new(
                format!("UI: JS heap under a {}/s flood, {} s", o.rate, last.at_s),
                format!("{:.1} MB → {:.1} MB (peak {:.1} MB)", first.heap_mb, last.heap_mb, peak),
            )
            .ceiling(format!("{:.1} MB quiet", a.memory.quiet.heap_mb), last.heap_mb / a.memory.quiet.heap_mb.max(0.001))
            .target("bounded", bounded)
            .note(format!(
                "after a forced GC; {soaked} captures arrived; DOM nodes {:.0} → {:.0}; the newest capture {} in the list",
                first.nodes,
                last.nodes,
                if a.newest_shown { "was" } else { "was NOT" }
            )),
        );
    }
    rows
}
