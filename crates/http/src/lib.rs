//! Hookbench's HTTP faces: the receiver, the control API with its SSE stream and OpenAPI
//! document, and the UI bundle. `start` runs them all over one engine.

mod control;
mod error;
mod receiver;
mod server;
mod ui;

pub use control::openapi;
pub use error::ErrorBody;
pub use server::{
    CONNECTION_FILE, DEFAULT_API_ADDR, DEFAULT_RECEIVER_ADDR, Running, ServeConfig, StartError, new_token, start,
    start_with_clock,
};
