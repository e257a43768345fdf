//! The queue of work for the asyncio loop, and the socket that wakes the loop.
//!
//! Async functions: jobs are queued here and the asyncio loop is woken through a socket it watches
//! (`loop.add_reader`), one byte per batch. The tokio side never takes the GIL to schedule work,
//! and under load many jobs share one wake-up. The Python pump (`oxmcp/_pump.py`) drains the queue
//! on the loop thread and runs each coroutine eagerly; the job's `complete` answers the client from
//! that same thread.

use crate::call::JobData;
use pyo3::prelude::*;
use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

// Runs vastly outnumber cancels; boxing JobData would cost an allocation per call.
#[allow(clippy::large_enum_variant)]
pub enum Work {
    Run(JobData),
    /// Cancel the Python task of this job id (if it is still running).
    Cancel(u64),
    /// Settle an asyncio future with a Rust result (see `runtime::spawn_awaitable`).
    Settle(Settlement),
}

/// A finished Rust future's result, delivered on the loop thread: tokio threads never touch
/// Python for this, so nothing can race the interpreter's shutdown.
pub struct Settlement {
    pub future: Py<PyAny>,
    pub make: MakeValue,
}

/// Builds the Python value of a result, on the loop thread.
pub type MakeValue = Box<dyn FnOnce(Python<'_>) -> PyResult<Py<PyAny>> + Send>;

impl Settlement {
    pub fn settle(self, py: Python<'_>) -> PyResult<()> {
        let fut = self.future.bind(py);
        if fut.call_method0("done")?.is_truthy()? {
            return Ok(()); // cancelled meanwhile
        }
        match (self.make)(py) {
            Ok(v) => fut.call_method1("set_result", (v,))?,
            Err(e) => fut.call_method1("set_exception", (e.into_value(py),))?,
        };
        Ok(())
    }
}

pub struct Queue {
    items: Mutex<Vec<Work>>,
    scheduled: AtomicBool,
    wake_tx: UnixStream,
    wake_rx: UnixStream,
}

impl Queue {
    pub fn new() -> std::io::Result<Arc<Self>> {
        let (wake_tx, wake_rx) = UnixStream::pair()?;
        wake_tx.set_nonblocking(true)?;
        wake_rx.set_nonblocking(true)?;
        Ok(Arc::new(Queue { items: Mutex::new(Vec::new()), scheduled: AtomicBool::new(false), wake_tx, wake_rx }))
    }

    pub fn wakeup_fd(&self) -> i32 {
        use std::os::fd::AsRawFd;
        self.wake_rx.as_raw_fd()
    }

    pub fn push(&self, work: Work) {
        self.items.lock().unwrap_or_else(|e| e.into_inner()).push(work);
        if !self.scheduled.swap(true, Ordering::SeqCst) {
            // A full socket buffer means a wake-up is already pending: nothing to do.
            let _ = (&self.wake_tx).write(&[1]);
        }
    }

    /// Called by the pump on the loop thread. Order matters: swallow the wake-up bytes, then clear
    /// the flag, then take the queue. A push that sees the flag still set lands in this batch; a
    /// push after the flag is cleared writes a fresh byte. (Clearing first could swallow the byte
    /// of a push whose item this drain then takes, leaving the flag set with no byte pending: the
    /// loop would never wake again.)
    pub fn drain(&self) -> Vec<Work> {
        let mut sink = [0u8; 256];
        while let Ok(n) = (&self.wake_rx).read(&mut sink) {
            if n == 0 {
                break;
            }
        }
        self.scheduled.store(false, Ordering::SeqCst);
        std::mem::take(&mut *self.items.lock().unwrap_or_else(|e| e.into_inner()))
    }
}
