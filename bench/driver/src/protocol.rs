//! MCP messages: requests serialised ahead of time, the stdio handshake and answer checking.
//! (The HTTP framing of the same messages is in `http.rs`.)

use std::io::{BufRead, BufReader, Write};
use std::process::{ChildStdin, ChildStdout};

use serde_json::{json, Value};

use crate::server::{fatal, note_message};

pub const PROTOCOL_VERSION: &str = "2025-11-25";
/// Id of the `initialize` request; tool calls use ids from 1 upwards.
pub const INITIALIZE_ID: u64 = 0;

/// What a correct answer to a call must contain.
pub enum Expect {
    Sum(f64),
    Text(String),
}

/// A `tools/call` request with everything but its id serialised ahead of time, so the
/// hot loop only appends an integer and copies bytes.
pub struct Call {
    /// The request from just after `"id":` to the closing brace (no newline).
    tail: Vec<u8>,
    pub expect: Expect,
}

impl Call {
    pub fn add(a: f64, b: f64) -> Call {
        Call::new("add", json!({"a": a, "b": b}), Expect::Sum(a + b))
    }

    pub fn echo(text: String) -> Call {
        Call::new("echo", json!({ "text": text }), Expect::Text(text))
    }

    fn new(tool: &str, arguments: Value, expect: Expect) -> Call {
        let params = json!({"name": tool, "arguments": arguments});
        let tail = format!(",\"method\":\"tools/call\",\"params\":{params}}}");
        Call { tail: tail.into_bytes(), expect }
    }

    /// Appends the complete request line (newline-terminated, for stdio) for `id` to `out`.
    pub fn write_line(&self, id: u64, out: &mut Vec<u8>) {
        self.write_body(id, out);
        out.push(b'\n');
    }

    /// Appends the request for `id` as a bare JSON object (an HTTP body) to `out`.
    pub fn write_body(&self, id: u64, out: &mut Vec<u8>) {
        out.extend_from_slice(b"{\"jsonrpc\":\"2.0\",\"id\":");
        out.extend_from_slice(id.to_string().as_bytes());
        out.extend_from_slice(&self.tail);
    }
}

/// Small calls alternating `add` and `echo`, with arguments that differ from call to call
/// (so a server answering from a stale or wrong request is caught).
pub fn mixed_pool(size: usize) -> Vec<Call> {
    (0..size)
        .map(|i| {
            if i % 2 == 0 {
                // Non-representable decimals on purpose: both sides must do the same IEEE addition.
                Call::add(i as f64 * 0.25 + 0.1, 1000.0 - i as f64 * 0.5)
            } else {
                Call::echo(format!("hello #{i}: \"quoted\" \\ tab\t é ✓"))
            }
        })
        .collect()
}

/// Sends `initialize`, waits for its result, then sends `notifications/initialized`.
/// Returns the protocol version the server chose.
pub fn handshake(stdin: &mut ChildStdin, stdout: &mut BufReader<ChildStdout>) -> String {
    send_initialize(stdin);
    let version = read_initialize_result(stdout);
    send_initialized(stdin);
    version
}

pub fn send_initialize(stdin: &mut ChildStdin) {
    write_all(stdin, format!("{}\n", initialize_request()).as_bytes());
}

/// The `initialize` request (id [`INITIALIZE_ID`]) for protocol version [`PROTOCOL_VERSION`].
pub fn initialize_request() -> Value {
    json!({
        "jsonrpc": "2.0",
        "id": INITIALIZE_ID,
        "method": "initialize",
        "params": {
            "protocolVersion": PROTOCOL_VERSION,
            "capabilities": {},
            "clientInfo": {"name": "oxmcp-bench-driver", "version": env!("CARGO_PKG_VERSION")},
        },
    })
}

pub fn read_initialize_result(stdout: &mut BufReader<ChildStdout>) -> String {
    let mut buf = Vec::new();
    let response = next_response(stdout, &mut buf).unwrap_or_else(|| fatal("server exited during initialize"));
    check_initialize_result(&response)
}

