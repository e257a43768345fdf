//! One HTTP/1.1 connection of the server's own listener. hyper serves it; this adds the bounds
//! hyper leaves to us (defaults in `HttpOptions`):
//! - **header-read timeout**: a request's headers must arrive within `header_read_timeout`,
//!   counted from the connection's start or from the first byte after an answer (slowloris);
//! - **body-read timeout**: a request's body must have arrived `body_read_timeout` after its
//!   headers (else the request fails with 400 and the connection closes): a trickled body cannot
//!   hold a connection either;
//! - **keep-alive timeout**: a connection with no request in flight and no answer being sent
//!   (an open SSE stream counts as one) is closed after `keep_alive_timeout`;
//! - **`max_connections`**: a connection beyond it is answered `503` with `Retry-After` and
//!   closed (beyond a little more, closed at once: refusing must not cost without bound).
//!
//! hyper's own `header_read_timeout` also runs between requests, so it would end idle keep-alive
//! connections at the header timeout; the two timeouts are told apart here instead, by watching
//! the bytes read ([`Watched`]) and the requests and answers in progress ([`Busy`]).

use super::body;
use super::held::hold;
use super::router::{handle, Caller, Scope};
use super::state::State;
use crate::jsonrpc::{self, codes, ErrorObject};
use crate::transport::listen::Connections;
use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::header::HeaderValue;
use hyper::{Response, StatusCode};
use hyper_util::rt::TokioIo;
use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_util::sync::CancellationToken;

/// How long an HTTP connection may take, once shutdown begins, to finish the answers it is
/// sending (an open SSE stream never finishes: it is cut off then).
pub(super) const CLOSE_GRACE: Duration = Duration::from_secs(2);

/// The longest a refused connection is kept to hear its 503.
const REFUSAL_TIME: Duration = Duration::from_secs(2);

/// Whether the listener is refusing connections now (logged once per episode, not per refusal).
#[derive(Default)]
pub(super) struct Refusing(AtomicBool);

/// Serves one accepted connection (`connections` already counts it) until the client closes it,
/// a timeout ends it, or shutdown (then what is being answered gets [`CLOSE_GRACE`]).
pub(super) async fn connection(
    state: Arc<State>,
    stream: TcpStream,
    shutdown: CancellationToken,
    connections: &Connections,
    refusing: &Refusing,
) {
    let (open, max) = (connections.open(), state.options.max_connections.max(1));
    if open > max {
        if !refusing.0.swap(true, Ordering::Relaxed) {
            tracing::warn!(target: "oxmcp.transport.http", "{max} connections are open (max_connections): answering new ones 503");
        }
        if open <= max + max / 4 + 64 {
            refuse(stream, state.options.header_read_timeout.min(REFUSAL_TIME)).await;
        }
        return;
    }
    if open <= max * 9 / 10 && refusing.0.swap(false, Ordering::Relaxed) {
        tracing::info!(target: "oxmcp.transport.http", "below max_connections again: accepting new connections");
    }
    let (header_timeout, keep_alive_timeout) = (state.options.header_read_timeout, state.options.keep_alive_timeout);
    let body_timeout = state.options.body_read_timeout;
    let activity = Arc::new(Activity::new());
    let watched = activity.clone();
    let service = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
        let state = state.clone();
        let busy = Busy::start(watched.clone());
        let started = tokio::time::Instant::now();
        let req = req.map(|body| Timed { body, started, deadline: None, limit: body_timeout });
        async move { Ok::<_, Infallible>(hold(handle(&state, req, Scope::Listener, Caller::Ask).await, busy)) }
    });
    let io = TokioIo::new(Watched { inner: stream, activity: activity.clone() });
    let conn = hyper::server::conn::http1::Builder::new().keep_alive(true).serve_connection(io, service);
    tokio::pin!(conn);
    tokio::select! {
        _ = conn.as_mut() => {}
        why = activity.expired(header_timeout, keep_alive_timeout) => {
            // Nothing is in flight: dropping the connection closes it; nobody loses an answer.
            tracing::debug!(target: "oxmcp.transport.http", "closing a connection: {why}");
        }
        _ = shutdown.cancelled() => {
            conn.as_mut().graceful_shutdown();
            let _ = tokio::time::timeout(CLOSE_GRACE, conn).await;
        }
    }
}

/// Answers a connection past `max_connections`: reads one request (its body up to 64 KiB, so
/// closing does not reset the connection before the client reads the answer), answers 503 with
/// `Retry-After`, closes. At most `within` in all.
async fn refuse(stream: TcpStream, within: Duration) {
    let service = hyper::service::service_fn(|req: hyper::Request<Incoming>| async move {
        let _ = http_body_util::Limited::new(req.into_body(), 64 * 1024).collect().await;
        let err = ErrorObject::new(
            codes::LIMIT_REACHED,
            "Too many connections: the server is at max_connections; try again later",
        )
        .with_data(serde_json::json!({ "limit": "connections" }));
        let mut r = Response::new(body::full(jsonrpc::encode_error(None, &err)));
        *r.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
        let h = r.headers_mut();
        h.insert("content-type", HeaderValue::from_static("application/json"));
        h.insert("retry-after", HeaderValue::from_static("1"));
        h.insert("connection", HeaderValue::from_static("close"));
        Ok::<_, Infallible>(r)
    });
    let conn =
        hyper::server::conn::http1::Builder::new().keep_alive(false).serve_connection(TokioIo::new(stream), service);
    let _ = tokio::time::timeout(within, conn).await;
}

