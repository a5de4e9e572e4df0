//! `hookbench captures`, `hookbench metrics`, `hookbench alerts`: look at a running Hookbench from a
//! terminal or a script (search the captures, read the dashboard's figures, check and set alerts).

use std::process::ExitCode;

use clap::{Args, Subcommand};
use reqwest::Method;
use serde_json::{Value, json};

use crate::client::ApiArgs;

#[derive(Args, Debug)]
pub struct CapturesArgs {
    /// Full-text search over path, headers and body (every word must appear; prefixes match).
    #[arg(long, short = 's')]
    search: Option<String>,
    #[arg(long)]
    method: Option<String>,
    /// Only captures answered with this status.
    #[arg(long)]
    status: Option<u16>,
    #[arg(long)]
    endpoint: Option<i64>,
    /// `valid` or `invalid`.
    #[arg(long)]
    verdict: Option<String>,
    #[arg(long, default_value_t = 50)]
    limit: u32,
    /// Print the page as JSON.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    api: ApiArgs,
}

fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

pub fn captures(args: CapturesArgs) -> ExitCode {
    crate::block_on(async move {
        let client = args.api.connect()?;
        let mut query = format!("limit={}", args.limit);
        for (key, value) in [("search", args.search), ("method", args.method), ("verdict", args.verdict)] {
            if let Some(v) = value {
                query.push_str(&format!("&{key}={}", encode(&v)));
            }
        }
        if let Some(s) = args.status {
            query.push_str(&format!("&status={s}"));
        }
        if let Some(e) = args.endpoint {
            query.push_str(&format!("&endpoint={e}"));
        }
        let page: Value = client.send(Method::GET, &format!("/api/captures?{query}"), None).await?;
        if args.json {
            println!("{}", serde_json::to_string_pretty(&page)?);
            return Ok(ExitCode::SUCCESS);
        }
        for c in page["items"].as_array().into_iter().flatten() {
            let path = match c["query"].as_str() {
                Some(q) => format!("{}?{q}", c["path"].as_str().unwrap_or("")),
                None => c["path"].as_str().unwrap_or("").to_owned(),
            };
            println!(
                "{:>6}  {}  {:<7} {:<40} {:>3}  {} B",
                c["id"],
                c["received_at"].as_str().unwrap_or(""),
                c["method"].as_str().unwrap_or(""),
                path.escape_debug().to_string(),
                c["response_status"],
                c["body_size"]
            );
        }
        println!("{} matching", total_text(&page));
        Ok(ExitCode::SUCCESS)
    })
}

/// A page's total as a person reads it: the engine stops counting at 10,000 ("10000+").
fn total_text(page: &Value) -> String {
    let capped = if page["total_capped"].as_bool() == Some(true) { "+" } else { "" };
    format!("{}{capped}", page["total"])
}

#[derive(Args, Debug)]
pub struct MetricsArgs {
    /// 5m, 15m, 1h, 6h, 24h or 7d.
    #[arg(long, default_value = "1h")]
    window: String,
    /// Print Prometheus' text format (the last hour).
    #[arg(long, conflicts_with = "json")]
    prometheus: bool,
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    api: ApiArgs,
}

fn pct(v: &Value) -> String {
    v.as_f64().map_or_else(|| "-".to_owned(), |r| format!("{:.1} %", r * 100.0))
}

