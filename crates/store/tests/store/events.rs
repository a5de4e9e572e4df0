//! The outbox tables: stored before any attempt, claimed and finished in one transaction each,
//! and nothing lost when the process dies mid-attempt.

use hookbench_domain::outbox::{
    AttemptResponse, AttemptResult, AttemptState, DeliverySettings, EventFilter, EventOrigin, EventState, NewEvent,
    SentRequest,
};
use hookbench_domain::retry::{NextStep, ScaledDelay};
use hookbench_store::{Finish, Store};

const T0: i64 = 1_796_000_000_000;

fn new_event(key: &str) -> NewEvent {
    NewEvent {
        body: br#"{"type":"invoice.paid"}"#.to_vec(),
        ..NewEvent::new(EventOrigin::Send, "http://127.0.0.1:9/hook".into(), key.into(), DeliverySettings::default())
    }
}

fn request() -> SentRequest {
    SentRequest { method: "POST".into(), url: "http://127.0.0.1:9/hook".into(), headers: Vec::new() }
}

fn answered(status: u16, at: i64) -> AttemptResult {
    AttemptResult {
        finished_at: at,
        duration_ms: 12,
        response: Some(AttemptResponse {
            status,
            headers: Vec::new(),
            body_base64: String::new(),
            body_truncated: false,
        }),
        error_class: None,
        error: None,
    }
}

#[tokio::test]
async fn an_event_is_stored_and_due_before_its_first_attempt() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let event = store.insert_event(new_event("msg_1"), T0).await.unwrap();
    assert_eq!(event.summary.state, EventState::Pending, "stored as pending");
    assert_eq!(event.summary.attempt_count, 0, "no attempt was made to store it");
    assert_eq!(event.summary.next_attempt_at, Some(T0), "due at once");
    let (attempts, _) = store.event_timeline(event.summary.id).await.unwrap();
    assert!(attempts.is_empty(), "the outbox row exists without any attempt row");
    let due = store.due_events(T0, Vec::new(), 10).await.unwrap();
    assert_eq!(due.len(), 1, "the scheduler finds it through the due index");
    assert!(
        store.due_events(T0, vec!["http://127.0.0.1:9".into()], 10).await.unwrap().is_empty(),
        "a full target is skipped"
    );
}

#[tokio::test]
async fn claiming_marks_the_event_delivering_with_an_in_flight_attempt_and_finishing_moves_both_on() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let id = store.insert_event(new_event("msg_2"), T0).await.unwrap().summary.id;
    let (summary, attempt) = store.claim_event(id, request(), T0).await.unwrap().unwrap();
    assert_eq!((summary.state, summary.attempt_count, summary.next_attempt_at), (EventState::Delivering, 1, None));
    assert_eq!(
        (attempt.number, attempt.state),
        (1, AttemptState::InFlight),
        "the attempt row is written with the claim"
    );
    assert!(store.claim_event(id, request(), T0).await.unwrap().is_none(), "an event is claimed once");
    assert_eq!(store.next_due_after(T0 - 1).await.unwrap(), None, "a claimed event is not due");

    let retry_at = T0 + 60_000;
    let next = NextStep::RetryAt {
        at: retry_at,
        attempt: 2,
        delay: ScaledDelay { real_ms: 60_000, scaled_ms: 60_000 },
        because: "503 is retryable; attempt 2 at +1m".into(),
    };
    let finish = Finish {
        attempt_id: attempt.id,
        result: answered(503, T0 + 12),
        next: next.clone(),
        breaker: None,
        breaker_state: None,
    };
    let (summary, attempt) = store.finish_attempt(finish).await.unwrap();
    assert_eq!(summary.state, EventState::Retrying);
    assert_eq!(summary.next_attempt_at, Some(retry_at), "due again when the decision says");
    assert_eq!(summary.last_status, Some(503));
    assert_eq!(attempt.state, AttemptState::Finished);
    assert_eq!(attempt.next, Some(next), "the decision is kept with the attempt");
    assert_eq!(store.next_due_after(T0).await.unwrap(), Some(retry_at), "the index knows the next due time");

    let (_, second) = store.claim_event(id, request(), retry_at).await.unwrap().unwrap();
    let dead = NextStep::GiveUp { because: "400 is not retryable: dead letter".into() };
    let finish = Finish {
        attempt_id: second.id,
        result: answered(400, retry_at + 5),
        next: dead,
        breaker: None,
        breaker_state: None,
    };
    let (summary, _) = store.finish_attempt(finish).await.unwrap();
    assert_eq!(summary.state, EventState::Dead);
    assert_eq!(summary.dead_reason.as_deref(), Some("400 is not retryable: dead letter"), "the reason is kept");
    let counts = store.dead_letter_counts().await.unwrap();
    assert_eq!(counts.len(), 1);
    assert_eq!(counts[0].count, 1);
    let page = store.list_events(EventFilter { state: Some(EventState::Dead), limit: 10, ..Default::default() }).await;
    assert_eq!(page.unwrap().items.len(), 1, "the state filter finds the dead letter");
}

#[tokio::test]
async fn after_a_crash_in_flight_attempts_are_interrupted_and_their_events_due_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let id = {
        let store = Store::open(dir.path()).unwrap();
        let id = store.insert_event(new_event("msg_3"), T0).await.unwrap().summary.id;
        store.claim_event(id, request(), T0).await.unwrap().unwrap();
        store.close().await;
        id
    };
    let store = Store::open(dir.path()).unwrap();
    let later = T0 + 5_000;
    assert_eq!(store.recover_interrupted(later).await.unwrap(), vec![id], "the stranded event is found");
    let event = store.get_event(id).await.unwrap().unwrap();
    assert_eq!(event.summary.state, EventState::Retrying);
    assert_eq!(event.summary.next_attempt_at, Some(later), "due at once");
    let (attempts, marks) = store.event_timeline(id).await.unwrap();
    assert_eq!(attempts[0].state, AttemptState::Interrupted, "the attempt is recorded as interrupted");
    assert_eq!(marks[0].kind, "recovered", "the timeline says why it was retried");
    assert!(store.recover_interrupted(later).await.unwrap().is_empty(), "recovery is idempotent");
}
