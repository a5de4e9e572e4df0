//! `hookbench`: the engine headless (`serve`) and the tools scripts and CI use.

mod addr;
mod client;
mod consume;
mod destinations;
mod endpoints;
mod faults;
mod listen;
mod observe;
mod replay;
mod scheme;
mod send;
mod serve;
mod settings;
mod verify;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "hookbench",
    version,
    about = "A workbench for webhooks: catch, inspect, check, send and replay them."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the receiver and the control API headless, and serve the UI in a browser.
    Serve(serve::ServeArgs),
    /// Manage the endpoints of a running Hookbench (path prefixes with signature and duplicate checks).
    Endpoints(endpoints::EndpointsArgs),
    /// Make an endpoint misbehave on purpose (outages, 5xx, 429, latency, resets), or heal it.
    Fault(faults::FaultArgs),
    /// Send a webhook through the outbox (retried, signed); `--wait` follows it: exit 0 delivered, 1 dead.
    Send(send::SendArgs),
    /// Manage destinations: target URLs with signing, retry policy, breaker and limits.
    Destinations(destinations::DestinationsArgs),
    /// List, show, retry, cancel and resend outbound events.
    Events(send::EventsArgs),
    /// Forward an endpoint's captures to a local app (retried; --wait, --hold), printing each
    /// capture and attempt until Ctrl-C, which turns forwarding back off.
    Listen(listen::ListenArgs),
    /// Release held forward events: one (optionally with a new body), or all of an endpoint.
    Release(listen::ReleaseArgs),
    /// Print an endpoint's captures as JSON lines and acknowledge them (at-least-once).
    Consume(consume::ConsumeArgs),
    /// Replay captures (one, or in bulk with progress), resend events in bulk; pause, resume, cancel.
    Replay(replay::ReplayArgs),
    /// Export captures or events as HAR 1.2, JSON Lines or a cURL script (redacted unless --no-redact).
    Export(replay::ExportArgs),
    /// Import a HAR file, JSON Lines or curl commands as captures.
    Import(replay::ImportArgs),
    /// List captures: full-text search and filters.
    Captures(observe::CapturesArgs),
    /// The dashboard's figures per destination and endpoint (or Prometheus text).
    Metrics(observe::MetricsArgs),
    /// Active alerts (exit 1 when any fires), or `alerts set` to change the rules.
    Alerts(observe::AlertsArgs),
    /// Show or change engine-wide settings (the sender's global time scale).
    Settings(settings::SettingsArgs),
    /// Check a webhook signature: exit 0 valid, 1 invalid, 2 usage error.
    Verify(verify::VerifyArgs),
    /// Sign a payload the way a provider would, and print the headers it would send.
    Sign(verify::SignArgs),
    /// List the signature schemes this build knows.
    Schemes,
    /// Print the control API's OpenAPI document (JSON).
    Openapi,
}

/// Runs an async command on a small runtime; errors print as one line and exit 1.
pub fn block_on(work: impl std::future::Future<Output = anyhow::Result<ExitCode>>) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(work) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("HOOKBENCH_LOG")
                .unwrap_or_else(|_| "warn,hookbench=info".into()),
        )
        .init();
    match cli.command {
        Command::Serve(args) => serve::run(args),
        Command::Endpoints(args) => endpoints::run(args),
        Command::Fault(args) => faults::run(args),
        Command::Send(args) => send::send(args),
        Command::Destinations(args) => destinations::run(args),
        Command::Events(args) => send::events(args),
        Command::Listen(args) => listen::listen(args),
        Command::Release(args) => listen::release(args),
        Command::Consume(args) => consume::consume(args),
        Command::Settings(args) => settings::run(args),
        Command::Replay(args) => replay::run(args),
        Command::Captures(args) => observe::captures(args),
        Command::Metrics(args) => observe::metrics(args),
        Command::Alerts(args) => observe::alerts(args),
        Command::Export(args) => replay::export(args),
        Command::Import(args) => replay::import(args),
        Command::Verify(args) => verify::verify(args),
        Command::Sign(args) => verify::sign(args),
        Command::Schemes => {
            scheme::print_schemes();
            ExitCode::SUCCESS
        }
        Command::Openapi => match serde_json::to_string_pretty(&hookbench_http::openapi()) {
            Ok(doc) => {
                println!("{doc}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: cannot render the OpenAPI document: {e}");
                ExitCode::FAILURE
            }
        },
    }
}
