//! Tasks: promotion of `tools/call`, the `tasks/*` methods of the stateless extension and of
//! 2025-11-25, owner isolation, the store's bound and expiry, and status notifications.

mod common;

use common::{initialize, server_with_tools, stateless_meta, within, MODERN, WAIT};
use oxmcp_core::jsonrpc::ErrorObject;
use oxmcp_core::server::tasks::EXTENSION_ID;
use oxmcp_core::server::{
    Change, Handler, HandlerError, MemoryTaskStore, Reply, Server, ServerConfig, ToolCall, ToolOutput, ToolSpec,
};
use oxmcp_core::transport::MemoryClient;
use serde_json::{json, Map, Value};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Tools:
/// - `work {ms, text}` (optional): sleeps, answers `text`; gives up (no answer) when cancelled.
/// - `must` (required): answers "done".
/// - `plain` (no task support): answers "plain".
/// - `fail` (optional): a tool error. `broken` (optional): a JSON-RPC error.
/// - `ask {n}` (optional): needs inputs `q0`..`q{n-1}`, then answers with them.
/// - `manual` (optional, manual start): needs `name` first (MRTR), then makes itself a task and
///   answers "Hello <name>" a little later.
/// - `manual_plain` (optional, manual start): never starts a task.
#[derive(Default)]
struct TaskHandler {
    cancelled: Arc<AtomicUsize>,
    runs: AtomicUsize,
}

fn text_arg(args: &Map<String, Value>, key: &str) -> String {
    args.get(key).and_then(Value::as_str).unwrap_or_default().to_string()
}

impl Handler for TaskHandler {
    fn call_tool(&self, call: ToolCall, reply: Reply<ToolOutput>) {
        self.runs.fetch_add(1, Ordering::SeqCst);
        let ctx = call.ctx;
        match call.tool.name.as_str() {
            "work" => {
                let ms = call.arguments.get("ms").and_then(Value::as_u64).unwrap_or(50);
                let text = text_arg(&call.arguments, "text");
                let cancellation = ctx.cancellation.clone();
                let cancelled = self.cancelled.clone();
                tokio::spawn(async move {
                    tokio::select! {
                        _ = tokio::time::sleep(Duration::from_millis(ms)) => reply.ok(ToolOutput::text(text)),
                        _ = cancellation.token().cancelled() => {
                            cancelled.fetch_add(1, Ordering::SeqCst);
                            drop(reply);
                        }
                    }
                });
            }
            "must" => reply.ok(ToolOutput::text("done")),
            "plain" => reply.ok(ToolOutput::text("plain")),
            "fail" => reply.send(Err(HandlerError::Failed("it broke".into()))),
            "broken" => reply.send(Err(HandlerError::Protocol(ErrorObject::new(-32001, "backend unavailable")))),
            "ask" => {
                let n = call.arguments.get("n").and_then(Value::as_u64).unwrap_or(1);
                let answers = ctx.input.as_ref().map(|i| i.responses.clone()).unwrap_or_default();
                let mut missing = Map::new();
                for i in 0..n {
                    let key = format!("q{i}");
                    if !answers.contains_key(&key) {
                        let params = json!({ "mode": "form", "message": key, "requestedSchema": { "type": "object", "properties": {} } });
                        missing.insert(key, json!({ "method": "elicitation/create", "params": params }));
                    }
                }
                if missing.is_empty() {
                    let got: Vec<String> =
                        (0..n).map(|i| answers[&format!("q{i}")]["content"]["v"].to_string()).collect();
                    reply.ok(ToolOutput::text(got.join(",")));
                } else {
                    reply.send(Err(HandlerError::InputRequired { requests: missing, data: Some(json!({"n": n})) }));
                }
            }
            "manual" => {
                let name = ctx.input.as_ref().and_then(|i| i.responses.get("name")).cloned();
                let Some(name) = name else {
                    let params = json!({ "mode": "form", "message": "name?", "requestedSchema": { "type": "object", "properties": {} } });
                    let requests = json!({ "name": { "method": "elicitation/create", "params": params } });
                    let requests = requests.as_object().unwrap().clone();
                    return reply.send(Err(HandlerError::InputRequired { requests, data: None }));
                };
                let became = ctx.start_task();
                let again = ctx.start_task();
                let id = ctx.task_id();
                tokio::spawn(async move {
                    tokio::time::sleep(Duration::from_millis(30)).await;
                    let text = format!(
                        "Hello {} (task: {:?} {:?} {})",
                        name["content"]["name"].as_str().unwrap_or("?"),
                        became,
                        again,
                        id.is_some()
                    );
                    reply.ok(ToolOutput::text(text));
                });
            }
            "peer" => {
                tokio::spawn(async move {
                    let answer = match ctx.request_client("roots/list", json!({})) {
                        Ok(call) => call.await,
                        Err(e) => Err(e),
                    };
                    match answer {
                        Ok(v) => reply.ok(ToolOutput::text(v.to_string())),
                        Err(e) => reply.send(Err(HandlerError::Failed(e.message))),
                    }
                });
            }
            "manual_plain" => {
                let id = ctx.task_id();
                reply.ok(ToolOutput::text(format!("plain {}", id.is_none())))
            }
            other => reply.send(Err(HandlerError::Failed(format!("no tool {other}")))),
        }
    }
}

