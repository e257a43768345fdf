//! The server under test: spawning and stopping it, sampling `/proc`, and failing loudly.
//!
//! Failures anywhere (wrong answer, dead server, timeout) go through [`fatal`], which kills
//! the child, shows the tail of its stderr and exits non-zero: a benchmark that silently
//! measures a broken server is worse than no benchmark.

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU64, Ordering};
use std::sync::OnceLock;
use std::thread;
use std::time::{Duration, Instant};

/// Pid of the live child, so `fatal` (possibly called from another thread) can kill it.
static CHILD_PID: AtomicI32 = AtomicI32::new(0);
/// All children append their stderr here; shown only when something fails.
static STDERR_FILE: OnceLock<(PathBuf, File)> = OnceLock::new();

/// Set by the first call to `fatal`.
static FAILING: AtomicBool = AtomicBool::new(false);
/// Start of the driver's clock, and when the server last showed a sign of life on it.
static CLOCK: OnceLock<Instant> = OnceLock::new();
static LAST_PROGRESS_MS: AtomicU64 = AtomicU64::new(0);
/// Messages read from servers so far; a stall report says how far the run got.
static MESSAGES_READ: AtomicU64 = AtomicU64::new(0);

/// How long a server gets to exit on its own after its stdin is closed.
const EXIT_GRACE: Duration = Duration::from_secs(2);
/// How much of the server's stderr to show on failure.
const STDERR_TAIL_BYTES: u64 = 8192;

/// Reports an error, kills the current child and exits the whole process with status 1.
pub fn fatal(msg: &str) -> ! {
    // Killing the child makes other threads fail too (end of stream); only the first
    // error is the real one, so later callers wait for the exit instead of reporting.
    if FAILING.swap(true, Ordering::SeqCst) {
        loop {
            thread::park();
        }
    }
    eprintln!("oxmcp-bench-driver: error: {msg}");
    let pid = CHILD_PID.swap(0, Ordering::SeqCst);
    if pid > 0 {
        // SAFETY: plain syscall on a pid we spawned and have not reaped yet.
        unsafe { libc::kill(pid, libc::SIGKILL) };
    }
    print_stderr_tail();
    remove_stderr_file();
    std::process::exit(1);
}

/// Fails the run when it exceeds `total`, or when the server has been silent for `stall`
/// (a lost answer would otherwise block a sequential read until the total limit).
pub fn start_watchdog(total: Duration, stall: Duration) {
    note_progress();
    thread::spawn(move || loop {
        thread::sleep(Duration::from_millis(50));
        let now = clock_ms();
        if now > total.as_millis() as u64 {
            fatal(&format!("run did not finish within {} s", total.as_secs()));
        }
        if now.saturating_sub(LAST_PROGRESS_MS.load(Ordering::Relaxed)) > stall.as_millis() as u64 {
            let read = MESSAGES_READ.load(Ordering::Relaxed);
            let secs = stall.as_secs();
            fatal(&format!("no message from the server for {secs} s (after {read} messages)"));
        }
    });
}

/// Records that the server was just started.
pub fn note_progress() {
    LAST_PROGRESS_MS.store(clock_ms(), Ordering::Relaxed);
}

/// Records that the server just sent a message.
pub fn note_message() {
    MESSAGES_READ.fetch_add(1, Ordering::Relaxed);
    note_progress();
}

fn clock_ms() -> u64 {
    CLOCK.get_or_init(Instant::now).elapsed().as_millis() as u64
}

/// Creates the temp file that collects the children's stderr.
pub fn init_stderr_capture() {
    let path = std::env::temp_dir().join(format!("oxmcp-bench-{}.stderr", std::process::id()));
    let file = File::options()
        .create(true)
        .truncate(true)
        .read(true)
        .write(true)
        .open(&path)
        .unwrap_or_else(|e| fatal(&format!("cannot create {}: {e}", path.display())));
    let _ = STDERR_FILE.set((path, file));
}

/// Size of everything the servers wrote to stderr so far (noise there costs them CPU).
pub fn stderr_bytes() -> u64 {
    STDERR_FILE.get().and_then(|(_, f)| f.metadata().ok()).map_or(0, |m| m.len())
}

pub fn remove_stderr_file() {
    if let Some((path, _)) = STDERR_FILE.get() {
        let _ = std::fs::remove_file(path);
    }
}

fn print_stderr_tail() {
    let Some((_, file)) = STDERR_FILE.get() else {
        return;
    };
    let Ok(mut file) = file.try_clone() else {
        return;
    };
    let len = file.metadata().map_or(0, |m| m.len());
    if len == 0 {
        eprintln!("(server stderr was empty)");
        return;
    }
    let start = len.saturating_sub(STDERR_TAIL_BYTES);
    let mut tail = Vec::new();
    if file.seek(SeekFrom::Start(start)).is_ok() && file.read_to_end(&mut tail).is_ok() {
        eprintln!("--- server stderr (last {} bytes) ---", tail.len());
        eprintln!("{}", String::from_utf8_lossy(&tail));
        eprintln!("--- end of server stderr ---");
    }
}

/// A running server process. Its pipes are handed out separately by [`Server::spawn`]
/// so they can move to different threads.
pub struct Server {
    child: Child,
}

