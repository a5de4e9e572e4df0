//! `hookbench fault …`: switch a running Hookbench's fault plans on and off from scripts and CI.

use std::process::ExitCode;

use anyhow::{Context as _, bail};
use clap::{Args, Subcommand};
use hookbench_domain::endpoint::Endpoint;
use hookbench_domain::fault::{FailPer, FaultKind, FaultPlan, OutageWindow, RetryAfter};
use hookbench_domain::response::Delay;
use reqwest::Method;
use serde_json::{Value, json};

use crate::client::{ApiArgs, Client};

#[derive(Args, Debug)]
pub struct FaultArgs {
    #[command(subcommand)]
    command: FaultCommand,
    #[command(flatten)]
    api: ApiArgs,
}

#[derive(Subcommand, Debug)]
enum FaultCommand {
    /// Switch a fault on for an endpoint (id, name or path prefix): a preset, or one built from flags.
    Set(SetArgs),
    /// Heal: remove the fault plans of one endpoint, or of every endpoint.
    Clear { endpoint: Option<String> },
    /// What is broken right now.
    List {
        #[arg(long)]
        json: bool,
    },
    /// The presets `set` takes.
    Presets,
}

#[derive(Args, Debug)]
struct SetArgs {
    /// The endpoint: its id, name or path prefix (`default` or `/` for the default endpoint).
    endpoint: String,
    /// A preset: down, 503-2m, flaky-30, slow-5s, rate-limited, fail-3.
    preset: Option<String>,
    /// Answer with this status.
    #[arg(long, value_name = "CODE")]
    status: Option<u16>,
    /// With --status: add `Retry-After: SECS`.
    #[arg(long, value_name = "SECS")]
    retry_after: Option<u64>,
    /// Delay every answer this many ms (with --latency-max: uniformly between the two).
    #[arg(long, value_name = "MS")]
    latency: Option<u64>,
    #[arg(long, value_name = "MS", requires = "latency")]
    latency_max: Option<u64>,
    /// Hold requests open without answering, up to MS, then close.
    #[arg(long, value_name = "MS")]
    hold: Option<u64>,
    /// Reset connections with no answer.
    #[arg(long)]
    reset: bool,
    /// Stop the listener: connection refused.
    #[arg(long)]
    off: bool,
    /// Only the first N requests get the fault, then requests pass.
    #[arg(long, value_name = "N")]
    fail_first: Option<u32>,
    /// Only a share P (0–1) of requests get the fault (seeded with --seed).
    #[arg(long, value_name = "P")]
    probability: Option<f64>,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Only for the next SECS seconds, then healthy again.
    #[arg(long = "for", value_name = "SECS", conflicts_with_all = ["from", "until"])]
    for_secs: Option<u64>,
    /// Only between two times (RFC 3339 like 2026-11-29T10:00:00Z, or unix seconds): with --until.
    #[arg(long, value_name = "TIME", requires = "until", value_parser = parse_time)]
    from: Option<i64>,
    #[arg(long, value_name = "TIME", requires = "from", value_parser = parse_time)]
    until: Option<i64>,
    /// The plan's id (default: from the kind); a plan with the same id is replaced.
    #[arg(long)]
    id: Option<String>,
}

pub fn run(args: FaultArgs) -> ExitCode {
    crate::block_on(async move {
        if let FaultCommand::Presets = args.command {
            for p in hookbench_domain::fault::presets() {
                println!("{:<14} {:<28} {}", p.id, p.label, p.description);
            }
            return Ok(ExitCode::SUCCESS);
        }
        let client = args.api.connect()?;
        match args.command {
            FaultCommand::Set(set) => {
                let endpoint = find_endpoint(&client, &set.endpoint).await?;
                let body = match &set.preset {
                    Some(preset) if !has_flags(&set) => json!({ "preset": preset }),
                    Some(_) => bail!("give either a preset or flags such as --status, not both"),
                    None => serde_json::to_value(plan_from_flags(&set)?)?,
                };
                let plans: Vec<Value> =
                    client.send(Method::POST, &format!("/api/endpoints/{}/faults", endpoint.id), Some(&body)).await?;
                println!("endpoint {} \"{}\": {} fault plan(s) on", endpoint.id, endpoint.name, plans.len());
                for p in &plans {
                    println!(
                        "  {} ({})",
                        p["name"].as_str().unwrap_or("?"),
                        p["status"]["state"].as_str().unwrap_or("?")
                    );
                }
                Ok(ExitCode::SUCCESS)
            }
            FaultCommand::Clear { endpoint } => {
                let healed: Value = match endpoint {
                    Some(e) => {
                        let endpoint = find_endpoint(&client, &e).await?;
                        client.send(Method::DELETE, &format!("/api/endpoints/{}/faults", endpoint.id), None).await?
                    }
                    None => client.send(Method::DELETE, "/api/faults", None).await?,
                };
                println!("healed: {} plan(s) removed", healed["removed"]);
                Ok(ExitCode::SUCCESS)
            }
            FaultCommand::List { json } => {
                let active: Value = client.send(Method::GET, "/api/faults", None).await?;
                if json {
                    println!("{}", serde_json::to_string_pretty(&active)?);
                } else if active["active"].as_array().is_none_or(|a| a.is_empty()) {
                    println!("no faults: every endpoint is healthy");
                } else {
                    for f in active["active"].as_array().into_iter().flatten() {
                        let left = f["remaining_ms"]
                            .as_i64()
                            .map_or("until healed".to_owned(), |ms| format!("{} s left", ms / 1000));
                        println!(
                            "{} ({}): {}, {}",
                            f["endpoint_name"].as_str().unwrap_or("?"),
                            f["path_prefix"].as_str().unwrap_or(""),
                            f["summary"].as_str().unwrap_or("?"),
                            left
                        );
                    }
                }
                Ok(ExitCode::SUCCESS)
            }
            FaultCommand::Presets => Ok(ExitCode::SUCCESS),
        }
    })
}

