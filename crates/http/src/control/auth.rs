//! Who may talk to the control API: a loopback Host (against DNS rebinding), an allowed Origin
//! (against other web pages), and the per-launch token.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use subtle::ConstantTimeEq;

use crate::error::ApiError;

#[derive(Debug)]
pub struct Guard {
    token: String,
    /// Host names (without port) the API answers to.
    hosts: Vec<String>,
    /// Exact origins allowed to call the API from a browser.
    origins: Vec<String>,
}

impl Guard {
    pub fn new(token: String, api_port: u16, extra_hosts: Vec<String>, extra_origins: Vec<String>) -> Self {
        let mut hosts: Vec<String> = ["127.0.0.1", "localhost", "[::1]"].map(String::from).to_vec();
        hosts.extend(extra_hosts);
        let mut origins: Vec<String> = hosts.iter().map(|h| format!("http://{h}:{api_port}")).collect();
        origins.extend(["tauri://localhost", "http://tauri.localhost", "https://tauri.localhost"].map(String::from));
        origins.extend(extra_origins);
        Self { token, hosts, origins }
    }

    pub fn origin_allowed(&self, origin: &str) -> bool {
        self.origins.iter().any(|o| o == origin)
    }

    fn host_allowed(&self, headers: &HeaderMap) -> bool {
        let Some(host) = headers.get(header::HOST).and_then(|h| h.to_str().ok()) else { return false };
        let name = match host.rsplit_once(':') {
            // `[::1]:9001` or `127.0.0.1:9001`; a bare `[::1]` has its colon inside the brackets.
            Some((name, port)) if port.chars().all(|c| c.is_ascii_digit()) && !name.is_empty() => name,
            _ => host,
        };
        self.hosts.iter().any(|h| h.eq_ignore_ascii_case(name))
    }

    pub fn token_matches(&self, candidate: &str) -> bool {
        candidate.as_bytes().ct_eq(self.token.as_bytes()).into()
    }
}

/// Host and Origin checks for everything on the API listener (UI included).
pub async fn check_host_and_origin(State(guard): State<Arc<Guard>>, req: Request, next: Next) -> Response {
    if !guard.host_allowed(req.headers()) {
        return ApiError::new(
            StatusCode::FORBIDDEN,
            "host_forbidden",
            "this API answers only to a loopback Host (127.0.0.1, localhost or [::1])",
        )
        .into_response();
    }
    if let Some(origin) = req.headers().get(header::ORIGIN) {
        let ok = origin.to_str().map(|o| guard.origin_allowed(o)).unwrap_or(false);
        if !ok {
            return ApiError::new(
                StatusCode::FORBIDDEN,
                "origin_forbidden",
                "requests from this origin are not allowed",
            )
            .into_response();
        }
    }
    next.run(req).await
}

/// Requires the token as `Authorization: Bearer …` or, where a browser cannot set headers
/// (EventSource, downloads), as `?token=…`.
pub async fn require_token(State(guard): State<Arc<Guard>>, req: Request, next: Next) -> Response {
    let from_header = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
        .map(str::trim);
    let from_query = req.uri().query().and_then(|q| q.split('&').find_map(|pair| pair.strip_prefix("token=")));
    let authorized = match (from_header, from_query) {
        (Some(t), _) => guard.token_matches(t),
        (None, Some(t)) => token_in_query_allowed(req.uri().path()) && guard.token_matches(t),
        (None, None) => false,
    };
    if !authorized {
        return ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "missing or wrong API token: use the ui: URL printed by `hookbench serve`, or send Authorization: Bearer <token>",
        )
        .into_response();
    }
    next.run(req).await
}

fn token_in_query_allowed(path: &str) -> bool {
    path == "/api/stream"
        || (path.starts_with("/api/captures/") && path.ends_with("/body"))
        || (path.starts_with("/api/endpoints/") && path.ends_with("/stream"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(host: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, host.parse().unwrap());
        h
    }

    #[test]
    fn loopback_hosts_pass_and_others_do_not() {
        let g = Guard::new("t".into(), 9001, vec![], vec![]);
        for ok in ["127.0.0.1:9001", "localhost:9001", "[::1]:9001", "LOCALHOST", "[::1]"] {
            assert!(g.host_allowed(&headers(ok)), "{ok} is loopback");
        }
        for bad in ["evil.example:9001", "127.0.0.1.evil.example", "localhost.evil:80", "10.0.0.1:9001"] {
            assert!(!g.host_allowed(&headers(bad)), "{bad} must be refused (DNS rebinding)");
        }
        assert!(!g.host_allowed(&HeaderMap::new()), "no Host at all is refused");
    }

    #[test]
    fn only_the_api_itself_and_the_desktop_webview_are_allowed_origins() {
        let g = Guard::new("t".into(), 9001, vec![], vec![]);
        assert!(g.origin_allowed("http://127.0.0.1:9001"));
        assert!(g.origin_allowed("tauri://localhost"));
        assert!(!g.origin_allowed("http://127.0.0.1:9000"), "the receiver's origin is not the API's");
        assert!(!g.origin_allowed("https://evil.example"));
    }

    #[test]
    fn the_token_must_match_exactly() {
        let g = Guard::new("secret-token".into(), 1, vec![], vec![]);
        assert!(g.token_matches("secret-token"));
        assert!(!g.token_matches("secret-toke"));
        assert!(!g.token_matches(""));
    }
}
