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

/// A listener bound with the standard library (so callers learn bind errors and the port
/// synchronously), made ready for tokio.
pub(crate) fn tokio_listener(listener: std::net::TcpListener) -> io::Result<tokio::net::TcpListener> {
    listener.set_nonblocking(true)?;
    tokio::net::TcpListener::from_std(listener)
}

/// The next connection of a network transport, with `TCP_NODELAY` set (without it a sequential
/// call waits ~40 ms: Nagle plus delayed ACK), or `None` once `shutdown` is cancelled. Accept errors
/// (e.g. out of file descriptors) are logged and retried after a short back-off, never spun on.
pub(crate) async fn accept(
    listener: &tokio::net::TcpListener,
    shutdown: &CancellationToken,
) -> Option<tokio::net::TcpStream> {
    loop {
        let accepted = tokio::select! {
            r = listener.accept() => r,
            _ = shutdown.cancelled() => return None,
        };
        match accepted {
            Ok((stream, _peer)) => {
                let _ = stream.set_nodelay(true);
                return Some(stream);
            }
            Err(e) => {
                tracing::warn!(target: "oxmcp.transport", "accept failed: {e}");
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
        }
    }
}

/// A future that serves until its transport is done.
pub type ServeFuture = Pin<Box<dyn Future<Output = io::Result<()>> + Send>>;

/// A way of serving a [`Server`] to peers: stdio here; Streamable HTTP, SSE and WebSocket plug in
/// the same way. `serve` returns when the transport ends (stdin closed, listener closed...) or
/// `shutdown` is cancelled.
pub trait Transport: Send + 'static {
    fn serve(self: Box<Self>, server: Server, shutdown: CancellationToken) -> ServeFuture;
}