/// A time as unix milliseconds, from unix seconds or RFC 3339.
fn parse_time(text: &str) -> Result<i64, String> {
    if let Ok(secs) = text.trim().parse::<i64>() {
        return secs.checked_mul(1000).ok_or_else(|| format!("'{text}' is too far away"));
    }
    time::OffsetDateTime::parse(text.trim(), &time::format_description::well_known::Rfc3339)
        .map(|t| (t.unix_timestamp_nanos() / 1_000_000) as i64)
        .map_err(|_| format!("'{text}' is not a time: use RFC 3339 (2026-11-29T10:00:00Z) or unix seconds"))
}

fn has_flags(s: &SetArgs) -> bool {
    s.from.is_some()
        || s.status.is_some()
        || s.latency.is_some()
        || s.hold.is_some()
        || s.reset
        || s.off
        || s.fail_first.is_some()
        || s.probability.is_some()
        || s.for_secs.is_some()
}

/// Builds one plan: a base fault (status, latency, hold, reset or off), then wrapped by
/// --fail-first, --probability or --for.
fn plan_from_flags(s: &SetArgs) -> anyhow::Result<FaultPlan> {
    let bases =
        [s.status.is_some(), s.latency.is_some(), s.hold.is_some(), s.reset, s.off].iter().filter(|b| **b).count();
    if bases == 0 {
        bail!(
            "say what goes wrong: a preset (hookbench fault presets) or --status, --latency, --hold, --reset or --off"
        );
    }
    if bases > 1 {
        bail!("one of --status, --latency, --hold, --reset, --off per plan (set several plans to combine them)");
    }
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64);
    let mut fault = if let Some(status) = s.status {
        let mut kind = FaultKind::status(status, "fault injected by hookbench");
        if let FaultKind::Status { retry_after, .. } = &mut kind {
            *retry_after = s.retry_after.map(|secs| RetryAfter::Seconds { secs });
        }
        kind
    } else if let Some(ms) = s.latency {
        let distribution = match s.latency_max {
            Some(max) => Delay::Uniform { min_ms: ms, max_ms: max },
            None => Delay::Fixed { ms },
        };
        FaultKind::Latency { distribution }
    } else if let Some(ms) = s.hold {
        FaultKind::Timeout { max_hold_ms: ms }
    } else if s.reset {
        FaultKind::Reset
    } else {
        let until = s.for_secs.map(|secs| now + i64::try_from(secs.saturating_mul(1000)).unwrap_or(i64::MAX));
        FaultKind::ReceiverOff { until }
    };
    if let Some(n) = s.fail_first {
        fault = FaultKind::FailFirst { n, per: FailPer::Overall, fault: Box::new(fault) };
    } else if let Some(p) = s.probability {
        fault = FaultKind::Probability { p, seed: s.seed, fault: Box::new(fault) };
    }
    if let (Some(secs), false) = (s.for_secs, s.off) {
        fault = FaultKind::Outage { window: OutageWindow::Next { secs }, fault: Box::new(fault) };
    }
    if let (Some(start_at), Some(end_at)) = (s.from, s.until) {
        if end_at <= start_at {
            bail!("--until must be after --from");
        }
        fault = FaultKind::Outage { window: OutageWindow::Between { start_at, end_at }, fault: Box::new(fault) };
    }
    let id = s.id.clone().unwrap_or_else(|| format!("cli-{}", fault.kind_name()));
    Ok(FaultPlan { name: fault.describe(), id, enabled: true, activated_at: now, fault })
}

async fn find_endpoint(client: &Client, wanted: &str) -> anyhow::Result<Endpoint> {
    let endpoints: Vec<Endpoint> = client.send(Method::GET, "/api/endpoints", None).await?;
    let wanted_prefix =
        if wanted == "/" || wanted.eq_ignore_ascii_case("default") { "" } else { wanted.trim_end_matches('/') };
    endpoints
        .iter()
        .find(|e| e.id.to_string() == wanted || e.path_prefix == wanted_prefix || e.name.eq_ignore_ascii_case(wanted))
        .cloned()
        .with_context(|| {
            let known: Vec<String> = endpoints
                .iter()
                .map(|e| format!("{} ({})", e.id, if e.path_prefix.is_empty() { "default" } else { &e.path_prefix }))
                .collect();
            format!("no endpoint '{wanted}'; endpoints: {}", known.join(", "))
        })
}
