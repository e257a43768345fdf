//! The in-memory client's side of server-initiated traffic: the queue of server messages
//! (notifications and, in a handshake-era session, the server's requests), `respond`, and `close`.

mod common;

use common::{initialize, object_tool, server_with_tools, within, WAIT};
use oxmcp_core::jsonrpc::{self, ErrorObject, RequestId};
use oxmcp_core::server::{Handler, HandlerError, Reply, Server, ServerConfig, ToolCall, ToolOutput};
use oxmcp_core::transport::memory::ServerMessage;
use oxmcp_core::transport::MemoryClient;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;

/// Tools that talk to the client on their own:
/// - `chatty`: two notifications about the request, then the text "done";
/// - `ask {method, params}`: sends `method` to the client and answers `{"answer": result}`, or
///   `{"error": error}` when the client answered with an error;
/// - `ask_and_give_up {method}`: sends `method`, stops waiting after 50 ms and answers "gave up".
struct PeerHandler;

impl Handler for PeerHandler {
    fn call_tool(&self, call: ToolCall, reply: Reply<ToolOutput>) {
        let ctx = call.ctx;
        match call.tool.name.as_str() {
            "chatty" => {
                ctx.notify("notifications/message", json!({ "level": "info", "data": "one" }));
                ctx.notify("notifications/message", json!({ "level": "info", "data": "two" }));
                reply.ok(ToolOutput::text("done"));
            }
            "ask" | "ask_and_give_up" => {
                let method = call.arguments.get("method").and_then(Value::as_str).unwrap_or("ping").to_string();
                let params = call.arguments.get("params").cloned().unwrap_or_else(|| json!({}));
                let pending = match ctx.request_client(&method, params) {
                    Ok(p) => p,
                    Err(e) => return reply.send(Err(HandlerError::Protocol(e))),
                };
                let give_up = call.tool.name == "ask_and_give_up";
                tokio::spawn(async move {
                    if give_up {
                        let _ = tokio::time::timeout(Duration::from_millis(50), pending).await;
                        return reply.ok(ToolOutput::text("gave up"));
                    }
                    let out = match pending.await {
                        Ok(v) => json!({ "answer": v }),
                        Err(e) => json!({ "error": e.to_value() }),
                    };
                    reply.ok(ToolOutput::structured(out));
                });
            }
            other => reply.send(Err(HandlerError::Failed(format!("no tool {other}")))),
        }
    }
}

fn server() -> Server {
    let tools = ["chatty", "ask", "ask_and_give_up"].map(|name| object_tool(name, 0, false));
    server_with_tools(ServerConfig::new("peer-test", "0.1.0"), Arc::new(PeerHandler), tools)
}

async fn legacy(server: &Server) -> Arc<MemoryClient> {
    let client = Arc::new(MemoryClient::connect(server, Vec::new()));
    initialize(&client, "2025-11-25").await;
    client
}

fn call_tool(
    client: &Arc<MemoryClient>,
    name: &str,
    args: Value,
) -> tokio::task::JoinHandle<Result<Value, ErrorObject>> {
    let client = client.clone();
    let name = name.to_string();
    tokio::spawn(async move {
        tokio::time::timeout(WAIT, client.request("tools/call", Some(json!({ "name": name, "arguments": args }))))
            .await
            .unwrap_or_else(|_| panic!("timed out: tools/call {name}"))
    })
}

async fn next(client: &MemoryClient) -> ServerMessage {
    within("a server message", client.next_server_message()).await.expect("the client is open")
}

#[tokio::test]
async fn notifications_are_queued_in_order_before_the_answer_and_still_recorded() {
    let client = legacy(&server()).await;
    let result = call_tool(&client, "chatty", json!({})).await.unwrap().unwrap();
    assert_eq!(result["content"][0]["text"], "done");
    // Both were queued before the answer arrived: no waiting needed.
    let data: Vec<Value> = std::iter::from_fn(|| client.try_next_server_message())
        .map(|m| {
            assert!(matches!(m, ServerMessage::Notification { .. }), "{m:?}");
            assert_eq!(m.method(), "notifications/message");
            m.params().unwrap()["data"].clone()
        })
        .collect();
    assert_eq!(data, vec![json!("one"), json!("two")]);
    let recorded = client.take_notifications();
    assert_eq!(recorded.len(), 2);
    assert_eq!(recorded[0], json!({ "method": "notifications/message", "params": { "level": "info", "data": "one" } }));
}

