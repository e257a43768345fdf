//! A session is one connection's protocol state (the handshake-era negotiation, requests in flight)
//! and the dispatcher that turns incoming frames into handler calls and responses.
//!
//! Both eras share one path: a request whose `params._meta` carries
//! `io.modelcontextprotocol/protocolVersion` is served statelessly (2026-07-28); anything else
//! belongs to the legacy session opened by `initialize`. Per-era differences in results and errors
//! are applied here, never in handlers.

use super::changes::{Change, Listening};
use super::handler::*;
use super::logging::{LogGate, LogLevel, SessionLogLevel};
use super::pagination;
use super::peer::PeerRequests;
use super::request_state::{self, Binding, Carried};
use super::Server;
use crate::jsonrpc::{self, codes, ErrorObject, Incoming, Message, RequestId};
use crate::protocol::{meta, ProtocolVersion, LEGACY_ONLY_METHODS};
use serde_json::{json, Map, Value};
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// `completion/complete`.
mod completion;
/// Stateless MRTR: `inputResponses`, `requestState`, `input_required` results.
mod input_required;
/// `subscriptions/listen` streams.
mod listen;
/// Tasks: `tools/call` promotion and the `tasks/*` methods (both eras).
mod task_calls;

/// Where a session's outgoing frames go. `send` must not block for long: transports queue.
pub trait Outbound: Send + Sync + 'static {
    /// A response (or a batch of responses): the last frame for the request it answers.
    fn send(&self, frame: Vec<u8>);
    /// A notification related to a request in flight (progress, log). Streams carry it before the
    /// response; transports without streams treat it like any frame.
    fn send_notification(&self, frame: Vec<u8>) {
        self.send(frame)
    }
    /// A request ended without a response (it was cancelled). Batch collectors count these.
    fn skip(&self) {}
    /// False once frames can no longer reach the client (e.g. its HTTP GET stream closed).
    fn is_open(&self) -> bool {
        true
    }
}

/// Transport facts that come with one incoming frame.
#[derive(Clone)]
pub struct Inbound {
    pub out: Arc<dyn Outbound>,
    pub headers: Arc<Headers>,
}

