//! Pure types and rules of Hookbench. Nothing here touches a socket, a file or the wall clock.

pub mod capture;
pub mod clock;
pub mod dedupe;
pub mod endpoint;
pub mod signature;
pub mod breaker;
pub mod ratelimit;
pub mod retry;
pub mod response;
pub mod fault;

pub use capture::{Capture, CaptureFilter, CaptureId, CapturePage, CaptureSummary, DedupeClaim, Header, NewCapture, StoredCapture};
pub use clock::{Clock, ManualClock, SystemClock, Timestamp};
