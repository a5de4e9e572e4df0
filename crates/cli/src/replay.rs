//! `hookbench replay …`, `hookbench export`, `hookbench import`: send captured requests again (one,
//! or in bulk with progress), and move captures and events in and out as HAR, JSON Lines or cURL.

use std::io::Write as _;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context as _, bail};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use clap::{Args, Subcommand};
use hookbench_domain::retry::DurationSpec;
use reqwest::Method;
use serde_json::{Value, json};

use crate::client::{ApiArgs, Client};
use crate::send::policy_value;

#[derive(Args, Debug)]
pub struct ReplayArgs {
    #[command(subcommand)]
    command: ReplayCommand,
    #[command(flatten)]
    api: ApiArgs,
}

#[derive(Subcommand, Debug)]
enum ReplayCommand {
    /// Replay one capture (exit 0 delivered, 1 dead with --wait).
    Capture {
        id: i64,
        #[command(flatten)]
        target: Target,
        /// Change the method first.
        #[arg(long)]
        method: Option<String>,
        /// Replace the body first: text, or @file for exact bytes.
        #[arg(long, value_name = "TEXT|@FILE")]
        body: Option<String>,
        /// Send an edited body that claims to be JSON even if it does not parse.
        #[arg(long)]
        allow_invalid_json: bool,
        /// Follow the replay's attempts until it is delivered or dead.
        #[arg(long)]
        wait: bool,
    },
    /// Replay captures or resend events chosen by ids or a filter, at a pace, with progress.
    Bulk {
        #[command(flatten)]
        select: Select,
        #[command(flatten)]
        target: Target,
        /// Items per second (default 10).
        #[arg(long, value_name = "PER_SEC")]
        rate: Option<f64>,
        /// Only show how many items it would take.
        #[arg(long)]
        dry_run: bool,
        /// Follow the progress until every item is enqueued and every event is final.
        #[arg(long)]
        wait: bool,
    },
    /// List bulk replays, or show one.
    Status {
        id: Option<i64>,
    },
    Pause {
        id: i64,
    },
    Resume {
        id: i64,
    },
    /// Stop a bulk replay and cancel its events still waiting.
    Cancel {
        id: i64,
    },
}

/// Where replayed captures go.
#[derive(Args, Debug, Default)]
struct Target {
    /// Send to this URL.
    #[arg(long, value_name = "URL", conflicts_with = "destination")]
    to: Option<String>,
    /// Send to this destination (id or name): its policy, breaker, limits and signing apply.
    #[arg(long, value_name = "ID|NAME")]
    destination: Option<String>,
    /// Drop the old signature and sign afresh (the destination's scheme and secret).
    #[arg(long)]
    resigned: bool,
    /// A retry preset or a policy as JSON.
    #[arg(long, value_name = "PRESET|JSON")]
    policy: Option<String>,
}

impl Target {
    fn into_json(self, body: &mut Value) -> anyhow::Result<()> {
        if let Some(url) = self.to {
            body["url"] = json!(url);
        }
        if let Some(d) = self.destination {
            body["destination"] = d.parse::<i64>().map_or_else(|_| json!(d), |id| json!(id));
        }
        if self.resigned {
            body["mode"] = json!("resigned");
        }
        if let Some(p) = &self.policy {
            body["policy"] = policy_value(p)?;
        }
        Ok(())
    }
}

/// Which captures or events: ids, or filters (all must hold).
#[derive(Args, Debug, Default)]
pub struct Select {
    /// Events instead of captures.
    #[arg(long)]
    events: bool,
    /// These ids (comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "ID,…")]
    ids: Vec<i64>,
    /// Captures of this endpoint (id).
    #[arg(long)]
    endpoint: Option<i64>,
    /// Captures with this method.
    #[arg(long)]
    method: Option<String>,
    /// Captures whose signature was `valid` or `invalid`.
    #[arg(long)]
    verdict: Option<String>,
    /// Captures whose path contains this.
    #[arg(long, value_name = "TEXT")]
    path_contains: Option<String>,
    /// Only duplicates (`true`) or only first copies (`false`).
    #[arg(long)]
    duplicate: Option<bool>,
    /// Events in this state (e.g. dead).
    #[arg(long)]
    state: Option<String>,
    /// Events of this destination (id).
    #[arg(long = "of-destination", value_name = "ID")]
    of_destination: Option<i64>,
    /// Only the last DURATION (e.g. 2h), or since a unix time in ms.
    #[arg(long, value_name = "DURATION|MS")]
    since: Option<String>,
}

fn since_ms(text: &str) -> anyhow::Result<i64> {
    if let Ok(ms) = text.parse::<i64>()
        && ms > 1_000_000_000_000
    {
        return Ok(ms);
    }
    let ago = DurationSpec::parse(text).map_err(|e| anyhow::anyhow!("--since: {e}"))?;
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64)?;
    Ok(now - ago.as_ms() as i64)
}

