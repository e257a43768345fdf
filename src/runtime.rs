//! The tokio runtime, and Rust futures exposed to Python as asyncio futures.
//!
//! A finished future's result goes back through the queue (`queue.rs`) and is set on the loop
//! thread by the pump. No tokio thread calls into Python to deliver it: a Python call from a
//! foreign thread (e.g. `call_soon_threadsafe`, whose `socket.send` releases the GIL) can race
//! the interpreter's shutdown after Ctrl-C or stdin EOF and abort the process.

use crate::queue::{Queue, Settlement, Work};
use pyo3::prelude::*;
use pyo3::IntoPyObjectExt;
use std::future::Future;
use std::sync::{Arc, OnceLock};
use tokio::runtime::Runtime;
use tokio_util::sync::CancellationToken;

static RUNTIME: OnceLock<Runtime> = OnceLock::new();

/// The process-wide runtime, created on first use (never before `fork`, if the app forks early).
pub fn runtime() -> &'static Runtime {
    RUNTIME.get_or_init(|| {
        let workers = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2).clamp(1, 4);
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(workers)
            .thread_name("oxmcp-worker")
            .enable_all()
            .build()
            .expect("the tokio runtime starts")
    })
}

/// Cancels the Rust side when the asyncio future is cancelled (e.g. by Ctrl-C).
#[pyclass(frozen)]
struct CancelOnDone {
    token: CancellationToken,
}

#[pymethods]
impl CancelOnDone {
    fn __call__(&self, fut: &Bound<'_, PyAny>) -> PyResult<()> {
        if fut.call_method0("cancelled")?.is_truthy()? {
            self.token.cancel();
        }
        Ok(())
    }
}

/// Runs `fut` on the runtime and returns an asyncio future (of the running loop, which the
/// pump must be attached to) for its result. Cancelling the asyncio future drops `fut`.
pub fn spawn_awaitable<'py, F, T>(py: Python<'py>, queue: &Arc<Queue>, fut: F) -> PyResult<Bound<'py, PyAny>>
where
    F: Future<Output = PyResult<T>> + Send + 'static,
    T: for<'a> IntoPyObject<'a> + Send + 'static,
{
    let event_loop = py.import("asyncio")?.call_method0("get_running_loop")?;
    let py_fut = event_loop.call_method0("create_future")?;
    let token = CancellationToken::new();
    py_fut.call_method1("add_done_callback", (CancelOnDone { token: token.clone() },))?;
    let future = py_fut.clone().unbind();
    let queue = queue.clone();
    runtime().spawn(async move {
        let outcome = tokio::select! {
            biased;
            _ = token.cancelled() => None,
            r = fut => Some(r),
        };
        let Some(outcome) = outcome else { return };
        let make = Box::new(move |py: Python<'_>| outcome.and_then(|v| v.into_py_any(py)));
        queue.push(Work::Settle(Settlement { future, make }));
    });
    Ok(py_fut)
}
