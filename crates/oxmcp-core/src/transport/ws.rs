//! WebSocket: one JSON-RPC message per text frame, one [`Session`] per connection.
//!
//! - **Upgrade.** `GET <path>` with the usual WebSocket headers. The Host/Origin checks are the
//!   HTTP transport's [`AccessPolicy`] with the same defaults (on loopback only loopback names and
//!   origins; anything else gets 403 on the upgrade). Any other path gets 404; more connections than
//!   `max_connections` get 503. The subprotocol `mcp` is selected (`Sec-WebSocket-Protocol: mcp`)
//!   when the client offers it; clients that offer no subprotocol are accepted as well.
//! - **Session.** The connection is a handshake-era session (`initialize` first). Requests that
//!   carry the 2026-07-28 `_meta` protocol version are served statelessly per message, as on every
//!   transport. The upgrade request's headers are what `validate_request` sees.
//! - **Authentication.** With an authentication step (`Handler::authenticates`), the upgrade's
//!   head is read first and passes the gate (`transport::gate`, via `ws_gate`); a refused caller
//!   gets 401 with `WWW-Authenticate: Bearer` instead of 101 (after the 403/404/503 checks). The
//!   connection's frames then carry its principal.
//! - **Frames.** Each text frame is handed to `Session::handle_frame` on the connection's reader
//!   task; malformed JSON is answered -32700 and the connection keeps serving. A binary frame is
//!   answered -32600 (with its id when one can be sniffed) and the connection keeps serving. A
//!   message larger than the server's `max_message_bytes` closes the connection with 1009
//!   (message too big): its payload is never read, so there is nothing to answer.
//! - **Answers** come back through an [`Outbound`] from any thread into a channel; one writer task
//!   per connection writes whatever is queued and flushes once.
//! - **Time is bounded**: the upgrade (`handshake_timeout`), every write (`write_timeout`: a client
//!   that stops reading is disconnected), liveness (a ping every `ping_interval`; a peer silent for
//!   two intervals is closed with 1008), and the close (`close_grace`). Client pings are answered.
//! - **Closing** the socket (either side) cancels the session's requests in flight
//!   ([`Session::cancel_all`]); `shutdown` closes every connection with 1001 (going away).

use super::gate::{self, CHALLENGE};
use super::http::{header_list, AccessPolicy};
use super::listen::{self, Connections};
use super::queue::{queue, QueueOutbound, QueueReceiver, QueueSender, DEFAULT_STREAM_BUDGET};
use super::ws_gate::{head_headers, read_head, Replayed};
use crate::jsonrpc::{self, ErrorObject};
use crate::server::{Headers, Inbound, Principal, Server, Session};
use bytes::Bytes;
use futures_util::{Sink, SinkExt, StreamExt};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::http::{HeaderValue, StatusCode};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, WebSocketConfig};
use tokio_tungstenite::tungstenite::{Error as WsError, Message, Utf8Bytes};
use tokio_util::sync::CancellationToken;

const TARGET: &str = "oxmcp.transport.ws";

/// The WebSocket subprotocol this transport speaks.
pub const SUBPROTOCOL: &str = "mcp";

/// Settings of the WebSocket transport.
#[derive(Debug, Clone)]
pub struct WsOptions {
    /// The path upgrades are accepted on, e.g. `/` or `/mcp`.
    pub path: String,
    /// Extra allowed `Host` names (loopback names are allowed when listening on loopback).
    pub allowed_hosts: Vec<String>,
    /// Allowed browser `Origin`s (`*` for any); loopback origins are allowed on loopback.
    pub allowed_origins: Vec<String>,
    /// Open connections beyond this are refused with 503.
    pub max_connections: usize,
    /// How long a client may take to complete the upgrade.
    pub handshake_timeout: Duration,
    /// How often the server pings; a peer that sends nothing (not even a pong) for two intervals
    /// is disconnected.
    pub ping_interval: Duration,
    /// How long one batch of outgoing frames may take to write, and how long queued frames may
    /// wait for a client that reads nothing (it is disconnected). Default 30 s.
    pub write_timeout: Duration,
    /// Bytes queued for one connection before producers of notifications wait (default 4 MiB).
    pub stream_budget: usize,
    /// How long closing a connection may take (the close frame out, the peer's close back).
    pub close_grace: Duration,
}

impl Default for WsOptions {
    fn default() -> Self {
        WsOptions {
            path: "/".into(),
            allowed_hosts: Vec::new(),
            allowed_origins: Vec::new(),
            max_connections: 10_000,
            handshake_timeout: Duration::from_secs(10),
            ping_interval: Duration::from_secs(30),
            write_timeout: Duration::from_secs(30),
            stream_budget: DEFAULT_STREAM_BUDGET,
            close_grace: Duration::from_secs(2),
        }
    }
}

