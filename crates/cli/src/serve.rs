//! `hookbench serve`: the engine headless, with the UI for a browser.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

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
        };
        let running = match hookbench_http::start(config).await {
            Ok(running) => running,
            Err(e @ (StartError::PortInUse { .. } | StartError::Bind { .. })) => {
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
            eprintln!("warning: the {role} listens on {addr}, reachable from other machines");
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
    // Write then rename, so a reader never sees half a file.
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, doc.to_string()).with_context(|| format!("writing the ready file {}", tmp.display()))?;
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