impl Inbound {
    pub fn new(out: Arc<dyn Outbound>) -> Self {
        Inbound { out, headers: Arc::new(Vec::new()) }
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

    /// Cancels everything in flight (the connection is gone); no responses follow.
    pub fn cancel_all(&self) {
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

    fn handle_batch(self: &Arc<Self>, items: Vec<Message>, inbound: &Inbound) {
        let allowed = self.negotiated_version().is_some_and(ProtocolVersion::allows_batches);
        if !allowed || items.is_empty() {
            let why = if items.is_empty() {
                "empty batch"
            } else {
                "JSON-RPC batches are only accepted in a session that negotiated protocol revision 2025-03-26"
            };
            inbound.out.send(jsonrpc::encode_error(None, &ErrorObject::invalid_request(why)));
            return;
        }
        let expected = items.iter().filter(|m| matches!(m, Message::Request { .. } | Message::Invalid { .. })).count();
        let collector: Arc<dyn Outbound> = Arc::new(BatchCollector::new(expected, inbound.out.clone()));
        let batch_inbound = Inbound { out: collector, headers: inbound.headers.clone() };
        for msg in items {
            if let Message::Request { id, method, .. } = &msg {
                if method == "initialize" {
                    let err = ErrorObject::invalid_request("initialize must not be part of a batch");
                    batch_inbound.out.send(jsonrpc::encode_error(Some(id), &err));
                    continue;
                }
            }
            self.handle_message(msg, &batch_inbound);
        }
    }

    /// Handles one decoded message.
    pub fn handle_message(self: &Arc<Self>, msg: Message, inbound: &Inbound) {
        match msg {
            Message::Request { id, method, params } => self.on_request(id, method, params, inbound),
            Message::Notification { method, params } => self.on_notification(&method, params),
            Message::Response { id, outcome } => {
                if !self.peer.resolve(&id, outcome) {
                    tracing::debug!(target: "oxmcp.session", "ignoring a response to {id}: no request of ours is pending");
                }
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

    /// Decides the era of a request and builds its context, or the error that rejects it.
    fn classify(
        &self,
        id: &RequestId,
        method: &str,
        params: &Value,
        inbound: &Inbound,
    ) -> Result<RequestContext, ErrorObject> {
        let req_meta = params.get("_meta");
        let progress = match req_meta.and_then(|m| m.get("progressToken")) {
            Some(t @ (Value::String(_) | Value::Number(_))) => Some(Arc::new(Progress::new(t.clone()))),
            _ => None,
        };
        let make = |version, client, legacy: bool, log| RequestContext {
            id: id.clone(),
            method: Arc::from(method),
            version,
            meta: req_meta.cloned(),
            headers: inbound.headers.clone(),
            client,
            cancellation: Arc::new(Cancellation::default()),
            outbound: inbound.out.clone(),
            peer: legacy.then(|| self.peer.clone()),
            log,
            progress: progress.clone(),
            input: None,
            task: None,
        };
        let session_log = || LogGate::Session(self.log_level.clone());
        if let Some(raw) = req_meta.and_then(|m| m.get(meta::PROTOCOL_VERSION)) {
            let Some(requested) = raw.as_str() else {
                return Err(ErrorObject::invalid_params(format!(
                    "_meta[\"{}\"] must be a string",
                    meta::PROTOCOL_VERSION
                )));
            };
            if !req_meta.and_then(|m| m.get(meta::CLIENT_CAPABILITIES)).is_some_and(Value::is_object) {
                return Err(ErrorObject::invalid_params(format!(
                    "missing _meta[\"{}\"]: every 2026-07-28 request must declare its client capabilities (use {{}} for none)",
                    meta::CLIENT_CAPABILITIES
                )));
            }
            let version = ProtocolVersion::parse(requested).filter(|v| v.is_modern()).ok_or_else(|| {
                // The same list as server/discover: handshake-era revisions stay reachable via initialize.
                let supported: Vec<_> = ProtocolVersion::ALL.iter().rev().map(|v| v.as_str()).collect();
                ErrorObject::new(
                    codes::UNSUPPORTED_PROTOCOL_VERSION,
                    format!("Unsupported protocol version: {requested}"),
                )
                .with_data(json!({ "supported": supported, "requested": requested }))
            })?;
            if LEGACY_ONLY_METHODS.contains(&method) {
                return Err(ErrorObject::method_not_found(method));
            }
            let log = match req_meta.and_then(|m| m.get(meta::LOG_LEVEL)) {
                None | Some(Value::Null) => LogGate::Off,
                Some(v) => LogGate::Level(v.as_str().and_then(LogLevel::parse).ok_or_else(|| {
                    ErrorObject::invalid_params(format!(
                        "_meta[\"{}\"] must be one of {}, got {v}",
                        meta::LOG_LEVEL,
                        LogLevel::names()
                    ))
                })?),
            };
            return Ok(make(version, None, false, log));
        }
        if method == "initialize" {
            return Ok(make(ProtocolVersion::LATEST_LEGACY, None, true, session_log()));
        }
        match lock(&self.legacy).as_ref() {
            Some(l) => Ok(make(l.version, Some(l.client.clone()), true, session_log())),
            None if method == "ping" => Ok(make(ProtocolVersion::LATEST_LEGACY, None, true, session_log())),
            None if method == "server/discover" => Err(ErrorObject::invalid_params(format!(
                "missing _meta[\"{}\"] and _meta[\"{}\"]",
                meta::PROTOCOL_VERSION,
                meta::CLIENT_CAPABILITIES
            ))),
            None => Err(ErrorObject::invalid_request(format!(
                "{method} before initialize: send initialize first, or put the protocol version and client capabilities in params._meta (revision 2026-07-28)"
            ))),
        }
    }

    fn initialize(self: &Arc<Self>, params: &Value) -> Result<Value, ErrorObject> {
        let requested = params
            .get("protocolVersion")
            .and_then(Value::as_str)
            .ok_or_else(|| ErrorObject::invalid_params("initialize needs params.protocolVersion (a string)"))?;
        // Echo a supported handshake-era revision; otherwise offer our newest one.
        let version =
            ProtocolVersion::parse(requested).filter(|v| !v.is_modern()).unwrap_or(ProtocolVersion::LATEST_LEGACY);
        let client = ClientInfo {
            info: params.get("clientInfo").cloned(),
            capabilities: params.get("capabilities").cloned().unwrap_or_else(|| json!({})),
        };
        *lock(&self.legacy) = Some(Legacy { version, client: Arc::new(client), initialized: false });
        let me = Arc::downgrade(self);
        *lock(&self.listening) = Some(self.server.listen(move |change| {
            if let Some(s) = me.upgrade() {
                s.on_change(change);
            }
        }));
        let config = self.server.config();
        let mut result = Map::new();
        result.insert("protocolVersion".into(), Value::from(version.as_str()));
        result.insert("capabilities".into(), self.capabilities());
        self.add_task_capability(version, &mut result);
        result.insert("serverInfo".into(), self.server.implementation().clone());
        if let Some(i) = &config.instructions {
            result.insert("instructions".into(), Value::from(i.as_str()));
        }
        Ok(Value::Object(result))
    }

    fn capabilities(&self) -> Value {
        let mut caps = json!({
            "tools": {"listChanged": true},
            "resources": {"subscribe": true, "listChanged": true},
            "prompts": {"listChanged": true},
            "logging": {},
        });
        if self.server.handler().completes() {
            caps["completions"] = json!({});
        }
        caps
    }

    fn discover(&self) -> Map<String, Value> {
        let mut result = Map::new();
        let versions: Vec<_> = ProtocolVersion::ALL.iter().rev().map(|v| v.as_str()).collect();
        result.insert("supportedVersions".into(), json!(versions));
        result.insert("capabilities".into(), self.capabilities());
        self.add_task_capability(ProtocolVersion::LATEST, &mut result);
        if let Some(i) = &self.server.config().instructions {
            result.insert("instructions".into(), Value::from(i.as_str()));
        }
        result
    }
}

/// Answers one request: routes it to the handler and shapes the result for its era.
struct Responder {
    session: Arc<Session>,
    ctx: RequestContext,
    out: Arc<dyn Outbound>,
    /// Caching hints of the resource being read, when it has its own.
    cache: Option<(u64, super::CacheScope)>,
    /// Stateless tools/call, resources/read, prompts/get: the target and arguments that a
    /// `requestState` is bound to.
    mrtr: Option<(String, Value)>,
}

/// Results of these methods carry caching hints in the stateless revision.
const CACHEABLE: &[&str] =
    &["server/discover", "tools/list", "resources/list", "resources/templates/list", "prompts/list", "resources/read"];

impl Responder {
    /// Hands this request to the handler: returns the handler, the request context and a `Reply`
    /// that runs `done` with this responder when the handler answers (from any thread).
    fn handoff<T: Send + 'static>(
        self,
        done: impl FnOnce(Responder, Result<T, HandlerError>) + Send + 'static,
    ) -> (Arc<dyn Handler>, RequestContext, Reply<T>) {
        let handler = self.session.server.handler().clone();
        let ctx = self.ctx.clone();
        let reply = Reply::new(ctx.cancellation.clone(), move |r| done(self, r));
        (handler, ctx, reply)
    }

    fn finish(self, outcome: Result<Value, ErrorObject>) {
        let frame = match outcome {
            Ok(v) => jsonrpc::encode_result(&self.ctx.id, &v),
            Err(e) => jsonrpc::encode_error(Some(&self.ctx.id), &e),
        };
        let mut inflight = lock(&self.session.inflight);
        // Only this request's own entry counts: after a cancel the client may reuse the id.
        let ours = inflight.get(&self.ctx.id).is_some_and(|c| Arc::ptr_eq(c, &self.ctx.cancellation));
        if !ours {
            drop(inflight);
            // Cancelled: the client must hear nothing more about this request.
            self.out.skip();
            return;
        }
        inflight.remove(&self.ctx.id);
        self.ctx.cancellation.finish();
        // Queued before the entry disappears, so "idle" implies every answer is on its way.
        self.out.send(frame);
    }

    /// Completes with a result object, adding what the stateless revision requires.
    fn finish_ok(self, mut result: Map<String, Value>) {
        if self.ctx.version.is_modern() {
            result.insert("resultType".into(), Value::from("complete"));
            if CACHEABLE.contains(&&*self.ctx.method) {
                let config = self.session.server.config();
                let (ttl, scope) = self.cache.unwrap_or((config.cache_ttl_ms, config.cache_scope));
                // An MRTR retry's result must not be cached.
                let ttl = if self.ctx.input.is_some() { 0 } else { ttl };
                result.entry("ttlMs").or_insert(Value::from(ttl));
                result.entry("cacheScope").or_insert(Value::from(scope.as_str()));
            }
            let server_info = self.session.server.implementation().clone();
            match result.get_mut("_meta") {
                Some(Value::Object(m)) => {
                    m.insert(meta::SERVER_INFO.into(), server_info);
                }
                _ => {
                    result.insert("_meta".into(), json!({ meta::SERVER_INFO: server_info }));
                }
            }
        }
        self.finish(Ok(Value::Object(result)));
    }

    fn route(self, params: Value) {
        let method = self.ctx.method.clone();
        match &*method {
            "initialize" => {
                let r = self.session.initialize(&params);
                self.finish(r)
            }
            "ping" => self.finish_ok(Map::new()),
            "server/discover" if self.ctx.version.is_modern() => {
                let r = self.session.discover();
                self.finish_ok(r)
            }
            "tools/list" => {
                self.list_catalog(&params, "tools", |c| c.tools().iter().map(|t| t.definition.clone()).collect())
            }
            "tools/call" => self.call_tool(params),
            "resources/list" => self.list("resources", ListKind::Resources, &params, |c| {
                c.resources().iter().map(|r| r.definition.clone()).collect()
            }),
            "resources/templates/list" => self.list_catalog(&params, "resourceTemplates", |c| {
                c.templates().iter().map(|t| t.definition.clone()).collect()
            }),
            "resources/read" => self.read_resource(params),
            "prompts/list" => self.list("prompts", ListKind::Prompts, &params, |c| {
                c.prompts().iter().map(|p| p.definition.clone()).collect()
            }),
            "prompts/get" => self.get_prompt(params),
            "completion/complete" if self.session.server.handler().completes() => self.complete(&params),
            "logging/setLevel" => {
                let level = params.get("level").and_then(Value::as_str).and_then(LogLevel::parse);
                let Some(level) = level else {
                    let why = format!("logging/setLevel needs params.level, one of {}", LogLevel::names());
                    return self.finish(Err(ErrorObject::invalid_params(why)));
                };
                self.session.log_level.set(level);
                self.finish_ok(Map::new())
            }
            "resources/subscribe" | "resources/unsubscribe" => {
                let Some(uri) = params.get("uri").and_then(Value::as_str) else {
                    return self
                        .finish(Err(ErrorObject::invalid_params(format!("{method} needs params.uri (a string)"))));
                };
                let mut subs = lock(&self.session.subscriptions);
                if &*method == "resources/subscribe" {
                    subs.insert(uri.to_string());
                } else {
                    subs.remove(uri);
                }
                drop(subs);
                self.finish_ok(Map::new())
            }
            "subscriptions/listen" if self.ctx.version.is_modern() => self.listen(&params),
            "tasks/get" | "tasks/update" | "tasks/cancel" | "tasks/result" | "tasks/list" => self.tasks_method(&params),
            other => {
                let err = ErrorObject::method_not_found(other);
                self.finish(Err(err))
            }
        }
    }

    fn page_of(&self, items: Vec<Value>, params: &Value, key: &str) -> Result<Map<String, Value>, ErrorObject> {
        let cursor = match params.get("cursor") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.as_str()),
            Some(_) => return Err(ErrorObject::invalid_params("cursor must be a string")),
        };
        let (start, end, next) = pagination::page(items.len(), cursor, self.session.server.config().page_size)?;
        let mut result = Map::new();
        let page: Vec<Value> = if start == 0 && end == items.len() {
            items
        } else {
            items.into_iter().skip(start).take(end - start).collect()
        };
        result.insert(key.into(), Value::Array(page));
        if let Some(n) = next {
            result.insert("nextCursor".into(), Value::String(n));
        }
        Ok(result)
    }

    fn list_catalog(self, params: &Value, key: &str, items: impl FnOnce(&super::Catalog) -> Vec<Value>) {
        let all = items(&self.session.server.catalog());
        match self.page_of(all, params, key) {
            Ok(r) => self.finish_ok(r),
            Err(e) => self.finish(Err(e)),
        }
    }

    /// A list that the handler may produce itself (the `@server.list_resources()` override).
    fn list(
        self,
        key: &'static str,
        kind: ListKind,
        params: &Value,
        items: impl FnOnce(&super::Catalog) -> Vec<Value>,
    ) {
        if !self.session.server.handler().overrides_list(kind) {
            return self.list_catalog(params, key, items);
        }
        let params = params.clone();
        let (handler, ctx, reply) = self.handoff(move |this, r| match r {
            Ok(ListOutput(all)) => match this.page_of(all, &params, key) {
                Ok(r) => this.finish_ok(r),
                Err(e) => this.finish(Err(e)),
            },
            Err(e) => this.finish(Err(failed_as_internal(e))),
        });
        handler.list(kind, ctx, reply);
    }

    fn call_tool(self, params: Value) {
        let Some(name) = params.get("name").and_then(Value::as_str) else {
            return self.finish(Err(ErrorObject::invalid_params("tools/call needs params.name (a string)")));
        };
        let catalog = self.session.server.catalog();
        let Some(tool) = catalog.tool(name).cloned() else {
            let err = ErrorObject::invalid_params(format!("Unknown tool: {name}")).with_data(json!({ "name": name }));
            return self.finish(Err(err));
        };
        let arguments = match params.get("arguments") {
            None | Some(Value::Null) => Map::new(),
            Some(Value::Object(m)) => m.clone(),
            Some(_) => {
                return self.finish(Err(ErrorObject::invalid_params("tools/call params.arguments must be an object")))
            }
        };
        let arguments = match tool.arguments.prepare(arguments) {
            Ok(a) => a,
            Err(e) => {
                let text = format!("Invalid arguments for tool {name}: {e}");
                if self.ctx.version.input_errors_are_tool_errors() {
                    return self.finish_tool(ToolOutput::error(text));
                }
                let err = ErrorObject::invalid_params(text).with_data(json!({ "tool": name, "field": e.field }));
                return self.finish(Err(err));
            }
        };
        let mut this = self;
        if let Err(e) = this.take_input(&params, name, Some(&arguments)) {
            return this.finish(Err(e));
        }
        // A call that is, or may become, a task is served in task_calls.rs.
        let Some((this, arguments)) = this.tool_task(&params, &tool, arguments) else { return };
        let (handler, ctx, reply) = this.handoff(|this, r| match r {
            Ok(out) => this.finish_tool(out),
            Err(HandlerError::Protocol(e)) => this.finish(Err(e)),
            Err(HandlerError::Failed(text)) => this.finish_tool(ToolOutput::error(text)),
            Err(HandlerError::InputRequired { requests, data }) => this.finish_input_required(requests, data),
        });
        handler.call_tool(ToolCall { ctx, tool, arguments }, reply);
    }

    fn finish_tool(self, ToolOutput(mut result): ToolOutput) {
        if !self.ctx.version.has_structured_content() {
            result.remove("structuredContent");
        }
        if !result.contains_key("content") {
            result.insert("content".into(), Value::Array(Vec::new()));
        }
        self.finish_ok(result)
    }

    fn read_resource(self, params: Value) {
        let Some(uri) = params.get("uri").and_then(Value::as_str).map(str::to_string) else {
            return self.finish(Err(ErrorObject::invalid_params("resources/read needs params.uri (a string)")));
        };
        let Some(target) = self.session.server.catalog().resolve_resource(&uri) else {
            let code = self.ctx.version.resource_not_found_code();
            let err = ErrorObject::new(code, format!("Resource not found: {uri}")).with_data(json!({ "uri": uri }));
            return self.finish(Err(err));
        };
        let mut this = self;
        this.cache = target.cache();
        if let Err(e) = this.take_input(&params, &uri, None) {
            return this.finish(Err(e));
        }
        let (handler, ctx, reply) = this.handoff(|this, r| match r {
            Ok(ResourceOutput(contents)) => {
                let mut result = Map::new();
                result.insert("contents".into(), Value::Array(contents));
                this.finish_ok(result)
            }
            Err(HandlerError::InputRequired { requests, data }) => this.finish_input_required(requests, data),
            Err(e) => this.finish(Err(failed_as_internal(e))),
        });
        handler.read_resource(ResourceRead { ctx, uri, target }, reply);
    }

    fn get_prompt(self, params: Value) {
        let Some(name) = params.get("name").and_then(Value::as_str) else {
            return self.finish(Err(ErrorObject::invalid_params("prompts/get needs params.name (a string)")));
        };
        let catalog = self.session.server.catalog();
        let Some(prompt) = catalog.prompt(name).cloned() else {
            let err = ErrorObject::invalid_params(format!("Unknown prompt: {name}")).with_data(json!({ "name": name }));
            return self.finish(Err(err));
        };
        let arguments = match params.get("arguments") {
            None | Some(Value::Null) => Map::new(),
            Some(Value::Object(m)) => m.clone(),
            Some(_) => {
                return self.finish(Err(ErrorObject::invalid_params("prompts/get params.arguments must be an object")))
            }
        };
        if let Some(missing) = prompt.required.iter().find(|r| !arguments.contains_key(*r)) {
            let err = ErrorObject::invalid_params(format!("Missing required argument {missing:?} for prompt {name}"))
                .with_data(json!({ "prompt": name, "argument": missing }));
            return self.finish(Err(err));
        }
        let mut this = self;
        if let Err(e) = this.take_input(&params, name, Some(&arguments)) {
            return this.finish(Err(e));
        }
        let (handler, ctx, reply) = this.handoff(|this, r| match r {
            Ok(PromptOutput(result)) => this.finish_ok(result),
            Err(HandlerError::InputRequired { requests, data }) => this.finish_input_required(requests, data),
            Err(e) => this.finish(Err(failed_as_internal(e))),
        });
        handler.get_prompt(PromptGet { ctx, prompt, arguments }, reply);
    }
}

/// Marks errors from `validate_request` rejections (HTTP answers them 401 with a Bearer challenge).
pub const REJECTED_BY: &str = "rejectedBy";

fn rejected_by_validator(message: String) -> ErrorObject {
    ErrorObject::new(codes::INVALID_REQUEST, message).with_data(json!({ REJECTED_BY: "validate_request" }))
}

fn failed_as_internal(e: HandlerError) -> ErrorObject {
    match e {
        HandlerError::Protocol(e) => e,
        HandlerError::Failed(m) => ErrorObject::new(codes::INTERNAL_ERROR, m),
        HandlerError::InputRequired { .. } => ErrorObject::internal("this request cannot ask the client for input"),
    }
}

/// Collects the responses of a 2025-03-26 batch and sends them as one array.
struct BatchCollector {
    state: Mutex<Vec<Vec<u8>>>,
    remaining: AtomicUsize,
    out: Arc<dyn Outbound>,
}

impl BatchCollector {
    fn new(expected: usize, out: Arc<dyn Outbound>) -> Self {
        BatchCollector { state: Mutex::new(Vec::with_capacity(expected)), remaining: AtomicUsize::new(expected), out }
    }

    fn arrive(&self, frame: Option<Vec<u8>>) {
        let done = {
            let mut frames = lock(&self.state);
            if let Some(f) = frame {
                frames.push(f);
            }
            self.remaining.fetch_sub(1, Ordering::AcqRel) == 1
        };
        if done {
            let frames = std::mem::take(&mut *lock(&self.state));
            if !frames.is_empty() {
                let mut body = Vec::with_capacity(frames.iter().map(|f| f.len() + 1).sum::<usize>() + 2);
                body.push(b'[');
                for (i, f) in frames.iter().enumerate() {
                    if i > 0 {
                        body.push(b',');
                    }
                    body.extend_from_slice(f);
                }
                body.push(b']');
                self.out.send(body);
            }
        }
    }
}

impl Outbound for BatchCollector {
    fn send(&self, frame: Vec<u8>) {
        self.arrive(Some(frame));
    }
    fn send_notification(&self, frame: Vec<u8>) {
        self.out.send_notification(frame); // not an answer: passes straight through
    }
    fn skip(&self) {
        self.arrive(None);
    }
}
