//! The `Handler` trait: the code behind tools, resources and prompts.
//!
//! Calls are continuation-passing: the dispatcher hands the handler a `Reply`, and the handler calls
//! `Reply::send` from whatever thread finishes the work. No thread hop is imposed by the framework,
//! which is what lets the Python bindings answer straight from the asyncio thread. A Rust handler
//! that prefers `async` spawns a task and sends from it. A `Reply` dropped without an answer still
//! answers (with an internal error), so a request can never be left hanging.

use crate::jsonrpc::{ErrorObject, RequestId};
use crate::protocol::ProtocolVersion;
pub use crate::server::auth::Headers;
use crate::server::auth::{AuthRequest, Principal};
use crate::server::catalog::{PromptSpec, ResourceTarget, ToolSpec};
use crate::server::logging::{LogGate, LogLevel};
use crate::server::peer::{PeerCall, PeerRequests};
use crate::server::request_state::Carried;
use serde_json::{Map, Value};
use std::sync::{Arc, Mutex};
use tokio_util::sync::CancellationToken;

/// What a legacy session learnt from `initialize`.
#[derive(Debug, Clone, Default)]
pub struct ClientInfo {
    pub info: Option<Value>,
    pub capabilities: Value,
}

/// Facts about the request being served.
#[derive(Clone)]
pub struct RequestContext {
    pub id: RequestId,
    pub method: Arc<str>,
    pub version: ProtocolVersion,
    /// `params._meta` as sent (stateless requests carry version and capabilities here).
    pub meta: Option<Value>,
    pub headers: Arc<Headers>,
    /// The legacy session's client, when the request came through `initialize`.
    pub client: Option<Arc<ClientInfo>>,
    pub cancellation: Arc<Cancellation>,
    /// Where this request's answer goes (notifications about it go there first).
    pub outbound: Arc<dyn super::outbound::Outbound>,
    /// The session's requests to the client (handshake era only).
    pub peer: Option<Arc<PeerRequests>>,
    /// Whether log messages about this request reach the client.
    pub log: LogGate,
    /// The client's progress token, when it asked for progress.
    pub progress: Option<Arc<Progress>>,
    /// Stateless MRTR: the client's answers so far (this round's and, from `requestState`,
    /// earlier rounds') and the function's own carried state. `None` on a first round.
    pub input: Option<Arc<Carried>>,
    /// Set on a `tools/call` that is, or may become, a task (see `start_task`).
    pub task: Option<Arc<crate::server::tasks::link::TaskLink>>,
    /// Who is calling, as the transport's authentication step said (`None`: anonymous).
    pub principal: Option<Principal>,
}

/// Progress reporting for one request: its token and the last value sent (progress must increase).
#[derive(Debug)]
pub struct Progress {
    pub token: Value,
    last: Mutex<Option<f64>>,
}

impl Progress {
    pub fn new(token: Value) -> Self {
        Progress { token, last: Mutex::new(None) }
    }
}

/// Drops every frame: the outbound of a context that belongs to no session.
struct Nowhere;

impl super::outbound::Outbound for Nowhere {
    fn send(&self, _frame: Vec<u8>) {}
}

impl RequestContext {
    /// A context that belongs to no session and no JSON-RPC request: what an authentication step
    /// runs with (`method` is empty, nothing it sends reaches a client).
    pub fn detached(headers: Arc<Headers>) -> Self {
        RequestContext {
            id: RequestId::Num(0),
            method: Arc::from(""),
            version: ProtocolVersion::LATEST_LEGACY,
            meta: None,
            headers,
            client: None,
            cancellation: Arc::new(Cancellation::default()),
            outbound: Arc::new(Nowhere),
            peer: None,
            log: LogGate::Off,
            progress: None,
            input: None,
            task: None,
            principal: None,
        }
    }

    /// Sends a notification about this request (progress, log) ahead of its answer. Nothing is
    /// sent once the request was cancelled or answered.
    pub fn notify(&self, method: &str, params: Value) {
        if self.cancellation.is_cancelled() || self.cancellation.is_finished() {
            return;
        }
        self.outbound.send_notification(crate::jsonrpc::encode_notification(method, Some(&params)));
    }

