//! Consuming an endpoint's captures without an HTTP server of one's own: an SSE feed that resumes
//! with `Last-Event-ID`, and polling with named consumers that acknowledge (at-least-once).

use std::convert::Infallible;
use std::time::Duration;

use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::{Stream, StreamExt};
use hookbench_domain::endpoint::EndpointId;
use hookbench_domain::{Capture, CaptureId};
use hookbench_engine::consume::PollPage;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::AppState;
use super::forward::endpoint_id;
use crate::error::{ApiError, ErrorBody};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StreamQuery {
    /// Resume after this capture id, for clients that cannot set `Last-Event-ID`.
    pub after: Option<CaptureId>,
}

/// SSE: first `ready` (`{}`), then `capture` events (data: the full `Capture`, headers and body
/// base64), `id:` = the capture id. With `Last-Event-ID` (or `?after=`) every stored capture of
/// the endpoint with a larger id comes first, then live ones: no gap, no duplicate.
#[utoipa::path(get, path = "/api/endpoints/{id}/stream", tag = "consume",
    params(("id" = i64, Path, description = "endpoint id"), StreamQuery,
        ("token" = Option<String>, Query, description = "the API token, for clients that cannot set headers"),
        ("Last-Event-ID" = Option<i64>, Header, description = "resume after this capture id")),
    responses((status = 200, description = "server-sent events: `capture` (a Capture)", content_type = "text/event-stream"),
        (status = 404, body = ErrorBody)))]
pub async fn stream(
    State(state): State<AppState>,
    id: Result<Path<EndpointId>, PathRejection>,
    q: Result<Query<StreamQuery>, QueryRejection>,
    headers: HeaderMap,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let id = endpoint_id(&state, id).await?;
    let Query(q) = q.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let header = match headers.get("last-event-id") {
        Some(v) => Some(
            v.to_str()
                .ok()
                .and_then(|v| v.trim().parse::<CaptureId>().ok())
                .ok_or_else(|| ApiError::bad_request("Last-Event-ID is a capture id (a whole number)"))?,
        ),
        None => None,
    };
    let feed = state.engine.capture_feed(id, header.or(q.after)).await?;
    let captures = futures_util::stream::unfold(feed, |mut feed| async move {
        match feed.next().await {
            Ok(capture) => Some((Ok(capture_event(&capture)), feed)),
            Err(e) => {
                tracing::warn!(error = %e, "the capture feed cannot read the store; closing it");
                None
            }
        }
    });
    let hello = futures_util::stream::once(async { Ok(Event::default().event("ready").data("{}")) });
    let mut shutdown = state.shutdown.clone();
    let until_shutdown = async move {
        let _ = shutdown.wait_for(|stop| *stop).await;
    };
    Ok(Sse::new(hello.chain(captures).take_until(until_shutdown))
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}

fn capture_event(capture: &Capture) -> Event {
    Event::default()
        .event("capture")
        .id(capture.summary.id.to_string())
        .data(serde_json::to_string(capture).unwrap_or_else(|_| "{}".into()))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PollQuery {
    /// A consumer name: start after its acknowledged id.
    pub consumer: Option<String>,
    /// Start after this capture id instead (e.g. the previous page's `next_cursor`).
    pub cursor: Option<CaptureId>,
    /// Page size, 1–500 (default 100).
    pub limit: Option<usize>,
    /// Seconds to wait for a capture when there is none yet (0–60, default 0).
    pub wait: Option<u64>,
}

#[utoipa::path(get, path = "/api/endpoints/{id}/poll", tag = "consume",
    params(("id" = i64, Path, description = "endpoint id"), PollQuery),
    responses((status = 200, body = PollPage), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn poll(
    State(state): State<AppState>,
    id: Result<Path<EndpointId>, PathRejection>,
    q: Result<Query<PollQuery>, QueryRejection>,
) -> Result<Json<PollPage>, ApiError> {
    let id = endpoint_id(&state, id).await?;
    let Query(q) = q.map_err(|e| ApiError::bad_request(e.body_text()))?;
    if q.wait.is_some_and(|w| w > 60) {
        return Err(ApiError::bad_request("wait is at most 60 seconds"));
    }
    let wait = Duration::from_secs(q.wait.unwrap_or(0));
    Ok(Json(state.engine.poll_captures(id, q.consumer, q.cursor, q.limit.unwrap_or(100), wait).await?))
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AckInput {
    pub consumer: String,
    /// Every capture up to this id is acknowledged.
    pub id: CaptureId,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Acked {
    pub consumer: String,
    /// The consumer's mark now: never lower than before.
    pub acked: CaptureId,
}

#[utoipa::path(post, path = "/api/endpoints/{id}/ack", tag = "consume",
    params(("id" = i64, Path, description = "endpoint id")), request_body = AckInput,
    responses((status = 200, body = Acked), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn ack(
    State(state): State<AppState>,
    id: Result<Path<EndpointId>, PathRejection>,
    input: Result<Json<AckInput>, JsonRejection>,
) -> Result<Json<Acked>, ApiError> {
    let id = endpoint_id(&state, id).await?;
    let Json(input) = input.map_err(ApiError::from_json)?;
    let acked = state.engine.ack_captures(id, input.consumer.clone(), input.id).await?;
    Ok(Json(Acked { consumer: input.consumer, acked }))
}
