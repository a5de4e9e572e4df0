//! `hookbench-bench`: the end-to-end benchmarks on loopback, one table, also written as JSON.

use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;
use hookbench_bench::report::{Machine, Report, load_average};
use hookbench_bench::{capture, desktop, outbox, scale, ui};

#[derive(Debug, Parser)]
#[command(about = "Hookbench's end-to-end benchmarks, each against a ceiling measured in the same run")]
struct Args {
    /// Which parts to run (comma-separated): capture, delivery, scheduler, store, ui, desktop.
    #[arg(long, default_value = "capture,delivery,scheduler,store,ui,desktop", value_delimiter = ',')]
    only: Vec<String>,
    /// Captures in the store-at-scale run (the target is 1,000,000).
    #[arg(long, default_value_t = 1_000_000)]
    captures: usize,
    /// Seconds per measured round of the capture benchmark.
    #[arg(long, default_value_t = 4.0)]
    round_secs: f64,
    /// Interleaved rounds (capture and delivery).
    #[arg(long, default_value_t = 3)]
    rounds: usize,
    #[arg(long, default_value_t = 64)]
    connections: usize,
    /// The venv python with fastapi + uvicorn for the comparison receiver.
    #[arg(long)]
    python: Option<PathBuf>,
    /// The folder of the FastAPI receiver (app.py).
    #[arg(long, default_value = "tests/bench-py")]
    python_app: PathBuf,
    /// Events per delivery round.
    #[arg(long, default_value_t = 10_000)]
    delivery_events: usize,
    /// Attempts in flight for the delivery benchmark (and its reqwest ceiling's workers).
    #[arg(long, default_value_t = 32)]
    delivery_concurrency: u32,
    /// Pending events for the scheduler benchmark.
    #[arg(long, default_value_t = 100_000)]
    scheduler_events: usize,
    /// Seconds over which the scheduler's events fall due.
    #[arg(long, default_value_t = 10)]
    scheduler_spread_secs: u64,
    /// Seconds of idle CPU measurement.
    #[arg(long, default_value_t = 5)]
    idle_secs: u64,
    /// Captures in the store behind the UI benchmark (default: --captures).
    #[arg(long)]
    ui_captures: Option<usize>,
    /// Seconds per measured phase of the UI benchmark (quiet, then live).
    #[arg(long, default_value_t = 10)]
    ui_secs: u64,
    /// Seconds of live flood while the UI's memory is sampled.
    #[arg(long, default_value_t = 30)]
    ui_soak_secs: u64,
    /// Live captures a second during the UI benchmark.
    #[arg(long, default_value_t = 500)]
    ui_rate: u32,
    /// Debian's Chromium, for the UI benchmark.
    #[arg(long, default_value = "/usr/bin/chromium")]
    chromium: PathBuf,
    /// The release desktop binary, when built (BENCH_DESKTOP=1 make bench).
    #[arg(long)]
    desktop_bin: Option<PathBuf>,
    #[arg(long, default_value = "target/release/bundle")]
    bundle_dir: PathBuf,
    #[arg(long, default_value = "target/bench/latest.json")]
    out: PathBuf,
    /// Profiling aid: only start a receiver (port 0, temp dir), print its address, run this many seconds.
    #[arg(long)]
    serve_secs: Option<u64>,
    /// Profiling aid: only load this receiver address for --round-secs with --connections and print the rate.
    #[arg(long)]
    load: Option<std::net::SocketAddr>,
}

fn today() -> String {
    let ms = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64);
    hookbench_domain::clock::format_rfc3339(ms)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if let Some(secs) = args.serve_secs {
        return capture::serve_only(Duration::from_secs(secs)).await;
    }
    if let Some(addr) = args.load {
        return capture::load_only(addr, args.connections, Duration::from_secs_f64(args.round_secs)).await;
    }
    let wants = |part: &str| args.only.iter().any(|p| p == part);
    let mut report = Report { date: today(), machine: Machine::read(), rows: Vec::new() };
    eprintln!(
        "hookbench-bench on {} × {} ({}), load {}",
        report.machine.cpus, report.machine.cpu_model, report.machine.memory, report.machine.load_start
    );
    if wants("capture") {
        eprintln!("capture throughput …");
        let options = capture::CaptureOptions {
            connections: args.connections,
            round: Duration::from_secs_f64(args.round_secs),
            rounds: args.rounds,
            python: args.python.clone(),
            python_app: args.python_app.clone(),
        };
        report.rows.extend(capture::run(&options).await?);
    }
    if wants("delivery") {
        eprintln!("delivery throughput …");
        report.rows.extend(outbox::delivery(args.delivery_events, args.delivery_concurrency, args.rounds).await?);
    }
    if wants("scheduler") {
        eprintln!("scheduler …");
        let spread = Duration::from_secs(args.scheduler_spread_secs);
        let idle = Duration::from_secs(args.idle_secs);
        report.rows.extend(outbox::scheduler(args.scheduler_events, spread, idle, 64).await?);
    }
    if wants("store") {
        eprintln!("store at scale ({} captures) …", args.captures);
        report.rows.extend(scale::run(args.captures).await?);
    }
    if wants("ui") {
        let options = ui::UiOptions {
            captures: args.ui_captures.unwrap_or(args.captures),
            script: PathBuf::from("tests/e2e/bench/frames.mjs"),
            ui_dir: PathBuf::from("ui/dist"),
            chromium: args.chromium.clone(),
            secs: args.ui_secs,
            soak_secs: args.ui_soak_secs,
            rate: args.ui_rate,
            log: args.out.with_file_name("ui-script.log"),
        };
        eprintln!("UI under a live flood ({} captures) …", options.captures);
        report.rows.extend(ui::run(&options).await?);
    }
    if wants("desktop") {
        report.rows.extend(desktop::rows(args.desktop_bin.as_deref(), &args.bundle_dir));
    }
    report.machine.load_end = load_average();
    println!(
        "\nHookbench benchmarks — {} — {} CPUs, {}, {} — load average {} → {}\n",
        report.date,
        report.machine.cpus,
        report.machine.cpu_model,
        report.machine.memory,
        report.machine.load_start,
        report.machine.load_end
    );
    println!("{}", report.table());
    if let Some(parent) = args.out.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(&args.out, serde_json::to_string_pretty(&report)?)?;
    println!("written to {}", args.out.display());
    Ok(())
}
