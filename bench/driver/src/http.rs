//! MCP over Streamable HTTP, handshake era: a minimal keep-alive HTTP/1.1 client on std
//! `TcpStream` (`TCP_NODELAY`), with just what the benchmark needs.
//!
//! Requests are `POST`s with `Content-Length`. Responses are framed by `Content-Length` or
//! chunked transfer encoding. Their body is either JSON or a `text/event-stream`, whose
//! `data:` lines carry the JSON-RPC messages. Close-delimited bodies are refused: they would
//! end the keep-alive connection after every call.

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::os::fd::{AsRawFd, RawFd};
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;
use std::time::Duration;

use serde_json::Value;

use crate::protocol::{self, PROTOCOL_VERSION};
use crate::server::{fatal, note_message};

/// Connections reopened because the server answered with `Connection: close`.
static RECONNECTS: AtomicU64 = AtomicU64::new(0);

pub fn reconnects() -> u64 {
    RECONNECTS.load(Ordering::Relaxed)
}

/// Where the MCP endpoint is: `host:port` (also the `Host` header) and the path.
#[derive(Clone)]
pub struct Endpoint {
    authority: String,
    path: String,
}

impl Endpoint {
    /// Parses `http://host:port/path` (no https, no userinfo).
    pub fn parse(url: &str) -> Endpoint {
        let rest = url.strip_prefix("http://").unwrap_or_else(|| fatal(&format!("not an http:// URL: {url}")));
        let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
        if !authority.contains(':') {
            fatal(&format!("URL without a port: {url}"));
        }
        let path = if path.is_empty() { "/" } else { path };
        Endpoint { authority: authority.to_owned(), path: path.to_owned() }
    }
}

/// The request head up to `Content-Length: ` for one session, built once.
pub struct Requests {
    head: Vec<u8>,
}

impl Requests {
    fn new(endpoint: &Endpoint, session_id: Option<&str>) -> Requests {
        let mut head = format!(
            "POST {} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\n\
             Accept: application/json, text/event-stream\r\n",
            endpoint.path, endpoint.authority
        );
        if let Some(id) = session_id {
            head.push_str(&format!("Mcp-Session-Id: {id}\r\nMCP-Protocol-Version: {PROTOCOL_VERSION}\r\n"));
        }
        head.push_str("Content-Length: ");
        Requests { head: head.into_bytes() }
    }

    /// Appends a complete request carrying `body` to `out`.
    pub fn write(&self, body: &[u8], out: &mut Vec<u8>) {
        out.extend_from_slice(&self.head);
        out.extend_from_slice(body.len().to_string().as_bytes());
        out.extend_from_slice(b"\r\n\r\n");
        out.extend_from_slice(body);
    }
}

pub struct Response {
    pub status: u16,
    /// Names lower-cased.
    headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    fn shown(&self) -> String {
        let body = String::from_utf8_lossy(&self.body[..self.body.len().min(300)]).into_owned();
        format!("HTTP {} {:?}: {body}", self.status, self.header("content-type").unwrap_or(""))
    }
}

/// A keep-alive connection with one request outstanding at most.
pub struct Conn {
    endpoint: Endpoint,
    stream: TcpStream,
    /// Received bytes not yet consumed by a parsed response.
    buf: Vec<u8>,
    chunk: Box<[u8]>,
    /// The last response said `Connection: close`: reconnect before the next request.
    closing: bool,
}

impl Conn {
    /// Connects, retrying while nobody listens yet (the SDK announces its URL before binding;
    /// the watchdog's stall limit bounds the wait).
    pub fn connect(endpoint: &Endpoint) -> Conn {
        Conn {
            endpoint: endpoint.clone(),
            stream: open(endpoint),
            buf: Vec::with_capacity(64 * 1024),
            chunk: vec![0; 64 * 1024].into_boxed_slice(),
            closing: false,
        }
    }

    pub fn fd(&self) -> RawFd {
        self.stream.as_raw_fd()
    }

    /// Writes a complete request (reconnecting first if the server asked to close).
    pub fn send(&mut self, request: &[u8]) {
        if self.closing {
            self.stream = open(&self.endpoint);
            self.buf.clear();
            self.closing = false;
            RECONNECTS.fetch_add(1, Ordering::Relaxed);
        }
        if let Err(e) = self.stream.write_all(request) {
            fatal(&format!("cannot write to the server: {e}"));
        }
    }

    /// Blocks until a complete response has arrived.
    pub fn recv(&mut self) -> Response {
        loop {
            if let Some(response) = self.read_some() {
                return response;
            }
        }
    }