/// What one connection is doing, for its two timeouts. Times are milliseconds since `epoch`.
struct Activity {
    epoch: Instant,
    /// Requests being served plus answers being sent.
    busy: AtomicUsize,
    /// When the headers now awaited began (first byte, or the connection's start), plus 1;
    /// 0: none awaited (between requests, or while busy).
    head_started: AtomicU64,
    /// When the connection last became idle (busy fell to 0).
    idle_since: AtomicU64,
}

impl Activity {
    fn new() -> Self {
        Activity {
            epoch: Instant::now(),
            busy: AtomicUsize::new(0),
            head_started: AtomicU64::new(1), // a new connection owes its first request's headers
            idle_since: AtomicU64::new(0),
        }
    }

    fn now_ms(&self) -> u64 {
        self.epoch.elapsed().as_millis() as u64
    }

    /// Bytes arrived: between requests, they begin the next request's headers.
    fn bytes_read(&self) {
        if self.busy.load(Ordering::SeqCst) == 0 && self.head_started.load(Ordering::SeqCst) == 0 {
            self.head_started.store(self.now_ms() + 1, Ordering::SeqCst);
        }
    }

    /// Returns (why) once the connection has waited too long for headers, or been idle too long.
    ///
    /// The state is re-read every `tick` (a quarter of the shorter timeout, 50 ms to 2.5 s) rather
    /// than on every change: requests only touch atomics, never wake this (a wake-up per request
    /// cost the keep-alive hot path ~10% of its calls/s). A timeout so lands within one tick late.
    async fn expired(&self, header_timeout: Duration, keep_alive: Duration) -> &'static str {
        let (header_ms, idle_ms) = (header_timeout.as_millis() as u64, keep_alive.as_millis() as u64);
        let tick = (header_ms.min(idle_ms) / 4).clamp(50, 2_500);
        loop {
            let now = self.now_ms();
            let deadline = if self.busy.load(Ordering::SeqCst) > 0 {
                now + tick // a request or an answer in progress: no deadline, look again later
            } else {
                match self.head_started.load(Ordering::SeqCst) {
                    0 => {
                        let at = self.idle_since.load(Ordering::SeqCst) + idle_ms;
                        if now >= at {
                            return "idle past keep_alive_timeout";
                        }
                        at
                    }
                    started => {
                        let at = started - 1 + header_ms;
                        if now >= at {
                            return "request headers not received within header_read_timeout";
                        }
                        at
                    }
                }
            };
            // Headers that begin while idle move the deadline earlier: never sleep past a tick.
            tokio::time::sleep(Duration::from_millis((deadline - now).min(tick))).await;
        }
    }
}

/// A request being served, then its answer being sent (it lives in the response body).
struct Busy(Arc<Activity>);

impl Busy {
    fn start(activity: Arc<Activity>) -> Self {
        activity.busy.fetch_add(1, Ordering::SeqCst);
        activity.head_started.store(0, Ordering::SeqCst); // the headers came
        Busy(activity)
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        let a = &self.0;
        a.idle_since.store(a.now_ms(), Ordering::SeqCst);
        a.busy.fetch_sub(1, Ordering::SeqCst);
    }
}

/// A request body that fails once `limit` has passed since its headers arrived.
struct Timed {
    body: Incoming,
    started: tokio::time::Instant,
    /// Made when the body first keeps us waiting (most bodies never do).
    deadline: Option<Pin<Box<tokio::time::Sleep>>>,
    limit: Duration,
}

/// Why a [`Timed`] body could not be read.
#[derive(Debug)]
enum BodyReadError {
    Failed(hyper::Error),
    TimedOut(Duration),
}

impl std::fmt::Display for BodyReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BodyReadError::Failed(e) => e.fmt(f),
            BodyReadError::TimedOut(t) => write!(f, "the body did not arrive within {t:?} (body_read_timeout)"),
        }
    }
}

impl Body for Timed {
    type Data = Bytes;
    type Error = BodyReadError;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, BodyReadError>>> {
        if let Poll::Ready(frame) = Pin::new(&mut self.body).poll_frame(cx) {
            return Poll::Ready(frame.map(|f| f.map_err(BodyReadError::Failed)));
        }
        let at = self.started + self.limit;
        let deadline = self.deadline.get_or_insert_with(|| Box::pin(tokio::time::sleep_until(at)));
        match deadline.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Some(Err(BodyReadError::TimedOut(self.limit)))),
            Poll::Pending => Poll::Pending,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

/// The connection's socket, telling [`Activity`] when bytes arrive.
struct Watched {
    inner: TcpStream,
    activity: Arc<Activity>,
}

impl AsyncRead for Watched {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let r = Pin::new(&mut this.inner).poll_read(cx, buf);
        if matches!(r, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            this.activity.bytes_read();
        }
        r
    }
}

impl AsyncWrite for Watched {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}
