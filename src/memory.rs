//! The in-memory client for Python (`oxmcp.testing.MockMcpClient` is built on it). Requests go
//! through the same session and dispatcher as every transport; JSON crosses as text.

use crate::queue::Queue;
use oxmcp_core::jsonrpc::{ErrorObject, RequestId};
use oxmcp_core::server::{Headers, Server};
use oxmcp_core::transport;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use serde_json::{json, Value};
use std::sync::Arc;

#[pyclass(frozen, module = "oxmcp._core", name = "MemoryClient")]
pub struct MemoryClient {
    inner: Arc<transport::MemoryClient>,
    queue: Arc<Queue>,
}

impl MemoryClient {
    pub fn connect(server: &Server, headers: Headers, queue: Arc<Queue>) -> Self {
        MemoryClient { inner: Arc::new(transport::MemoryClient::connect(server, headers)), queue }
    }
}

fn parse_json(what: &str, text: &str) -> PyResult<Value> {
    serde_json::from_str(text).map_err(|e| PyValueError::new_err(format!("{what}: invalid JSON: {e}")))
}

fn parse_params(params_json: Option<&str>) -> PyResult<Option<Value>> {
    params_json.map(|p| parse_json("params", p)).transpose()
}

fn parse_id(id_json: &str) -> PyResult<RequestId> {
    RequestId::from_value(&parse_json("id", id_json)?)
        .ok_or_else(|| PyValueError::new_err(format!("id: a request id is a string or an integer, got {id_json}")))
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
        crate::runtime::spawn_awaitable(py, &self.queue, async move {
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

    /// The next request or notification the server sent on its own, as JSON text
    /// `{"id"?, "method", "params"?}` (`id` only on requests); waits for one. Resolves to `None`
    /// once the client is closed.
    fn next_message<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let client = self.inner.clone();
        crate::runtime::spawn_awaitable(py, &self.queue, async move {
            Ok(client.next_server_message().await.map(|m| m.to_value().to_string()))
        })
    }

    /// Resolves to `True` once a server message is queued (without taking it), `False` once the
    /// client is closed. With `try_next_message`, messages are taken on the loop thread, so that
    /// none is in transit when the answer to a request arrives.
    fn wait_message<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let client = self.inner.clone();
        crate::runtime::spawn_awaitable(py, &self.queue, async move { Ok(client.wait_server_message().await) })
    }

    /// The next queued server message (JSON text), or `None` when none is waiting. Never waits.
    fn try_next_message(&self) -> Option<String> {
        self.inner.try_next_server_message().map(|m| m.to_value().to_string())
    }

    /// Answers a server request: `id_json` is its id as JSON (`7` or `"a"`), `result_json` the result.
    fn respond(&self, id_json: &str, result_json: &str) -> PyResult<()> {
        let id = parse_id(id_json)?;
        let result = parse_json("result", result_json)?;
        self.inner.respond(&id, Ok(result));
        Ok(())
    }

    /// Answers a server request with a JSON-RPC error.
    #[pyo3(signature = (id_json, code, message, data_json=None))]
    fn respond_error(&self, id_json: &str, code: i64, message: &str, data_json: Option<&str>) -> PyResult<()> {
        let id = parse_id(id_json)?;
        let mut error = ErrorObject::new(code, message);
        if let Some(d) = data_json {
            error = error.with_data(parse_json("data", d)?);
        }
        self.inner.respond(&id, Err(error));
        Ok(())
    }

    /// Ends the client: `next_message` resolves to `None`, the session's requests in flight are
    /// cancelled. Idempotent.
    fn close(&self) {
        self.inner.close();
    }

    #[getter]
    fn closed(&self) -> bool {
        self.inner.is_closed()
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
