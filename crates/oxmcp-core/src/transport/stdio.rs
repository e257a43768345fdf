//! stdio: newline-delimited JSON-RPC on stdin/stdout.
//!
//! stdin is read on a dedicated thread (tokio's stdin can hang shutdown) which parses and dispatches
//! each line itself: handlers take it from there without another hop. Responses go through a
//! channel to a writer thread that coalesces whatever is queued into one write. While serving the
//! process's stdio, fd 1 is pointed at stderr and the protocol keeps a private duplicate, so a stray
//! `print()`, a C extension or a child process cannot corrupt the stream.

use super::framing::{Frame, LineReader};
use super::queue::{queue, QueueOutbound, QueueReceiver, QueueSender, DEFAULT_STREAM_BUDGET, DEFAULT_WRITE_TIMEOUT};
use crate::jsonrpc::{self, ErrorObject};
use crate::server::{Inbound, Server, Session};
use std::io::{self, BufReader, Read, Write};
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

#[derive(Debug, Clone)]
pub struct StdioOptions {
    pub max_message_bytes: usize,
    /// After stdin closes, how long requests in flight may still finish before they are cancelled.
    /// Default zero: a client closes stdin to shut the server down (the MCP clients send SIGTERM
    /// 2 s later), so calls are cancelled at once and their cleanup runs while there is time.
    pub eof_grace: Duration,
    /// A client that reads nothing from stdout for this long while frames wait loses the
    /// connection: the session ends (logged at warning). Default 30 s.
    pub write_timeout: Duration,
    /// Bytes queued for stdout before producers of notifications wait (default 4 MiB).
    pub stream_budget: usize,
}

impl Default for StdioOptions {
    fn default() -> Self {
        StdioOptions {
            max_message_bytes: crate::server::DEFAULT_MAX_MESSAGE_BYTES,
            eof_grace: Duration::ZERO,
            write_timeout: DEFAULT_WRITE_TIMEOUT,
            stream_budget: DEFAULT_STREAM_BUDGET,
        }
    }
}

enum ToWriter {
    Frame(Vec<u8>),
    Flush(tokio::sync::oneshot::Sender<()>),
}

/// The session's outbound: frames for the writer thread (each counts its newline too).
fn writer_sink(tx: QueueSender<ToWriter>) -> QueueOutbound<ToWriter> {
    QueueOutbound::new(tx, |f| {
        let n = f.len() + 1;
        (ToWriter::Frame(f), n)
    })
}

/// Serves one session over a reader/writer pair until input ends, output breaks, or `shutdown`.
pub async fn serve_streams<R, W>(
    server: &Server,
    input: R,
    output: W,
    options: StdioOptions,
    shutdown: CancellationToken,
) -> io::Result<()>
where
    R: Read + Send + 'static,
    W: Write + Send + 'static,
{
    let session = server.session();
    let (tx, rx) = queue(options.stream_budget, options.write_timeout, "stdio connection");
    let closed = CancellationToken::new(); // input ended, output broke, or the client stopped reading
    let input_done = CancellationToken::new();
    let stalled = closed.clone();
    tx.on_stall(move || stalled.cancel());

    spawn_writer(output, rx, closed.clone())?;
    let inbound = Inbound::new(Arc::new(writer_sink(tx.clone())));
    session.set_standalone(Some(inbound.out.clone()));
    spawn_reader(input, session.clone(), inbound, options.max_message_bytes, input_done.clone(), shutdown.clone())?;

    tokio::select! {
        _ = shutdown.cancelled() => {}
        _ = closed.cancelled() => {}
        _ = input_done.cancelled() => {
            if options.eof_grace.is_zero() || !session.wait_idle(options.eof_grace).await {
                let running = session.inflight();
                if running > 0 {
                    tracing::info!(target: "oxmcp.transport.stdio", "stdin closed with {running} request(s) still running; cancelling them");
                }
            }
        }
    }
    session.cancel_all();
    // Everything answered so far reaches the client before we return.
    let (ack_tx, ack_rx) = tokio::sync::oneshot::channel();
    if tx.send(ToWriter::Flush(ack_tx), 0) {
        let _ = tokio::time::timeout(Duration::from_secs(2), ack_rx).await;
    }
    Ok(())
}

