//! Streamable HTTP, both eras on one endpoint (DESIGN §5; spec digest §4.2–4.3).
//!
//! - A POST whose message carries `_meta.io.modelcontextprotocol/protocolVersion` is served
//!   statelessly (2026-07-28): its own throwaway `Session`, request-metadata headers checked
//!   against the body (-32020), errors mapped to HTTP statuses, and a closed connection cancels it.
//! - `initialize` opens a handshake-era session with a CSPRNG `Mcp-Session-Id`; later POSTs carry
//!   the id (missing: 400, unknown or ended: 404); GET opens the session's standalone SSE stream;
//!   DELETE ends the session. A disconnect is not a cancellation in this era.
//! - A request answers with plain JSON unless a notification for it comes first, in which case
//!   the answer becomes an SSE stream (notifications, then the response).
//! - Every request passes the Host/Origin policy first (403 otherwise); `/healthz` reports status.

pub mod body;
pub mod events;
mod legacy_sse;
mod param_headers;
mod security;
mod sessions;

pub use body::BoxBody;
pub use events::{EventStore, MemoryEventStore};
pub use security::AccessPolicy;
pub use sessions::SessionTable;

use crate::jsonrpc::{self, codes, ErrorObject, Incoming, Message, RequestId};
use crate::protocol::{meta, ProtocolVersion};
use crate::server::{Headers, Inbound, Outbound, Server, Session};
use body::ChannelBody;
use bytes::Bytes;
use http_body_util::BodyExt;
use hyper::header::{HeaderMap, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};
use serde_json::{json, Value};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// Settings of the HTTP transport.
#[derive(Debug, Clone)]
pub struct HttpOptions {
    /// The MCP endpoint, e.g. `/mcp`.
    pub path: String,
    /// Extra allowed `Host` names (loopback names are allowed when listening on loopback).
    pub allowed_hosts: Vec<String>,
    /// Allowed browser `Origin`s (`*` for any); loopback origins are allowed on loopback.
    pub allowed_origins: Vec<String>,
    pub cors: bool,
    pub session_idle_timeout: Duration,
    pub max_sessions: usize,
    /// SSE keep-alive comment interval on long streams.
    pub keepalive: Duration,
    /// The 2024-11-05 HTTP+SSE transport's stream and message paths (`None`: not served).
    pub sse_path: Option<String>,
    pub sse_messages_path: String,
}

impl Default for HttpOptions {
    fn default() -> Self {
        HttpOptions {
            path: "/mcp".into(),
            allowed_hosts: Vec::new(),
            allowed_origins: Vec::new(),
            cors: false,
            session_idle_timeout: Duration::from_secs(30 * 60),
            max_sessions: 10_000,
            keepalive: Duration::from_secs(15),
            sse_path: Some("/sse".into()),
            sse_messages_path: "/messages".into(),
        }
    }
}

/// Binds `addr` and serves until `shutdown`. `on_bound` learns the actual address (port 0 picks one).
pub async fn serve_http(
    server: Server,
    addr: SocketAddr,
    options: HttpOptions,
    shutdown: CancellationToken,
    on_bound: impl FnOnce(SocketAddr) + Send,
) -> std::io::Result<()> {
    let listener = TcpListener::bind(addr).await?;
    let local = listener.local_addr()?;
    on_bound(local);
    serve_listener(server, listener, options, shutdown).await
}

/// Serves a listener bound with the standard library (so callers learn bind errors and the port
/// synchronously) until `shutdown`.
pub async fn serve_std_listener(
    server: Server,
    listener: std::net::TcpListener,
    options: HttpOptions,
    shutdown: CancellationToken,
) -> std::io::Result<()> {
    serve_listener(server, super::tokio_listener(listener)?, options, shutdown).await
}

