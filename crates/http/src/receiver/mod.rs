//! The receiver: catches every request on any method and path, stores it, then answers.
//!
//! The answer goes out only after the capture is committed, so a client that got a 2xx can rely on
//! the capture being on disk.

mod tap;

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use hookbench_domain::Header;
use hookbench_engine::{Engine, InboundRequest};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use tokio::net::TcpListener;
use tokio::sync::watch;

use tap::{HeadQueue, TappedStream};

/// A client that has not sent its whole head by then is cut off (slow-loris).
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);
/// A body that has not fully arrived by then is refused with 408.
const BODY_READ_TIMEOUT: Duration = Duration::from_secs(60);
/// How long shutdown waits for requests in flight.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(5);

/// Accepts connections until `shutdown` turns true, then drains requests in flight.
pub async fn serve(listener: TcpListener, engine: Arc<Engine>, mut shutdown: watch::Receiver<bool>) {
    let local = listener.local_addr().ok();
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder.http1().timer(TokioTimer::new()).header_read_timeout(HEADER_READ_TIMEOUT).max_buf_size(1024 * 1024);
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(e) => {
                    // Out of file descriptors and the like: wait a little instead of spinning.
                    tracing::warn!(error = %e, "receiver accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = shutdown.changed() => break,
        };
        let _ = stream.set_nodelay(true);
        let heads = HeadQueue::default();
        let io = TokioIo::new(TappedStream::new(stream, heads.clone()));
        let engine = engine.clone();
        let service = hyper::service::service_fn(move |req| {
            let engine = engine.clone();
            let heads = heads.clone();
            async move { Ok::<_, Infallible>(handle(req, &engine, &heads, peer, local).await) }
        });
        let conn = builder.serve_connection_with_upgrades(io, service).into_owned();
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!(error = %e, %peer, "receiver connection ended with an error");
            }
        });
    }
    drop(listener);
    if tokio::time::timeout(DRAIN_TIMEOUT, graceful.shutdown()).await.is_err() {
        tracing::warn!("receiver: requests still in flight after {DRAIN_TIMEOUT:?}; closing anyway");
    }
}

async fn handle(
    req: Request<Incoming>,
    engine: &Engine,
    heads: &HeadQueue,
    peer: SocketAddr,
    local: Option<SocketAddr>,
) -> Response<Full<Bytes>> {
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
        _ => match tokio::time::timeout(BODY_READ_TIMEOUT, read_body(body, limit)).await {
            Ok(read) => read,
            Err(_) => {
                return error(StatusCode::REQUEST_TIMEOUT, "body_timeout", "the request body did not arrive in time");
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
            return error(StatusCode::BAD_REQUEST, "body_unreadable", "the request body could not be read");
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
        Ok((summary, response)) => {
            let status = StatusCode::from_u16(response.status).unwrap_or(StatusCode::OK);
            json(status, &response.body, Some(summary.id))
        }
        Err(e) if e.is_transient() => {
            tracing::warn!(error = %e, "capture not stored: store busy or full");
            error(StatusCode::SERVICE_UNAVAILABLE, "store_unavailable", &format!("the request was not stored: {e}"))
        }
        Err(e) => {
            tracing::error!(error = %e, "capture not stored");
            error(StatusCode::INTERNAL_SERVER_ERROR, "store_error", &format!("the request was not stored: {e}"))
        }
    }
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

fn json(status: StatusCode, value: &serde_json::Value, capture_id: Option<i64>) -> Response<Full<Bytes>> {
    let mut res = Response::new(Full::new(Bytes::from(value.to_string())));
    *res.status_mut() = status;
    let headers = res.headers_mut();
    headers.insert(hyper::header::CONTENT_TYPE, hyper::header::HeaderValue::from_static("application/json"));
    if let Some(id) = capture_id {
        headers.insert("x-hookbench-capture-id", hyper::header::HeaderValue::from(id));
    }
    res
}

fn error(status: StatusCode, code: &str, message: &str) -> Response<Full<Bytes>> {
    json(status, &serde_json::json!({"code": code, "message": message}), None)
}
