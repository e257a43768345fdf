//! `Handler::validate_request`: a gate in front of every request.

mod common;

use common::*;
use oxmcp_core::transport::MemoryClient;
use serde_json::json;

fn guarded() -> (oxmcp_core::server::Server, std::sync::Arc<TestHandler>) {
    setup_with(TestHandler { require_header: Some("x-api-key"), ..Default::default() })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rejection_answers_an_error_and_the_tool_never_runs() {
    let (server, handler) = guarded();
    let client = MemoryClient::connect(&server, Vec::new());
    let err =
        call(&client, "tools/call", modern(json!({"name": "echo", "arguments": {"text": "x"}}))).await.unwrap_err();
    assert_eq!(err.code, -32600, "HandlerError::Failed from validation is an invalid request: {err}");
    assert!(err.message.contains("x-api-key"), "{err}");
    // the legacy handshake is gated too
    let err =
        call(&client, "initialize", json!({"protocolVersion": "2025-11-25", "capabilities": {}})).await.unwrap_err();
    assert_eq!(err.code, -32600);
    assert_eq!(client.session().negotiated_version(), None, "a rejected initialize opens no session");
    assert_eq!(handler.tool_calls(), 0);
    assert_eq!(client.session().inflight(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn protocol_errors_from_validation_pass_through() {
    let (server, handler) = guarded();
    let client = MemoryClient::connect(&server, vec![("x-api-key".into(), "forbidden".into())]);
    let err =
        call(&client, "tools/call", modern(json!({"name": "echo", "arguments": {"text": "x"}}))).await.unwrap_err();
    assert_eq!(err.code, 4030);
    assert_eq!(err.data, Some(json!({"header": "x-api-key"})));
    assert_eq!(handler.tool_calls(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acceptance_serves_normally() {
    let (server, handler) = guarded();
    let client = MemoryClient::connect(&server, vec![("x-api-key".into(), "secret".into())]);
    let r =
        call(&client, "tools/call", modern(json!({"name": "echo", "arguments": {"text": "let me in"}}))).await.unwrap();
    assert_eq!(first_text(&r), "let me in");
    assert_eq!(r["resultType"], "complete");
    initialize(&client, "2025-06-18").await;
    let r = call(&client, "tools/call", json!({"name": "add", "arguments": {"a": 1, "b": 2}})).await.unwrap();
    assert_eq!(r["structuredContent"]["sum"], 3.0);
    assert_eq!(handler.tool_calls(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn validation_runs_before_everything_else() {
    let (server, handler) = guarded();
    let client = MemoryClient::connect(&server, Vec::new());
    // even an invalid tool call is stopped by the gate first (no argument error leaks)
    let err = call(&client, "tools/call", modern(json!({"name": "add", "arguments": {"a": "x"}}))).await.unwrap_err();
    assert_eq!(err.code, -32600);
    // protocol-level problems are still reported before validation is consulted
    let err =
        call(&client, "tools/list", with_meta(json!({}), stateless_meta("1999-01-01", json!({})))).await.unwrap_err();
    assert_eq!(err.code, -32022);
    assert_eq!(handler.tool_calls(), 0);
}
