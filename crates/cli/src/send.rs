//! `hookbench send …` puts an event in a running Hookbench's outbox (and with `--wait` follows it
//! to the end); `hookbench events …` lists, shows, retries, cancels and resends events.

use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context as _, bail};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use clap::{Args, Subcommand};
use reqwest::Method;
use serde_json::{Value, json};

use crate::client::{ApiArgs, Client};
use crate::scheme::{SchemeArgs, scheme_from_args};

/// How often `--wait` looks at the event again.
const FOLLOW_EVERY: Duration = Duration::from_millis(200);

#[derive(Args, Debug)]
pub struct SendArgs {
    /// Send straight to this URL (the default settings: Standard Webhooks when a secret is given,
    /// the `standard` retry policy).
    #[arg(long, value_name = "URL", required_unless_present = "destination", conflicts_with = "destination")]
    to: Option<String>,
    /// Send to this destination (name or id), with its settings.
    #[arg(long, value_name = "NAME")]
    destination: Option<String>,
    /// The body: `@FILE` for a file's bytes, or the text itself.
    #[arg(long, short = 'd', value_name = "@FILE|TEXT")]
    data: Option<String>,
    /// An extra header, `'Name: value'`; repeat for more.
    #[arg(long = "header", short = 'H', value_name = "'K: V'")]
    headers: Vec<String>,
    /// The HTTP method (default POST).
    #[arg(long, short = 'X')]
    method: Option<String>,
    #[command(flatten)]
    scheme: SchemeArgs,
    /// Sign each attempt with this secret.
    #[arg(long, value_name = "SECRET")]
    secret: Option<String>,
    /// A retry preset (svix, stripe-like, standard, none, aggressive) or a policy as JSON.
    #[arg(long, value_name = "PRESET|JSON")]
    policy: Option<String>,
    /// Run the retry schedule this many times faster (1 to 3600).
    #[arg(long, value_name = "FACTOR")]
    time_scale: Option<f64>,
    /// Follow the event, printing each attempt, until it is delivered (exit 0) or dead (exit 1).
    #[arg(long)]
    wait: bool,
    /// Print the stored event as JSON.
    #[arg(long)]
    json: bool,
    /// The control API of a running Hookbench. Default: read from the data dir's connection file.
    #[arg(long, value_name = "URL", env = "HOOKBENCH_API")]
    api: Option<String>,
    /// The control API token. Default: read from the data dir's connection file.
    #[arg(long, value_name = "TOKEN", env = "HOOKBENCH_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// The data dir whose running engine to talk to (`--data` here is the payload).
    #[arg(long, value_name = "DIR", env = "HOOKBENCH_DATA_DIR")]
    data_dir: Option<std::path::PathBuf>,
}

pub fn send(args: SendArgs) -> ExitCode {
    crate::block_on(async move {
        let body = event_body(&args)?;
        let api = ApiArgs::from_parts(args.api.clone(), args.token.clone(), args.data_dir.clone());
        let client = api.connect()?;
        let event: Value = client.send(Method::POST, "/api/events", Some(&body)).await?;
        let id = event["id"].as_i64().context("the stored event has no id")?;
        if args.json {
            println!("{}", serde_json::to_string_pretty(&event)?);
        } else {
            println!(
                "event {id} stored ({}) for {}",
                event["idempotency_key"].as_str().unwrap_or("?"),
                event["url"].as_str().unwrap_or("?")
            );
        }
        if !args.wait {
            return Ok(ExitCode::SUCCESS);
        }
        follow(&client, id).await
    })
}

fn event_body(args: &SendArgs) -> anyhow::Result<Value> {
    let mut body = json!({});
    if let Some(url) = &args.to {
        body["url"] = json!(url);
    }
    if let Some(destination) = &args.destination {
        body["destination"] = json!(destination);
    }
    match args.data.as_deref() {
        Some(path) if path.starts_with('@') => {
            let file = &path[1..];
            let bytes = std::fs::read(file).with_context(|| format!("reading --data file {file}"))?;
            match String::from_utf8(bytes) {
                Ok(text) => body["body"] = json!(text),
                Err(e) => body["body_base64"] = json!(BASE64.encode(e.as_bytes())),
            }
        }
        Some(text) => body["body"] = json!(text),
        None => {}
    }
    let mut headers = Vec::new();
    for line in &args.headers {
        let Some((name, value)) = line.split_once(':') else { bail!("--header '{line}' is not 'Name: value'") };
        headers.push(json!({"name": name.trim(), "value": value.trim()}));
    }
    body["headers"] = Value::Array(headers);
    if let Some(method) = &args.method {
        body["method"] = json!(method);
    }
    if let Some(scheme) = scheme_from_args(&args.scheme)? {
        body["scheme"] = serde_json::to_value(scheme)?;
    }
    if let Some(secret) = &args.secret {
        body["secret"] = json!(secret);
    }
    if let Some(policy) = &args.policy {
        body["policy"] = policy_value(policy)?;
    }
    if let Some(scale) = args.time_scale {
        body["time_scale"] = json!(scale);
    }
    Ok(body)
}

