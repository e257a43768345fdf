//! Shared fixtures for the integration tests: a test `Handler`, server builders, a raw-frame client
//! and small helpers for both protocol eras.
#![allow(dead_code)]

use oxmcp_core::jsonrpc::{ErrorObject, RequestId};
use oxmcp_core::server::{
    Handler, HandlerError, Headers, Inbound, ListKind, ListOutput, Outbound, PromptGet, PromptOutput, PromptSpec,
    Reply, RequestContext, RequestToValidate, ResourceOutput, ResourceRead, ResourceSpec, ResourceTarget, Server,
    ServerConfig, Session, TemplateSpec, ToolCall, ToolOutput, ToolSpec,
};
use oxmcp_core::transport::MemoryClient;
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::mpsc;

pub const MODERN: &str = "2026-07-28";
pub const LEGACY_VERSIONS: [&str; 4] = ["2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25"];
pub const WAIT: Duration = Duration::from_secs(2);

/// Bounds a future; panics with `what` if it does not finish in `WAIT`.
pub async fn within<T>(what: &str, fut: impl Future<Output = T>) -> T {
    tokio::time::timeout(WAIT, fut).await.unwrap_or_else(|_| panic!("timed out: {what}"))
}

/// The test handler. Records what it saw so tests can assert on side effects.
#[derive(Default)]
pub struct TestHandler {
    /// Number of `call_tool` invocations (any tool).
    pub tool_calls: AtomicUsize,
    /// `slow` calls by their `tag` argument.
    pub slow: Mutex<HashMap<String, Arc<SlowFlags>>>,
    /// Variables that reached `read_resource` for templated reads.
    pub template_vars: Mutex<Vec<Map<String, Value>>>,
    /// Arguments that reached `get_prompt`.
    pub prompt_args: Mutex<Vec<Map<String, Value>>>,
    /// Protocol versions seen by tool calls.
    pub versions_seen: Mutex<Vec<String>>,
    /// List kinds the handler produces itself.
    pub overrides: Vec<ListKind>,
    /// When set, every request must carry this header (else -32600 via `HandlerError::Failed`);
    /// the value "forbidden" is rejected with a custom protocol error.
    pub require_header: Option<&'static str>,
}

impl TestHandler {
    pub fn tool_calls(&self) -> usize {
        self.tool_calls.load(Ordering::SeqCst)
    }
    pub fn slow_flags(&self, tag: &str) -> Arc<SlowFlags> {
        self.slow.lock().unwrap().get(tag).cloned().unwrap_or_else(|| panic!("no slow call tagged {tag}"))
    }
}

fn arg_f64(args: &Map<String, Value>, key: &str) -> f64 {
    args.get(key).and_then(Value::as_f64).unwrap_or(0.0)
}

