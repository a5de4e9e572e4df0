//! `hookbench endpoints …`: manage endpoints of a running Hookbench.

use std::process::ExitCode;

use anyhow::{Context as _, bail};
use clap::{Args, Subcommand};
use hookbench_domain::dedupe::{DedupeSettings, DuplicateResponse, KeySource};
use hookbench_domain::endpoint::{Endpoint, EndpointInput, SignatureMode, SignatureSettings};
use reqwest::Method;

use crate::client::{ApiArgs, Client};
use crate::scheme::{SchemeArgs, scheme_from_args};

#[derive(Args, Debug)]
pub struct EndpointsArgs {
    #[command(subcommand)]
    command: EndpointsCommand,
    #[command(flatten)]
    api: ApiArgs,
}

#[derive(Subcommand, Debug)]
enum EndpointsCommand {
    /// List endpoints.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Show one endpoint as JSON.
    Show { id: i64 },
    /// Create an endpoint.
    Create(EndpointFlags),
    /// Change an endpoint: only the settings given change.
    Update {
        id: i64,
        #[command(flatten)]
        flags: EndpointFlags,
    },
    /// Delete an endpoint (its captures move to the default endpoint).
    Delete { id: i64 },
}

#[derive(Args, Debug, Default)]
struct EndpointFlags {
    #[arg(long)]
    name: Option<String>,
    /// The receiving path prefix, e.g. /stripe.
    #[arg(long)]
    prefix: Option<String>,
    #[command(flatten)]
    scheme: SchemeArgs,
    /// A signing secret (or public key); repeat for older secrets still accepted, newest first.
    #[arg(long = "secret", value_name = "SECRET")]
    secrets: Vec<String>,
    /// Timestamp tolerance in seconds (default: the scheme's).
    #[arg(long, value_name = "SECS")]
    tolerance: Option<u64>,
    /// Answer 401 to a request whose signature is invalid (default: flag only).
    #[arg(long, conflicts_with = "flag_only")]
    enforce: bool,
    /// Mark invalid signatures but answer as usual.
    #[arg(long)]
    flag_only: bool,
    /// Stop checking signatures.
    #[arg(long, conflicts_with_all = ["secrets", "enforce"])]
    no_signature: bool,
    /// Duplicate detection: `header:NAME`, `json:/POINTER`, `body-hash`, or `off`.
    #[arg(long, value_name = "SOURCE")]
    dedupe: Option<String>,
    /// How long an idempotency key is remembered, in seconds (default 7 days).
    #[arg(long, value_name = "SECS")]
    dedupe_ttl: Option<u64>,
    /// What a duplicate gets: `same` (as the first), `ok` (200 {"duplicate":true}) or `conflict` (409).
    #[arg(long, value_name = "ANSWER")]
    on_duplicate: Option<String>,
}

pub fn run(args: EndpointsArgs) -> ExitCode {
    crate::block_on(async move {
        let client = args.api.connect()?;
        match args.command {
            EndpointsCommand::List { json } => list(&client, json).await,
            EndpointsCommand::Show { id } => {
                let e: Endpoint = client.send(Method::GET, &format!("/api/endpoints/{id}"), None).await?;
                println!("{}", serde_json::to_string_pretty(&e)?);
                Ok(ExitCode::SUCCESS)
            }
            EndpointsCommand::Create(flags) => {
                let input = apply(&flags, None)?;
                let e: Endpoint =
                    client.send(Method::POST, "/api/endpoints", Some(&serde_json::to_value(&input)?)).await?;
                println!("created endpoint {} \"{}\" at {}", e.id, e.name, e.path_prefix);
                Ok(ExitCode::SUCCESS)
            }
            EndpointsCommand::Update { id, flags } => {
                let current: Endpoint = client.send(Method::GET, &format!("/api/endpoints/{id}"), None).await?;
                let input = apply(&flags, Some(current))?;
                let e: Endpoint = client
                    .send(Method::PUT, &format!("/api/endpoints/{id}"), Some(&serde_json::to_value(&input)?))
                    .await?;
                println!("updated endpoint {} \"{}\"", e.id, e.name);
                Ok(ExitCode::SUCCESS)
            }
            EndpointsCommand::Delete { id } => {
                client.send::<serde_json::Value>(Method::DELETE, &format!("/api/endpoints/{id}"), None).await?;
                println!("deleted endpoint {id}");
                Ok(ExitCode::SUCCESS)
            }
        }
    })
}

