//! `hookbench`: the engine headless (`serve`) and the tools scripts and CI use.

mod addr;
mod serve;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "hookbench", version, about = "A workbench for webhooks: catch, inspect, check, send and replay them.")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the receiver and the control API headless, and serve the UI in a browser.
    Serve(serve::ServeArgs),
    /// Print the control API's OpenAPI document (JSON).
    Openapi,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("HOOKBENCH_LOG").unwrap_or_else(|_| "warn,hookbench=info".into()),
        )
        .init();
    match cli.command {
        Command::Serve(args) => serve::run(args),
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
