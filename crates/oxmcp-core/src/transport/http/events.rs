//! Resumability for handshake-era SSE streams: every event of a session's POST streams is recorded
//! in an [`EventStore`] under an id that names its stream (`p7-3`: stream p7, event 3). A client
//! whose stream broke reconnects with `GET` + `Last-Event-ID` and gets what it missed, then the
//! rest live. (The 2026-07-28 revision has no resumption: a broken stream loses its request.)
//!
//! Streams are keyed `"<session id>/<stream>"`, so a session's events can be forgotten together
//! when it ends ([`EventStore::forget_session`]).

use bytes::Bytes;
use std::collections::{BTreeMap, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// Where stream events are kept for replay. Implement it to share them across instances.
pub trait EventStore: Send + Sync + 'static {
    /// Records an event (a JSON-RPC message) of `stream`; returns its number (1, 2, ...).
    fn append(&self, stream: &str, message: Bytes) -> u64;
    /// Marks `stream` complete: it has carried its response.
    fn finish(&self, stream: &str);
    /// The events of `stream` numbered after `after`, and whether it is complete. `None` when the
    /// stream is unknown or was evicted.
    fn read_after(&self, stream: &str, after: u64) -> Option<(Vec<(u64, Bytes)>, bool)>;
    /// Resolves once `stream` has an event numbered after `after`, or is complete (or unknown).
    fn wait_after(&self, stream: &str, after: u64) -> Pin<Box<dyn Future<Output = ()> + Send>>;
    /// Drops every stream of `session` (the session ended: DELETE, idle sweep, eviction).
    fn forget_session(&self, _session: &str) {}
    /// Drops what has expired (called periodically).
    fn sweep(&self) {}
}

/// Limits of [`MemoryEventStore`]; each default is documented on its field.
#[derive(Debug, Clone)]
pub struct EventLimits {
    /// Streams kept; beyond it the oldest stream is dropped (default 10,000).
    pub max_streams: usize,
    /// Events kept per stream; beyond it the oldest events are dropped (default 1,000).
    pub max_events: usize,
    /// Bytes kept over all streams; beyond it the oldest streams are dropped (default 64 MiB).
    pub max_bytes: usize,
    /// Bytes kept per stream; beyond it its oldest events are dropped (default 4 MiB).
    pub max_stream_bytes: usize,
    /// How long a finished stream (its response recorded) stays resumable (default 5 minutes).
    pub finished_ttl: Duration,
}

impl Default for EventLimits {
    fn default() -> Self {
        EventLimits {
            max_streams: 10_000,
            max_events: 1_000,
            max_bytes: 64 << 20,
            max_stream_bytes: 4 << 20,
            finished_ttl: Duration::from_secs(5 * 60),
        }
    }
}

struct Log {
    /// Creation order, to tell a key's current log from an earlier one in `order`.
    seq: u64,
    events: VecDeque<(u64, Bytes)>,
    bytes: usize,
    /// (last event number, complete)
    state: watch::Sender<(u64, bool)>,
}

#[derive(Default)]
struct Logs {
    /// By key, so that a session's streams (`"<session>/..."`) are one range.
    logs: BTreeMap<String, Log>,
    /// (seq, key) oldest first; entries whose log is gone are skipped.
    order: VecDeque<(u64, String)>,
    /// (expires at, seq, key) of finished streams, oldest first.
    finished: VecDeque<(Instant, u64, String)>,
    bytes: usize,
    next_seq: u64,
}

impl Logs {
    fn remove(&mut self, key: &str) {
        if let Some(log) = self.logs.remove(key) {
            self.bytes -= log.bytes;
        }
    }

    fn is_live(&self, seq: u64, key: &str) -> bool {
        self.logs.get(key).is_some_and(|l| l.seq == seq)
    }

    /// Drops the oldest stream other than `keep` (the one being written); false when there is none.
    fn drop_oldest(&mut self, keep: &str) -> bool {
        while let Some((seq, key)) = self.order.front() {
            if self.is_live(*seq, key) {
                break;
            }
            self.order.pop_front();
        }
        let Some(i) = self.order.iter().position(|(seq, key)| key != keep && self.is_live(*seq, key)) else {
            return false;
        };
        let (_, key) = self.order.remove(i).expect("found above");
        self.remove(&key);
        true
    }

    fn expire(&mut self, now: Instant) {
        while let Some((at, seq, key)) = self.finished.front() {
            if *at > now {
                break;
            }
            if self.is_live(*seq, key) {
                let key = key.clone();
                self.remove(&key);
            }
            self.finished.pop_front();
        }
        // Keep the bookkeeping queues from growing with keys already gone (forgotten sessions).
        if self.order.len() > 2 * self.logs.len() + 64 {
            let logs = &self.logs;
            self.order.retain(|(seq, key)| logs.get(key).is_some_and(|l| l.seq == *seq));
        }
        if self.finished.len() > 2 * self.logs.len() + 64 {
            let logs = &self.logs;
            self.finished.retain(|(_, seq, key)| logs.get(key).is_some_and(|l| l.seq == *seq));
        }
    }
}