    /// Sends `notifications/message` if the request's log gate lets `level` through; returns
    /// whether it was sent.
    pub fn log(&self, level: LogLevel, logger: Option<&str>, data: Value) -> bool {
        if !self.log.allows(level) {
            return false;
        }
        let mut params = Map::new();
        params.insert("level".into(), Value::from(level.as_str()));
        if let Some(l) = logger {
            params.insert("logger".into(), Value::from(l));
        }
        params.insert("data".into(), data);
        self.notify("notifications/message", Value::Object(params));
        true
    }

    /// Sends `notifications/progress` when the client asked for progress. Progress must increase:
    /// a value not above the last one is an error (and nothing is sent).
    pub fn report_progress(&self, progress: f64, total: Option<f64>, message: Option<&str>) -> Result<bool, String> {
        let Some(p) = &self.progress else { return Ok(false) };
        if !progress.is_finite() {
            return Err(format!("progress must be a finite number, got {progress}"));
        }
        {
            let mut last = p.last.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(prev) = *last {
                if progress <= prev {
                    return Err(format!("progress must increase: {progress} after {prev}"));
                }
            }
            *last = Some(progress);
        }
        let mut params = Map::new();
        params.insert("progressToken".into(), p.token.clone());
        params.insert("progress".into(), json_number(progress));
        if let Some(t) = total.filter(|t| t.is_finite()) {
            params.insert("total".into(), json_number(t));
        }
        if let Some(m) = message {
            params.insert("message".into(), Value::from(m));
        }
        self.notify("notifications/progress", Value::Object(params));
        Ok(true)
    }

    /// Sends a request to the client (handshake era), on this request's stream; the future
    /// resolves to the client's answer. Fails at once on the stateless wire, which has no
    /// server-to-client requests (use an input-required result there).
    pub fn request_client(&self, method: &str, params: Value) -> Result<PeerCall, ErrorObject> {
        let Some(peer) = &self.peer else {
            return Err(ErrorObject::internal(format!(
                "{method}: the stateless protocol revision has no server-to-client requests"
            )));
        };
        if self.cancellation.is_cancelled() || self.cancellation.is_finished() {
            return Err(ErrorObject::internal(format!("{method}: the request is no longer in flight")));
        }
        Ok(peer.call(&self.outbound, method, params, self.principal.clone()))
    }

    /// Makes this tool call a task now, when the client can do tasks: the request is answered
    /// with the task at once and the function's eventual answer becomes the task's result. True
    /// once the call is a task; false when it cannot become one (it carries on as a plain call).
    pub fn start_task(&self) -> Result<bool, ErrorObject> {
        match &self.task {
            Some(link) => link.start_task(),
            None => Ok(false),
        }
    }

    /// The id of the task this call is, if it is one.
    pub fn task_id(&self) -> Option<String> {
        self.task.as_ref().and_then(|l| l.task_id())
    }

    /// The client's capabilities: from `_meta` on a stateless request, from `initialize` otherwise.
    pub fn client_capabilities(&self) -> Value {
        if let Some(c) = self.meta.as_ref().and_then(|m| m.get(crate::protocol::meta::CLIENT_CAPABILITIES)) {
            return c.clone();
        }
        self.client.as_ref().map(|c| c.capabilities.clone()).unwrap_or(Value::Object(Map::new()))
    }
    /// The client's `Implementation`, if it said.
    pub fn client_info(&self) -> Option<Value> {
        if let Some(c) = self.meta.as_ref().and_then(|m| m.get(crate::protocol::meta::CLIENT_INFO)) {
            return Some(c.clone());
        }
        self.client.as_ref().and_then(|c| c.info.clone())
    }
}

/// Integers stay integers on the wire (`50`, not `50.0`).
fn json_number(x: f64) -> Value {
    if x.fract() == 0.0 && x.abs() < 9.0e15 {
        Value::from(x as i64)
    } else {
        Value::from(x)
    }
}