impl Handler for TestHandler {
    fn call_tool(&self, call: ToolCall, reply: Reply<ToolOutput>) {
        self.tool_calls.fetch_add(1, Ordering::SeqCst);
        self.versions_seen.lock().unwrap().push(call.ctx.version.as_str().to_string());
        match call.tool.name.as_str() {
            "add" => {
                let sum = arg_f64(&call.arguments, "a") + arg_f64(&call.arguments, "b");
                reply.ok(ToolOutput::structured(json!({ "sum": sum })));
            }
            "echo" => {
                let text = call.arguments.get("text").and_then(Value::as_str).unwrap_or_default();
                reply.ok(ToolOutput::text(text));
            }
            "slow" => {
                let ms = call.arguments.get("ms").and_then(Value::as_u64).unwrap_or(200);
                let tag = call.arguments.get("tag").and_then(Value::as_str).unwrap_or("slow").to_string();
                let cooperative = call.arguments.get("cooperative").and_then(Value::as_bool).unwrap_or(false);
                let flags = Arc::new(SlowFlags::default());
                self.slow.lock().unwrap().insert(tag.clone(), flags.clone());
                let cancellation = call.ctx.cancellation.clone();
                {
                    let flags = flags.clone();
                    cancellation.on_cancel(move || flags.hook_ran.store(true, Ordering::SeqCst));
                }
                tokio::spawn(async move {
                    let sleep = tokio::time::sleep(Duration::from_millis(ms));
                    if cooperative {
                        tokio::select! {
                            _ = sleep => {}
                            _ = cancellation.token().cancelled() => {
                                flags.token_cancelled.store(true, Ordering::SeqCst);
                                flags.finished.store(true, Ordering::SeqCst);
                                drop(reply); // gives up without answering
                                return;
                            }
                        }
                    } else {
                        sleep.await;
                    }
                    if cancellation.is_cancelled() {
                        flags.token_cancelled.store(true, Ordering::SeqCst);
                    }
                    flags.finished.store(true, Ordering::SeqCst);
                    reply.ok(ToolOutput::text(tag));
                });
            }
            "fail" => reply.send(Err(HandlerError::Failed("boom: the tool failed".into()))),
            "mcp_error" => reply.send(Err(HandlerError::Protocol(
                ErrorObject::new(4242, "custom failure").with_data(json!({ "why": "because" })),
            ))),
            other => reply.send(Err(HandlerError::Failed(format!("no such tool {other}")))),
        }
    }

    fn read_resource(&self, read: ResourceRead, reply: Reply<ResourceOutput>) {
        match &read.target {
            ResourceTarget::Static(r) => {
                let text = if r.uri == "config://app" { "debug=true" } else { "static" };
                reply.ok(ResourceOutput(vec![json!({
                    "uri": read.uri, "mimeType": "text/plain", "text": text
                })]));
            }
            ResourceTarget::Template(_, vars) => {
                self.template_vars.lock().unwrap().push(vars.clone());
                let id = vars.get("id").and_then(Value::as_str).unwrap_or_default();
                reply.ok(ResourceOutput(vec![json!({
                    "uri": read.uri, "mimeType": "application/json", "text": format!("{{\"id\":\"{id}\"}}")
                })]));
            }
        }
    }

    fn get_prompt(&self, get: PromptGet, reply: Reply<PromptOutput>) {
        self.prompt_args.lock().unwrap().push(get.arguments.clone());
        let name = get.arguments.get("name").and_then(Value::as_str).unwrap_or("world");
        let mut out = Map::new();
        out.insert("description".into(), json!("a greeting"));
        out.insert(
            "messages".into(),
            json!([{ "role": "user", "content": { "type": "text", "text": format!("Hello, {name}!") } }]),
        );
        reply.ok(PromptOutput(out));
    }

    fn overrides_list(&self, kind: ListKind) -> bool {
        self.overrides.contains(&kind)
    }

    fn list(&self, kind: ListKind, _ctx: RequestContext, reply: Reply<ListOutput>) {
        let items = match kind {
            ListKind::Prompts => vec![json!({ "name": "dynamic-prompt" })],
            ListKind::Resources => {
                vec![json!({ "uri": "dyn://one", "name": "one" }), json!({ "uri": "dyn://two", "name": "two" })]
            }
        };
        reply.ok(ListOutput(items));
    }

    fn validates_requests(&self) -> bool {
        self.require_header.is_some()
    }

    fn validate_request(&self, request: RequestToValidate, reply: Reply<()>) {
        let Some(name) = self.require_header else {
            return reply.ok(());
        };
        match request.ctx.headers.iter().find(|(k, _)| k == name) {
            None => reply.send(Err(HandlerError::Failed(format!("missing header {name}")))),
            Some((_, v)) if v == "forbidden" => reply.send(Err(HandlerError::Protocol(
                ErrorObject::new(4030, "forbidden").with_data(json!({ "header": name })),
            ))),
            Some(_) => reply.ok(()),
        }
    }
}

