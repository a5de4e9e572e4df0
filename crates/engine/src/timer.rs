//! Sleeping until a clock time. The scheduler waits through a `Timer` so that a test can move a
//! manual clock forward and wake it, instead of sleeping in real time.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use hookbench_domain::{Clock, ManualClock, Timestamp};
use tokio::sync::watch;

pub type Sleep<'a> = Pin<Box<dyn Future<Output = ()> + Send + 'a>>;

pub trait Timer: Send + Sync + 'static {
    /// Resolves once the clock reads `at` or later (at once when it already does).
    fn sleep_until(&self, at: Timestamp) -> Sleep<'_>;
}

/// Real time: sleeps the difference between `at` and the clock's reading.
pub struct SystemTimer {
    clock: Arc<dyn Clock>,
}

/// The longest single nap: a wall clock that jumps (suspend, NTP) is noticed within this.
const MAX_NAP: Duration = Duration::from_secs(300);

impl SystemTimer {
    pub fn new(clock: Arc<dyn Clock>) -> Self {
        Self { clock }
    }
}

impl Timer for SystemTimer {
    fn sleep_until(&self, at: Timestamp) -> Sleep<'_> {
        Box::pin(async move {
            loop {
                let left = at.saturating_sub(self.clock.now_ms());
                if left <= 0 {
                    return;
                }
                let nap = Duration::from_millis(u64::try_from(left).unwrap_or(0)).min(MAX_NAP);
                tokio::time::sleep(nap).await;
            }
        })
    }
}

/// A timer over a [`ManualClock`]: time moves only through [`ManualTimer::advance_ms`], which
/// wakes every sleeper whose time has come. Clones share the clock.
#[derive(Clone)]
pub struct ManualTimer {
    clock: ManualClock,
    moved: Arc<watch::Sender<Timestamp>>,
}

impl ManualTimer {
    pub fn new(clock: ManualClock) -> Self {
        let moved = Arc::new(watch::Sender::new(clock.now_ms()));
        Self { clock, moved }
    }

    pub fn clock(&self) -> &ManualClock {
        &self.clock
    }

    /// Moves the clock forward and wakes the sleepers that are due.
    pub fn advance_ms(&self, ms: i64) {
        self.clock.advance_ms(ms);
        self.moved.send_replace(self.clock.now_ms());
    }

    /// Sets the clock and wakes the sleepers that are due.
    pub fn set_ms(&self, at: Timestamp) {
        self.clock.set_ms(at);
        self.moved.send_replace(at);
    }
}

impl Timer for ManualTimer {
    fn sleep_until(&self, at: Timestamp) -> Sleep<'_> {
        let mut moved = self.moved.subscribe();
        Box::pin(async move {
            // The sender lives as long as `self`, so `changed` only fails when nobody can move time.
            while self.clock.now_ms() < at {
                if moved.changed().await.is_err() {
                    std::future::pending::<()>().await;
                }
            }
        })
    }
}