impl Select {
    pub fn source(&self) -> anyhow::Result<Value> {
        let mut s = if self.events { json!({"kind": "events"}) } else { json!({"kind": "captures"}) };
        if !self.ids.is_empty() {
            s["ids"] = json!(self.ids);
        }
        if let Some(since) = &self.since {
            s["since"] = json!(since_ms(since)?);
        }
        if self.events {
            if let Some(state) = &self.state {
                s["state"] = json!(state);
            }
            if let Some(d) = self.of_destination {
                s["destination"] = json!(d);
            }
        } else {
            for (key, value) in [("method", &self.method), ("verdict", &self.verdict), ("q", &self.path_contains)] {
                if let Some(v) = value {
                    s[key] = json!(v);
                }
            }
            if let Some(e) = self.endpoint {
                s["endpoint"] = json!(e);
            }
            if let Some(d) = self.duplicate {
                s["duplicate"] = json!(d);
            }
        }
        Ok(s)
    }
}

pub fn run(args: ReplayArgs) -> ExitCode {
    crate::block_on(async move {
        let client = args.api.connect()?;
        match args.command {
            ReplayCommand::Capture { id, target, method, body, allow_invalid_json, wait } => {
                let mut input = json!({});
                if target.to.is_none() && target.destination.is_none() {
                    bail!("say where to replay it: --to URL or --destination NAME");
                }
                target.into_json(&mut input)?;
                let mut edit = json!({});
                if let Some(m) = method {
                    edit["method"] = json!(m);
                }
                match body.as_deref() {
                    Some(file) if file.starts_with('@') => {
                        let bytes = std::fs::read(&file[1..]).with_context(|| format!("reading {}", &file[1..]))?;
                        edit["body_base64"] = json!(BASE64.encode(bytes));
                    }
                    Some(text) => edit["body"] = json!(text),
                    None => {}
                }
                if allow_invalid_json {
                    edit["allow_invalid_json"] = json!(true);
                }
                if edit.as_object().is_some_and(|o| !o.is_empty()) {
                    input["edit"] = edit;
                }
                let event: Value =
                    client.send(Method::POST, &format!("/api/captures/{id}/replay"), Some(&input)).await?;
                let event_id = event["id"].as_i64().context("the replay has no id")?;
                println!("capture {id} replayed as event {event_id} to {}", event["url"].as_str().unwrap_or("?"));
                if wait { crate::send::follow(&client, event_id).await } else { Ok(ExitCode::SUCCESS) }
            }
            ReplayCommand::Bulk { select, target, rate, dry_run, wait } => {
                let mut input = json!({"source": select.source()?});
                if !select.events {
                    let mut to = json!({});
                    target.into_json(&mut to)?;
                    input["to"] = match (to.get("url"), to.get("destination")) {
                        (Some(url), _) => json!({"url": url}),
                        (None, Some(d)) => json!({"destination": d}),
                        (None, None) => bail!("say where the captures go: --to URL or --destination NAME"),
                    };
                    for key in ["mode", "policy"] {
                        if let Some(v) = to.get(key) {
                            input[key] = v.clone();
                        }
                    }
                }
                if let Some(rate) = rate {
                    input["rate_per_sec"] = json!(rate);
                }
                let preview: Value = client.send(Method::POST, "/api/replays/preview", Some(&input)).await?;
                let total = preview["total"].as_u64().unwrap_or(0);
                let what = if select.events { "events" } else { "captures" };
                println!("{total} {what} match{}", if preview["capped"] == true { " (capped)" } else { "" });
                if dry_run || total == 0 {
                    return Ok(ExitCode::SUCCESS);
                }
                let batch: Value = client.send(Method::POST, "/api/replays", Some(&input)).await?;
                let id = batch["id"].as_i64().context("the bulk replay has no id")?;
                println!("bulk replay {id} started");
                if wait { follow_batch(&client, id).await } else { Ok(ExitCode::SUCCESS) }
            }
            ReplayCommand::Status { id: Some(id) } => {
                let batch: Value = client.send(Method::GET, &format!("/api/replays/{id}"), None).await?;
                println!("{}", batch_line(&batch));
                Ok(ExitCode::SUCCESS)
            }
            ReplayCommand::Status { id: None } => {
                let batches: Vec<Value> = client.send(Method::GET, "/api/replays", None).await?;
                for b in &batches {
                    println!("{}", batch_line(b));
                }
                if batches.is_empty() {
                    println!("no bulk replays");
                }
                Ok(ExitCode::SUCCESS)
            }
            ReplayCommand::Pause { id } => change(&client, id, "pause").await,
            ReplayCommand::Resume { id } => change(&client, id, "resume").await,
            ReplayCommand::Cancel { id } => change(&client, id, "cancel").await,
        }
    })
}

