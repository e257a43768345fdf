//! JSON-RPC codec behaviour as seen through the dispatcher: parse errors, invalid requests,
//! unknown methods, and recovery after each.

mod common;

use common::*;
use oxmcp_core::transport::MemoryClient;
use serde_json::json;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_json_is_a_parse_error_with_null_id() {
    let (server, _) = setup();
    let client = MemoryClient::connect(&server, Vec::new());
    for bad in [&b"{\"jsonrpc\": \"2.0\", "[..], b"not json", b"{\"id\":1,", b"\xff\xfe\x00"] {
        client.send_raw(bad);
        let orphans = client.take_orphan_errors();
        assert_eq!(orphans.len(), 1, "one error for {bad:?}");
        assert_eq!(orphans[0].code, -32700, "{:?}", orphans[0]);
        // the session keeps working
        let pong = call(&client, "ping", json!({})).await.expect("ping after a parse error");
        assert_eq!(pong, json!({}));
    }
    initialize(&client, "2025-11-25").await;
    client.send_raw(b"{{{");
    assert_eq!(client.take_orphan_errors()[0].code, -32700);
    let r = call(&client, "tools/call", json!({"name": "echo", "arguments": {"text": "still here"}})).await.unwrap();
    assert_eq!(first_text(&r), "still here");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parse_error_frame_has_id_null_on_the_wire() {
    let (server, _) = setup();
    let mut raw = RawClient::connect(&server, Vec::new());
    raw.send_bytes(b"{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"ping\"");
    let resp = raw.recv().await;
    assert_eq!(resp["jsonrpc"], "2.0");
    assert!(resp.get("id").is_some_and(|v| v.is_null()), "{resp}");
    assert_eq!(err_code(&resp), -32700);
    assert!(resp.get("result").is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_request_shapes_are_rejected_with_their_id() {
    let (server, handler) = setup();
    let mut raw = RawClient::initialized(&server, "2025-11-25").await;
    let cases: Vec<(&[u8], serde_json::Value)> = vec![
        (br#"{"jsonrpc":"1.0","id":3,"method":"ping"}"#, json!(3)),
        (br#"{"id":"no-version","method":"ping"}"#, json!("no-version")),
        (br#"{"jsonrpc":"2.0","id":4,"method":5}"#, json!(4)),
        (br#"{"jsonrpc":"2.0","id":1,"method":"tools/list","params":3}"#, json!(1)),
        (br#"{"jsonrpc":"2.0","id":9}"#, json!(9)),
        (br#"{"jsonrpc":"2.0","id":null,"method":"ping"}"#, json!(null)),
        (br#"{"jsonrpc":"2.0","id":{"x":1},"method":"ping"}"#, json!(null)),
        (br#"{"jsonrpc":"2.0","id":1.5,"method":"ping"}"#, json!(null)),
        (br#"{"jsonrpc":"2.0","id":true,"method":"ping"}"#, json!(null)),
        (b"42", json!(null)),
        (br#""a string""#, json!(null)),
        (b"[]", json!(null)),
    ];
    for (i, (frame, id)) in cases.into_iter().enumerate() {
        raw.send_bytes(frame);
        let resp = raw.recv().await;
        assert_eq!(err_code(&resp), -32600, "{}: {resp}", String::from_utf8_lossy(frame));
        assert_eq!(resp["id"], id, "{}: {resp}", String::from_utf8_lossy(frame));
        // and the next request is served
        raw.request(json!(format!("ok-{i}")), "ping", json!({}));
        let ok = raw.recv().await;
        assert_eq!(ok["id"], format!("ok-{i}"));
        assert_eq!(ok["result"], json!({}));
    }
    assert_eq!(handler.tool_calls(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_request_with_null_id_reaches_orphans() {
    let (server, _) = setup();
    let client = MemoryClient::connect(&server, Vec::new());
    client.send_raw(br#"{"jsonrpc":"2.0","id":null,"method":"ping"}"#);
    client.send_raw(b"17");
    let orphans = client.take_orphan_errors();
    assert_eq!(orphans.iter().map(|e| e.code).collect::<Vec<_>>(), [-32600, -32600]);
    assert_eq!(call(&client, "ping", json!({})).await.unwrap(), json!({}));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn array_params_are_invalid_params() {
    let (server, _) = setup();
    let mut raw = RawClient::initialized(&server, "2025-06-18").await;
    raw.send_bytes(br#"{"jsonrpc":"2.0","id":"arr","method":"tools/list","params":[1,2]}"#);
    let resp = raw.recv().await;
    assert_eq!(resp["id"], "arr");
    assert_eq!(err_code(&resp), -32602);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_method_is_method_not_found() {
    let (server, _) = setup();
    let client = legacy_client(&server, "2025-11-25").await;
    let err = call(&client, "tools/frobnicate", json!({})).await.unwrap_err();
    assert_eq!(err.code, -32601);
    assert_eq!(err.data.as_ref().unwrap()["method"], "tools/frobnicate");
    let ok = call(&client, "tools/list", json!({})).await.unwrap();
    assert_eq!(ok["tools"].as_array().unwrap().len(), 5);

    // the same in the stateless era
    let err = call(&client, "nope/nothing", modern(json!({}))).await.unwrap_err();
    assert_eq!(err.code, -32601);
    let ok = call(&client, "tools/list", modern(json!({}))).await.unwrap();
    assert_eq!(ok["resultType"], "complete");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notifications_and_stray_responses_get_no_answer() {
    let (server, _) = setup();
    let mut raw = RawClient::initialized(&server, "2025-11-25").await;
    raw.send(json!({"jsonrpc": "2.0", "method": "notifications/unknown", "params": {"x": 1}}));
    raw.send(json!({"jsonrpc": "2.0", "method": "tools/list"})); // a request without id is a notification
    raw.send(json!({"jsonrpc": "2.0", "id": 99, "result": {}}));
    raw.send(json!({"jsonrpc": "2.0", "id": 98, "error": {"code": -1, "message": "x"}}));
    raw.send(json!({"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": 12345}}));
    raw.expect_silence(Duration::from_millis(100)).await;
    raw.request(json!(1), "ping", json!({}));
    assert_eq!(raw.recv().await["id"], 1);
}
