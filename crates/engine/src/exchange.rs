//! Export (HAR 1.2, JSON Lines, cURL script) of captures or events chosen by ids or a filter, with
//! redaction; import (HAR, JSON Lines, `curl` commands) as captures, to inspect and replay them.

use hookbench_domain::batch::{BatchSource, MAX_ITEMS};
use hookbench_domain::clock::format_rfc3339;
use hookbench_domain::endpoint::{DEFAULT_ENDPOINT_ID, route};
use hookbench_domain::exchange::{
    ExchangeRecord, ImportError, ImportLimits, Redaction, read_curl, read_har, read_jsonl, write_curl_script,
    write_har, write_jsonl,
};
use hookbench_domain::signature::{VerifyConfig, VerifyRequest, verify};
use hookbench_domain::{CaptureId, CaptureSummary, NewCapture};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{Engine, EngineError, LiveEvent};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ExportFormat {
    #[default]
    Har,
    Jsonl,
    Curl,
}

impl ExportFormat {
    pub fn content_type(self) -> &'static str {
        match self {
            ExportFormat::Har => "application/json",
            ExportFormat::Jsonl => "application/x-ndjson",
            ExportFormat::Curl => "text/x-shellscript; charset=utf-8",
        }
    }
    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::Har => "har",
            ExportFormat::Jsonl => "jsonl",
            ExportFormat::Curl => "sh",
        }
    }
}

/// `POST /api/export`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct ExportInput {
    #[serde(default)]
    pub format: ExportFormat,
    /// Captures or events, by ids or a filter (as bulk replay takes them).
    pub source: BatchSource,
    /// Redact credentials, cookies and signature headers, and every signing secret Hookbench holds
    /// (default true). `false` exports the bytes exactly, secrets included.
    #[serde(default = "yes")]
    pub redact: bool,
    /// More header names to redact (`prefix*` matches by prefix).
    #[serde(default)]
    pub redact_headers: Vec<String>,
    /// More strings to redact wherever they occur.
    #[serde(default)]
    pub secrets: Vec<String>,
}

fn yes() -> bool {
    true
}

/// An export, ready to download.
#[derive(Debug, Clone)]
pub struct Export {
    pub bytes: Vec<u8>,
    pub content_type: &'static str,
    pub file_name: String,
    pub records: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ImportFormat {
    /// Told from the content: JSON with `log.entries` is HAR, lines of JSON are JSON Lines, `curl …` is cURL.
    #[default]
    Auto,
    Har,
    Jsonl,
    Curl,
}

/// What an import stored.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ImportResult {
    pub imported: usize,
    pub capture_ids: Vec<CaptureId>,
    /// The format read (when `auto` was asked).
    pub format: ImportFormat,
}

impl Engine {
    /// Writes the chosen captures or events in a format. Secrets of endpoints and destinations are
    /// redacted unless `redact` is false; `extra_secrets` (e.g. the API token) are added to them.
    pub async fn export(&self, input: ExportInput, extra_secrets: Vec<String>) -> Result<Export, EngineError> {
        let mut ids = self.store.resolve_batch_source(input.source.clone()).await?;
        ids.truncate(MAX_ITEMS);
        let mut records = Vec::new();
        match &input.source {
            BatchSource::Captures { .. } => {
                for id in &ids {
                    if let Some(capture) = self.get_capture(*id).await? {
                        records.push(ExchangeRecord::from_capture(&capture, None));
                    }
                }
            }
            BatchSource::Events { .. } => {
                for id in &ids {
                    let Some(detail) = self.get_event(*id).await? else { continue };
                    if detail.attempts.is_empty() {
                        records.push(ExchangeRecord::from_event(&detail.event));
                    }
                    records.extend(detail.attempts.iter().map(|a| ExchangeRecord::from_attempt(&detail.event, a)));
                }
            }
        }
        let redaction = if input.redact {
            let mut r = Redaction::default();
            r.redact_headers.extend(input.redact_headers);
            r.secrets = self.known_secrets().await?;
            r.secrets.extend(extra_secrets);
            r.secrets.extend(input.secrets);
            r
        } else {
            Redaction { redact_headers: input.redact_headers, secrets: input.secrets }
        };
        let bytes = match input.format {
            ExportFormat::Har => write_har(&records, &redaction),
            ExportFormat::Jsonl => write_jsonl(&records, &redaction),
            ExportFormat::Curl => write_curl_script(&records, &redaction),
        };
        let stamp = format_rfc3339(self.now_ms()).replace([':', '.'], "-");
        Ok(Export {
            content_type: input.format.content_type(),
            file_name: format!("hookbench-{}-{stamp}.{}", input.source.kind(), input.format.extension()),
            records: records.len(),
            bytes,
        })
    }

    /// Every signing secret Hookbench holds: endpoints' and destinations'.
    async fn known_secrets(&self) -> Result<Vec<String>, EngineError> {
        let mut secrets: Vec<String> = Vec::new();
        for e in self.list_endpoints().await? {
            secrets.extend(e.settings.signature.into_iter().flat_map(|s| s.secrets));
        }
        for d in self.list_destinations().await? {
            secrets.extend(d.settings.signing.into_iter().flat_map(|s| s.secrets));
        }
        secrets.retain(|s| s.len() >= 4);
        Ok(secrets)
    }

