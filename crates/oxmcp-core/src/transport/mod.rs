//! Transports move frames between a peer and a [`crate::server::Session`].
//!
//! Every transport has the same shape: frames in go to `Session::handle_frame` together with an
//! [`crate::server::Inbound`] saying where answers go; frames out arrive at an
//! [`crate::server::Outbound`]. HTTP-family transports plug in the same way with a per-request
//! `Outbound`.

pub mod framing;
pub mod memory;
pub mod stdio;

pub use memory::MemoryClient;
pub use stdio::{serve_process_stdio, serve_streams, StdioOptions};
