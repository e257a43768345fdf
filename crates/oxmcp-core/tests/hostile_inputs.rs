//! Issue 9 §7: values a hostile client controls. URI-template variables never carry a path
//! traversal, a slash (simple variables) or a control character to the handler; `POST []` and
//! batches the session refuses get -32600 over HTTP as over stdio; malformed `Host` values are
//! refused; a non-ASCII resource URI is read statelessly with `Mcp-Name` in `=?base64?...?=`.
//! Each test then checks that a fresh, ordinary call is still served.

mod common;

use base64::Engine;
use common::http::serve_http;
use common::*;
use oxmcp_core::server::TemplateSpec;
use oxmcp_core::transport::MemoryClient;
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

/// The standard server plus `files://{name}` and `tree:///{+path}`.
fn files_server() -> (oxmcp_core::server::Server, std::sync::Arc<TestHandler>) {
    let (server, handler) = setup();
    server.update_catalog(|c| {
        c.add_template(TemplateSpec::new(json!({"uriTemplate": "files://{name}", "name": "file"}), 12).unwrap());
        c.add_template(TemplateSpec::new(json!({"uriTemplate": "tree:///{+path}", "name": "tree"}), 13).unwrap());
    });
    (server, handler)
}

const TRAVERSALS: [&str; 10] = [
    "files://..%2F..%2Fetc%2Fpasswd",
    "files://%2Fetc",
    "files://..",
    "files://%2E%2E",
    "files://a%00b",
    "files://a%0Ab",
    "tree:///../etc/passwd",
    "tree:///a/%2E%2E/%2E%2E/etc",
    "tree:///a%2F..%2F..%2Fetc",
    "tree:///a/b%00",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn template_variables_never_traverse_in_either_era() {
    let (server, handler) = files_server();
    let legacy = legacy_client(&server, "2025-11-25").await;
    let stateless = MemoryClient::connect(&server, Vec::new());
    for uri in TRAVERSALS {
        let err = call(&legacy, "resources/read", json!({ "uri": uri })).await.unwrap_err();
        assert_eq!(err.code, -32002, "{uri}: {}", err.message);
        assert_eq!(err.data.as_ref().unwrap()["uri"], uri);
        let err = call(&stateless, "resources/read", modern(json!({ "uri": uri }))).await.unwrap_err();
        assert_eq!(err.code, -32602, "{uri}: {}", err.message);
    }
    assert!(handler.template_vars.lock().unwrap().is_empty(), "no refused value reached the handler");
    // Fresh reads still work, non-ASCII and slashes in a reserved variable included.
    call(&legacy, "resources/read", json!({ "uri": "files://caf%C3%A9.txt" })).await.unwrap();
    call(&stateless, "resources/read", modern(json!({ "uri": "tree:///a/b/c.txt" }))).await.unwrap();
    let seen = handler.template_vars.lock().unwrap().clone();
    assert_eq!(
        seen,
        [json!({ "name": "café.txt" }), json!({ "path": "a/b/c.txt" })].map(|v| v.as_object().cloned().unwrap())
    );
}

/// One HTTP/1.1 exchange on a fresh connection: status, headers (lower-cased names) and body.
fn http(addr: &str, host: &str, headers: &[(&str, &str)], body: &str) -> (u16, Vec<(String, String)>, String) {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut req = format!(
        "POST /mcp HTTP/1.1\r\nhost: {host}\r\nconnection: close\r\ncontent-type: application/json\r\n\
         accept: application/json, text/event-stream\r\ncontent-length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    req.push_str(body);
    stream.write_all(req.as_bytes()).unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let text = String::from_utf8(raw).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    let mut lines = head.lines();
    let status = lines.next().unwrap().split(' ').nth(1).unwrap().parse().unwrap();
    let headers: Vec<(String, String)> =
        lines.filter_map(|l| l.split_once(": ")).map(|(k, v)| (k.to_ascii_lowercase(), v.to_string())).collect();
    (status, headers, body.to_string())
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

/// Opens a handshake-era session at `version`; returns its id.
fn open_session(addr: &str, version: &str) -> String {
    let init = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": version, "capabilities": {}, "clientInfo": {"name": "t", "version": "0"}}});
    let (status, headers, body) = http(addr, addr, &[], &init.to_string());
    assert_eq!(status, 200, "{body}");
    let sid = header(&headers, "mcp-session-id").unwrap().to_string();
    let note = json!({"jsonrpc": "2.0", "method": "notifications/initialized"}).to_string();
    assert_eq!(http(addr, addr, &[("mcp-session-id", &sid)], &note).0, 202);
    sid
}

fn json_body(body: &str) -> Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("not JSON ({e}): {body:?}"))
}

/// A stateless request with the headers the 2026-07-28 revision requires.
fn stateless_call(addr: &str, method: &str, name: Option<&str>, params: Value) -> (u16, Value) {
    let body = json!({"jsonrpc": "2.0", "id": 9, "method": method, "params": modern(params)}).to_string();
    let mut headers = vec![("mcp-protocol-version", MODERN), ("mcp-method", method)];
    if let Some(n) = name {
        headers.push(("mcp-name", n));
    }
    let (status, _, body) = http(addr, addr, &headers, &body);
    (status, json_body(&body))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn empty_and_notification_only_batches_are_answered_as_over_stdio() {
    let (server, _) = setup();
    let serving = serve_http(server);
    let addr = serving.addr.as_str();
    let notes =
        json!([{"jsonrpc": "2.0", "method": "notifications/progress", "params": {"progressToken": 1, "progress": 1}}])
            .to_string();
    let ping = json!([{"jsonrpc": "2.0", "id": 3, "method": "ping"}]).to_string();

    // Stateless: no batches in this revision, whatever the batch holds (a request included).
    let modern_headers = [("mcp-protocol-version", MODERN)];
    for body in ["[]", notes.as_str(), ping.as_str()] {
        let (status, _, answer) = http(addr, addr, &modern_headers, body);
        assert_eq!(status, 400, "{body}: {answer}");
        assert_eq!(err_code(&json_body(&answer)), -32600, "{body}: {answer}");
    }
    // A session that did not negotiate 2025-03-26 refuses every batch, `[]` included.
    let sid = open_session(addr, "2025-06-18");
    for body in ["[]", notes.as_str()] {
        let (status, _, answer) = http(addr, addr, &[("mcp-session-id", &sid)], body);
        assert_eq!((status, err_code(&json_body(&answer))), (400, -32600), "{body}: {answer}");
    }
    // A 2025-03-26 session takes batches: `[]` is still -32600; notifications alone get 202.
    let sid = open_session(addr, "2025-03-26");
    let (status, _, answer) = http(addr, addr, &[("mcp-session-id", &sid)], "[]");
    assert_eq!((status, err_code(&json_body(&answer))), (400, -32600), "{answer}");
    let (status, _, answer) = http(addr, addr, &[("mcp-session-id", &sid)], &notes);
    assert_eq!((status, answer.as_str()), (202, ""));
    let (status, _, answer) = http(addr, addr, &[("mcp-session-id", &sid)], &ping);
    assert_eq!(status, 200, "{answer}");
    assert_eq!(json_body(&answer)[0]["id"], 3);
    // The stdio rule these match: the session itself answers `[]` with -32600.
    let mut raw = RawClient::initialized(&setup().0, "2025-06-18").await;
    raw.send_bytes(b"[]");
    assert_eq!(err_code(&raw.recv().await), -32600);
    raw.send_bytes(notes.as_bytes());
    assert_eq!(err_code(&raw.recv().await), -32600);

    let (status, answer) =
        stateless_call(addr, "tools/call", Some("echo"), json!({"name": "echo", "arguments": {"text": "hi"}}));
    assert_eq!(status, 200, "{answer}");
    assert_eq!(first_text(&answer["result"]), "hi");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_host_headers_are_refused() {
    let (server, _) = setup();
    let serving = serve_http(server);
    let addr = serving.addr.as_str();
    let port = addr.rsplit_once(':').unwrap().1;
    let ping = json!({"jsonrpc": "2.0", "id": 1, "method": "server/discover", "params": modern(json!({}))}).to_string();
    let headers = [("mcp-protocol-version", MODERN), ("mcp-method", "server/discover")];
    for host in [
        "[::1]evil.com".to_string(),
        format!("[::1]:{port}evil.com"),
        "localhost@evil.com".into(),
        "127.0.0.1:".into(),
        format!("localhost:{port}:{port}"),
    ] {
        let (status, _, body) = http(addr, &host, &headers, &ping);
        assert_eq!(status, 403, "Host {host:?}: {body}");
    }
    for host in [format!("[::1]:{port}"), format!("localhost:{port}"), addr.to_string()] {
        let (status, _, body) = http(addr, &host, &headers, &ping);
        assert_eq!(status, 200, "Host {host:?}: {body}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn non_ascii_resource_uri_is_read_statelessly_with_a_base64_mcp_name() {
    let (server, handler) = setup();
    let serving = serve_http(server);
    let addr = serving.addr.as_str();
    let uri = "users://Jürgen-日本/profile";
    let encoded = format!("=?base64?{}?=", base64::engine::general_purpose::STANDARD.encode(uri));
    let (status, answer) = stateless_call(addr, "resources/read", Some(&encoded), json!({ "uri": uri }));
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["result"]["contents"][0]["uri"], uri);
    assert_eq!(handler.template_vars.lock().unwrap()[0]["id"], "Jürgen-日本");

    // The decoded name must still equal the body's; undecodable values are -32020 too.
    let other = format!("=?base64?{}?=", base64::engine::general_purpose::STANDARD.encode("users://x/profile"));
    for bad in [other.as_str(), "=?base64?!!!?=", "=?base64?/w==?=", "users://J%C3%BCrgen-%E6%97%A5%E6%9C%AC/profile"] {
        let (status, answer) = stateless_call(addr, "resources/read", Some(bad), json!({ "uri": uri }));
        assert_eq!((status, err_code(&answer)), (400, -32020), "{bad}: {answer}");
    }
    // Plain ASCII names are compared as they are, and a fresh call is served.
    let (status, answer) =
        stateless_call(addr, "resources/read", Some("config://app"), json!({ "uri": "config://app" }));
    assert_eq!(status, 200, "{answer}");
    let tool = format!("=?base64?{}?=", base64::engine::general_purpose::STANDARD.encode("echo"));
    let (status, answer) =
        stateless_call(addr, "tools/call", Some(&tool), json!({"name": "echo", "arguments": {"text": "ok"}}));
    assert_eq!(status, 200, "{answer}");
}
