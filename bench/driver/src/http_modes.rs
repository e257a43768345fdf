//! `throughput` and `latency` over Streamable HTTP (`--transport http`).
//!
//! One MCP session (one `initialize`) shared by every connection, as a client with
//! concurrent calls would do. Each connection has one request outstanding at a time, so
//! N connections means N in flight. Calls, checks and the reported fields are those of the
//! stdio modes.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::http::{self, Conn, Endpoint, Requests};
use crate::modes::{per_call_us, percentile, sample, POOL_SIZE};
use crate::protocol::{self, Call};
use crate::server::{fatal, Server};

#[derive(Default)]
struct Progress {
    completed: AtomicU64,
    stop: AtomicBool,
}

/// Starts the server, opens `connections` keep-alive connections and runs the handshake on
/// the first one.
fn start(cmd: &[String], connections: usize) -> (Server, Vec<Conn>, Requests, String) {
    let (server, url) = Server::spawn_http(cmd);
    let endpoint = Endpoint::parse(&url);
    let mut first = Conn::connect(&endpoint);
    let (requests, version) = http::handshake(&mut first, &endpoint);
    let mut conns = vec![first];
    conns.extend((1..connections).map(|_| Conn::connect(&endpoint)));
    (server, conns, requests, version)
}

/// `connections` connections, each sending its next call as soon as the previous is answered.
pub fn throughput(cmd: &[String], connections: u64, warmup: Duration, duration: Duration) -> Value {
    let pool = Arc::new(protocol::mixed_pool(POOL_SIZE));
    let (server, conns, requests, version) = start(cmd, connections as usize);
    let progress = Arc::new(Progress::default());
    let looper = {
        let (pool, progress) = (pool.clone(), progress.clone());
        thread::spawn(move || run_connections(conns, &pool, &requests, &progress))
    };

    thread::sleep(warmup);
    let start = sample(&server, progress.completed.load(Ordering::Acquire));
    thread::sleep(duration);
    let end = sample(&server, progress.completed.load(Ordering::Acquire));

    progress.stop.store(true, Ordering::Release);
    // The loop returns once every outstanding call is answered (the watchdog bounds the wait).
    let conns = looper.join().unwrap_or_else(|_| fatal("connection loop panicked"));
    let peak_rss = server.peak_rss_mib();
    drop(conns);
    server.terminate();

    let calls = end.completed - start.completed;
    let seconds = (end.at - start.at).as_secs_f64();
    json!({
        "mode": "throughput",
        "transport": "http",
        "protocol_version": version,
        "inflight": connections,
        "connections": connections,
        "duration_s": seconds,
        "calls": calls,
        "calls_per_s": calls as f64 / seconds,
        "total_checked": progress.completed.load(Ordering::Acquire),
        "server_cpu_us_per_call": per_call_us(end.server_cpu - start.server_cpu, calls),
        "driver_cpu_us_per_call": per_call_us(end.driver_cpu - start.driver_cpu, calls),
        "peak_rss_mib": peak_rss,
        "reconnects": http::reconnects(),
    })
}

