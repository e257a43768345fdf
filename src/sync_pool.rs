//! Runs sync (`def`) functions on tokio's blocking pool behind a semaphore, so a slow `def` tool
//! never stalls the loop or other requests.

use crate::call::JobData;
use crate::job::Job;
use crate::queue::Queue;
use pyo3::prelude::*;
use std::sync::{Arc, OnceLock};
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

    /// Runs a sync function on the blocking pool.
    pub fn run(&self, data: JobData) {
        let runtime = crate::runtime::runtime();
        let (runner, queue) = (self.runner.clone(), self.queue.clone());
        match self.limit.clone().try_acquire_owned() {
            Ok(permit) => {
                runtime.spawn_blocking(move || {
                    let _permit = permit;
                    call_runner(&runner, queue, data);
                });
            }
            Err(_) => {
                let limit = self.limit.clone();
                runtime.spawn(async move {
                    let Ok(permit) = limit.acquire_owned().await else { return };
                    let _ = tokio::task::spawn_blocking(move || {
                        let _permit = permit;
                        call_runner(&runner, queue, data);
                    })
                    .await;
                });
            }
        }
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