/// Binds `addr` and serves until `shutdown`. `on_bound` learns the actual address (port 0 picks one).
pub async fn serve_websocket(
    server: Server,
    addr: SocketAddr,
    options: WsOptions,
    shutdown: CancellationToken,
    on_bound: impl FnOnce(SocketAddr) + Send,
) -> std::io::Result<()> {
    serve_ws_listener(server, listen::bind(addr, on_bound).await?, options, shutdown).await
}

/// Serves a listener bound with the standard library (so callers learn bind errors and the port
/// synchronously) until `shutdown`.
pub async fn serve_ws_std_listener(
    server: Server,
    listener: std::net::TcpListener,
    options: WsOptions,
    shutdown: CancellationToken,
) -> std::io::Result<()> {
    serve_ws_listener(server, listen::from_std(listener)?, options, shutdown).await
}

/// Serves an already bound listener until `shutdown`; then closes every connection (bounded by
/// `close_grace`) before returning.
pub async fn serve_ws_listener(
    server: Server,
    listener: TcpListener,
    options: WsOptions,
    shutdown: CancellationToken,
) -> std::io::Result<()> {
    let local = listener.local_addr()?;
    let policy = AccessPolicy::for_address(local, &options.allowed_hosts, options.allowed_origins.clone(), false);
    let shared = Arc::new(Shared { server, options, policy, connections: Default::default() });
    tracing::info!(target: TARGET, "serving MCP on ws://{local}{}", shared.options.path);
    // A connection's close may take close_grace for our close frame and again for the peer's.
    let drain = shared.options.close_grace * 2 + Duration::from_millis(500);
    listen::serve(listener, shutdown, shared.connections.clone(), drain, |stream, shutdown| {
        connection(shared.clone(), stream, shutdown)
    })
    .await;
    Ok(())
}

struct Shared {
    server: Server,
    options: WsOptions,
    policy: AccessPolicy,
    connections: Arc<Connections>,
}

/// What the writer task is asked to do.
enum Out {
    Frame(Vec<u8>),
    Ping,
    /// Send this close frame (if any), flush, and stop.
    Close(Option<CloseFrame>),
}

impl Out {
    fn size(&self) -> usize {
        match self {
            Out::Frame(f) => f.len(),
            _ => 0,
        }
    }
}

/// The session's [`Outbound`]: any thread may send; the writer task writes.
fn ws_outbound(tx: QueueSender<Out>) -> QueueOutbound<Out> {
    QueueOutbound::new(tx, |f| {
        let n = f.len();
        (Out::Frame(f), n)
    })
}

/// An HTTP answer that refuses an upgrade, with a JSON-RPC error body (tungstenite writes the body
/// as is: the length is ours to declare).
fn refusal(status: StatusCode, error: ErrorObject) -> ErrorResponse {
    let body = String::from_utf8_lossy(&jsonrpc::encode_error(None, &error)).into_owned();
    let length = HeaderValue::from(body.len());
    let mut r = ErrorResponse::new(Some(body));
    *r.status_mut() = status;
    let h = r.headers_mut();
    h.insert("content-type", HeaderValue::from_static("application/json"));
    h.insert("content-length", length);
    h.insert("connection", HeaderValue::from_static("close"));
    r
}

fn offers_mcp(request: &Request) -> bool {
    request
        .headers()
        .get_all("sec-websocket-protocol")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|p| p.trim() == SUBPROTOCOL)
}

impl Shared {
    /// Decides an upgrade: `Err` is the HTTP answer that refuses it. On success, `headers` gets
    /// the request's headers (lower-case names) for the session's `Inbound`.
    #[allow(clippy::result_large_err)] // the shape tungstenite's callback requires
    fn accept(
        &self,
        request: &Request,
        mut response: Response,
        headers: &mut Headers,
        caller: &Result<Option<Principal>, ErrorObject>,
    ) -> Result<Response, ErrorResponse> {
        if let Err(why) = self.policy.check(request.headers()) {
            tracing::warn!(target: TARGET, "refused an upgrade: {why}");
            return Err(refusal(StatusCode::FORBIDDEN, ErrorObject::invalid_request(format!("Forbidden: {why}"))));
        }
        let path = request.uri().path();
        if path != self.options.path {
            return Err(refusal(StatusCode::NOT_FOUND, ErrorObject::invalid_request(format!("Not found: {path}"))));
        }
        if self.connections.open() > self.options.max_connections {
            tracing::warn!(target: TARGET, "refused an upgrade: {} connections are open", self.options.max_connections);
            return Err(refusal(
                StatusCode::SERVICE_UNAVAILABLE,
                ErrorObject::invalid_request("too many connections; try again later"),
            ));
        }
        if let Err(refused) = caller {
            let mut r = refusal(StatusCode::UNAUTHORIZED, refused.clone());
            r.headers_mut().insert("www-authenticate", HeaderValue::from_static(CHALLENGE));
            return Err(r);
        }
        if offers_mcp(request) {
            response.headers_mut().insert("sec-websocket-protocol", HeaderValue::from_static(SUBPROTOCOL));
        }
        *headers = header_list(request.headers());
        Ok(response)
    }
}

