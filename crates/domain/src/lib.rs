//! Pure types and rules of Hookbench. Nothing here touches a socket, a file or the wall clock.

pub mod alerts;
pub mod batch;
pub mod breaker;
pub mod capture;
pub mod clock;
pub mod dedupe;
pub mod endpoint;
pub mod exchange;
pub mod fault;
pub mod metrics;
pub mod outbox;
pub mod ratelimit;
pub mod replay;
pub mod response;
pub mod retry;
pub mod settings;
pub mod signature;

pub use capture::{
    Capture, CaptureFilter, CaptureId, CapturePage, CaptureSummary, DedupeClaim, Header, NewCapture, StoredCapture,
};
pub use clock::{Clock, ManualClock, SystemClock, Timestamp};
