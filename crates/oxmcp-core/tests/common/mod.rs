//! Shared fixtures for the integration tests: a test `Handler` and its catalog (`handler`), a raw-frame
//! client (`raw`), servers on the stdio, WebSocket and HTTP transports (`stdio`, `ws`, `http`), and the
//! small builders and helpers of both protocol eras (here).
#![allow(dead_code)]

mod handler;
pub mod http;
mod raw;
pub mod stdio;
pub mod ws;

// Not every test file uses every fixture.
#[allow(unused_imports)]
pub use handler::*;
#[allow(unused_imports)]
pub use raw::*;

use oxmcp_core::jsonrpc::ErrorObject;
use oxmcp_core::server::{Handler, Server, ServerConfig, ToolSpec};
use oxmcp_core::transport::MemoryClient;
use serde_json::{json, Map, Value};
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

pub const MODERN: &str = "2026-07-28";
pub const LEGACY_VERSIONS: [&str; 4] = ["2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25"];
pub const WAIT: Duration = Duration::from_secs(2);

/// Bounds a future; panics with `what` if it does not finish in `WAIT`.
pub async fn within<T>(what: &str, fut: impl Future<Output = T>) -> T {
    tokio::time::timeout(WAIT, fut).await.unwrap_or_else(|_| panic!("timed out: {what}"))
}

pub fn config() -> ServerConfig {
    let mut c = ServerConfig::new("oxmcp-test", "1.2.3");
    c.instructions = Some("Use the tools wisely.".into());
    c
}

/// A tool whose input is any object (its handler reads the arguments itself).
pub fn object_tool(name: &str, handle: u64, drop_unknown: bool) -> ToolSpec {
    ToolSpec::new(json!({ "name": name, "inputSchema": { "type": "object" } }), handle, drop_unknown)
        .expect("valid tool")
}

/// A server answering with `handler`, its catalog holding `tools`.
pub fn server_with_tools(
    config: ServerConfig,
    handler: Arc<dyn Handler>,
    tools: impl IntoIterator<Item = ToolSpec>,
) -> Server {
    let server = Server::new(config, handler);
    server.update_catalog(|c| tools.into_iter().for_each(|tool| c.add_tool(tool)));
    server
}

/// Adds the stateless `_meta` (revision 2026-07-28, empty client capabilities) to `params`.
pub fn modern(params: Value) -> Value {
    with_meta(
        params,
        json!({
            "io.modelcontextprotocol/protocolVersion": MODERN,
            "io.modelcontextprotocol/clientCapabilities": {},
            "io.modelcontextprotocol/clientInfo": { "name": "test-client", "version": "0.0.1" }
        }),
    )
}

/// The `_meta` of a stateless request: `version` and the client's `capabilities` (no client info).
pub fn stateless_meta(version: &str, capabilities: Value) -> Value {
    json!({
        "io.modelcontextprotocol/protocolVersion": version,
        "io.modelcontextprotocol/clientCapabilities": capabilities,
    })
}

/// `params` (an object, or null for none) with `_meta` set to `meta`.
pub fn with_meta(params: Value, meta: Value) -> Value {
    let mut p = match params {
        Value::Object(m) => m,
        Value::Null => Map::new(),
        other => panic!("params must be an object, got {other}"),
    };
    p.insert("_meta".into(), meta);
    Value::Object(p)
}

/// Runs the legacy handshake; returns the `initialize` result.
pub async fn initialize(client: &MemoryClient, version: &str) -> Value {
    let result = within(
        "initialize",
        client.request(
            "initialize",
            Some(json!({
                "protocolVersion": version,
                "capabilities": {},
                "clientInfo": { "name": "test-client", "version": "0.0.1" }
            })),
        ),
    )
    .await
    .expect("initialize succeeds");
    client.notify("notifications/initialized", None);
    result
}

/// A connected, initialized legacy client.
pub async fn legacy_client(server: &Server, version: &str) -> MemoryClient {
    let client = MemoryClient::connect(server, Vec::new());
    initialize(&client, version).await;
    client
}

pub async fn call(client: &MemoryClient, method: &str, params: Value) -> Result<Value, ErrorObject> {
    within(method, client.request(method, Some(params))).await
}

/// The text of the first content block of a tool result.
pub fn first_text(result: &Value) -> &str {
    result["content"][0]["text"].as_str().unwrap_or_else(|| panic!("no text content in {result}"))
}

pub fn err_code(v: &Value) -> i64 {
    v["error"]["code"].as_i64().unwrap_or_else(|| panic!("not an error response: {v}"))
}