/// Serves an already bound listener until `shutdown`.
pub async fn serve_listener(
    server: Server,
    listener: TcpListener,
    options: HttpOptions,
    shutdown: CancellationToken,
) -> std::io::Result<()> {
    let local = listener.local_addr()?;
    let policy =
        AccessPolicy::for_address(local, &options.allowed_hosts, options.allowed_origins.clone(), options.cors);
    let state = Arc::new(State::new(server, options, policy));
    tracing::info!(target: "oxmcp.transport.http", "serving MCP on http://{local}{}", state.options.path);
    let sweeper = tokio::spawn(sweep_sessions(state.clone(), shutdown.clone()));
    while let Some(stream) = super::accept(&listener, &shutdown).await {
        let state = state.clone();
        let shutdown = shutdown.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |req| {
                let state = state.clone();
                async move { Ok::<_, Infallible>(state.handle(req).await) }
            });
            let conn = hyper::server::conn::http1::Builder::new()
                .keep_alive(true)
                .serve_connection(hyper_util::rt::TokioIo::new(stream), service);
            tokio::pin!(conn);
            tokio::select! {
                _ = conn.as_mut() => {}
                _ = shutdown.cancelled() => {
                    conn.as_mut().graceful_shutdown();
                    let _ = tokio::time::timeout(Duration::from_secs(2), conn).await;
                }
            }
        });
    }
    sweeper.abort();
    Ok(())
}

/// The MCP endpoint for a host application (ASGI/FastAPI): the host routes requests here; this
/// applies the Host/Origin policy and serves the endpoint. Sessions are swept while it lives.
pub struct MountedApp {
    state: Arc<State>,
    _sweeper: tokio::task::AbortHandle,
}

impl MountedApp {
    /// Must be called within the tokio runtime (it starts the idle-session sweeper).
    pub fn new(server: Server, options: HttpOptions) -> Self {
        // The bind address is the host's business: no Host check unless asked for; browser
        // Origins must be loopback ones or allow-listed.
        let policy = AccessPolicy {
            hosts: (!options.allowed_hosts.is_empty()).then(|| options.allowed_hosts.clone()),
            origins: options.allowed_origins.clone(),
            loopback: true,
            cors: options.cors,
        };
        let state = Arc::new(State::new(server, options, policy));
        let sweeper = tokio::spawn(sweep_sessions(state.clone(), CancellationToken::new())).abort_handle();
        MountedApp { state, _sweeper: sweeper }
    }

    pub async fn handle<B: RequestBody>(&self, req: Request<B>) -> Response<BoxBody> {
        let origin = if self.state.policy.cors { req.headers().get("origin").cloned() } else { None };
        let mut response = match self.state.policy.check(req.headers()) {
            Err(why) => error_response(
                StatusCode::FORBIDDEN,
                ErrorObject::new(codes::INVALID_REQUEST, format!("Forbidden: {why}")),
            ),
            Ok(()) if req.method() == Method::OPTIONS && self.state.policy.cors => {
                let mut r = plain_status(StatusCode::NO_CONTENT);
                self.state.policy.preflight_headers(r.headers_mut());
                r
            }
            Ok(()) => self.state.endpoint(req).await,
        };
        self.state.policy.cors_headers(origin.as_ref(), response.headers_mut());
        response
    }
}

impl Drop for MountedApp {
    fn drop(&mut self) {
        self._sweeper.abort();
    }
}

async fn sweep_sessions(state: Arc<State>, shutdown: CancellationToken) {
    let every = (state.options.session_idle_timeout / 4).clamp(Duration::from_millis(100), Duration::from_secs(30));
    loop {
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = shutdown.cancelled() => return,
        }
        let n = state.sessions.sweep();
        if n > 0 {
            tracing::debug!(target: "oxmcp.transport.http", "ended {n} idle session(s)");
        }
    }
}

struct State {
    server: Server,
    options: HttpOptions,
    policy: AccessPolicy,
    sessions: SessionTable,
    sse: legacy_sse::SseSessions,
    /// Events of handshake-era POST streams, for `Last-Event-ID` replay.
    events: Arc<dyn EventStore>,
    streams: std::sync::atomic::AtomicU64,
    started: Instant,
}

impl State {
    fn new(server: Server, options: HttpOptions, policy: AccessPolicy) -> Self {
        let sessions = SessionTable::new(options.session_idle_timeout, options.max_sessions);
        State {
            server,
            options,
            policy,
            sessions,
            sse: Default::default(),
            events: Arc::new(MemoryEventStore::default()),
            streams: Default::default(),
            started: Instant::now(),
        }
    }
}

