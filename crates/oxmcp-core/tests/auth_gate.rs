//! The authentication gate with a Rust `Handler::authenticate`: refusals are 401 with the `Bearer`
//! challenge and no session id; the principal reaches the tool's `RequestContext`; a session is
//! answered as unknown to any other principal; and the server keeps serving.

mod common;

use common::http::serve_http;
use common::{object_tool, server_with_tools};
use oxmcp_core::server::{AuthRequest, Handler, HandlerError, Principal, Reply, ServerConfig, ToolCall, ToolOutput};
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::Duration;

/// Knows `Bearer a` and `Bearer b`; its tool answers with the caller's principal.
struct Tokens;

impl Handler for Tokens {
    fn call_tool(&self, call: ToolCall, reply: Reply<ToolOutput>) {
        let who = call.ctx.principal.map(|p| p.to_string()).unwrap_or_else(|| "anonymous".into());
        reply.ok(ToolOutput::text(who))
    }
    fn authenticates(&self) -> bool {
        true
    }
    fn authenticate(&self, request: AuthRequest, reply: Reply<Option<Principal>>) {
        let token = request.headers.iter().find(|(k, _)| k == "authorization").map(|(_, v)| v.as_str());
        match token.and_then(|t| t.strip_prefix("Bearer ")) {
            Some(user @ ("a" | "b")) => reply.ok(Some(Principal::from(user))),
            _ => reply.send(Err(HandlerError::Failed("who are you?".into()))),
        }
    }
}

/// One request on a fresh connection: (status, lower-cased headers, body as JSON or Null).
fn send(addr: &str, method: &str, headers: &[(&str, &str)], body: &Value) -> (u16, Vec<(String, String)>, Value) {
    let body = if body.is_null() { String::new() } else { body.to_string() };
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut req = format!(
        "{method} /mcp HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\ncontent-type: application/json\r\n\
         accept: application/json, text/event-stream\r\ncontent-length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    req.push_str(&body);
    stream.write_all(req.as_bytes()).unwrap();
    let mut raw = String::new();
    let _ = stream.read_to_string(&mut raw);
    let (head, rest) = raw.split_once("\r\n\r\n").unwrap();
    let mut lines = head.lines();
    let status = lines.next().unwrap().split(' ').nth(1).unwrap().parse().unwrap();
    let headers: Vec<(String, String)> =
        lines.filter_map(|l| l.split_once(": ")).map(|(k, v)| (k.to_ascii_lowercase(), v.to_string())).collect();
    (status, headers, serde_json::from_str(rest).unwrap_or(Value::Null))
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

fn initialize() -> Value {
    json!({"jsonrpc": "2.0", "id": 1, "method": "initialize",
           "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t"}}})
}

fn whoami(id: u64) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": {"name": "whoami", "arguments": {}}})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_gate_names_the_caller_and_sessions_stay_theirs() {
    let server = server_with_tools(ServerConfig::new("gate", "1"), Arc::new(Tokens), [object_tool("whoami", 1, true)]);
    let serving = serve_http(server);
    let addr = serving.addr.clone();
    tokio::task::spawn_blocking(move || {
        // Refused: 401, the challenge, the reason, and no session.
        for creds in [vec![], vec![("authorization", "Bearer z")]] {
            let (status, headers, body) = send(&addr, "POST", &creds, &initialize());
            assert_eq!(status, 401);
            assert_eq!(header(&headers, "www-authenticate"), Some("Bearer"));
            assert_eq!(header(&headers, "mcp-session-id"), None);
            assert_eq!(body["error"]["message"], "who are you?");
        }
        // Admitted: a's session, and a's principal in the tool's context.
        let (status, headers, _) = send(&addr, "POST", &[("authorization", "Bearer a")], &initialize());
        assert_eq!(status, 200);
        let sid = header(&headers, "mcp-session-id").unwrap().to_string();
        let as_a = [("authorization", "Bearer a"), ("mcp-session-id", sid.as_str())];
        let (_, _, body) = send(&addr, "POST", &as_a, &whoami(2));
        assert_eq!(body["result"]["content"][0]["text"], "a");
        // b passes the gate, but a's session does not exist for b.
        let as_b = [("authorization", "Bearer b"), ("mcp-session-id", sid.as_str())];
        let (status, _, unknown) = send(&addr, "POST", &as_b, &whoami(3));
        assert_eq!(status, 404);
        let (_, _, really_unknown) =
            send(&addr, "POST", &[("authorization", "Bearer b"), ("mcp-session-id", "0")], &whoami(3));
        assert_eq!(unknown, really_unknown, "answered exactly as an unknown session");
        assert_eq!(send(&addr, "DELETE", &as_b, &Value::Null).0, 404);
        // a still works, and ends it.
        let (_, _, body) = send(&addr, "POST", &as_a, &whoami(4));
        assert_eq!(body["result"]["content"][0]["text"], "a");
        assert_eq!(send(&addr, "DELETE", &as_a, &Value::Null).0, 200);
    })
    .await
    .unwrap();
}
