//! `hookbench settings`: show or change a running Hookbench's engine-wide settings.

use std::process::ExitCode;

use clap::Args;
use reqwest::Method;
use serde_json::{Value, json};

use crate::client::ApiArgs;

#[derive(Args, Debug)]
pub struct SettingsArgs {
    /// The sender's global speed factor (1 = real time, 60 = an hour in a minute, up to 3600). It
    /// applies to every event whose own time scale is 1×; waiting retries are moved to match.
    #[arg(long, value_name = "FACTOR")]
    time_scale: Option<f64>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    api: ApiArgs,
}

pub fn run(args: SettingsArgs) -> ExitCode {
    crate::block_on(async move {
        let client = args.api.connect()?;
        let settings: Value = match args.time_scale {
            Some(scale) => client.send(Method::PUT, "/api/settings", Some(&json!({ "time_scale": scale }))).await?,
            None => client.send(Method::GET, "/api/settings", None).await?,
        };
        if args.json {
            println!("{}", serde_json::to_string_pretty(&settings)?);
        } else {
            let scale = settings["time_scale"].as_f64().unwrap_or(1.0);
            println!("time scale  {scale}× (events without their own scale)");
        }
        Ok(ExitCode::SUCCESS)
    })
}
