//! The settings of the Streamable HTTP transport (and of the legacy SSE one it also serves).

use std::time::Duration;

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
    /// A session ends this long after its client is gone (no request, no answer or GET stream
    /// open); calls still in flight are then cancelled.
    pub session_idle_timeout: Duration,
    /// Open handshake-era sessions; a new `initialize` beyond gets 503 with `Retry-After` (no
    /// live session is evicted).
    pub max_sessions: usize,
    /// SSE keep-alive comment interval on long streams.
    pub keepalive: Duration,
    /// The 2024-11-05 HTTP+SSE transport's stream and message paths (`None`: not served).
    pub sse_path: Option<String>,
    pub sse_messages_path: String,
    /// Own listener only: how long a client may take to send a request's headers, counted from
    /// the connection's start or its first byte after an answer (slowloris). Default 10 s.
    pub header_read_timeout: Duration,
    /// Own listener only: how long a request's body may take to arrive after its headers (else
    /// 400 and the connection closes). Default 30 s.
    pub body_read_timeout: Duration,
    /// Own listener only: a connection with no request in flight and no answer being sent is
    /// closed after this long. Default 60 s.
    pub keep_alive_timeout: Duration,
    /// Own listener only: open connections beyond this get `503` with `Retry-After` and are
    /// closed. Default 1024.
    pub max_connections: usize,
    /// Handshake-era sessions one authenticated principal may hold (429 with `Retry-After`
    /// beyond). Anonymous callers are bounded by `max_sessions` only. Default 100.
    pub max_sessions_per_principal: usize,
    /// A session nothing names after its `initialize` ends after this long. Default 10 s.
    pub uninitialized_session_timeout: Duration,
    /// A client that reads nothing from a stream with frames waiting for this long loses the
    /// stream (closed, logged at warning; a stateless call on it is cancelled). Default 30 s.
    pub write_timeout: Duration,
    /// Bytes one outbound stream may queue before its producers wait (default 4 MiB; one larger
    /// frame is still admitted).
    pub stream_budget: usize,
    /// Bounds of the replay store for `Last-Event-ID` (default 64 MiB in total, 4 MiB per stream,
    /// finished streams kept 5 minutes).
    pub replay: super::events::EventLimits,
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
            header_read_timeout: Duration::from_secs(10),
            body_read_timeout: Duration::from_secs(30),
            keep_alive_timeout: Duration::from_secs(60),
            max_connections: 1024,
            max_sessions_per_principal: 100,
            uninitialized_session_timeout: Duration::from_secs(10),
            write_timeout: crate::transport::queue::DEFAULT_WRITE_TIMEOUT,
            stream_budget: crate::transport::queue::DEFAULT_STREAM_BUDGET,
            replay: Default::default(),
        }
    }
}
