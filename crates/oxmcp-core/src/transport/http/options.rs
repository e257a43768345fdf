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
    pub session_idle_timeout: Duration,
    pub max_sessions: usize,
    /// SSE keep-alive comment interval on long streams.
    pub keepalive: Duration,
    /// The 2024-11-05 HTTP+SSE transport's stream and message paths (`None`: not served).
    pub sse_path: Option<String>,
    pub sse_messages_path: String,
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
            write_timeout: crate::transport::queue::DEFAULT_WRITE_TIMEOUT,
            stream_budget: crate::transport::queue::DEFAULT_STREAM_BUDGET,
            replay: Default::default(),
        }
    }
}
