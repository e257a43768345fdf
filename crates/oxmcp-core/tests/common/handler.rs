//! The standard test handler and catalog: tools that answer, sleep, fail or record what reached them.

use super::config;
use oxmcp_core::jsonrpc::ErrorObject;
use oxmcp_core::server::{
    Handler, HandlerError, ListKind, ListOutput, PromptGet, PromptOutput, PromptSpec, Reply, RequestContext,
    RequestToValidate, ResourceOutput, ResourceRead, ResourceSpec, ResourceTarget, Server, ServerConfig, TemplateSpec,
    ToolCall, ToolOutput, ToolSpec,
};
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

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

/// A standard server plus its handler.
pub fn setup() -> (Server, Arc<TestHandler>) {
    let handler = Arc::new(TestHandler::default());
    (standard_server(config(), handler.clone()), handler)
}

pub fn setup_with(handler: TestHandler) -> (Server, Arc<TestHandler>) {
    let handler = Arc::new(handler);
    (standard_server(config(), handler.clone()), handler)
}
