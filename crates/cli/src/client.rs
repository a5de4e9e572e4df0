//! Talking to a running Hookbench (serve or desktop) over its control API.

use std::path::PathBuf;

use anyhow::{Context as _, bail};
use clap::Args;
use serde::de::DeserializeOwned;

#[derive(Args, Debug, Clone)]
pub struct ApiArgs {
    /// The control API of a running Hookbench. Default: read from the data dir's connection file.
    #[arg(long, value_name = "URL", env = "HOOKBENCH_API", global = true)]
    api: Option<String>,
    /// The control API token. Default: read from the data dir's connection file.
    #[arg(long, value_name = "TOKEN", env = "HOOKBENCH_TOKEN", hide_env_values = true, global = true)]
    token: Option<String>,
    /// The data dir whose running engine to talk to.
    #[arg(long, value_name = "DIR", env = "HOOKBENCH_DATA_DIR", global = true)]
    data: Option<PathBuf>,
}

pub struct Client {
    http: reqwest::Client,
    api: String,
    token: String,
}

impl ApiArgs {
    /// For commands whose own flags take `--data` (`send`'s payload): the same lookup, given its parts.
    pub fn from_parts(api: Option<String>, token: Option<String>, data: Option<PathBuf>) -> Self {
        Self { api, token, data }
    }

    pub fn connect(&self) -> anyhow::Result<Client> {
        let (api, token) = match (&self.api, &self.token) {
            (Some(api), Some(token)) => (api.clone(), token.clone()),
            _ => {
                let dir = match &self.data {
                    Some(dir) => dir.clone(),
                    None => crate::serve::default_data_dir()?,
                };
                let file = dir.join(hookbench_http::CONNECTION_FILE);
                let text = std::fs::read_to_string(&file).with_context(|| {
                    format!("no running Hookbench found ({} is missing): start `hookbench serve` or the app, or pass --api URL --token TOKEN", file.display())
                })?;
                let doc: serde_json::Value =
                    serde_json::from_str(&text).with_context(|| format!("reading {}", file.display()))?;
                let api = self.api.clone().or_else(|| doc["api_url"].as_str().map(str::to_owned));
                let token = self.token.clone().or_else(|| doc["token"].as_str().map(str::to_owned));
                match (api, token) {
                    (Some(a), Some(t)) => (a, t),
                    _ => bail!("{} does not name an API URL and token", file.display()),
                }
            }
        };
        let http = reqwest::Client::builder().no_proxy().build().context("building the HTTP client")?;
        Ok(Client { http, api: api.trim_end_matches('/').to_owned(), token })
    }
}

impl Client {
    pub async fn send<T: DeserializeOwned>(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&serde_json::Value>,
    ) -> anyhow::Result<T> {
        let url = format!("{}{}", self.api, path);
        let mut req = self.http.request(method.clone(), &url).bearer_auth(&self.token);
        if let Some(body) = body {
            req = req.json(body);
        }
        let res =
            req.send().await.with_context(|| format!("cannot reach Hookbench at {}: is it running?", self.api))?;
        let status = res.status();
        let bytes = res.bytes().await.context("reading the answer")?;
        if !status.is_success() {
            let message = serde_json::from_slice::<serde_json::Value>(&bytes)
                .ok()
                .and_then(|v| v["message"].as_str().map(str::to_owned))
                .unwrap_or_else(|| String::from_utf8_lossy(&bytes).into_owned());
            bail!("{method} {path} failed ({status}): {message}");
        }
        let bytes = if bytes.is_empty() { &b"null"[..] } else { &bytes[..] };
        serde_json::from_slice(bytes).with_context(|| format!("reading the answer to {method} {path}"))
    }

    /// Like `send`, for a body and an answer that are bytes (an export's file, an import's file).
    pub async fn send_bytes(
        &self,
        method: reqwest::Method,
        path: &str,
        json: Option<&serde_json::Value>,
        raw: Option<Vec<u8>>,
    ) -> anyhow::Result<Vec<u8>> {
        let url = format!("{}{}", self.api, path);
        let mut req = self.http.request(method.clone(), &url).bearer_auth(&self.token);
        if let Some(body) = json {
            req = req.json(body);
        }
        if let Some(body) = raw {
            req = req.header(reqwest::header::CONTENT_TYPE, "application/octet-stream").body(body);
        }
        let res =
            req.send().await.with_context(|| format!("cannot reach Hookbench at {}: is it running?", self.api))?;
        let status = res.status();
        let bytes = res.bytes().await.context("reading the answer")?;
        if !status.is_success() {
            let message = serde_json::from_slice::<serde_json::Value>(&bytes)
                .ok()
                .and_then(|v| v["message"].as_str().map(str::to_owned))
                .unwrap_or_else(|| String::from_utf8_lossy(&bytes).into_owned());
            bail!("{method} {path} failed ({status}): {message}");
        }
        Ok(bytes.to_vec())
    }
}
