//! Handshake-era sessions over HTTP (`Mcp-Session-Id`): a bounded table with idle eviction, so
//! memory cannot grow without bound however many clients come and go. Also the table of the
//! 2024-11-05 HTTP+SSE transport's sessions, which live as long as their stream.

use crate::server::{Inbound, Server, Session};
use crate::transport::queue::QueueSender;
use bytes::Bytes;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub struct LegacySession {
    pub id: String,
    pub session: Arc<Session>,
    /// Milliseconds since the table's epoch of the last request.
    last_seen: AtomicU64,
    /// The standalone GET stream, if one is open.
    pub standalone: Mutex<Option<QueueSender<Bytes>>>,
}

type OnEnd = Box<dyn Fn(&str) + Send + Sync>;

pub struct SessionTable {
    epoch: Instant,
    sessions: Mutex<HashMap<String, Arc<LegacySession>>>,
    pub idle_timeout: Duration,
    pub max_sessions: usize,
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
    pub fn new(idle_timeout: Duration, max_sessions: usize) -> Self {
        SessionTable {
            epoch: Instant::now(),
            sessions: Mutex::new(HashMap::new()),
            idle_timeout,
            max_sessions,
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

    fn now_ms(&self) -> u64 {
        self.epoch.elapsed().as_millis() as u64
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<LegacySession>>> {
        self.sessions.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Opens a session. At capacity, the least recently used session is evicted first.
    pub fn create(&self, server: &Server) -> Arc<LegacySession> {
        let entry = Arc::new(LegacySession {
            id: mint_id(),
            session: server.session(),
            last_seen: AtomicU64::new(self.now_ms()),
            standalone: Mutex::new(None),
        });
        let evicted = {
            let mut map = self.lock();
            let evicted = if map.len() >= self.max_sessions.max(1) {
                let oldest = map.values().min_by_key(|s| s.last_seen.load(Ordering::Relaxed)).map(|s| s.id.clone());
                oldest.and_then(|id| map.remove(&id))
            } else {
                None
            };
            map.insert(entry.id.clone(), entry.clone());
            evicted
        };
        if let Some(old) = evicted {
            tracing::info!(target: "oxmcp.transport.http", "session table full: evicted the least recently used session");
            old.session.cancel_all();
            self.ended(&old.id);
        }
        entry
    }

    /// Finds a live session and marks it used.
    pub fn get(&self, id: &str) -> Option<Arc<LegacySession>> {
        let found = self.lock().get(id).cloned();
        if let Some(s) = &found {
            s.last_seen.store(self.now_ms(), Ordering::Relaxed);
        }
        found
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
        self.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Drops sessions idle for longer than the timeout (requests in flight keep them alive).
    pub fn sweep(&self) -> usize {
        let limit = self.idle_timeout.as_millis() as u64;
        let now = self.now_ms();
        let expired: Vec<Arc<LegacySession>> = {
            let mut map = self.lock();
            let ids: Vec<String> = map
                .values()
                .filter(|s| {
                    now.saturating_sub(s.last_seen.load(Ordering::Relaxed)) > limit && s.session.inflight() == 0
                })
                .map(|s| s.id.clone())
                .collect();
            ids.iter().filter_map(|id| map.remove(id)).collect()
        };
        for s in &expired {
            s.session.cancel_all();
            self.ended(&s.id);
        }
        expired.len()
    }
}

/// A session of the 2024-11-05 HTTP+SSE transport, with the inbound of its stream.
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

    pub(super) fn get(&self, id: &str) -> Option<Arc<SseSession>> {
        self.lock().get(id).cloned()
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
    fn ids_are_unique_hex_and_bounded_tables_evict() {
        let table = SessionTable::new(Duration::from_secs(60), 2);
        let s = server();
        let a = table.create(&s);
        assert_eq!(a.id.len(), 32);
        assert!(a.id.bytes().all(|b| b.is_ascii_hexdigit()));
        std::thread::sleep(Duration::from_millis(2));
        let b = table.create(&s);
        assert_ne!(a.id, b.id);
        std::thread::sleep(Duration::from_millis(2));
        table.get(&a.id).unwrap(); // a is now the most recent
        let c = table.create(&s);
        assert_eq!(table.len(), 2);
        assert!(table.get(&b.id).is_none(), "the least recently used session was evicted");
        assert!(table.get(&a.id).is_some() && table.get(&c.id).is_some());
        assert!(table.remove(&a.id));
        assert!(!table.remove(&a.id));
    }

    #[test]
    fn idle_sessions_are_swept() {
        let table = SessionTable::new(Duration::from_millis(5), 10);
        let s = server();
        table.create(&s);
        std::thread::sleep(Duration::from_millis(20));
        let fresh = table.create(&s);
        assert_eq!(table.sweep(), 1);
        assert!(table.get(&fresh.id).is_some());
    }
}
