//! The receiver: catches every request on any method and path, stores it, then answers.
//!
//! The answer goes out only after the capture is committed, so a client that got a 2xx can rely on
//! the capture being on disk.

mod tap;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use hookbench_domain::Header;
use hookbench_domain::fault::Trickle;
use hookbench_engine::{Engine, InboundAction, InboundRequest, InboundResponse};
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full, StreamBody};
use hyper::body::Frame;
use hyper::body::Incoming;
use hyper::header::{HeaderName, HeaderValue};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use tokio::net::TcpListener;
use tokio::sync::watch;

use tap::{Activity, HeadQueue, ResetSwitch, TappedStream};

/// A client that has not sent its whole head by then is cut off (slow-loris on headers).
pub const DEFAULT_HEADER_TIMEOUT: Duration = Duration::from_secs(30);
/// A body that has not fully arrived by then (counted from the end of the head) is refused with
/// 408 and not stored (slow-loris on the body, chunked bodies that never end).
pub const DEFAULT_BODY_TIMEOUT: Duration = Duration::from_secs(60);
/// Most header lines in one request head; more get `431` from hyper before anything is stored.
pub const MAX_HEADERS: usize = 1000;
/// How long shutdown waits for requests in flight.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(5);

/// Accepts connections until `shutdown` turns true, then drains requests in flight. While a
/// `receiver_off` fault is live the listening socket is closed (clients get "connection refused")
/// and bound again to the same address when the fault ends or is healed.
pub async fn serve(
    listener: TcpListener,
    engine: Arc<Engine>,
    timeouts: Timeouts,
    mut shutdown: watch::Receiver<bool>,
) {
    let local = listener.local_addr().ok();
    let mut listener = Some(listener);
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(timeouts.header)
        .max_headers(MAX_HEADERS)
        .max_buf_size(1024 * 1024);
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    loop {
        if let Some(off) = engine.listener_off() {
            if listener.take().is_some() {
                tracing::info!("receiver off (fault plan): refusing connections");
            }
            let wait = off.until.map_or(Duration::from_secs(3600), |until| {
                Duration::from_millis(u64::try_from(until - engine.now_ms()).unwrap_or(0).max(10))
            });
            tokio::select! {
                _ = engine.faults_changed() => {}
                _ = tokio::time::sleep(wait) => {}
                _ = shutdown.changed() => break,
            }
            continue;
        }
        let Some(active) = listener.as_ref() else {
            match local {
                Some(addr) => match TcpListener::bind(addr).await {
                    Ok(l) => {
                        tracing::info!(%addr, "receiver on again");
                        listener = Some(l);
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, %addr, "cannot listen again yet; retrying");
                        tokio::time::sleep(Duration::from_millis(200)).await;
                    }
                },
                None => break,
            }
            continue;
        };
        let (stream, peer) = tokio::select! {
            accepted = active.accept() => match accepted {
                Ok(pair) => pair,
                Err(e) => {
                    // Out of file descriptors and the like: wait a little instead of spinning.
                    tracing::warn!(error = %e, "receiver accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = engine.faults_changed() => continue,
            _ = shutdown.changed() => break,
        };
        let _ = stream.set_nodelay(true);
        let heads = HeadQueue::default();
        let reset = ResetSwitch::default();
        let activity = Arc::new(Activity::default());
        let io = TokioIo::new(TappedStream::new(stream, heads.clone(), reset.clone(), activity.clone()));
        let engine = engine.clone();
        let counted = activity.clone();
        let service = hyper::service::service_fn(move |req| {
            let engine = engine.clone();
            let heads = heads.clone();
            let reset = reset.clone();
            // In flight until the response body is dropped (a trickled answer keeps it alive).
            let in_flight = counted.begin();
            async move {
                let res = handle(req, &engine, &heads, &reset, peer, local, timeouts.body).await?;
                Ok::<_, NoAnswer>(res.map(move |body| {
                    body.map_frame(move |frame| {
                        let _ = &in_flight;
                        frame
                    })
                    .boxed()
                }))
            }
        });
        let conn = builder.serve_connection_with_upgrades(io, service).into_owned();
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            tokio::select! {
                ended = conn => {
                    if let Err(e) = ended {
                        tracing::debug!(error = %e, %peer, "receiver connection ended with an error");
                    }
                }
                () = idle(&activity, timeouts.header) => {
                    tracing::debug!(%peer, "receiver connection closed: nothing sent for {:?}", timeouts.header);
                }
            }
        });
    }
    drop(listener);
    if tokio::time::timeout(DRAIN_TIMEOUT, graceful.shutdown()).await.is_err() {
        tracing::warn!("receiver: requests still in flight after {DRAIN_TIMEOUT:?}; closing anyway");
    }
}

