//! The ceilings' servers: a bare axum handler that reads the body and answers 200, counting requests.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use bytes::Bytes;

/// A running bare server; dropping it does not stop it (the bench process exits at the end).
pub struct Bare {
    pub addr: SocketAddr,
    pub hits: Arc<AtomicU64>,
}

impl Bare {
    pub fn hits(&self) -> u64 {
        self.hits.load(Ordering::Relaxed)
    }
}

async fn answer(State(hits): State<Arc<AtomicU64>>, _body: Bytes) -> StatusCode {
    hits.fetch_add(1, Ordering::Relaxed);
    StatusCode::OK
}

/// Starts the bare handler on 127.0.0.1, port 0.
pub async fn bare() -> anyhow::Result<Bare> {
    let hits = Arc::new(AtomicU64::new(0));
    let app = Router::new().fallback(answer).with_state(hits.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok(Bare { addr, hits })
}