/// The default store: bounded in memory by [`EventLimits`] (streams, events, bytes in total and
/// per stream, oldest dropped first), forgetting a session's streams when it ends and a finished
/// stream after `finished_ttl`.
pub struct MemoryEventStore {
    logs: Mutex<Logs>,
    limits: EventLimits,
}

impl MemoryEventStore {
    /// A store with the default limits except `max_streams` and `max_events`.
    pub fn new(max_streams: usize, max_events: usize) -> Self {
        Self::with_limits(EventLimits { max_streams, max_events, ..EventLimits::default() })
    }

    pub fn with_limits(limits: EventLimits) -> Self {
        MemoryEventStore { logs: Mutex::new(Logs::default()), limits }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Logs> {
        self.logs.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Bytes held over all streams.
    pub fn bytes(&self) -> usize {
        self.lock().bytes
    }

    /// Streams held.
    pub fn streams(&self) -> usize {
        self.lock().logs.len()
    }
}

impl Default for MemoryEventStore {
    fn default() -> Self {
        Self::with_limits(EventLimits::default())
    }
}

impl EventStore for MemoryEventStore {
    fn append(&self, stream: &str, message: Bytes) -> u64 {
        let limits = &self.limits;
        let mut guard = self.lock();
        let logs = &mut *guard;
        logs.expire(Instant::now());
        if !logs.logs.contains_key(stream) {
            while logs.logs.len() >= limits.max_streams.max(1) && logs.drop_oldest(stream) {}
            let seq = logs.next_seq;
            logs.next_seq += 1;
            logs.order.push_back((seq, stream.to_string()));
            let log = Log { seq, events: VecDeque::new(), bytes: 0, state: watch::channel((0, false)).0 };
            logs.logs.insert(stream.to_string(), log);
        }
        let size = message.len();
        let log = logs.logs.get_mut(stream).expect("inserted above");
        let number = log.state.borrow().0 + 1;
        log.events.push_back((number, message));
        log.bytes += size;
        let mut freed = 0;
        // The newest event always stays, however large.
        while log.events.len() > 1
            && (log.events.len() > limits.max_events.max(1) || log.bytes > limits.max_stream_bytes)
        {
            let (_, old) = log.events.pop_front().expect("more than one event");
            log.bytes -= old.len();
            freed += old.len();
        }
        log.state.send_modify(|s| s.0 = number);
        logs.bytes = logs.bytes + size - freed;
        while logs.bytes > limits.max_bytes && logs.drop_oldest(stream) {}
        number
    }

    fn finish(&self, stream: &str) {
        let mut guard = self.lock();
        let logs = &mut *guard;
        if let Some(log) = logs.logs.get(stream) {
            log.state.send_modify(|s| s.1 = true);
            logs.finished.push_back((Instant::now() + self.limits.finished_ttl, log.seq, stream.to_string()));
        }
    }

    fn read_after(&self, stream: &str, after: u64) -> Option<(Vec<(u64, Bytes)>, bool)> {
        let guard = self.lock();
        let log = guard.logs.get(stream)?;
        let events = log.events.iter().filter(|(n, _)| *n > after).cloned().collect();
        let done = log.state.borrow().1;
        Some((events, done))
    }

    fn wait_after(&self, stream: &str, after: u64) -> Pin<Box<dyn Future<Output = ()> + Send>> {
        let rx = self.lock().logs.get(stream).map(|log| log.state.subscribe());
        Box::pin(async move {
            if let Some(mut rx) = rx {
                // Also resolves when the stream is dropped (its sender goes).
                let _ = rx.wait_for(|&(last, done)| last > after || done).await;
            }
        })
    }

    fn forget_session(&self, session: &str) {
        let prefix = format!("{session}/");
        let mut guard = self.lock();
        let before = guard.bytes;
        let keys: Vec<String> = guard
            .logs
            .range(prefix.clone()..)
            .map(|(k, _)| k)
            .take_while(|k| k.starts_with(&prefix))
            .cloned()
            .collect();
        for key in keys {
            guard.remove(&key);
        }
        let freed = before - guard.bytes;
        drop(guard);
        release_memory(freed);
    }

    fn sweep(&self) {
        let mut guard = self.lock();
        let before = guard.bytes;
        guard.expire(Instant::now());
        let freed = before - guard.bytes;
        drop(guard);
        release_memory(freed);
    }
}

/// Hands memory back to the OS once `freed` bytes of recorded events (at least 4 MiB) were
/// dropped. glibc keeps freed blocks of this size in its arenas (its mmap threshold rises after the
/// first frees), so without a trim the server's RSS would stay at its high-water mark after the
/// sessions that used it have ended.
fn release_memory(freed: usize) {
    if freed < 4 << 20 {
        return;
    }
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns free memory of the allocator's arenas to the OS.
    unsafe {
        libc::malloc_trim(0);
    }
}

#[cfg(test)]
#[path = "events_tests.rs"]
mod tests;
