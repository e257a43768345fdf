//! The handshake era: `initialize`, version negotiation, requests before initialize, batches.

mod common;

use common::*;
use oxmcp_core::protocol::ProtocolVersion;
use oxmcp_core::transport::MemoryClient;
use serde_json::{json, Value};
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn initialize_echoes_each_legacy_version() {
    let (server, _) = setup();
    for version in LEGACY_VERSIONS {
        let client = MemoryClient::connect(&server, Vec::new());
        let result = initialize(&client, version).await;
        assert_eq!(result["protocolVersion"], version);
        assert_eq!(client.session().negotiated_version(), ProtocolVersion::parse(version));
        let caps = &result["capabilities"];
        assert!(caps["tools"].is_object(), "{result}");
        assert!(caps["resources"].is_object(), "{result}");
        assert!(caps["prompts"].is_object(), "{result}");
        assert_eq!(result["serverInfo"]["name"], "oxmcp-test");
        assert_eq!(result["serverInfo"]["version"], "1.2.3");
        assert_eq!(result["instructions"], "Use the tools wisely.");
        assert!(result.get("resultType").is_none(), "no resultType in the handshake era: {result}");
        // and the session works
        let list = call(&client, "tools/list", json!({})).await.unwrap();
        assert!(list.get("resultType").is_none());
        assert!(list.get("ttlMs").is_none());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_or_modern_versions_get_the_latest_legacy_one() {
    let (server, _) = setup();
    for requested in ["2099-01-01", "2026-07-28", "1.0", ""] {
        let client = MemoryClient::connect(&server, Vec::new());
        let result = initialize(&client, requested).await;
        assert_eq!(result["protocolVersion"], "2025-11-25", "requested {requested:?}");
        assert_eq!(client.session().negotiated_version(), Some(ProtocolVersion::V2025_11_25));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn initialize_needs_a_protocol_version() {
    let (server, _) = setup();
    let client = MemoryClient::connect(&server, Vec::new());
    for params in [json!({}), json!({"protocolVersion": 20250618}), json!({"protocolVersion": null})] {
        let err = call(&client, "initialize", params).await.unwrap_err();
        assert_eq!(err.code, -32602);
    }
    assert_eq!(client.session().negotiated_version(), None);
    let result = initialize(&client, "2025-06-18").await;
    assert_eq!(result["protocolVersion"], "2025-06-18");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn instructions_are_omitted_when_not_configured() {
    let handler = std::sync::Arc::new(TestHandler::default());
    let server = standard_server(oxmcp_core::server::ServerConfig::new("bare", "0.1"), handler);
    let client = MemoryClient::connect(&server, Vec::new());
    let result = initialize(&client, "2025-11-25").await;
    assert!(result.get("instructions").is_none(), "{result}");
    assert_eq!(result["serverInfo"], json!({"name": "bare", "version": "0.1"}));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_before_initialize_are_rejected_except_ping() {
    let (server, handler) = setup();
    let client = MemoryClient::connect(&server, Vec::new());
    for method in ["tools/list", "resources/list", "prompts/list", "resources/read", "logging/setLevel"] {
        let err = call(&client, method, json!({})).await.unwrap_err();
        assert_eq!(err.code, -32600, "{method}: {err}");
    }
    let err = call(&client, "tools/call", json!({"name": "echo", "arguments": {"text": "x"}})).await.unwrap_err();
    assert_eq!(err.code, -32600);
    assert_eq!(handler.tool_calls(), 0);
    assert_eq!(call(&client, "ping", json!({})).await.unwrap(), json!({}));
    assert_eq!(call(&client, "ping", Value::Null).await.unwrap(), json!({}));

    initialize(&client, "2025-11-25").await;
    let list = call(&client, "tools/list", json!({})).await.unwrap();
    assert_eq!(list["tools"].as_array().unwrap().len(), 5);
    assert_eq!(call(&client, "ping", json!({})).await.unwrap(), json!({}));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_are_independent() {
    let (server, _) = setup();
    let a = legacy_client(&server, "2025-03-26").await;
    let b = MemoryClient::connect(&server, Vec::new());
    assert_eq!(a.session().negotiated_version(), Some(ProtocolVersion::V2025_03_26));
    assert_eq!(b.session().negotiated_version(), None);
    assert_eq!(call(&b, "tools/list", json!({})).await.unwrap_err().code, -32600);
    assert!(call(&a, "tools/list", json!({})).await.is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batches_work_after_negotiating_2025_03_26() {
    let (server, handler) = setup();
    let mut raw = RawClient::connect(&server, Vec::new());
    let init = raw.initialize("2025-03-26").await;
    assert_eq!(init["protocolVersion"], "2025-03-26");
    raw.send(json!([
        {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "echo", "arguments": {"text": "in a batch"}}},
        {"jsonrpc": "2.0", "method": "notifications/progress", "params": {"progressToken": 1, "progress": 1}},
        {"jsonrpc": "2.0", "id": "two", "method": "ping"},
        {"jsonrpc": "2.0", "id": 3, "method": "initialize", "params": {"protocolVersion": "2025-03-26", "capabilities": {}}},
        {"jsonrpc": "2.0", "id": 4, "method": "no/such/method"},
        7
    ]));
    let resp = raw.recv().await;
    let items = resp.as_array().unwrap_or_else(|| panic!("a batch answers with an array: {resp}"));
    assert_eq!(items.len(), 5, "one answer per request, none for the notification: {resp}");
    let by_id = |id: Value| items.iter().find(|m| m["id"] == id).unwrap_or_else(|| panic!("no answer for {id}"));
    assert_eq!(first_text(&by_id(json!(1))["result"]), "in a batch");
    assert_eq!(by_id(json!("two"))["result"], json!({}));
    assert_eq!(err_code(by_id(json!(3))), -32600, "initialize must not be batched");
    assert_eq!(err_code(by_id(json!(4))), -32601);
    assert_eq!(err_code(by_id(Value::Null)), -32600, "the invalid element");
    assert_eq!(handler.tool_calls(), 1);
    // the rejected initialize did not change the session
    assert_eq!(raw.session.negotiated_version(), Some(ProtocolVersion::V2025_03_26));
    raw.expect_silence(Duration::from_millis(50)).await;

    // a batch of notifications only produces nothing at all
    raw.send(json!([
        {"jsonrpc": "2.0", "method": "notifications/progress", "params": {"progressToken": 1, "progress": 2}},
        {"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": 1234}}
    ]));
    raw.expect_silence(Duration::from_millis(100)).await;

    // and single messages still work
    raw.request(json!(10), "ping", json!({}));
    assert_eq!(raw.recv().await["id"], 10);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batch_with_a_slow_request_waits_for_all_answers() {
    let (server, _) = setup();
    let mut raw = RawClient::initialized(&server, "2025-03-26").await;
    raw.send(json!([
        {"jsonrpc": "2.0", "id": "s", "method": "tools/call", "params": {"name": "slow", "arguments": {"ms": 100, "tag": "batch-slow"}}},
        {"jsonrpc": "2.0", "id": "f", "method": "tools/call", "params": {"name": "add", "arguments": {"a": 1, "b": 2}}}
    ]));
    let resp = raw.recv().await;
    let items = resp.as_array().expect("array");
    assert_eq!(items.len(), 2);
    let ids: Vec<_> = items.iter().map(|m| m["id"].clone()).collect();
    assert!(ids.contains(&json!("s")) && ids.contains(&json!("f")), "{resp}");
    raw.expect_silence(Duration::from_millis(50)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batches_are_rejected_outside_2025_03_26() {
    let (server, handler) = setup();
    let batch = json!([
        {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "echo", "arguments": {"text": "x"}}},
        {"jsonrpc": "2.0", "id": 2, "method": "ping"}
    ]);
    // before initialize
    let mut raw = RawClient::connect(&server, Vec::new());
    raw.send(batch.clone());
    let resp = raw.recv().await;
    assert!(resp.is_object(), "a single error, not an array: {resp}");
    assert_eq!(err_code(&resp), -32600);
    assert!(resp["id"].is_null());
    raw.expect_silence(Duration::from_millis(30)).await;

    for version in ["2024-11-05", "2025-06-18", "2025-11-25"] {
        let mut raw = RawClient::connect(&server, Vec::new());
        raw.initialize(version).await;
        raw.send(batch.clone());
        let resp = raw.recv().await;
        assert!(resp.is_object(), "{version}: {resp}");
        assert_eq!(err_code(&resp), -32600, "{version}");
        assert!(resp["id"].is_null());
        raw.expect_silence(Duration::from_millis(30)).await;
        raw.request(json!("after"), "ping", json!({}));
        assert_eq!(raw.recv().await["id"], "after");
    }
    assert_eq!(handler.tool_calls(), 0, "nothing in a rejected batch runs");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batches_of_stateless_requests_are_rejected() {
    let (server, handler) = setup();
    let mut raw = RawClient::connect(&server, Vec::new());
    raw.send(json!([
        {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": modern(json!({"name": "echo", "arguments": {"text": "x"}}))}
    ]));
    let resp = raw.recv().await;
    assert_eq!(err_code(&resp), -32600);
    assert_eq!(handler.tool_calls(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_request_inside_a_batch_is_left_out() {
    let (server, handler) = setup();
    let mut raw = RawClient::initialized(&server, "2025-03-26").await;
    raw.send(json!([
        {"jsonrpc": "2.0", "id": "s", "method": "tools/call", "params": {"name": "slow", "arguments": {"ms": 100, "tag": "batch-doomed"}}},
        {"jsonrpc": "2.0", "id": "p", "method": "ping"}
    ]));
    raw.send(json!({"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": "s"}}));
    assert!(handler.slow_flags("batch-doomed").hook_ran());
    let resp = raw.recv().await;
    assert_eq!(resp, json!([{"jsonrpc": "2.0", "id": "p", "result": {}}]));
    raw.expect_silence(Duration::from_millis(150)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn legacy_requests_may_carry_other_meta() {
    let (server, handler) = setup();
    let client = legacy_client(&server, "2025-06-18").await;
    let params = with_meta(json!({"name": "echo", "arguments": {"text": "m"}}), json!({"progressToken": 7}));
    let r = call(&client, "tools/call", params).await.unwrap();
    assert_eq!(first_text(&r), "m");
    assert!(r.get("resultType").is_none(), "still the legacy era: {r}");
    assert_eq!(*handler.versions_seen.lock().unwrap(), ["2025-06-18"]);
}