/// Cancellation of one in-flight request: a token to await plus one hook to run, whichever is set
/// first. Hooks let a handler forward cancellation (e.g. to a Python task) without a watcher task.
#[derive(Default)]
pub struct Cancellation {
    token: CancellationToken,
    hook: Mutex<Option<Box<dyn FnOnce() + Send>>>,
    finished: std::sync::atomic::AtomicBool,
}

impl Cancellation {
    /// Marks the request answered (no more notifications about it).
    pub fn finish(&self) {
        self.finished.store(true, std::sync::atomic::Ordering::Release);
    }
    pub fn is_finished(&self) -> bool {
        self.finished.load(std::sync::atomic::Ordering::Acquire)
    }
    pub fn cancel(&self) {
        self.token.cancel();
        let hook = self.hook.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(h) = hook {
            h();
        }
    }
    pub fn is_cancelled(&self) -> bool {
        self.token.is_cancelled()
    }
    pub fn token(&self) -> &CancellationToken {
        &self.token
    }
    /// Runs `f` on cancellation (at once if already cancelled). A later call replaces the hook.
    pub fn on_cancel(&self, f: impl FnOnce() + Send + 'static) {
        let mut slot = self.hook.lock().unwrap_or_else(|e| e.into_inner());
        if self.token.is_cancelled() {
            drop(slot);
            f();
        } else {
            *slot = Some(Box::new(f));
        }
    }
}

/// Why a handler could not produce a result.
#[derive(Debug, Clone)]
pub enum HandlerError {
    /// Answer with exactly this JSON-RPC error (e.g. `McpError` raised in Python).
    Protocol(ErrorObject),
    /// The code failed: a tool answers `isError: true` with this text, others -32603.
    Failed(String),
    /// Stateless MRTR: the function needs these inputs from the client (key -> `{method, params}`)
    /// before it can finish; `data` is state it wants back on the retry.
    InputRequired { requests: Map<String, Value>, data: Option<Value> },
}

impl From<ErrorObject> for HandlerError {
    fn from(e: ErrorObject) -> Self {
        HandlerError::Protocol(e)
    }
}

type Finish<T> = Box<dyn FnOnce(Result<T, HandlerError>) + Send>;

/// The one-shot answer to a request. See the module docs.
pub struct Reply<T> {
    finish: Option<Finish<T>>,
    cancellation: Arc<Cancellation>,
}

impl<T> Reply<T> {
    pub fn new(cancellation: Arc<Cancellation>, finish: impl FnOnce(Result<T, HandlerError>) + Send + 'static) -> Self {
        Reply { finish: Some(Box::new(finish)), cancellation }
    }
    pub fn send(mut self, result: Result<T, HandlerError>) {
        if let Some(f) = self.finish.take() {
            f(result);
        }
    }
    pub fn ok(self, value: T) {
        self.send(Ok(value))
    }
    pub fn cancellation(&self) -> &Arc<Cancellation> {
        &self.cancellation
    }
}

impl<T> Drop for Reply<T> {
    fn drop(&mut self) {
        if let Some(f) = self.finish.take() {
            f(Err(HandlerError::Protocol(ErrorObject::internal("the handler dropped the request without answering"))));
        }
    }
}

/// A `CallToolResult` object: `content`, and optionally `structuredContent`, `isError`, `_meta`.
/// Era differences (e.g. no `structuredContent` before 2025-06-18) are applied by the dispatcher.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ToolOutput(pub Map<String, Value>);

impl ToolOutput {
    pub fn text(text: impl Into<String>) -> Self {
        let mut m = Map::new();
        m.insert("content".into(), Value::Array(vec![text_block(text.into())]));
        ToolOutput(m)
    }
    /// A structured value plus its JSON text, as the spec recommends for backward compatibility.
    pub fn structured(value: Value) -> Self {
        let text = serde_json::to_string(&value).expect("a Value serialises");
        let mut out = Self::text(text);
        out.0.insert("structuredContent".into(), value);
        out
    }
    pub fn error(text: impl Into<String>) -> Self {
        let mut out = Self::text(text);
        out.0.insert("isError".into(), Value::Bool(true));
        out
    }
    pub fn empty() -> Self {
        let mut m = Map::new();
        m.insert("content".into(), Value::Array(Vec::new()));
        ToolOutput(m)
    }
}

