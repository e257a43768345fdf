//! resources/list, resources/templates/list, resources/read, prompts/list, prompts/get and the
//! handler's list overrides.

mod common;

use common::*;
use oxmcp_core::server::ListKind;
use oxmcp_core::transport::MemoryClient;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lists_return_the_catalog() {
    let (server, _) = setup();
    let client = legacy_client(&server, "2025-11-25").await;
    let r = call(&client, "resources/list", json!({})).await.unwrap();
    assert_eq!(r["resources"], json!([{"uri": "config://app", "name": "app-config", "mimeType": "text/plain"}]));
    let r = call(&client, "resources/templates/list", json!({})).await.unwrap();
    assert_eq!(
        r["resourceTemplates"],
        json!([{"uriTemplate": "users://{id}/profile", "name": "user-profile", "mimeType": "application/json"}])
    );
    let r = call(&client, "prompts/list", json!({})).await.unwrap();
    let names: Vec<_> = r["prompts"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["greet", "plain"]);
    assert_eq!(r["prompts"][0]["arguments"][0], json!({"name": "name", "required": true}));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_static_and_templated_resources() {
    let (server, handler) = setup();
    let client = legacy_client(&server, "2025-06-18").await;
    let r = call(&client, "resources/read", json!({"uri": "config://app"})).await.unwrap();
    assert_eq!(r["contents"], json!([{"uri": "config://app", "mimeType": "text/plain", "text": "debug=true"}]));

    let r = call(&client, "resources/read", json!({"uri": "users://42/profile"})).await.unwrap();
    assert_eq!(r["contents"][0]["uri"], "users://42/profile");
    assert_eq!(r["contents"][0]["text"], "{\"id\":\"42\"}");
    let r = call(&client, "resources/read", json!({"uri": "users://J%C3%BCrgen/profile"})).await.unwrap();
    assert_eq!(r["contents"][0]["text"], "{\"id\":\"Jürgen\"}");

    let vars = handler.template_vars.lock().unwrap().clone();
    assert_eq!(vars.len(), 2);
    assert_eq!(vars[0], json!({"id": "42"}).as_object().unwrap().clone());
    assert_eq!(vars[1]["id"], "Jürgen", "variables arrive percent-decoded");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_resources_are_32002_legacy_and_32602_modern() {
    let (server, handler) = setup();
    let missing = ["config://other", "users://a/b/profile", "users:///profile", "users://7/settings", ""];
    for version in LEGACY_VERSIONS {
        let client = legacy_client(&server, version).await;
        for uri in missing {
            let err = call(&client, "resources/read", json!({"uri": uri})).await.unwrap_err();
            assert_eq!(err.code, -32002, "{version} {uri:?}: {err}");
            assert_eq!(err.data.unwrap()["uri"], uri);
        }
    }
    let client = MemoryClient::connect(&server, Vec::new());
    for uri in missing {
        let err = call(&client, "resources/read", modern(json!({"uri": uri}))).await.unwrap_err();
        assert_eq!(err.code, -32602, "modern {uri:?}: {err}");
        assert_eq!(err.data.unwrap()["uri"], uri);
    }
    assert!(handler.template_vars.lock().unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resources_read_needs_a_uri() {
    let (server, _) = setup();
    let client = legacy_client(&server, "2025-11-25").await;
    for params in [json!({}), json!({"uri": 7}), json!({"uri": null})] {
        let err = call(&client, "resources/read", params).await.unwrap_err();
        assert_eq!(err.code, -32602);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prompts_get_checks_required_arguments() {
    let (server, handler) = setup();
    let client = legacy_client(&server, "2025-11-25").await;
    let r = call(&client, "prompts/get", json!({"name": "greet", "arguments": {"name": "Ada"}})).await.unwrap();
    assert_eq!(r["messages"][0]["content"]["text"], "Hello, Ada!");
    assert_eq!(r["description"], "a greeting");

    for params in [json!({"name": "greet"}), json!({"name": "greet", "arguments": {"tone": "warm"}})] {
        let err = call(&client, "prompts/get", params).await.unwrap_err();
        assert_eq!(err.code, -32602, "{err}");
        let data = err.data.unwrap();
        assert_eq!(data["prompt"], "greet");
        assert_eq!(data["argument"], "name");
    }
    // same in the stateless era
    let err = call(&client, "prompts/get", modern(json!({"name": "greet", "arguments": {}}))).await.unwrap_err();
    assert_eq!(err.code, -32602);

    let err = call(&client, "prompts/get", json!({"name": "nope"})).await.unwrap_err();
    assert_eq!(err.code, -32602);
    let err = call(&client, "prompts/get", json!({"name": "greet", "arguments": ["Ada"]})).await.unwrap_err();
    assert_eq!(err.code, -32602);

    // optional-only prompts need nothing
    let r = call(&client, "prompts/get", json!({"name": "plain"})).await.unwrap();
    assert_eq!(r["messages"][0]["content"]["text"], "Hello, world!");
    assert_eq!(handler.prompt_args.lock().unwrap().len(), 2, "rejected calls never reach the handler");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_overrides_replace_the_catalog() {
    let (server, _) =
        setup_with(TestHandler { overrides: vec![ListKind::Prompts, ListKind::Resources], ..Default::default() });
    let client = legacy_client(&server, "2025-11-25").await;
    let r = call(&client, "prompts/list", json!({})).await.unwrap();
    assert_eq!(r["prompts"], json!([{"name": "dynamic-prompt"}]));
    let r = call(&client, "resources/list", json!({})).await.unwrap();
    let uris: Vec<_> = r["resources"].as_array().unwrap().iter().map(|x| x["uri"].as_str().unwrap()).collect();
    assert_eq!(uris, ["dyn://one", "dyn://two"]);
    // templates and tools have no override and still come from the catalog
    let r = call(&client, "resources/templates/list", json!({})).await.unwrap();
    assert_eq!(r["resourceTemplates"].as_array().unwrap().len(), 1);
    // an overridden list is shaped for its era like any other
    let r = call(&client, "prompts/list", modern(json!({}))).await.unwrap();
    assert_eq!(r["prompts"], json!([{"name": "dynamic-prompt"}]));
    assert_eq!(r["resultType"], "complete");
    assert!(r["ttlMs"].is_u64());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn overridden_lists_are_paginated_too() {
    let handler = std::sync::Arc::new(TestHandler { overrides: vec![ListKind::Resources], ..Default::default() });
    let mut config = config();
    config.page_size = Some(1);
    let server = standard_server(config, handler);
    let client = legacy_client(&server, "2025-11-25").await;
    let first = call(&client, "resources/list", json!({})).await.unwrap();
    assert_eq!(first["resources"][0]["uri"], "dyn://one");
    let cursor = first["nextCursor"].as_str().expect("a second page").to_string();
    let second = call(&client, "resources/list", json!({"cursor": cursor})).await.unwrap();
    assert_eq!(second["resources"][0]["uri"], "dyn://two");
    assert!(second.get("nextCursor").is_none());
}
