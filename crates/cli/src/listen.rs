//! `hookbench listen --forward-to URL`: forward an endpoint's captures to a local app (like
//! `stripe listen`), printing one line per capture and per attempt until Ctrl-C, which turns
//! forwarding back to what it was (`--keep` leaves it on). `hookbench release` lets held events go.

use std::collections::BTreeMap;
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use clap::Args;
use reqwest::Method;
use serde_json::{Value, json};

use crate::client::{ApiArgs, Client};

/// How long one poll for new captures waits on the engine before the attempts are looked at.
const POLL_WAIT_SECS: u64 = 1;

#[derive(Args, Debug)]
pub struct ListenArgs {
    /// The endpoint to forward (id or path prefix such as /stripe). Default: the default endpoint.
    #[arg(long, value_name = "ID|PREFIX")]
    endpoint: Option<String>,
    /// The app's URL, e.g. http://localhost:3000/webhooks.
    #[arg(long, value_name = "URL")]
    forward_to: String,
    /// Answer the provider with the app's answer (or 504/502) instead of at once.
    #[arg(long)]
    wait: bool,
    /// Hold forwarded events until released (`hookbench release`, or the UI).
    #[arg(long)]
    hold: bool,
    /// A retry preset (svix, stripe-like, standard, none, aggressive) or a policy as JSON.
    /// Default: every second, doubling up to a minute, for a day.
    #[arg(long, value_name = "PRESET|JSON")]
    policy: Option<String>,
    /// Append the request's path below the endpoint's prefix, and its query, to the URL.
    #[arg(long)]
    append_path: bool,
    /// Each attempt's timeout (and how long --wait waits), in milliseconds.
    #[arg(long, value_name = "MS")]
    timeout_ms: Option<u64>,
    /// Leave forwarding on after Ctrl-C (default: put the endpoint's forward setting back as it was).
    #[arg(long)]
    keep: bool,
    #[command(flatten)]
    api: ApiArgs,
}

pub fn listen(args: ListenArgs) -> ExitCode {
    crate::block_on(async move {
        let client = args.api.connect()?;
        let endpoint = find_endpoint(&client, args.endpoint.as_deref()).await?;
        let id = endpoint["id"].as_i64().context("the endpoint has no id")?;
        let mut forward = json!({
            "url": args.forward_to,
            "wait": args.wait,
            "hold": args.hold,
            "append_path": args.append_path,
        });
        if let Some(policy) = &args.policy {
            forward["policy"] = crate::send::policy_value(policy)?;
        }
        if let Some(ms) = args.timeout_ms {
            forward["timeout_ms"] = json!(ms);
        }
        let before = endpoint.get("forward").cloned().unwrap_or(Value::Null);
        let start = newest_capture(&client, id).await?;
        put_forward(&client, &endpoint, forward).await?;
        let info: Value = client.send(Method::GET, "/api/info", None).await?;
        let prefix = endpoint["path_prefix"].as_str().unwrap_or("");
        println!(
            "forwarding {}{prefix} (endpoint {id}) to {}{}{}; Ctrl-C to stop",
            info["receiver_url"].as_str().unwrap_or("the receiver"),
            args.forward_to,
            if args.wait { ", answering with the app's reply" } else { "" },
            if args.hold { ", holding each event until released" } else { "" },
        );
        let followed = tokio::select! {
            result = follow(&client, id, start) => result,
            _ = tokio::signal::ctrl_c() => Ok(()),
        };
        if !args.keep {
            put_forward(&client, &endpoint, before).await?;
            println!("forwarding off (events already stored still retry; see hookbench events list)");
        }
        followed?;
        Ok(ExitCode::SUCCESS)
    })
}

/// An endpoint by id or path prefix; the default endpoint when none is named.
pub async fn find_endpoint(client: &Client, named: Option<&str>) -> anyhow::Result<Value> {
    let all: Vec<Value> = client.send(Method::GET, "/api/endpoints", None).await?;
    let found = match named {
        None => all.iter().find(|e| e["id"] == 1),
        Some(text) => match text.parse::<i64>() {
            Ok(id) => all.iter().find(|e| e["id"] == id),
            Err(_) => {
                let prefix = text.trim_end_matches('/');
                all.iter().find(|e| e["path_prefix"] == prefix)
            }
        },
    };
    match found {
        Some(e) => Ok(e.clone()),
        None => bail!("no endpoint {}; see hookbench endpoints list", named.unwrap_or("1")),
    }
}

async fn put_forward(client: &Client, endpoint: &Value, forward: Value) -> anyhow::Result<()> {
    let mut doc = endpoint.clone();
    let id = doc["id"].as_i64().context("the endpoint has no id")?;
    if let Some(map) = doc.as_object_mut() {
        for key in ["id", "created_at", "updated_at"] {
            map.remove(key);
        }
    }
    doc["forward"] = forward;
    let _: Value = client.send(Method::PUT, &format!("/api/endpoints/{id}"), Some(&doc)).await?;
    Ok(())
}

async fn newest_capture(client: &Client, endpoint: i64) -> anyhow::Result<i64> {
    let page: Value = client.send(Method::GET, &format!("/api/captures?endpoint={endpoint}&limit=1"), None).await?;
    Ok(page["items"][0]["id"].as_i64().unwrap_or(0))
}

