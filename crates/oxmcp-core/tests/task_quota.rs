//! The task store's bounds as a caller meets them: one owner at its quota is refused with -32030
//! (`LIMIT_REACHED`) saying so, other owners go on creating tasks, and the owner gets room back
//! once one of its tasks ends.

mod common;

use common::{server_with_tools, stateless_meta, within, MODERN};
use oxmcp_core::jsonrpc::ErrorObject;
use oxmcp_core::server::tasks::EXTENSION_ID;
use oxmcp_core::server::{Handler, MemoryTaskStore, Reply, ServerConfig, ToolCall, ToolOutput, ToolSpec};
use oxmcp_core::transport::MemoryClient;
use serde_json::{json, Value};
use std::sync::Arc;

/// `hang`: never answers until cancelled (a task that stays `working`).
struct Hang;

impl Handler for Hang {
    fn call_tool(&self, call: ToolCall, reply: Reply<ToolOutput>) {
        let cancellation = call.ctx.cancellation.clone();
        tokio::spawn(async move {
            cancellation.token().cancelled().await;
            drop(reply);
        });
    }
}

fn client(server: &oxmcp_core::server::Server, token: &str) -> MemoryClient {
    MemoryClient::connect(server, vec![("authorization".into(), format!("Bearer {token}"))])
}

async fn call_as_task(client: &MemoryClient, method: &str, mut params: Value) -> Result<Value, ErrorObject> {
    params["_meta"] = stateless_meta(MODERN, json!({ "extensions": { EXTENSION_ID: {} } }));
    within(method, client.request(method, Some(params))).await
}

#[tokio::test]
async fn one_owner_at_its_quota_is_told_so_and_others_are_unaffected() {
    let mut config = ServerConfig::new("quota", "1");
    config.tasks.store = Arc::new(MemoryTaskStore::new(100).with_owner_quota(3));
    let tool = ToolSpec::new(
        json!({ "name": "hang", "inputSchema": { "type": "object" }, "execution": { "taskSupport": "optional" } }),
        0,
        false,
    )
    .unwrap();
    let server = server_with_tools(config, Arc::new(Hang), [tool]);
    let (alice, bob) = (client(&server, "alice"), client(&server, "bob"));
    let mut alices = Vec::new();
    for _ in 0..3 {
        let r = call_as_task(&alice, "tools/call", json!({ "name": "hang" })).await.unwrap();
        alices.push(r["taskId"].as_str().unwrap().to_string());
    }
    // Alice is at her quota: a clear limit error, not -32603 "Internal error".
    let e = call_as_task(&alice, "tools/call", json!({ "name": "hang" })).await.unwrap_err();
    assert_eq!(e.code, -32030, "{e}");
    assert!(e.message.contains("3 unfinished tasks"), "{}", e.message);
    assert_eq!(e.data.as_ref().unwrap()["limit"], "tasksPerOwner");
    // Bob is not affected.
    let r = call_as_task(&bob, "tools/call", json!({ "name": "hang" })).await.unwrap();
    assert_eq!(r["status"], "working");
    // Once one of Alice's tasks ends (cancelled), she has room again.
    call_as_task(&alice, "tasks/cancel", json!({ "taskId": alices[0] })).await.unwrap();
    let r = call_as_task(&alice, "tools/call", json!({ "name": "hang" })).await.unwrap();
    assert_eq!(r["resultType"], "task");
}

#[tokio::test]
async fn a_full_store_is_a_limit_error_too() {
    let mut config = ServerConfig::new("full", "1");
    config.tasks.store = Arc::new(MemoryTaskStore::new(2).with_owner_quota(10));
    let tool = ToolSpec::new(
        json!({ "name": "hang", "inputSchema": { "type": "object" }, "execution": { "taskSupport": "optional" } }),
        0,
        false,
    )
    .unwrap();
    let server = server_with_tools(config, Arc::new(Hang), [tool]);
    let (a, b, c) = (client(&server, "a"), client(&server, "b"), client(&server, "c"));
    call_as_task(&a, "tools/call", json!({ "name": "hang" })).await.unwrap();
    call_as_task(&b, "tools/call", json!({ "name": "hang" })).await.unwrap();
    let e = call_as_task(&c, "tools/call", json!({ "name": "hang" })).await.unwrap_err();
    assert_eq!((e.code, e.data.unwrap()["limit"].clone()), (-32030, json!("tasks")));
    assert!(e.message.contains("too many tasks"), "{}", e.message);
    // The server still serves everything else.
    let mut params = json!({});
    params["_meta"] = stateless_meta(MODERN, json!({}));
    let listed = within("tools/list", c.request("tools/list", Some(params))).await.unwrap();
    assert_eq!(listed["tools"][0]["name"], "hang");
}
