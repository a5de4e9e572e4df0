//! Test helpers: a real engine on port 0 in a temp dir, an authorized API client, and a raw TCP
//! client for byte-exact receiver tests. Dev-only; tests may unwrap here.
#![allow(clippy::unwrap_used)]

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use hookbench_http::{Running, ServeConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

pub struct TestServer {
    pub running: Running,
    pub dir: tempfile::TempDir,
    pub client: reqwest::Client,
}

fn loopback0() -> SocketAddr {
    "127.0.0.1:0".parse().unwrap()
}

impl TestServer {
    pub async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    /// Starts with the defaults changed by `configure` (ports 0, a fresh temp dir).
    pub async fn start_with(configure: impl FnOnce(&mut ServeConfig)) -> Self {
        let dir = tempfile::tempdir().unwrap();
        Self::start_in(dir, configure).await
    }

    /// Starts over an existing data dir, e.g. to check what survived a restart.
    pub async fn start_in(dir: tempfile::TempDir, configure: impl FnOnce(&mut ServeConfig)) -> Self {
        let mut config = ServeConfig::new(dir.path().to_owned());
        config.receiver_addr = loopback0();
        config.api_addr = loopback0();
        configure(&mut config);
        let running = hookbench_http::start(config).await.unwrap();
        let client = reqwest::Client::builder().no_proxy().timeout(Duration::from_secs(30)).build().unwrap();
        Self { running, dir, client }
    }

    /// Stops the engine and hands back its data dir.
    pub async fn stop(self) -> tempfile::TempDir {
        self.running.shutdown().await;
        self.dir
    }

    pub fn data_dir(&self) -> &Path {
        self.dir.path()
    }

    pub fn receiver(&self, path: &str) -> String {
        format!("{}{}", self.running.receiver_url, path)
    }

    pub fn api(&self, path: &str) -> String {
        format!("{}{}", self.running.api_url, path)
    }

    /// A request to the control API with the token.
    pub fn api_request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.client.request(method, self.api(path)).bearer_auth(&self.running.token)
    }

    pub async fn api_json(&self, path: &str) -> serde_json::Value {
        let res = self.api_request(reqwest::Method::GET, path).send().await.unwrap();
        assert!(res.status().is_success(), "GET {path} answered {}", res.status());
        res.json().await.unwrap()
    }

    /// Sends raw bytes to the receiver and returns the raw response (the connection is closed
    /// by the request's `Connection: close` or by the server).
    pub async fn raw_to_receiver(&self, bytes: &[u8]) -> String {
        raw_exchange(self.running.receiver_addr, bytes).await
    }
}

/// Writes `bytes` to `addr` and reads until the peer closes (or 10 s pass).
pub async fn raw_exchange(addr: SocketAddr, bytes: &[u8]) -> String {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(bytes).await.unwrap();
    let mut out = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut out)).await;
    String::from_utf8_lossy(&out).into_owned()
}
