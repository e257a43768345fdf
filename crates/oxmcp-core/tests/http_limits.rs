//! The HTTP transport's bounds, each tried as a hostile client would and then checked with a
//! fresh call: the header-read and keep-alive timeouts, `max_connections`, the session table's
//! cap (503, and no live session evicted), unnamed sessions, and a session whose client left
//! with a call that never ends.

mod common;

use common::setup;
use oxmcp_core::server::Server;
use oxmcp_core::transport::{serve_std_listener, HttpOptions};
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};
use tokio_util::sync::{CancellationToken, DropGuard};

fn serve(server: Server, options: HttpOptions) -> (String, DropGuard) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let stop = CancellationToken::new();
    let token = stop.clone();
    tokio::spawn(async move { serve_std_listener(server, listener, options, token).await });
    (addr, stop.drop_guard())
}

/// A blocking HTTP/1.1 client connection (one request at a time; keep-alive).
struct Conn {
    reader: BufReader<TcpStream>,
    addr: String,
}

struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap()
    }
}

impl Conn {
    fn open(addr: &str) -> Conn {
        let stream = TcpStream::connect(addr).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        Conn { reader: BufReader::new(stream), addr: addr.to_string() }
    }

    fn send(&mut self, method: &str, path: &str, headers: &[(&str, &str)], body: &str) {
        let mut req = format!("{method} {path} HTTP/1.1\r\nhost: {}\r\ncontent-length: {}\r\n", self.addr, body.len());
        for (k, v) in headers {
            req.push_str(&format!("{k}: {v}\r\n"));
        }
        req.push_str("\r\n");
        req.push_str(body);
        self.reader.get_mut().write_all(req.as_bytes()).unwrap();
    }

    /// Reads one answer with a `Content-Length` body.
    fn answer(&mut self) -> Answer {
        let mut line = String::new();
        self.reader.read_line(&mut line).unwrap();
        let status = line.split(' ').nth(1).unwrap_or_else(|| panic!("no status line: {line:?}")).parse().unwrap();
        let mut headers = Vec::new();
        loop {
            let mut line = String::new();
            self.reader.read_line(&mut line).unwrap();
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            let (k, v) = line.split_once(": ").unwrap();
            headers.push((k.to_ascii_lowercase(), v.to_string()));
        }
        let len: usize = headers.iter().find(|(k, _)| k == "content-length").map_or(0, |(_, v)| v.parse().unwrap());
        let mut body = vec![0; len];
        self.reader.read_exact(&mut body).unwrap();
        Answer { status, headers, body }
    }

    fn post(&mut self, session: Option<&str>, body: &Value) -> Answer {
        let mut headers = vec![("content-type", "application/json"), ("accept", "application/json, text/event-stream")];
        if let Some(s) = session {
            headers.push(("mcp-session-id", s));
        }
        self.send("POST", "/mcp", &headers, &body.to_string());
        self.answer()
    }

    fn health(&mut self) -> u16 {
        self.send("GET", "/healthz", &[], "");
        self.answer().status
    }

    /// Whether the server closed the connection within `within` (EOF or reset on read).
    fn closed_within(&mut self, within: Duration) -> bool {
        self.reader.get_ref().set_read_timeout(Some(within)).unwrap();
        let mut byte = [0u8; 1];
        match self.reader.read(&mut byte) {
            Ok(0) => true,
            Ok(_) => panic!("unexpected bytes from the server"),
            Err(e) => !matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut),
        }
    }
}

fn initialize(addr: &str) -> Answer {
    let init = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t"}}});
    Conn::open(addr).post(None, &init)
}

/// Opens a session and names it (`notifications/initialized`); its id.
fn session(addr: &str) -> String {
    let a = initialize(addr);
    assert_eq!(a.status, 200);
    let sid = a.header("mcp-session-id").unwrap().to_string();
    let note = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
    assert_eq!(Conn::open(addr).post(Some(&sid), &note).status, 202);
    sid
}

