//! The in-memory transport: a client in the same process, speaking to a session through the same
//! dispatcher as every other transport. Used by tests and by `oxmcp.testing.MockMcpClient`.
//!
//! Everything the server sends that is not an answer to one of the client's requests — its
//! notifications and, in a handshake-era session, its own requests (`elicitation/create`,
//! `sampling/createMessage`, `roots/list`, `ping`) — is queued in order as a [`ServerMessage`]
//! for [`MemoryClient::next_server_message`]. The client answers a server request with
//! [`MemoryClient::respond`], which feeds the response frame back into the session. Notifications
//! are also recorded for [`MemoryClient::take_notifications`].

use crate::jsonrpc::{self, ErrorObject, Message, RequestId};
use crate::server::{Headers, Inbound, Outbound, Server, Session};
use serde_json::{Map, Value};
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::sync::{oneshot, Notify};

type Pending = Arc<Mutex<HashMap<RequestId, oneshot::Sender<Result<Value, ErrorObject>>>>>;

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Something the server sent on its own: a request to the client, or a notification.
#[derive(Debug, Clone, PartialEq)]
pub enum ServerMessage {
    Request { id: RequestId, method: String, params: Option<Value> },
    Notification { method: String, params: Option<Value> },
}

impl ServerMessage {
    pub fn method(&self) -> &str {
        match self {
            ServerMessage::Request { method, .. } | ServerMessage::Notification { method, .. } => method,
        }
    }

    pub fn params(&self) -> Option<&Value> {
        match self {
            ServerMessage::Request { params, .. } | ServerMessage::Notification { params, .. } => params.as_ref(),
        }
    }

    /// `{"id"?, "method", "params"?}`: `id` only on a request.
    pub fn to_value(&self) -> Value {
        let mut m = Map::new();
        if let ServerMessage::Request { id, .. } = self {
            m.insert("id".into(), id.to_value());
        }
        m.insert("method".into(), Value::from(self.method()));
        if let Some(p) = self.params() {
            m.insert("params".into(), p.clone());
        }
        Value::Object(m)
    }
}

/// The queue of server messages: unbounded (a test client), in arrival order.
#[derive(Default)]
struct ServerQueue {
    items: Mutex<VecDeque<ServerMessage>>,
    ready: Notify,
    closed: AtomicBool,
}

impl ServerQueue {
    fn push(&self, msg: ServerMessage) {
        if self.closed.load(Ordering::Acquire) {
            return;
        }
        lock(&self.items).push_back(msg);
        self.ready.notify_waiters();
    }

    fn try_pop(&self) -> Option<ServerMessage> {
        lock(&self.items).pop_front()
    }

    async fn pop(&self) -> Option<ServerMessage> {
        loop {
            // Registered before looking, so a push between the look and the wait still wakes us.
            let notified = self.ready.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if let Some(m) = self.try_pop() {
                return Some(m);
            }
            if self.closed.load(Ordering::Acquire) {
                return None;
            }
            notified.await;
        }
    }

    async fn wait(&self) -> bool {
        loop {
            let notified = self.ready.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if !lock(&self.items).is_empty() {
                return true;
            }
            if self.closed.load(Ordering::Acquire) {
                return false;
            }
            notified.await;
        }
    }

    fn close(&self) {
        self.closed.store(true, Ordering::Release);
        lock(&self.items).clear();
        self.ready.notify_waiters();
    }
}

struct MemorySink {
    pending: Pending,
    notifications: Arc<Mutex<Vec<Value>>>,
    /// Error answers with a null id (parse errors and the like), for raw-frame tests.
    orphans: Arc<Mutex<Vec<ErrorObject>>>,
    queue: Arc<ServerQueue>,
}

impl MemorySink {
    fn deliver(&self, msg: Message) {
        match msg {
            Message::Response { id, outcome } => {
                let waiter = lock(&self.pending).remove(&id);
                if let Some(w) = waiter {
                    let _ = w.send(outcome);
                }
            }
            Message::Notification { method, params } => {
                let msg = ServerMessage::Notification { method, params };
                lock(&self.notifications).push(msg.to_value());
                self.queue.push(msg);
            }
            Message::Request { id, method, params } => self.queue.push(ServerMessage::Request { id, method, params }),
            Message::Invalid { .. } => {}
        }
    }
}

/// A frame the server sent, parsed without serde_json's nesting limit (128, meant for untrusted
/// input): the server's own values nest up to its converter's bound (256 in the Python bindings)
/// plus the envelope, and this client must read every answer the server can give.
fn parse_server_frame(frame: &[u8]) -> Result<Value, serde_json::Error> {
    use serde::Deserialize;
    let mut de = serde_json::Deserializer::from_slice(frame);
    de.disable_recursion_limit();
    let value = Value::deserialize(&mut de)?;
    de.end()?;
    Ok(value)
}

