//! A small HTTP/1.1 load generator: keep-alive connections, each sending one request at a time.
//! Closed loop for throughput (send the next request as soon as the answer came), open loop for
//! latency (requests on a fixed schedule; latency counts from the scheduled time, so a stall is
//! not hidden by the requests it kept from being sent).

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

/// What a run of the load generator saw.
#[derive(Debug, Clone, Default)]
pub struct LoadResult {
    /// Answers with a 2xx status.
    pub ok: u64,
    /// Other statuses and transport errors.
    pub errors: u64,
    pub elapsed: Duration,
    /// Latency of each 2xx answer, microseconds.
    pub latencies_us: Vec<u64>,
}

impl LoadResult {
    pub fn per_sec(&self) -> f64 {
        self.ok as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    fn merge(&mut self, other: LoadResult) {
        self.ok += other.ok;
        self.errors += other.errors;
        self.latencies_us.extend(other.latencies_us);
    }
}

/// The request every connection sends.
#[derive(Debug, Clone)]
pub struct Target {
    pub addr: SocketAddr,
    pub path: String,
    pub body: Bytes,
}

async fn connect(addr: SocketAddr) -> anyhow::Result<SendRequest<Full<Bytes>>> {
    let stream = TcpStream::connect(addr).await?;
    stream.set_nodelay(true)?;
    let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    Ok(sender)
}

/// Sends one request on `sender` (reconnecting first when it is closed); `true` for a 2xx answer.
async fn one(sender: &mut Option<SendRequest<Full<Bytes>>>, target: &Target) -> bool {
    if sender.as_ref().is_none_or(|s| s.is_closed()) {
        *sender = connect(target.addr).await.ok();
    }
    let Some(s) = sender.as_mut() else { return false };
    if s.ready().await.is_err() {
        *sender = None;
        return false;
    }
    let request = hyper::Request::post(target.path.as_str())
        .header(hyper::header::HOST, target.addr.to_string())
        .header(hyper::header::CONTENT_TYPE, "application/json")
        .body(Full::new(target.body.clone()));
    let Ok(request) = request else { return false };
    match s.send_request(request).await {
        Ok(response) => {
            let ok = response.status().is_success();
            let drained = response.into_body().collect().await.is_ok();
            if !drained {
                *sender = None;
            }
            ok && drained
        }
        Err(_) => {
            *sender = None;
            false
        }
    }
}

/// `connections` connections, each sending its next request as soon as the last was answered, for `duration`.
pub async fn closed_loop(target: &Target, connections: usize, duration: Duration) -> LoadResult {
    let start = Instant::now();
    let deadline = start + duration;
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..connections {
        let target = target.clone();
        tasks.spawn(async move {
            let mut result = LoadResult::default();
            let mut sender = connect(target.addr).await.ok();
            while Instant::now() < deadline {
                let sent = Instant::now();
                if one(&mut sender, &target).await {
                    result.ok += 1;
                    result.latencies_us.push(sent.elapsed().as_micros() as u64);
                } else {
                    result.errors += 1;
                    if sender.is_none() {
                        tokio::time::sleep(Duration::from_millis(5)).await;
                    }
                }
            }
            result
        });
    }
    let mut total = LoadResult::default();
    while let Some(done) = tasks.join_next().await {
        if let Ok(part) = done {
            total.merge(part);
        }
    }
    total.elapsed = start.elapsed();
    total
}

/// `rate` requests per second in all, spread over `connections`, for `duration`; latency from each
/// request's scheduled time.
pub async fn open_loop(target: &Target, connections: usize, rate: f64, duration: Duration) -> LoadResult {
    let start = Instant::now() + Duration::from_millis(50);
    let interval = Duration::from_secs_f64(connections as f64 / rate.max(1.0));
    let per_connection = (duration.as_secs_f64() / interval.as_secs_f64()).floor() as u64;
    let mut tasks = tokio::task::JoinSet::new();
    for c in 0..connections {
        let target = target.clone();
        let first = start + interval.mul_f64(c as f64 / connections as f64);
        tasks.spawn(async move {
            let mut result = LoadResult::default();
            let mut sender = connect(target.addr).await.ok();
            for k in 0..per_connection {
                let scheduled = first + interval.mul_f64(k as f64);
                tokio::time::sleep_until(scheduled.into()).await;
                if one(&mut sender, &target).await {
                    result.ok += 1;
                    result.latencies_us.push(scheduled.elapsed().as_micros() as u64);
                } else {
                    result.errors += 1;
                }
            }
            result
        });
    }
    let mut total = LoadResult::default();
    while let Some(done) = tasks.join_next().await {
        if let Ok(part) = done {
            total.merge(part);
        }
    }
    total.elapsed = start.elapsed();
    total
}

/// The `p`th percentile (0–100) of `values` (sorted here), or 0 when empty.
pub fn percentile(values: &mut [u64], p: f64) -> u64 {
    if values.is_empty() {
        return 0;
    }
    values.sort_unstable();
    let rank = ((p / 100.0) * (values.len() - 1) as f64).round() as usize;
    values[rank.min(values.len() - 1)]
}

/// The median of a few measurements.
pub fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(|a, b| a.total_cmp(b));
    match sorted.len() {
        0 => 0.0,
        n if n % 2 == 1 => sorted[n / 2],
        n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    }
}