fn spawn_reader<R: Read + Send + 'static>(
    input: R,
    session: Arc<Session>,
    inbound: Inbound,
    max: usize,
    done: CancellationToken,
    shutdown: CancellationToken,
) -> io::Result<()> {
    let runtime = tokio::runtime::Handle::current();
    std::thread::Builder::new().name("oxmcp-stdin".into()).spawn(move || {
        // Handlers written in Rust may spawn tasks from here.
        let _entered = runtime.enter();
        let mut reader = LineReader::new(BufReader::with_capacity(64 * 1024, input), max);
        loop {
            let frame = reader.next_frame();
            if shutdown.is_cancelled() {
                break; // served by someone else now (or nobody): don't answer from a dead session
            }
            match frame {
                Ok(Some(Frame::Line(line))) => session.handle_frame(&line, &inbound),
                Ok(Some(Frame::TooLarge { prefix, len })) => {
                    let id = jsonrpc::sniff_id(&prefix);
                    tracing::warn!(target: "oxmcp.transport.stdio", "rejected a message of more than {max} bytes ({len}+ bytes)");
                    let err = ErrorObject::invalid_request(format!("message too large: the limit is {max} bytes"))
                        .with_data(serde_json::json!({ "maxMessageBytes": max }));
                    inbound.out.send(jsonrpc::encode_error(id.as_ref(), &err));
                }
                Ok(None) => break,
                Err(e) => {
                    tracing::warn!(target: "oxmcp.transport.stdio", "reading stdin failed: {e}");
                    break;
                }
            }
        }
        done.cancel();
    })?;
    Ok(())
}

fn spawn_writer<W: Write + Send + 'static>(
    mut output: W,
    mut rx: QueueReceiver<ToWriter>,
    closed: CancellationToken,
) -> io::Result<()> {
    std::thread::Builder::new().name("oxmcp-stdout".into()).spawn(move || {
        let mut buf: Vec<u8> = Vec::with_capacity(64 * 1024);
        let mut acks = Vec::new();
        let mut broken = false;
        while let Some(first) = rx.blocking_recv() {
            let mut next = Some(first);
            // Coalesce what is already queued into one write (bounded, so huge frames flow).
            while let Some(msg) = next.take() {
                match msg {
                    ToWriter::Frame(f) => {
                        buf.extend_from_slice(&f);
                        buf.push(b'\n');
                    }
                    ToWriter::Flush(ack) => acks.push(ack),
                }
                if buf.len() < 1 << 20 {
                    next = rx.try_recv();
                }
            }
            if !broken && !buf.is_empty() {
                if let Err(e) = output.write_all(&buf).and_then(|_| output.flush()) {
                    tracing::info!(target: "oxmcp.transport.stdio", "stdout closed ({e}); stopping");
                    broken = true;
                    closed.cancel();
                }
            }
            buf.clear();
            for ack in acks.drain(..) {
                let _ = ack.send(());
            }
        }
    })?;
    Ok(())
}

/// Serves on this process's stdin and stdout. See the module docs for the fd 1 redirection.
#[cfg(unix)]
pub async fn serve_process_stdio(
    server: &Server,
    options: StdioOptions,
    shutdown: CancellationToken,
) -> io::Result<()> {
    use std::os::fd::FromRawFd;
    // SAFETY: dup/dup2 on the process's standard descriptors; each new fd is owned exactly once.
    let (input, output, saved_stdout) = unsafe {
        let input = libc::dup(0);
        let proto = libc::dup(1);
        let saved = libc::dup(1);
        if input < 0 || proto < 0 || saved < 0 || libc::dup2(2, 1) < 0 {
            return Err(io::Error::last_os_error());
        }
        (std::fs::File::from_raw_fd(input), std::fs::File::from_raw_fd(proto), saved)
    };
    // Restored on every exit, including the future being dropped (Ctrl-C, task cancelled).
    let _restore = RestoreStdout(saved_stdout);
    serve_streams(server, input, output, options, shutdown).await
}

/// Points fd 1 back at the process's original stdout when dropped.
#[cfg(unix)]
struct RestoreStdout(i32);

#[cfg(unix)]
impl Drop for RestoreStdout {
    fn drop(&mut self) {
        // SAFETY: the duplicate was taken in serve_process_stdio and is released exactly once here.
        unsafe {
            libc::dup2(self.0, 1);
            libc::close(self.0);
        }
    }
}
