//! Every way a handshake-era session ends (DELETE, the sweep, a full table making room) tells the
//! replay store to forget its streams.

use crate::server::{Handler, Reply, Server, ServerConfig, ToolCall, ToolOutput};
use crate::transport::http::events::{EventStore, MemoryEventStore};
use crate::transport::http::sessions::SessionTable;
use bytes::Bytes;
use std::sync::Arc;
use std::time::Duration;

struct Nothing;
impl Handler for Nothing {
    fn call_tool(&self, _call: ToolCall, reply: Reply<ToolOutput>) {
        reply.ok(ToolOutput::empty())
    }
}

fn recorded(store: &MemoryEventStore, id: &str) -> bool {
    store.read_after(&format!("{id}/p0"), 0).is_some()
}

#[test]
fn delete_sweep_and_a_full_table_forget_the_sessions_events() {
    let server = Server::new(ServerConfig::new("t", "1"), Arc::new(Nothing));
    let store = Arc::new(MemoryEventStore::default());
    let table = SessionTable::new(Duration::from_millis(30), 2);
    let forget = store.clone();
    table.on_end(move |id| forget.forget_session(id));
    let record = |id: &str| {
        store.append(&format!("{id}/p0"), Bytes::from_static(b"{}"));
    };

    let deleted = table.create(&server, None).unwrap();
    record(&deleted.id);
    assert!(table.remove(&deleted.id));
    assert!(!recorded(&store, &deleted.id), "DELETE forgets the session's streams");

    let idle = table.create(&server, None).unwrap();
    record(&idle.id);
    std::thread::sleep(Duration::from_millis(60));
    assert_eq!(table.sweep(), 1);
    assert!(!recorded(&store, &idle.id), "the idle sweep forgets them");

    let old = table.create(&server, None).unwrap();
    record(&old.id);
    std::thread::sleep(Duration::from_millis(60)); // its client is gone for longer than the idle timeout
    let kept = table.create(&server, None).unwrap();
    record(&kept.id);
    table.create(&server, None).unwrap(); // the table holds 2: it sweeps the expired one to make room
    assert!(!recorded(&store, &old.id), "a session swept to make room forgets them");
    assert!(recorded(&store, &kept.id), "a live session's streams stay");
    assert_eq!(store.streams(), 1);
}