/// A preset id as a string, or a policy written as JSON.
pub fn policy_value(text: &str) -> anyhow::Result<Value> {
    if text.trim_start().starts_with('{') {
        serde_json::from_str(text).context("--policy is not JSON")
    } else {
        Ok(json!(text.trim()))
    }
}

/// Prints each attempt as it finishes until the event is delivered (exit 0), dead or cancelled (exit 1).
pub async fn follow(client: &Client, id: i64) -> anyhow::Result<ExitCode> {
    let mut printed = 0;
    loop {
        let event: Value = client.send(Method::GET, &format!("/api/events/{id}"), None).await?;
        let attempts = event["attempts"].as_array().cloned().unwrap_or_default();
        for attempt in attempts.iter().skip(printed).filter(|a| a["state"] != "in_flight") {
            println!("{}", attempt_line(attempt));
            printed += 1;
        }
        match event["state"].as_str() {
            Some("delivered") => {
                println!("delivered on attempt {}", event["attempts"].as_array().map_or(0, Vec::len));
                return Ok(ExitCode::SUCCESS);
            }
            Some("dead") => {
                println!("dead letter: {}", event["dead_reason"].as_str().unwrap_or("no reason recorded"));
                return Ok(ExitCode::FAILURE);
            }
            Some("cancelled") => {
                println!("cancelled");
                return Ok(ExitCode::FAILURE);
            }
            _ => tokio::time::sleep(FOLLOW_EVERY).await,
        }
    }
}

/// `attempt 2  503  12 ms  503 is retryable; attempt 3 of 5 at +200ms`.
fn attempt_line(attempt: &Value) -> String {
    let outcome = match attempt["response"]["status"].as_u64() {
        Some(status) => status.to_string(),
        None => attempt["error_class"].as_str().unwrap_or("error").to_owned(),
    };
    let duration = attempt["duration_ms"].as_u64().map(|ms| format!("{ms} ms")).unwrap_or_else(|| "-".into());
    let next = match attempt["next"]["kind"].as_str() {
        Some("done") => "delivered".to_owned(),
        _ => attempt["next"]["because"].as_str().unwrap_or("").to_owned(),
    };
    format!("attempt {:<3} {:<16} {:>8}  {next}", attempt["number"], outcome, duration)
}

#[derive(Args, Debug)]
pub struct EventsArgs {
    #[command(subcommand)]
    command: EventsCommand,
    #[command(flatten)]
    api: ApiArgs,
}

#[derive(Subcommand, Debug)]
enum EventsCommand {
    /// List events, newest first.
    List {
        /// pending, delivering, delivered, retrying, dead or cancelled.
        #[arg(long)]
        state: Option<String>,
        /// Only this destination's (id).
        #[arg(long)]
        destination: Option<i64>,
        #[arg(long, default_value_t = 50)]
        limit: u32,
        #[arg(long)]
        json: bool,
    },
    /// Show one event with its attempts, timeline marks and planned attempts, as JSON.
    Show { id: i64 },
    /// Make an event due now (retrying, dead or cancelled).
    Retry { id: i64 },
    /// Stop an event's attempts.
    Cancel { id: i64 },
    /// Send an event's payload again as a new event.
    Resend { id: i64 },
}

pub fn events(args: EventsArgs) -> ExitCode {
    crate::block_on(async move {
        let client = args.api.connect()?;
        match args.command {
            EventsCommand::List { state, destination, limit, json } => {
                let mut path = format!("/api/events?limit={limit}");
                if let Some(state) = state {
                    path.push_str(&format!("&state={state}"));
                }
                if let Some(destination) = destination {
                    path.push_str(&format!("&destination={destination}"));
                }
                let page: Value = client.send(Method::GET, &path, None).await?;
                if json {
                    println!("{}", serde_json::to_string_pretty(&page)?);
                    return Ok(ExitCode::SUCCESS);
                }
                for e in page["items"].as_array().into_iter().flatten() {
                    println!(
                        "{:>6}  {:<10} {:>3} attempt(s)  {:<5} {}",
                        e["id"],
                        e["state"].as_str().unwrap_or("?"),
                        e["attempt_count"],
                        e["last_status"].as_u64().map(|s| s.to_string()).unwrap_or_else(|| "-".into()),
                        e["url"].as_str().unwrap_or("?")
                    );
                }
            }
            EventsCommand::Show { id } => {
                let event: Value = client.send(Method::GET, &format!("/api/events/{id}"), None).await?;
                println!("{}", serde_json::to_string_pretty(&event)?);
            }
            EventsCommand::Retry { id } => {
                let event: Value = client.send(Method::POST, &format!("/api/events/{id}/retry"), None).await?;
                println!("event {id} is {} and due now", event["state"].as_str().unwrap_or("?"));
            }
            EventsCommand::Cancel { id } => {
                let event: Value = client.send(Method::POST, &format!("/api/events/{id}/cancel"), None).await?;
                println!("event {id} is {}", event["state"].as_str().unwrap_or("?"));
            }
            EventsCommand::Resend { id } => {
                let event: Value = client.send(Method::POST, &format!("/api/events/{id}/resend"), None).await?;
                println!("event {id} resent as event {}", event["id"]);
            }
        }
        Ok(ExitCode::SUCCESS)
    })
}
