//! oxmcp-bench-driver: drives an MCP server over stdio or Streamable HTTP and prints one JSON object.
//!
//! ```text
//! oxmcp-bench-driver throughput --inflight 16 --duration-ms 3000 -- python server.py
//! oxmcp-bench-driver latency --count 5000 -- python server.py
//! oxmcp-bench-driver echo-large --size-bytes 1048576 --count 20 -- python server.py
//! oxmcp-bench-driver coldstart --repeat 10 -- python server.py
//! oxmcp-bench-driver throughput --transport http --inflight 16 -- python http_server.py --port 8000
//! oxmcp-bench-driver latency --transport http --count 5000 -- python http_server.py --port 8000
//! ```
//!
//! With `--transport http` the server must print its endpoint on stderr, in a line like
//! `oxmcp: bench serving MCP on http://127.0.0.1:8000/mcp`; `--inflight N` opens N connections.
//!
//! Every answer is checked; any wrong, missing or duplicate answer exits non-zero.
//! The whole run is bounded by `--timeout-s`, and by `--stall-timeout-s` of server silence.

mod http;
mod http_modes;
mod modes;
mod protocol;
mod server;

use std::time::Duration;

const USAGE: &str =
    "usage: oxmcp-bench-driver <throughput|latency|echo-large|coldstart> [options] -- <server command...>
options:
  --transport T       stdio (default) or http (throughput and latency only): the server
                      prints `... serving MCP on http://HOST:PORT/PATH` on stderr
  --inflight N        requests kept in flight (throughput; default 16); with http, N
                      keep-alive connections with one request each
  --duration-ms D     measured window (throughput; default 3000)
  --warmup-ms W       unmeasured warm-up before the window (throughput; default 500)
  --count C           measured calls (latency default 5000, echo-large default 20)
  --warmup C          unmeasured calls before measuring (latency; default 500)
  --size-bytes S      echo payload size (echo-large; default 1048576)
  --repeat R          server starts (coldstart; default 10)
  --timeout-s T       hard limit for the whole run (default 120)
  --stall-timeout-s T fail if the server sends nothing for T seconds (default 10)";

struct Args {
    mode: String,
    http: bool,
    inflight: u64,
    duration_ms: u64,
    warmup_ms: u64,
    count: Option<usize>,
    warmup: usize,
    size_bytes: usize,
    repeat: usize,
    timeout_s: u64,
    stall_timeout_s: u64,
    cmd: Vec<String>,
}

fn parse_args() -> Args {
    let mut argv = std::env::args().skip(1);
    let mode = argv.next().unwrap_or_else(|| usage_error("missing mode"));
    let mut args = Args {
        mode,
        http: false,
        inflight: 16,
        duration_ms: 3000,
        warmup_ms: 500,
        count: None,
        warmup: 500,
        size_bytes: 1 << 20,
        repeat: 10,
        timeout_s: 120,
        stall_timeout_s: 10,
        cmd: Vec::new(),
    };
    while let Some(flag) = argv.next() {
        if flag == "--" {
            args.cmd = argv.by_ref().collect();
            break;
        }
        let value = argv.next().unwrap_or_else(|| usage_error(&format!("{flag} needs a value")));
        match flag.as_str() {
            "--transport" => {
                args.http = match value.as_str() {
                    "stdio" => false,
                    "http" => true,
                    other => usage_error(&format!("--transport: stdio or http, not {other}")),
                }
            }
            "--inflight" => args.inflight = number(&flag, &value),
            "--duration-ms" => args.duration_ms = number(&flag, &value),
            "--warmup-ms" => args.warmup_ms = number(&flag, &value),
            "--count" => args.count = Some(number(&flag, &value)),
            "--warmup" => args.warmup = number(&flag, &value),
            "--size-bytes" => args.size_bytes = number(&flag, &value),
            "--repeat" => args.repeat = number(&flag, &value),
            "--timeout-s" => args.timeout_s = number(&flag, &value),
            "--stall-timeout-s" => args.stall_timeout_s = number(&flag, &value),
            _ => usage_error(&format!("unknown option {flag}")),
        }
    }
    if args.cmd.is_empty() {
        usage_error("missing server command after --");
    }
    args
}

fn number<T: std::str::FromStr>(flag: &str, value: &str) -> T {
    value.parse().unwrap_or_else(|_| usage_error(&format!("{flag}: not a valid number: {value}")))
}

fn positive<T: Default + PartialEq>(flag: &str, n: T) -> T {
    if n == T::default() {
        usage_error(&format!("{flag} must be positive"));
    }
    n
}

fn usage_error(msg: &str) -> ! {
    eprintln!("oxmcp-bench-driver: {msg}\n{USAGE}");
    std::process::exit(2);
}

fn main() {
    let args = parse_args();
    server::init_stderr_capture();
    server::start_watchdog(Duration::from_secs(args.timeout_s), Duration::from_secs(args.stall_timeout_s));
    let mut result = match (args.mode.as_str(), args.http) {
        ("throughput", true) => http_modes::throughput(
            &args.cmd,
            positive("--inflight", args.inflight),
            Duration::from_millis(args.warmup_ms),
            Duration::from_millis(positive("--duration-ms", args.duration_ms)),
        ),
        ("latency", true) => {
            http_modes::latency(&args.cmd, args.warmup, positive("--count", args.count.unwrap_or(5000)))
        }
        (other @ ("echo-large" | "coldstart"), true) => usage_error(&format!("mode {other} is stdio-only")),
        ("throughput", false) => modes::throughput(
            &args.cmd,
            positive("--inflight", args.inflight),
            Duration::from_millis(args.warmup_ms),
            Duration::from_millis(positive("--duration-ms", args.duration_ms)),
        ),
        ("latency", false) => modes::latency(&args.cmd, args.warmup, positive("--count", args.count.unwrap_or(5000))),
        ("echo-large", false) => modes::echo_large(
            &args.cmd,
            positive("--size-bytes", args.size_bytes),
            positive("--count", args.count.unwrap_or(20)),
        ),
        ("coldstart", false) => modes::coldstart(&args.cmd, positive("--repeat", args.repeat)),
        (other, _) => usage_error(&format!("unknown mode {other}")),
    };
    result["server_stderr_bytes"] = server::stderr_bytes().into();
    server::remove_stderr_file();
    println!("{result}");
}
