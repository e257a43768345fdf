//! The four measurement modes over stdio (`http_modes.rs` has `throughput` and `latency` over HTTP). Each returns the JSON object the driver prints.
//!
//! Only `throughput` uses a writer and a reader thread. The sequential modes do
//! write-then-read on one thread: a hand-off between driver threads would add a wake-up
//! to every measured round trip, which is exactly what the latency numbers must not contain.

use std::io::BufReader;
use std::process::{ChildStdin, ChildStdout};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::{self, Thread};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::protocol::{self, Call};
use crate::server::{fatal, own_cpu_seconds, Server};

/// Distinct precomputed calls cycled through by id (id % POOL_SIZE picks the call).
pub const POOL_SIZE: usize = 4096;
/// How long to wait for the last answers once the writer has stopped.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(10);

/// Counters shared by the throughput writer, reader and main thread.
#[derive(Default)]
struct Progress {
    /// Highest id written so far (ids are 1..=sent). Published before the bytes are written,
    /// so the reader never sees an answer to an id it does not know yet.
    sent: AtomicU64,
    completed: AtomicU64,
    stop: AtomicBool,
    /// Set once end-of-stream from the server is expected.
    shutting_down: AtomicBool,
}

/// A point-in-time reading of everything a window is measured by.
pub struct Sample {
    pub at: Instant,
    pub completed: u64,
    pub server_cpu: f64,
    pub driver_cpu: f64,
}

pub fn sample(server: &Server, completed: u64) -> Sample {
    Sample { at: Instant::now(), completed, server_cpu: server.cpu_seconds(), driver_cpu: own_cpu_seconds() }
}

/// Keeps `inflight` requests outstanding for `duration` after a `warmup`.
pub fn throughput(cmd: &[String], inflight: u64, warmup: Duration, duration: Duration) -> Value {
    let pool = Arc::new(protocol::mixed_pool(POOL_SIZE));
    let (server, mut stdin, mut stdout) = Server::spawn(cmd);
    let version = protocol::handshake(&mut stdin, &mut stdout);
    let progress = Arc::new(Progress::default());

    let writer = {
        let (pool, progress) = (pool.clone(), progress.clone());
        thread::spawn(move || write_loop(stdin, &pool, &progress, inflight))
    };
    let reader = {
        let (pool, progress, writer_thread) = (pool.clone(), progress.clone(), writer.thread().clone());
        thread::spawn(move || read_loop(stdout, &pool, &progress, &writer_thread))
    };

    thread::sleep(warmup);
    let start = sample(&server, progress.completed.load(Ordering::Acquire));
    thread::sleep(duration);
    let end = sample(&server, progress.completed.load(Ordering::Acquire));

    progress.stop.store(true, Ordering::Release);
    writer.thread().unpark();
    let stdin = writer.join().unwrap_or_else(|_| fatal("writer thread panicked"));
    wait_for_drain(&progress);
    let peak_rss = server.peak_rss_mib();
    progress.shutting_down.store(true, Ordering::Release);
    server.stop(stdin);
    reader.join().unwrap_or_else(|_| fatal("reader thread panicked"));

    let calls = end.completed - start.completed;
    let seconds = (end.at - start.at).as_secs_f64();
    json!({
        "mode": "throughput",
        "protocol_version": version,
        "inflight": inflight,
        "duration_s": seconds,
        "calls": calls,
        "calls_per_s": calls as f64 / seconds,
        "total_checked": progress.completed.load(Ordering::Acquire),
        "server_cpu_us_per_call": per_call_us(end.server_cpu - start.server_cpu, calls),
        "driver_cpu_us_per_call": per_call_us(end.driver_cpu - start.driver_cpu, calls),
        "peak_rss_mib": peak_rss,
    })
}

