//! Native notifications from the shell: a dead letter while the window is not focused becomes a desktop
//! notification, at most one per [`GAP`] ("3 new dead letters"). The UI sends its own through
//! `@tauri-apps/plugin-notification`; this is the one the shell sends without the UI's help.
//!
//! Every notification goes through [`Notifier`], so a test can see the call: the unit tests use a fake,
//! and the desktop e2e sets `HOOKBENCH_NOTIFY_LOG=<file>` ([`NOTIFY_LOG_VAR`]), to which each
//! notification is appended as one JSON line `{"title": …, "body": …}` as well as shown.

use std::collections::{HashSet, VecDeque};
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use hookbench_domain::outbox::{EventId, EventState, EventSummary};
use hookbench_engine::{LiveEvent, LiveMessage};
use tauri::{AppHandle, Runtime};
use tauri_plugin_notification::NotificationExt;
use tokio::sync::broadcast::{Receiver, error::RecvError};
use tokio::time::Instant;

/// The least time between two dead-letter notifications.
pub const GAP: Duration = Duration::from_secs(10);
/// Test hook: a file each notification the shell sends is appended to, one JSON line each.
pub const NOTIFY_LOG_VAR: &str = "HOOKBENCH_NOTIFY_LOG";
/// Longest URL shown in a notification; the rest is cut with an ellipsis.
const MAX_URL_CHARS: usize = 80;
/// How many dead event ids are remembered, so an event announced twice as dead counts once.
const SEEN_CAPACITY: usize = 1024;

/// Something that shows a notification.
pub trait Notifier: Send + Sync {
    fn notify(&self, title: &str, body: &str);
}

/// The desktop's notification centre, through tauri-plugin-notification.
pub struct Native<R: Runtime>(pub AppHandle<R>);

impl<R: Runtime> Notifier for Native<R> {
    fn notify(&self, title: &str, body: &str) {
        let body = body_markup(body);
        if let Err(err) = self.0.notification().builder().title(title).body(body).show() {
            tracing::warn!(error = %err, "could not show a notification");
        }
    }
}

/// Appends each notification to a file as a JSON line, then passes it on.
pub struct Logged {
    pub path: PathBuf,
    pub inner: Arc<dyn Notifier>,
}

impl Notifier for Logged {
    fn notify(&self, title: &str, body: &str) {
        let line = serde_json::json!({ "title": title, "body": body }).to_string();
        let written = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .and_then(|mut file| writeln!(file, "{line}"));
        if let Err(err) = written {
            tracing::warn!(error = %err, path = %self.path.display(), "could not append to {NOTIFY_LOG_VAR}");
        }
        self.inner.notify(title, body);
    }
}

/// The native notifier, logged to the file `HOOKBENCH_NOTIFY_LOG` names when it is set.
pub fn notifier<R: Runtime>(app: &AppHandle<R>, log: Option<PathBuf>) -> Arc<dyn Notifier> {
    let native: Arc<dyn Notifier> = Arc::new(Native(app.clone()));
    match log {
        Some(path) => Arc::new(Logged { path, inner: native }),
        None => native,
    }
}

/// What a notification says about one dead letter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadLetter {
    pub method: String,
    pub url: String,
    pub reason: Option<String>,
}