/// What one `slow` call went through.
#[derive(Default, Debug)]
pub struct SlowFlags {
    /// The `on_cancel` hook ran.
    pub hook_ran: AtomicBool,
    /// The call saw its cancellation token cancelled.
    pub token_cancelled: AtomicBool,
    /// The call reached its end (answered or gave up).
    pub finished: AtomicBool,
}

impl SlowFlags {
    pub fn hook_ran(&self) -> bool {
        self.hook_ran.load(Ordering::SeqCst)
    }
    pub fn token_cancelled(&self) -> bool {
        self.token_cancelled.load(Ordering::SeqCst)
    }
    pub fn finished(&self) -> bool {
        self.finished.load(Ordering::SeqCst)
    }
}

fn tool(def: Value) -> ToolSpec {
    ToolSpec::new(def, 0, true).expect("valid tool")
}

/// The standard catalog: tools add, echo, slow, fail, mcp_error; a static resource, a template;
/// prompts `greet` (required `name`) and `plain`.
pub fn standard_server(config: ServerConfig, handler: Arc<TestHandler>) -> Server {
    let server = Server::new(config, handler);
    server.update_catalog(|c| {
        c.add_tool(tool(json!({
            "name": "add",
            "description": "Adds two numbers",
            "inputSchema": {
                "type": "object",
                "properties": { "a": { "type": "number" }, "b": { "type": "number" } },
                "required": ["a", "b"]
            },
            "outputSchema": {
                "type": "object",
                "properties": { "sum": { "type": "number" } },
                "required": ["sum"]
            }
        })));
        c.add_tool(tool(json!({
            "name": "echo",
            "inputSchema": {
                "type": "object",
                "properties": { "text": { "type": "string" } },
                "required": ["text"]
            }
        })));
        c.add_tool(tool(json!({
            "name": "slow",
            "inputSchema": {
                "type": "object",
                "properties": {
                    "ms": { "type": "integer" },
                    "tag": { "type": "string" },
                    "cooperative": { "type": "boolean" }
                }
            }
        })));
        c.add_tool(tool(json!({ "name": "fail", "inputSchema": { "type": "object" } })));
        c.add_tool(tool(json!({ "name": "mcp_error", "inputSchema": { "type": "object" } })));
        c.add_resource(
            ResourceSpec::new(
                json!({ "uri": "config://app", "name": "app-config", "mimeType": "text/plain" }),
                10,
            )
            .unwrap(),
        );
        c.add_template(
            TemplateSpec::new(
                json!({ "uriTemplate": "users://{id}/profile", "name": "user-profile", "mimeType": "application/json" }),
                11,
            )
            .unwrap(),
        );
        c.add_prompt(
            PromptSpec::new(
                json!({
                    "name": "greet",
                    "description": "Greets someone",
                    "arguments": [
                        { "name": "name", "required": true },
                        { "name": "tone", "required": false }
                    ]
                }),
                20,
            )
            .unwrap(),
        );
        c.add_prompt(PromptSpec::new(json!({ "name": "plain" }), 21).unwrap());
    });
    server
}

pub fn config() -> ServerConfig {
    let mut c = ServerConfig::new("oxmcp-test", "1.2.3");
    c.instructions = Some("Use the tools wisely.".into());
    c
}

/// A standard server plus its handler.
pub fn setup() -> (Server, Arc<TestHandler>) {
    let handler = Arc::new(TestHandler::default());
    (standard_server(config(), handler.clone()), handler)
}

pub fn setup_with(handler: TestHandler) -> (Server, Arc<TestHandler>) {
    let handler = Arc::new(handler);
    (standard_server(config(), handler.clone()), handler)
}

/// Adds the stateless `_meta` (revision 2026-07-28, empty client capabilities) to `params`.
pub fn modern(params: Value) -> Value {
    with_meta(
        params,
        json!({
            "io.modelcontextprotocol/protocolVersion": MODERN,
            "io.modelcontextprotocol/clientCapabilities": {},
            "io.modelcontextprotocol/clientInfo": { "name": "test-client", "version": "0.0.1" }
        }),
    )
}

