//! Tool timeouts (`ToolSpec::timeout`): a call past its deadline is answered with a tool error that
//! names the tool and the limit, in both eras, and its cancellation reaches the handler; a call
//! within it is answered normally; a task's run is bounded the same way.

mod common;

use common::*;
use oxmcp_core::jsonrpc::RequestId;
use oxmcp_core::server::tasks::EXTENSION_ID;
use oxmcp_core::server::{Handler, Reply, Server, ServerConfig, ToolCall, ToolOutput, ToolSpec};
use oxmcp_core::transport::MemoryClient;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Sleeps `ms`, or gives up when cancelled (counted).
#[derive(Default)]
struct Sleeper {
    cancelled: Arc<AtomicUsize>,
}

impl Handler for Sleeper {
    fn call_tool(&self, call: ToolCall, reply: Reply<ToolOutput>) {
        let ms = call.arguments.get("ms").and_then(Value::as_u64).unwrap_or(0);
        let (cancellation, cancelled) = (call.ctx.cancellation.clone(), self.cancelled.clone());
        tokio::spawn(async move {
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_millis(ms)) => reply.ok(ToolOutput::text("slept")),
                _ = cancellation.token().cancelled() => {
                    cancelled.fetch_add(1, Ordering::SeqCst);
                    drop(reply);
                }
            }
        });
    }
}

fn tool(name: &str, timeout_ms: Option<u64>) -> ToolSpec {
    let def = json!({ "name": name, "inputSchema": { "type": "object" }, "execution": { "taskSupport": "optional" } });
    let mut spec = ToolSpec::new(def, 0, false).expect("valid tool");
    spec.timeout = timeout_ms.map(Duration::from_millis);
    spec
}

fn server() -> (Server, Arc<Sleeper>) {
    let handler = Arc::new(Sleeper::default());
    let tools = [tool("bounded", Some(100)), tool("free", None)];
    (server_with_tools(ServerConfig::new("timeouts", "0.1.0"), handler.clone(), tools), handler)
}

async fn wait_cancelled(handler: &Sleeper, n: usize) {
    within("the handler sees the cancellation", async {
        while handler.cancelled.load(Ordering::SeqCst) < n {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    })
    .await;
}

#[tokio::test]
async fn a_call_past_its_deadline_is_a_tool_error_and_is_cancelled_in_both_eras() {
    let (server, handler) = server();
    let legacy = legacy_client(&server, "2025-11-25").await;
    let began = Instant::now();
    let r = call(&legacy, "tools/call", json!({ "name": "bounded", "arguments": { "ms": 5000 } })).await.unwrap();
    assert!(began.elapsed() < Duration::from_secs(1), "answered at the deadline, took {:?}", began.elapsed());
    assert_eq!(r["isError"], true, "{r}");
    assert_eq!(first_text(&r), "Tool bounded timed out after 0.1 s");
    wait_cancelled(&handler, 1).await;

    let stateless = MemoryClient::connect(&server, Vec::new());
    let params = modern(json!({ "name": "bounded", "arguments": { "ms": 5000 } }));
    let r = call(&stateless, "tools/call", params).await.unwrap();
    assert_eq!(r["isError"], true, "{r}");
    assert_eq!(r["resultType"], "complete");
    assert_eq!(first_text(&r), "Tool bounded timed out after 0.1 s");
    wait_cancelled(&handler, 2).await;

    // The server still serves: a quick call, and a tool without a bound.
    let r = call(&legacy, "tools/call", json!({ "name": "bounded", "arguments": { "ms": 5 } })).await.unwrap();
    assert_eq!(first_text(&r), "slept");
    let r = call(&legacy, "tools/call", json!({ "name": "free", "arguments": { "ms": 300 } })).await.unwrap();
    assert_eq!(first_text(&r), "slept");
}

#[tokio::test]
async fn a_client_cancel_before_the_deadline_leaves_nothing_to_answer() {
    let (server, handler) = server();
    let client = legacy_client(&server, "2025-11-25").await;
    let id = client.next_request_id();
    let mut pending = Box::pin(client.request_with_id(
        id.clone(),
        "tools/call",
        Some(json!({ "name": "bounded", "arguments": { "ms": 5000 } })),
    ));
    assert!(tokio::time::timeout(Duration::from_millis(20), &mut pending).await.is_err(), "still running");
    let RequestId::Num(n) = id else { unreachable!() };
    client.notify("notifications/cancelled", Some(json!({ "requestId": n })));
    wait_cancelled(&handler, 1).await;
    tokio::time::sleep(Duration::from_millis(200)).await; // past the deadline: still no answer
    assert!(tokio::time::timeout(Duration::from_millis(50), &mut pending).await.is_err());
    let r = call(&client, "tools/call", json!({ "name": "bounded", "arguments": { "ms": 5 } })).await.unwrap();
    assert_eq!(first_text(&r), "slept");
}

#[tokio::test]
async fn a_tasks_run_is_bounded_too() {
    let (server, handler) = server();
    let client = MemoryClient::connect(&server, Vec::new());
    let meta = stateless_meta(MODERN, json!({ "extensions": { EXTENSION_ID: {} } }));
    let params = json!({ "name": "bounded", "arguments": { "ms": 5000 }, "_meta": meta.clone() });
    let created = call(&client, "tools/call", params).await.unwrap();
    assert_eq!(created["resultType"], "task", "{created}");
    let id = created["taskId"].as_str().unwrap().to_string();
    wait_cancelled(&handler, 1).await;
    let task = call(&client, "tasks/get", json!({ "taskId": id, "_meta": meta })).await.unwrap();
    assert_eq!(task["status"], "completed", "{task}");
    assert_eq!(task["result"]["isError"], true);
    assert_eq!(first_text(&task["result"]), "Tool bounded timed out after 0.1 s");
}
