//! Choosing a signature scheme on the command line: `--scheme stripe`, or a custom HMAC as JSON.

use anyhow::{Context as _, bail};
use clap::Args;
use hookbench_domain::signature::Scheme;

#[derive(Args, Debug, Default, Clone)]
pub struct SchemeArgs {
    /// A signature scheme id: stripe, github, standard-webhooks, svix, shopify, slack, twilio, paddle,
    /// square, linear, intercom, mailgun, zoom, discord, sendgrid (`hookbench schemes` lists them).
    #[arg(long, value_name = "SCHEME")]
    pub scheme: Option<String>,
    /// A custom HMAC scheme as JSON, e.g.
    /// '{"kind":"custom_hmac","algorithm":"sha256","header":"X-Signature","encoding":"hex","prefix":"","timestamp_header":null,"template":"{body}"}'.
    #[arg(long, value_name = "JSON", conflicts_with = "scheme")]
    pub scheme_json: Option<String>,
}

pub fn scheme_from_args(args: &SchemeArgs) -> anyhow::Result<Option<Scheme>> {
    if let Some(json) = &args.scheme_json {
        let scheme: Scheme = serde_json::from_str(json).context("--scheme-json is not a scheme")?;
        return Ok(Some(scheme));
    }
    let Some(id) = &args.scheme else { return Ok(None) };
    let wanted = id.trim().to_ascii_lowercase();
    match Scheme::all_builtin().into_iter().find(|s| s.id() == wanted) {
        Some(scheme) => Ok(Some(scheme)),
        None => {
            let known: Vec<&str> = Scheme::all_builtin().iter().map(|s| s.id()).collect();
            bail!("unknown scheme '{id}'; known: {} (or --scheme-json for a custom HMAC)", known.join(", "))
        }
    }
}

/// `hookbench schemes`: the schemes this build knows.
pub fn print_schemes() {
    for scheme in Scheme::all_builtin() {
        let tolerance = scheme.default_tolerance_secs().map_or("no timestamp".to_owned(), |t| format!("±{t} s"));
        println!("{:<20} {:<28} {}", scheme.id(), scheme.label(), tolerance);
    }
}
