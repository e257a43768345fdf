//! The replay store: recording, waiting, and every bound (streams, events, bytes, sessions, time).

use super::*;

fn b(n: usize) -> Bytes {
    Bytes::from(vec![b'x'; n])
}

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

fn limits() -> EventLimits {
    EventLimits {
        max_streams: 100,
        max_events: 100,
        max_bytes: 1000,
        max_stream_bytes: 300,
        finished_ttl: Duration::from_secs(300),
    }
}

#[test]
fn a_stream_keeps_at_most_its_byte_budget_dropping_oldest_first() {
    let store = MemoryEventStore::with_limits(limits());
    for _ in 0..10 {
        store.append("s/a", b(100));
    }
    let (events, _) = store.read_after("s/a", 0).unwrap();
    assert_eq!(events.iter().map(|e| e.0).collect::<Vec<_>>(), vec![8, 9, 10], "the newest 300 bytes stay");
    assert_eq!(store.bytes(), 300);
    // One event larger than the stream's budget is still kept (it may be the response).
    store.append("s/a", b(500));
    assert_eq!(store.read_after("s/a", 0).unwrap().0.len(), 1);
    assert_eq!(store.bytes(), 500);
}

#[test]
fn the_store_keeps_at_most_its_total_budget_dropping_oldest_streams() {
    let store = MemoryEventStore::with_limits(limits());
    for i in 0..10 {
        store.append(&format!("s/{i}"), b(250));
    }
    assert!(store.bytes() <= 1000, "total budget held: {}", store.bytes());
    assert!(store.read_after("s/0", 0).is_none(), "the oldest streams went first");
    assert!(store.read_after("s/9", 0).is_some(), "the newest stays");
    // Appending to an old stream never evicts the stream being written.
    store.append("s/6", b(250));
    assert!(store.read_after("s/6", 0).is_some());
    assert!(store.bytes() <= 1000);
}

#[tokio::test]
async fn forgetting_a_session_drops_its_streams_only_and_ends_waiters() {
    let store = MemoryEventStore::with_limits(limits());
    store.append("aa/p1", b(10));
    store.append("aa/p2", b(10));
    store.append("aab/p3", b(10));
    store.append("ab/p4", b(10));
    let waiting = store.wait_after("aa/p1", 1);
    store.forget_session("aa");
    tokio::time::timeout(Duration::from_secs(1), waiting).await.expect("a reader of a forgotten stream ends");
    assert!(store.read_after("aa/p1", 0).is_none() && store.read_after("aa/p2", 0).is_none());
    assert!(store.read_after("aab/p3", 0).is_some(), "a session whose id merely starts the same stays");
    assert!(store.read_after("ab/p4", 0).is_some());
    assert_eq!((store.streams(), store.bytes()), (2, 20));
}

#[test]
fn finished_streams_expire_after_their_ttl() {
    let store = MemoryEventStore::with_limits(EventLimits { finished_ttl: Duration::from_millis(50), ..limits() });
    store.append("s/done", b(10));
    store.finish("s/done");
    store.append("s/open", b(10));
    store.sweep();
    assert!(store.read_after("s/done", 0).is_some(), "still resumable within the ttl");
    std::thread::sleep(Duration::from_millis(80));
    store.sweep();
    assert!(store.read_after("s/done", 0).is_none(), "expired");
    assert!(store.read_after("s/open", 0).is_some(), "an unfinished stream does not expire");
    assert_eq!(store.bytes(), 10);
}

#[test]
fn many_short_streams_do_not_grow_the_bookkeeping() {
    let store = MemoryEventStore::with_limits(EventLimits { finished_ttl: Duration::ZERO, ..limits() });
    for i in 0..10_000 {
        let key = format!("s/{i}");
        store.append(&key, b(1));
        store.finish(&key);
    }
    store.sweep();
    let logs = store.lock();
    assert!(logs.logs.is_empty() && logs.finished.is_empty());
    assert!(logs.order.len() <= 64 + 2, "order queue pruned: {}", logs.order.len());
}

#[test]
fn forgotten_sessions_leave_no_bookkeeping_behind() {
    let store = MemoryEventStore::with_limits(limits());
    for i in 0..1_000 {
        let key = format!("s{i}/p0");
        store.append(&key, b(1));
        store.finish(&key);
        store.forget_session(&format!("s{i}"));
    }
    store.sweep();
    let logs = store.lock();
    assert!(logs.logs.is_empty());
    assert!(logs.order.len() <= 66 && logs.finished.len() <= 66, "{} {}", logs.order.len(), logs.finished.len());
}
