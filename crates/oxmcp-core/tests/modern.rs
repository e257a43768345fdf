//! The stateless revision (2026-07-28): per-request `_meta`, `server/discover`, version errors,
//! removed methods, `resultType` and caching hints.

mod common;

use common::*;
use oxmcp_core::server::{CacheScope, ServerConfig};
use oxmcp_core::transport::MemoryClient;
use serde_json::{json, Value};
use std::sync::Arc;

fn server_info_of(result: &Value) -> &Value {
    &result["_meta"]["io.modelcontextprotocol/serverInfo"]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_discover_describes_the_server() {
    let (server, _) = setup();
    let client = MemoryClient::connect(&server, Vec::new());
    let r = call(&client, "server/discover", modern(json!({}))).await.unwrap();
    let versions: Vec<&str> = r["supportedVersions"]
        .as_array()
        .expect("supportedVersions")
        .iter()
        .map(|v| v.as_str().expect("strings"))
        .collect();
    assert!(versions.contains(&MODERN), "{versions:?}");
    assert!(r["capabilities"]["tools"].is_object(), "{r}");
    assert!(r["capabilities"]["resources"].is_object(), "{r}");
    assert!(r["capabilities"]["prompts"].is_object(), "{r}");
    assert_eq!(r["resultType"], "complete");
    assert!(r["ttlMs"].is_u64(), "{r}");
    assert_eq!(r["cacheScope"], "public");
    assert_eq!(r["instructions"], "Use the tools wisely.");
    assert_eq!(server_info_of(&r)["name"], "oxmcp-test");
    assert_eq!(server_info_of(&r)["version"], "1.2.3");
    // stateless: no legacy session was opened
    assert_eq!(client.session().negotiated_version(), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn caching_hints_follow_the_config() {
    let mut config = config();
    config.cache_ttl_ms = 60_000;
    config.cache_scope = CacheScope::Private;
    let server = standard_server(config, Arc::new(TestHandler::default()));
    let client = MemoryClient::connect(&server, Vec::new());
    for (method, params) in [
        ("server/discover", json!({})),
        ("tools/list", json!({})),
        ("resources/list", json!({})),
        ("resources/templates/list", json!({})),
        ("prompts/list", json!({})),
        ("resources/read", json!({"uri": "config://app"})),
    ] {
        let r = call(&client, method, modern(params)).await.unwrap();
        assert_eq!(r["ttlMs"], 60_000, "{method}: {r}");
        assert_eq!(r["cacheScope"], "private", "{method}: {r}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_or_malformed_meta_is_invalid_params() {
    let (server, handler) = setup();
    let client = MemoryClient::connect(&server, Vec::new());
    let bad_metas = [
        json!({"io.modelcontextprotocol/protocolVersion": MODERN}),
        json!({"io.modelcontextprotocol/protocolVersion": MODERN, "io.modelcontextprotocol/clientCapabilities": null}),
        json!({"io.modelcontextprotocol/protocolVersion": MODERN, "io.modelcontextprotocol/clientCapabilities": "all"}),
        json!({"io.modelcontextprotocol/protocolVersion": 20260728, "io.modelcontextprotocol/clientCapabilities": {}}),
    ];
    for meta in bad_metas {
        for method in ["server/discover", "tools/list", "tools/call"] {
            let params = with_meta(json!({"name": "echo", "arguments": {"text": "x"}}), meta.clone());
            let err = call(&client, method, params).await.unwrap_err();
            assert_eq!(err.code, -32602, "{method} with {meta}: {err}");
        }
    }
    // server/discover without any _meta on a fresh connection
    let err = call(&client, "server/discover", json!({})).await.unwrap_err();
    assert_eq!(err.code, -32602);
    assert_eq!(handler.tool_calls(), 0);
    // and a good request right after
    assert!(call(&client, "server/discover", modern(json!({}))).await.is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unsupported_versions_get_32022_with_supported_and_requested() {
    let (server, handler) = setup();
    let client = MemoryClient::connect(&server, Vec::new());
    for requested in ["2099-01-01", "2025-11-25", "2024-11-05", "garbage"] {
        for method in ["server/discover", "tools/call"] {
            let params =
                with_meta(json!({"name": "echo", "arguments": {"text": "x"}}), stateless_meta(requested, json!({})));
            let err = call(&client, method, params).await.unwrap_err();
            assert_eq!(err.code, -32022, "{requested}: {err}");
            let data = err.data.expect("data");
            assert_eq!(data["requested"], requested);
            let supported = data["supported"].as_array().expect("data.supported");
            assert!(supported.contains(&json!(MODERN)), "{data}");
        }
    }
    assert_eq!(handler.tool_calls(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn removed_methods_are_method_not_found() {
    let (server, _) = setup();
    let client = MemoryClient::connect(&server, Vec::new());
    for method in ["initialize", "ping", "logging/setLevel", "resources/subscribe", "resources/unsubscribe"] {
        let params = modern(
            json!({"protocolVersion": "2025-11-25", "capabilities": {}, "level": "info", "uri": "config://app"}),
        );
        let err = call(&client, method, params).await.unwrap_err();
        assert_eq!(err.code, -32601, "{method}: {err}");
    }
    // the modern `initialize` attempt did not open a legacy session
    assert_eq!(client.session().negotiated_version(), None);
    assert_eq!(call(&client, "tools/list", json!({})).await.unwrap_err().code, -32600);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_result_has_result_type_and_server_info() {
    let (server, _) = setup();
    let client = MemoryClient::connect(&server, Vec::new());
    let cacheable = [
        ("server/discover", json!({})),
        ("tools/list", json!({})),
        ("resources/list", json!({})),
        ("resources/templates/list", json!({})),
        ("prompts/list", json!({})),
        ("resources/read", json!({"uri": "config://app"})),
        ("resources/read", json!({"uri": "users://7/profile"})),
    ];
    for (method, params) in cacheable {
        let r = call(&client, method, modern(params)).await.unwrap();
        assert_eq!(r["resultType"], "complete", "{method}: {r}");
        assert!(r["ttlMs"].is_u64(), "{method}: {r}");
        assert!(matches!(r["cacheScope"].as_str(), Some("public" | "private")), "{method}: {r}");
        assert_eq!(server_info_of(&r)["name"], "oxmcp-test", "{method}: {r}");
    }
    let not_cacheable = [
        ("tools/call", json!({"name": "echo", "arguments": {"text": "hi"}})),
        ("tools/call", json!({"name": "fail"})),
        ("tools/call", json!({"name": "add", "arguments": {"a": "x", "b": 1}})),
        ("prompts/get", json!({"name": "greet", "arguments": {"name": "Ada"}})),
    ];
    for (method, params) in not_cacheable {
        let r = call(&client, method, modern(params)).await.unwrap();
        assert_eq!(r["resultType"], "complete", "{method}: {r}");
        assert!(r.get("ttlMs").is_none(), "{method}: {r}");
        assert!(r.get("cacheScope").is_none(), "{method}: {r}");
        assert_eq!(server_info_of(&r)["name"], "oxmcp-test", "{method}: {r}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn modern_requests_carry_their_version_and_capabilities_to_the_handler() {
    let (server, handler) = setup();
    let client = legacy_client(&server, "2024-11-05").await;
    // a stateless request on a connection that also has a legacy session is still stateless
    let r = call(&client, "tools/call", modern(json!({"name": "add", "arguments": {"a": 1, "b": 2}}))).await.unwrap();
    assert_eq!(r["resultType"], "complete");
    assert_eq!(r["structuredContent"], json!({"sum": 3.0}), "modern keeps structuredContent: {r}");
    // and the legacy session is untouched
    let r = call(&client, "tools/call", json!({"name": "add", "arguments": {"a": 1, "b": 2}})).await.unwrap();
    assert!(r.get("resultType").is_none());
    assert!(r.get("structuredContent").is_none());
    assert_eq!(*handler.versions_seen.lock().unwrap(), ["2026-07-28", "2024-11-05"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_discover_is_not_a_legacy_method() {
    let (server, _) = setup();
    let client = legacy_client(&server, "2025-11-25").await;
    let err = call(&client, "server/discover", json!({})).await.unwrap_err();
    assert_eq!(err.code, -32601);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tool_meta_is_merged_with_server_info() {
    // a handler-provided `_meta` keeps its keys and gains serverInfo
    struct MetaHandler;
    impl oxmcp_core::server::Handler for MetaHandler {
        fn call_tool(
            &self,
            _call: oxmcp_core::server::ToolCall,
            reply: oxmcp_core::server::Reply<oxmcp_core::server::ToolOutput>,
        ) {
            let mut out = oxmcp_core::server::ToolOutput::text("x");
            out.0.insert("_meta".into(), json!({"com.example/trace": "t-1"}));
            reply.ok(out);
        }
    }
    let server = server_with_tools(ServerConfig::new("meta", "9"), Arc::new(MetaHandler), [object_tool("m", 1, true)]);
    let client = MemoryClient::connect(&server, Vec::new());
    let r = call(&client, "tools/call", modern(json!({"name": "m"}))).await.unwrap();
    assert_eq!(r["_meta"]["com.example/trace"], "t-1");
    assert_eq!(server_info_of(&r)["name"], "meta");
}
