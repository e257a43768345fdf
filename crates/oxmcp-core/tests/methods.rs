//! The method table drives the dispatcher: which era has a method, and which stateless results
//! carry caching hints.

mod common;

use common::*;
use oxmcp_core::protocol::methods::{Eras, METHODS};
use oxmcp_core::transport::MemoryClient;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_method_of_the_other_era_is_32601() {
    let (server, _) = setup();
    let legacy = legacy_client(&server, "2025-11-25").await;
    let stateless = MemoryClient::connect(&server, Vec::new());
    for m in METHODS {
        match m.eras {
            Eras::HandshakeOnly => {
                let err = call(&stateless, m.name, modern(json!({}))).await.unwrap_err();
                assert_eq!(err.code, -32601, "stateless {}: {err}", m.name);
            }
            Eras::StatelessOnly => {
                let err = call(&legacy, m.name, json!({})).await.unwrap_err();
                assert_eq!(err.code, -32601, "handshake-era {}: {err}", m.name);
            }
            Eras::Both => {}
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn methods_of_both_eras_are_routed_in_both() {
    let (server, _) = setup();
    let legacy = legacy_client(&server, "2025-11-25").await;
    let stateless = MemoryClient::connect(&server, Vec::new());
    for m in METHODS.iter().filter(|m| m.eras == Eras::Both && m.name != "completion/complete") {
        // Empty params: an error is fine (missing name, missing extension), "unknown method" is not.
        for (client, params) in [(&legacy, json!({})), (&stateless, modern(json!({})))] {
            if let Err(err) = call(client, m.name, params).await {
                assert_ne!(err.code, -32601, "{}: {err}", m.name);
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cacheable_stateless_results_carry_caching_hints() {
    let (server, _) = setup();
    let client = MemoryClient::connect(&server, Vec::new());
    let requests = [
        ("server/discover", json!({})),
        ("tools/list", json!({})),
        ("resources/list", json!({})),
        ("resources/templates/list", json!({})),
        ("prompts/list", json!({})),
        ("resources/read", json!({"uri": "config://app"})),
        ("tools/call", json!({"name": "echo", "arguments": {"text": "hi"}})),
        ("prompts/get", json!({"name": "plain"})),
    ];
    for (method, params) in requests {
        let r = call(&client, method, modern(params)).await.unwrap();
        let cacheable = oxmcp_core::protocol::method(method).unwrap().cacheable;
        assert_eq!(r.get("ttlMs").is_some(), cacheable, "{method}: {r}");
        assert_eq!(r.get("cacheScope").is_some(), cacheable, "{method}: {r}");
    }
}
