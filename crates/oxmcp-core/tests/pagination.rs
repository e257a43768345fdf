//! Cursor pagination of the list methods.

mod common;

use common::*;
use oxmcp_core::server::{PromptSpec, Server, ServerConfig, ToolSpec};
use oxmcp_core::transport::MemoryClient;
use serde_json::{json, Value};
use std::sync::Arc;

const NAMES: [&str; 5] = ["zeta", "alpha", "mid", "beta", "omega"];

fn paged_server(page_size: Option<usize>) -> Server {
    let mut config = ServerConfig::new("paged", "1");
    config.page_size = page_size;
    let tools = NAMES.iter().enumerate().map(|(i, name)| object_tool(name, i as u64, true));
    let server = server_with_tools(config, Arc::new(TestHandler::default()), tools);
    server.update_catalog(|c| {
        for (i, name) in NAMES.iter().enumerate() {
            c.add_prompt(PromptSpec::new(json!({"name": format!("p-{name}")}), i as u64).unwrap());
        }
    });
    server
}

/// Walks a list to its end; returns (pages of names, cursors seen).
async fn walk(client: &MemoryClient, method: &str, key: &str, modern_era: bool) -> (Vec<Vec<String>>, Vec<String>) {
    let mut pages = Vec::new();
    let mut cursors = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..10 {
        let mut params = match &cursor {
            Some(c) => json!({"cursor": c}),
            None => json!({}),
        };
        if modern_era {
            params = modern(params);
        }
        let r = call(client, method, params).await.unwrap();
        if modern_era {
            assert_eq!(r["resultType"], "complete");
            assert!(r["ttlMs"].is_u64(), "every page has its own caching hints: {r}");
            assert_eq!(r["cacheScope"], "public", "same scope on every page");
        }
        let names = r[key].as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap().to_string()).collect();
        pages.push(names);
        match r.get("nextCursor") {
            Some(Value::String(c)) => {
                cursors.push(c.clone());
                cursor = Some(c.clone());
            }
            None => return (pages, cursors),
            Some(other) => panic!("nextCursor must be a string: {other}"),
        }
    }
    panic!("the list never ended");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn walks_pages_in_registration_order() {
    let server = paged_server(Some(2));
    let client = legacy_client(&server, "2025-11-25").await;
    let (pages, cursors) = walk(&client, "tools/list", "tools", false).await;
    assert_eq!(pages, [vec!["zeta", "alpha"], vec!["mid", "beta"], vec!["omega"]]);
    assert_eq!(cursors.len(), 2);
    // deterministic: a second walk sees the same pages and the same cursors
    let (again, cursors_again) = walk(&client, "tools/list", "tools", false).await;
    assert_eq!(again, pages);
    assert_eq!(cursors_again, cursors);
    // cursors are not tied to a session or an era
    let other = MemoryClient::connect(&server, Vec::new());
    let (modern_pages, modern_cursors) = walk(&other, "tools/list", "tools", true).await;
    assert_eq!(modern_pages, pages);
    assert_eq!(modern_cursors, cursors);
    // prompts page the same way
    let (prompt_pages, _) = walk(&client, "prompts/list", "prompts", false).await;
    let flat: Vec<String> = prompt_pages.concat();
    assert_eq!(flat, NAMES.iter().map(|n| format!("p-{n}")).collect::<Vec<_>>());
    assert_eq!(prompt_pages.len(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_page_size_returns_everything() {
    let server = paged_server(None);
    let client = legacy_client(&server, "2025-11-25").await;
    let (pages, cursors) = walk(&client, "tools/list", "tools", false).await;
    assert_eq!(pages, [NAMES.to_vec()]);
    assert!(cursors.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn empty_cursor_is_the_first_page() {
    let server = paged_server(Some(2));
    let client = legacy_client(&server, "2025-11-25").await;
    for params in [json!({"cursor": ""}), json!({"cursor": null})] {
        let r = call(&client, "tools/list", params).await.unwrap();
        assert_eq!(r["tools"][0]["name"], "zeta");
        assert!(r["nextCursor"].is_string());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_cursors_are_invalid_params() {
    let server = paged_server(Some(2));
    let client = legacy_client(&server, "2025-11-25").await;
    for cursor in [json!("garbage"), json!("oxc1.ff"), json!("oxc1.zz"), json!(5), json!({"offset": 2}), json!(["a"])] {
        for method in ["tools/list", "prompts/list", "resources/list", "resources/templates/list"] {
            let err = call(&client, method, json!({"cursor": cursor})).await.unwrap_err();
            assert_eq!(err.code, -32602, "{method} cursor {cursor}: {err}");
        }
        let err = call(&client, "tools/list", modern(json!({"cursor": cursor}))).await.unwrap_err();
        assert_eq!(err.code, -32602, "modern, cursor {cursor}");
    }
    // and the list still works
    let (pages, _) = walk(&client, "tools/list", "tools", false).await;
    assert_eq!(pages.len(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replacing_an_entry_keeps_its_position() {
    let server = paged_server(Some(2));
    server.update_catalog(|c| {
        c.add_tool(
            ToolSpec::new(json!({"name": "mid", "description": "v2", "inputSchema": {"type": "object"}}), 99, true)
                .unwrap(),
        );
        assert!(c.remove_tool("alpha"));
    });
    let client = legacy_client(&server, "2025-11-25").await;
    let (pages, _) = walk(&client, "tools/list", "tools", false).await;
    assert_eq!(pages, [vec!["zeta", "mid"], vec!["beta", "omega"]]);
    let r = call(&client, "tools/list", json!({})).await.unwrap();
    assert_eq!(r["tools"][1]["description"], "v2");
}