/// How long the receiver waits for a request's head and for its body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    pub header: Duration,
    pub body: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self { header: DEFAULT_HEADER_TIMEOUT, body: DEFAULT_BODY_TIMEOUT }
    }
}

type Body = BoxBody<Bytes, std::io::Error>;

/// Resolves once a connection has had no request in flight and no byte either way for `limit`:
/// a client that connects and says nothing, or an idle HTTP/2 connection, is then closed. (hyper's
/// header timeout only starts with the first byte of an HTTP/1 head.)
async fn idle(activity: &Activity, limit: Duration) {
    loop {
        let quiet = activity.idle_for();
        if activity.in_flight() == 0 && quiet >= limit {
            return;
        }
        let wait = if activity.in_flight() > 0 { limit } else { limit.saturating_sub(quiet) };
        tokio::time::sleep(wait.max(Duration::from_millis(50))).await;
    }
}

/// Ends the connection without an HTTP answer (hyper closes it when the service fails).
#[derive(Debug)]
struct NoAnswer(&'static str);

impl std::fmt::Display for NoAnswer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

impl std::error::Error for NoAnswer {}

async fn handle(
    req: Request<Incoming>,
    engine: &Engine,
    heads: &HeadQueue,
    reset: &ResetSwitch,
    peer: SocketAddr,
    local: Option<SocketAddr>,
    body_timeout: Duration,
) -> Result<Response<Body>, NoAnswer> {
    let received_at = engine.now_ms();
    let (parts, body) = req.into_parts();
    let method = parts.method.as_str().to_owned();
    let target = parts.uri.path_and_query().map(|pq| pq.as_str().to_owned()).unwrap_or_else(|| "/".into());
    let headers = match heads.take_matching(&method, &target) {
        Some(head) => head.headers,
        None => parts.headers.iter().map(|(n, v)| Header::new(n.as_str(), v.as_bytes())).collect(),
    };
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p.to_owned(), Some(q.to_owned())),
        None => (target.clone(), None),
    };
    let host = parts
        .headers
        .get(hyper::header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_owned)
        .or_else(|| parts.uri.authority().map(|a| a.to_string()))
        .or_else(|| local.map(|l| l.to_string()))
        .unwrap_or_default();
    let content_type =
        parts.headers.get(hyper::header::CONTENT_TYPE).map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    let declared = parts
        .headers
        .get(hyper::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());

    let limit = engine.config().max_body_bytes;
    let read = match declared {
        Some(n) if n > limit as u64 => BodyRead::TooLarge { seen: n },
        _ => match tokio::time::timeout(body_timeout, read_body(body, limit)).await {
            Ok(read) => read,
            Err(_) => {
                // Not stored: a partial body would pass for what the sender meant to send.
                tracing::debug!(%peer, ?body_timeout, "request body timed out; not stored");
                let mut res = error(
                    StatusCode::REQUEST_TIMEOUT,
                    "body_timeout",
                    &format!(
                        "the request body did not arrive within {} s; nothing was stored",
                        body_timeout.as_secs_f64()
                    ),
                );
                res.headers_mut().insert(hyper::header::CONNECTION, HeaderValue::from_static("close"));
                return Ok(res);
            }
        },
    };
    let (body, body_size) = match read {
        BodyRead::Complete(bytes) => {
            let size = bytes.len() as u64;
            (Some(bytes), size)
        }
        BodyRead::TooLarge { seen } => (None, seen),
        BodyRead::Failed(e) => {
            tracing::debug!(error = %e, %peer, "request body could not be read");
            return Ok(error(StatusCode::BAD_REQUEST, "body_unreadable", "the request body could not be read"));
        }
    };

    let inbound = InboundRequest {
        received_at,
        url: format!("http://{host}{target}"),
        method,
        path,
        query,
        http_version: format!("{:?}", parts.version),
        remote_addr: peer.to_string(),
        headers,
        content_type,
        body,
        body_size,
    };
    match engine.receive(inbound).await {
        Ok((summary, response)) => answer(summary.id, response, reset).await,
        Err(e) if e.is_transient() => {
            tracing::warn!(error = %e, "capture not stored: store busy or full");
            Ok(error(StatusCode::SERVICE_UNAVAILABLE, "store_unavailable", &format!("the request was not stored: {e}")))
        }
        Err(e) => {
            tracing::error!(error = %e, "capture not stored");
            Ok(error(StatusCode::INTERNAL_SERVER_ERROR, "store_error", &format!("the request was not stored: {e}")))
        }
    }
}

