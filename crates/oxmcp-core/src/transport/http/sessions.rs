//! Handshake-era sessions over HTTP (`Mcp-Session-Id`): a bounded table, so memory cannot grow
//! without bound however many clients come and go. Also the table of the 2024-11-05 HTTP+SSE
//! transport's sessions, which live as long as their stream.
//!
//! The rules (defaults in `HttpOptions`):
//! - **No live session is evicted to make room.** At `max_sessions` a new `initialize` gets 503
//!   with `Retry-After`; one principal holding `max_sessions_per_principal` gets 429 with
//!   `Retry-After` (anonymous callers, `principal: None`, cannot be told apart: only
//!   `max_sessions` bounds them).
//! - A session nothing names after its `initialize` (no `notifications/initialized`, no request)
//!   ends `uninitialized_timeout` after the answer to its `initialize`.
//! - A session ends once its client has been *gone* for `session_idle_timeout`: no request
//!   naming it, no POST answer or GET stream of it open, for that long. Calls still in flight are
//!   then cancelled: a call that never ends cannot keep a session whose client left. While the
//!   client stays attached (waiting on an answer, or holding the GET stream) the session lives; a
//!   peer that vanished without closing is noticed by SSE keep-alives and TCP keep-alive.

use super::body::BoxBody;
use super::held::hold;
use super::status::error_response_for;
use crate::jsonrpc::{codes, ErrorObject, RequestId};
use crate::server::{Inbound, Principal, Server, Session};
use crate::transport::queue::QueueSender;
use bytes::Bytes;
use hyper::header::HeaderValue;
use hyper::{Response, StatusCode};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub struct LegacySession {
    pub id: String,
    pub session: Arc<Session>,
    /// Who opened the session (the gate's principal); `None`: an anonymous caller.
    pub principal: Option<Principal>,
    epoch: Instant,
    /// Milliseconds since `epoch` of the last sign of the client (a request, or the end of an
    /// answer it was attached to).
    last_seen: AtomicU64,
    /// Whether any request named the session after its `initialize`.
    established: AtomicBool,
    /// Open HTTP exchanges of the session: POSTs being answered, their SSE answers.
    attached: AtomicUsize,
    /// The standalone GET stream, if one is open.
    pub standalone: Mutex<Option<QueueSender<Bytes>>>,
}

impl LegacySession {
    fn now_ms(&self) -> u64 {
        self.epoch.elapsed().as_millis() as u64
    }

    fn stream_open(&self) -> bool {
        self.standalone.lock().unwrap_or_else(|e| e.into_inner()).as_ref().is_some_and(|s| s.is_open())
    }

    /// Whether the client is attached: an answer of the session is being sent, or its GET stream
    /// is open.
    pub fn attached(&self) -> bool {
        self.attached.load(Ordering::SeqCst) > 0 || self.stream_open()
    }

    /// Marks the client attached until `response`'s body is done (or dropped: the client left).
    /// Call before the exchange starts; pass its answer to [`Attached::hold`].
    pub fn attach(self: &Arc<Self>) -> Attached {
        self.attached.fetch_add(1, Ordering::SeqCst);
        Attached(self.clone())
    }
}

/// The client of a session is attached while this lives (see [`LegacySession::attach`]).
pub struct Attached(Arc<LegacySession>);

impl Attached {
    /// Keeps the session attached until `response`'s body is done.
    pub(super) fn hold(self, response: Response<BoxBody>) -> Response<BoxBody> {
        hold(response, self)
    }
}

impl Drop for Attached {
    fn drop(&mut self) {
        // Detaching is the last sign of the client: its idle time starts now.
        self.0.last_seen.store(self.0.now_ms(), Ordering::Relaxed);
        self.0.attached.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Why a new session was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionRefused {
    /// `max_sessions` are open.
    Full(usize),
    /// The principal holds `max_sessions_per_principal` sessions.
    PrincipalCap(usize),
}

impl std::fmt::Display for SessionRefused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SessionRefused::Full(n) => write!(f, "the server has {n} open sessions, its maximum; try again later"),
            SessionRefused::PrincipalCap(n) => write!(
                f,
                "you have {n} open sessions, the most this server allows one caller; \
                 end one (DELETE) or try again later"
            ),
        }
    }
}