/// Prints each new capture of the endpoint and each finished attempt of its forwards, for ever.
async fn follow(client: &Client, endpoint: i64, mut cursor: i64) -> anyhow::Result<()> {
    // Forward events still to report on: event id → attempts already printed.
    let mut open: BTreeMap<i64, usize> = BTreeMap::new();
    loop {
        let path = format!("/api/endpoints/{endpoint}/poll?cursor={cursor}&wait={POLL_WAIT_SECS}");
        let page: Value = client.send(Method::GET, &path, None).await?;
        for capture in page["items"].as_array().into_iter().flatten() {
            cursor = capture["id"].as_i64().unwrap_or(cursor);
            let query = capture["query"].as_str().map(|q| format!("?{q}")).unwrap_or_default();
            println!(
                "{}  --> capture {} {} {}{query} [{}]",
                capture["received_at"].as_str().unwrap_or(""),
                capture["id"],
                capture["method"].as_str().unwrap_or("?"),
                capture["path"].as_str().unwrap_or("?"),
                capture["response_status"],
            );
            for event in capture["forwards"].as_array().into_iter().flatten() {
                let Some(id) = event["id"].as_i64() else { continue };
                if event["state"] == "held" {
                    println!("    event {id} held: release it with `hookbench release {id}`");
                }
                open.insert(id, 0);
            }
            if capture["forwards"].as_array().is_none_or(Vec::is_empty) {
                println!("    not forwarded (a duplicate, refused, or over the size limit)");
            }
        }
        let mut done = Vec::new();
        for (id, printed) in open.iter_mut() {
            let event: Value = client.send(Method::GET, &format!("/api/events/{id}"), None).await?;
            let attempts = event["attempts"].as_array().cloned().unwrap_or_default();
            for attempt in attempts.iter().skip(*printed).take_while(|a| a["state"] != "in_flight") {
                println!("    <-- event {id} {} {}", event["url"].as_str().unwrap_or(""), attempt_text(attempt));
                *printed += 1;
            }
            if matches!(event["state"].as_str(), Some("delivered" | "dead" | "cancelled")) {
                if event["state"] != "delivered" {
                    println!("    event {id} {}", event["dead_reason"].as_str().unwrap_or("cancelled"));
                }
                done.push(*id);
            }
        }
        for id in done {
            open.remove(&id);
        }
    }
}

/// `[200] attempt 1, 12 ms` or `[connect_refused] attempt 2, retry in 2s`.
fn attempt_text(attempt: &Value) -> String {
    let outcome = match attempt["response"]["status"].as_u64() {
        Some(status) => status.to_string(),
        None => attempt["error_class"].as_str().unwrap_or("error").to_owned(),
    };
    let ms = attempt["duration_ms"].as_u64().unwrap_or(0);
    let next = match attempt["next"]["kind"].as_str() {
        Some("done") | None => String::new(),
        _ => format!("; {}", attempt["next"]["because"].as_str().unwrap_or("")),
    };
    format!("[{outcome}] attempt {}, {ms} ms{next}", attempt["number"])
}

#[derive(Args, Debug)]
pub struct ReleaseArgs {
    /// The held event to release.
    #[arg(required_unless_present = "endpoint", conflicts_with = "endpoint")]
    event: Option<i64>,
    /// Release every held event of this endpoint (id or path prefix).
    #[arg(long, value_name = "ID|PREFIX")]
    endpoint: Option<String>,
    /// Send this body instead (`@FILE` for a file's bytes, or the text itself); the capture keeps its own.
    #[arg(long, short = 'd', value_name = "@FILE|TEXT", conflicts_with = "endpoint")]
    body: Option<String>,
    #[command(flatten)]
    api: ApiArgs,
}

pub fn release(args: ReleaseArgs) -> ExitCode {
    crate::block_on(async move {
        let client = args.api.connect()?;
        match (args.event, &args.endpoint) {
            (Some(id), _) => {
                let edit = match &args.body {
                    Some(text) => {
                        use base64::Engine as _;
                        let bytes = match text.strip_prefix('@') {
                            Some(path) => std::fs::read(path).with_context(|| format!("reading {path}"))?,
                            None => text.clone().into_bytes(),
                        };
                        Some(json!({"body_base64": base64::engine::general_purpose::STANDARD.encode(bytes)}))
                    }
                    None => None,
                };
                let event: Value =
                    client.send(Method::POST, &format!("/api/events/{id}/release"), edit.as_ref()).await?;
                println!("event {id} released ({}): due now", event["state"].as_str().unwrap_or("?"));
            }
            (None, Some(named)) => {
                let endpoint = find_endpoint(&client, Some(named)).await?;
                let id = endpoint["id"].as_i64().context("the endpoint has no id")?;
                let out: Value = client.send(Method::POST, &format!("/api/endpoints/{id}/release"), None).await?;
                let ids: Vec<String> =
                    out["released"].as_array().into_iter().flatten().map(|e| e["id"].to_string()).collect();
                println!("released {} held event(s) of endpoint {id}: {}", ids.len(), ids.join(", "));
            }
            (None, None) => bail!("name an event id, or --endpoint to release all of an endpoint's held events"),
        }
        Ok(ExitCode::SUCCESS)
    })
}