/// Writes requests whenever fewer than `inflight` are outstanding; batches them into one
/// write when several slots free up at once. Returns stdin so the caller decides when to close it.
fn write_loop(mut stdin: ChildStdin, pool: &[Call], progress: &Progress, inflight: u64) -> ChildStdin {
    let mut buf = Vec::with_capacity(64 * 1024);
    let mut next_id: u64 = 1;
    while !progress.stop.load(Ordering::Acquire) {
        let outstanding = (next_id - 1) - progress.completed.load(Ordering::Acquire);
        let free = inflight.saturating_sub(outstanding);
        if free == 0 {
            // The reader unparks us after every answer; a stale token just loops once more.
            thread::park();
            continue;
        }
        buf.clear();
        for _ in 0..free {
            pool[next_id as usize % pool.len()].write_line(next_id, &mut buf);
            next_id += 1;
        }
        progress.sent.store(next_id - 1, Ordering::Release);
        protocol::write_all(&mut stdin, &buf);
    }
    stdin
}

/// Reads and checks every answer: known id, seen once, correct result.
fn read_loop(mut stdout: BufReader<ChildStdout>, pool: &[Call], progress: &Progress, writer: &Thread) {
    let mut seen = IdSet::default();
    let mut buf = Vec::with_capacity(4096);
    loop {
        let Some(response) = protocol::next_response(&mut stdout, &mut buf) else {
            if progress.shutting_down.load(Ordering::Acquire) {
                return;
            }
            fatal("server closed its stdout in the middle of the run");
        };
        let id = protocol::response_id(&response).expect("next_response returns responses");
        let sent = progress.sent.load(Ordering::Acquire);
        if id == 0 || id > sent {
            fatal(&format!("answer to id {id}, which was never sent (sent 1..={sent})"));
        }
        if !seen.insert(id) {
            fatal(&format!("second answer to id {id}"));
        }
        let call = &pool[id as usize % pool.len()];
        if let Err(e) = protocol::check_result(&response, &call.expect) {
            fatal(&format!("wrong answer to id {id}: {e}"));
        }
        progress.completed.fetch_add(1, Ordering::Release);
        writer.unpark();
    }
}

/// After the writer stops, every sent request must still be answered (none missing).
fn wait_for_drain(progress: &Progress) {
    let deadline = Instant::now() + DRAIN_TIMEOUT;
    loop {
        let (sent, done) = (progress.sent.load(Ordering::Acquire), progress.completed.load(Ordering::Acquire));
        if done == sent {
            return;
        }
        if Instant::now() > deadline {
            fatal(&format!("{} of {sent} requests never got an answer", sent - done));
        }
        thread::sleep(Duration::from_millis(1));
    }
}

/// A growable bitset of ids seen: ids are dense, so this beats a hash set.
#[derive(Default)]
struct IdSet(Vec<u64>);

impl IdSet {
    /// Returns false if `id` was already present.
    fn insert(&mut self, id: u64) -> bool {
        let (word, bit) = ((id / 64) as usize, 1u64 << (id % 64));
        if word >= self.0.len() {
            self.0.resize((word + 1).max(self.0.len() * 2), 0);
        }
        let fresh = self.0[word] & bit == 0;
        self.0[word] |= bit;
        fresh
    }
}

/// One request in flight at a time; reports the round-trip distribution.
pub fn latency(cmd: &[String], warmup: usize, count: usize) -> Value {
    let pool = protocol::mixed_pool(POOL_SIZE);
    let (server, mut stdin, mut stdout) = Server::spawn(cmd);
    let version = protocol::handshake(&mut stdin, &mut stdout);
    let mut session = Sequential { stdin, stdout, line: Vec::new(), buf: Vec::new(), next_id: 1 };

    for i in 0..warmup {
        session.call(&pool[i % POOL_SIZE]);
    }
    let start = sample(&server, 0);
    let mut micros: Vec<f64> =
        (0..count).map(|i| session.call(&pool[(warmup + i) % POOL_SIZE]).as_secs_f64() * 1e6).collect();
    let end = sample(&server, count as u64);
    let peak_rss = server.peak_rss_mib();
    server.stop(session.stdin);

    micros.sort_by(f64::total_cmp);
    json!({
        "mode": "latency",
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
    })
}