    /// One `read` (which does not block when the socket is readable); the response, once complete.
    pub fn read_some(&mut self) -> Option<Response> {
        let n = loop {
            match self.stream.read(&mut self.chunk) {
                Ok(n) => break n,
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) => fatal(&format!("cannot read from the server: {e}")),
            }
        };
        if n == 0 {
            fatal("the server closed the connection while a request was outstanding");
        }
        self.buf.extend_from_slice(&self.chunk[..n]);
        let (response, used) = match parse_response(&self.buf) {
            Ok(Some(parsed)) => parsed,
            Ok(None) => return None,
            Err(e) => {
                let head = String::from_utf8_lossy(&self.buf[..self.buf.len().min(300)]).into_owned();
                fatal(&format!("bad HTTP response ({e}): {head}"))
            }
        };
        if used != self.buf.len() {
            // One request outstanding, so nothing may follow its answer.
            fatal(&format!("{} unexpected bytes after a response", self.buf.len() - used));
        }
        self.buf.clear();
        note_message();
        if response.header("connection").is_some_and(|v| v.eq_ignore_ascii_case("close")) {
            self.closing = true;
        }
        Some(response)
    }
}

fn open(endpoint: &Endpoint) -> TcpStream {
    loop {
        match TcpStream::connect(&endpoint.authority) {
            Ok(stream) => {
                if let Err(e) = stream.set_nodelay(true) {
                    fatal(&format!("cannot set TCP_NODELAY: {e}"));
                }
                return stream;
            }
            Err(e) if e.kind() == ErrorKind::ConnectionRefused => thread::sleep(Duration::from_millis(5)),
            Err(e) => fatal(&format!("cannot connect to {}: {e}", endpoint.authority)),
        }
    }
}

/// `Ok(None)` while `buf` does not hold a complete response yet; otherwise the response and
/// how many bytes of `buf` it used.
fn parse_response(buf: &[u8]) -> Result<Option<(Response, usize)>, String> {
    let Some(head_len) = find(buf, b"\r\n\r\n").map(|i| i + 4) else {
        return Ok(None);
    };
    let head = std::str::from_utf8(&buf[..head_len - 4]).map_err(|_| "head is not UTF-8")?;
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or("");
    let status = match status_line.split(' ').collect::<Vec<_>>()[..] {
        ["HTTP/1.1", code, ..] => code.parse::<u16>().map_err(|_| format!("bad status line {status_line:?}"))?,
        _ => return Err(format!("not an HTTP/1.1 status line: {status_line:?}")),
    };
    let mut headers = Vec::new();
    for line in lines {
        let (name, value) = line.split_once(':').ok_or_else(|| format!("bad header line {line:?}"))?;
        headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
    }
    let value = |name: &str| headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str());
    let chunked = value("transfer-encoding").is_some_and(|v| v.to_ascii_lowercase().contains("chunked"));
    let length = value("content-length").map(|v| v.parse::<usize>().map_err(|_| format!("bad Content-Length {v:?}")));
    let (body, end) = if chunked {
        match dechunk(&buf[head_len..])? {
            Some((body, used)) => (body, head_len + used),
            None => return Ok(None),
        }
    } else if let Some(length) = length {
        let end = head_len + length?;
        if buf.len() < end {
            return Ok(None);
        }
        (buf[head_len..end].to_vec(), end)
    } else if status < 200 || status == 204 || status == 304 {
        (Vec::new(), head_len)
    } else {
        return Err("neither Content-Length nor chunked: the body would end the connection".into());
    };
    Ok(Some((Response { status, headers, body }, end)))
}

