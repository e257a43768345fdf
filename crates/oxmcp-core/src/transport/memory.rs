//! The in-memory transport: a client in the same process, speaking to a session through the same
//! dispatcher as every other transport. Used by tests and by `oxmcp.testing.MockMcpClient`.

use crate::jsonrpc::{self, ErrorObject, Incoming, Message, RequestId};
use crate::server::{Headers, Inbound, Outbound, Server, Session};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::oneshot;

type Pending = Arc<Mutex<HashMap<RequestId, oneshot::Sender<Result<Value, ErrorObject>>>>>;

struct MemorySink {
    pending: Pending,
    notifications: Arc<Mutex<Vec<Value>>>,
    /// Error answers with a null id (parse errors and the like), for raw-frame tests.
    orphans: Arc<Mutex<Vec<ErrorObject>>>,
}

impl MemorySink {
    fn deliver(&self, msg: Message) {
        match msg {
            Message::Response { id, outcome } => {
                let waiter = self.pending.lock().unwrap_or_else(|e| e.into_inner()).remove(&id);
                if let Some(w) = waiter {
                    let _ = w.send(outcome);
                }
            }
            Message::Notification { method, params } => {
                let mut n = serde_json::Map::new();
                n.insert("method".into(), Value::String(method));
                if let Some(p) = params {
                    n.insert("params".into(), p);
                }
                self.notifications.lock().unwrap_or_else(|e| e.into_inner()).push(Value::Object(n));
            }
            Message::Request { .. } => {}
            Message::Invalid { .. } => {}
        }
    }
}

impl Outbound for MemorySink {
    fn send(&self, frame: Vec<u8>) {
        // Error responses with `id: null` are not valid "responses" to route; keep them aside.
        if let Ok(v) = serde_json::from_slice::<Value>(&frame) {
            if v.get("id").is_some_and(Value::is_null) {
                if let Some(e) = v.get("error").and_then(ErrorObject::from_value) {
                    self.orphans.lock().unwrap_or_else(|e| e.into_inner()).push(e);
                }
                return;
            }
        }
        match jsonrpc::parse(&frame) {
            Ok(Incoming::Single(m)) => self.deliver(m),
            Ok(Incoming::Batch(ms)) => ms.into_iter().for_each(|m| self.deliver(m)),
            Err(e) => tracing::error!(target: "oxmcp.transport.memory", "server sent unparsable frame: {e}"),
        }
    }
}

/// A client connected in memory to its own session of a server.
pub struct MemoryClient {
    session: Arc<Session>,
    inbound: Inbound,
    pending: Pending,
    notifications: Arc<Mutex<Vec<Value>>>,
    orphans: Arc<Mutex<Vec<ErrorObject>>>,
    next_id: AtomicI64,
}

impl MemoryClient {
    pub fn connect(server: &Server, headers: Headers) -> Self {
        let pending: Pending = Arc::default();
        let notifications = Arc::new(Mutex::new(Vec::new()));
        let orphans = Arc::new(Mutex::new(Vec::new()));
        let sink =
            MemorySink { pending: pending.clone(), notifications: notifications.clone(), orphans: orphans.clone() };
        let inbound = Inbound { out: Arc::new(sink), headers: Arc::new(headers) };
        MemoryClient { session: server.session(), inbound, pending, notifications, orphans, next_id: AtomicI64::new(1) }
    }

    /// Allocates the id the next request will use (so a test can cancel it).
    pub fn next_request_id(&self) -> RequestId {
        RequestId::Num(self.next_id.fetch_add(1, Ordering::Relaxed))
    }

    /// Sends a request and waits for its answer.
    pub async fn request(&self, method: &str, params: Option<Value>) -> Result<Value, ErrorObject> {
        let id = self.next_request_id();
        self.request_with_id(id, method, params).await
    }

    /// Sends a request with a chosen id and waits for its answer. If the request is cancelled,
    /// no answer ever comes: wrap this in a timeout.
    pub async fn request_with_id(
        &self,
        id: RequestId,
        method: &str,
        params: Option<Value>,
    ) -> Result<Value, ErrorObject> {
        let (tx, rx) = oneshot::channel();
        self.pending.lock().unwrap_or_else(|e| e.into_inner()).insert(id.clone(), tx);
        let frame = jsonrpc::encode_request(&id, method, params.as_ref());
        self.session.handle_frame(&frame, &self.inbound);
        rx.await.unwrap_or_else(|_| Err(ErrorObject::internal("the session went away")))
    }

    pub fn notify(&self, method: &str, params: Option<Value>) {
        let frame = jsonrpc::encode_notification(method, params.as_ref());
        self.session.handle_frame(&frame, &self.inbound);
    }

    /// Sends raw bytes as one frame (for bad-input tests).
    pub fn send_raw(&self, frame: &[u8]) {
        self.session.handle_frame(frame, &self.inbound);
    }

    /// Notifications received so far (drained).
    pub fn take_notifications(&self) -> Vec<Value> {
        std::mem::take(&mut *self.notifications.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// Error answers that carried `id: null` (drained).
    pub fn take_orphan_errors(&self) -> Vec<ErrorObject> {
        std::mem::take(&mut *self.orphans.lock().unwrap_or_else(|e| e.into_inner()))
    }

    pub fn session(&self) -> &Arc<Session> {
        &self.session
    }
}