impl Outbound for MemorySink {
    fn send(&self, frame: Vec<u8>) {
        let value = match parse_server_frame(&frame) {
            Ok(v) => v,
            Err(e) => {
                tracing::error!(target: "oxmcp.transport.memory", "server sent unparsable frame: {e}");
                // Fail the request it answered rather than leave its caller waiting for ever.
                if let Some(w) = jsonrpc::sniff_id(&frame).and_then(|id| lock(&self.pending).remove(&id)) {
                    let _ = w.send(Err(ErrorObject::parse_error(e)));
                }
                return;
            }
        };
        // Error responses with `id: null` are not valid "responses" to route; keep them aside.
        if value.get("id").is_some_and(Value::is_null) {
            if let Some(e) = value.get("error").and_then(ErrorObject::from_value) {
                lock(&self.orphans).push(e);
            }
            return;
        }
        match value {
            Value::Array(items) => items.into_iter().for_each(|m| self.deliver(jsonrpc::classify(m))),
            other => self.deliver(jsonrpc::classify(other)),
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
    queue: Arc<ServerQueue>,
    next_id: AtomicI64,
}

impl MemoryClient {
    pub fn connect(server: &Server, headers: Headers) -> Self {
        let pending: Pending = Arc::default();
        let notifications = Arc::new(Mutex::new(Vec::new()));
        let orphans = Arc::new(Mutex::new(Vec::new()));
        let queue = Arc::new(ServerQueue::default());
        let sink = MemorySink {
            pending: pending.clone(),
            notifications: notifications.clone(),
            orphans: orphans.clone(),
            queue: queue.clone(),
        };
        let inbound = Inbound { out: Arc::new(sink), headers: Arc::new(headers), principal: None };
        let session = server.session();
        // Change notifications (list_changed, resources/updated) reach the client here too.
        session.set_standalone(Some(inbound.out.clone()));
        MemoryClient { session, inbound, pending, notifications, orphans, queue, next_id: AtomicI64::new(1) }
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
        lock(&self.pending).insert(id.clone(), tx);
        // Forgets the waiter if this future is dropped before the answer (the caller gave up).
        struct Forget<'a>(&'a Pending, &'a RequestId);
        impl Drop for Forget<'_> {
            fn drop(&mut self) {
                lock(self.0).remove(self.1);
            }
        }
        let _forget = Forget(&self.pending, &id);
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

    /// The next request or notification from the server, in arrival order; waits for one.
    /// `None` once the client is closed. Cancel-safe: dropping the future loses nothing.
    pub async fn next_server_message(&self) -> Option<ServerMessage> {
        self.queue.pop().await
    }

    /// Waits until a server message is queued, without taking it: true then, false once the
    /// client is closed. For a consumer that must take messages on its own thread, in order with
    /// what it learns elsewhere (the Python client takes them on the event loop with
    /// `try_next_server_message`, so none is in transit when a response arrives).
    pub async fn wait_server_message(&self) -> bool {
        self.queue.wait().await
    }

    /// The next queued server message, if one is waiting (never waits).
    pub fn try_next_server_message(&self) -> Option<ServerMessage> {
        self.queue.try_pop()
    }

    /// Answers a request the server sent (`id` as received): the response frame goes into the
    /// session like any frame from this client.
    pub fn respond(&self, id: &RequestId, outcome: Result<Value, ErrorObject>) {
        let frame = match &outcome {
            Ok(result) => jsonrpc::encode_result(id, result),
            Err(error) => jsonrpc::encode_error(Some(id), error),
        };
        self.session.handle_frame(&frame, &self.inbound);
    }

    /// Ends the client's side: `next_server_message` returns `None` from now on (queued messages
    /// are dropped and later ones ignored), and the session's requests in flight are cancelled.
    pub fn close(&self) {
        self.queue.close();
        self.session.cancel_all();
    }

    pub fn is_closed(&self) -> bool {
        self.queue.closed.load(Ordering::Acquire)
    }

    /// Notifications received so far (drained). Recorded whether or not they were also read
    /// through `next_server_message`.
    pub fn take_notifications(&self) -> Vec<Value> {
        std::mem::take(&mut *lock(&self.notifications))
    }

    /// Error answers that carried `id: null` (drained).
    pub fn take_orphan_errors(&self) -> Vec<ErrorObject> {
        std::mem::take(&mut *lock(&self.orphans))
    }

    pub fn session(&self) -> &Arc<Session> {
        &self.session
    }

    /// Where the session's frames for this client go (tests inject server frames through it).
    pub fn outbound(&self) -> Arc<dyn Outbound> {
        self.inbound.out.clone()
    }
}