fn tool(name: &str, support: Option<&str>, manual: bool) -> ToolSpec {
    let mut def = json!({ "name": name, "inputSchema": { "type": "object" } });
    if let Some(s) = support {
        def["execution"] = json!({ "taskSupport": s });
    }
    let mut spec = ToolSpec::new(def, 0, false).expect("valid tool");
    spec.task_manual_start = manual;
    spec
}

fn server_with(config: ServerConfig) -> (Server, Arc<TaskHandler>) {
    let handler = Arc::new(TaskHandler::default());
    let tools = [
        tool("work", Some("optional"), false),
        tool("must", Some("required"), false),
        tool("plain", None, false),
        tool("fail", Some("optional"), false),
        tool("broken", Some("optional"), false),
        tool("ask", Some("optional"), false),
        tool("peer", Some("optional"), false),
        tool("manual", Some("required"), true),
        tool("manual_plain", Some("optional"), true),
    ];
    (server_with_tools(config, handler.clone(), tools), handler)
}

fn server() -> (Server, Arc<TaskHandler>) {
    server_with(ServerConfig::new("tasks-test", "0.1.0"))
}

fn meta(tasks: bool) -> Value {
    let mut caps = json!({ "elicitation": {} });
    if tasks {
        caps["extensions"] = json!({ EXTENSION_ID: {} });
    }
    stateless_meta(MODERN, caps)
}

/// A stateless request (`tasks`: declare the extension).
async fn stateless(client: &MemoryClient, method: &str, mut params: Value, tasks: bool) -> Result<Value, ErrorObject> {
    params["_meta"] = meta(tasks);
    within(method, client.request(method, Some(params))).await
}

async fn get(client: &MemoryClient, id: &str) -> Value {
    stateless(client, "tasks/get", json!({ "taskId": id }), true).await.expect("tasks/get")
}

