//! `hookbench destinations …`: manage the destinations of a running Hookbench.

use std::process::ExitCode;

use anyhow::{Context as _, bail};
use clap::{Args, Subcommand};
use reqwest::Method;
use serde_json::{Value, json};

use crate::client::ApiArgs;
use crate::scheme::{SchemeArgs, scheme_from_args};
use crate::send::policy_value;

#[derive(Args, Debug)]
pub struct DestinationsArgs {
    #[command(subcommand)]
    command: DestinationsCommand,
    #[command(flatten)]
    api: ApiArgs,
}

#[derive(Subcommand, Debug)]
enum DestinationsCommand {
    /// List destinations.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Show one destination as JSON.
    Show { id: i64 },
    /// Create a destination.
    Create(DestinationFlags),
    /// Change a destination: only the settings given change.
    Update {
        id: i64,
        #[command(flatten)]
        flags: DestinationFlags,
    },
    /// Delete a destination (its events keep their own copy of URL and settings).
    Delete { id: i64 },
}

#[derive(Args, Debug, Default)]
struct DestinationFlags {
    #[arg(long)]
    name: Option<String>,
    #[arg(long)]
    url: Option<String>,
    /// The HTTP method (default POST).
    #[arg(long, short = 'X')]
    method: Option<String>,
    /// An extra header, `'Name: value'`; repeat for more (replaces the list).
    #[arg(long = "header", short = 'H', value_name = "'K: V'")]
    headers: Vec<String>,
    #[command(flatten)]
    scheme: SchemeArgs,
    /// A signing secret; repeat for older ones, newest first (attempts are signed with the first).
    #[arg(long = "secret", value_name = "SECRET")]
    secrets: Vec<String>,
    /// Stop signing.
    #[arg(long, conflicts_with = "secrets")]
    no_signing: bool,
    /// A retry preset (svix, stripe-like, standard, none, aggressive) or a policy as JSON.
    #[arg(long, value_name = "PRESET|JSON")]
    policy: Option<String>,
    /// Request timeout in milliseconds (default 15000).
    #[arg(long, value_name = "MS")]
    timeout_ms: Option<u64>,
    /// Consecutive failures that open the circuit (default 5).
    #[arg(long, value_name = "N")]
    breaker_threshold: Option<u32>,
    /// How long the circuit stays open, e.g. 30s.
    #[arg(long, value_name = "DURATION")]
    breaker_cool_down: Option<String>,
    /// At most this many attempts per second.
    #[arg(long, value_name = "PER_SEC")]
    rate: Option<f64>,
    /// At most this many attempts in flight at once.
    #[arg(long, value_name = "N")]
    max_in_flight: Option<u32>,
    /// Run the retry schedule this many times faster (1 to 3600).
    #[arg(long, value_name = "FACTOR")]
    time_scale: Option<f64>,
}