/// Checks the answer to `initialize` and returns the protocol version the server chose.
pub fn check_initialize_result(response: &Value) -> String {
    if response_id(response) != Some(INITIALIZE_ID) {
        fatal(&format!("expected the initialize response, got {response}"));
    }
    match response.pointer("/result/protocolVersion").and_then(Value::as_str) {
        Some(version) => version.to_owned(),
        None => fatal(&format!("bad initialize response: {response}")),
    }
}

/// The `notifications/initialized` message, without a newline.
pub const INITIALIZED: &[u8] = b"{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}";

pub fn send_initialized(stdin: &mut ChildStdin) {
    write_all(stdin, &[INITIALIZED, b"\n"].concat());
}

pub fn write_all(stdin: &mut ChildStdin, bytes: &[u8]) {
    if let Err(e) = stdin.write_all(bytes) {
        fatal(&format!("cannot write to the server: {e}"));
    }
}

/// Reads the next response, skipping server notifications. `None` on end of stream.
pub fn next_response(stdout: &mut BufReader<ChildStdout>, buf: &mut Vec<u8>) -> Option<Value> {
    loop {
        buf.clear();
        match stdout.read_until(b'\n', buf) {
            Ok(0) => return None,
            Ok(_) => note_message(),
            Err(e) => fatal(&format!("cannot read from the server: {e}")),
        }
        let message = parse_message(buf);
        if response_id(&message).is_some() {
            return Some(message);
        }
    }
}

pub fn parse_message(line: &[u8]) -> Value {
    serde_json::from_slice(line).unwrap_or_else(|e| {
        let shown = String::from_utf8_lossy(&line[..line.len().min(300)]).into_owned();
        fatal(&format!("server wrote a line that is not JSON ({e}): {shown}"))
    })
}

/// The id of a response; `None` for notifications. Requests from the server are an error:
/// neither bench server has any reason to send one.
pub fn response_id(message: &Value) -> Option<u64> {
    let id = message.get("id")?;
    if message.get("method").is_some() {
        fatal(&format!("unexpected request from the server: {message}"));
    }
    match id.as_u64() {
        Some(id) => Some(id),
        None => fatal(&format!("response id is not one we send: {message}")),
    }
}

/// Checks a `tools/call` response against what the call must return.
pub fn check_result(response: &Value, expect: &Expect) -> Result<(), String> {
    if let Some(error) = response.get("error") {
        return Err(format!("JSON-RPC error: {error}"));
    }
    let result = response.get("result").ok_or("response has neither result nor error")?;
    if result.get("isError") == Some(&Value::Bool(true)) {
        return Err(format!("tool error: {result}"));
    }
    let text = result.pointer("/content/0/text");
    let structured = result.pointer("/structuredContent/result");
    if text.is_none() && structured.is_none() {
        return Err(format!("no content in result: {}", shorten(result)));
    }
    // Every representation the server chose to send must be right.
    match expect {
        Expect::Sum(sum) => {
            if let Some(text) = text {
                let parsed = text.as_str().and_then(|t| t.trim().parse::<f64>().ok());
                if parsed != Some(*sum) {
                    return Err(format!("add: text content {text}, expected {sum}"));
                }
            }
            if let Some(value) = structured {
                if !value.as_f64().is_some_and(|v| within_one_ulp(v, *sum)) {
                    return Err(format!("add: structured result {value}, expected {sum}"));
                }
            }
        }
        Expect::Text(sent) => {
            for value in [text, structured].into_iter().flatten() {
                if value.as_str() != Some(sent.as_str()) {
                    return Err(format!("echo: got {}, expected {} bytes", shorten(value), sent.len()));
                }
            }
        }
    }
    Ok(())
}

/// serde_json's default float parser is best-effort (it can land one ULP off; exact parsing
/// needs a crate feature we keep out of the shared workspace build). The text content is
/// parsed exactly with `str::parse`, so this slack only applies to `structuredContent`.
fn within_one_ulp(a: f64, b: f64) -> bool {
    a == b || (a.is_sign_positive() == b.is_sign_positive() && a.to_bits().abs_diff(b.to_bits()) <= 1)
}

fn shorten(value: &Value) -> String {
    let mut text = value.to_string();
    if text.len() > 300 {
        let cut = (0..=300).rev().find(|&i| text.is_char_boundary(i)).unwrap_or(0);
        text.truncate(cut);
        text.push('…');
    }
    text
}
