//! oxmcp's Python bindings: the `oxmcp._core` module. A thin layer over `oxmcp-core`: it
//! implements the core's `Handler` by calling Python, and exposes servers and transports.

mod asgi;
mod call;
mod convert;
mod handler;
mod job;
mod memory;
mod queue;
mod registration;
mod runtime;
mod server_core;
mod sync_pool;
mod tool_result;

use pyo3::prelude::*;

#[pymodule(gil_used = false)]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    // Rust `tracing` events become `log` records, and pyo3-log hands them to Python's `logging`
    // under the event's target (all ours start with "oxmcp.").
    let _ = pyo3_log::try_init();
    m.add_class::<server_core::ServerCore>()?;
    m.add_class::<job::Job>()?;
    m.add_class::<call::CallKind>()?;
    m.add_class::<memory::MemoryClient>()?;
    m.add_class::<asgi::HttpApp>()?;
    m.add_class::<asgi::HttpResponse>()?;
    m.add_class::<asgi::Admission>()?;
    m.add_function(wrap_pyfunction!(asgi::http_app, m)?)?;
    m.add_function(wrap_pyfunction!(tool_result::tool_result, m)?)?;
    convert::register(m)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
