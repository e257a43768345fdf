//! The listening half of the network transports (Streamable HTTP, which also serves the legacy
//! SSE transport, and WebSocket): binding, the accept loop, counting open connections, shutdown.
//!
//! A transport hands [`serve`] what to do with one connection. Connections run on tasks of their
//! own and are counted while they live ([`Connections`]: WebSocket refuses upgrades past its
//! `max_connections` with it). On `shutdown` accepting stops at once; every connection sees the
//! same token and closes in its own transport's way within its own grace (HTTP: hyper's graceful
//! shutdown; WebSocket: a 1001 close frame); `serve` returns when they are all gone, or once
//! `drain` has passed.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// Binds `addr`; `on_bound` learns the actual address (port 0 picks one).
pub(crate) async fn bind(addr: SocketAddr, on_bound: impl FnOnce(SocketAddr)) -> io::Result<TcpListener> {
    let listener = TcpListener::bind(addr).await?;
    on_bound(listener.local_addr()?);
    Ok(listener)
}

/// A listener bound with the standard library (so callers learn bind errors and the port
/// synchronously), made ready for tokio.
pub(crate) fn from_std(listener: std::net::TcpListener) -> io::Result<TcpListener> {
    listener.set_nonblocking(true)?;
    TcpListener::from_std(listener)
}

/// How many connections of one listener are open.
#[derive(Debug, Default)]
pub(crate) struct Connections(AtomicUsize);

impl Connections {
    pub(crate) fn open(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

/// Counts a connection as open until dropped (its task ended, or was dropped with the runtime).
struct Open(Arc<Connections>);

impl Open {
    fn new(connections: Arc<Connections>) -> Self {
        connections.0.fetch_add(1, Ordering::SeqCst);
        Open(connections)
    }
}

impl Drop for Open {
    fn drop(&mut self) {
        self.0 .0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Accepts connections until `shutdown`, each served by `connection(stream, shutdown)` on a task
/// of its own and counted in `connections` meanwhile; then waits, at most `drain`, for the open
/// ones to close.
pub(crate) async fn serve<F, Fut>(
    listener: TcpListener,
    shutdown: CancellationToken,
    connections: Arc<Connections>,
    drain: Duration,
    connection: F,
) where
    F: Fn(TcpStream, CancellationToken) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    while let Some(stream) = accept(&listener, &shutdown).await {
        // Counted before the task starts, so a limit check inside it sees this connection too.
        let open = Open::new(connections.clone());
        let served = connection(stream, shutdown.clone());
        tokio::spawn(async move {
            served.await;
            drop(open);
        });
    }
    drop(listener);
    let deadline = Instant::now() + drain;
    while connections.open() > 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// The next connection, with `TCP_NODELAY` set (without it a sequential call waits ~40 ms: Nagle
/// plus delayed ACK), or `None` once `shutdown` is cancelled. Accept errors (e.g. out of file
/// descriptors) are logged and retried after a short back-off, never spun on.
async fn accept(listener: &TcpListener, shutdown: &CancellationToken) -> Option<TcpStream> {
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
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
}
