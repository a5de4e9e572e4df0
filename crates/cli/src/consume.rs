//! `hookbench consume --endpoint ID`: print an endpoint's captures as JSON lines (headers and body
//! base64) and acknowledge each page after printing it, so a consumer that stops midway gets the
//! rest (and at most the last page again) next time: at-least-once.

use std::io::Write as _;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::Args;
use reqwest::Method;
use serde_json::{Value, json};

use crate::client::ApiArgs;

/// How long one poll waits for a capture with `--follow`.
const FOLLOW_WAIT_SECS: u64 = 25;

#[derive(Args, Debug)]
pub struct ConsumeArgs {
    /// The endpoint (id or path prefix such as /stripe).
    #[arg(long, value_name = "ID|PREFIX")]
    endpoint: String,
    /// The consumer's name: its acknowledged position is kept by the engine.
    #[arg(long, value_name = "NAME", default_value = "cli")]
    consumer: String,
    /// Keep waiting for new captures (until Ctrl-C) instead of exiting once caught up.
    #[arg(long)]
    follow: bool,
    /// Captures per page (1–500).
    #[arg(long, default_value_t = 100)]
    limit: usize,
    #[command(flatten)]
    api: ApiArgs,
}

pub fn consume(args: ConsumeArgs) -> ExitCode {
    crate::block_on(async move {
        let client = args.api.connect()?;
        let endpoint = crate::listen::find_endpoint(&client, Some(&args.endpoint)).await?;
        let id = endpoint["id"].as_i64().context("the endpoint has no id")?;
        let consumer = args.consumer.clone();
        let work = async {
            loop {
                let wait = if args.follow { FOLLOW_WAIT_SECS } else { 0 };
                let path = format!(
                    "/api/endpoints/{id}/poll?consumer={}&limit={}&wait={wait}",
                    urlencode(&consumer),
                    args.limit
                );
                let page: Value = client.send(Method::GET, &path, None).await?;
                let items = page["items"].as_array().cloned().unwrap_or_default();
                if items.is_empty() {
                    if args.follow {
                        continue;
                    }
                    return Ok::<_, anyhow::Error>(());
                }
                {
                    let mut out = std::io::stdout().lock();
                    for capture in &items {
                        writeln!(out, "{}", serde_json::to_string(capture)?).context("writing to stdout")?;
                    }
                    out.flush().context("writing to stdout")?;
                }
                if let Some(last) = page["next_cursor"].as_i64() {
                    let body = json!({"consumer": consumer, "id": last});
                    let _: Value = client.send(Method::POST, &format!("/api/endpoints/{id}/ack"), Some(&body)).await?;
                }
            }
        };
        tokio::select! {
            result = work => result?,
            _ = tokio::signal::ctrl_c() => {}
        }
        Ok(ExitCode::SUCCESS)
    })
}

/// Percent-encodes a query value (consumer names are checked by the engine; this keeps the URL whole).
fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
