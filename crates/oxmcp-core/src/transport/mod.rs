//! Transports move frames between peers and [`crate::server::Session`]s.
//!
//! The contract has two halves. Inbound, a transport hands each frame to
//! `Session::handle_frame` together with an [`crate::server::Inbound`] that says where answers go
//! and which headers came with it. Outbound, answers arrive at that [`crate::server::Outbound`]
//! from whatever thread produced them; the transport queues and writes them. A server-side
//! transport wraps its accept/read loop in [`Transport::serve`]; the in-memory transport is a
//! client ([`MemoryClient`]) connected straight to a session.

pub mod framing;
pub mod http;
mod listen;
pub mod memory;
pub mod stdio;
pub mod ws;

use crate::server::Server;
use std::future::Future;
use std::io;
use std::pin::Pin;
use tokio_util::sync::CancellationToken;

pub use http::{serve_http, serve_std_listener, HttpOptions, MountedApp};
pub use memory::MemoryClient;
pub use stdio::{serve_process_stdio, serve_streams, Stdio, StdioOptions};
pub use ws::{serve_websocket, serve_ws_listener, serve_ws_std_listener, WebSocket, WsOptions};

/// A future that serves until its transport is done.
pub type ServeFuture = Pin<Box<dyn Future<Output = io::Result<()>> + Send>>;

/// A way of serving a [`Server`] to peers: stdio here; Streamable HTTP, SSE and WebSocket plug in
/// the same way. `serve` returns when the transport ends (stdin closed, listener closed...) or
/// `shutdown` is cancelled.
pub trait Transport: Send + 'static {
    fn serve(self: Box<Self>, server: Server, shutdown: CancellationToken) -> ServeFuture;
}
