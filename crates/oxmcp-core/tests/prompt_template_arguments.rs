//! One validation path: prompt arguments and resource-template variables go through the same
//! coercion and JSON Schema validation as tool arguments, string formats included.

mod common;

use common::*;
use oxmcp_core::server::{PromptSpec, Server, TemplateSpec, ToolSpec};
use oxmcp_core::transport::MemoryClient;
use serde_json::json;

/// The standard server plus a typed prompt, typed templates and a tool with formatted strings.
fn typed_server() -> (Server, std::sync::Arc<TestHandler>) {
    let (server, handler) = setup();
    server.update_catalog(|c| {
        let prompt = PromptSpec::new(
            json!({"name": "review", "arguments": [
                {"name": "count", "required": true}, {"name": "strict"}, {"name": "tone"}, {"name": "due"}
            ]}),
            30,
        )
        .unwrap()
        .with_arguments(&json!({
            "type": "object",
            "properties": {
                "count": {"type": "integer"},
                "strict": {"type": "boolean"},
                "tone": {"type": "string", "enum": ["formal", "casual"]},
                "due": {"type": "string", "format": "date"}
            },
            "required": ["count"]
        }))
        .unwrap();
        c.add_prompt(prompt);
        let items = TemplateSpec::new(json!({"uriTemplate": "items://{id}", "name": "item"}), 31)
            .unwrap()
            .with_variables(&json!({"type": "object", "properties": {"id": {"type": "integer"}}, "required": ["id"]}))
            .unwrap();
        c.add_template(items);
        let events = TemplateSpec::new(json!({"uriTemplate": "events://{day}", "name": "events"}), 32)
            .unwrap()
            .with_variables(&json!({"type": "object", "properties": {"day": {"type": "string", "format": "date"}}}))
            .unwrap();
        c.add_template(events);
        let tool = ToolSpec::new(
            json!({"name": "lookup", "inputSchema": {"type": "object", "properties": {
                "id": {"type": "string", "format": "uuid"},
                "at": {"type": "string", "format": "date-time"},
                "when": {"type": "string", "format": "time"}
            }}}),
            33,
            true,
        )
        .unwrap();
        c.add_tool(tool);
    });
    (server, handler)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prompt_arguments_are_coerced_like_tool_arguments() {
    let (server, handler) = typed_server();
    for version in ["2025-06-18", "2025-11-25"] {
        let client = legacy_client(&server, version).await;
        let args = json!({"count": "3", "strict": "true", "tone": "formal", "due": "2026-07-28"});
        call(&client, "prompts/get", json!({"name": "review", "arguments": args})).await.unwrap();
    }
    let client = stateless_client(&server);
    call(&client, "prompts/get", modern(json!({"name": "review", "arguments": {"count": "7"}}))).await.unwrap();
    let seen = handler.prompt_args.lock().unwrap().clone();
    assert_eq!(seen[0]["count"], 3, "the string became the integer the schema asks for");
    assert_eq!(seen[0]["strict"], true);
    assert_eq!(seen[0]["tone"], "formal");
    assert_eq!(seen[0]["due"], "2026-07-28");
    assert_eq!(seen[2]["count"], 7);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_prompt_arguments_are_32602_naming_prompt_and_argument() {
    let (server, handler) = typed_server();
    let client = legacy_client(&server, "2025-11-25").await;
    let cases = [
        (json!({"count": "many"}), "count"),
        (json!({"count": 1, "tone": "angry"}), "tone"),
        (json!({"count": 1, "strict": "perhaps"}), "strict"),
        (json!({"count": 1, "due": "2026-02-30"}), "due"),
    ];
    for (args, field) in cases {
        let err = call(&client, "prompts/get", json!({"name": "review", "arguments": args})).await.unwrap_err();
        assert_eq!(err.code, -32602, "{err}");
        assert!(err.message.contains("review") && err.message.contains(field), "{err}");
        assert_eq!(err.data.unwrap(), json!({"prompt": "review", "field": field}));
    }
    let modern_client = stateless_client(&server);
    let err = call(&modern_client, "prompts/get", modern(json!({"name": "review", "arguments": {"count": "x"}})))
        .await
        .unwrap_err();
    assert_eq!(err.code, -32602);
    assert_eq!(err.data.unwrap()["field"], "count");
    assert!(handler.prompt_args.lock().unwrap().is_empty(), "the handler never ran");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn untyped_prompts_keep_their_string_arguments() {
    let (server, handler) = typed_server();
    let client = legacy_client(&server, "2025-11-25").await;
    call(&client, "prompts/get", json!({"name": "greet", "arguments": {"name": "42"}})).await.unwrap();
    assert_eq!(handler.prompt_args.lock().unwrap()[0]["name"], "42");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn template_variables_are_converted_by_the_templates_schema() {
    let (server, handler) = typed_server();
    let client = legacy_client(&server, "2025-11-25").await;
    call(&client, "resources/read", json!({"uri": "items://42"})).await.unwrap();
    call(&client, "resources/read", json!({"uri": "events://2026-07-28"})).await.unwrap();
    call(&client, "resources/read", json!({"uri": "users://42/profile"})).await.unwrap();
    let vars = handler.template_vars.lock().unwrap().clone();
    assert_eq!(vars[0]["id"], 42, "the handler gets the number");
    assert_eq!(vars[1]["day"], "2026-07-28");
    assert_eq!(vars[2]["id"], "42", "an untyped template keeps strings");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_template_variables_are_32602_naming_the_variable() {
    let (server, handler) = typed_server();
    let legacy = legacy_client(&server, "2025-06-18").await;
    let modern_client = stateless_client(&server);
    for (uri, field) in [("items://abc", "id"), ("events://someday", "day")] {
        let err = call(&legacy, "resources/read", json!({"uri": uri})).await.unwrap_err();
        assert_eq!(err.code, -32602, "{err}");
        assert!(err.message.contains(field), "{err}");
        let data = err.data.unwrap();
        assert_eq!(data["field"], field);
        assert_eq!(data["uri"], uri);
        let err = call(&modern_client, "resources/read", modern(json!({"uri": uri}))).await.unwrap_err();
        assert_eq!(err.code, -32602, "{err}");
        assert_eq!(err.data.unwrap()["field"], field);
    }
    assert!(handler.template_vars.lock().unwrap().is_empty(), "the handler never ran");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn string_formats_are_checked_before_a_tool_runs() {
    let (server, handler) = typed_server();
    let client = legacy_client(&server, "2025-06-18").await;
    let good = json!({"id": "12345678-1234-5678-1234-567812345678", "at": "2026-07-28T09:30:00", "when": "09:30"});
    call(&client, "tools/call", json!({"name": "lookup", "arguments": good})).await.unwrap();
    let calls = handler.tool_calls();
    for (args, field) in
        [(json!({"id": "not-a-uuid"}), "id"), (json!({"at": "next tuesday"}), "at"), (json!({"when": "25:00"}), "when")]
    {
        let err = call(&client, "tools/call", json!({"name": "lookup", "arguments": args})).await.unwrap_err();
        assert_eq!(err.code, -32602, "{err}");
        assert_eq!(err.data.unwrap()["field"], field);
    }
    assert_eq!(handler.tool_calls(), calls, "no call with a malformed value reached the tool");
}

#[test]
fn schemas_must_fit_what_they_type() {
    let template = || TemplateSpec::new(json!({"uriTemplate": "items://{id}", "name": "item"}), 1).unwrap();
    let err = template().with_variables(&json!({"type": "object", "properties": {"other": {}}})).err().unwrap();
    assert!(err.contains("\"other\" is not a variable"), "{err}");
    assert!(template().with_variables(&json!({"type": "array"})).is_err());
    let prompt = || PromptSpec::new(json!({"name": "p"}), 2).unwrap();
    assert!(prompt().with_arguments(&json!("nope")).is_err());
    assert!(prompt().with_arguments(&json!({"type": "object", "properties": {"n": {"type": 5}}})).is_err());
    assert!(prompt().with_arguments(&json!({"type": "object"})).unwrap().arguments.is_some());
}

/// A client for stateless requests (each carries its own `_meta`, see `modern`).
fn stateless_client(server: &Server) -> MemoryClient {
    MemoryClient::connect(server, Vec::new())
}
