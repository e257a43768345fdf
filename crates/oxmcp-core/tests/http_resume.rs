//! Streamable HTTP streams: a tool that sends notifications answers as SSE; in a handshake-era
//! session the events carry ids, 2025-11-25 clients get a priming event, and a client whose stream
//! broke resumes with GET + Last-Event-ID and receives exactly what it missed.

mod common;

use common::http::{serve_http, HttpServing};
use common::{object_tool, server_with_tools, stateless_meta, MODERN};
use oxmcp_core::server::{Handler, Reply, ServerConfig, ToolCall, ToolOutput};
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::Duration;

/// `ticker`: three progress notifications 100 ms apart, then the answer.
struct Ticker;

impl Handler for Ticker {
    fn call_tool(&self, call: ToolCall, reply: Reply<ToolOutput>) {
        tokio::spawn(async move {
            for i in 1..=3 {
                call.ctx.notify("notifications/progress", json!({"progressToken": "t", "progress": i, "total": 3}));
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            reply.ok(ToolOutput::text("done"));
        });
    }
}

/// The `ticker` server on a loopback port; it stops serving when the returned value is dropped.
fn start() -> (String, HttpServing) {
    let server =
        server_with_tools(ServerConfig::new("resume", "1"), Arc::new(Ticker), [object_tool("ticker", 1, true)]);
    let serving = serve_http(server);
    (serving.addr.clone(), serving)
}

struct Http {
    reader: BufReader<TcpStream>,
}

impl Http {
    fn send(addr: &str, method: &str, headers: &[(&str, &str)], body: &str) -> (u16, Vec<(String, String)>, Http) {
        let mut stream = TcpStream::connect(addr).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let mut req = format!("{method} /mcp HTTP/1.1\r\nhost: {addr}\r\ncontent-length: {}\r\n", body.len());
        for (k, v) in headers {
            req.push_str(&format!("{k}: {v}\r\n"));
        }
        req.push_str("\r\n");
        req.push_str(body);
        stream.write_all(req.as_bytes()).unwrap();
        let mut reader = BufReader::new(stream);
        let mut status_line = String::new();
        reader.read_line(&mut status_line).unwrap();
        let status = status_line.split(' ').nth(1).unwrap().parse().unwrap();
        let mut headers = Vec::new();
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            let (k, v) = line.split_once(": ").unwrap();
            headers.push((k.to_ascii_lowercase(), v.to_string()));
        }
        (status, headers, Http { reader })
    }

    /// The next chunk of a chunked body (empty at its end).
    fn chunk(&mut self) -> String {
        let mut size = String::new();
        self.reader.read_line(&mut size).unwrap();
        let n = usize::from_str_radix(size.trim(), 16).unwrap();
        let mut data = vec![0; n + 2];
        self.reader.read_exact(&mut data).unwrap();
        String::from_utf8(data[..n].to_vec()).unwrap()
    }

    /// SSE events as (id, data) until the body ends or `limit` events were read.
    fn events(&mut self, limit: usize) -> Vec<(Option<String>, String)> {
        let mut out = Vec::new();
        while out.len() < limit {
            let chunk = self.chunk();
            if chunk.is_empty() {
                break;
            }
            for event in chunk.split("\n\n").filter(|e| !e.trim().is_empty() && !e.starts_with(':')) {
                let id = event.lines().find_map(|l| l.strip_prefix("id: ")).map(str::to_string);
                let data = event.lines().filter_map(|l| l.strip_prefix("data: ")).collect::<Vec<_>>().join("\n");
                out.push((id, data));
            }
        }
        out
    }

    fn json(&mut self, headers: &[(String, String)]) -> Value {
        let len: usize = headers.iter().find(|(k, _)| k == "content-length").unwrap().1.parse().unwrap();
        let mut body = vec![0; len];
        self.reader.read_exact(&mut body).unwrap();
        serde_json::from_slice(&body).unwrap()
    }
}

const JSON: (&str, &str) = ("content-type", "application/json");
const ACCEPT: (&str, &str) = ("accept", "application/json, text/event-stream");

fn call(id: u64) -> String {
    json!({"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": {"name": "ticker"}}).to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_stream_resumes_with_last_event_id() {
    let (addr, stop) = start();
    tokio::task::spawn_blocking(move || {
        let init = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize",
            "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t"}}});
        let (status, headers, mut r) = Http::send(&addr, "POST", &[JSON, ACCEPT], &init.to_string());
        assert_eq!(status, 200);
        r.json(&headers);
        let sid = headers.iter().find(|(k, _)| k == "mcp-session-id").unwrap().1.clone();
        let session = ("mcp-session-id", sid.as_str());

        let (status, headers, mut r) = Http::send(&addr, "POST", &[JSON, ACCEPT, session], &call(2));
        assert_eq!(status, 200);
        assert!(headers.iter().any(|(k, v)| k == "content-type" && v == "text/event-stream"));
        let first = r.events(2);
        assert_eq!(first[0].1, "", "a priming event (id, no data) for 2025-11-25");
        let (stream, _) = first[0].0.as_deref().unwrap().rsplit_once('-').unwrap();
        let last_id = first[1].0.clone().expect("events carry ids");
        assert!(first[1].1.contains("notifications/progress"));
        drop(r); // the connection breaks mid-call

        std::thread::sleep(Duration::from_millis(500)); // the tool finishes meanwhile
        let resume = ("last-event-id", last_id.as_str());
        let (status, _, mut r) = Http::send(&addr, "GET", &[("accept", "text/event-stream"), session, resume], "");
        assert_eq!(status, 200);
        let rest = r.events(10);
        let ids: Vec<String> = rest.iter().map(|(id, _)| id.clone().unwrap()).collect();
        assert_eq!(
            ids,
            [format!("{stream}-2"), format!("{stream}-3"), format!("{stream}-4")],
            "exactly the missed events"
        );
        let answer: Value = serde_json::from_str(&rest[2].1).unwrap();
        assert_eq!(answer["id"], 2);
        assert_eq!(answer["result"]["content"][0]["text"], "done");
    })
    .await
    .unwrap();
    drop(stop);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stateless_streams_carry_notifications_then_the_answer() {
    let (addr, stop) = start();
    tokio::task::spawn_blocking(move || {
        let body = json!({"jsonrpc": "2.0", "id": 7, "method": "tools/call", "params": {"name": "ticker",
            "_meta": stateless_meta(MODERN, json!({}))}});
        let headers = [
            JSON,
            ACCEPT,
            ("mcp-protocol-version", "2026-07-28"),
            ("mcp-method", "tools/call"),
            ("mcp-name", "ticker"),
        ];
        let (status, _, mut r) = Http::send(&addr, "POST", &headers, &body.to_string());
        assert_eq!(status, 200);
        let events = r.events(10);
        assert_eq!(events.len(), 4, "three notifications, then the answer: {events:?}");
        assert!(events.iter().all(|(id, _)| id.is_none()), "no resumption in the stateless era");
        let answer: Value = serde_json::from_str(&events[3].1).unwrap();
        assert_eq!(answer["result"]["resultType"], "complete");
    })
    .await
    .unwrap();
    drop(stop);
}
