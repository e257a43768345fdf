//! Request classification and dispatch: the input is up to 64 newline-separated frames fed to a
//! fresh `Session` of a server with a tool, a resource, a template and a prompt, as a transport
//! would (`Session::handle_frame`). Never panics, and every frame the session writes is
//! well-formed: a JSON-RPC response (`id`, exactly one of `result` / `error` with an integer
//! `code` and a string `message`), a server notification or request, or a batch of responses.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oxmcp_core::server::{
    Handler, Inbound, Outbound, PromptGet, PromptOutput, PromptSpec, Reply, ResourceOutput, ResourceRead, ResourceSpec,
    Server, ServerConfig, TemplateSpec, ToolCall, ToolOutput, ToolSpec,
};
use serde_json::{json, Map, Value};
use std::sync::{Arc, Mutex, OnceLock};

/// Answers at once: `echo` returns its arguments, `notify` logs a progress notification first,
/// anything else fails as a tool error.
struct Echo;

impl Handler for Echo {
    fn call_tool(&self, call: ToolCall, reply: Reply<ToolOutput>) {
        match call.tool.name.as_str() {
            "echo" => reply.ok(ToolOutput::text(Value::Object(call.arguments).to_string())),
            "notify" => {
                let _ = call.ctx.report_progress(1.0, Some(2.0), Some("half"));
                reply.ok(ToolOutput::structured(json!({ "done": true })));
            }
            other => reply.ok(ToolOutput::error(format!("no tool {other}"))),
        }
    }
    fn read_resource(&self, read: ResourceRead, reply: Reply<ResourceOutput>) {
        reply.ok(ResourceOutput(vec![json!({ "uri": read.uri, "text": "x" })]));
    }
    fn get_prompt(&self, get: PromptGet, reply: Reply<PromptOutput>) {
        let mut out = Map::new();
        out.insert("messages".into(), json!([{ "role": "user", "content": { "type": "text", "text": "hi" } }]));
        let _ = get;
        reply.ok(PromptOutput(out));
    }
}

fn server() -> &'static Server {
    static SERVER: OnceLock<Server> = OnceLock::new();
    SERVER.get_or_init(|| {
        let server = Server::new(ServerConfig::new("fuzz", "0"), Arc::new(Echo));
        server.update_catalog(|c| {
            for name in ["echo", "notify"] {
                let schema = json!({ "type": "object", "properties": { "text": { "type": "string" } } });
                c.add_tool(ToolSpec::new(json!({ "name": name, "inputSchema": schema }), 1, true).unwrap());
            }
            c.add_resource(ResourceSpec::new(json!({ "uri": "config://app", "name": "app" }), 2).unwrap());
            let template = json!({ "uriTemplate": "files://{name}/{+rest}", "name": "files" });
            c.add_template(TemplateSpec::new(template, 3).unwrap());
            let prompt = json!({ "name": "greet", "arguments": [{ "name": "who", "required": true }] });
            c.add_prompt(PromptSpec::new(prompt, 4).unwrap());
        });
        server
    })
}

fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap())
}

#[derive(Default)]
struct Capture(Mutex<Vec<Vec<u8>>>);

impl Outbound for Capture {
    fn send(&self, frame: Vec<u8>) {
        self.0.lock().unwrap().push(frame);
    }
}

fn check_response(v: &Value) {
    let obj = v.as_object().unwrap_or_else(|| panic!("not an object: {v}"));
    assert_eq!(obj.get("jsonrpc"), Some(&json!("2.0")), "{v}");
    if obj.contains_key("method") {
        assert!(obj["method"].is_string(), "{v}");
        return; // a notification or a request of the server's
    }
    let id = obj.get("id").unwrap_or_else(|| panic!("a response without an id: {v}"));
    assert!(id.is_string() || id.is_i64() || id.is_u64() || id.is_null(), "{v}");
    match (obj.get("result"), obj.get("error")) {
        (Some(_), None) => assert!(!id.is_null(), "a result for no id: {v}"),
        (None, Some(e)) => {
            assert!(e["code"].is_i64(), "{v}");
            assert!(e["message"].is_string(), "{v}");
        }
        _ => panic!("exactly one of result and error: {v}"),
    }
}

fuzz_target!(|data: &[u8]| {
    let session = server().session();
    let out = Arc::new(Capture::default());
    let inbound = Inbound { out: out.clone(), headers: Arc::new(Vec::new()) };
    runtime().block_on(async {
        for frame in data.split(|&b| b == b'\n').take(64) {
            session.handle_frame(frame, &inbound);
            tokio::task::yield_now().await;
        }
        for _ in 0..4 {
            tokio::task::yield_now().await;
        }
    });
    session.cancel_all();
    for frame in out.0.lock().unwrap().iter() {
        let v: Value = serde_json::from_slice(frame)
            .unwrap_or_else(|e| panic!("the session wrote invalid JSON ({e}): {}", String::from_utf8_lossy(frame)));
        match &v {
            Value::Array(items) => {
                assert!(!items.is_empty(), "an empty batch answer");
                items.iter().for_each(check_response);
            }
            other => check_response(other),
        }
    }
});