#[tokio::test]
async fn a_server_request_reaches_the_client_and_respond_answers_it() {
    let client = legacy(&server()).await;
    let roots = json!({ "roots": [{ "uri": "file:///tmp/project", "name": "project" }] });
    let call = call_tool(&client, "ask", json!({ "method": "roots/list", "params": {} }));
    let ServerMessage::Request { id, method, params } = next(&client).await else { panic!("expected a request") };
    assert_eq!(method, "roots/list");
    assert_eq!(params, Some(json!({})));
    assert!(!call.is_finished(), "the tool waits for the client");
    client.respond(&id, Ok(roots.clone()));
    let result = call.await.unwrap().unwrap();
    assert_eq!(result["structuredContent"], json!({ "answer": roots }));
}

#[tokio::test]
async fn an_error_answer_reaches_the_server_with_its_code_and_data() {
    let client = legacy(&server()).await;
    let call = call_tool(&client, "ask", json!({ "method": "sampling/createMessage", "params": { "maxTokens": 5 } }));
    let msg = next(&client).await;
    assert_eq!(msg.to_value()["method"], "sampling/createMessage");
    assert_eq!(msg.to_value()["params"], json!({ "maxTokens": 5 }));
    let ServerMessage::Request { id, .. } = msg else { panic!("expected a request") };
    client.respond(&id, Err(ErrorObject::new(-32601, "Method not found").with_data(json!({ "why": "no" }))));
    let result = call.await.unwrap().unwrap();
    assert_eq!(
        result["structuredContent"]["error"],
        json!({ "code": -32601, "message": "Method not found", "data": { "why": "no" } })
    );
}

#[tokio::test]
async fn concurrent_server_requests_are_answered_out_of_order() {
    let client = legacy(&server()).await;
    let a = call_tool(&client, "ask", json!({ "method": "ping" }));
    let first = next(&client).await;
    let b = call_tool(&client, "ask", json!({ "method": "roots/list" }));
    let second = next(&client).await;
    let (ServerMessage::Request { id: id_a, .. }, ServerMessage::Request { id: id_b, method, .. }) = (first, second)
    else {
        panic!("expected two requests")
    };
    assert_eq!(method, "roots/list");
    assert_ne!(id_a, id_b);
    client.respond(&id_b, Ok(json!({ "roots": [] })));
    assert_eq!(b.await.unwrap().unwrap()["structuredContent"], json!({ "answer": { "roots": [] } }));
    assert!(!a.is_finished());
    client.respond(&id_a, Ok(json!({})));
    assert_eq!(a.await.unwrap().unwrap()["structuredContent"], json!({ "answer": {} }));
}

#[tokio::test]
async fn a_server_that_stops_waiting_cancels_its_request() {
    let client = legacy(&server()).await;
    let call = call_tool(&client, "ask_and_give_up", json!({ "method": "elicitation/create" }));
    let ServerMessage::Request { id, .. } = next(&client).await else { panic!("expected a request") };
    let cancelled = next(&client).await;
    assert_eq!(cancelled.method(), "notifications/cancelled");
    assert_eq!(cancelled.params().unwrap()["requestId"], id.to_value());
    assert_eq!(call.await.unwrap().unwrap()["content"][0]["text"], "gave up");
    // A late answer is ignored (the session no longer waits for it) and breaks nothing.
    client.respond(&id, Ok(json!({ "action": "cancel" })));
    assert_eq!(within("ping", client.request("ping", None)).await.unwrap(), json!({}));
}

#[tokio::test]
async fn the_stateless_wire_sends_no_server_requests() {
    let client = Arc::new(MemoryClient::connect(&server(), Vec::new()));
    let params = common::modern(json!({ "name": "ask", "arguments": { "method": "roots/list" } }));
    let answer = within("tools/call", client.request("tools/call", Some(params))).await;
    // `request_client` fails at once there; nothing reached the client.
    assert!(answer.is_err() || answer.as_ref().unwrap()["isError"] == json!(true), "{answer:?}");
    assert!(client.try_next_server_message().is_none());
}

