//! tools/list and tools/call across revisions: validation errors, coercion, structured output,
//! handler failures.

mod common;

use common::*;
use oxmcp_core::transport::MemoryClient;
use serde_json::{json, Value};

/// A client speaking `version`: a legacy session, or stateless requests for 2026-07-28.
struct EraClient {
    client: MemoryClient,
    modern: bool,
}

impl EraClient {
    async fn new(server: &oxmcp_core::server::Server, version: &str) -> Self {
        if version == MODERN {
            EraClient { client: MemoryClient::connect(server, Vec::new()), modern: true }
        } else {
            EraClient { client: legacy_client(server, version).await, modern: false }
        }
    }
    async fn call(&self, method: &str, params: Value) -> Result<Value, oxmcp_core::jsonrpc::ErrorObject> {
        let params = if self.modern { modern(params) } else { params };
        call(&self.client, method, params).await
    }
    async fn tool(&self, name: &str, arguments: Value) -> Result<Value, oxmcp_core::jsonrpc::ErrorObject> {
        self.call("tools/call", json!({"name": name, "arguments": arguments})).await
    }
}

const ALL_VERSIONS: [&str; 5] = ["2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25", MODERN];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tools_list_returns_definitions_in_registration_order() {
    let (server, _) = setup();
    for version in ALL_VERSIONS {
        let c = EraClient::new(&server, version).await;
        let r = c.call("tools/list", json!({})).await.unwrap();
        let tools = r["tools"].as_array().unwrap();
        let names: Vec<_> = tools.iter().map(|t| t["name"].as_str().unwrap()).collect();
        assert_eq!(names, ["add", "echo", "slow", "fail", "mcp_error"], "{version}");
        assert_eq!(tools[0]["description"], "Adds two numbers");
        assert_eq!(tools[0]["inputSchema"]["required"], json!(["a", "b"]));
        assert!(r.get("nextCursor").is_none());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn add_with_numbers_and_lenient_strings() {
    let (server, handler) = setup();
    let c = EraClient::new(&server, "2025-11-25").await;
    let r = c.tool("add", json!({"a": 2, "b": 3.5})).await.unwrap();
    assert_eq!(r["structuredContent"]["sum"], 5.5);
    assert_ne!(r["isError"], true);
    // strings that are numbers are coerced where the schema wants numbers
    let r = c.tool("add", json!({"a": "2", "b": " 3.5 "})).await.unwrap();
    assert_eq!(r["structuredContent"]["sum"], 5.5, "{r}");
    let text: Value = serde_json::from_str(first_text(&r)).unwrap();
    assert_eq!(text["sum"], 5.5, "text mirrors the structured value");
    // strings stay strings where the schema wants a string
    let r = c.tool("echo", json!({"text": "12"})).await.unwrap();
    assert_eq!(first_text(&r), "12");
    // undeclared arguments are dropped, not rejected (generated schemas)
    let r = c.tool("echo", json!({"text": "hi", "junk": [1, 2]})).await.unwrap();
    assert_eq!(first_text(&r), "hi");
    assert_eq!(handler.tool_calls(), 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn validation_errors_are_jsonrpc_errors_before_2025_11_25() {
    let (server, handler) = setup();
    for version in ["2024-11-05", "2025-03-26", "2025-06-18"] {
        let c = EraClient::new(&server, version).await;
        let err = c.tool("add", json!({"a": "abc", "b": 1})).await.unwrap_err();
        assert_eq!(err.code, -32602, "{version}: {err}");
        let data = err.data.clone().expect("data");
        assert_eq!(data["tool"], "add");
        assert_eq!(data["field"], "a", "{data}");
        assert!(err.message.contains("a:"), "the message names the field: {}", err.message);

        let err = c.tool("add", json!({"a": 1})).await.unwrap_err();
        assert_eq!(err.code, -32602);
        assert!(
            err.message.contains("b: required argument is missing"),
            "the message names the missing field: {}",
            err.message
        );

        let err = c.tool("echo", json!({"text": {"nested": true}})).await.unwrap_err();
        assert_eq!(err.code, -32602);
        assert_eq!(err.data.unwrap()["field"], "text");
    }
    assert_eq!(handler.tool_calls(), 0, "invalid arguments never reach the handler");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn validation_errors_are_tool_errors_from_2025_11_25() {
    let (server, handler) = setup();
    for version in ["2025-11-25", MODERN] {
        let c = EraClient::new(&server, version).await;
        let r = c.tool("add", json!({"a": "abc", "b": 1})).await.unwrap();
        assert_eq!(r["isError"], true, "{version}: {r}");
        let text = first_text(&r);
        assert!(text.contains("add") && text.contains("a:"), "{text}");
        let r = c.tool("add", json!({"b": 1})).await.unwrap();
        assert_eq!(r["isError"], true);
        assert!(first_text(&r).contains("a: required argument is missing"), "{r}");
        if version == MODERN {
            assert_eq!(r["resultType"], "complete");
        }
    }
    assert_eq!(handler.tool_calls(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_call_params_are_invalid_params_in_every_era() {
    let (server, handler) = setup();
    for version in ALL_VERSIONS {
        let c = EraClient::new(&server, version).await;
        let err = c.tool("nope", json!({})).await.unwrap_err();
        assert_eq!(err.code, -32602, "{version}: unknown tool");
        assert_eq!(err.data.unwrap()["name"], "nope");
        let err = c.call("tools/call", json!({"arguments": {}})).await.unwrap_err();
        assert_eq!(err.code, -32602, "{version}: no name");
        let err = c.call("tools/call", json!({"name": 5})).await.unwrap_err();
        assert_eq!(err.code, -32602, "{version}: name not a string");
        let err = c.call("tools/call", json!({"name": "echo", "arguments": "text=hi"})).await.unwrap_err();
        assert_eq!(err.code, -32602, "{version}: arguments not an object");
    }
    assert_eq!(handler.tool_calls(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn structured_content_depends_on_the_revision() {
    let (server, _) = setup();
    for version in ALL_VERSIONS {
        let c = EraClient::new(&server, version).await;
        let r = c.tool("add", json!({"a": 1, "b": 2})).await.unwrap();
        let kept = !matches!(version, "2024-11-05" | "2025-03-26");
        assert_eq!(r.get("structuredContent").is_some(), kept, "{version}: {r}");
        if kept {
            assert_eq!(r["structuredContent"], json!({"sum": 3.0}));
        }
        assert_eq!(r["content"][0]["type"], "text", "{version}: content is always there");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn handler_failures() {
    let (server, handler) = setup();
    for version in ALL_VERSIONS {
        let c = EraClient::new(&server, version).await;
        // HandlerError::Failed -> a tool execution error
        let r = c.tool("fail", json!({})).await.unwrap();
        assert_eq!(r["isError"], true, "{version}: {r}");
        assert_eq!(first_text(&r), "boom: the tool failed");
        // HandlerError::Protocol -> exactly that JSON-RPC error
        let err = c.tool("mcp_error", json!({})).await.unwrap_err();
        assert_eq!(err.code, 4242, "{version}");
        assert_eq!(err.message, "custom failure");
        assert_eq!(err.data, Some(json!({"why": "because"})));
        // and the next call works
        let r = c.tool("echo", json!({"text": "ok"})).await.unwrap();
        assert_eq!(first_text(&r), "ok");
    }
    assert_eq!(handler.tool_calls(), 15);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_reply_still_answers() {
    struct Dropper;
    impl oxmcp_core::server::Handler for Dropper {
        fn call_tool(
            &self,
            _: oxmcp_core::server::ToolCall,
            _reply: oxmcp_core::server::Reply<oxmcp_core::server::ToolOutput>,
        ) {
        }
    }
    let server = server_with_tools(config(), std::sync::Arc::new(Dropper), [object_tool("d", 1, true)]);
    let client = legacy_client(&server, "2025-11-25").await;
    let err = call(&client, "tools/call", json!({"name": "d"})).await.unwrap_err();
    assert_eq!(err.code, -32603);
    assert_eq!(client.session().inflight(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn catalog_updates_are_seen_by_later_requests() {
    let (server, _) = setup();
    let c = EraClient::new(&server, "2025-11-25").await;
    server.update_catalog(|cat| {
        assert!(cat.remove_tool("fail"));
    });
    let err = c.tool("fail", json!({})).await.unwrap_err();
    assert_eq!(err.code, -32602);
    let r = c.call("tools/list", json!({})).await.unwrap();
    assert_eq!(r["tools"].as_array().unwrap().len(), 4);
}