/// A frame for one HTTP request's answer.
enum OutFrame {
    Response(Vec<u8>),
    Notification(Vec<u8>),
}

struct RequestOutbound(mpsc::UnboundedSender<OutFrame>);

impl Outbound for RequestOutbound {
    fn send(&self, frame: Vec<u8>) {
        let _ = self.0.send(OutFrame::Response(frame));
    }
    fn send_notification(&self, frame: Vec<u8>) {
        let _ = self.0.send(OutFrame::Notification(frame));
    }
}

/// The GET stream of a handshake-era session: notifications that belong to no request.
struct StandaloneOutbound(mpsc::UnboundedSender<Bytes>);

impl Outbound for StandaloneOutbound {
    fn send(&self, frame: Vec<u8>) {
        let _ = self.0.send(body::sse_event(None, &frame));
    }
    fn is_open(&self) -> bool {
        !self.0.is_closed()
    }
}

/// Cancels a stateless request's work when its HTTP exchange is dropped (the client went away).
struct CancelOnDrop(Option<Arc<Session>>);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        if let Some(s) = self.0.take() {
            s.cancel_all();
        }
    }
}

fn json_response(status: StatusCode, body: impl Into<Bytes>) -> Response<BoxBody> {
    let mut r = Response::new(body::full(body));
    *r.status_mut() = status;
    r.headers_mut().insert("content-type", HeaderValue::from_static("application/json"));
    r
}

/// An HTTP error with a JSON-RPC error body (`id: null`: no request id could be read).
fn error_response(status: StatusCode, error: ErrorObject) -> Response<BoxBody> {
    error_response_for(status, None, error)
}

/// An HTTP error answering a request whose id is known.
fn error_response_for(status: StatusCode, id: Option<&RequestId>, error: ErrorObject) -> Response<BoxBody> {
    json_response(status, jsonrpc::encode_error(id, &error))
}

/// The id of the single request in a frame, if any.
fn request_id(incoming: &Incoming) -> Option<&RequestId> {
    match incoming {
        Incoming::Single(Message::Request { id, .. }) => Some(id),
        Incoming::Single(Message::Invalid { id, .. }) => id.as_ref(),
        _ => None,
    }
}

fn plain_status(status: StatusCode) -> Response<BoxBody> {
    let mut r = Response::new(body::empty());
    *r.status_mut() = status;
    r
}

/// A header's value without surrounding whitespace (RFC 9110 OWS).
fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim)
}

/// Does `Accept` allow this media type (absent header, `*/*` and `type/*` count)?
fn accepts(headers: &HeaderMap, media: &str) -> bool {
    let Some(accept) = header(headers, "accept") else { return true };
    let major = media.split('/').next().unwrap_or("");
    accept
        .split(',')
        .map(|p| p.split(';').next().unwrap_or("").trim())
        .any(|m| m == media || m == "*/*" || m.strip_suffix("/*").is_some_and(|maj| maj == major))
}

/// Lower-cased request headers, for `validate_request` and `Context.headers`.
fn header_list(headers: &HeaderMap) -> Headers {
    headers.iter().filter_map(|(k, v)| v.to_str().ok().map(|v| (k.as_str().to_string(), v.to_string()))).collect()
}

/// The HTTP status for an error answered to a stateless request (spec digest §4.2).
fn modern_status(code: i64) -> StatusCode {
    match code {
        codes::PARSE_ERROR
        | codes::INVALID_REQUEST
        | codes::INVALID_PARAMS
        | codes::HEADER_MISMATCH
        | codes::MISSING_REQUIRED_CLIENT_CAPABILITY
        | codes::UNSUPPORTED_PROTOCOL_VERSION => StatusCode::BAD_REQUEST,
        codes::METHOD_NOT_FOUND => StatusCode::NOT_FOUND,
        _ => StatusCode::OK,
    }
}