fn close_frame(code: CloseCode, reason: impl Into<Utf8Bytes>) -> Option<CloseFrame> {
    Some(CloseFrame { code, reason: reason.into() })
}

#[allow(clippy::result_large_err)] // the upgrade callback's shape is tungstenite's
async fn connection(shared: Arc<Shared>, stream: TcpStream, shutdown: CancellationToken) {
    let options = &shared.options;
    let max = shared.server.config().max_message_bytes;
    let config = WebSocketConfig::default().max_message_size(Some(max)).max_frame_size(Some(max));

    let deadline = Instant::now() + options.handshake_timeout;
    // The gate needs the head before tungstenite's (synchronous) upgrade callback: see `ws_gate`.
    let (stream, caller) = tokio::select! {
        r = tokio::time::timeout_at(deadline, admit(&shared.server, stream)) => match r {
            Ok(Some(admitted)) => admitted,
            Ok(None) => return,
            Err(_) => {
                tracing::debug!(target: TARGET, "upgrade timed out after {:?}", options.handshake_timeout);
                return;
            }
        },
        _ = shutdown.cancelled() => return,
    };
    let principal = caller.as_ref().ok().cloned().flatten();
    let mut headers = Headers::new();
    let callback = |req: &Request, resp: Response| shared.accept(req, resp, &mut headers, &caller);
    let upgrade = tokio_tungstenite::accept_hdr_async_with_config(stream, callback, Some(config));
    let ws = tokio::select! {
        r = tokio::time::timeout_at(deadline, upgrade) => match r {
            Ok(Ok(ws)) => ws,
            Ok(Err(e)) => {
                tracing::debug!(target: TARGET, "upgrade failed: {e}");
                return;
            }
            Err(_) => {
                tracing::debug!(target: TARGET, "upgrade timed out after {:?}", options.handshake_timeout);
                return;
            }
        },
        _ = shutdown.cancelled() => return,
    };

    let (sink, mut frames) = ws.split();
    let (tx, rx) = queue(options.stream_budget, options.write_timeout, "WebSocket connection");
    let writer_dead = CancellationToken::new();
    let mut writer = tokio::spawn(write_loop(sink, rx, options.write_timeout, writer_dead.clone()));
    let session: Arc<Session> = shared.server.session();
    let inbound = Inbound { out: Arc::new(ws_outbound(tx.clone())), headers: Arc::new(headers), principal };
    session.set_standalone(Some(inbound.out.clone()));

    let ping_every = options.ping_interval;
    let mut ticker = tokio::time::interval_at(Instant::now() + ping_every, ping_every);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut last_heard = Instant::now();
    // Why we stop: the close frame we send (None: the peer closed, or the socket broke), and what
    // to read while the peer answers it.
    let (close, then) = loop {
        tokio::select! {
            _ = shutdown.cancelled() => break (close_frame(CloseCode::Away, "the server is shutting down"), Then::AwaitClose),
            _ = writer_dead.cancelled() => break (None, Then::Nothing),
            _ = ticker.tick() => {
                if last_heard.elapsed() >= ping_every * 2 {
                    tracing::info!(target: TARGET, "closing a connection silent for {:?}", last_heard.elapsed());
                    break (close_frame(CloseCode::Policy, "no traffic, no pong"), Then::AwaitClose);
                }
                let _ = tx.send(Out::Ping, 0);
            }
            next = frames.next() => match next {
                None => break (None, Then::Nothing),
                Some(Ok(message)) => {
                    last_heard = Instant::now();
                    match message {
                        Message::Text(text) => session.handle_frame(text.as_bytes(), &inbound),
                        Message::Binary(bytes) => {
                            let err = ErrorObject::invalid_request(
                                "binary frames are not supported: send each JSON-RPC message as one text frame",
                            );
                            inbound.out.send(jsonrpc::encode_error(jsonrpc::sniff_id(&bytes).as_ref(), &err));
                        }
                        // Pings are answered by tungstenite on the next read; a Close is answered
                        // the same way, and the read after it ends the stream.
                        Message::Ping(_) | Message::Pong(_) | Message::Close(_) | Message::Frame(_) => {}
                    }
                }
                Some(Err(WsError::Capacity(e))) => {
                    tracing::warn!(target: TARGET, "closing a connection that sent too large a message: {e}");
                    let reason = format!("message too large: the limit is {max} bytes");
                    // The rest of the message is discarded unread (so the client can finish
                    // sending it and read our close instead of a reset).
                    break (close_frame(CloseCode::Size, reason), Then::Discard);
                }
                Some(Err(e)) => {
                    tracing::debug!(target: TARGET, "connection ended: {e}");
                    break (None, Then::Nothing);
                }
            }
        }
    };

    // The socket is done for this session: nothing in flight may answer any more.
    session.cancel_all();
    let _ = tx.send(Out::Close(close), 0);
    drop(inbound);
    drop(tx);
    let sink = match tokio::time::timeout(options.close_grace, &mut writer).await {
        Ok(Ok(sink)) => Some(sink),
        _ => {
            writer.abort();
            None
        }
    };
    // We closed: wait (bounded) for the peer's side, so the TCP connection ends cleanly.
    match (then, sink) {
        (Then::AwaitClose, _) => {
            let _ = tokio::time::timeout(options.close_grace, async { while let Some(Ok(_)) = frames.next().await {} })
                .await;
        }
        (Then::Discard, Some(sink)) => {
            if let Ok(ws) = frames.reunite(sink) {
                let mut tcp = ws.into_inner();
                let _ = tokio::time::timeout(options.close_grace, discard(&mut tcp)).await;
            }
        }
        _ => {}
    }
}