pub fn with_meta(params: Value, meta: Value) -> Value {
    let mut p = match params {
        Value::Object(m) => m,
        Value::Null => Map::new(),
        other => panic!("params must be an object, got {other}"),
    };
    p.insert("_meta".into(), meta);
    Value::Object(p)
}

/// Runs the legacy handshake; returns the `initialize` result.
pub async fn initialize(client: &MemoryClient, version: &str) -> Value {
    let result = within(
        "initialize",
        client.request(
            "initialize",
            Some(json!({
                "protocolVersion": version,
                "capabilities": {},
                "clientInfo": { "name": "test-client", "version": "0.0.1" }
            })),
        ),
    )
    .await
    .expect("initialize succeeds");
    client.notify("notifications/initialized", None);
    result
}

/// A connected, initialized legacy client.
pub async fn legacy_client(server: &Server, version: &str) -> MemoryClient {
    let client = MemoryClient::connect(server, Vec::new());
    initialize(&client, version).await;
    client
}

pub async fn call(client: &MemoryClient, method: &str, params: Value) -> Result<Value, ErrorObject> {
    within(method, client.request(method, Some(params))).await
}

/// The text of the first content block of a tool result.
pub fn first_text(result: &Value) -> &str {
    result["content"][0]["text"].as_str().unwrap_or_else(|| panic!("no text content in {result}"))
}

// ---------------------------------------------------------------------------------------------
// Raw frames: a session driven directly, every outgoing frame captured as bytes.

struct Capture(mpsc::UnboundedSender<Vec<u8>>);

impl Outbound for Capture {
    fn send(&self, frame: Vec<u8>) {
        let _ = self.0.send(frame);
    }
}

/// Sends frames to its own session and sees exactly what the session writes back.
pub struct RawClient {
    pub session: Arc<Session>,
    inbound: Inbound,
    rx: mpsc::UnboundedReceiver<Vec<u8>>,
}

impl RawClient {
    pub fn connect(server: &Server, headers: Headers) -> Self {
        let (tx, rx) = mpsc::unbounded_channel();
        let inbound = Inbound { out: Arc::new(Capture(tx)), headers: Arc::new(headers) };
        RawClient { session: server.session(), inbound, rx }
    }

    pub fn send_bytes(&self, frame: &[u8]) {
        self.session.handle_frame(frame, &self.inbound);
    }

    pub fn send(&self, msg: Value) {
        self.send_bytes(&serde_json::to_vec(&msg).unwrap());
    }

    pub fn request(&self, id: Value, method: &str, params: Value) {
        self.send(json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }));
    }

    /// The next frame the session wrote, parsed.
    pub async fn recv(&mut self) -> Value {
        let frame = within("a frame from the session", self.rx.recv()).await.expect("the session is alive");
        serde_json::from_slice(&frame).unwrap_or_else(|e| panic!("server wrote invalid JSON ({e}): {frame:?}"))
    }

    /// Asserts that nothing is written for `dur`.
    pub async fn expect_silence(&mut self, dur: Duration) {
        if let Ok(Some(frame)) = tokio::time::timeout(dur, self.rx.recv()).await {
            panic!("expected no frame, got {}", String::from_utf8_lossy(&frame));
        }
    }

    /// Runs a legacy handshake over raw frames (id "init").
    pub async fn initialize(&mut self, version: &str) -> Value {
        self.request(
            json!("init"),
            "initialize",
            json!({ "protocolVersion": version, "capabilities": {}, "clientInfo": { "name": "raw", "version": "0" } }),
        );
        let resp = self.recv().await;
        assert_eq!(resp["id"], "init", "{resp}");
        self.send(json!({ "jsonrpc": "2.0", "method": "notifications/initialized" }));
        resp["result"].clone()
    }
}

pub fn err_code(v: &Value) -> i64 {
    v["error"]["code"].as_i64().unwrap_or_else(|| panic!("not an error response: {v}"))
}

pub fn id_num(n: i64) -> RequestId {
    RequestId::Num(n)
}
