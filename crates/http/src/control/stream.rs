//! `/api/stream`: what changes, live, as server-sent events.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::{Stream, StreamExt};
use tokio_stream::wrappers::BroadcastStream;
use tokio_stream::wrappers::errors::BroadcastStreamRecvError;

use super::AppState;

/// Events: `capture.created` (a CaptureSummary), `capture.deleted` (`{"id"}`), `captures.cleared`
/// (`{}`), and `resync` (`{}`) when this client fell behind and must refetch.
#[utoipa::path(get, path = "/api/stream", tag = "live",
    params(("token" = Option<String>, Query, description = "the API token, for clients that cannot set headers")),
    responses((status = 200, description = "server-sent events", content_type = "text/event-stream")))]
pub async fn stream(State(state): State<AppState>) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let live = BroadcastStream::new(state.engine.subscribe()).map(|item| {
        Ok(match item {
            Ok(msg) => Event::default()
                .event(msg.event.name())
                .id(msg.seq.to_string())
                .data(serde_json::to_string(&msg.event).unwrap_or_else(|_| "{}".into())),
            Err(BroadcastStreamRecvError::Lagged(missed)) => {
                tracing::debug!(missed, "SSE client lagged; asking it to resync");
                Event::default().event("resync").data("{}")
            }
        })
    });
    let hello = futures_util::stream::once(async { Ok(Event::default().event("ready").data("{}")) });
    let mut shutdown = state.shutdown.clone();
    let until_shutdown = async move {
        let _ = shutdown.wait_for(|stop| *stop).await;
    };
    Sse::new(hello.chain(live).take_until(until_shutdown))
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}