impl Server {
    /// Spawns `cmd` with piped stdin/stdout and stderr going to the capture file.
    pub fn spawn(cmd: &[String]) -> (Server, ChildStdin, BufReader<ChildStdout>) {
        let stderr = match STDERR_FILE.get().map(|(_, f)| f.try_clone()) {
            Some(Ok(f)) => Stdio::from(f),
            _ => Stdio::inherit(),
        };
        let mut child = Command::new(&cmd[0])
            .args(&cmd[1..])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .unwrap_or_else(|e| fatal(&format!("cannot spawn {cmd:?}: {e}")));
        CHILD_PID.store(child.id() as i32, Ordering::SeqCst);
        note_progress();
        let stdin = child.stdin.take().expect("piped stdin");
        // Large buffer: 1 MiB echo answers should not be read 8 KiB at a time.
        let stdout = BufReader::with_capacity(1 << 20, child.stdout.take().expect("piped stdout"));
        (Server { child }, stdin, stdout)
    }

    /// Spawns an HTTP server `cmd` (stdin closed, stdout and stderr to the capture file) and
    /// waits for it to announce its endpoint: the URL at the end of a stderr line containing
    /// ` serving MCP on ` (oxmcp's `oxmcp: <name> serving MCP on http://host:port/path`).
    pub fn spawn_http(cmd: &[String]) -> (Server, String) {
        let (capture, start) = match STDERR_FILE.get().map(|(_, f)| (f.try_clone(), f.metadata())) {
            Some((Ok(f), Ok(meta))) => (f, meta.len()),
            _ => fatal("the stderr capture file is needed to read the server's URL"),
        };
        let stdout = capture.try_clone().unwrap_or_else(|e| fatal(&format!("cannot share the capture file: {e}")));
        let mut child = Command::new(&cmd[0])
            .args(&cmd[1..])
            .stdin(Stdio::null())
            .stdout(stdout)
            .stderr(capture)
            .spawn()
            .unwrap_or_else(|e| fatal(&format!("cannot spawn {cmd:?}: {e}")));
        CHILD_PID.store(child.id() as i32, Ordering::SeqCst);
        note_progress();
        let Some((path, _)) = STDERR_FILE.get() else { unreachable!("checked above") };
        // The watchdog's stall limit bounds this wait.
        loop {
            if let Ok(Some(status)) = child.try_wait() {
                fatal(&format!("server exited ({status}) before announcing its URL"));
            }
            let text = std::fs::read(path).unwrap_or_default();
            let text = String::from_utf8_lossy(text.get(start as usize..).unwrap_or_default());
            // Only complete lines: the announcement may be half-written.
            let complete = &text[..text.rfind('\n').map_or(0, |i| i + 1)];
            if let Some(url) = complete.lines().find_map(|l| l.split_once(" serving MCP on ").map(|(_, u)| u.trim())) {
                return (Server { child }, url.to_owned());
            }
            thread::sleep(Duration::from_millis(2));
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// User + system CPU seconds consumed so far by all threads of the server.
    pub fn cpu_seconds(&self) -> f64 {
        let stat = read_proc(self.pid(), "stat");
        // The command name (field 2) may contain spaces; fields are counted after its ')'.
        let after_comm = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
        let fields: Vec<&str> = after_comm.split_whitespace().collect();
        // utime and stime are fields 14 and 15 of stat(5); `after_comm` starts at field 3.
        let ticks: u64 = [11, 12].iter().map(|&i| fields.get(i).and_then(|f| f.parse::<u64>().ok()).unwrap_or(0)).sum();
        ticks as f64 / clock_ticks_per_second()
    }

    /// Peak resident set size (VmHWM) in MiB.
    pub fn peak_rss_mib(&self) -> f64 {
        let status = read_proc(self.pid(), "status");
        let kib = status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or_else(|| fatal("no VmHWM in /proc/<pid>/status"));
        kib as f64 / 1024.0
    }

    /// Closes stdin (the MCP stdio way to ask for shutdown), then kills after a grace period.
    pub fn stop(self, stdin: ChildStdin) {
        drop(stdin);
        self.wait_or_kill();
    }

    /// Stops an HTTP server: SIGTERM, then SIGKILL after a grace period.
    pub fn terminate(self) {
        // SAFETY: plain syscall on a pid we spawned and have not reaped yet.
        unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) };
        self.wait_or_kill();
    }

    fn wait_or_kill(mut self) {
        let deadline = Instant::now() + EXIT_GRACE;
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                CHILD_PID.store(0, Ordering::SeqCst);
                return;
            }
            thread::sleep(Duration::from_millis(5));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        CHILD_PID.store(0, Ordering::SeqCst);
    }
}

fn read_proc(pid: u32, file: &str) -> String {
    let path = format!("/proc/{pid}/{file}");
    std::fs::read_to_string(&path).unwrap_or_else(|e| fatal(&format!("cannot read {path}: {e}")))
}

fn clock_ticks_per_second() -> f64 {
    // SAFETY: sysconf has no preconditions.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if ticks > 0 {
        ticks as f64
    } else {
        100.0
    }
}

/// User + system CPU seconds used by this driver process (all threads).
pub fn own_cpu_seconds() -> f64 {
    // SAFETY: getrusage only writes into the zeroed struct we pass.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &mut usage);
        usage
    };
    let secs = |tv: libc::timeval| tv.tv_sec as f64 + tv.tv_usec as f64 / 1e6;
    secs(usage.ru_utime) + secs(usage.ru_stime)
}
