//! oxmcp's Python bindings: the `oxmcp._core` module. A thin layer over `oxmcp-core`: it
//! implements the core's `Handler` by calling Python, and exposes servers and transports.

mod convert;
mod executor;
mod handler;
mod job;
mod memory;
mod server_core;

use pyo3::prelude::*;

#[pymodule(gil_used = false)]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    // Rust `tracing` events become `log` records, and pyo3-log hands them to Python's `logging`
    // under the event's target (all ours start with "oxmcp.").
    let _ = pyo3_log::try_init();
    let workers = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2).clamp(1, 4);
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    builder.worker_threads(workers).thread_name("oxmcp-worker").enable_all();
    pyo3_async_runtimes::tokio::init(builder);
    m.add_class::<server_core::ServerCore>()?;
    m.add_class::<job::Job>()?;
    m.add_class::<memory::MemoryClient>()?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
