//! Runs sync (`def`) functions on tokio's blocking pool behind a semaphore, so a slow `def` tool
//! never stalls the loop or other requests.

use crate::call::JobData;
use crate::job::Job;
use crate::queue::Queue;
use pyo3::prelude::*;
use std::sync::{Arc, OnceLock};
use std::time::Instant;
use tokio::sync::Semaphore;

pub struct SyncPool {
    limit: Arc<Semaphore>,
    /// The Python object whose `run_sync(job)` runs sync functions (the pump), set once by
    /// `ServerCore.set_runner`: the pump is made after the core it drains.
    runner: Arc<OnceLock<Py<PyAny>>>,
    /// Given to each `Job`, for the awaitables it returns (`Job.request_client`).
    queue: Arc<Queue>,
}

impl SyncPool {
    pub fn new(workers: usize, queue: Arc<Queue>) -> Self {
        SyncPool { limit: Arc::new(Semaphore::new(workers.max(1))), runner: Arc::new(OnceLock::new()), queue }
    }

    /// Sets the runner; false when one is already set.
    pub fn set_runner(&self, runner: Py<PyAny>) -> bool {
        self.runner.set(runner).is_ok()
    }

    /// Runs a sync function on the blocking pool. A call waits for a worker in line; one cancelled
    /// (by the client, its deadline or the end of its session) before it gets one leaves the line
    /// and never runs. Once running it cannot be interrupted: its thread holds its worker until the
    /// function returns, whether or not anyone still waits for the answer.
    pub fn run(&self, data: JobData) {
        let runtime = crate::runtime::runtime();
        let (runner, queue) = (self.runner.clone(), self.queue.clone());
        if data.ctx.cancellation.is_cancelled() {
            return; // dropping the job answers nothing for a cancelled request
        }
        match self.limit.clone().try_acquire_owned() {
            Ok(permit) => {
                runtime.spawn_blocking(move || {
                    let _permit = permit;
                    run_one(&runner, queue, data);
                });
            }
            Err(_) => {
                let limit = self.limit.clone();
                let cancelled = data.ctx.cancellation.token().clone();
                runtime.spawn(async move {
                    let permit = tokio::select! {
                        biased;
                        _ = cancelled.cancelled() => None,
                        p = limit.acquire_owned() => p.ok(),
                    };
                    // Cancelled while in line (or at the very moment a worker freed up): never run.
                    let Some(permit) = permit.filter(|_| !data.ctx.cancellation.is_cancelled()) else {
                        tracing::debug!(target: "oxmcp.sync_pool", "a sync call was cancelled before it started");
                        return;
                    };
                    let _ = tokio::task::spawn_blocking(move || {
                        let _permit = permit;
                        run_one(&runner, queue, data);
                    })
                    .await;
                });
            }
        }
    }
}

/// Runs one call on this worker thread; one that outlived its request (cancelled or timed out
/// while running) is logged when it finally returns, since it kept a worker busy all along.
fn run_one(runner: &OnceLock<Py<PyAny>>, queue: Arc<Queue>, data: JobData) {
    let (cancellation, id, started) = (data.ctx.cancellation.clone(), data.ctx.id.clone(), Instant::now());
    call_runner(runner, queue, data);
    if cancellation.is_cancelled() {
        tracing::warn!(
            target: "oxmcp.sync_pool",
            "a sync function (request {id}) returned {:.1} s after it started, after its request was cancelled or timed out; it held a sync worker until now",
            started.elapsed().as_secs_f64()
        );
    }
}

fn call_runner(runner: &OnceLock<Py<PyAny>>, queue: Arc<Queue>, data: JobData) {
    // try_attach: at interpreter shutdown the job is simply dropped (its Reply answers).
    Python::try_attach(|py| {
        let Some(runner) = runner.get() else {
            tracing::error!(target: "oxmcp.sync_pool", "a sync function was called before the pump was set");
            return;
        };
        let result = Py::new(py, Job::new(data, queue)).and_then(|job| runner.call_method1(py, "run_sync", (job,)));
        if let Err(e) = result {
            // The runner answers every job itself; reaching here is a bug in the pump.
            tracing::error!(target: "oxmcp.sync_pool", "sync runner failed: {e}");
        }
    });
}