impl From<&EventSummary> for DeadLetter {
    fn from(event: &EventSummary) -> Self {
        DeadLetter { method: event.method.clone(), url: event.url.clone(), reason: event.dead_reason.clone() }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub title: String,
    pub body: String,
}

/// The notification for `count` new dead letters, the latest of which is `latest`.
pub fn dead_letter_notice(count: usize, latest: &DeadLetter) -> Notice {
    let title = if count == 1 { "1 new dead letter".to_owned() } else { format!("{count} new dead letters") };
    let what = format!("{} {}", latest.method, shorten(&latest.url, MAX_URL_CHARS));
    let what = match &latest.reason {
        Some(reason) if !reason.trim().is_empty() => format!("{what}: {}", reason.trim()),
        _ => what,
    };
    let body = if count == 1 { what } else { format!("Latest: {what}") };
    Notice { title, body: format!("{body}\nHookbench gave up on delivering it; see Dead letters in the Outbox.") }
}

fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// The body as the notification server reads it. On Linux servers may read the body as markup
/// (the freedesktop `body-markup` capability), where `<`, `>` and `&` from a URL would be tags or
/// entities; elsewhere the text is shown as is.
pub fn body_markup(body: &str) -> String {
    if cfg!(target_os = "linux") {
        body.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
    } else {
        body.to_owned()
    }
}

/// At most one notification per `gap`: the first dead letter is told at once, the ones within the gap
/// after it are counted and told together when the gap ends.
#[derive(Debug)]
pub struct Throttle {
    gap: Duration,
    last_sent: Option<Instant>,
    pending: usize,
    latest: Option<DeadLetter>,
}

impl Throttle {
    pub fn new(gap: Duration) -> Self {
        Throttle { gap, last_sent: None, pending: 0, latest: None }
    }

    /// Counts a dead letter; returns the notification to send now, if the gap allows one.
    pub fn add(&mut self, letter: DeadLetter, now: Instant) -> Option<Notice> {
        self.pending += 1;
        self.latest = Some(letter);
        match self.last_sent {
            Some(sent) if now < sent + self.gap => None,
            _ => self.take(now),
        }
    }

    /// When the counted dead letters may be told; `None` when none wait.
    pub fn due_at(&self) -> Option<Instant> {
        if self.pending == 0 {
            return None;
        }
        Some(self.last_sent.map_or_else(Instant::now, |sent| sent + self.gap))
    }

    /// The notification for the dead letters counted so far, if any and the gap has passed.
    pub fn flush(&mut self, now: Instant) -> Option<Notice> {
        match self.due_at() {
            Some(due) if now >= due => self.take(now),
            _ => None,
        }
    }

    fn take(&mut self, now: Instant) -> Option<Notice> {
        let latest = self.latest.take()?;
        let notice = dead_letter_notice(self.pending, &latest);
        self.pending = 0;
        self.last_sent = Some(now);
        Some(notice)
    }
}

/// Event ids already told about, the oldest forgotten first.
struct Seen {
    order: VecDeque<EventId>,
    ids: HashSet<EventId>,
}

impl Seen {
    fn new() -> Self {
        Seen { order: VecDeque::new(), ids: HashSet::new() }
    }

