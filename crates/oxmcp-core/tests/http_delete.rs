//! DELETE ends a handshake-era session and every stream it has open: the standalone GET stream and
//! a POST stream whose call never answers both end at once (no more keep-alives), the call is
//! cancelled, and the server goes on serving.

mod common;

use common::http::serve_http;
use common::{object_tool, server_with_tools};
use oxmcp_core::server::{Handler, Reply, ServerConfig, ToolCall, ToolOutput};
use serde_json::json;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// `stuck`: one notification, then never answers (its reply is kept, as a hung thread would).
#[derive(Default)]
struct Stuck {
    held: Mutex<Vec<Reply<ToolOutput>>>,
    cancelled: Arc<AtomicBool>,
}

impl Handler for Stuck {
    fn call_tool(&self, call: ToolCall, reply: Reply<ToolOutput>) {
        call.ctx.notify("notifications/progress", json!({"progressToken": "t", "progress": 1}));
        let cancelled = self.cancelled.clone();
        call.ctx.cancellation.on_cancel(move || cancelled.store(true, Ordering::SeqCst));
        self.held.lock().unwrap().push(reply);
    }
}

struct Http(BufReader<TcpStream>);

impl Http {
    fn send(addr: &str, method: &str, headers: &[(&str, &str)], body: &str) -> (u16, Vec<(String, String)>, Http) {
        let mut stream = TcpStream::connect(addr).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let mut req = format!("{method} /mcp HTTP/1.1\r\nhost: {addr}\r\ncontent-length: {}\r\n", body.len());
        for (k, v) in headers {
            req.push_str(&format!("{k}: {v}\r\n"));
        }
        stream.write_all(format!("{req}\r\n{body}").as_bytes()).unwrap();
        let mut reader = BufReader::new(stream);
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        let status = line.split(' ').nth(1).unwrap().parse().unwrap();
        let mut headers = Vec::new();
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            let Some((k, v)) = line.trim_end().split_once(": ") else { break };
            headers.push((k.to_ascii_lowercase(), v.to_string()));
        }
        (status, headers, Http(reader))
    }

    /// The next chunk of a chunked body (empty at its end); fails if none comes within 5 s.
    fn chunk(&mut self) -> String {
        let mut size = String::new();
        self.0.read_line(&mut size).unwrap();
        let n = usize::from_str_radix(size.trim(), 16).unwrap();
        let mut data = vec![0; n + 2];
        self.0.read_exact(&mut data).unwrap();
        String::from_utf8(data[..n].to_vec()).unwrap()
    }

    /// Reads until the body ends; how long that took.
    fn until_end(&mut self) -> Duration {
        let began = Instant::now();
        while !self.chunk().is_empty() {}
        began.elapsed()
    }
}

const JSON: (&str, &str) = ("content-type", "application/json");
const ACCEPT: (&str, &str) = ("accept", "application/json, text/event-stream");

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_ends_the_get_stream_and_open_post_streams() {
    let handler = Arc::new(Stuck::default());
    let server = server_with_tools(ServerConfig::new("delete", "1"), handler.clone(), [object_tool("stuck", 1, true)]);
    let serving = serve_http(server);
    let addr = serving.addr.clone();
    tokio::task::spawn_blocking(move || {
        let init = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize",
            "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t"}}});
        let (status, headers, _) = Http::send(&addr, "POST", &[JSON, ACCEPT], &init.to_string());
        assert_eq!(status, 200);
        let sid = headers.iter().find(|(k, _)| k == "mcp-session-id").unwrap().1.clone();
        let session = ("mcp-session-id", sid.as_str());
        let (status, _, mut get) = Http::send(&addr, "GET", &[("accept", "text/event-stream"), session], "");
        assert_eq!(status, 200);
        let call = json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "stuck"}});
        let (status, _, mut post) = Http::send(&addr, "POST", &[JSON, ACCEPT, session], &call.to_string());
        assert_eq!(status, 200);
        // A priming event (2025-11-25) may come first; the notification within the next chunks.
        assert!((0..3).any(|_| post.chunk().contains("notifications/progress")));

        let (status, _, _) = Http::send(&addr, "DELETE", &[session], "");
        assert_eq!(status, 200);
        assert!(get.until_end() < Duration::from_secs(1), "the GET stream ends");
        assert!(post.until_end() < Duration::from_secs(1), "the POST stream ends though its call never answered");
        assert!(handler.cancelled.load(Ordering::SeqCst), "the session's call is cancelled");
        let (status, _, _) = Http::send(&addr, "GET", &[("accept", "text/event-stream"), session], "");
        assert_eq!(status, 404, "the session is gone");
        let (status, _, _) = Http::send(&addr, "POST", &[JSON, ACCEPT], &init.to_string());
        assert_eq!(status, 200, "the server still serves");
    })
    .await
    .unwrap();
    drop(serving);
}