/// What a single JSON-RPC response frame says about its HTTP status.
fn response_status(frame: &[u8], modern: bool) -> (StatusCode, bool) {
    // Our encoder writes `"result"` or `"error"` right after the id: a result (the common, and
    // possibly huge, case) is recognised without parsing it.
    let result_at = memchr::memmem::find(frame, b",\"result\":");
    let error_at = memchr::memmem::find(frame, b",\"error\":{");
    match (error_at, result_at) {
        (Some(e), Some(r)) if e < r => {}
        (Some(_), None) => {}
        _ => return (StatusCode::OK, false),
    }
    let Ok(v) = serde_json::from_slice::<Value>(frame) else { return (StatusCode::OK, false) };
    let Some(err) = v.get("error") else { return (StatusCode::OK, false) };
    let rejected = err.get("data").and_then(|d| d.get(crate::server::session::REJECTED_BY)).is_some();
    if rejected {
        return (StatusCode::UNAUTHORIZED, true);
    }
    let code = err.get("code").and_then(Value::as_i64).unwrap_or(0);
    if modern {
        (modern_status(code), false)
    } else if code == codes::PARSE_ERROR || code == codes::INVALID_REQUEST {
        (StatusCode::BAD_REQUEST, false)
    } else {
        (StatusCode::OK, false)
    }
}

/// The single request in a frame, if it is one.
fn single_request(incoming: &Incoming) -> Option<(&str, &Value)> {
    match incoming {
        Incoming::Single(Message::Request { method, params, .. }) => Some((method.as_str(), params.as_ref()?)),
        _ => None,
    }
}

fn is_initialize(incoming: &Incoming) -> bool {
    matches!(incoming, Incoming::Single(Message::Request { method, .. }) if method == "initialize")
}

/// The protocol version a stateless request declares in `_meta`, if it does.
fn modern_version(incoming: &Incoming) -> Option<String> {
    let (_, params) = single_request(incoming)?;
    params.get("_meta")?.get(meta::PROTOCOL_VERSION)?.as_str().map(str::to_string)
}

fn expects_answer(incoming: &Incoming) -> bool {
    match incoming {
        Incoming::Single(m) => matches!(m, Message::Request { .. } | Message::Invalid { .. }),
        Incoming::Batch(ms) => ms.iter().any(|m| matches!(m, Message::Request { .. } | Message::Invalid { .. })),
    }
}

/// 2026-07-28 request-metadata headers must match the body: `MCP-Protocol-Version`, `Mcp-Method`,
/// and `Mcp-Name` for tools/call, resources/read and prompts/get.
fn check_metadata_headers(headers: &HeaderMap, incoming: &Incoming, version: &str) -> Result<(), ErrorObject> {
    let mismatch = |what: String| ErrorObject::new(codes::HEADER_MISMATCH, format!("Header mismatch: {what}"));
    let (method, params) = single_request(incoming).expect("a stateless request");
    match header(headers, "mcp-protocol-version") {
        Some(h) if h == version => {}
        Some(h) => return Err(mismatch(format!("MCP-Protocol-Version is {h:?} but _meta says {version:?}"))),
        None => return Err(mismatch("the MCP-Protocol-Version header is missing".into())),
    }
    match header(headers, "mcp-method") {
        Some(h) if h == method => {}
        Some(h) => return Err(mismatch(format!("Mcp-Method is {h:?} but the body's method is {method:?}"))),
        None => return Err(mismatch("the Mcp-Method header is missing".into())),
    }
    // Only for the methods this server implements: an unknown or removed method must reach the
    // dispatcher and get -32601, not a header complaint.
    let name_key = match method {
        "tools/call" | "prompts/get" => Some("name"),
        "resources/read" => Some("uri"),
        "tasks/get" | "tasks/update" | "tasks/cancel" => Some("taskId"),
        _ => None,
    };
    if let Some(key) = name_key {
        let expected = params.get(key).and_then(Value::as_str).unwrap_or_default();
        match header(headers, "mcp-name") {
            Some(h) if h == expected => {}
            Some(h) => return Err(mismatch(format!("Mcp-Name is {h:?} but params.{key} is {expected:?}"))),
            None => return Err(mismatch("the Mcp-Name header is missing".into())),
        }
    }
    Ok(())
}

impl State {
    async fn handle<B: RequestBody>(self: Arc<Self>, req: Request<B>) -> Response<BoxBody> {
        let origin = if self.policy.cors { req.headers().get("origin").cloned() } else { None };
        let mut response = self.route(req).await;
        self.policy.cors_headers(origin.as_ref(), response.headers_mut());
        response
    }