/// Polls `tasks/get` until `status` (or a terminal status).
async fn wait_for(client: &MemoryClient, id: &str, status: &str) -> Value {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let t = get(client, id).await;
        let s = t["status"].as_str().unwrap().to_string();
        if s == status || ["completed", "failed", "cancelled"].contains(&s.as_str()) {
            return t;
        }
        assert!(tokio::time::Instant::now() < deadline, "task {id} never reached {status}: {t}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

fn assert_create_result(r: &Value) -> String {
    assert_eq!(r["resultType"], "task", "{r}");
    assert_eq!(r["status"], "working");
    for key in ["task", "result", "error", "inputRequests", "requestState", "ttl", "pollInterval"] {
        assert!(r.get(key).is_none(), "CreateTaskResult must not carry {key}: {r}");
    }
    assert!(r["ttlMs"].as_u64().unwrap() > 0);
    assert!(r["pollIntervalMs"].as_u64().unwrap() > 0);
    let created = r["createdAt"].as_str().unwrap();
    assert!(created.len() >= 20 && created.ends_with('Z') && &created[10..11] == "T", "{created}");
    r["taskId"].as_str().unwrap().to_string()
}

fn assert_ack(r: &Value) {
    assert_eq!(r, &json!({ "resultType": "complete" }));
}

#[tokio::test]
async fn stateless_promotion_get_and_completion() {
    let (server, _) = server();
    let client = MemoryClient::connect(&server, Vec::new());
    let created =
        stateless(&client, "tools/call", json!({ "name": "work", "arguments": { "ms": 60, "text": "hi" } }), true)
            .await
            .unwrap();
    let id = assert_create_result(&created);
    // Durable create: found at once, still working.
    let now = get(&client, &id).await;
    assert_eq!(now["resultType"], "complete");
    assert_eq!(now["taskId"], id.as_str());
    assert_eq!(now["status"], "working");
    assert!(now.get("result").is_none() && now.get("requestState").is_none());
    let done = wait_for(&client, &id, "completed").await;
    assert_eq!(done["status"], "completed");
    assert_eq!(done["result"]["content"][0]["text"], "hi");
    assert!(done["result"].get("_meta").and_then(|m| m.get("io.modelcontextprotocol/related-task")).is_none());
    assert!(done.get("error").is_none() && done.get("inputRequests").is_none());
}

#[tokio::test]
async fn without_the_extension_calls_stay_plain_and_required_is_refused() {
    let (server, handler) = server();
    let client = MemoryClient::connect(&server, Vec::new());
    let r =
        stateless(&client, "tools/call", json!({ "name": "work", "arguments": { "ms": 1, "text": "sync" } }), false)
            .await
            .unwrap();
    assert_eq!(r["resultType"], "complete");
    assert_eq!(r["content"][0]["text"], "sync");
    assert!(r.get("taskId").is_none());

    let runs = handler.runs.load(Ordering::SeqCst);
    let e = stateless(&client, "tools/call", json!({ "name": "must" }), false).await.unwrap_err();
    assert_eq!(e.code, -32021);
    assert_eq!(e.data.unwrap()["requiredCapabilities"]["extensions"][EXTENSION_ID], json!({}));
    assert_eq!(handler.runs.load(Ordering::SeqCst), runs, "a refused call must not run");

    // tasks/* are gated before the task is looked up.
    for (method, params) in [
        ("tasks/get", json!({ "taskId": "gate-test" })),
        ("tasks/update", json!({ "taskId": "gate-test", "inputResponses": {} })),
        ("tasks/cancel", json!({ "taskId": "gate-test" })),
    ] {
        let e = stateless(&client, method, params, false).await.unwrap_err();
        assert_eq!(e.code, -32021, "{method}");
        assert!(e.data.unwrap()["requiredCapabilities"]["extensions"][EXTENSION_ID].is_object());
    }
    // Removed from the stateless wire.
    for method in ["tasks/result", "tasks/list"] {
        let e = stateless(&client, method, json!({ "taskId": "x" }), true).await.unwrap_err();
        assert_eq!(e.code, -32601, "{method}");
    }
}

#[tokio::test]
async fn sync_tools_never_become_tasks_and_the_task_param_is_ignored() {
    let (server, _) = server();
    let client = MemoryClient::connect(&server, Vec::new());
    let params = json!({ "name": "plain", "task": { "ttl": 60000, "pollInterval": 100 } });
    let r = stateless(&client, "tools/call", params, true).await.unwrap();
    assert_eq!(r["resultType"], "complete");
    assert_eq!(r["content"][0]["text"], "plain");
    // The extension is advertised, never a `tasks` capability.
    let d = stateless(&client, "server/discover", json!({}), false).await.unwrap();
    assert_eq!(d["capabilities"]["extensions"][EXTENSION_ID], json!({}));
    assert!(d["capabilities"].get("tasks").is_none());
}

#[tokio::test]
async fn unknown_and_foreign_tasks_are_not_found() {
    let (server, _) = server();
    let alice = MemoryClient::connect(&server, vec![("authorization".into(), "Bearer alice".into())]);
    let bob = MemoryClient::connect(&server, vec![("authorization".into(), "Bearer bob".into())]);
    let created =
        stateless(&alice, "tools/call", json!({ "name": "work", "arguments": { "ms": 2000 } }), true).await.unwrap();
    let id = assert_create_result(&created);
    for (method, params) in [
        ("tasks/get", json!({ "taskId": id })),
        ("tasks/cancel", json!({ "taskId": id })),
        ("tasks/update", json!({ "taskId": id, "inputResponses": {} })),
        ("tasks/get", json!({ "taskId": "tasks-conformance-nonexistent-12345" })),
    ] {
        let e = stateless(&bob, method, params, true).await.unwrap_err();
        assert_eq!(e.code, -32602, "{method}");
    }
    assert_eq!(get(&alice, &id).await["status"], "working");
    // A handshake-era session does not see stateless tasks either.
    let legacy = MemoryClient::connect(&server, vec![("authorization".into(), "Bearer alice".into())]);
    initialize(&legacy, "2025-11-25").await;
    let e = within("get", legacy.request("tasks/get", Some(json!({ "taskId": id })))).await.unwrap_err();
    assert_eq!(e.code, -32602);
    stateless(&alice, "tasks/cancel", json!({ "taskId": id }), true).await.unwrap();
}

#[tokio::test]
async fn cancel_stops_the_function_and_is_idempotent() {
    let (server, handler) = server();
    let client = MemoryClient::connect(&server, Vec::new());
    let created =
        stateless(&client, "tools/call", json!({ "name": "work", "arguments": { "ms": 60000 } }), true).await.unwrap();
    let id = assert_create_result(&created);
    let ack = stateless(&client, "tasks/cancel", json!({ "taskId": id }), true).await.unwrap();
    assert_ack(&ack);
    let t = get(&client, &id).await;
    assert_eq!(t["status"], "cancelled");
    assert!(t.get("result").is_none() && t.get("error").is_none());
    within("the function sees the cancellation", async {
        while handler.cancelled.load(Ordering::SeqCst) == 0 {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    })
    .await;
    assert_eq!(server.tasks().running(), 0);
    // Again, and on a completed task: the same acknowledgement.
    assert_ack(&stateless(&client, "tasks/cancel", json!({ "taskId": id }), true).await.unwrap());
    let quick =
        stateless(&client, "tools/call", json!({ "name": "work", "arguments": { "ms": 1 } }), true).await.unwrap();
    let quick = assert_create_result(&quick);
    assert_eq!(wait_for(&client, &quick, "completed").await["status"], "completed");
    assert_ack(&stateless(&client, "tasks/cancel", json!({ "taskId": quick }), true).await.unwrap());
    assert_eq!(get(&client, &quick).await["status"], "completed");
}

#[tokio::test]
async fn tool_errors_complete_and_protocol_errors_fail() {
    let (server, _) = server();
    let client = MemoryClient::connect(&server, Vec::new());
    let id = assert_create_result(&stateless(&client, "tools/call", json!({ "name": "fail" }), true).await.unwrap());
    let t = wait_for(&client, &id, "completed").await;
    assert_eq!(t["status"], "completed");
    assert_eq!(t["result"]["isError"], true);
    assert_eq!(t["result"]["content"][0]["text"], "it broke");

    let id = assert_create_result(&stateless(&client, "tools/call", json!({ "name": "broken" }), true).await.unwrap());
    let t = wait_for(&client, &id, "failed").await;
    assert_eq!(t["status"], "failed");
    assert_eq!(t["error"]["code"], -32001);
    assert_eq!(t["error"]["message"], "backend unavailable");
    assert!(t.get("result").is_none());
}

#[tokio::test]
async fn input_required_partial_update_then_resume() {
    let (server, handler) = server();
    let client = MemoryClient::connect(&server, Vec::new());
    let id = assert_create_result(
        &stateless(&client, "tools/call", json!({ "name": "ask", "arguments": { "n": 2 } }), true).await.unwrap(),
    );
    let t = wait_for(&client, &id, "input_required").await;
    assert_eq!(t["status"], "input_required");
    let keys: Vec<_> = t["inputRequests"].as_object().unwrap().keys().cloned().collect();
    assert_eq!(keys, ["q0", "q1"]);
    assert_eq!(t["inputRequests"]["q0"]["method"], "elicitation/create");
    assert!(t.get("requestState").is_none());
    let runs = handler.runs.load(Ordering::SeqCst);

    // One answer (plus an unknown key, ignored): the answered key is gone at once.
    let answer = |v: i64| json!({ "action": "accept", "content": { "v": v } });
    let ack = stateless(
        &client,
        "tasks/update",
        json!({ "taskId": id, "inputResponses": { "q0": answer(10), "unknown-key": { "ignored": true } } }),
        true,
    )
    .await
    .unwrap();
    assert_ack(&ack);
    let t = get(&client, &id).await;
    assert_eq!(t["status"], "input_required");
    assert_eq!(t["inputRequests"].as_object().unwrap().keys().collect::<Vec<_>>(), ["q1"]);
    assert_eq!(handler.runs.load(Ordering::SeqCst), runs, "no re-run before every key is answered");

    let ack = stateless(&client, "tasks/update", json!({ "taskId": id, "inputResponses": { "q1": answer(20) } }), true)
        .await
        .unwrap();
    assert_ack(&ack);
    let t = wait_for(&client, &id, "completed").await;
    assert_eq!(t["result"]["content"][0]["text"], "10,20");
    assert_eq!(handler.runs.load(Ordering::SeqCst), runs + 1);
}

#[tokio::test]
async fn manual_start_resolves_input_synchronously_then_becomes_a_task() {
    let (server, _) = server();
    let client = MemoryClient::connect(&server, Vec::new());
    let round1 = stateless(&client, "tools/call", json!({ "name": "manual" }), true).await.unwrap();
    assert_eq!(round1["resultType"], "input_required");
    assert!(round1.get("taskId").is_none());
    assert!(round1["inputRequests"]["name"].is_object());
    let state = round1["requestState"].clone();
    let round2 = stateless(
        &client,
        "tools/call",
        json!({
            "name": "manual",
            "inputResponses": { "name": { "action": "accept", "content": { "name": "Alice" } } },
            "requestState": state,
        }),
        true,
    )
    .await
    .unwrap();
    let id = assert_create_result(&round2);
    let t = wait_for(&client, &id, "completed").await;
    assert_eq!(t["result"]["content"][0]["text"], "Hello Alice (task: Ok(true) Ok(true) true)");

    // A manual tool that never starts a task answers as a plain call.
    let r = stateless(&client, "tools/call", json!({ "name": "manual_plain" }), true).await.unwrap();
    assert_eq!(r["resultType"], "complete");
    assert_eq!(r["content"][0]["text"], "plain true");
}

#[tokio::test]
async fn store_is_bounded_and_tasks_expire() {
    let mut config = ServerConfig::new("tasks-test", "0.1.0");
    config.tasks.store = Arc::new(MemoryTaskStore::new(1));
    config.tasks.ttl = Duration::from_millis(80);
    let (server, _) = server_with(config);
    let client = MemoryClient::connect(&server, Vec::new());
    let first = assert_create_result(
        &stateless(&client, "tools/call", json!({ "name": "work", "arguments": { "ms": 100 } }), true).await.unwrap(),
    );
    assert_eq!(get(&client, &first).await["ttlMs"], 80);
    // Full of running tasks: refused with a limit error that says so (and nothing runs).
    let e =
        stateless(&client, "tools/call", json!({ "name": "work", "arguments": { "ms": 1 } }), true).await.unwrap_err();
    assert_eq!((e.code, e.data.unwrap()["limit"].clone()), (-32030, json!("tasks")), "{}", e.message);
    // Running tasks never expire; ended ones do, ttl after their end.
    tokio::time::sleep(Duration::from_millis(60)).await;
    assert_eq!(get(&client, &first).await["status"], "working");
    assert_eq!(wait_for(&client, &first, "completed").await["status"], "completed");
    tokio::time::sleep(Duration::from_millis(120)).await;
    let e = stateless(&client, "tasks/get", json!({ "taskId": first }), true).await.unwrap_err();
    assert_eq!(e.code, -32602);
    // Room again.
    stateless(&client, "tools/call", json!({ "name": "work", "arguments": { "ms": 1 } }), true).await.unwrap();
}

#[tokio::test]
async fn status_changes_are_announced() {
    let (server, _) = server();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let _listening = {
        let seen = seen.clone();
        server.listen(move |c| {
            if let Change::Task { task: t, .. } = c {
                seen.lock().unwrap().push((t["taskId"].as_str().unwrap().to_string(), t["status"].clone()));
            }
        })
    };
    let client = MemoryClient::connect(&server, Vec::new());
    let id = assert_create_result(
        &stateless(&client, "tools/call", json!({ "name": "ask", "arguments": { "n": 1 } }), true).await.unwrap(),
    );
    wait_for(&client, &id, "input_required").await;
    let answer = json!({ "q0": { "action": "accept", "content": { "v": 1 } } });
    stateless(&client, "tasks/update", json!({ "taskId": id, "inputResponses": answer }), true).await.unwrap();
    wait_for(&client, &id, "completed").await;
    let statuses: Vec<Value> = seen.lock().unwrap().iter().filter(|(t, _)| *t == id).map(|(_, s)| s.clone()).collect();
    assert_eq!(statuses, [json!("input_required"), json!("working"), json!("completed")]);
}

// -- 2025-11-25 ---------------------------------------------------------------------------------

async fn legacy(server: &Server) -> MemoryClient {
    let client = MemoryClient::connect(server, Vec::new());
    let init = initialize(&client, "2025-11-25").await;
    assert_eq!(
        init["capabilities"]["tasks"],
        json!({ "list": {}, "cancel": {}, "requests": { "tools": { "call": {} } } })
    );
    client.session().set_standalone(Some(client.outbound()));
    client
}

async fn req(client: &MemoryClient, method: &str, params: Value) -> Result<Value, ErrorObject> {
    within(method, client.request(method, Some(params))).await
}

#[tokio::test]
async fn legacy_task_lifecycle() {
    let (server, _) = server();
    let client = legacy(&server).await;
    let tools = req(&client, "tools/list", json!({})).await.unwrap();
    let work = tools["tools"].as_array().unwrap().iter().find(|t| t["name"] == "work").unwrap();
    assert_eq!(work["execution"]["taskSupport"], "optional");

    let created = req(
        &client,
        "tools/call",
        json!({ "name": "work", "arguments": { "ms": 40, "text": "ok" }, "task": { "ttl": 5000 } }),
    )
    .await
    .unwrap();
    let task = &created["task"];
    let id = task["taskId"].as_str().unwrap().to_string();
    assert_eq!(task["status"], "working");
    assert_eq!(task["ttl"], 5000);
    assert!(task.get("ttlMs").is_none() && created.get("resultType").is_none());

    let listed = req(&client, "tasks/list", json!({})).await.unwrap();
    assert_eq!(listed["tasks"][0]["taskId"], id.as_str());
    // tasks/result waits for the end, then answers the call's own result.
    let result = req(&client, "tasks/result", json!({ "taskId": id })).await.unwrap();
    assert_eq!(result["content"][0]["text"], "ok");
    assert_eq!(result["_meta"]["io.modelcontextprotocol/related-task"]["taskId"], id.as_str());
    let t = req(&client, "tasks/get", json!({ "taskId": id })).await.unwrap();
    assert_eq!(t["status"], "completed");
    assert!(t.get("result").is_none());
    // Cancelling an ended task is an error in 2025-11-25.
    assert_eq!(req(&client, "tasks/cancel", json!({ "taskId": id })).await.unwrap_err().code, -32602);

    let statuses: Vec<Value> = client
        .take_notifications()
        .into_iter()
        .filter(|n| n["method"] == "notifications/tasks/status")
        .map(|n| n["params"]["status"].clone())
        .collect();
    assert_eq!(statuses, [json!("completed")]);
}

#[tokio::test]
async fn legacy_cancel_required_and_isolation() {
    let (server, handler) = server();
    let client = legacy(&server).await;
    let other = legacy(&server).await;
    let created =
        req(&client, "tools/call", json!({ "name": "work", "arguments": { "ms": 60000 }, "task": {} })).await.unwrap();
    let id = created["task"]["taskId"].as_str().unwrap().to_string();
    // Another session's task does not exist for this one.
    assert_eq!(req(&other, "tasks/get", json!({ "taskId": id })).await.unwrap_err().code, -32602);
    assert!(req(&other, "tasks/list", json!({})).await.unwrap()["tasks"].as_array().unwrap().is_empty());
    // tasks/result blocks until the cancel.
    let waiting = {
        let c = Arc::new(client);
        let c2 = c.clone();
        let id = id.clone();
        (c, tokio::spawn(async move { c2.request("tasks/result", Some(json!({ "taskId": id }))).await }))
    };
    let (client, waiting) = waiting;
    tokio::time::sleep(Duration::from_millis(20)).await;
    let cancelled = req(&client, "tasks/cancel", json!({ "taskId": id })).await.unwrap();
    assert_eq!(cancelled["status"], "cancelled");
    assert_eq!(cancelled["taskId"], id.as_str());
    let e = within("tasks/result", waiting).await.unwrap().unwrap_err();
    assert_eq!(e.data.unwrap()["status"], "cancelled");
    within("cancelled", async {
        while handler.cancelled.load(Ordering::SeqCst) == 0 {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    })
    .await;

    // Required without params.task: -32601; forbidden with it: -32601; plain calls stay plain.
    assert_eq!(req(&client, "tools/call", json!({ "name": "must" })).await.unwrap_err().code, -32601);
    assert_eq!(req(&client, "tools/call", json!({ "name": "plain", "task": {} })).await.unwrap_err().code, -32601);
    let r =
        req(&client, "tools/call", json!({ "name": "work", "arguments": { "ms": 1, "text": "now" } })).await.unwrap();
    assert_eq!(r["content"][0]["text"], "now");
    // tasks/update does not exist in 2025-11-25.
    assert_eq!(req(&client, "tasks/update", json!({ "taskId": id })).await.unwrap_err().code, -32601);
}

#[tokio::test]
async fn older_sessions_have_no_tasks() {
    let (server, _) = server();
    let client = MemoryClient::connect(&server, Vec::new());
    let init = initialize(&client, "2025-06-18").await;
    assert!(init["capabilities"].get("tasks").is_none());
    let r = req(&client, "tools/call", json!({ "name": "work", "arguments": { "ms": 1, "text": "x" }, "task": {} }))
        .await
        .unwrap();
    assert_eq!(r["content"][0]["text"], "x");
    assert_eq!(req(&client, "tasks/get", json!({ "taskId": "x" })).await.unwrap_err().code, -32601);
}

#[tokio::test]
async fn a_closed_session_cancels_its_tasks() {
    let (server, handler) = server();
    let client = legacy(&server).await;
    req(&client, "tools/call", json!({ "name": "work", "arguments": { "ms": 60000 }, "task": {} })).await.unwrap();
    client.close();
    within("cancelled", async {
        while handler.cancelled.load(Ordering::SeqCst) == 0 {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    })
    .await;
}

#[tokio::test]
async fn listen_streams_hear_only_their_own_callers_tasks() {
    let (server, _) = server();
    let alice = Arc::new(MemoryClient::connect(&server, vec![("authorization".into(), "Bearer alice".into())]));
    let mallory = Arc::new(MemoryClient::connect(&server, vec![("authorization".into(), "Bearer mallory".into())]));
    let id = assert_create_result(
        &stateless(&alice, "tools/call", json!({ "name": "ask", "arguments": { "n": 1 } }), true).await.unwrap(),
    );
    // Both listen for the same task id (never answered: a listen stays open).
    for client in [alice.clone(), mallory.clone()] {
        let params = json!({ "notifications": { "taskIds": [id] }, "_meta": meta(true) });
        tokio::spawn(async move {
            let _ = tokio::time::timeout(Duration::from_secs(5), client.request("subscriptions/listen", Some(params)))
                .await;
        });
    }
    tokio::time::sleep(Duration::from_millis(50)).await;
    let answer = json!({ "q0": { "action": "accept", "content": { "v": 1 } } });
    wait_for(&alice, &id, "input_required").await;
    stateless(&alice, "tasks/update", json!({ "taskId": id, "inputResponses": answer }), true).await.unwrap();
    wait_for(&alice, &id, "completed").await;
    let tasks =
        |c: &MemoryClient| c.take_notifications().into_iter().filter(|n| n["method"] == "notifications/tasks").count();
    assert!(tasks(&alice) >= 2, "alice hears her task's status changes");
    assert_eq!(tasks(&mallory), 0, "mallory knows the id but hears nothing");
}

#[tokio::test]
async fn a_legacy_task_without_a_stream_to_the_client_fails_its_requests_at_once() {
    let (server, _) = server();
    let client = legacy(&server).await;
    client.session().set_standalone(None); // e.g. HTTP with no GET stream open
    let created = req(&client, "tools/call", json!({ "name": "peer", "arguments": {}, "task": {} })).await.unwrap();
    let id = created["task"]["taskId"].as_str().unwrap().to_string();
    let result = req(&client, "tasks/result", json!({ "taskId": id })).await.unwrap();
    assert_eq!(result["isError"], true);
    assert!(result["content"][0]["text"].as_str().unwrap().contains("no stream to the client"), "{result}");
    assert_eq!(client.session().pending_client_requests(), 0);
}