fn slow(id: u64, ms: u64, tag: &str) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "method": "tools/call",
        "params": {"name": "slow", "arguments": {"ms": ms, "tag": tag, "cooperative": true}}})
}

fn add(id: u64) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": {"name": "add", "arguments": {"a": 2, "b": 3}}})
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(f).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silent_and_slowloris_connections_are_closed_at_the_header_timeout() {
    let options = HttpOptions {
        header_read_timeout: Duration::from_millis(300),
        keep_alive_timeout: Duration::from_secs(5),
        ..HttpOptions::default()
    };
    let (addr, _stop) = serve(setup().0, options);
    blocking(move || {
        let started = Instant::now();
        let mut silent = Conn::open(&addr);
        assert!(silent.closed_within(Duration::from_secs(2)), "a connection that never sends is closed");
        assert!(started.elapsed() >= Duration::from_millis(250), "{:?}", started.elapsed());

        // One byte every 50 ms: the headers never complete.
        let started = Instant::now();
        let mut slow = TcpStream::connect(&addr).unwrap();
        let mut closed = false;
        for b in b"GET /healthz HTTP/1.1\r\nhost: x\r\nx-padding: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".iter() {
            if slow.write_all(&[*b]).is_err() {
                closed = true;
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let mut conn = Conn { reader: BufReader::new(slow), addr: addr.clone() };
        assert!(closed || conn.closed_within(Duration::from_secs(1)), "slowloris is closed");
        assert!(started.elapsed() < Duration::from_secs(3), "{:?}", started.elapsed());
        assert_eq!(Conn::open(&addr).health(), 200, "a fresh call is served");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trickled_body_fails_at_the_body_read_timeout() {
    let options = HttpOptions { body_read_timeout: Duration::from_millis(300), ..HttpOptions::default() };
    let (addr, _stop) = serve(setup().0, options);
    blocking(move || {
        let mut conn = Conn::open(&addr);
        let head = format!(
            "POST /mcp HTTP/1.1\r\nhost: {addr}\r\ncontent-type: application/json\r\n\
             accept: application/json, text/event-stream\r\ncontent-length: 1000\r\n\r\n{{"
        );
        conn.reader.get_mut().write_all(head.as_bytes()).unwrap();
        let started = Instant::now();
        let _ = conn.reader.get_mut().write_all(b" "); // a byte now and then, never the rest
        let a = conn.answer();
        assert_eq!(a.status, 400);
        assert!(String::from_utf8_lossy(&a.body).contains("body_read_timeout"));
        let waited = started.elapsed();
        assert!(waited >= Duration::from_millis(250) && waited < Duration::from_secs(2), "{waited:?}");
        assert!(conn.closed_within(Duration::from_secs(2)));
        assert_eq!(
            Conn::open(&addr)
                .post(
                    None,
                    &json!({"jsonrpc": "2.0", "id": 1, "method": "initialize",
            "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t"}}})
                )
                .status,
            200
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_connections_close_at_the_keep_alive_timeout_and_busy_ones_never() {
    let options = HttpOptions {
        header_read_timeout: Duration::from_millis(200),
        keep_alive_timeout: Duration::from_millis(700),
        ..HttpOptions::default()
    };
    let (addr, _stop) = serve(setup().0, options);
    blocking(move || {
        let mut conn = Conn::open(&addr);
        assert_eq!(conn.health(), 200);
        // Idle longer than the header timeout, shorter than keep-alive: still usable.
        std::thread::sleep(Duration::from_millis(400));
        assert_eq!(conn.health(), 200);
        let idle = Instant::now();
        assert!(conn.closed_within(Duration::from_secs(3)), "closed once idle past keep_alive_timeout");
        let waited = idle.elapsed();
        assert!(waited >= Duration::from_millis(600) && waited < Duration::from_millis(1500), "{waited:?}");

        // A call that outlasts both timeouts is answered on its connection.
        let sid = session(&addr);
        let mut conn = Conn::open(&addr);
        let answer = conn.post(Some(&sid), &slow(2, 1200, "long"));
        assert_eq!(answer.status, 200);
        assert!(answer.json()["result"].is_object(), "{}", answer.json());
        assert_eq!(conn.post(Some(&sid), &add(3)).json()["result"]["structuredContent"]["sum"], 5.0);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn past_max_connections_new_ones_get_503_with_retry_after_then_it_recovers() {
    let options = HttpOptions { max_connections: 2, ..HttpOptions::default() };
    let (addr, _stop) = serve(setup().0, options);
    blocking(move || {
        let mut held: Vec<Conn> = (0..2).map(|_| Conn::open(&addr)).collect();
        for c in &mut held {
            assert_eq!(c.health(), 200);
        }
        let mut refused = Conn::open(&addr);
        refused.send("GET", "/healthz", &[], "");
        let a = refused.answer();
        assert_eq!(a.status, 503);
        assert_eq!(a.header("retry-after"), Some("1"));
        assert_eq!(a.json()["error"]["code"], -32030);
        assert!(refused.closed_within(Duration::from_secs(2)), "and closed");
        drop(held);
        std::thread::sleep(Duration::from_millis(100));
        assert_eq!(Conn::open(&addr).health(), 200, "served again once connections closed");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_session_table_refuses_initialize_and_never_evicts_a_session_in_flight() {
    let options = HttpOptions { max_sessions: 3, ..HttpOptions::default() };
    let (server, handler) = setup();
    let (addr, _stop) = serve(server, options);
    blocking(move || {
        let busy = session(&addr);
        let call = {
            let (addr, busy) = (addr.clone(), busy.clone());
            std::thread::spawn(move || Conn::open(&addr).post(Some(&busy), &slow(2, 800, "inflight")))
        };
        std::thread::sleep(Duration::from_millis(100));
        // A burst of initializes: two fit, the rest are refused.
        let answers: Vec<Answer> = (0..20).map(|_| initialize(&addr)).collect();
        let opened: Vec<&Answer> = answers.iter().filter(|a| a.status == 200).collect();
        assert_eq!(opened.len(), 2);
        let refused = answers.iter().find(|a| a.status == 503).unwrap();
        assert!(refused.header("retry-after").unwrap().parse::<u64>().unwrap() >= 1);
        assert_eq!(refused.json()["error"]["code"], -32030);
        assert_eq!(refused.json()["id"], 1);
        assert!(refused.header("mcp-session-id").is_none());
        // The session with a call in flight was not evicted: its answer arrives.
        let answer = call.join().unwrap();
        assert_eq!(answer.status, 200);
        assert!(answer.json()["result"]["content"].is_array(), "{}", answer.json());
        assert!(!handler.slow_flags("inflight").token_cancelled.load(Ordering::SeqCst));
        assert_eq!(Conn::open(&addr).post(Some(&busy), &add(3)).json()["result"]["structuredContent"]["sum"], 5.0);
        // Ending a session makes room.
        let gone = opened[0].header("mcp-session-id").unwrap();
        let mut deleting = Conn::open(&addr);
        deleting.send("DELETE", "/mcp", &[("mcp-session-id", gone)], "");
        assert_eq!(deleting.answer().status, 200);
        assert_eq!(session(&addr).len(), 32);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_that_never_finish_initialize_expire_within_the_uninitialized_timeout() {
    let options = HttpOptions {
        max_sessions: 3,
        uninitialized_session_timeout: Duration::from_millis(300),
        ..HttpOptions::default()
    };
    let (addr, _stop) = serve(setup().0, options);
    blocking(move || {
        let named = session(&addr);
        let unnamed: Vec<String> =
            (0..2).map(|_| initialize(&addr).header("mcp-session-id").unwrap().to_string()).collect();
        assert_eq!(initialize(&addr).status, 503, "full");
        std::thread::sleep(Duration::from_millis(700));
        for sid in &unnamed {
            assert_eq!(Conn::open(&addr).post(Some(sid), &add(2)).status, 404, "expired");
        }
        assert_eq!(Conn::open(&addr).post(Some(&named), &add(3)).status, 200, "the named one lives");
        session(&addr);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_whose_client_left_mid_call_ends_and_its_endless_call_is_cancelled() {
    let options = HttpOptions { session_idle_timeout: Duration::from_millis(400), ..HttpOptions::default() };
    let (server, handler) = setup();
    let (addr, _stop) = serve(server, options);
    blocking(move || {
        // Attached: a call longer than the idle timeout, its client waiting, is answered.
        let sid = session(&addr);
        let answer = Conn::open(&addr).post(Some(&sid), &slow(2, 1000, "attached"));
        assert!(answer.json()["result"].is_object(), "{}", answer.json());

        // Gone: the client sends a call that never ends, then its connection drops.
        let mut conn = Conn::open(&addr);
        conn.send(
            "POST",
            "/mcp",
            &[
                ("content-type", "application/json"),
                ("accept", "application/json, text/event-stream"),
                ("mcp-session-id", &sid),
            ],
            &slow(3, 3_600_000, "endless").to_string(),
        );
        std::thread::sleep(Duration::from_millis(150));
        drop(conn);
        let deadline = Instant::now() + Duration::from_secs(3);
        while !handler.slow_flags("endless").token_cancelled.load(Ordering::SeqCst) {
            assert!(Instant::now() < deadline, "the endless call was never cancelled");
            std::thread::sleep(Duration::from_millis(20));
        }
        assert_eq!(Conn::open(&addr).post(Some(&sid), &add(4)).status, 404, "the session ended");
        let fresh = session(&addr);
        assert_eq!(Conn::open(&addr).post(Some(&fresh), &add(5)).json()["result"]["structuredContent"]["sum"], 5.0);
    })
    .await;
}

#[tokio::test]
async fn the_mounted_endpoint_applies_the_session_caps_too() {
    use http_body_util::Full;
    let app =
        oxmcp_core::transport::MountedApp::new(setup().0, HttpOptions { max_sessions: 1, ..HttpOptions::default() });
    let init = || {
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize",
            "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t"}}});
        hyper::Request::post("/mcp")
            .header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream")
            .body(Full::new(bytes::Bytes::from(body.to_string())))
            .unwrap()
    };
    assert_eq!(app.handle(init()).await.status(), 200);
    let refused = app.handle(init()).await;
    assert_eq!(refused.status(), 503);
    assert!(refused.headers().contains_key("retry-after"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_legacy_sse_endpoint_refuses_past_max_sessions_like_initialize_then_recovers() {
    let options = HttpOptions { max_sessions: 1, ..HttpOptions::default() };
    let (server, _handler) = setup();
    let (addr, _stop) = serve(server, options);
    blocking(move || {
        // One open legacy stream fills the table (its first event names the message endpoint).
        let mut first = Conn::open(&addr);
        first.send("GET", "/sse", &[("accept", "text/event-stream")], "");
        let mut line = String::new();
        first.reader.read_line(&mut line).unwrap();
        assert!(line.contains("200"), "{line}");
        let mut refused = Conn::open(&addr);
        refused.send("GET", "/sse", &[("accept", "text/event-stream")], "");
        let answer = refused.answer();
        assert_eq!(answer.status, 503);
        assert!(answer.header("retry-after").unwrap().parse::<u64>().unwrap() >= 1);
        assert_eq!(answer.json()["error"]["code"], -32030);
        // The first client leaves: its session ends with its stream, and a new one fits.
        drop(first);
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let mut again = Conn::open(&addr);
            again.send("GET", "/sse", &[("accept", "text/event-stream")], "");
            let mut line = String::new();
            again.reader.read_line(&mut line).unwrap();
            if line.contains("200") {
                break;
            }
            assert!(Instant::now() < deadline, "the table never made room: {line}");
            std::thread::sleep(Duration::from_millis(50));
        }
    })
    .await;
}