    /// Reads a HAR file, JSON Lines or `curl` commands and stores each request as a capture of the
    /// endpoint its path routes to (or `endpoint`), with its signature checked at the time it was
    /// sent. Nothing is stored when the input has a problem.
    pub async fn import(
        &self,
        bytes: &[u8],
        format: ImportFormat,
        endpoint: Option<hookbench_domain::endpoint::EndpointId>,
    ) -> Result<ImportResult, EngineError> {
        let limits = ImportLimits { max_body_bytes: self.config.max_body_bytes, ..ImportLimits::default() };
        let format = match format {
            ImportFormat::Auto => sniff(bytes),
            other => other,
        };
        let records = match format {
            ImportFormat::Har | ImportFormat::Auto => read_har(bytes, &limits),
            ImportFormat::Jsonl => read_jsonl(bytes, &limits),
            ImportFormat::Curl => read_curl(bytes, &limits),
        }
        .map_err(|e: ImportError| EngineError::Invalid(vec![format!("{}: {e}", e.code())]))?;
        let routing = self.routing_snapshot();
        if let Some(id) = endpoint
            && !routing.endpoints.iter().any(|e| e.id == id)
        {
            return Err(EngineError::Invalid(vec![format!("endpoint: no endpoint {id}")]));
        }
        let now = self.now_ms();
        let how = match format {
            ImportFormat::Har | ImportFormat::Auto => "HAR",
            ImportFormat::Jsonl => "JSON Lines",
            ImportFormat::Curl => "cURL",
        };
        let captures: Vec<NewCapture> = records
            .iter()
            .map(|r| {
                let (path, query) = r.path_and_query();
                let chosen = match endpoint {
                    Some(id) => routing.endpoints.iter().find(|e| e.id == id),
                    None => route(&routing.endpoints, &path),
                };
                let sent_at = if r.started_at > 0 { r.started_at } else { now };
                let verdict = chosen.and_then(|e| e.settings.signature.as_ref()).map(|s| {
                    let config = VerifyConfig {
                        scheme: s.scheme.clone(),
                        secrets: s.secrets.clone(),
                        tolerance_secs: s.tolerance_secs,
                    };
                    let request = VerifyRequest {
                        method: &r.method,
                        url: &r.url,
                        headers: &r.headers,
                        body: &r.body,
                        now_unix: sent_at / 1000,
                    };
                    verify(&config, &request)
                });
                let sent =
                    if r.started_at > 0 { format!(", sent {}", format_rfc3339(r.started_at)) } else { String::new() };
                NewCapture {
                    received_at: now,
                    method: r.method.clone(),
                    path,
                    query,
                    url: r.url.clone(),
                    http_version: r.http_version.clone(),
                    remote_addr: "import".to_owned(),
                    content_type: r.header("content-type"),
                    body_size: r.body.len() as u64,
                    body: Some(bytes::Bytes::from(r.body.clone())),
                    headers: r.headers.clone(),
                    response_status: r.response.as_ref().map_or(0, |res| res.status),
                    endpoint_id: chosen.map_or(DEFAULT_ENDPOINT_ID, |e| e.id),
                    verdict_valid: verdict.as_ref().map(|v| v.valid),
                    verdict_json: verdict.as_ref().and_then(|v| serde_json::to_string(v).ok()),
                    dedupe: None,
                    faults: Vec::new(),
                    response_note: Some(format!("imported from {how}{sent}")),
                }
            })
            .collect();
        let summaries: Vec<CaptureSummary> = self.store.insert_captures(captures).await?;
        let capture_ids = summaries.iter().map(|s| s.id).collect();
        for s in summaries {
            self.bus.publish(LiveEvent::CaptureCreated(s));
        }
        Ok(ImportResult { imported: records.len(), capture_ids, format })
    }
}

/// Tells the format from the first non-blank bytes.
fn sniff(bytes: &[u8]) -> ImportFormat {
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(4096)]);
    let start = text.trim_start_matches('\u{feff}').trim_start();
    let shell = ["curl", "#", "$ curl", "printf"];
    if shell.iter().any(|p| start.starts_with(p)) {
        return ImportFormat::Curl;
    }
    if start.starts_with('{') {
        let first_line = start.lines().next().unwrap_or_default().trim();
        let one_line_object =
            first_line.ends_with('}') && serde_json::from_str::<serde::de::IgnoredAny>(first_line).is_ok();
        if one_line_object && !first_line.contains("\"log\"") {
            return ImportFormat::Jsonl;
        }
    }
    ImportFormat::Har
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_format_is_told_from_the_content() {
        assert_eq!(sniff(b"  curl -X POST https://x"), ImportFormat::Curl);
        assert_eq!(sniff(b"printf '%b' '\\x00' | curl --data-binary @- http://x/"), ImportFormat::Curl);
        assert_eq!(sniff("\u{feff}{\"kind\":\"capture\"}\n".as_bytes()), ImportFormat::Jsonl);
        assert_eq!(sniff(b"{\"log\":{\"entries\":[]}}"), ImportFormat::Har);
        assert_eq!(sniff(b"{\n  \"log\": {}\n}"), ImportFormat::Har);
        assert_eq!(sniff(b"{\"kind\":\"capture\",\"method\":\"POST\"}\n{\"kind\":\"capture\"}\n"), ImportFormat::Jsonl);
    }
}
