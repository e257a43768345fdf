//! The WebSocket transport over a real loopback socket, driven by a raw tungstenite client.

mod common;

use common::ws::{connect, connect_with, initialize, recv, recv_close, request, serve, Ws};
use common::*;
use futures_util::{SinkExt, StreamExt};
use oxmcp_core::transport::WsOptions;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::time::{Duration, Instant};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::handshake::client::Response;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::{Bytes, Error as WsError, Message};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn initialize_then_call_tools_with_the_mcp_subprotocol() {
    let (server, _) = setup();
    let running = serve(&server, WsOptions::default()).await;
    let (mut ws, response) =
        connect_with(running.addr, "/", &[("sec-websocket-protocol", "mcp")]).await.expect("upgrade");
    assert_eq!(response.headers()["sec-websocket-protocol"], "mcp");

    let init = initialize(&mut ws).await;
    assert_eq!(init["id"], 0);
    assert_eq!(init["result"]["protocolVersion"], "2025-11-25");
    assert_eq!(init["result"]["serverInfo"]["name"], "oxmcp-test");

    request(&mut ws, 1, "tools/call", json!({"name": "add", "arguments": {"a": 2, "b": 3}})).await;
    let r = recv(&mut ws).await;
    assert_eq!(r["id"], 1);
    assert_eq!(r["result"]["structuredContent"]["sum"], 5.0);

    request(&mut ws, 2, "tools/list", json!({})).await;
    let r = recv(&mut ws).await;
    assert_eq!(r["result"]["tools"].as_array().unwrap().len(), 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_without_a_subprotocol_are_accepted_and_requests_need_initialize() {
    let (server, _) = setup();
    let running = serve(&server, WsOptions::default()).await;
    let (mut ws, response) = connect_with(running.addr, "/", &[]).await.expect("upgrade");
    assert!(response.headers().get("sec-websocket-protocol").is_none());
    request(&mut ws, 1, "tools/call", json!({"name": "echo", "arguments": {"text": "hi"}})).await;
    let r = recv(&mut ws).await;
    assert!(r["error"].is_object(), "a handshake-era call before initialize is refused: {r}");
    // A stateless (2026-07-28) request is served per message on the same connection.
    request(&mut ws, 2, "tools/call", modern(json!({"name": "echo", "arguments": {"text": "hi"}}))).await;
    let r = recv(&mut ws).await;
    assert_eq!(r["result"]["content"][0]["text"], "hi", "{r}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_calls_answer_out_of_order_on_one_connection() {
    let (server, _) = setup();
    let running = serve(&server, WsOptions::default()).await;
    let mut ws = connect(running.addr).await;
    initialize(&mut ws).await;
    let started = Instant::now();
    request(&mut ws, 100, "tools/call", json!({"name": "slow", "arguments": {"ms": 300, "tag": "slowpoke"}})).await;
    for i in 0..30 {
        request(&mut ws, i, "tools/call", json!({"name": "echo", "arguments": {"text": format!("t{i}")}})).await;
    }
    let mut answers = HashMap::new();
    let mut order = Vec::new();
    while answers.len() < 31 {
        let r = recv(&mut ws).await;
        let id = r["id"].as_i64().unwrap();
        order.push(id);
        answers.insert(id, r);
    }
    for i in 0..30 {
        assert_eq!(answers[&i]["result"]["content"][0]["text"], format!("t{i}"));
    }
    assert_eq!(answers[&100]["result"]["content"][0]["text"], "slowpoke");
    assert_eq!(*order.last().unwrap(), 100, "the slow call does not hold up the fast ones");
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_json_and_binary_frames_are_answered_and_the_connection_keeps_serving() {
    let (server, _) = setup();
    let running = serve(&server, WsOptions::default()).await;
    let mut ws = connect(running.addr).await;
    initialize(&mut ws).await;

    ws.send(Message::text("{not json")).await.unwrap();
    let r = recv(&mut ws).await;
    assert_eq!(r["error"]["code"], -32700);
    assert!(r["id"].is_null());

    ws.send(Message::binary(br#"{"jsonrpc":"2.0","id":7,"method":"ping"}"#.to_vec())).await.unwrap();
    let r = recv(&mut ws).await;
    assert_eq!(r["error"]["code"], -32600);
    assert_eq!(r["id"], 7, "the id is sniffed from the binary frame");

    request(&mut ws, 8, "tools/call", json!({"name": "echo", "arguments": {"text": "still here"}})).await;
    assert_eq!(recv(&mut ws).await["result"]["content"][0]["text"], "still here");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pings_are_answered() {
    let (server, _) = setup();
    let running = serve(&server, WsOptions::default()).await;
    let mut ws = connect(running.addr).await;
    ws.send(Message::Ping(Bytes::from_static(b"hello"))).await.unwrap();
    match within("pong", ws.next()).await {
        Some(Ok(Message::Pong(payload))) => assert_eq!(&payload[..], b"hello"),
        other => panic!("expected a pong, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversized_message_closes_with_1009() {
    let (server, _) = {
        let handler = std::sync::Arc::new(TestHandler::default());
        let mut c = config();
        c.max_message_bytes = 1024;
        (standard_server(c, handler.clone()), handler)
    };
    let running = serve(&server, WsOptions::default()).await;
    let mut ws = connect(running.addr).await;
    initialize(&mut ws).await;
    // Just under the limit is fine.
    let text = "x".repeat(900);
    request(&mut ws, 1, "tools/call", json!({"name": "echo", "arguments": {"text": text}})).await;
    assert_eq!(recv(&mut ws).await["result"]["content"][0]["text"], text);
    // Over it closes the connection.
    let text = "x".repeat(2_000_000);
    request(&mut ws, 2, "tools/call", json!({"name": "echo", "arguments": {"text": text}})).await;
    assert_eq!(recv_close(&mut ws).await, Some(CloseCode::Size));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn foreign_origins_and_hosts_and_wrong_paths_are_refused_on_the_upgrade() {
    let (server, _) = setup();
    let running = serve(&server, WsOptions::default()).await;
    let status = |r: Result<(Ws, Response), WsError>| match r {
        Err(WsError::Http(resp)) => resp.status().as_u16(),
        Err(e) => panic!("expected an HTTP refusal, got {e}"),
        Ok(_) => panic!("the upgrade was accepted"),
    };
    let addr = running.addr;
    match connect_with(addr, "/", &[("origin", "http://evil.example")]).await {
        Err(WsError::Http(resp)) => {
            assert_eq!(resp.status(), 403);
            let body: Value = serde_json::from_slice(resp.body().as_deref().unwrap()).unwrap();
            assert_eq!(body["error"]["code"], -32600);
            assert!(body["error"]["message"].as_str().unwrap().contains("Origin"), "{body}");
        }
        other => panic!("expected 403, got {:?}", other.map(|_| ())),
    }
    assert_eq!(status(connect_with(addr, "/", &[("host", "evil.example")]).await), 403);
    assert_eq!(status(connect_with(addr, "/elsewhere", &[]).await), 404);
    // Loopback origins are fine on loopback.
    assert!(connect_with(addr, "/", &[("origin", "http://localhost:3000")]).await.is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn allowed_origins_extend_the_defaults() {
    let (server, _) = setup();
    let options = WsOptions { allowed_origins: vec!["https://app.example".into()], ..WsOptions::default() };
    let running = serve(&server, options).await;
    assert!(connect_with(running.addr, "/", &[("origin", "https://app.example")]).await.is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closing_the_socket_cancels_requests_in_flight() {
    let (server, handler) = setup();
    let running = serve(&server, WsOptions::default()).await;
    let mut ws = connect(running.addr).await;
    initialize(&mut ws).await;
    let args = json!({"name": "slow", "arguments": {"ms": 5000, "tag": "doomed", "cooperative": true}});
    request(&mut ws, 1, "tools/call", args).await;
    let deadline = Instant::now() + WAIT;
    while handler.slow.lock().unwrap().get("doomed").is_none() {
        assert!(Instant::now() < deadline, "the slow call never started");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    ws.close(None).await.unwrap();
    drop(ws);
    let flags = handler.slow_flags("doomed");
    let deadline = Instant::now() + WAIT;
    while !(flags.token_cancelled() && flags.hook_ran()) {
        assert!(Instant::now() < deadline, "closing the socket did not cancel the call");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_closes_connections_with_1001_and_returns() {
    let (server, _) = setup();
    let running = serve(&server, WsOptions::default()).await;
    let mut ws = connect(running.addr).await;
    initialize(&mut ws).await;
    running.shutdown.cancel();
    assert_eq!(recv_close(&mut ws).await, Some(CloseCode::Away));
    // Reading on sends our close reply; the server waits (bounded) for it.
    within("the close handshake", async { while let Some(Ok(_)) = ws.next().await {} }).await;
    within("serve returns", running.served).await.unwrap().unwrap();
    assert!(TcpStream::connect(running.addr).await.is_err(), "the listener is closed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_peer_is_disconnected_and_a_stalled_upgrade_times_out() {
    let (server, _) = setup();
    let options = WsOptions {
        ping_interval: Duration::from_millis(100),
        handshake_timeout: Duration::from_millis(200),
        ..WsOptions::default()
    };
    let running = serve(&server, options).await;
    // A peer that never reads (so never answers pings) is closed after two intervals.
    let mut ws = connect(running.addr).await;
    // (tungstenite answers pings only while reading, so this peer answers none.)
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(recv_close(&mut ws).await, Some(CloseCode::Policy));
    // A TCP connection that never sends the upgrade is dropped.
    let mut tcp = TcpStream::connect(running.addr).await.unwrap();
    let mut buf = [0u8; 16];
    let n = within("dropped", tokio::io::AsyncReadExt::read(&mut tcp, &mut buf)).await;
    assert!(matches!(n, Ok(0) | Err(_)));
}