pub fn metrics(args: MetricsArgs) -> ExitCode {
    crate::block_on(async move {
        let client = args.api.connect()?;
        if args.prometheus {
            let bytes = client.send_bytes(Method::GET, "/api/metrics/prometheus", None, None).await?;
            print!("{}", String::from_utf8_lossy(&bytes));
            return Ok(ExitCode::SUCCESS);
        }
        let m: Value = client.send(Method::GET, &format!("/api/metrics?window={}", encode(&args.window)), None).await?;
        if args.json {
            println!("{}", serde_json::to_string_pretty(&m)?);
            return Ok(ExitCode::SUCCESS);
        }
        println!("last {}  ·  retry queue {}", args.window, m["retry_queue"]);
        println!(
            "{:<28} {:>8} {:>9} {:>8} {:>5} {:>9} {:>9}  breaker",
            "destination", "attempts", "success", "retried", "dead", "p50 ms", "p95 ms"
        );
        for d in m["destinations"].as_array().into_iter().flatten() {
            println!(
                "{:<28} {:>8} {:>9} {:>8} {:>5} {:>9} {:>9}  {}",
                d["name"].as_str().unwrap_or("?"),
                d["attempts"],
                pct(&d["success_rate"]),
                pct(&d["retry_rate"]),
                d["dead_letters"],
                d["latency_ms"]["p50"].as_u64().map_or("-".into(), |v| v.to_string()),
                d["latency_ms"]["p95"].as_u64().map_or("-".into(), |v| v.to_string()),
                d["breaker"].as_str().unwrap_or("?")
            );
        }
        println!("{:<28} {:>8} {:>9} {:>10} {:>7}", "endpoint", "requests", "bad sigs", "duplicates", "faulted");
        for e in m["endpoints"].as_array().into_iter().flatten() {
            println!(
                "{:<28} {:>8} {:>9} {:>10} {:>7}",
                e["name"].as_str().unwrap_or("?"),
                e["requests"],
                pct(&e["signature_failure_rate"]),
                pct(&e["duplicate_rate"]),
                e["faulted"]
            );
        }
        Ok(ExitCode::SUCCESS)
    })
}

#[derive(Args, Debug)]
pub struct AlertsArgs {
    #[command(subcommand)]
    command: Option<AlertsCommand>,
    #[command(flatten)]
    api: ApiArgs,
}

#[derive(Subcommand, Debug)]
enum AlertsCommand {
    /// Change the rules (only what is given). Exit 0.
    Set {
        #[arg(long)]
        dead_letters_max: Option<u64>,
        #[arg(long)]
        signature_failure_pct: Option<f64>,
        #[arg(long)]
        p95_latency_ms: Option<u64>,
        #[arg(long)]
        retry_queue_max: Option<u64>,
        #[arg(long)]
        window: Option<String>,
        #[arg(long)]
        enabled: Option<bool>,
    },
}

/// Lists active alerts: exit 0 when none, 1 when some are active (for scripts and CI).
pub fn alerts(args: AlertsArgs) -> ExitCode {
    crate::block_on(async move {
        let client = args.api.connect()?;
        if let Some(AlertsCommand::Set {
            dead_letters_max,
            signature_failure_pct,
            p95_latency_ms,
            retry_queue_max,
            window,
            enabled,
        }) = args.command
        {
            let mut patch = json!({});
            for (k, v) in [
                ("dead_letters_max", dead_letters_max.map(|v| json!(v))),
                ("signature_failure_pct", signature_failure_pct.map(|v| json!(v))),
                ("p95_latency_ms", p95_latency_ms.map(|v| json!(v))),
                ("retry_queue_max", retry_queue_max.map(|v| json!(v))),
                ("window", window.map(|v| json!(v))),
                ("enabled", enabled.map(|v| json!(v))),
            ] {
                if let Some(v) = v {
                    patch[k] = v;
                }
            }
            let rules: Value = client.send(Method::PUT, "/api/alerts/rules", Some(&patch)).await?;
            println!("{}", serde_json::to_string_pretty(&rules)?);
            return Ok(ExitCode::SUCCESS);
        }
        let view: Value = client.send(Method::GET, "/api/alerts", None).await?;
        let active = view["active"].as_array().cloned().unwrap_or_default();
        for a in &active {
            println!("FIRING  {}", a["message"].as_str().unwrap_or("?"));
        }
        if active.is_empty() {
            println!("no alerts (window {})", view["rules"]["window"].as_str().unwrap_or("?"));
            Ok(ExitCode::SUCCESS)
        } else {
            Ok(ExitCode::FAILURE)
        }
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_capped_total_reads_as_at_least() {
        let page = serde_json::json!({"total": 10000, "total_capped": true});
        assert_eq!(super::total_text(&page), "10000+");
        let page = serde_json::json!({"total": 42, "total_capped": false});
        assert_eq!(super::total_text(&page), "42");
    }
}
