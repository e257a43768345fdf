//! Tool timeouts (`ToolSpec::timeout`): a call's `Reply` raced against its deadline.
//!
//! Whichever comes first answers: the handler, or the timer. At the deadline the request is
//! answered with a tool error (`isError: true`, "Tool NAME timed out after N s") and its
//! `Cancellation` is cancelled, which reaches the function the way `notifications/cancelled` does
//! (an async Python function sees `CancelledError`). What the function sends later is dropped.
//! A function that cannot be interrupted (a sync Python function on its worker thread) runs on
//! until it returns; only its answer is not waited for. The same race bounds a task's run.

use super::catalog::ToolSpec;
use super::handler::{HandlerError, Reply, ToolOutput};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;
use tokio::runtime::Handle;
use tokio::task::AbortHandle;

/// `reply`, bounded by the tool's timeout when it has one.
pub fn bounded(tool: &ToolSpec, reply: Reply<ToolOutput>) -> Reply<ToolOutput> {
    match tool.timeout {
        Some(limit) => race(reply, limit, &tool.name),
        None => reply,
    }
}

/// How a timeout reads to the client and in the log: `2`, `0.5`.
pub fn seconds(limit: Duration) -> String {
    format!("{}", limit.as_secs_f64())
}

struct Race<T> {
    reply: Mutex<Option<Reply<T>>>,
    timer: Mutex<Option<AbortHandle>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn race(reply: Reply<ToolOutput>, limit: Duration, tool: &str) -> Reply<ToolOutput> {
    let cancellation = reply.cancellation().clone();
    let state = Arc::new(Race { reply: Mutex::new(Some(reply)), timer: Mutex::new(None) });
    let (timer_state, cancel, tool) = (state.clone(), cancellation.clone(), tool.to_string());
    let timer = timers().spawn(async move {
        tokio::time::sleep(limit).await;
        if cancel.is_cancelled() {
            return; // cancelled by the client first: it hears nothing either way
        }
        let Some(reply) = lock(&timer_state.reply).take() else { return };
        let secs = seconds(limit);
        tracing::warn!(target: "oxmcp.session", "tool {tool} timed out after {secs} s; answering and cancelling it");
        reply.send(Err(HandlerError::Failed(format!("Tool {tool} timed out after {secs} s"))));
        cancel.cancel();
    });
    *lock(&state.timer) = Some(timer.abort_handle());
    Reply::new(cancellation, move |r| {
        let Some(reply) = lock(&state.reply).take() else { return }; // the deadline answered
        if let Some(timer) = lock(&state.timer).take() {
            timer.abort();
        }
        reply.send(r);
    })
}

/// Where deadlines run: the current tokio runtime, or (a request dispatched from a thread outside
/// any runtime, e.g. after an async `validate_request` answered on the Python loop) a small timer
/// runtime of our own, started on first use.
fn timers() -> Handle {
    if let Ok(h) = Handle::try_current() {
        return h;
    }
    static OWN: OnceLock<Handle> = OnceLock::new();
    OWN.get_or_init(|| {
        let rt = tokio::runtime::Builder::new_current_thread().enable_time().build().expect("a timer runtime starts");
        let handle = rt.handle().clone();
        std::thread::Builder::new()
            .name("oxmcp-deadlines".into())
            .spawn(move || rt.block_on(std::future::pending::<()>()))
            .expect("the timer thread starts");
        handle
    })
    .clone()
}