async fn change(client: &Client, id: i64, what: &str) -> anyhow::Result<ExitCode> {
    let batch: Value = client.send(Method::POST, &format!("/api/replays/{id}/{what}"), None).await?;
    println!("{}", batch_line(&batch));
    Ok(ExitCode::SUCCESS)
}

/// `replay 3  running  412/1000 [########------------]  delivered 400  dead 2  in progress 10  skipped 0`.
fn batch_line(b: &Value) -> String {
    let (done, total) = (b["done"].as_u64().unwrap_or(0), b["total"].as_u64().unwrap_or(0));
    let width = 20;
    let filled = (done * width as u64).checked_div(total).map_or(width, |f| (f as usize).min(width));
    let c = &b["counts"];
    format!(
        "replay {}  {:<9} {done}/{total} [{}{}]  delivered {}  dead {}  in progress {}  skipped {}",
        b["id"],
        b["state"].as_str().unwrap_or("?"),
        "#".repeat(filled),
        "-".repeat(width - filled),
        c["delivered"],
        c["dead"],
        c["in_progress"],
        b["skipped"]
    )
}

/// Prints progress until every item is handled and every event final: exit 0 when all delivered.
async fn follow_batch(client: &Client, id: i64) -> anyhow::Result<ExitCode> {
    let tty = std::io::IsTerminal::is_terminal(&std::io::stdout());
    let mut last = String::new();
    loop {
        let b: Value = client.send(Method::GET, &format!("/api/replays/{id}"), None).await?;
        let line = batch_line(&b);
        if line != last {
            if tty {
                print!("\r{line}");
                std::io::stdout().flush().ok();
            } else {
                println!("{line}");
            }
            last = line;
        }
        let state = b["state"].as_str().unwrap_or("");
        let settled = b["counts"]["in_progress"] == 0 && matches!(state, "done" | "cancelled");
        if settled {
            if tty {
                println!();
            }
            let ok = b["counts"]["dead"] == 0 && b["skipped"] == 0 && state == "done";
            return Ok(if ok { ExitCode::SUCCESS } else { ExitCode::FAILURE });
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

#[derive(Args, Debug)]
pub struct ExportArgs {
    #[command(flatten)]
    select: Select,
    /// har (default), jsonl or curl.
    #[arg(long, default_value = "har")]
    format: String,
    /// Write to this file (default: standard output).
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<std::path::PathBuf>,
    /// Export the exact bytes: signature headers, credentials and secrets included.
    #[arg(long)]
    no_redact: bool,
    /// Also redact this header (repeat).
    #[arg(long = "redact-header", value_name = "NAME")]
    redact_headers: Vec<String>,
    #[command(flatten)]
    api: ApiArgs,
}

pub fn export(args: ExportArgs) -> ExitCode {
    crate::block_on(async move {
        let client = args.api.connect()?;
        let input = json!({"format": args.format, "source": args.select.source()?, "redact": !args.no_redact,
            "redact_headers": args.redact_headers});
        let bytes = client.send_bytes(Method::POST, "/api/export", Some(&input), None).await?;
        match &args.output {
            Some(path) => {
                std::fs::write(path, &bytes).with_context(|| format!("writing {}", path.display()))?;
                eprintln!("wrote {} ({} bytes)", path.display(), bytes.len());
            }
            None => std::io::stdout().write_all(&bytes)?,
        }
        Ok(ExitCode::SUCCESS)
    })
}

#[derive(Args, Debug)]
pub struct ImportArgs {
    /// A HAR file, JSON Lines, or a file of curl commands; `-` reads standard input.
    file: std::path::PathBuf,
    /// auto (default), har, jsonl or curl.
    #[arg(long, default_value = "auto")]
    format: String,
    /// Store every request under this endpoint (default: where each path routes).
    #[arg(long)]
    endpoint: Option<i64>,
    #[command(flatten)]
    api: ApiArgs,
}

pub fn import(args: ImportArgs) -> ExitCode {
    crate::block_on(async move {
        let client = args.api.connect()?;
        let bytes = if args.file.as_os_str() == "-" {
            let mut buf = Vec::new();
            std::io::Read::read_to_end(&mut std::io::stdin(), &mut buf)?;
            buf
        } else {
            std::fs::read(&args.file).with_context(|| format!("reading {}", args.file.display()))?
        };
        let mut path = format!("/api/import?format={}", args.format);
        if let Some(e) = args.endpoint {
            path.push_str(&format!("&endpoint={e}"));
        }
        let answer = client.send_bytes(Method::POST, &path, None, Some(bytes)).await?;
        let result: Value = serde_json::from_slice(&answer).context("reading the import's answer")?;
        let ids: Vec<String> = result["capture_ids"].as_array().into_iter().flatten().map(|v| v.to_string()).collect();
        println!(
            "imported {} requests ({}) as captures {}",
            result["imported"],
            result["format"].as_str().unwrap_or("?"),
            ids.join(", ")
        );
        Ok(ExitCode::SUCCESS)
    })
}