    async fn route<B: RequestBody>(self: &Arc<Self>, req: Request<B>) -> Response<BoxBody> {
        if let Err(why) = self.policy.check(req.headers()) {
            tracing::warn!(target: "oxmcp.transport.http", "refused a request: {why}");
            return error_response(
                StatusCode::FORBIDDEN,
                ErrorObject::new(codes::INVALID_REQUEST, format!("Forbidden: {why}")),
            );
        }
        if req.method() == Method::OPTIONS && self.policy.cors {
            let mut r = plain_status(StatusCode::NO_CONTENT);
            self.policy.preflight_headers(r.headers_mut());
            return r;
        }
        let path = req.uri().path();
        if path == "/healthz" && req.method() == Method::GET {
            return self.health();
        }
        if self.options.sse_path.as_deref() == Some(path) && req.method() == Method::GET {
            return legacy_sse::open(self, &req);
        }
        if self.options.sse_path.is_some() && path == self.options.sse_messages_path && req.method() == Method::POST {
            return legacy_sse::post(self, req).await;
        }
        if path != self.options.path {
            return error_response(
                StatusCode::NOT_FOUND,
                ErrorObject::new(codes::INVALID_REQUEST, format!("Not found: {path}")),
            );
        }
        self.endpoint(req).await
    }

    /// The MCP endpoint itself, by HTTP method.
    async fn endpoint<B: RequestBody>(self: &Arc<Self>, req: Request<B>) -> Response<BoxBody> {
        match *req.method() {
            Method::POST => self.post(req).await,
            Method::GET => self.get(req),
            Method::DELETE => self.delete(req.headers()),
            _ => {
                let mut r = plain_status(StatusCode::METHOD_NOT_ALLOWED);
                r.headers_mut().insert("allow", HeaderValue::from_static("GET, POST, DELETE"));
                r
            }
        }
    }

    fn health(&self) -> Response<BoxBody> {
        let config = self.server.config();
        let body = json!({
            "status": "ok",
            "name": config.name,
            "version": config.version,
            "uptimeSeconds": self.started.elapsed().as_secs_f64(),
            "sessions": self.sessions.len(),
            "sseSessions": self.sse.lock().len(),
        });
        json_response(StatusCode::OK, body.to_string())
    }

    async fn post<B: RequestBody>(self: &Arc<Self>, req: Request<B>) -> Response<BoxBody> {
        let (parts, body) = req.into_parts();
        let headers = parts.headers;
        if let Err(r) = require_json(&headers) {
            return r;
        }
        if !accepts(&headers, "application/json") && !accepts(&headers, "text/event-stream") {
            let err = ErrorObject::invalid_request("Accept must allow application/json and text/event-stream");
            return error_response(StatusCode::NOT_ACCEPTABLE, err);
        }
        let body = match read_message(body, self.server.config().max_message_bytes).await {
            Ok(b) => b,
            Err(r) => return r,
        };
        let incoming = match jsonrpc::parse(&body) {
            Ok(i) => i,
            Err(e) => return error_response(StatusCode::BAD_REQUEST, e),
        };

        // The stateless wire: `_meta` says so, or the MCP-Protocol-Version header names a
        // stateless revision (then missing `_meta` is the client's error, not a missing session).
        // Any session header is ignored (spec digest §4.2).
        let body_version = modern_version(&incoming);
        let header_is_modern =
            header(&headers, "mcp-protocol-version").and_then(ProtocolVersion::parse).is_some_and(|v| v.is_modern());
        if body_version.is_some() || header_is_modern {
            let id = request_id(&incoming);
            if !expects_answer(&incoming) {
                return plain_status(StatusCode::ACCEPTED);
            }
            let Some(version) = body_version else {
                let err = ErrorObject::invalid_params(format!(
                    "missing _meta[\"{}\"]: every 2026-07-28 request declares its protocol version and client capabilities",
                    meta::PROTOCOL_VERSION
                ));
                return error_response_for(StatusCode::BAD_REQUEST, id, err);
            };
            // Headers are checked against the body before the version's support (-32020 first).
            if let Err(e) = check_metadata_headers(&headers, &incoming, &version) {
                return error_response_for(StatusCode::BAD_REQUEST, id, e);
            }
            if let Some(("tools/call", params)) = single_request(&incoming) {
                if let Err(e) = param_headers::check(&headers, &self.server.catalog(), params) {
                    return error_response_for(StatusCode::BAD_REQUEST, id, e);
                }
            }
            let session = self.server.session();
            return self.exchange(&session, incoming, &headers, true, None).await;
        }
        if let Some(id) = header(&headers, "mcp-session-id") {
            let Some(entry) = self.sessions.get(id) else {
                let err =
                    ErrorObject::invalid_request("Session not found: it ended or never existed; initialize again");
                return error_response(StatusCode::NOT_FOUND, err);
            };
            if let Some(v) = header(&headers, "mcp-protocol-version") {
                if ProtocolVersion::parse(v).is_none_or(|p| p.is_modern()) {
                    let err = ErrorObject::invalid_request(format!("unsupported MCP-Protocol-Version {v:?}"));
                    return error_response(StatusCode::BAD_REQUEST, err);
                }
            }
            return self.exchange(&entry.session, incoming, &headers, false, Some(&entry.id)).await;
        }
        if is_initialize(&incoming) {
            let entry = self.sessions.create(&self.server);
            let response = self.exchange(&entry.session, incoming, &headers, false, Some(&entry.id)).await;
            if response.status() != StatusCode::OK || entry.session.negotiated_version().is_none() {
                self.sessions.remove(&entry.id); // rejected: don't keep a session nobody can use
            }
            return response;
        }
        let err = ErrorObject::invalid_request(
            "missing Mcp-Session-Id header: send initialize first, or use protocol revision 2026-07-28 \
             (_meta.io.modelcontextprotocol/protocolVersion on every request)",
        );
        error_response_for(StatusCode::BAD_REQUEST, request_id(&incoming), err)
    }