/// What to do after sending our close frame.
enum Then {
    Nothing,
    /// Read on (bounded) until the peer's close reply.
    AwaitClose,
    /// The WebSocket stream is unusable: read and drop raw bytes until the peer hangs up (bounded).
    Discard,
}

/// Reads the upgrade's head and runs the gate on it when the server authenticates (`None`: the
/// client left). The stream given back replays what was read.
async fn admit(
    server: &Server,
    mut stream: TcpStream,
) -> Option<(Replayed<TcpStream>, Result<Option<Principal>, ErrorObject>)> {
    if !server.handler().authenticates() {
        return Some((Replayed::new(Vec::new(), stream), Ok(None)));
    }
    let head = match read_head(&mut stream).await {
        Ok(head) => head,
        Err(e) => {
            tracing::debug!(target: TARGET, "upgrade failed: {e}");
            return None;
        }
    };
    let caller = gate::authenticate(server, || head_headers(&head)).await;
    Some((Replayed::new(head, stream), caller))
}

async fn discard(tcp: &mut (impl tokio::io::AsyncRead + Unpin)) {
    use tokio::io::AsyncReadExt;
    let mut buf = vec![0u8; 64 * 1024];
    while matches!(tcp.read(&mut buf).await, Ok(n) if n > 0) {}
}

fn text_message(frame: Vec<u8>) -> Message {
    // Encoded JSON is UTF-8; the lossy path is never expected.
    let text = String::from_utf8(frame).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
    Message::Text(text.into())
}

/// Writes what the connection's [`Outbound`] queues: everything already queued, then one flush,
/// each batch bounded by `write_timeout`. Cancels `dead` if writing fails or stalls; returns the sink.
async fn write_loop<S>(mut sink: S, mut rx: QueueReceiver<Out>, write_timeout: Duration, dead: CancellationToken) -> S
where
    S: Sink<Message, Error = WsError> + Unpin,
{
    const BATCH: usize = 256;
    const BATCH_BYTES: usize = 1 << 20;
    let mut batch = Vec::with_capacity(BATCH);
    loop {
        let Some(first) = rx.recv().await else {
            break; // every sender is gone, or the client stalled and the queue closed
        };
        // Take what is already queued, up to a count and a size: frames taken leave the queue's
        // budget, so the batch is bounded too.
        let mut taken = first.size();
        batch.push(first);
        while batch.len() < BATCH && taken < BATCH_BYTES {
            let Some(next) = rx.try_recv() else { break };
            taken += next.size();
            batch.push(next);
        }
        let mut closing = false;
        let write = async {
            for item in batch.drain(..) {
                match item {
                    Out::Frame(frame) => sink.feed(text_message(frame)).await?,
                    Out::Ping => sink.feed(Message::Ping(Bytes::new())).await?,
                    Out::Close(frame) => {
                        closing = true;
                        if let Some(frame) = frame {
                            sink.feed(Message::Close(Some(frame))).await?;
                        }
                        break;
                    }
                }
            }
            sink.flush().await
        };
        match tokio::time::timeout(write_timeout, write).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                if !closing {
                    tracing::debug!(target: TARGET, "writing failed: {e}");
                }
                break;
            }
            Err(_) => {
                tracing::warn!(target: TARGET, "a client read nothing for {write_timeout:?}; disconnecting it");
                break;
            }
        }
        if closing {
            break;
        }
        batch.clear();
    }
    dead.cancel();
    sink
}
