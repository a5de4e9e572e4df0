//! `hookbench verify` and `hookbench sign`: the signature workbench on the command line. Local,
//! no running engine needed.

use std::io::Read as _;
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use clap::Args;
use hookbench_domain::Header;
use hookbench_domain::capture::HeaderView;
use hookbench_domain::signature::{self, SignRequest, Verdict, VerifyConfig, VerifyRequest};

use crate::scheme::{SchemeArgs, scheme_from_args};

#[derive(Args, Debug)]
pub struct VerifyArgs {
    #[command(flatten)]
    scheme: SchemeArgs,
    /// A secret (or public key); repeat for older ones, newest first.
    #[arg(long = "secret", value_name = "SECRET", required = true)]
    secrets: Vec<String>,
    /// A request header as `Name: value`; repeat.
    #[arg(long = "header", short = 'H', value_name = "'NAME: VALUE'")]
    headers: Vec<String>,
    /// The body: `@FILE`, `@-` for standard input, or the text itself.
    #[arg(long, value_name = "@FILE|TEXT", default_value = "")]
    body: String,
    /// The URL the request was sent to (for URL-signing schemes: Twilio, Square).
    #[arg(long, default_value = "")]
    url: String,
    #[arg(long, default_value = "POST")]
    method: String,
    /// Judge timestamps as of this unix time (default: now).
    #[arg(long, value_name = "UNIX")]
    now: Option<i64>,
    /// Timestamp tolerance in seconds (default: the scheme's).
    #[arg(long, value_name = "SECS")]
    tolerance: Option<u64>,
    /// Print the verdict as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Args, Debug)]
pub struct SignArgs {
    #[command(flatten)]
    scheme: SchemeArgs,
    /// The signing secret (or private key for Ed25519/ECDSA schemes).
    #[arg(long, value_name = "SECRET")]
    secret: String,
    /// The body: `@FILE`, `@-` for standard input, or the text itself.
    #[arg(long, value_name = "@FILE|TEXT", default_value = "")]
    body: String,
    #[arg(long, default_value = "")]
    url: String,
    #[arg(long, default_value = "POST")]
    method: String,
    /// Unix seconds (default: now).
    #[arg(long, value_name = "UNIX")]
    timestamp: Option<i64>,
    /// The message id, for schemes that sign one (default: a fresh one).
    #[arg(long)]
    id: Option<String>,
    /// Print `{"headers":[{"name","value"}],"body_base64"}`.
    #[arg(long)]
    json: bool,
}

/// Exit codes: 0 valid, 1 invalid, 2 usage error.
pub fn verify(args: VerifyArgs) -> ExitCode {
    match run_verify(&args) {
        Ok(verdict) => {
            if args.json {
                println!("{}", serde_json::to_string_pretty(&verdict).unwrap_or_else(|_| "{}".into()));
            } else {
                print_verdict(&verdict);
            }
            if verdict.valid { ExitCode::SUCCESS } else { ExitCode::from(1) }
        }
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn run_verify(args: &VerifyArgs) -> anyhow::Result<Verdict> {
    let scheme = scheme_from_args(&args.scheme)?.context("--scheme is required (or --scheme-json)")?;
    let headers = args.headers.iter().map(|h| parse_header(h)).collect::<anyhow::Result<Vec<_>>>()?;
    let body = read_body(&args.body)?;
    let now_unix = args.now.unwrap_or_else(now_unix);
    let config = VerifyConfig { scheme, secrets: args.secrets.clone(), tolerance_secs: args.tolerance };
    let request = VerifyRequest { method: &args.method, url: &args.url, headers: &headers, body: &body, now_unix };
    Ok(signature::verify(&config, &request))
}

fn print_verdict(v: &Verdict) {
    if v.valid {
        println!("valid: {} signature, secret: {}", v.scheme, v.matched_secret_label.as_deref().unwrap_or("?"));
    } else {
        println!("invalid: {}", v.reason.as_ref().map_or("the signature does not match", |r| r.message.as_str()));
    }
    for cause in &v.likely_causes {
        println!("  likely cause: {}", cause.message);
    }
    if let Some(content) = &v.signed_content {
        println!("  signed content: {content}");
    }
    for expected in &v.expected {
        let signature = expected.signature.as_deref().unwrap_or("(a public key verifies; it cannot sign)");
        println!(
            "  expected ({}): {}{}",
            expected.secret_label,
            signature,
            if expected.matches { "  ✓ matches" } else { "" }
        );
    }
    for received in &v.received {
        println!("  received: {received}");
    }
}

pub fn sign(args: SignArgs) -> ExitCode {
    match run_sign(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn run_sign(args: &SignArgs) -> anyhow::Result<()> {
    let scheme = scheme_from_args(&args.scheme)?.context("--scheme is required (or --scheme-json)")?;
    let body = read_body(&args.body)?;
    let timestamp = args.timestamp.unwrap_or_else(now_unix);
    let id = args.id.clone().unwrap_or_else(|| format!("msg_{}", &hookbench_http::new_token()[..24]));
    let request = SignRequest { method: &args.method, url: &args.url, body: &body, timestamp, id: &id };
    let signed = signature::sign(&scheme, &args.secret, &request).map_err(|e| anyhow::anyhow!("{e}"))?;
    let body_out = signed.body.clone().unwrap_or(body);
    if args.json {
        let headers: Vec<HeaderView> = signed.headers.iter().map(HeaderView::from).collect();
        println!("{}", serde_json::json!({ "headers": headers, "body_base64": BASE64.encode(&body_out) }));
    } else {
        for h in &signed.headers {
            println!("{}: {}", h.name, String::from_utf8_lossy(&h.value));
        }
        if signed.body.is_some() {
            println!();
            println!("{}", String::from_utf8_lossy(&body_out));
        }
    }
    Ok(())
}

fn parse_header(text: &str) -> anyhow::Result<Header> {
    let Some((name, value)) = text.split_once(':') else { bail!("header '{text}' is not 'Name: value'") };
    let name = name.trim();
    if name.is_empty() || !name.bytes().all(|b| b.is_ascii_graphic()) {
        bail!("'{name}' is not a header name");
    }
    Ok(Header::new(name, value.trim_start().as_bytes()))
}

fn read_body(arg: &str) -> anyhow::Result<Vec<u8>> {
    match arg.strip_prefix('@') {
        Some("-") => {
            let mut buf = Vec::new();
            std::io::stdin().read_to_end(&mut buf).context("reading the body from standard input")?;
            Ok(buf)
        }
        Some(path) => std::fs::read(path).with_context(|| format!("reading the body from {path}")),
        None => Ok(arg.as_bytes().to_vec()),
    }
}

fn now_unix() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}