/// Decodes a chunked body: `Ok(None)` while incomplete, else the body and the bytes used.
fn dechunk(buf: &[u8]) -> Result<Option<(Vec<u8>, usize)>, String> {
    let mut body = Vec::new();
    let mut pos = 0;
    loop {
        let Some(line_len) = find(&buf[pos..], b"\r\n") else { return Ok(None) };
        let line = std::str::from_utf8(&buf[pos..pos + line_len]).map_err(|_| "chunk size is not UTF-8")?;
        let hex = line.split(';').next().unwrap_or("").trim();
        let size = usize::from_str_radix(hex, 16).map_err(|_| format!("bad chunk size {line:?}"))?;
        pos += line_len + 2;
        if size == 0 {
            // Optional trailer lines, then an empty line.
            loop {
                let Some(len) = find(&buf[pos..], b"\r\n") else { return Ok(None) };
                pos += len + 2;
                if len == 0 {
                    return Ok(Some((body, pos)));
                }
            }
        }
        if buf.len() < pos + size + 2 {
            return Ok(None);
        }
        body.extend_from_slice(&buf[pos..pos + size]);
        if &buf[pos + size..pos + size + 2] != b"\r\n" {
            return Err("chunk not followed by CRLF".into());
        }
        pos += size + 2;
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The JSON-RPC messages in a response body: one JSON value (or a batch), or the `data:`
/// payloads of an event stream (events without data, e.g. priming events, carry none).
fn messages(response: &Response) -> Vec<Value> {
    let media = response.header("content-type").unwrap_or("").split(';').next().unwrap_or("").trim();
    let parsed: Vec<Value> = match media.to_ascii_lowercase().as_str() {
        "application/json" => vec![protocol::parse_message(&response.body)],
        "text/event-stream" => sse_data(&response.body).iter().map(|d| protocol::parse_message(d.as_bytes())).collect(),
        _ if response.body.is_empty() => Vec::new(),
        other => fatal(&format!("unexpected Content-Type {other:?}: {}", response.shown())),
    };
    parsed.into_iter().flat_map(|v| if let Value::Array(batch) = v { batch } else { vec![v] }).collect()
}

/// The data of each event in an SSE stream (multi-line data joined with `\n`).
fn sse_data(body: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(body);
    let mut events = Vec::new();
    let mut data: Option<String> = None;
    for line in text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l)) {
        if line.is_empty() {
            events.extend(data.take());
        } else if let Some(value) = line.strip_prefix("data:") {
            let value = value.strip_prefix(' ').unwrap_or(value);
            match &mut data {
                Some(d) => {
                    d.push('\n');
                    d.push_str(value);
                }
                None => data = Some(value.to_owned()),
            }
        }
        // `event:`, `id:`, `retry:` and `:` comments do not matter here.
    }
    events.extend(data);
    events.retain(|d| !d.is_empty());
    events
}

/// The answer to request `id`: HTTP 200, and exactly one JSON-RPC response, for that id
/// (notifications before it are skipped).
pub fn answer(response: &Response, id: u64) -> Value {
    if response.status != 200 {
        fatal(&format!("request {id}: {}", response.shown()));
    }
    let mut found = None;
    for message in messages(response) {
        match protocol::response_id(&message) {
            None => {}
            Some(got) if got == id && found.is_none() => found = Some(message),
            Some(got) => fatal(&format!("request {id}: unexpected answer to id {got}: {}", response.shown())),
        }
    }
    found.unwrap_or_else(|| fatal(&format!("request {id}: no JSON-RPC response in {}", response.shown())))
}

/// `initialize` (which opens the session) then `notifications/initialized`, on `conn`.
/// Returns the request head for the session's calls and the negotiated protocol version.
pub fn handshake(conn: &mut Conn, endpoint: &Endpoint) -> (Requests, String) {
    let mut out = Vec::new();
    Requests::new(endpoint, None).write(protocol::initialize_request().to_string().as_bytes(), &mut out);
    conn.send(&out);
    let response = conn.recv();
    let version = protocol::check_initialize_result(&answer(&response, protocol::INITIALIZE_ID));
    let Some(session_id) = response.header("mcp-session-id") else {
        fatal(&format!("initialize answered without an Mcp-Session-Id header: {}", response.shown()));
    };
    let requests = Requests::new(endpoint, Some(session_id));

    out.clear();
    requests.write(protocol::INITIALIZED, &mut out);
    conn.send(&out);
    let response = conn.recv();
    if response.status != 202 {
        fatal(&format!("notifications/initialized: expected 202 Accepted, got {}", response.shown()));
    }
    (requests, version)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_content_length_and_chunked_sse() {
        let plain = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nContent-Length: 2\r\n\r\n{}";
        let (r, used) = parse_response(plain).unwrap().unwrap();
        assert_eq!((r.status, used, &r.body[..]), (200, plain.len(), &b"{}"[..]));
        assert!(parse_response(&plain[..plain.len() - 1]).unwrap().is_none());

        let mut sse =
            b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
        for chunk in ["id: 1\n\n", "event: message\ndata: {\"a\":", "\ndata:1", "}\n\n", ""] {
            sse.extend_from_slice(format!("{:x}\r\n{chunk}\r\n", chunk.len()).as_bytes());
        }
        let sse = &sse[..];
        let (r, used) = parse_response(sse).unwrap().unwrap();
        assert_eq!(used, sse.len());
        assert_eq!(sse_data(&r.body), vec!["{\"a\":\n1}".to_string()]);
        for cut in 1..sse.len() {
            assert!(parse_response(&sse[..cut]).unwrap().is_none(), "cut at {cut}");
        }
    }

    #[test]
    fn refuses_close_delimited_bodies() {
        assert!(parse_response(b"HTTP/1.1 200 OK\r\n\r\n{}").is_err());
        assert!(parse_response(b"HTTP/1.1 204 No Content\r\n\r\n").unwrap().is_some());
    }
}