    /// Dispatches one POSTed frame and turns what comes back into the HTTP response.
    async fn exchange(
        &self,
        session: &Arc<Session>,
        incoming: Incoming,
        headers: &HeaderMap,
        modern: bool,
        session_id: Option<&str>,
    ) -> Response<BoxBody> {
        let answers = expects_answer(&incoming);
        let (tx, mut rx) = mpsc::unbounded_channel();
        let inbound = Inbound { out: Arc::new(RequestOutbound(tx)), headers: Arc::new(header_list(headers)) };
        session.handle_incoming(incoming, &inbound);
        drop(inbound);
        let with_session = |mut r: Response<BoxBody>| {
            if let Some(id) = session_id.and_then(|id| HeaderValue::from_str(id).ok()) {
                r.headers_mut().insert("mcp-session-id", id);
            }
            r
        };
        if !answers {
            return with_session(plain_status(StatusCode::ACCEPTED));
        }
        // In the stateless era a dropped exchange (client gone) cancels the work.
        let guard = CancelOnDrop(modern.then(|| session.clone()));
        match rx.recv().await {
            Some(OutFrame::Response(frame)) => {
                let (status, challenge) = response_status(&frame, modern);
                let mut r = json_response(status, frame);
                if challenge {
                    r.headers_mut().insert("www-authenticate", HeaderValue::from_static("Bearer"));
                }
                drop(guard);
                with_session(r)
            }
            Some(OutFrame::Notification(first)) => match session_id {
                // Handshake era: a resumable stream (event ids, replay after a reconnect).
                Some(sid) => with_session(self.resumable_stream(sid, session.negotiated_version(), first, rx)),
                None => with_session(self.stream(first, rx, guard)),
            },
            // Every request in the frame was cancelled: nothing to say.
            None => with_session(plain_status(StatusCode::ACCEPTED)),
        }
    }

    /// Turns an answer into an SSE stream: the first notification, what follows, then the response.
    fn stream(
        &self,
        first: Vec<u8>,
        mut rx: mpsc::UnboundedReceiver<OutFrame>,
        guard: CancelOnDrop,
    ) -> Response<BoxBody> {
        let (tx, body_rx) = mpsc::unbounded_channel();
        let _ = tx.send(body::sse_event(None, &first));
        tokio::spawn(async move {
            while let Some(frame) = rx.recv().await {
                let (bytes, last) = match frame {
                    OutFrame::Notification(b) => (b, false),
                    OutFrame::Response(b) => (b, true),
                };
                if tx.send(body::sse_event(None, &bytes)).is_err() || last {
                    break;
                }
            }
        });
        sse_response(ChannelBody::boxed(body_rx, guard))
    }

