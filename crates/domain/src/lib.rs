//! Pure types and rules of Hookbench. Nothing here touches a socket, a file or the wall clock.

pub mod capture;
pub mod clock;
pub mod signature;

pub use capture::{Capture, CaptureFilter, CaptureId, CapturePage, CaptureSummary, Header, NewCapture};
pub use clock::{Clock, ManualClock, SystemClock, Timestamp};