impl SessionRefused {
    /// The HTTP answer to the refused `initialize` `id`: 503 (server full) or 429 (this
    /// caller's cap), `Retry-After`, and a JSON-RPC error -32030 (`LIMIT_REACHED`).
    pub(super) fn response(&self, id: Option<&RequestId>, retry_after: Duration) -> Response<BoxBody> {
        let (status, limit) = match self {
            SessionRefused::Full(_) => (StatusCode::SERVICE_UNAVAILABLE, "sessions"),
            SessionRefused::PrincipalCap(_) => (StatusCode::TOO_MANY_REQUESTS, "sessionsPerPrincipal"),
        };
        let err = ErrorObject::new(codes::LIMIT_REACHED, format!("Too many sessions: {self}"))
            .with_data(serde_json::json!({ "limit": limit }));
        let mut r = error_response_for(status, id, err);
        let secs = retry_after.as_secs_f64().ceil().max(1.0) as u64;
        r.headers_mut().insert("retry-after", HeaderValue::from(secs));
        r
    }
}

#[derive(Default)]
struct Table {
    by_id: HashMap<String, Arc<LegacySession>>,
    /// Open sessions per (authenticated) principal.
    per_principal: HashMap<Principal, usize>,
}

impl Table {
    fn remove(&mut self, id: &str) -> Option<Arc<LegacySession>> {
        let s = self.by_id.remove(id)?;
        if let Some(p) = &s.principal {
            if let Some(n) = self.per_principal.get_mut(p) {
                *n -= 1;
                if *n == 0 {
                    self.per_principal.remove(p);
                }
            }
        }
        Some(s)
    }
}

type OnEnd = Box<dyn Fn(&str) + Send + Sync>;

pub struct SessionTable {
    epoch: Instant,
    sessions: Mutex<Table>,
    /// How long a session lives after its client is gone (see the module's rules).
    pub idle_timeout: Duration,
    pub max_sessions: usize,
    pub max_per_principal: usize,
    /// How long a session may go unnamed after its `initialize`.
    pub uninitialized_timeout: Duration,
    /// Told the id of every session that ends (the replay store forgets its streams).
    on_end: std::sync::OnceLock<OnEnd>,
}

