//! Stdio fixtures: the stdio transport served over a Unix socket pair standing in for the pipes, and
//! the client's end of it, which checks that every line is exactly one JSON-RPC message.

use super::within;
use oxmcp_core::server::Server;
use oxmcp_core::transport::{serve_streams, StdioOptions};
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Write};
use std::net::Shutdown;
use std::os::unix::net::UnixStream;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::{CancellationToken, DropGuard};

/// The client's end of a served stdio connection.
pub struct StdioPeer {
    /// Our writing end (the server's stdin).
    pub input: UnixStream,
    lines: mpsc::UnboundedReceiver<Vec<u8>>,
    /// What `serve_streams` returned, once it has.
    pub served: JoinHandle<std::io::Result<()>>,
    /// Cancel it to stop serving (dropping the peer does it too).
    pub shutdown: CancellationToken,
    _stop: DropGuard,
}

impl StdioPeer {
    pub fn start(server: &Server, options: StdioOptions) -> Self {
        let (ours, theirs) = UnixStream::pair().unwrap();
        let server_out = theirs.try_clone().unwrap();
        let reader = ours.try_clone().unwrap();
        let (tx, lines) = mpsc::unbounded_channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(reader);
            loop {
                let mut line = Vec::new();
                match reader.read_until(b'\n', &mut line) {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {
                        if tx.send(line).is_err() {
                            break;
                        }
                    }
                }
            }
        });
        let shutdown = CancellationToken::new();
        let served = {
            let server = server.clone();
            let shutdown = shutdown.clone();
            tokio::spawn(async move { serve_streams(&server, theirs, server_out, options, shutdown).await })
        };
        let _stop = shutdown.clone().drop_guard();
        StdioPeer { input: ours, lines, served, shutdown, _stop }
    }

    /// A peer that has completed the legacy handshake for `version`.
    pub async fn initialized(server: &Server, options: StdioOptions, version: &str) -> Self {
        let mut peer = StdioPeer::start(server, options);
        peer.initialize(version).await;
        peer
    }

    pub fn send_line(&mut self, bytes: &[u8]) {
        let mut frame = bytes.to_vec();
        frame.push(b'\n');
        self.input.write_all(&frame).unwrap();
    }

    pub fn send(&mut self, msg: Value) {
        self.send_line(&serde_json::to_vec(&msg).unwrap());
    }

    pub fn request(&mut self, id: Value, method: &str, params: Value) {
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
    }

    /// The next line the server wrote: checked to be exactly one JSON-RPC message and a newline.
    pub async fn recv(&mut self) -> Value {
        let line = within("a line from the server", self.lines.recv()).await.expect("server output open");
        parse_line(&line)
    }

    /// Closes our writing side: the server sees end of input.
    pub fn close_input(&self) {
        self.input.shutdown(Shutdown::Write).unwrap();
    }

    /// Everything the server writes until it closes its output.
    pub async fn drain(&mut self) -> Vec<Value> {
        let mut out = Vec::new();
        while let Some(line) = within("server output to close", self.lines.recv()).await {
            out.push(parse_line(&line));
        }
        out
    }

    pub async fn initialize(&mut self, version: &str) {
        self.request(json!("init"), "initialize", json!({"protocolVersion": version, "capabilities": {}}));
        let r = self.recv().await;
        assert_eq!(r["result"]["protocolVersion"], version);
        self.send(json!({"jsonrpc": "2.0", "method": "notifications/initialized"}));
    }
}

pub fn parse_line(line: &[u8]) -> Value {
    assert_eq!(line.last(), Some(&b'\n'), "every message ends with a newline: {:?}", String::from_utf8_lossy(line));
    let body = &line[..line.len() - 1];
    assert!(!body.contains(&b'\n') && !body.contains(&b'\r'), "no embedded newlines");
    let v: Value = serde_json::from_slice(body)
        .unwrap_or_else(|e| panic!("non-JSON on the output ({e}): {:?}", String::from_utf8_lossy(line)));
    let is_answer = |m: &Value| m["jsonrpc"] == "2.0" && (m.get("result").is_some() || m.get("error").is_some());
    let is_notification = |m: &Value| m["jsonrpc"] == "2.0" && m["method"].is_string() && m.get("id").is_none();
    match &v {
        Value::Array(items) => assert!(items.iter().all(is_answer), "{v}"),
        other => assert!(is_answer(other) || is_notification(other), "only JSON-RPC messages on stdout: {v}"),
    }
    v
}