pub fn text_block(text: String) -> Value {
    let mut b = Map::new();
    b.insert("type".into(), Value::from("text"));
    b.insert("text".into(), Value::String(text));
    Value::Object(b)
}

/// The `contents` of a `resources/read` result.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ResourceOutput(pub Vec<Value>);

/// A `GetPromptResult`: `messages` and optionally `description`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PromptOutput(pub Map<String, Value>);

/// Items of a list result produced by a handler override.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ListOutput(pub Vec<Value>);

pub struct ToolCall {
    pub ctx: RequestContext,
    pub tool: Arc<ToolSpec>,
    /// Already coerced and validated against the tool's schema.
    pub arguments: Map<String, Value>,
}

pub struct ResourceRead {
    pub ctx: RequestContext,
    pub uri: String,
    pub target: ResourceTarget,
}

pub struct PromptGet {
    pub ctx: RequestContext,
    pub prompt: Arc<PromptSpec>,
    pub arguments: Map<String, Value>,
}

/// Lists a handler may produce itself instead of the catalog's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListKind {
    Resources,
    Prompts,
}

/// What `completion/complete` is completing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CompletionRef {
    /// An argument of this prompt.
    Prompt(String),
    /// A variable of this resource template (its `uriTemplate`).
    Resource(String),
}

pub struct CompletionRequest {
    pub ctx: RequestContext,
    pub reference: CompletionRef,
    pub argument: String,
    /// What the user typed so far.
    pub value: String,
    /// Arguments already filled in (`context.arguments`).
    pub context: Map<String, Value>,
}

/// Completion values; the dispatcher keeps at most 100 and sets `hasMore` when it cut.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CompletionOutput {
    pub values: Vec<String>,
    pub total: Option<u64>,
    pub has_more: Option<bool>,
}

/// A request about to be served, for `Handler::validate_request`.
pub struct RequestToValidate {
    pub ctx: RequestContext,
    pub params: Value,
}

/// The code behind the catalog. Only the methods for what was registered are ever called.
pub trait Handler: Send + Sync + 'static {
    fn call_tool(&self, call: ToolCall, reply: Reply<ToolOutput>);

    fn read_resource(&self, read: ResourceRead, reply: Reply<ResourceOutput>) {
        reply.send(Err(ErrorObject::internal(format!("no reader for {}", read.uri)).into()))
    }

    fn get_prompt(&self, get: PromptGet, reply: Reply<PromptOutput>) {
        reply.send(Err(ErrorObject::internal(format!("no prompt {}", get.prompt.name)).into()))
    }

    /// True when `list` should be used instead of the catalog for this kind.
    fn overrides_list(&self, _kind: ListKind) -> bool {
        false
    }

    fn list(&self, kind: ListKind, _ctx: RequestContext, reply: Reply<ListOutput>) {
        reply.send(Err(ErrorObject::internal(format!("no list override for {kind:?}")).into()))
    }

    /// True when `complete` serves `completion/complete` (the `completions` capability).
    fn completes(&self) -> bool {
        false
    }

    fn complete(&self, _request: CompletionRequest, reply: Reply<CompletionOutput>) {
        reply.ok(CompletionOutput::default())
    }

    /// True when every request must pass `validate_request` first.
    fn validates_requests(&self) -> bool {
        false
    }

    /// Accept (`Ok(())`) or reject (an error answered to the client) a request before it runs.
    fn validate_request(&self, _request: RequestToValidate, reply: Reply<()>) {
        reply.ok(())
    }

    /// True when every HTTP request and WebSocket upgrade must pass `authenticate` first.
    fn authenticates(&self) -> bool {
        false
    }

    /// The gate of every HTTP request and WebSocket upgrade, run on its headers before anything
    /// else: `Ok(Some(p))` names the caller, `Ok(None)` admits an anonymous one, an error refuses
    /// it (HTTP 401 with `WWW-Authenticate: Bearer`). See `server::auth`.
    fn authenticate(&self, _request: AuthRequest, reply: Reply<Option<Principal>>) {
        reply.ok(None)
    }
}
