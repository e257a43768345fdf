//! A session is one connection's protocol state (the handshake-era negotiation, requests in flight)
//! and the dispatcher that turns incoming frames into handler calls and responses.
//!
//! Both eras share one path: a request whose `params._meta` carries
//! `io.modelcontextprotocol/protocolVersion` is served statelessly (2026-07-28); anything else
//! belongs to the legacy session opened by `initialize` (`protocol::era` decides). Which methods
//! exist in which era, and which results carry caching hints, is `protocol::methods`. Per-era
//! differences in results and errors are applied here, never in handlers.
//!
//! The parts, by job:
//! - this file: the session's state, the public API transports call, frames and notifications;
//! - `classify`: the era of a request and its `RequestContext`;
//! - `responder`: one request's answer (handoff to the handler, result shaping per era);
//! - `routes`: method routing and the catalog methods (list, call, read, get);
//! - `lifecycle`: `initialize`, capabilities, `server/discover`;
//! - `batch`: 2025-03-26 JSON-RPC batches;
//! - `completion`, `input_required`, `listen`, `task_calls`: one feature each.

use super::auth::Principal;
use super::changes::{Change, Listening};
use super::handler::{Cancellation, ClientInfo, HandlerError, Headers, RequestToValidate};
use super::logging::SessionLogLevel;
use super::peer::PeerRequests;
use super::Server;
use crate::jsonrpc::{self, ErrorObject, Incoming, Message, RequestId};
use crate::protocol::ProtocolVersion;
use responder::{failed_as_internal, rejected_by_validator, Responder};
use serde_json::{Map, Value};
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub use super::outbound::Outbound;
pub use responder::REJECTED_BY;

/// 2025-03-26 JSON-RPC batches.
mod batch;
/// The era of a request and its `RequestContext`.
mod classify;
/// `completion/complete`.
mod completion;
/// Stateless MRTR: `inputResponses`, `requestState`, `input_required` results.
mod input_required;
/// `initialize`, capabilities and `server/discover`.
mod lifecycle;
/// `subscriptions/listen` streams.
mod listen;
/// One request's answer: handoff to the handler and result shaping per era.
mod responder;
/// Method routing and the catalog methods.
mod routes;
/// Tasks: `tools/call` promotion and the `tasks/*` methods (both eras).
mod task_calls;

/// Transport facts that come with one incoming frame.
#[derive(Clone)]
pub struct Inbound {
    pub out: Arc<dyn Outbound>,
    pub headers: Arc<Headers>,
    /// Who sent it, as the transport's authentication step said (`None`: anonymous).
    pub principal: Option<Principal>,
}

impl Inbound {
    pub fn new(out: Arc<dyn Outbound>) -> Self {
        Inbound { out, headers: Arc::new(Vec::new()), principal: None }
    }
}

struct Legacy {
    version: ProtocolVersion,
    client: Arc<ClientInfo>,
    initialized: bool,
}

