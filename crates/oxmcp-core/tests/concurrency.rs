//! Concurrent requests, cancellation and duplicate ids.

mod common;

use common::*;
use oxmcp_core::jsonrpc::RequestId;
use oxmcp_core::transport::MemoryClient;
use serde_json::json;
use std::sync::Arc;
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_call_does_not_delay_a_fast_one() {
    let (server, _) = setup();
    let client = Arc::new(legacy_client(&server, "2025-11-25").await);
    let started = Instant::now();
    let slow = {
        let client = client.clone();
        tokio::spawn(async move {
            let r =
                call(&client, "tools/call", json!({"name": "slow", "arguments": {"ms": 300, "tag": "slowpoke"}})).await;
            (r, Instant::now())
        })
    };
    tokio::time::sleep(Duration::from_millis(20)).await;
    let fast = call(&client, "tools/call", json!({"name": "add", "arguments": {"a": 1, "b": 1}})).await.unwrap();
    let fast_at = Instant::now();
    assert_eq!(fast["structuredContent"]["sum"], 2.0);
    assert!(fast_at - started < Duration::from_millis(250), "fast answer waited for the slow one");
    assert!(!slow.is_finished(), "the slow call is still running when the fast one is answered");
    assert_eq!(client.session().inflight(), 1);
    let (slow_r, slow_at) = within("slow call", slow).await.unwrap();
    assert_eq!(first_text(&slow_r.unwrap()), "slowpoke");
    assert!(fast_at < slow_at);
    assert_eq!(client.session().inflight(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_concurrent_calls_all_answer() {
    let (server, _) = setup();
    let client = Arc::new(MemoryClient::connect(&server, Vec::new()));
    let mut tasks = Vec::new();
    for i in 0..50 {
        let client = client.clone();
        tasks.push(tokio::spawn(async move {
            let args = if i % 5 == 0 {
                json!({"name": "slow", "arguments": {"ms": 20, "tag": format!("t{i}")}})
            } else {
                json!({"name": "echo", "arguments": {"text": format!("t{i}")}})
            };
            let r = call(&client, "tools/call", modern(args)).await.unwrap();
            assert_eq!(first_text(&r), format!("t{i}"));
        }));
    }
    for t in tasks {
        within("concurrent call", t).await.unwrap();
    }
    assert_eq!(client.session().inflight(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelled_request_gets_no_response() {
    let (server, handler) = setup();
    let client = Arc::new(legacy_client(&server, "2025-11-25").await);
    let id = client.next_request_id();
    let pending = {
        let client = client.clone();
        let id = id.clone();
        tokio::spawn(async move {
            client
                .request_with_id(
                    id,
                    "tools/call",
                    Some(json!({"name": "slow", "arguments": {"ms": 150, "tag": "doomed"}})),
                )
                .await
        })
    };
    tokio::time::sleep(Duration::from_millis(30)).await;
    assert_eq!(client.session().inflight(), 1);
    client.notify("notifications/cancelled", Some(json!({"requestId": id.to_value(), "reason": "changed my mind"})));
    let flags = handler.slow_flags("doomed");
    assert!(flags.hook_ran(), "the on_cancel hook runs at once");
    assert_eq!(client.session().inflight(), 0);
    // wait well beyond the call's duration: no response may arrive
    let outcome = tokio::time::timeout(Duration::from_millis(350), pending).await;
    assert!(outcome.is_err(), "a cancelled request must not be answered: {outcome:?}");
    assert!(flags.finished(), "the handler ran to its end");
    assert!(flags.token_cancelled(), "the handler saw the token cancelled");
    // the next request is served
    let r = call(&client, "tools/call", json!({"name": "echo", "arguments": {"text": "next"}})).await.unwrap();
    assert_eq!(first_text(&r), "next");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cooperative_cancellation_writes_nothing() {
    let (server, handler) = setup();
    let mut raw = RawClient::initialized(&server, "2025-06-18").await;
    raw.request(
        json!("c-1"),
        "tools/call",
        json!({"name": "slow", "arguments": {"ms": 400, "tag": "coop", "cooperative": true}}),
    );
    tokio::time::sleep(Duration::from_millis(20)).await;
    raw.send(json!({"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": "c-1"}}));
    let flags = handler.slow_flags("coop");
    // the handler gives up (dropping its reply, which would normally answer -32603): still silence
    within("the handler notices", async {
        while !flags.finished() {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await;
    assert!(flags.token_cancelled());
    assert!(flags.hook_ran());
    raw.expect_silence(Duration::from_millis(100)).await;
    raw.request(json!("c-2"), "ping", json!({}));
    let r = raw.recv().await;
    assert_eq!(r["id"], "c-2");
    assert_eq!(raw.session.inflight(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stateless_requests_can_be_cancelled() {
    let (server, handler) = setup();
    let mut raw = RawClient::connect(&server, Vec::new());
    raw.request(
        json!(1),
        "tools/call",
        modern(json!({"name": "slow", "arguments": {"ms": 100, "tag": "modern-doomed"}})),
    );
    tokio::time::sleep(Duration::from_millis(20)).await;
    raw.send(json!({"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": 1}}));
    assert!(handler.slow_flags("modern-doomed").hook_ran());
    raw.expect_silence(Duration::from_millis(250)).await;
    raw.request(json!(2), "tools/list", modern(json!({})));
    assert_eq!(raw.recv().await["id"], 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelling_unknown_or_finished_requests_is_harmless() {
    let (server, _) = setup();
    let client = legacy_client(&server, "2025-11-25").await;
    let r = call(&client, "tools/call", json!({"name": "echo", "arguments": {"text": "done"}})).await.unwrap();
    assert_eq!(first_text(&r), "done");
    client.notify("notifications/cancelled", Some(json!({"requestId": 1})));
    client.notify("notifications/cancelled", Some(json!({"requestId": "never-sent"})));
    client.notify("notifications/cancelled", Some(json!({})));
    client.notify("notifications/cancelled", None);
    assert_eq!(call(&client, "ping", json!({})).await.unwrap(), json!({}));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duplicate_in_flight_id_is_rejected() {
    let (server, handler) = setup();
    let mut raw = RawClient::initialized(&server, "2025-11-25").await;
    raw.request(json!(5), "tools/call", json!({"name": "slow", "arguments": {"ms": 150, "tag": "first-5"}}));
    raw.request(json!(5), "tools/call", json!({"name": "echo", "arguments": {"text": "dup"}}));
    let dup = raw.recv().await;
    assert_eq!(dup["id"], 5);
    assert_eq!(err_code(&dup), -32600, "{dup}");
    assert_eq!(handler.tool_calls(), 1, "the duplicate never ran");
    // the original request is unaffected
    let first = raw.recv().await;
    assert_eq!(first["id"], 5);
    assert_eq!(first_text(&first["result"]), "first-5");
    // once answered, the id may be used again
    raw.request(json!(5), "ping", json!({}));
    assert_eq!(raw.recv().await["result"], json!({}));
    // string and integer ids are different ids
    raw.request(json!("5"), "tools/call", json!({"name": "slow", "arguments": {"ms": 50, "tag": "str-5"}}));
    raw.request(json!(5), "ping", json!({}));
    let a = raw.recv().await;
    let b = raw.recv().await;
    assert_eq!((a["id"].clone(), b["id"].clone()), (json!(5), json!("5")));
}

/// After a cancellation, the client may reuse the id. The cancelled handler finishing late must not
/// answer (or retire) the new request that now carries the same id.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_request_does_not_answer_a_reused_id() {
    let (server, _) = setup();
    let mut raw = RawClient::initialized(&server, "2025-11-25").await;
    raw.request(json!(9), "tools/call", json!({"name": "slow", "arguments": {"ms": 100, "tag": "old-9"}}));
    tokio::time::sleep(Duration::from_millis(10)).await;
    raw.send(json!({"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": 9}}));
    raw.request(json!(9), "tools/call", json!({"name": "slow", "arguments": {"ms": 300, "tag": "new-9"}}));
    let resp = raw.recv().await;
    assert_eq!(resp["id"], 9);
    assert_eq!(first_text(&resp["result"]), "new-9", "the answer to the new request must be its own: {resp}");
    raw.expect_silence(Duration::from_millis(100)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_all_silences_everything_in_flight() {
    let (server, handler) = setup();
    let mut raw = RawClient::initialized(&server, "2025-11-25").await;
    raw.request(json!(1), "tools/call", json!({"name": "slow", "arguments": {"ms": 80, "tag": "all-1"}}));
    raw.request(json!(2), "tools/call", json!({"name": "slow", "arguments": {"ms": 80, "tag": "all-2"}}));
    assert_eq!(raw.session.inflight(), 2);
    raw.session.cancel_all();
    assert_eq!(raw.session.inflight(), 0);
    assert!(handler.slow_flags("all-1").hook_ran() && handler.slow_flags("all-2").hook_ran());
    raw.expect_silence(Duration::from_millis(200)).await;
    assert!(raw.session.wait_idle(Duration::from_millis(10)).await);
}

#[test]
fn request_ids_display_and_compare() {
    assert_ne!(RequestId::Num(5), RequestId::Str("5".into()));
    assert_eq!(RequestId::from_value(&json!(5)), Some(RequestId::Num(5)));
    assert_eq!(RequestId::from_value(&json!(null)), None);
}
