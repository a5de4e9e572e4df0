//! `/api/stream`: what changes, live, as server-sent events.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::{Stream, StreamExt};
use tokio_stream::wrappers::BroadcastStream;
use tokio_stream::wrappers::errors::BroadcastStreamRecvError;

use hookbench_engine::LiveMessage;
use tokio::sync::broadcast;

use super::AppState;

/// Events: `capture.created` (a CaptureSummary), `capture.deleted` (`{"id"}`), `captures.cleared`
/// (`{}`), and `resync` (`{}`) when this client fell behind and must refetch.
#[utoipa::path(get, path = "/api/stream", tag = "live",
    params(("token" = Option<String>, Query, description = "the API token, for clients that cannot set headers")),
    responses((status = 200, description = "server-sent events", content_type = "text/event-stream")))]
pub async fn stream(State(state): State<AppState>) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let live = live_events(state.engine.subscribe());
    let hello = futures_util::stream::once(async { Ok(Event::default().event("ready").data("{}")) });
    let mut shutdown = state.shutdown.clone();
    let until_shutdown = async move {
        let _ = shutdown.wait_for(|stop| *stop).await;
    };
    Sse::new(hello.chain(live).take_until(until_shutdown))
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}

/// The bus as SSE events. A client that reads too slowly falls behind the bus's bounded buffer:
/// it then gets one `resync` (refetch) and goes on from the oldest event still buffered, so
/// nothing queues up for it beyond the bus's capacity and the publishers never wait for it.
fn live_events(live: broadcast::Receiver<LiveMessage>) -> impl Stream<Item = Result<Event, Infallible>> {
    BroadcastStream::new(live).map(|item| {
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
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use axum::response::IntoResponse;
    use hookbench_engine::LiveEvent;
    use http_body_util::BodyExt;

    use super::*;

    /// What a client reads: (event name, id) per SSE event.
    async fn read_all(live: broadcast::Receiver<LiveMessage>) -> Vec<(String, Option<String>)> {
        let body = Sse::new(live_events(live)).into_response().into_body().collect().await.unwrap().to_bytes();
        let text = String::from_utf8(body.to_vec()).unwrap();
        text.split("\n\n")
            .filter(|block| !block.trim().is_empty())
            .map(|block| {
                let field = |name: &str| {
                    block.lines().find_map(|l| l.strip_prefix(name).map(|v| v.trim_start_matches(' ').to_owned()))
                };
                (field("event:").unwrap_or_default(), field("id:"))
            })
            .collect()
    }

    #[tokio::test]
    async fn a_client_that_falls_behind_gets_resync_then_the_newest_events_only() {
        let (bus, _) = broadcast::channel::<LiveMessage>(4);
        let slow = bus.subscribe();
        for seq in 1..=10 {
            bus.send(LiveMessage { seq, event: LiveEvent::CaptureDeleted { id: seq as i64 } }).unwrap();
        }
        drop(bus);
        let seen = read_all(slow).await;
        let expected: Vec<(String, Option<String>)> = std::iter::once(("resync".to_owned(), None))
            .chain((7..=10).map(|seq| ("capture.deleted".to_owned(), Some(seq.to_string()))))
            .collect();
        assert_eq!(seen, expected, "one resync, then only what the bounded buffer kept");
    }

    #[tokio::test]
    async fn a_client_that_keeps_up_gets_every_event_and_no_resync() {
        let (bus, _) = broadcast::channel::<LiveMessage>(4);
        let live = bus.subscribe();
        for seq in 1..=3 {
            bus.send(LiveMessage { seq, event: LiveEvent::CapturesCleared {} }).unwrap();
        }
        drop(bus);
        let seen = read_all(live).await;
        let names: Vec<&str> = seen.iter().map(|(name, _)| name.as_str()).collect();
        assert_eq!(names, ["captures.cleared"; 3]);
    }
}
