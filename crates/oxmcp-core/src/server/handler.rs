//! The `Handler` trait: the code behind tools, resources and prompts.
//!
//! Calls are continuation-passing: the dispatcher hands the handler a `Reply`, and the handler calls
//! `Reply::send` from whatever thread finishes the work. No thread hop is imposed by the framework,
//! which is what lets the Python bindings answer straight from the asyncio thread. A Rust handler
//! that prefers `async` spawns a task and sends from it. A `Reply` dropped without an answer still
//! answers (with an internal error), so a request can never be left hanging.

use crate::jsonrpc::{ErrorObject, RequestId};
use crate::protocol::ProtocolVersion;
use crate::server::catalog::{PromptSpec, ResourceTarget, ToolSpec};
use serde_json::{Map, Value};
use std::sync::{Arc, Mutex};
use tokio_util::sync::CancellationToken;

/// HTTP headers of the request (names lower-cased); empty on stdio.
pub type Headers = Vec<(String, String)>;

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
    pub outbound: Arc<dyn crate::server::Outbound>,
}

impl RequestContext {
    /// Sends a notification about this request (progress, log) ahead of its answer. Nothing is
    /// sent once the request was cancelled or answered.
    pub fn notify(&self, method: &str, params: Value) {
        if self.cancellation.is_cancelled() || self.cancellation.is_finished() {
            return;
        }
        self.outbound.send_notification(crate::jsonrpc::encode_notification(method, Some(&params)));
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

    /// True when every request must pass `validate_request` first.
    fn validates_requests(&self) -> bool {
        false
    }

    /// Accept (`Ok(())`) or reject (an error answered to the client) a request before it runs.
    fn validate_request(&self, _request: RequestToValidate, reply: Reply<()>) {
        reply.ok(())
    }
}
