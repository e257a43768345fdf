//! The stdio transport via `serve_streams`, over a Unix socket pair standing in for the pipes.

mod common;

use common::stdio::StdioPeer;
use common::*;
use oxmcp_core::transport::StdioOptions;
use serde_json::json;
use std::io::Write;
use std::time::{Duration, Instant};

fn small_limit() -> StdioOptions {
    StdioOptions { max_message_bytes: 256, ..Default::default() }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serves_requests_over_streams() {
    let (server, _) = setup();
    let mut peer = StdioPeer::initialized(&server, StdioOptions::default(), "2025-11-25").await;
    peer.request(json!(1), "tools/call", json!({"name": "echo", "arguments": {"text": "über stdio ✓"}}));
    let r = peer.recv().await;
    assert_eq!(r["id"], 1);
    assert_eq!(first_text(&r["result"]), "über stdio ✓");
    // CRLF line endings and blank lines are tolerated
    peer.input.write_all(b"\r\n\n{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"ping\"}\r\n").unwrap();
    assert_eq!(peer.recv().await["id"], 2);
    // a stateless request on the same stream
    peer.request(json!(3), "server/discover", modern(json!({})));
    assert_eq!(peer.recv().await["result"]["resultType"], "complete");
    // a parse error on the wire has id null
    peer.send_line(b"{oops");
    let e = peer.recv().await;
    assert_eq!(err_code(&e), -32700);
    assert!(e["id"].is_null());
    peer.close_input();
    let rest = peer.drain().await;
    assert!(rest.is_empty(), "{rest:?}");
    within("serve_streams to return", &mut peer.served).await.unwrap().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn responses_go_out_in_completion_order() {
    let (server, _) = setup();
    let mut peer = StdioPeer::initialized(&server, StdioOptions::default(), "2025-11-25").await;
    peer.request(json!("slow"), "tools/call", json!({"name": "slow", "arguments": {"ms": 200, "tag": "stdio-slow"}}));
    peer.request(json!("fast"), "tools/call", json!({"name": "add", "arguments": {"a": 2, "b": 2}}));
    let started = Instant::now();
    let first = peer.recv().await;
    assert_eq!(first["id"], "fast", "{first}");
    assert!(started.elapsed() < Duration::from_millis(150), "the fast answer did not wait for the slow call");
    let second = peer.recv().await;
    assert_eq!(second["id"], "slow");
    assert_eq!(first_text(&second["result"]), "stdio-slow");
    peer.close_input();
    within("serve_streams to return", &mut peer.served).await.unwrap().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_lines_are_rejected_with_the_sniffed_id() {
    let (server, handler) = setup();
    let mut peer = StdioPeer::initialized(&server, small_limit(), "2025-11-25").await;
    let big = "x".repeat(2000);
    peer.send(json!({"jsonrpc": "2.0", "id": 42, "method": "tools/call", "params": {"name": "echo", "arguments": {"text": big}}}));
    let e = peer.recv().await;
    assert_eq!(e["id"], 42, "{e}");
    assert_eq!(err_code(&e), -32600);
    assert_eq!(e["error"]["data"]["maxMessageBytes"], 256);
    // string ids are sniffed too
    peer.send(json!({"jsonrpc": "2.0", "id": "big-one", "method": "tools/call", "params": {"name": "echo", "arguments": {"text": big}}}));
    let e = peer.recv().await;
    assert_eq!(e["id"], "big-one");
    assert_eq!(err_code(&e), -32600);
    // an id after the params cannot be sniffed: null
    peer.send_line(format!(r#"{{"jsonrpc":"2.0","params":{{"text":"{big}"}},"id":7,"method":"ping"}}"#).as_bytes());
    let e = peer.recv().await;
    assert!(e["id"].is_null(), "{e}");
    assert_eq!(err_code(&e), -32600);
    assert_eq!(handler.tool_calls(), 0);
    // the next request is served
    peer.request(json!(43), "tools/call", json!({"name": "echo", "arguments": {"text": "small"}}));
    let r = peer.recv().await;
    assert_eq!(r["id"], 43);
    assert_eq!(first_text(&r["result"]), "small");
    peer.close_input();
    within("serve_streams to return", &mut peer.served).await.unwrap().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_line_at_the_limit_is_accepted() {
    let (server, _) = setup();
    let mut peer = StdioPeer::initialized(&server, small_limit(), "2025-11-25").await;
    let prefix = r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"text":""#;
    let suffix = r#""}}}"#;
    let text = "y".repeat(256 - prefix.len() - suffix.len());
    let line = format!("{prefix}{text}{suffix}");
    assert_eq!(line.len(), 256);
    peer.send_line(line.as_bytes());
    let r = peer.recv().await;
    assert_eq!(first_text(&r["result"]), text);
    peer.send_line(format!("{prefix}{text}y{suffix}").as_bytes());
    assert_eq!(err_code(&peer.recv().await), -32600);
    peer.close_input();
    within("serve_streams to return", &mut peer.served).await.unwrap().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eof_waits_for_requests_in_flight() {
    let (server, _) = setup();
    let options = StdioOptions { eof_grace: Duration::from_secs(2), ..Default::default() };
    let mut peer = StdioPeer::initialized(&server, options, "2025-11-25").await;
    peer.request(json!(1), "tools/call", json!({"name": "slow", "arguments": {"ms": 200, "tag": "eof-slow"}}));
    peer.request(json!(2), "tools/call", json!({"name": "echo", "arguments": {"text": "quick"}}));
    peer.close_input();
    let closed_at = Instant::now();
    within("serve_streams to return", &mut peer.served).await.unwrap().unwrap();
    let took = closed_at.elapsed();
    assert!(took >= Duration::from_millis(120), "returned before the slow call finished ({took:?})");
    assert!(took < Duration::from_millis(900), "returned promptly once idle ({took:?})");
    let out = peer.drain().await;
    let ids: Vec<_> = out.iter().map(|m| m["id"].clone()).collect();
    assert_eq!(ids, [json!(2), json!(1)], "{out:?}");
    assert_eq!(first_text(&out[1]["result"]), "eof-slow");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eof_cancels_requests_in_flight_at_once_by_default() {
    let (server, handler) = setup();
    let mut peer = StdioPeer::initialized(&server, StdioOptions::default(), "2025-11-25").await;
    peer.request(json!(1), "tools/call", json!({"name": "slow", "arguments": {"ms": 3000, "tag": "eof-now"}}));
    tokio::time::sleep(Duration::from_millis(50)).await;
    peer.close_input();
    let closed_at = Instant::now();
    within("serve_streams to return", &mut peer.served).await.unwrap().unwrap();
    assert!(closed_at.elapsed() < Duration::from_millis(500), "took {:?}", closed_at.elapsed());
    assert!(handler.slow_flags("eof-now").hook_ran(), "the call in flight is cancelled");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eof_grace_bounds_the_wait() {
    let (server, handler) = setup();
    let options = StdioOptions { eof_grace: Duration::from_millis(100), ..Default::default() };
    let mut peer = StdioPeer::initialized(&server, options, "2025-11-25").await;
    peer.request(json!(1), "tools/call", json!({"name": "slow", "arguments": {"ms": 600, "tag": "abandoned"}}));
    peer.close_input();
    let closed_at = Instant::now();
    within("serve_streams to return", &mut peer.served).await.unwrap().unwrap();
    assert!(closed_at.elapsed() < Duration::from_millis(500));
    assert!(handler.slow_flags("abandoned").hook_ran(), "abandoned requests are cancelled");
    let out = tokio::time::timeout(Duration::from_millis(700), peer.drain()).await;
    if let Ok(out) = out {
        assert!(out.is_empty(), "an abandoned request is not answered: {out:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_token_stops_serving() {
    let (server, _) = setup();
    let mut peer = StdioPeer::start(&server, StdioOptions::default());
    peer.request(json!(1), "ping", json!({}));
    assert_eq!(peer.recv().await["result"], json!({}));
    peer.shutdown.cancel();
    within("serve_streams to return", &mut peer.served).await.unwrap().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancellation_over_stdio() {
    let (server, handler) = setup();
    let mut peer = StdioPeer::initialized(&server, StdioOptions::default(), "2025-11-25").await;
    peer.request(json!(1), "tools/call", json!({"name": "slow", "arguments": {"ms": 150, "tag": "stdio-cancel"}}));
    tokio::time::sleep(Duration::from_millis(20)).await;
    peer.send(json!({"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": 1}}));
    peer.request(json!(2), "ping", json!({}));
    assert_eq!(peer.recv().await["id"], 2);
    tokio::time::sleep(Duration::from_millis(250)).await;
    assert!(handler.slow_flags("stdio-cancel").finished());
    peer.close_input();
    let rest = peer.drain().await;
    assert!(rest.is_empty(), "nothing for the cancelled request: {rest:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batches_over_stdio_are_one_line() {
    let (server, _) = setup();
    let mut peer = StdioPeer::initialized(&server, StdioOptions::default(), "2025-03-26").await;
    peer.send(json!([
        {"jsonrpc": "2.0", "id": 1, "method": "ping"},
        {"jsonrpc": "2.0", "id": 2, "method": "tools/list"}
    ]));
    let r = peer.recv().await;
    assert_eq!(r.as_array().map(Vec::len), Some(2), "{r}");
    peer.close_input();
    within("serve_streams to return", &mut peer.served).await.unwrap().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_open_listen_stream_does_not_delay_exit() {
    let (server, _) = setup();
    let options = StdioOptions { eof_grace: Duration::from_secs(5), ..Default::default() };
    let mut peer = StdioPeer::start(&server, options);
    let meta = stateless_meta(MODERN, json!({}));
    peer.request(
        json!("l"),
        "subscriptions/listen",
        json!({"notifications": {"toolsListChanged": true}, "_meta": meta}),
    );
    let ack = peer.recv().await;
    assert_eq!(ack["method"], "notifications/subscriptions/acknowledged");
    assert_eq!(ack["params"]["_meta"]["io.modelcontextprotocol/subscriptionId"], "l");
    peer.close_input();
    let closed_at = Instant::now();
    within("serve_streams to return", &mut peer.served).await.unwrap().unwrap();
    assert!(closed_at.elapsed() < Duration::from_secs(2), "took {:?}", closed_at.elapsed());
}
