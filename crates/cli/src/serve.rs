//! `hookbench serve`: the engine headless, with the UI for a browser.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;
use clap::Args;
use hookbench_http::{Running, ServeConfig, StartError};

use crate::addr::{parse_listen_addr, parse_size};

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Where the receiver listens for webhooks (port 0 picks a free port).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:9000", value_parser = parse_listen_addr)]
    receiver: SocketAddr,
    /// Where the control API and the UI listen.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:9001", value_parser = parse_listen_addr)]
    api: SocketAddr,
    /// The data directory (holds hookbench.db). Default: the platform data dir, shared with the desktop app.
    #[arg(long, value_name = "DIR", env = "HOOKBENCH_DATA_DIR")]
    data: Option<PathBuf>,
    /// The control API token. Default: a new random token each launch.
    #[arg(long, value_name = "TOKEN", env = "HOOKBENCH_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// Write `{"receiver_url","api_url","token"}` here once both listeners accept connections.
    #[arg(long, value_name = "PATH")]
    ready_file: Option<PathBuf>,
    /// Largest request body stored; larger ones get 413 and only their metadata is kept.
    #[arg(long, value_name = "SIZE", default_value = "10MiB", value_parser = parse_size)]
    max_body: usize,
    /// Serve the UI from this folder instead of the bundle built into the binary.
    #[arg(long, value_name = "DIR")]
    ui_dir: Option<PathBuf>,
    /// A client that has not sent a request's whole head by then is disconnected (e.g. 30s, 500ms).
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = parse_duration)]
    header_timeout: Duration,
    /// A request body that has not fully arrived by then gets 408 and is not stored (e.g. 60s).
    #[arg(long, value_name = "DURATION", default_value = "60s", value_parser = parse_duration)]
    body_timeout: Duration,
    /// Allow --receiver and --api on addresses other than loopback (e.g. 0.0.0.0): anyone on the
    /// network can then send webhooks, and reach the API with the token.
    #[arg(long)]
    allow_remote: bool,
}

/// Durations as people type them: `30s`, `500ms`, `2m`; a bare number is seconds.
fn parse_duration(text: &str) -> Result<Duration, String> {
    let t = text.trim().to_ascii_lowercase();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (digits, unit) = t.split_at(split);
    let n: u64 = digits.parse().map_err(|_| format!("'{text}' is not a duration: use e.g. 30s, 500ms or 2m"))?;
    let duration = match unit.trim() {
        "" | "s" => Duration::from_secs(n),
        "ms" => Duration::from_millis(n),
        "m" | "min" => Duration::from_secs(n.saturating_mul(60)),
        other => return Err(format!("unknown duration unit '{other}' in '{text}': use ms, s or m")),
    };
    if duration.is_zero() {
        return Err(format!("'{text}' is zero: a timeout must be longer than that"));
    }
    Ok(duration)
}

/// Exit code for a listener that cannot be had (port in use, permission denied).
const EXIT_LISTEN: u8 = 2;

pub fn run(args: ServeArgs) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async move {
        let data_dir = match args.data.clone().map_or_else(default_data_dir, Ok) {
            Ok(dir) => dir,
            Err(e) => {
                eprintln!("error: {e:#}");
                return ExitCode::FAILURE;
            }
        };
        let config = ServeConfig {
            receiver_addr: args.receiver,
            api_addr: args.api,
            data_dir: data_dir.clone(),
            token: args.token.clone(),
            max_body_bytes: args.max_body,
            ui_dir: args.ui_dir.clone(),
            allowed_origins: Vec::new(),
            header_timeout: args.header_timeout,
            body_timeout: args.body_timeout,
            allow_remote: args.allow_remote,
        };
        let running = match hookbench_http::start(config).await {
            Ok(running) => running,
            Err(e @ (StartError::PortInUse { .. } | StartError::Bind { .. } | StartError::RemoteNotAllowed { .. })) => {
                eprintln!("error: {e}");
                return ExitCode::from(EXIT_LISTEN);
            }
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::FAILURE;
            }
        };
        announce(&running, &data_dir);
        if let Some(path) = &args.ready_file
            && let Err(e) = write_ready_file(path, &running)
        {
            eprintln!("error: {e:#}");
            running.shutdown().await;
            return ExitCode::FAILURE;
        }
        wait_for_stop_signal().await;
        eprintln!("stopping: finishing requests in flight");
        running.shutdown().await;
        ExitCode::SUCCESS
    })
}

pub fn default_data_dir() -> anyhow::Result<PathBuf> {
    directories::BaseDirs::new()
        .map(|d| d.data_dir().join("dev.hookbench.app"))
        .context("cannot find the platform data directory (is HOME set?); pass --data DIR")
}

fn announce(running: &Running, data_dir: &Path) {
    for (role, addr) in [("receiver", running.receiver_addr), ("api", running.api_addr)] {
        if !addr.ip().is_loopback() {
            eprintln!("warning: the {role} listens on {addr}, reachable from other machines (--allow-remote)");
        }
    }
    println!("receiver: {}", running.receiver_url);
    println!("api: {}", running.api_url);
    println!("ui: {}/?token={}", running.api_url, running.token);
    println!("data: {}", data_dir.display());
}

fn write_ready_file(path: &Path, running: &Running) -> anyhow::Result<()> {
    let doc = serde_json::json!({
        "receiver_url": running.receiver_url,
        "api_url": running.api_url,
        "token": running.token,
    });
    // Write then rename, so a reader never sees half a file. It holds the token: owner-only.
    let tmp = path.with_extension("tmp");
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
        .open(&tmp)
        .and_then(|mut file| std::io::Write::write_all(&mut file, doc.to_string().as_bytes()))
        .with_context(|| format!("writing the ready file {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("writing the ready file {}", path.display()))?;
    Ok(())
}

async fn wait_for_stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_with_units_and_zero_is_refused() {
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("7"), Ok(Duration::from_secs(7)));
        assert!(parse_duration("0s").unwrap_err().contains("zero"));
        assert!(parse_duration("5h").unwrap_err().contains("unit"));
        assert!(parse_duration("soon").unwrap_err().contains("not a duration"));
    }
}
