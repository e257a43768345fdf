//! Resumability for handshake-era SSE streams: every event of a session's POST streams is recorded
//! in an [`EventStore`] under an id that names its stream (`p7-3`: stream p7, event 3). A client
//! whose stream broke reconnects with `GET` + `Last-Event-ID` and gets what it missed, then the
//! rest live. (The 2026-07-28 revision has no resumption: a broken stream loses its request.)

use bytes::Bytes;
use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
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
}

struct Log {
    events: VecDeque<(u64, Bytes)>,
    /// (last event number, complete)
    state: watch::Sender<(u64, bool)>,
}

/// The default store: bounded in memory (streams beyond `max_streams` evict the oldest; each keeps
/// its last `max_events` events).
pub struct MemoryEventStore {
    logs: Mutex<(HashMap<String, Log>, VecDeque<String>)>,
    max_streams: usize,
    max_events: usize,
}

impl MemoryEventStore {
    pub fn new(max_streams: usize, max_events: usize) -> Self {
        MemoryEventStore { logs: Mutex::new((HashMap::new(), VecDeque::new())), max_streams, max_events }
    }
}

impl Default for MemoryEventStore {
    fn default() -> Self {
        Self::new(10_000, 1_000)
    }
}

impl EventStore for MemoryEventStore {
    fn append(&self, stream: &str, message: Bytes) -> u64 {
        let mut guard = self.logs.lock().unwrap_or_else(|e| e.into_inner());
        let (logs, order) = &mut *guard;
        if !logs.contains_key(stream) {
            while order.len() >= self.max_streams.max(1) {
                if let Some(old) = order.pop_front() {
                    logs.remove(&old);
                }
            }
            order.push_back(stream.to_string());
            logs.insert(stream.to_string(), Log { events: VecDeque::new(), state: watch::channel((0, false)).0 });
        }
        let log = logs.get_mut(stream).expect("inserted above");
        let number = log.state.borrow().0 + 1;
        log.events.push_back((number, message));
        while log.events.len() > self.max_events.max(1) {
            log.events.pop_front();
        }
        log.state.send_modify(|s| s.0 = number);
        number
    }

    fn finish(&self, stream: &str) {
        let guard = self.logs.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(log) = guard.0.get(stream) {
            log.state.send_modify(|s| s.1 = true);
        }
    }

    fn read_after(&self, stream: &str, after: u64) -> Option<(Vec<(u64, Bytes)>, bool)> {
        let guard = self.logs.lock().unwrap_or_else(|e| e.into_inner());
        let log = guard.0.get(stream)?;
        let events = log.events.iter().filter(|(n, _)| *n > after).cloned().collect();
        let done = log.state.borrow().1;
        Some((events, done))
    }

    fn wait_after(&self, stream: &str, after: u64) -> Pin<Box<dyn Future<Output = ()> + Send>> {
        let rx = {
            let guard = self.logs.lock().unwrap_or_else(|e| e.into_inner());
            guard.0.get(stream).map(|log| log.state.subscribe())
        };
        Box::pin(async move {
            if let Some(mut rx) = rx {
                let _ = rx.wait_for(|&(last, done)| last > after || done).await;
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn records_replays_and_bounds() {
        let store = MemoryEventStore::new(2, 3);
        assert_eq!(store.append("a", Bytes::from_static(b"1")), 1);
        assert_eq!(store.append("a", Bytes::from_static(b"2")), 2);
        let (events, done) = store.read_after("a", 1).unwrap();
        assert_eq!((events.len(), events[0].0, done), (1, 2, false));
        let waiting = store.wait_after("a", 2);
        store.append("a", Bytes::from_static(b"3"));
        tokio::time::timeout(std::time::Duration::from_secs(1), waiting).await.expect("woken by the new event");
        store.append("a", Bytes::from_static(b"4"));
        assert_eq!(store.read_after("a", 0).unwrap().0.first().unwrap().0, 2, "only the last 3 events are kept");
        store.finish("a");
        assert!(store.read_after("a", 4).unwrap().1);
        store.append("b", Bytes::new());
        store.append("c", Bytes::new());
        assert!(store.read_after("a", 0).is_none(), "the oldest stream was evicted");
    }
}