impl DestinationFlags {
    /// Writes the flags given over `doc` (a destination as JSON), leaving the rest as it was.
    fn apply(&self, doc: &mut Value) -> anyhow::Result<()> {
        let set = |doc: &mut Value, key: &str, value: Value| doc[key] = value;
        if let Some(name) = &self.name {
            set(doc, "name", json!(name));
        }
        if let Some(url) = &self.url {
            set(doc, "url", json!(url));
        }
        if let Some(method) = &self.method {
            set(doc, "method", json!(method));
        }
        if !self.headers.is_empty() {
            let mut headers = Vec::new();
            for line in &self.headers {
                let Some((name, value)) = line.split_once(':') else { bail!("--header '{line}' is not 'Name: value'") };
                headers.push(json!({"name": name.trim(), "value": value.trim()}));
            }
            set(doc, "headers", Value::Array(headers));
        }
        let scheme = scheme_from_args(&self.scheme)?;
        if self.no_signing {
            set(doc, "signing", Value::Null);
        } else if !self.secrets.is_empty() || scheme.is_some() {
            let mut signing = if doc["signing"].is_object() { doc["signing"].clone() } else { json!({}) };
            if !self.secrets.is_empty() {
                signing["secrets"] = json!(self.secrets);
            }
            if let Some(scheme) = scheme {
                signing["scheme"] = serde_json::to_value(scheme)?;
            }
            set(doc, "signing", signing);
        }
        if let Some(policy) = &self.policy {
            set(doc, "retry", policy_value(policy)?);
        }
        if let Some(ms) = self.timeout_ms {
            set(doc, "timeout_ms", json!(ms));
        }
        if self.breaker_threshold.is_some() || self.breaker_cool_down.is_some() {
            let mut breaker = if doc["breaker"].is_object() { doc["breaker"].clone() } else { json!({}) };
            if let Some(n) = self.breaker_threshold {
                breaker["failure_threshold"] = json!(n);
            }
            if let Some(cool_down) = &self.breaker_cool_down {
                breaker["cool_down"] = json!(cool_down);
            }
            set(doc, "breaker", breaker);
        }
        if self.rate.is_some() || self.max_in_flight.is_some() {
            let mut limits = if doc["limits"].is_object() { doc["limits"].clone() } else { json!({}) };
            if let Some(rate) = self.rate {
                limits["rate"] = json!({"per_second": rate, "burst": 1});
            }
            if let Some(n) = self.max_in_flight {
                limits["max_in_flight"] = json!(n);
            }
            set(doc, "limits", limits);
        }
        if let Some(scale) = self.time_scale {
            set(doc, "time_scale", json!(scale));
        }
        Ok(())
    }
}

pub fn run(args: DestinationsArgs) -> ExitCode {
    crate::block_on(async move {
        let client = args.api.connect()?;
        match args.command {
            DestinationsCommand::List { json } => {
                let list: Vec<Value> = client.send(Method::GET, "/api/destinations", None).await?;
                if json {
                    println!("{}", serde_json::to_string_pretty(&list)?);
                    return Ok(ExitCode::SUCCESS);
                }
                if list.is_empty() {
                    println!("no destinations; create one with `hookbench destinations create --name NAME --url URL`");
                }
                for d in &list {
                    let signing = d["signing"]["scheme"]["kind"].as_str().unwrap_or("unsigned");
                    println!(
                        "{:>4}  {:<20} {:<6} {:<40} {signing}",
                        d["id"],
                        d["name"].as_str().unwrap_or("?"),
                        d["method"].as_str().unwrap_or("?"),
                        d["url"].as_str().unwrap_or("?")
                    );
                }
            }
            DestinationsCommand::Show { id } => {
                let d: Value = client.send(Method::GET, &format!("/api/destinations/{id}"), None).await?;
                println!("{}", serde_json::to_string_pretty(&d)?);
            }
            DestinationsCommand::Create(flags) => {
                if flags.name.is_none() || flags.url.is_none() {
                    bail!("give the destination a --name and a --url");
                }
                let mut doc = json!({});
                flags.apply(&mut doc)?;
                let d: Value = client.send(Method::POST, "/api/destinations", Some(&doc)).await?;
                println!("created destination {} \"{}\"", d["id"], d["name"].as_str().unwrap_or("?"));
            }
            DestinationsCommand::Update { id, flags } => {
                let path = format!("/api/destinations/{id}");
                let mut doc: Value = client.send(Method::GET, &path, None).await?;
                flags.apply(&mut doc)?;
                let d: Value = client.send(Method::PUT, &path, Some(&doc)).await.context("updating")?;
                println!("updated destination {} \"{}\"", d["id"], d["name"].as_str().unwrap_or("?"));
            }
            DestinationsCommand::Delete { id } => {
                let _: Value = client.send(Method::DELETE, &format!("/api/destinations/{id}"), None).await?;
                println!("deleted destination {id}");
            }
        }
        Ok(ExitCode::SUCCESS)
    })
}
