//! The one outbound queue every transport writes through: bounded in bytes, so a client that reads
//! slowly (or never) cannot make the server hold more than a budget per stream.
//!
//! - **Admission.** [`QueueSender::send`] always admits a frame (a response is never dropped, and
//!   one frame larger than the whole budget still goes through). The budget is enforced on the
//!   producers that can wait: before producing more they ask [`QueueSender::wait_for_room`] (async)
//!   or [`QueueSender::block_for_room`] (a worker thread), which return once the queued bytes are
//!   under the budget again. This is what the [`Outbound`](crate::server::Outbound) trait's
//!   `wait_for_room`/`block_for_room` expose to notifications from user code.
//! - **Stalls.** A reader that has not taken anything for `write_timeout` while frames wait is gone
//!   for our purposes: the queue closes (its frames are freed at once, later sends are refused,
//!   waiters wake with `false`), the stall is logged at warning level, and the `on_stall` hook runs
//!   (a stateless HTTP call cancels its work there).
//! - **Readers** are an HTTP body (`poll_recv`), a task (`recv`), or a thread (`blocking_recv`). When
//!   every sender is gone and the queue is empty, the reader sees the end.

use crate::server::outbound::{Outbound, WaitForRoom};
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};
use tokio::sync::Notify;

/// Bytes one outbound stream may hold before its producers wait (4 MiB).
pub const DEFAULT_STREAM_BUDGET: usize = 4 << 20;
/// How long a client may go without reading a stream that has frames waiting (30 s).
pub const DEFAULT_WRITE_TIMEOUT: Duration = Duration::from_secs(30);

/// What a producer may wait on: resolves `true` once there is room, `false` once the stream is
/// gone (closed, or its reader stalled past `write_timeout`).
pub type RoomFuture = Pin<Box<dyn Future<Output = bool> + Send>>;

type Hook = Box<dyn FnOnce() + Send>;

struct Inner<T> {
    items: VecDeque<(T, usize)>,
    bytes: usize,
    senders: usize,
    closed: bool,
    /// The last time the reader took a frame or found the queue empty.
    last_read: Instant,
    waker: Option<Waker>,
    on_stall: Option<Hook>,
    /// Threads blocked on `changed` (writer threads, sync producers). Only then is the condvar
    /// notified: an unconditional notify is a futex syscall per frame on the async hot path.
    sleepers: usize,
}

struct Shared<T> {
    inner: Mutex<Inner<T>>,
    /// Blocking readers and blocking producers wait here.
    changed: Condvar,
    /// Async producers waiting for room.
    room: Notify,
    budget: usize,
    write_timeout: Duration,
    what: &'static str,
}

impl<T> Shared<T> {
    /// Queues a frame (see `QueueSender::send`). `KeepAliveSender`s are refused once no
    /// `QueueSender` is left.
    fn push(&self, item: T, bytes: usize) -> bool {
        let mut inner = self.lock();
        if inner.closed || inner.senders == 0 {
            return false;
        }
        if inner.bytes >= self.budget && inner.last_read.elapsed() >= self.write_timeout {
            self.stall(inner);
            return false;
        }
        if inner.items.is_empty() {
            // The reader was caught up until now: its silence starts here.
            inner.last_read = Instant::now();
        }
        inner.items.push_back((item, bytes));
        inner.bytes += bytes;
        let waker = inner.waker.take();
        let sleepers = inner.sleepers > 0;
        drop(inner);
        if let Some(w) = waker {
            w.wake();
        }
        if sleepers {
            self.changed.notify_all();
        }
        true
    }

    fn lock(&self) -> MutexGuard<'_, Inner<T>> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Blocks this thread on `changed` (at most `limit`), counted as a sleeper meanwhile.
    fn sleep<'a>(&self, mut inner: MutexGuard<'a, Inner<T>>, limit: Option<Duration>) -> MutexGuard<'a, Inner<T>> {
        inner.sleepers += 1;
        let mut inner = match limit {
            Some(limit) => self.changed.wait_timeout(inner, limit).map(|(g, _)| g).unwrap_or_else(|e| e.into_inner().0),
            None => self.changed.wait(inner).unwrap_or_else(|e| e.into_inner()),
        };
        inner.sleepers -= 1;
        inner
    }

    /// Closes the queue and frees what it holds; wakes everyone.
    fn close(&self, mut inner: MutexGuard<'_, Inner<T>>) -> Option<Hook> {
        inner.closed = true;
        let items = std::mem::take(&mut inner.items);
        inner.bytes = 0;
        let waker = inner.waker.take();
        let hook = inner.on_stall.take();
        let sleepers = inner.sleepers > 0;
        drop(inner);
        drop(items);
        if let Some(w) = waker {
            w.wake();
        }
        self.room.notify_waiters();
        if sleepers {
            self.changed.notify_all();
        }
        hook
    }

    /// Where a producer stands: `Some(true)` room, `Some(false)` gone, `None` wait (until the
    /// returned deadline, when the reader counts as stalled).
    fn room_or_deadline(&self) -> Result<bool, Instant> {
        let inner = self.lock();
        if inner.closed {
            return Ok(false);
        }
        if inner.bytes < self.budget {
            return Ok(true);
        }
        let deadline = inner.last_read + self.write_timeout;
        if Instant::now() < deadline {
            return Err(deadline);
        }
        self.stall(inner);
        Ok(false)
    }

    fn stall(&self, inner: MutexGuard<'_, Inner<T>>) {
        let (queued, since) = (inner.bytes, inner.last_read.elapsed());
        let hook = self.close(inner);
        tracing::warn!(
            target: "oxmcp.transport",
            "closing a {} whose client read nothing for {since:.1?} ({queued} bytes waiting; write_timeout {:?})",
            self.what,
            self.write_timeout
        );
        if let Some(hook) = hook {
            hook();
        }
    }
}