/// A new session id: 128 bits from the OS CSPRNG, hex (visible ASCII, as the spec requires).
pub(super) fn mint_id() -> String {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).expect("the OS random source works");
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl SessionTable {
    /// A table with the default per-principal cap (100) and uninitialized timeout (10 s).
    pub fn new(idle_timeout: Duration, max_sessions: usize) -> Self {
        SessionTable {
            epoch: Instant::now(),
            sessions: Mutex::default(),
            idle_timeout,
            max_sessions: max_sessions.max(1),
            max_per_principal: 100,
            uninitialized_timeout: Duration::from_secs(10),
            on_end: Default::default(),
        }
    }

    /// Sets what to tell when a session ends (once; later calls are ignored).
    pub fn on_end(&self, f: impl Fn(&str) + Send + Sync + 'static) {
        let _ = self.on_end.set(Box::new(f));
    }

    fn ended(&self, id: &str) {
        if let Some(f) = self.on_end.get() {
            f(id);
        }
    }

    /// The same table with these caps (each at least 1) and uninitialized timeout.
    pub fn with_limits(mut self, max_per_principal: usize, uninitialized_timeout: Duration) -> Self {
        self.max_per_principal = max_per_principal.max(1);
        self.uninitialized_timeout = uninitialized_timeout;
        self
    }

    /// How often [`sweep`](Self::sweep) should run so that both timeouts hold within a fraction.
    pub fn sweep_every(&self) -> Duration {
        (self.idle_timeout / 4)
            .min(self.uninitialized_timeout / 2)
            .clamp(Duration::from_millis(50), Duration::from_secs(30))
    }

    /// What a refused client is told to wait: by then abandoned sessions have been swept.
    pub fn retry_after(&self) -> Duration {
        self.uninitialized_timeout.min(self.idle_timeout)
    }

    fn now_ms(&self) -> u64 {
        self.epoch.elapsed().as_millis() as u64
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Table> {
        self.sessions.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Opens a session for `principal`, unless the table or the principal's share is full
    /// (sessions whose time is up are swept first; no live session is evicted).
    pub fn create(&self, server: &Server, principal: Option<Principal>) -> Result<Arc<LegacySession>, SessionRefused> {
        let now = self.now_ms();
        let mut expired = Vec::new();
        let entry = {
            let mut table = self.lock();
            let held = |t: &Table| principal.as_ref().and_then(|p| t.per_principal.get(p)).copied().unwrap_or(0);
            if table.by_id.len() >= self.max_sessions || held(&table) >= self.max_per_principal {
                expired = self.take_expired(&mut table, now);
            }
            if held(&table) >= self.max_per_principal {
                Err(SessionRefused::PrincipalCap(self.max_per_principal))
            } else if table.by_id.len() >= self.max_sessions {
                Err(SessionRefused::Full(self.max_sessions))
            } else {
                let entry = Arc::new(LegacySession {
                    id: mint_id(),
                    session: server.session(),
                    principal,
                    epoch: self.epoch,
                    last_seen: AtomicU64::new(now),
                    established: AtomicBool::new(false),
                    attached: AtomicUsize::new(0),
                    standalone: Mutex::new(None),
                });
                if let Some(p) = &entry.principal {
                    *table.per_principal.entry(p.clone()).or_default() += 1;
                }
                table.by_id.insert(entry.id.clone(), entry.clone());
                Ok(entry)
            }
        };
        self.end(&expired);
        if let Err(why) = &entry {
            // A caller can provoke this at will: debug, not a log line per attempt at warn.
            tracing::debug!(target: "oxmcp.transport.http", "refused a new session: {why}");
        }
        entry
    }

    /// Finds a live session and marks it used.
    pub fn get(&self, id: &str) -> Option<Arc<LegacySession>> {
        let found = self.lock().by_id.get(id).cloned();
        if let Some(s) = &found {
            s.last_seen.store(self.now_ms(), Ordering::Relaxed);
            s.established.store(true, Ordering::Relaxed);
        }
        found
    }

    /// Finds a live session that `principal` opened and marks it used. A session of someone else
    /// is not found (and not touched), exactly like an unknown one; the attempt is logged.
    pub fn get_as(&self, id: &str, principal: Option<&Principal>) -> Option<Arc<LegacySession>> {
        let found = self.lock().by_id.get(id).cloned()?;
        if found.principal.as_ref() != principal {
            tracing::warn!(target: "oxmcp.transport.http", "refused a request on a session opened by another caller (answered as unknown)");
            return None;
        }
        found.last_seen.store(self.now_ms(), Ordering::Relaxed);
        found.established.store(true, Ordering::Relaxed);
        Some(found)
    }

    /// Ends a session (DELETE, or a failed initialize). Returns whether it existed.
    pub fn remove(&self, id: &str) -> bool {
        let removed = self.lock().remove(id);
        match removed {
            Some(s) => {
                s.session.cancel_all();
                self.ended(id);
                true
            }
            None => false,
        }
    }

    pub fn len(&self) -> usize {
        self.lock().by_id.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Ends the sessions whose time is up (see the module's rules); returns how many.
    pub fn sweep(&self) -> usize {
        let expired = self.take_expired(&mut self.lock(), self.now_ms());
        self.end(&expired);
        expired.len()
    }

    fn take_expired(&self, table: &mut Table, now: u64) -> Vec<Arc<LegacySession>> {
        let (idle, unnamed) = (self.idle_timeout.as_millis() as u64, self.uninitialized_timeout.as_millis() as u64);
        let ids: Vec<String> = table
            .by_id
            .values()
            .filter(|s| {
                if s.attached() {
                    return false;
                }
                // Both count from the last sign of the client (its initialize's answer, at first).
                let quiet = now.saturating_sub(s.last_seen.load(Ordering::Relaxed));
                quiet > idle || (!s.established.load(Ordering::Relaxed) && quiet > unnamed)
            })
            .map(|s| s.id.clone())
            .collect();
        ids.iter().filter_map(|id| table.remove(id)).collect()
    }

    /// Ends swept sessions (outside the table's lock): their calls are cancelled and their
    /// recorded streams forgotten. One log line per sweep, however many sessions it ends.
    fn end(&self, sessions: &[Arc<LegacySession>]) {
        let calls: usize = sessions.iter().map(|s| s.session.inflight()).sum();
        if calls > 0 {
            tracing::info!(
                target: "oxmcp.transport.http",
                "ended {} session(s) whose client is gone, cancelling {calls} call(s) in flight",
                sessions.len()
            );
        }
        for s in sessions {
            s.session.cancel_all();
            self.ended(&s.id);
        }
    }
}

/// A session of the 2024-11-05 HTTP+SSE transport, with the inbound of its stream (whose
/// `principal` opened it: nobody else may post to it).
pub(super) struct SseSession {
    pub(super) session: Arc<Session>,
    pub(super) inbound: Inbound,
}

/// Open SSE sessions by id (bounded by the caller, at `max_sessions`).
#[derive(Default)]
pub(super) struct SseSessions(Mutex<HashMap<String, Arc<SseSession>>>);

impl SseSessions {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<SseSession>>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(super) fn len(&self) -> usize {
        self.lock().len()
    }

    /// How many open sessions `principal` holds (a scan: the table is bounded by `max_sessions`).
    pub(super) fn held_by(&self, principal: &Principal) -> usize {
        self.lock().values().filter(|s| s.inbound.principal.as_ref() == Some(principal)).count()
    }

    /// The open session `id` if `principal` opened it; someone else's is not found (logged).
    pub(super) fn get_as(&self, id: &str, principal: Option<&Principal>) -> Option<Arc<SseSession>> {
        let found = self.lock().get(id).cloned()?;
        if found.inbound.principal.as_ref() != principal {
            tracing::warn!(target: "oxmcp.transport.http", "refused a message for an SSE session opened by another caller (answered as unknown)");
            return None;
        }
        Some(found)
    }

    pub(super) fn insert(&self, id: String, session: Arc<SseSession>) {
        self.lock().insert(id, session);
    }

    /// Ends a session: its requests in flight are cancelled.
    pub(super) fn remove(&self, id: &str) {
        let ended = self.lock().remove(id);
        if let Some(s) = ended {
            s.session.cancel_all();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::{Reply, ServerConfig, ToolCall, ToolOutput};

    struct Nothing;
    impl crate::server::Handler for Nothing {
        fn call_tool(&self, _call: ToolCall, reply: Reply<ToolOutput>) {
            reply.ok(ToolOutput::empty())
        }
    }

    fn server() -> Server {
        Server::new(ServerConfig::new("t", "1"), Arc::new(Nothing))
    }

    #[test]
    fn a_session_is_found_only_by_the_principal_that_opened_it() {
        let table = SessionTable::new(Duration::from_secs(60), 10);
        let alice = Principal::from("alice");
        let a = table.create(&server(), Some(alice.clone())).unwrap();
        assert!(table.get_as(&a.id, Some(&alice)).is_some());
        assert!(table.get_as(&a.id, Some(&Principal::from("bob"))).is_none());
        assert!(table.get_as(&a.id, None).is_none());
        let anonymous = table.create(&server(), None).unwrap();
        assert!(table.get_as(&anonymous.id, None).is_some());
        assert!(table.get_as(&anonymous.id, Some(&alice)).is_none());
    }

    fn principal(p: &str) -> Option<Principal> {
        Some(Principal::from(p))
    }

    #[test]
    fn ids_are_unique_hex_and_a_full_table_refuses_rather_than_evicts() {
        let table = SessionTable::new(Duration::from_secs(60), 2);
        let s = server();
        let a = table.create(&s, None).unwrap();
        assert_eq!(a.id.len(), 32);
        assert!(a.id.bytes().all(|b| b.is_ascii_hexdigit()));
        let b = table.create(&s, None).unwrap();
        assert_ne!(a.id, b.id);
        assert_eq!(table.create(&s, None).err(), Some(SessionRefused::Full(2)));
        assert!(table.get(&a.id).is_some() && table.get(&b.id).is_some(), "nobody was evicted");
        assert!(table.remove(&a.id));
        assert!(!table.remove(&a.id));
        table.create(&s, None).unwrap();
    }

    #[test]
    fn one_principal_cannot_take_the_table() {
        let table = SessionTable::new(Duration::from_secs(60), 10).with_limits(2, Duration::from_secs(10));
        let s = server();
        let first = table.create(&s, principal("alice")).unwrap();
        table.create(&s, principal("alice")).unwrap();
        assert_eq!(table.create(&s, principal("alice")).err(), Some(SessionRefused::PrincipalCap(2)));
        table.create(&s, principal("bob")).unwrap();
        table.create(&s, None).unwrap();
        table.remove(&first.id);
        table.create(&s, principal("alice")).unwrap();
        assert_eq!(table.len(), 4);
    }

    #[test]
    fn unnamed_sessions_expire_fast_and_idle_ones_after_the_idle_timeout() {
        let table = SessionTable::new(Duration::from_millis(80), 10).with_limits(10, Duration::from_millis(20));
        let s = server();
        let unnamed = table.create(&s, None).unwrap();
        let named = table.create(&s, None).unwrap();
        table.get(&named.id).unwrap(); // notifications/initialized
        std::thread::sleep(Duration::from_millis(40));
        assert_eq!(table.sweep(), 1);
        assert!(table.get(&unnamed.id).is_none() && table.get(&named.id).is_some());
        std::thread::sleep(Duration::from_millis(120));
        assert_eq!(table.sweep(), 1);
        assert!(table.is_empty());
    }

    #[test]
    fn an_attached_client_keeps_its_session_and_its_idle_time_starts_when_it_leaves() {
        let table = SessionTable::new(Duration::from_millis(40), 10).with_limits(10, Duration::from_millis(20));
        let s = server();
        let entry = table.create(&s, None).unwrap();
        let attached = entry.attach();
        std::thread::sleep(Duration::from_millis(80));
        assert_eq!(table.sweep(), 0, "attached: kept past both timeouts");
        drop(attached);
        assert_eq!(table.sweep(), 0, "just left: its idle time starts now");
        // A full table sweeps before refusing.
        let full = SessionTable::new(Duration::from_millis(10), 1);
        let gone = full.create(&s, None).unwrap();
        std::thread::sleep(Duration::from_millis(30));
        full.create(&s, None).unwrap();
        assert!(full.get(&gone.id).is_none());
    }
}
