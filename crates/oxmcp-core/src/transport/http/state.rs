//! What every request of one HTTP server shares: the MCP server, the options, the access policy,
//! both session tables and the event store; and the task that ends idle sessions.

use super::events::{EventStore, MemoryEventStore};
use super::options::HttpOptions;
use super::security::AccessPolicy;
use super::sessions::{mint_id, SessionTable, SseSessions};
use crate::server::Server;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

pub(super) struct State {
    pub(super) server: Server,
    pub(super) options: HttpOptions,
    pub(super) policy: AccessPolicy,
    /// Handshake-era sessions (`Mcp-Session-Id`).
    pub(super) sessions: SessionTable,
    /// Sessions of the 2024-11-05 HTTP+SSE transport.
    pub(super) sse: SseSessions,
    /// Events of handshake-era POST streams, for `Last-Event-ID` replay.
    pub(super) events: Arc<dyn EventStore>,
    pub(super) started: Instant,
}

impl State {
    pub(super) fn new(server: Server, options: HttpOptions, policy: AccessPolicy) -> Self {
        let sessions = SessionTable::new(options.session_idle_timeout, options.max_sessions)
            .with_limits(options.max_sessions_per_principal, options.uninitialized_session_timeout);
        let events: Arc<dyn EventStore> = Arc::new(MemoryEventStore::with_limits(options.replay.clone()));
        // A session's recorded streams go when it ends (DELETE, idle sweep, expiry).
        let store = events.clone();
        sessions.on_end(move |id| store.forget_session(id));
        State { server, options, policy, sessions, sse: Default::default(), events, started: Instant::now() }
    }

    /// The queue limits of one outbound stream: (budget in bytes, write timeout).
    pub(super) fn stream_limits(&self) -> (usize, Duration) {
        (self.options.stream_budget, self.options.write_timeout)
    }

    /// A name for a new resumable POST stream: 128 random bits (`p` + hex), so an event id
    /// (`<stream>-<n>`) cannot be guessed, and replay looks it up under its own session only
    /// (`<session id>/<stream>`).
    pub(super) fn next_stream_name(&self) -> String {
        format!("p{}", mint_id())
    }
}

/// Ends handshake-era sessions whose time is up (idle, never named) until `shutdown`.
pub(super) async fn sweep_sessions(state: Arc<State>, shutdown: CancellationToken) {
    let every = state.sessions.sweep_every();
    loop {
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = shutdown.cancelled() => return,
        }
        state.events.sweep();
        let n = state.sessions.sweep();
        if n > 0 {
            tracing::debug!(target: "oxmcp.transport.http", "ended {n} session(s) whose time was up");
        }
    }
}

#[cfg(test)]
#[path = "session_end_tests.rs"]
mod session_end_tests;