/// Carries out what the engine decided: wait, then answer (maybe trickled), hold, or reset.
async fn answer(capture_id: i64, response: InboundResponse, reset: &ResetSwitch) -> Result<Response<Body>, NoAnswer> {
    match response.action {
        InboundAction::Hold { ms } => {
            tokio::time::sleep(Duration::from_millis(ms)).await;
            Err(NoAnswer("held without an answer (timeout fault)"))
        }
        InboundAction::Reset { delay_ms } => {
            tokio::time::sleep(Duration::from_millis(delay_ms)).await;
            reset.trip();
            Err(NoAnswer("connection reset (fault)"))
        }
        InboundAction::Respond => {
            if response.delay_ms > 0 {
                tokio::time::sleep(Duration::from_millis(response.delay_ms)).await;
            }
            let body: Body = match response.trickle {
                Some(trickle) => trickled(response.body, trickle),
                None => Full::new(response.body).map_err(|never| match never {}).boxed(),
            };
            let mut res = Response::new(body);
            *res.status_mut() = StatusCode::from_u16(response.status).unwrap_or(StatusCode::OK);
            let headers = res.headers_mut();
            for (name, value) in &response.headers {
                if let (Ok(name), Ok(value)) =
                    (HeaderName::try_from(name.as_str()), HeaderValue::try_from(value.as_str()))
                {
                    headers.append(name, value);
                }
            }
            headers.insert("x-hookbench-capture-id", HeaderValue::from(capture_id));
            Ok(res)
        }
    }
}

/// A body sent `chunk_bytes` at a time, paced to `bytes_per_sec`.
fn trickled(body: Bytes, trickle: Trickle) -> Body {
    let chunk = usize::try_from(trickle.chunk_bytes.max(1)).unwrap_or(1);
    let pause = Duration::from_secs_f64(chunk as f64 / f64::from(trickle.bytes_per_sec.max(1)));
    let stream = futures_util::stream::unfold((body, true), move |(mut rest, first)| async move {
        if rest.is_empty() {
            return None;
        }
        if !first {
            tokio::time::sleep(pause).await;
        }
        let piece = rest.split_to(chunk.min(rest.len()));
        Some((Ok::<_, std::io::Error>(Frame::data(piece)), (rest, false)))
    });
    StreamBody::new(stream).boxed()
}

enum BodyRead {
    Complete(Bytes),
    /// Over the limit: how many bytes were seen before giving up.
    TooLarge {
        seen: u64,
    },
    Failed(hyper::Error),
}

async fn read_body(mut body: Incoming, limit: usize) -> BodyRead {
    let mut buf = BytesMut::new();
    while let Some(frame) = body.frame().await {
        match frame {
            Ok(frame) => {
                if let Ok(data) = frame.into_data() {
                    if buf.len() + data.len() > limit {
                        return BodyRead::TooLarge { seen: (buf.len() + data.len()) as u64 };
                    }
                    buf.extend_from_slice(&data);
                }
            }
            Err(e) => return BodyRead::Failed(e),
        }
    }
    BodyRead::Complete(buf.freeze())
}

fn json(status: StatusCode, value: &serde_json::Value, capture_id: Option<i64>) -> Response<Body> {
    let mut res = Response::new(Full::new(Bytes::from(value.to_string())).map_err(|never| match never {}).boxed());
    *res.status_mut() = status;
    let headers = res.headers_mut();
    headers.insert(hyper::header::CONTENT_TYPE, hyper::header::HeaderValue::from_static("application/json"));
    if let Some(id) = capture_id {
        headers.insert("x-hookbench-capture-id", hyper::header::HeaderValue::from(id));
    }
    res
}

fn error(status: StatusCode, code: &str, message: &str) -> Response<Body> {
    json(status, &serde_json::json!({"code": code, "message": message}), None)
}
