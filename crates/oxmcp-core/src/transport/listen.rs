//! The listening half of the network transports (Streamable HTTP, which also serves the legacy
//! SSE transport, and WebSocket): binding, the accept loop, counting open connections, shutdown.
//!
//! A transport hands [`serve`] what to do with one connection. Connections run on tasks of their
//! own and are counted while they live ([`Connections`]: WebSocket refuses upgrades past its
//! `max_connections` with it). On `shutdown` accepting stops at once; every connection sees the
//! same token and closes in its own transport's way within its own grace (HTTP: hyper's graceful
//! shutdown; WebSocket: a 1001 close frame); `serve` returns when they are all gone, or once
//! `drain` has passed.
//!
//! Accepting never spins: when it fails for want of file descriptors (EMFILE/ENFILE, or memory)
//! it backs off (10 ms doubling to 1 s) and tries again at once when one of its connections
//! closes; an episode is logged once when it begins and once when it ends, never per attempt.
//! Accepted sockets get TCP keep-alive, so a peer that vanished without closing is noticed.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;
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
pub(crate) struct Connections {
    open: AtomicUsize,
    /// Woken when a connection closes (a descriptor was freed).
    closed: Notify,
}

impl Connections {
    pub(crate) fn open(&self) -> usize {
        self.open.load(Ordering::SeqCst)
    }
}

/// Counts a connection as open until dropped (its task ended, or was dropped with the runtime).
struct Open(Arc<Connections>);

impl Open {
    fn new(connections: Arc<Connections>) -> Self {
        connections.open.fetch_add(1, Ordering::SeqCst);
        Open(connections)
    }
}

impl Drop for Open {
    fn drop(&mut self) {
        self.0.open.fetch_sub(1, Ordering::SeqCst);
        self.0.closed.notify_one();
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
    let mut starved = None;
    while let Some(stream) = accept(&listener, &shutdown, &connections, &mut starved).await {
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
/// plus delayed ACK) and TCP keep-alive, or `None` once `shutdown` is cancelled. Failures are
/// retried as the module says: at once for one connection's failure, after a back-off for the
/// server's (out of descriptors), within the episode `starved` records.
async fn accept(
    listener: &TcpListener,
    shutdown: &CancellationToken,
    connections: &Connections,
    starved: &mut Option<Starved>,
) -> Option<TcpStream> {
    loop {
        let accepted = tokio::select! {
            r = listener.accept() => r,
            _ = shutdown.cancelled() => return None,
        };
        let e = match accepted {
            Ok((stream, _peer)) => {
                // While descriptors trickle back (each closing connection frees one), accepts
                // and failures alternate: the episode ends only after a quiet second.
                if let Some(ep) = starved.as_mut() {
                    ep.delay = FIRST_BACKOFF;
                    if ep.last_failure.elapsed() >= QUIET {
                        tracing::warn!(
                            target: "oxmcp.transport",
                            "accepting connections again after {} failed attempt(s) over {:.1?}",
                            ep.failures,
                            ep.last_failure - ep.since
                        );
                        *starved = None;
                    }
                }
                let _ = stream.set_nodelay(true);
                keep_alive(&stream);
                return Some(stream);
            }
            Err(e) => e,
        };
        if one_connections_failure(&e) {
            tracing::debug!(target: "oxmcp.transport", "a connection failed before it was accepted: {e}");
            continue;
        }
        let ep = starved.get_or_insert_with(|| {
            tracing::warn!(
                target: "oxmcp.transport",
                "cannot accept connections ({e}; {} open): backing off until one closes",
                connections.open()
            );
            let now = Instant::now();
            Starved { since: now, last_failure: now, failures: 0, delay: FIRST_BACKOFF }
        });
        ep.failures += 1;
        ep.last_failure = Instant::now();
        let delay = ep.delay;
        ep.delay = (delay * 2).min(MAX_BACKOFF);
        tokio::select! {
            _ = tokio::time::sleep(delay) => {}
            _ = connections.closed.notified() => {}
            _ = shutdown.cancelled() => return None,
        }
    }
}

/// The first and the longest wait between two accept attempts while out of descriptors.
const FIRST_BACKOFF: Duration = Duration::from_millis(10);
const MAX_BACKOFF: Duration = Duration::from_secs(1);
/// How long accepting must go without failing before an episode is over.
const QUIET: Duration = Duration::from_secs(1);

/// An episode of failing accepts (out of descriptors or memory), logged at its start and end.
struct Starved {
    since: Instant,
    last_failure: Instant,
    failures: u64,
    delay: Duration,
}

/// Errors that concern one incoming connection (it was reset before we took it), not the server.
fn one_connections_failure(e: &io::Error) -> bool {
    use io::ErrorKind::*;
    matches!(e.kind(), ConnectionAborted | ConnectionReset | Interrupted)
        || e.raw_os_error().is_some_and(|c| c == libc::EPROTO || c == libc::EPERM)
}

/// TCP keep-alive: probes after 60 s of silence, every 10 s, 6 times; a peer that vanished
/// without closing (network cut, host gone) is noticed within about 2 minutes.
fn keep_alive(stream: &TcpStream) {
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        let fd = stream.as_raw_fd();
        let set = |level: libc::c_int, name: libc::c_int, value: libc::c_int| {
            // SAFETY: `fd` is an open socket for the duration of the call; the value is a c_int.
            unsafe {
                libc::setsockopt(
                    fd,
                    level,
                    name,
                    (&value as *const libc::c_int).cast(),
                    std::mem::size_of::<libc::c_int>() as libc::socklen_t,
                )
            }
        };
        set(libc::SOL_SOCKET, libc::SO_KEEPALIVE, 1);
        set(libc::IPPROTO_TCP, libc::TCP_KEEPIDLE, 60);
        set(libc::IPPROTO_TCP, libc::TCP_KEEPINTVL, 10);
        set(libc::IPPROTO_TCP, libc::TCP_KEEPCNT, 6);
    }
    #[cfg(not(target_os = "linux"))]
    let _ = stream;
}

/// The soft limit on open file descriptors of this process, if known.
pub(crate) fn descriptor_limit() -> Option<u64> {
    #[cfg(unix)]
    {
        let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
        // SAFETY: getrlimit writes into the struct we own.
        if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } == 0 && limit.rlim_cur != libc::RLIM_INFINITY {
            #[allow(clippy::unnecessary_cast)] // rlim_t is not u64 on every platform
            return Some(limit.rlim_cur as u64);
        }
    }
    None
}
