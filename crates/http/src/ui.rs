//! Serves the UI bundle (`ui/dist`) on the API listener, for `hookbench serve` in a browser.
//! Release builds embed the bundle; debug builds read it from disk, so a UI rebuild needs no cargo run.

use std::path::PathBuf;

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::Response;
use rust_embed::RustEmbed;

use crate::control::AppState;

#[derive(RustEmbed)]
#[folder = "$CARGO_MANIFEST_DIR/../../ui/dist"]
#[allow_missing = true]
struct Bundle;

/// Where the UI files come from.
#[derive(Debug, Clone)]
pub enum UiSource {
    Embedded,
    Dir(PathBuf),
}

impl UiSource {
    async fn file(&self, path: &str) -> Option<Vec<u8>> {
        match self {
            UiSource::Embedded => Bundle::get(path).map(|f| f.data.into_owned()),
            UiSource::Dir(dir) => {
                // Paths come from the URL: never step outside the bundle folder.
                if path.split('/').any(|part| part == ".." || part.contains('\\')) {
                    return None;
                }
                tokio::fs::read(dir.join(path)).await.ok()
            }
        }
    }
}

/// The UI's own CSP: captured payloads are shown as text, and even if one slipped into the DOM
/// it could neither run script nor load from elsewhere.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'";

const MISSING: &str = "<!doctype html><meta charset=utf-8><title>Hookbench</title><body style=\"font-family:sans-serif;padding:2em\"><h1>Hookbench</h1><p>The engine is running, but the UI bundle was not built into this binary. Run <code>make ui</code> (or <code>npm --prefix ui run build</code>) and start again. The control API is at <code>/api/</code>.</p>";

pub async fn serve(State(state): State<AppState>, uri: Uri) -> Response {
    let path = uri.path().trim_start_matches('/');
    let path = if path.is_empty() { "index.html" } else { path };
    let (bytes, name) = match state.ui.file(path).await {
        Some(bytes) => (bytes, path),
        // Client-side routes fall back to the app shell; missing assets stay 404.
        None if path == "index.html" || !path.contains('.') => match state.ui.file("index.html").await {
            Some(bytes) => (bytes, "index.html"),
            None => (MISSING.as_bytes().to_vec(), "index.html"),
        },
        None => return plain(StatusCode::NOT_FOUND, "not found"),
    };
    let mime = mime_guess::from_path(name).first_or_octet_stream();
    let mut res = Response::new(Body::from(bytes));
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(mime.as_ref()).unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    let cache = if name.starts_with("assets/") { "public, max-age=31536000, immutable" } else { "no-cache" };
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    res
}

fn plain(status: StatusCode, text: &'static str) -> Response {
    let mut res = Response::new(Body::from(text));
    *res.status_mut() = status;
    res
}