/// Creates a queue of `budget` bytes whose reader must read within `write_timeout`. `what` names
/// the stream in the log line of a stall ("WebSocket connection", "SSE stream", ...).
pub fn queue<T: Send + 'static>(
    budget: usize,
    write_timeout: Duration,
    what: &'static str,
) -> (QueueSender<T>, QueueReceiver<T>) {
    let shared = Arc::new(Shared {
        inner: Mutex::new(Inner {
            items: VecDeque::new(),
            bytes: 0,
            senders: 1,
            closed: false,
            last_read: Instant::now(),
            waker: None,
            on_stall: None,
            sleepers: 0,
        }),
        changed: Condvar::new(),
        room: Notify::new(),
        budget: budget.max(1),
        write_timeout,
        what,
    });
    (QueueSender { shared: shared.clone() }, QueueReceiver { shared })
}

/// The producing side; clones share the queue.
pub struct QueueSender<T: Send + 'static> {
    shared: Arc<Shared<T>>,
}

impl<T: Send + 'static> Clone for QueueSender<T> {
    fn clone(&self) -> Self {
        self.shared.lock().senders += 1;
        QueueSender { shared: self.shared.clone() }
    }
}

impl<T: Send + 'static> Drop for QueueSender<T> {
    fn drop(&mut self) {
        let mut inner = self.shared.lock();
        inner.senders -= 1;
        if inner.senders == 0 {
            let waker = inner.waker.take();
            let sleepers = inner.sleepers > 0;
            drop(inner);
            if let Some(w) = waker {
                w.wake();
            }
            if sleepers {
                self.shared.changed.notify_all();
            }
        }
    }
}

impl<T: Send + 'static> QueueSender<T> {
    /// Queues `item` (counted as `bytes`). Always admitted while the queue is open; returns false
    /// once it is closed (reader gone or stalled). A send to a full queue whose reader has not
    /// read for `write_timeout` closes it.
    pub fn send(&self, item: T, bytes: usize) -> bool {
        self.shared.push(item, bytes)
    }

    /// A handle that sends without keeping the queue open: once every `QueueSender` is gone its
    /// sends are refused and the reader sees the end (keep-alive comments use it, so a stream
    /// nothing else can write to any more ends instead of being kept alive forever).
    pub fn keep_alive_handle(&self) -> KeepAliveSender<T> {
        KeepAliveSender { shared: self.shared.clone() }
    }

    /// False once the queue is closed (the reader went away or stalled).
    pub fn is_open(&self) -> bool {
        !self.shared.lock().closed
    }

    /// True when the queued bytes are under the budget (or the queue is closed: nothing to wait for).
    pub fn has_room(&self) -> bool {
        let inner = self.shared.lock();
        inner.closed || inner.bytes < self.shared.budget
    }

    /// Bytes queued now.
    pub fn queued_bytes(&self) -> usize {
        self.shared.lock().bytes
    }

    /// Runs `hook` once if the reader stalls past `write_timeout`.
    pub fn on_stall(&self, hook: impl FnOnce() + Send + 'static) {
        self.shared.lock().on_stall = Some(Box::new(hook));
    }

    /// Closes the queue from the producing side (its frames are dropped; the reader sees the end).
    pub fn close(&self) {
        let inner = self.shared.lock();
        let _ = self.shared.close(inner);
    }

    /// `None` when there is room now; otherwise a future that resolves once there is (`true`) or
    /// the stream is gone (`false`, after at most `write_timeout` without a read). A closed stream
    /// gives a future that is `false` at once: a producer that awaits it still yields, so its own
    /// cancellation (which usually follows) can land.
    pub fn wait_for_room(&self) -> Option<RoomFuture> {
        {
            let inner = self.shared.lock();
            if inner.closed {
                return Some(Box::pin(std::future::ready(false)));
            }
            if inner.bytes < self.shared.budget {
                return None;
            }
        }
        let shared = self.shared.clone();
        Some(Box::pin(async move {
            loop {
                let notified = shared.room.notified();
                tokio::pin!(notified);
                notified.as_mut().enable();
                match shared.room_or_deadline() {
                    Ok(answer) => return answer,
                    Err(deadline) => {
                        tokio::select! {
                            _ = notified => {}
                            _ = tokio::time::sleep_until(deadline.into()) => {}
                        }
                    }
                }
            }
        }))
    }

    /// Blocks this (non-async) thread until there is room (`true`), the stream is gone, or `limit`
    /// passes (`false` for both).
    pub fn block_for_room(&self, limit: Duration) -> bool {
        let until = Instant::now() + limit;
        loop {
            let deadline = match self.shared.room_or_deadline() {
                Ok(answer) => return answer,
                Err(deadline) => deadline.min(until),
            };
            let now = Instant::now();
            if now >= until {
                return false;
            }
            let inner = self.shared.lock();
            if inner.closed || inner.bytes < self.shared.budget {
                continue;
            }
            let inner = self.shared.sleep(inner, Some(deadline.saturating_duration_since(now)));
            drop(inner);
        }
    }
}

