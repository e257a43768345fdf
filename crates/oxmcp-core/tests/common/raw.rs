//! Raw frames: a session driven directly, every outgoing frame captured as bytes.

use super::within;
use oxmcp_core::server::{Headers, Inbound, Outbound, Server, Session};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

struct Capture(mpsc::UnboundedSender<Vec<u8>>);

impl Outbound for Capture {
    fn send(&self, frame: Vec<u8>) {
        let _ = self.0.send(frame);
    }
}

/// Sends frames to its own session and sees exactly what the session writes back.
pub struct RawClient {
    pub session: Arc<Session>,
    inbound: Inbound,
    rx: mpsc::UnboundedReceiver<Vec<u8>>,
}

impl RawClient {
    pub fn connect(server: &Server, headers: Headers) -> Self {
        let (tx, rx) = mpsc::unbounded_channel();
        let inbound = Inbound { out: Arc::new(Capture(tx)), headers: Arc::new(headers), principal: None };
        RawClient { session: server.session(), inbound, rx }
    }

    pub fn send_bytes(&self, frame: &[u8]) {
        self.session.handle_frame(frame, &self.inbound);
    }

    pub fn send(&self, msg: Value) {
        self.send_bytes(&serde_json::to_vec(&msg).unwrap());
    }

    pub fn request(&self, id: Value, method: &str, params: Value) {
        self.send(json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }));
    }

    /// The next frame the session wrote, parsed.
    pub async fn recv(&mut self) -> Value {
        let frame = within("a frame from the session", self.rx.recv()).await.expect("the session is alive");
        serde_json::from_slice(&frame).unwrap_or_else(|e| panic!("server wrote invalid JSON ({e}): {frame:?}"))
    }

    /// Asserts that nothing is written for `dur`.
    pub async fn expect_silence(&mut self, dur: Duration) {
        if let Ok(Some(frame)) = tokio::time::timeout(dur, self.rx.recv()).await {
            panic!("expected no frame, got {}", String::from_utf8_lossy(&frame));
        }
    }

    /// A client that has completed the legacy handshake for `version`.
    pub async fn initialized(server: &Server, version: &str) -> Self {
        let mut client = RawClient::connect(server, Headers::default());
        client.initialize(version).await;
        client
    }

    /// Runs a legacy handshake over raw frames (id "init").
    pub async fn initialize(&mut self, version: &str) -> Value {
        self.request(
            json!("init"),
            "initialize",
            json!({ "protocolVersion": version, "capabilities": {}, "clientInfo": { "name": "raw", "version": "0" } }),
        );
        let resp = self.recv().await;
        assert_eq!(resp["id"], "init", "{resp}");
        self.send(json!({ "jsonrpc": "2.0", "method": "notifications/initialized" }));
        resp["result"].clone()
    }
}
