//! The in-memory client for Python (`oxmcp.testing.MockMcpClient` is built on it). Requests go
//! through the same session and dispatcher as every transport; JSON crosses as text.

use crate::executor::Executor;
use oxmcp_core::jsonrpc::RequestId;
use oxmcp_core::server::{Headers, Server};
use oxmcp_core::transport;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use serde_json::{json, Value};
use std::sync::Arc;

#[pyclass(frozen, module = "oxmcp._core", name = "MemoryClient")]
pub struct MemoryClient {
    inner: Arc<transport::MemoryClient>,
    executor: Arc<Executor>,
}

impl MemoryClient {
    pub fn connect(server: &Server, headers: Headers, executor: Arc<Executor>) -> Self {
        MemoryClient { inner: Arc::new(transport::MemoryClient::connect(server, headers)), executor }
    }
}

fn parse_params(params_json: Option<&str>) -> PyResult<Option<Value>> {
    params_json
        .map(|p| serde_json::from_str(p).map_err(|e| PyValueError::new_err(format!("params: invalid JSON: {e}"))))
        .transpose()
}

#[pymethods]
impl MemoryClient {
    /// Reserves the id the next request will carry (an int), so a test can cancel it.
    fn next_request_id(&self) -> i64 {
        match self.inner.next_request_id() {
            RequestId::Num(n) => n,
            RequestId::Str(_) => unreachable!("the memory client numbers its requests"),
        }
    }

    /// Sends a request; resolves to the JSON text `{"result": ...}` or `{"error": {...}}`.
    #[pyo3(signature = (method, params_json=None, request_id=None))]
    fn request<'py>(
        &self,
        py: Python<'py>,
        method: String,
        params_json: Option<&str>,
        request_id: Option<i64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let params = parse_params(params_json)?;
        let client = self.inner.clone();
        crate::runtime::spawn_awaitable(py, &self.executor, async move {
            let id = match request_id {
                Some(n) => RequestId::Num(n),
                None => client.next_request_id(),
            };
            let answer = match client.request_with_id(id, &method, params).await {
                Ok(result) => json!({ "result": result }),
                Err(e) => json!({ "error": e.to_value() }),
            };
            Ok(answer.to_string())
        })
    }

    #[pyo3(signature = (method, params_json=None))]
    fn notify(&self, method: &str, params_json: Option<&str>) -> PyResult<()> {
        let params = parse_params(params_json)?;
        self.inner.notify(method, params);
        Ok(())
    }

    /// Sends raw bytes as one frame (bad-input tests).
    fn send_raw(&self, frame: &[u8]) {
        self.inner.send_raw(frame);
    }

    /// Notifications received so far, as a JSON array text (drained).
    fn take_notifications(&self) -> String {
        Value::Array(self.inner.take_notifications()).to_string()
    }

    /// Error answers that carried `id: null`, as a JSON array text (drained).
    fn take_orphan_errors(&self) -> String {
        Value::Array(self.inner.take_orphan_errors().iter().map(|e| e.to_value()).collect()).to_string()
    }
}