async fn list(client: &Client, json: bool) -> anyhow::Result<ExitCode> {
    let endpoints: Vec<Endpoint> = client.send(Method::GET, "/api/endpoints", None).await?;
    if json {
        println!("{}", serde_json::to_string_pretty(&endpoints)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!("{:<4} {:<24} {:<20} {:<20} DUPLICATES", "ID", "NAME", "PREFIX", "SIGNATURE");
    for e in endpoints {
        let signature = match &e.settings.signature {
            Some(s) => format!(
                "{}{}",
                s.scheme.id(),
                if e.settings.signature_mode == SignatureMode::Enforce { " (enforce)" } else { "" }
            ),
            None => "-".into(),
        };
        let dedupe = e.settings.dedupe.as_ref().map_or("-".into(), |d| d.source.describe());
        let prefix = if e.path_prefix.is_empty() { "(every other path)".to_owned() } else { e.path_prefix.clone() };
        println!("{:<4} {:<24} {:<20} {:<20} {}", e.id, e.name, prefix, signature, dedupe);
    }
    Ok(ExitCode::SUCCESS)
}

/// Builds the full input from the flags over the current endpoint (or from scratch).
fn apply(flags: &EndpointFlags, current: Option<Endpoint>) -> anyhow::Result<EndpointInput> {
    let mut input = match current {
        Some(e) => EndpointInput { name: e.name, path_prefix: e.path_prefix, settings: e.settings },
        None => {
            let prefix = flags.prefix.clone().context("--prefix is required, e.g. --prefix /stripe")?;
            let name = flags.name.clone().unwrap_or_else(|| prefix.trim_matches('/').to_owned());
            EndpointInput { name, path_prefix: prefix, settings: Default::default() }
        }
    };
    if let Some(name) = &flags.name {
        input.name = name.clone();
    }
    if let Some(prefix) = &flags.prefix {
        input.path_prefix = prefix.clone();
    }
    if flags.no_signature {
        input.settings.signature = None;
    } else if let Some(scheme) = scheme_from_args(&flags.scheme)? {
        let secrets = if flags.secrets.is_empty() {
            input.settings.signature.as_ref().map(|s| s.secrets.clone()).unwrap_or_default()
        } else {
            flags.secrets.clone()
        };
        input.settings.signature = Some(SignatureSettings { scheme, secrets, tolerance_secs: flags.tolerance });
    } else if let Some(sig) = &mut input.settings.signature {
        if !flags.secrets.is_empty() {
            sig.secrets = flags.secrets.clone();
        }
        if flags.tolerance.is_some() {
            sig.tolerance_secs = flags.tolerance;
        }
    } else if !flags.secrets.is_empty() {
        bail!("--secret needs --scheme (e.g. --scheme stripe)");
    }
    if flags.enforce {
        input.settings.signature_mode = SignatureMode::Enforce;
    }
    if flags.flag_only {
        input.settings.signature_mode = SignatureMode::Flag;
    }
    if let Some(source) = &flags.dedupe {
        input.settings.dedupe = parse_dedupe(source)?.map(|source| DedupeSettings {
            source,
            ttl_secs: input.settings.dedupe.as_ref().map_or(hookbench_domain::dedupe::DEFAULT_TTL_SECS, |d| d.ttl_secs),
            on_duplicate: input.settings.dedupe.as_ref().map_or_else(Default::default, |d| d.on_duplicate),
        });
    }
    if let Some(dedupe) = &mut input.settings.dedupe {
        if let Some(ttl) = flags.dedupe_ttl {
            dedupe.ttl_secs = ttl;
        }
        if let Some(answer) = &flags.on_duplicate {
            dedupe.on_duplicate = match answer.as_str() {
                "same" => DuplicateResponse::SameAsFirst,
                "ok" => DuplicateResponse::OkDuplicate,
                "conflict" | "409" => DuplicateResponse::Conflict,
                other => bail!("--on-duplicate '{other}' is not one of same, ok, conflict"),
            };
        }
    } else if flags.dedupe_ttl.is_some() || flags.on_duplicate.is_some() {
        bail!(
            "--dedupe-ttl and --on-duplicate need duplicate detection on: add --dedupe header:Idempotency-Key (or json:/id, body-hash)"
        );
    }
    Ok(input)
}

fn parse_dedupe(text: &str) -> anyhow::Result<Option<KeySource>> {
    Ok(Some(match text.split_once(':') {
        _ if text == "off" || text == "none" => return Ok(None),
        _ if text == "body-hash" || text == "hash" => KeySource::BodyHash,
        Some(("header", name)) => KeySource::Header { name: name.to_owned() },
        Some(("json", pointer)) => KeySource::JsonPointer { pointer: pointer.to_owned() },
        _ => bail!("--dedupe '{text}' is not header:NAME, json:/POINTER, body-hash or off"),
    }))
}