    /// A handshake-era answer as an SSE stream whose events are recorded, so that a client whose
    /// connection broke can resume with `GET` + `Last-Event-ID` (a disconnect is not a cancel).
    fn resumable_stream(
        &self,
        session_id: &str,
        version: Option<ProtocolVersion>,
        first: Vec<u8>,
        mut rx: mpsc::UnboundedReceiver<OutFrame>,
    ) -> Response<BoxBody> {
        let stream = format!("p{}", self.streams.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
        let key = format!("{session_id}/{stream}");
        self.events.append(&key, Bytes::from(first));
        let (store, recorded) = (self.events.clone(), key.clone());
        tokio::spawn(async move {
            while let Some(frame) = rx.recv().await {
                let (bytes, last) = match frame {
                    OutFrame::Notification(b) => (b, false),
                    OutFrame::Response(b) => (b, true),
                };
                store.append(&recorded, Bytes::from(bytes));
                if last {
                    break;
                }
            }
            store.finish(&recorded);
        });
        // 2025-11-25 clients get a priming event (an id and no data) and a retry interval first.
        let priming = version.is_some_and(|v| v >= ProtocolVersion::V2025_11_25);
        sse_response(replay_body(self.events.clone(), key, stream, 0, priming))
    }

    /// GET: the standalone SSE stream of a handshake-era session.
    fn get<B>(&self, req: Request<B>) -> Response<BoxBody> {
        let headers = req.headers();
        let Some(id) = header(headers, "mcp-session-id") else {
            // Stateless clients have no use for GET.
            let mut r = plain_status(StatusCode::METHOD_NOT_ALLOWED);
            r.headers_mut().insert("allow", HeaderValue::from_static("POST"));
            return r;
        };
        let Some(entry) = self.sessions.get(id) else {
            return error_response(StatusCode::NOT_FOUND, ErrorObject::invalid_request("Session not found"));
        };
        if !accepts(headers, "text/event-stream") {
            return error_response(
                StatusCode::NOT_ACCEPTABLE,
                ErrorObject::invalid_request("Accept must allow text/event-stream"),
            );
        }
        if let Some((stream, after)) = header(headers, "last-event-id").and_then(parse_event_id) {
            let key = format!("{}/{stream}", entry.id);
            if self.events.read_after(&key, after).is_some() {
                let mut r = sse_response(replay_body(self.events.clone(), key, stream.to_string(), after, false));
                if let Ok(v) = HeaderValue::from_str(&entry.id) {
                    r.headers_mut().insert("mcp-session-id", v);
                }
                return r;
            }
        }
        let (tx, rx) = mpsc::unbounded_channel::<Bytes>();
        {
            let mut slot = entry.standalone.lock().unwrap_or_else(|e| e.into_inner());
            if slot.as_ref().is_some_and(|s| !s.is_closed()) {
                return error_response(
                    StatusCode::CONFLICT,
                    ErrorObject::invalid_request("a GET stream is already open for this session"),
                );
            }
            *slot = Some(tx.clone());
        }
        entry.session.set_standalone(Some(Arc::new(StandaloneOutbound(tx.clone()))));
        let keepalive = self.options.keepalive;
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(keepalive).await;
                if tx.send(Bytes::from_static(b": keep-alive\n\n")).is_err() {
                    return;
                }
            }
        });
        let mut r = sse_response(ChannelBody::boxed(rx, ()));
        if let Ok(v) = HeaderValue::from_str(&entry.id) {
            r.headers_mut().insert("mcp-session-id", v);
        }
        r
    }

    /// DELETE: ends a handshake-era session.
    fn delete(&self, headers: &HeaderMap) -> Response<BoxBody> {
        match header(headers, "mcp-session-id") {
            None => {
                let mut r = plain_status(StatusCode::METHOD_NOT_ALLOWED);
                r.headers_mut().insert("allow", HeaderValue::from_static("POST"));
                r
            }
            Some(id) if self.sessions.remove(id) => plain_status(StatusCode::OK),
            Some(_) => error_response(StatusCode::NOT_FOUND, ErrorObject::invalid_request("Session not found")),
        }
    }
}