/// Sends like a [`QueueSender`] without counting as one (see `QueueSender::keep_alive_handle`).
pub struct KeepAliveSender<T: Send + 'static> {
    shared: Arc<Shared<T>>,
}

impl<T: Send + 'static> KeepAliveSender<T> {
    /// False once the queue is closed or no `QueueSender` is left.
    pub fn send(&self, item: T, bytes: usize) -> bool {
        self.shared.push(item, bytes)
    }
}

/// The reading side: an HTTP body, a writer task or a writer thread.
pub struct QueueReceiver<T: Send + 'static> {
    shared: Arc<Shared<T>>,
}

impl<T: Send + 'static> QueueReceiver<T> {
    fn take(&self, inner: &mut MutexGuard<'_, Inner<T>>) -> Option<T> {
        inner.last_read = Instant::now();
        let (item, bytes) = inner.items.pop_front()?;
        let was_full = inner.bytes >= self.shared.budget;
        inner.bytes -= bytes;
        if was_full && inner.bytes < self.shared.budget {
            self.shared.room.notify_waiters();
            if inner.sleepers > 0 {
                self.shared.changed.notify_all();
            }
        }
        Some(item)
    }

    /// The next frame; `Ready(None)` once the queue is closed, or empty with no sender left.
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let mut inner = self.shared.lock();
        if inner.closed {
            return Poll::Ready(None);
        }
        if let Some(item) = self.take(&mut inner) {
            return Poll::Ready(Some(item));
        }
        if inner.senders == 0 {
            return Poll::Ready(None);
        }
        inner.waker = Some(cx.waker().clone());
        Poll::Pending
    }

    pub async fn recv(&mut self) -> Option<T> {
        std::future::poll_fn(|cx| self.poll_recv(cx)).await
    }

    /// A frame already queued, without waiting.
    pub fn try_recv(&mut self) -> Option<T> {
        let mut inner = self.shared.lock();
        if inner.closed {
            return None;
        }
        self.take(&mut inner)
    }

    /// Waits on this thread for the next frame (writer threads).
    pub fn blocking_recv(&mut self) -> Option<T> {
        let mut inner = self.shared.lock();
        loop {
            if inner.closed {
                return None;
            }
            if let Some(item) = self.take(&mut inner) {
                return Some(item);
            }
            if inner.senders == 0 {
                return None;
            }
            inner = self.shared.sleep(inner, None);
        }
    }
}

impl<T: Send + 'static> Drop for QueueReceiver<T> {
    fn drop(&mut self) {
        let inner = self.shared.lock();
        let _ = self.shared.close(inner);
    }
}

/// Turns a session's frame into a queue item and its size in bytes (what the budget counts).
pub type Framer<T> = fn(Vec<u8>) -> (T, usize);

/// A queue as a session's [`Outbound`]: every transport's, differing only in how a frame becomes
/// an item (an SSE event, a WebSocket message, a line for stdout, a frame of one HTTP answer).
pub struct QueueOutbound<T: Send + 'static> {
    tx: QueueSender<T>,
    frame: Framer<T>,
    notification: Framer<T>,
}

impl<T: Send + 'static> QueueOutbound<T> {
    /// Responses and notifications both become `frame(bytes)`.
    pub fn new(tx: QueueSender<T>, frame: Framer<T>) -> Self {
        QueueOutbound { tx, frame, notification: frame }
    }

    /// Notifications become `notification(bytes)` instead (an HTTP answer tells them apart).
    pub fn with_notifications(self, notification: Framer<T>) -> Self {
        QueueOutbound { notification, ..self }
    }
}

impl<T: Send + 'static> Outbound for QueueOutbound<T> {
    fn send(&self, frame: Vec<u8>) {
        let (item, bytes) = (self.frame)(frame);
        let _ = self.tx.send(item, bytes);
    }
    fn send_notification(&self, frame: Vec<u8>) {
        let (item, bytes) = (self.notification)(frame);
        let _ = self.tx.send(item, bytes);
    }
    fn is_open(&self) -> bool {
        self.tx.is_open()
    }
    fn wait_for_room(&self) -> Option<WaitForRoom> {
        self.tx.wait_for_room()
    }
    fn block_for_room(&self, limit: Duration) -> bool {
        self.tx.block_for_room(limit)
    }
}

#[cfg(test)]
#[path = "queue_tests.rs"]
mod tests;