pub struct Session {
    server: Server,
    legacy: Mutex<Option<Legacy>>,
    inflight: Mutex<HashMap<RequestId, Arc<Cancellation>>>,
    /// Our requests to the client, awaiting its answers (handshake era).
    peer: Arc<PeerRequests>,
    /// `logging/setLevel` (handshake era).
    log_level: Arc<SessionLogLevel>,
    /// URIs the client subscribed to with `resources/subscribe` (handshake era).
    subscriptions: Mutex<HashSet<String>>,
    /// Where notifications that belong to no request go (stdio's stdout, the HTTP GET stream).
    standalone: Mutex<Option<Arc<dyn Outbound>>>,
    /// The session's registration for change notifications, once initialized.
    listening: Mutex<Option<Listening>>,
    /// Open `subscriptions/listen` requests (in flight until cancelled).
    listens: AtomicUsize,
    /// Owner of the tasks this (handshake-era) session creates: random, never reused; made on
    /// first use (stateless requests get a throwaway session each, and never need one).
    task_owner: std::sync::OnceLock<String>,
    /// Handshake-era tasks owned by an authenticated principal that this session created
    /// (owner, id): they end with the session like session-owned ones.
    principal_tasks: Mutex<Vec<(String, String)>>,
    /// Cancelled when the session ends (`cancel_all`): streams that belong to it stop.
    ended: tokio_util::sync::CancellationToken,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Session {
    pub(crate) fn new(server: Server) -> Arc<Self> {
        Arc::new(Session {
            server,
            legacy: Mutex::new(None),
            inflight: Mutex::new(HashMap::new()),
            peer: Arc::default(),
            log_level: Arc::default(),
            subscriptions: Mutex::default(),
            standalone: Mutex::new(None),
            listening: Mutex::new(None),
            listens: AtomicUsize::new(0),
            task_owner: std::sync::OnceLock::new(),
            principal_tasks: Mutex::default(),
            ended: tokio_util::sync::CancellationToken::new(),
        })
    }

    /// Sets (or clears) where notifications that belong to no request go: the connection itself
    /// on stdio, WebSocket and in memory; the GET stream on Streamable HTTP.
    pub fn set_standalone(&self, out: Option<Arc<dyn Outbound>>) {
        *lock(&self.standalone) = out;
    }

    /// The owner of this session's tasks.
    fn task_owner(&self) -> &str {
        self.task_owner.get_or_init(|| format!("session:{}", super::tasks::new_task_id()))
    }

    /// Requests of ours the client has not answered yet.
    pub fn pending_client_requests(&self) -> usize {
        self.peer.pending()
    }

    /// A change announced by the server: passed on to a handshake-era client as a notification.
    fn on_change(&self, change: &Change) {
        if !lock(&self.legacy).as_ref().is_some_and(|l| l.initialized) {
            return;
        }
        let wanted = match change {
            Change::ResourceUpdated(uri) => lock(&self.subscriptions).contains(uri),
            Change::Task { .. } => false, // task status goes out with the task's own notifications
            _ => true,
        };
        if !wanted {
            return;
        }
        let Some(out) = lock(&self.standalone).clone() else { return };
        let (method, params) = change.notification();
        out.send_notification(jsonrpc::encode_notification(method, Some(&params)));
    }

    pub fn server(&self) -> &Server {
        &self.server
    }

    /// The revision negotiated by `initialize`, if any.
    pub fn negotiated_version(&self) -> Option<ProtocolVersion> {
        lock(&self.legacy).as_ref().map(|l| l.version)
    }

    /// Requests currently in flight.
    pub fn inflight(&self) -> usize {
        lock(&self.inflight).len()
    }

    /// Waits until no request is in flight, or `timeout` passes. Returns true when idle.
    /// Open `subscriptions/listen` streams do not count: they end only when cancelled.
    pub async fn wait_idle(&self, timeout: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + timeout;
        while self.inflight() > self.listens.load(Ordering::Acquire) {
            if tokio::time::Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        true
    }

    /// Cancelled once the session has ended: transports end the streams that belong to it.
    pub fn ended(&self) -> &tokio_util::sync::CancellationToken {
        &self.ended
    }

    /// Cancels everything in flight (the connection is gone); no responses follow.
    pub fn cancel_all(&self) {
        self.ended.cancel();
        let all: Vec<_> = lock(&self.inflight).drain().map(|(_, c)| c).collect();
        for c in all {
            c.cancel();
        }
        self.peer.close();
        lock(&self.listening).take();
        self.set_standalone(None);
        if let Some(owner) = self.task_owner.get() {
            self.server.tasks().cancel_owner(&self.server, owner); // its tasks die with it
        }
        self.cancel_remembered_tasks();
    }

    /// Handles one frame: a message or a batch. Never panics on bad input; every request gets
    /// exactly one answer (unless cancelled).
    pub fn handle_frame(self: &Arc<Self>, bytes: &[u8], inbound: &Inbound) {
        match jsonrpc::parse(bytes) {
            Err(err) => {
                tracing::debug!(target: "oxmcp.jsonrpc", "parse error: {}", err.message);
                inbound.out.send(jsonrpc::encode_error(None, &err));
            }
            Ok(incoming) => self.handle_incoming(incoming, inbound),
        }
    }

    /// Handles an already parsed frame (transports that look at a message before dispatching it).
    pub fn handle_incoming(self: &Arc<Self>, incoming: Incoming, inbound: &Inbound) {
        match incoming {
            Incoming::Single(msg) => self.handle_message(msg, inbound),
            Incoming::Batch(items) => self.handle_batch(items, inbound),
        }
    }

    /// Handles one decoded message.
    pub fn handle_message(self: &Arc<Self>, msg: Message, inbound: &Inbound) {
        match msg {
            Message::Request { id, method, params } => self.on_request(id, method, params, inbound),
            Message::Notification { method, params } => self.on_notification(&method, params),
            Message::Response { id, outcome } => {
                // Only the caller it was sent to may answer, and only once (`peer.rs`).
                self.peer.resolve(&id, outcome, inbound.principal.as_ref());
            }
            Message::Invalid { id, error } => inbound.out.send(jsonrpc::encode_error(id.as_ref(), &error)),
        }
    }

    fn on_notification(&self, method: &str, params: Option<Value>) {
        match method {
            "notifications/initialized" => {
                if let Some(l) = lock(&self.legacy).as_mut() {
                    l.initialized = true;
                }
            }
            "notifications/cancelled" => {
                let id = params.as_ref().and_then(|p| p.get("requestId")).and_then(RequestId::from_value);
                let Some(id) = id else { return };
                let found = lock(&self.inflight).remove(&id);
                if let Some(c) = found {
                    tracing::debug!(target: "oxmcp.session", "request {id} cancelled by the client");
                    c.cancel();
                }
            }
            _ => tracing::debug!(target: "oxmcp.session", "ignoring notification {method}"),
        }
    }

    fn on_request(self: &Arc<Self>, id: RequestId, method: String, params: Option<Value>, inbound: &Inbound) {
        let params = match params {
            None => Value::Object(Map::new()),
            Some(p @ Value::Object(_)) => p,
            Some(_) => {
                let err = ErrorObject::invalid_params("params must be an object");
                return inbound.out.send(jsonrpc::encode_error(Some(&id), &err));
            }
        };
        let ctx = match self.classify(&id, &method, &params, inbound) {
            Ok(ctx) => ctx,
            Err(err) => return inbound.out.send(jsonrpc::encode_error(Some(&id), &err)),
        };
        {
            let mut inflight = lock(&self.inflight);
            if inflight.contains_key(&id) {
                drop(inflight);
                let err = ErrorObject::invalid_request(format!("request id {id} is already in flight"));
                return inbound.out.send(jsonrpc::encode_error(Some(&id), &err));
            }
            inflight.insert(id.clone(), ctx.cancellation.clone());
        }
        let responder = Responder { session: self.clone(), ctx, out: inbound.out.clone(), cache: None, mrtr: None };
        if !self.server.handler().validates_requests() {
            return responder.route(params);
        }
        let check = RequestToValidate { ctx: responder.ctx.clone(), params: params.clone() };
        let (handler, _, reply) = responder.handoff(move |this, r| match r {
            // Cancelled while being validated: run nothing (finish answers nothing either).
            Ok(()) if this.ctx.cancellation.is_cancelled() => this.finish(Err(ErrorObject::internal("cancelled"))),
            Ok(()) => this.route(params),
            Err(HandlerError::Protocol(e)) => this.finish(Err(e)),
            Err(HandlerError::Failed(m)) => this.finish(Err(rejected_by_validator(m))),
            Err(e @ HandlerError::InputRequired { .. }) => this.finish(Err(failed_as_internal(e))),
        });
        handler.validate_request(check, reply);
    }
}