    /// `false` when `id` was already seen.
    fn insert(&mut self, id: EventId) -> bool {
        if !self.ids.insert(id) {
            return false;
        }
        self.order.push_back(id);
        if self.order.len() > SEEN_CAPACITY
            && let Some(old) = self.order.pop_front()
        {
            self.ids.remove(&old);
        }
        true
    }
}

/// Follows the engine's live bus and notifies of each new dead letter that arrives while `focused()`
/// is false (a focused window shows the Outbox itself), throttled to one notification per `gap`.
/// Ends when the bus closes.
pub async fn watch_dead_letters(
    mut bus: Receiver<LiveMessage>,
    focused: impl Fn() -> bool + Send,
    notifier: Arc<dyn Notifier>,
    gap: Duration,
) {
    let mut throttle = Throttle::new(gap);
    let mut seen = Seen::new();
    loop {
        let due = throttle.due_at();
        let wake = async {
            match due {
                Some(at) => tokio::time::sleep_until(at).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            message = bus.recv() => match message {
                Ok(LiveMessage { event: LiveEvent::EventUpdated(event), .. }) if event.state == EventState::Dead => {
                    if !seen.insert(event.id) || focused() {
                        continue;
                    }
                    if let Some(notice) = throttle.add(DeadLetter::from(&event), Instant::now()) {
                        notifier.notify(&notice.title, &notice.body);
                    }
                }
                Ok(_) => {}
                Err(RecvError::Lagged(missed)) => {
                    tracing::warn!(missed, "dead-letter notifications fell behind the live bus; some may be missing");
                }
                Err(RecvError::Closed) => break,
            },
            () = wake => {
                if let Some(notice) = throttle.flush(Instant::now()) {
                    notifier.notify(&notice.title, &notice.body);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hookbench_domain::outbox::EventOrigin;
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use tokio::sync::broadcast;

    fn letter(url: &str) -> DeadLetter {
        DeadLetter { method: "POST".into(), url: url.into(), reason: Some("400 is not retryable".into()) }
    }

    #[test]
    fn one_dead_letter_names_its_request_and_reason() {
        let notice = dead_letter_notice(1, &letter("http://127.0.0.1:9000/hooks"));
        assert_eq!(notice.title, "1 new dead letter");
        assert!(
            notice.body.starts_with("POST http://127.0.0.1:9000/hooks: 400 is not retryable\n"),
            "method, URL and reason first: {}",
            notice.body
        );
    }

    #[test]
    fn several_dead_letters_are_counted_and_the_latest_is_named() {
        let notice = dead_letter_notice(3, &letter("http://127.0.0.1:9000/b"));
        assert_eq!(notice.title, "3 new dead letters");
        assert!(notice.body.starts_with("Latest: POST http://127.0.0.1:9000/b: 400"), "{}", notice.body);
    }

    #[test]
    fn a_long_url_is_cut_and_a_missing_reason_is_left_out() {
        let url = format!("http://127.0.0.1:9000/{}", "x".repeat(200));
        let notice = dead_letter_notice(1, &DeadLetter { method: "PUT".into(), url, reason: None });
        let first = notice.body.lines().next().unwrap_or_default();
        assert_eq!(first.chars().count(), "PUT ".len() + MAX_URL_CHARS, "cut to the limit: {first}");
        assert!(first.ends_with('…'), "the cut is marked: {first}");
        assert!(!first.contains(": "), "no reason, no colon: {first}");
    }

    #[test]
    fn markup_in_a_body_is_escaped_on_linux() {
        let body = body_markup("POST http://h/<b>?a=1&b=2");
        if cfg!(target_os = "linux") {
            assert_eq!(body, "POST http://h/&lt;b&gt;?a=1&amp;b=2");
        } else {
            assert_eq!(body, "POST http://h/<b>?a=1&b=2");
        }
    }

    #[test]
    fn the_first_dead_letter_is_told_at_once_and_the_next_ones_after_the_gap_together() {
        let start = Instant::now();
        let mut throttle = Throttle::new(GAP);
        assert_eq!(throttle.due_at(), None, "nothing waits");
        let first = throttle.add(letter("http://t/1"), start).expect("the first one goes out at once");
        assert_eq!(first.title, "1 new dead letter");
        for (i, at) in [1u64, 4, 9].into_iter().enumerate() {
            let held = throttle.add(letter(&format!("http://t/{}", i + 2)), start + Duration::from_secs(at));
            assert_eq!(held, None, "within the gap nothing goes out ({at} s)");
        }
        assert_eq!(throttle.due_at(), Some(start + GAP), "the batch is due when the gap ends");
        assert_eq!(throttle.flush(start + Duration::from_millis(9_999)), None, "not before");
        let batch = throttle.flush(start + GAP).expect("due at the end of the gap");
        assert_eq!(batch.title, "3 new dead letters");
        assert!(batch.body.starts_with("Latest: POST http://t/4:"), "the latest is named: {}", batch.body);
        assert_eq!(throttle.due_at(), None, "nothing left");
        assert_eq!(throttle.flush(start + GAP * 5), None, "a flush with nothing counted sends nothing");
    }

    #[test]
    fn a_dead_letter_after_a_quiet_gap_is_told_at_once() {
        let start = Instant::now();
        let mut throttle = Throttle::new(GAP);
        assert!(throttle.add(letter("http://t/1"), start).is_some());
        let later = throttle.add(letter("http://t/2"), start + GAP + Duration::from_secs(1));
        assert_eq!(later.map(|n| n.title), Some("1 new dead letter".to_owned()));
    }

    /// Records each call instead of showing it.
    #[derive(Default)]
    struct Recorder(Mutex<Vec<(String, String)>>, tokio::sync::Notify);

    impl Notifier for Recorder {
        fn notify(&self, title: &str, body: &str) {
            if let Ok(mut calls) = self.0.lock() {
                calls.push((title.to_owned(), body.to_owned()));
            }
            self.1.notify_one();
        }
    }

    impl Recorder {
        fn titles(&self) -> Vec<String> {
            self.0.lock().map(|c| c.iter().map(|(t, _)| t.clone()).collect()).unwrap_or_default()
        }
    }

    fn summary(id: EventId, state: EventState) -> LiveMessage {
        let event = EventSummary {
            id,
            destination_id: None,
            url: format!("http://127.0.0.1:9/e/{id}"),
            method: "POST".into(),
            idempotency_key: format!("k{id}"),
            state,
            created_at: 0,
            updated_at: 0,
            next_attempt_at: None,
            attempt_count: 1,
            last_status: Some(400),
            last_error: None,
            dead_reason: (state == EventState::Dead).then(|| "400 is not retryable".to_owned()),
            resent_from: None,
            body_size: 2,
            target_key: "http://127.0.0.1:9".into(),
            origin: EventOrigin::Send,
            capture_id: None,
            batch_id: None,
        };
        LiveMessage { seq: u64::try_from(id).unwrap_or(0), event: LiveEvent::EventUpdated(event) }
    }

    #[tokio::test(start_paused = true)]
    async fn dead_letters_on_the_bus_make_the_notify_call_throttled_and_only_when_unfocused() {
        let (tx, rx) = broadcast::channel(64);
        let recorder = Arc::new(Recorder::default());
        // The window is focused when the first dead letter comes, and not after.
        let asked = Arc::new(AtomicUsize::new(0));
        let watcher = tokio::spawn({
            let asked = asked.clone();
            let notifier: Arc<dyn Notifier> = recorder.clone();
            watch_dead_letters(rx, move || asked.fetch_add(1, Ordering::SeqCst) == 0, notifier, GAP)
        });
        let send = |message| tx.send(message).map(|_| ()).expect("the watcher listens");

        send(summary(1, EventState::Dead));
        send(summary(2, EventState::Delivered));
        send(summary(3, EventState::Retrying));
        send(summary(4, EventState::Dead));
        recorder.1.notified().await;
        assert_eq!(recorder.titles(), ["1 new dead letter"], "only the dead letter seen while unfocused counts");
        assert!(recorder.0.lock().map(|c| c[0].1.contains("/e/4")).unwrap_or(false), "it is event 4");

        send(summary(4, EventState::Dead));
        send(summary(5, EventState::Dead));
        send(summary(6, EventState::Dead));
        recorder.1.notified().await;
        assert_eq!(
            recorder.titles(),
            ["1 new dead letter", "2 new dead letters"],
            "the two new ones in the gap go out together; event 4 again counts once"
        );
        let calls = recorder.0.lock().map(|c| c.clone()).unwrap_or_default();
        assert!(calls[1].1.starts_with("Latest: POST http://127.0.0.1:9/e/6: 400"), "{}", calls[1].1);

        drop(tx);
        watcher.await.expect("the watcher ends when the bus closes");
        assert_eq!(recorder.titles().len(), 2, "nothing more");
    }

    #[test]
    fn the_log_hook_appends_one_json_line_per_notification_and_passes_it_on() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let path = dir.path().join("notify.jsonl");
        let recorder = Arc::new(Recorder::default());
        let logged = Logged { path: path.clone(), inner: recorder.clone() };
        logged.notify("1 new dead letter", "POST http://t/\"q\"\nmore");
        logged.notify("2 new dead letters", "Latest: …");
        let text = std::fs::read_to_string(&path).expect("the log exists");
        let lines: Vec<serde_json::Value> =
            text.lines().map(|l| serde_json::from_str(l).expect("each line is JSON")).collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0]["title"], "1 new dead letter");
        assert_eq!(lines[0]["body"], "POST http://t/\"q\"\nmore", "the body round-trips");
        assert_eq!(recorder.titles(), ["1 new dead letter", "2 new dead letters"], "and each is still shown");
    }
}