/// Sequential 1 MiB-class echoes; reports payload MB/s counting both directions.
pub fn echo_large(cmd: &[String], size: usize, count: usize) -> Value {
    // Distinct texts per call (one extra for warm-up), built before the clock starts.
    let calls: Vec<Call> = (0..=count).map(|i| Call::echo(large_text(size, i))).collect();
    let (server, mut stdin, mut stdout) = Server::spawn(cmd);
    let version = protocol::handshake(&mut stdin, &mut stdout);
    let mut session = Sequential { stdin, stdout, line: Vec::new(), buf: Vec::new(), next_id: 1 };

    session.call(&calls[count]);
    let start = sample(&server, 0);
    let elapsed: Duration = calls[..count].iter().map(|call| session.call(call)).sum();
    let end = sample(&server, count as u64);
    let peak_rss = server.peak_rss_mib();
    server.stop(session.stdin);

    let seconds = elapsed.as_secs_f64();
    json!({
        "mode": "echo-large",
        "protocol_version": version,
        "size_bytes": size,
        "count": count,
        "mb_per_s": (2 * size * count) as f64 / seconds / 1e6,
        "ms_per_call": seconds * 1e3 / count as f64,
        "server_cpu_us_per_call": per_call_us(end.server_cpu - start.server_cpu, count as u64),
        "peak_rss_mib": peak_rss,
    })
}

/// ASCII letters and digits only, so the payload size is the same on the wire (no escapes).
fn large_text(size: usize, seed: usize) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    (0..size).map(|j| ALPHABET[(j + seed * 7) % ALPHABET.len()] as char).collect()
}

/// Spawn → `initialize` answer, repeated; each child is checked with one call, then stopped.
pub fn coldstart(cmd: &[String], repeat: usize) -> Value {
    let check = Call::add(2.5, 4.25);
    let mut millis = Vec::with_capacity(repeat);
    let mut cpu_ms = Vec::with_capacity(repeat);
    let mut peak_rss: f64 = 0.0;
    let mut version = String::new();
    for _ in 0..repeat {
        let t0 = Instant::now();
        let (server, mut stdin, mut stdout) = Server::spawn(cmd);
        protocol::send_initialize(&mut stdin);
        version = protocol::read_initialize_result(&mut stdout);
        millis.push(t0.elapsed().as_secs_f64() * 1e3);
        // CPU the server needed to get ready (interpreter start, imports, initialize).
        cpu_ms.push(server.cpu_seconds() * 1e3);

        protocol::send_initialized(&mut stdin);
        let mut session = Sequential { stdin, stdout, line: Vec::new(), buf: Vec::new(), next_id: 1 };
        session.call(&check);
        peak_rss = peak_rss.max(server.peak_rss_mib());
        server.stop(session.stdin);
    }
    let min = millis.iter().copied().fold(f64::INFINITY, f64::min);
    json!({
        "mode": "coldstart",
        "protocol_version": version,
        "repeat": repeat,
        "median_ms": median(&mut millis),
        "min_ms": min,
        "max_ms": millis.iter().copied().fold(0.0, f64::max),
        "server_cpu_ms_per_start": median(&mut cpu_ms),
        "peak_rss_mib": peak_rss,
    })
}

/// A session driven one call at a time from a single thread.
struct Sequential {
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    line: Vec<u8>,
    buf: Vec<u8>,
    next_id: u64,
}

impl Sequential {
    /// Sends `call`, waits for and checks its answer; returns the round-trip time
    /// (write start to last byte read, excluding the driver's checking).
    fn call(&mut self, call: &Call) -> Duration {
        let id = self.next_id;
        self.next_id += 1;
        self.line.clear();
        call.write_line(id, &mut self.line);

        let t0 = Instant::now();
        protocol::write_all(&mut self.stdin, &self.line);
        let response = protocol::next_response(&mut self.stdout, &mut self.buf)
            .unwrap_or_else(|| fatal(&format!("server exited before answering id {id}")));
        let elapsed = t0.elapsed();

        let got = protocol::response_id(&response);
        if got != Some(id) {
            fatal(&format!("expected the answer to id {id}, got id {got:?}"));
        }
        if let Err(e) = protocol::check_result(&response, &call.expect) {
            fatal(&format!("wrong answer to id {id}: {e}"));
        }
        elapsed
    }
}

pub fn per_call_us(cpu_seconds: f64, calls: u64) -> f64 {
    if calls == 0 {
        return 0.0;
    }
    cpu_seconds * 1e6 / calls as f64
}

/// Nearest-rank percentile of sorted, non-empty data.
pub fn percentile(sorted: &[f64], pct: f64) -> f64 {
    let rank = ((pct / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    percentile(values, 50.0)
}