/// `p7-3` -> ("p7", 3).
fn parse_event_id(id: &str) -> Option<(&str, u64)> {
    let (stream, n) = id.rsplit_once('-')?;
    Some((stream, n.parse().ok()?))
}

/// A body that sends the events of `key` numbered after `after` (as `stream-N` ids), then
/// follows the stream live until it completes.
fn replay_body(store: Arc<dyn EventStore>, key: String, stream: String, after: u64, priming: bool) -> BoxBody {
    let (tx, rx) = mpsc::unbounded_channel();
    if priming {
        let _ = tx.send(Bytes::from(format!("id: {stream}-{after}\nretry: 1000\ndata: \n\n")));
    }
    tokio::spawn(async move {
        let mut seen = after;
        loop {
            let wait = store.wait_after(&key, seen);
            let Some((events, done)) = store.read_after(&key, seen) else { return };
            for (n, message) in events {
                if tx.send(body::sse_event(Some(&format!("{stream}-{n}")), &message)).is_err() {
                    return; // the client went away again; the events stay in the store
                }
                seen = n;
            }
            if done {
                return;
            }
            wait.await;
        }
    });
    ChannelBody::boxed(rx, ())
}

fn sse_response(body: BoxBody) -> Response<BoxBody> {
    let mut r = Response::new(body);
    let h = r.headers_mut();
    h.insert("content-type", HeaderValue::from_static("text/event-stream"));
    h.insert("cache-control", HeaderValue::from_static("no-cache"));
    h.insert("x-accel-buffering", HeaderValue::from_static("no"));
    r
}

// These return the HTTP answer that rejects a request; it is built only on the error path, so its
// size in the `Result` costs nothing on the common one.
/// 415 unless the body is declared JSON.
#[allow(clippy::result_large_err)]
fn require_json(headers: &HeaderMap) -> Result<(), Response<BoxBody>> {
    let content_type = header(headers, "content-type").unwrap_or("");
    if content_type.split(';').next().unwrap_or("").trim().eq_ignore_ascii_case("application/json") {
        return Ok(());
    }
    let err = ErrorObject::invalid_request("Content-Type must be application/json");
    Err(error_response(StatusCode::UNSUPPORTED_MEDIA_TYPE, err))
}

/// Reads a POSTed message: 413 past `limit` (without buffering the rest), 400 if reading fails.
#[allow(clippy::result_large_err)]
async fn read_message<B: RequestBody>(body: B, limit: usize) -> Result<Bytes, Response<BoxBody>> {
    match read_body(body, limit).await {
        Ok(b) => Ok(b),
        Err(BodyError::TooLarge) => {
            let err = ErrorObject::invalid_request(format!("message too large: the limit is {limit} bytes"));
            Err(error_response(StatusCode::PAYLOAD_TOO_LARGE, err))
        }
        Err(BodyError::Io(e)) => {
            let err = ErrorObject::invalid_request(format!("reading the body failed: {e}"));
            Err(error_response(StatusCode::BAD_REQUEST, err))
        }
    }
}

/// What request bodies may be: hyper's own, or a buffer handed over by an ASGI host.
pub trait RequestBody: http_body::Body<Data = Bytes, Error: std::fmt::Display> + Send + Unpin + 'static {}
impl<B: http_body::Body<Data = Bytes, Error: std::fmt::Display> + Send + Unpin + 'static> RequestBody for B {}

enum BodyError {
    TooLarge,
    Io(String),
}

/// Reads a request body, refusing (without buffering the rest) once it passes `limit`.
async fn read_body<B: RequestBody>(mut body: B, limit: usize) -> Result<Bytes, BodyError> {
    if body.size_hint().lower() > limit as u64 {
        return Err(BodyError::TooLarge);
    }
    let mut buf = Vec::new();
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| BodyError::Io(e.to_string()))?;
        if let Some(data) = frame.data_ref() {
            if buf.len() + data.len() > limit {
                return Err(BodyError::TooLarge);
            }
            buf.extend_from_slice(data);
        }
    }
    Ok(Bytes::from(buf))
}