/// One thread, `poll(2)` over all connections. The sockets stay blocking: a `read` after
/// `POLLIN` returns at once, and a request (a few hundred bytes, one per connection at a
/// time) always fits the socket buffer.
fn run_connections(mut conns: Vec<Conn>, pool: &[Call], requests: &Requests, progress: &Progress) -> Vec<Conn> {
    let mut next_id: u64 = 1;
    let mut body = Vec::with_capacity(1024);
    let mut out = Vec::with_capacity(2048);
    let mut send = |conn: &mut Conn| -> u64 {
        let id = next_id;
        next_id += 1;
        body.clear();
        pool[id as usize % pool.len()].write_body(id, &mut body);
        out.clear();
        requests.write(&body, &mut out);
        conn.send(&out);
        id
    };
    // The id each connection waits for (0: none, once stopping).
    let mut waiting: Vec<u64> = conns.iter_mut().map(&mut send).collect();
    let mut fds: Vec<libc::pollfd> =
        conns.iter().map(|c| libc::pollfd { fd: c.fd(), events: libc::POLLIN, revents: 0 }).collect();
    let mut outstanding = conns.len();
    while outstanding > 0 {
        // SAFETY: `fds` is a valid, exclusively borrowed array of `fds.len()` pollfds.
        let ready = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, 100) };
        if ready < 0 {
            let e = std::io::Error::last_os_error();
            if e.kind() == std::io::ErrorKind::Interrupted {
                continue;
            }
            fatal(&format!("poll failed: {e}"));
        }
        let stopping = progress.stop.load(Ordering::Acquire);
        for (i, conn) in conns.iter_mut().enumerate() {
            if fds[i].revents == 0 {
                continue;
            }
            let id = waiting[i];
            if id == 0 {
                fatal("the server sent something on an idle connection");
            }
            let Some(response) = conn.read_some() else { continue };
            let answer = http::answer(&response, id);
            if let Err(e) = protocol::check_result(&answer, &pool[id as usize % pool.len()].expect) {
                fatal(&format!("wrong answer to id {id}: {e}"));
            }
            progress.completed.fetch_add(1, Ordering::Release);
            if stopping {
                waiting[i] = 0;
                fds[i].fd = -1; // poll skips it: nothing more is expected there
                outstanding -= 1;
            } else {
                waiting[i] = send(conn);
                fds[i].fd = conn.fd(); // new if the server closed the connection
            }
        }
    }
    conns
}

/// One connection, one call at a time; reports the round-trip distribution.
pub fn latency(cmd: &[String], warmup: usize, count: usize) -> Value {
    let pool = protocol::mixed_pool(POOL_SIZE);
    let (server, mut conns, requests, version) = start(cmd, 1);
    let mut session = Sequential { conn: conns.remove(0), requests, body: Vec::new(), out: Vec::new(), next_id: 1 };

    for i in 0..warmup {
        session.call(&pool[i % POOL_SIZE]);
    }
    let start = sample(&server, 0);
    let mut micros: Vec<f64> =
        (0..count).map(|i| session.call(&pool[(warmup + i) % POOL_SIZE]).as_secs_f64() * 1e6).collect();
    let end = sample(&server, count as u64);
    let peak_rss = server.peak_rss_mib();
    drop(session);
    server.terminate();

    micros.sort_by(f64::total_cmp);
    json!({
        "mode": "latency",
        "transport": "http",
        "protocol_version": version,
        "count": count,
        "p50_us": percentile(&micros, 50.0),
        "p99_us": percentile(&micros, 99.0),
        "mean_us": micros.iter().sum::<f64>() / count as f64,
        "min_us": micros[0],
        "max_us": micros[count - 1],
        "server_cpu_us_per_call": per_call_us(end.server_cpu - start.server_cpu, count as u64),
        "driver_cpu_us_per_call": per_call_us(end.driver_cpu - start.driver_cpu, count as u64),
        "peak_rss_mib": peak_rss,
        "reconnects": http::reconnects(),
    })
}

struct Sequential {
    conn: Conn,
    requests: Requests,
    body: Vec<u8>,
    out: Vec<u8>,
    next_id: u64,
}

impl Sequential {
    /// Sends `call`, waits for and checks its answer; returns the round-trip time (write start
    /// to the last byte of the HTTP response, excluding the driver's JSON parsing and checks).
    fn call(&mut self, call: &Call) -> Duration {
        let id = self.next_id;
        self.next_id += 1;
        self.body.clear();
        call.write_body(id, &mut self.body);
        self.out.clear();
        self.requests.write(&self.body, &mut self.out);

        let t0 = Instant::now();
        self.conn.send(&self.out);
        let response = self.conn.recv();
        let elapsed = t0.elapsed();

        let answer = http::answer(&response, id);
        if let Err(e) = protocol::check_result(&answer, &call.expect) {
            fatal(&format!("wrong answer to id {id}: {e}"));
        }
        elapsed
    }
}