#[tokio::test]
async fn injected_frames_keep_their_ids_and_order() {
    let client = MemoryClient::connect(&server(), Vec::new());
    let out = client.outbound();
    let str_id = RequestId::Str(Arc::from("srv-1"));
    out.send_notification(jsonrpc::encode_request(&str_id, "elicitation/create", Some(&json!({ "message": "?" }))));
    out.send_notification(jsonrpc::encode_notification("notifications/progress", Some(&json!({ "progress": 1 }))));
    out.send_notification(jsonrpc::encode_request(&RequestId::Num(9), "ping", None));
    let values: Vec<Value> = std::iter::from_fn(|| client.try_next_server_message()).map(|m| m.to_value()).collect();
    assert_eq!(
        values,
        vec![
            json!({ "id": "srv-1", "method": "elicitation/create", "params": { "message": "?" } }),
            json!({ "method": "notifications/progress", "params": { "progress": 1 } }),
            json!({ "id": 9, "method": "ping" }),
        ]
    );
    // Only notifications are recorded for take_notifications.
    assert_eq!(client.take_notifications().len(), 1);
}

#[tokio::test]
async fn next_server_message_waits_and_close_ends_it() {
    let client = Arc::new(MemoryClient::connect(&server(), Vec::new()));
    let waiter = {
        let client = client.clone();
        tokio::spawn(async move { client.next_server_message().await })
    };
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert!(!waiter.is_finished());
    client.outbound().send_notification(jsonrpc::encode_notification("notifications/tools/list_changed", None));
    let got = within("the waiter", waiter).await.unwrap().expect("a message");
    assert_eq!(got, ServerMessage::Notification { method: "notifications/tools/list_changed".into(), params: None });

    let waiter = {
        let client = client.clone();
        tokio::spawn(async move { client.next_server_message().await })
    };
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert!(!client.is_closed());
    client.close();
    assert!(client.is_closed());
    assert_eq!(within("the waiter after close", waiter).await.unwrap(), None);
    client.outbound().send_notification(jsonrpc::encode_notification("notifications/tools/list_changed", None));
    assert_eq!(client.next_server_message().await, None);
    assert!(client.try_next_server_message().is_none());
}

#[tokio::test]
async fn many_waiters_each_get_a_message() {
    let client = Arc::new(MemoryClient::connect(&server(), Vec::new()));
    let waiters: Vec<_> = (0..4)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.next_server_message().await })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(20)).await;
    for i in 0..4 {
        client.outbound().send_notification(jsonrpc::encode_notification("n", Some(&json!({ "i": i }))));
    }
    let mut seen = Vec::new();
    for w in waiters {
        let m = within("a waiter", w).await.unwrap().expect("a message");
        seen.push(m.params().unwrap()["i"].as_i64().unwrap());
    }
    seen.sort_unstable();
    assert_eq!(seen, vec![0, 1, 2, 3]);
}

#[tokio::test]
async fn close_cancels_the_sessions_requests_in_flight() {
    let client = legacy(&server()).await;
    let call = call_tool(&client, "ask", json!({ "method": "roots/list" }));
    let ServerMessage::Request { .. } = next(&client).await else { panic!("expected a request") };
    client.close();
    // The request was cancelled: no answer ever comes, the call times out on its own (WAIT).
    let outcome = tokio::time::timeout(Duration::from_millis(200), call).await;
    assert!(outcome.is_err(), "a cancelled request is not answered: {outcome:?}");
}

#[tokio::test]
async fn wait_server_message_does_not_take_the_message() {
    let client = Arc::new(MemoryClient::connect(&server(), Vec::new()));
    let waiter = {
        let client = client.clone();
        tokio::spawn(async move { client.wait_server_message().await })
    };
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert!(!waiter.is_finished());
    client.outbound().send_notification(jsonrpc::encode_notification("n", None));
    assert!(within("the waiter", waiter).await.unwrap());
    // Still there, and waiting again returns at once.
    assert!(within("a second wait", client.wait_server_message()).await);
    assert_eq!(client.try_next_server_message().map(|m| m.method().to_string()), Some("n".into()));
    let waiter = {
        let client = client.clone();
        tokio::spawn(async move { client.wait_server_message().await })
    };
    tokio::time::sleep(Duration::from_millis(20)).await;
    client.close();
    assert!(!within("the waiter after close", waiter).await.unwrap());
}
