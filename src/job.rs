//! One call of a Python function, as the pump sees it: the function's registration record, its
//! arguments, facts about the request, and the reply to complete.

use crate::call::{CallKind, Entry, JobData, JobReply};
use crate::convert;
use crate::queue::Queue;
use crate::tool_result::{self, ShapeError};
use oxmcp_core::jsonrpc::{ErrorObject, RequestId};
use oxmcp_core::server::{
    CompletionOutput, HandlerError, ListOutput, LogLevel, Principal, PromptOutput, RequestContext, ResourceOutput,
    ToolOutput,
};
use pyo3::exceptions::{PyRuntimeError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use serde_json::{Map, Value};
use std::sync::{Arc, Mutex};

/// The longest a sync function's notification blocks its worker for room on a full stream (the
/// transport's `write_timeout` usually ends the wait first, by closing a stalled stream).
const SYNC_ROOM_LIMIT: std::time::Duration = std::time::Duration::from_secs(60);

/// A call for the Python side to run (see `oxmcp/_pump.py`).
#[pyclass(frozen, module = "oxmcp._core", name = "Job")]
pub struct Job {
    id: u64,
    kind: CallKind,
    entry: Arc<Entry>,
    args: Mutex<Option<Map<String, Value>>>,
    reply: Mutex<Option<JobReply>>,
    ctx: RequestContext,
    uri: Option<String>,
    params: Option<Value>,
    /// The authentication gate (no JSON-RPC request: `method` and `params` are None).
    gate: bool,
    queue: Arc<Queue>,
}

impl Job {
    pub fn new(data: JobData, queue: Arc<Queue>) -> Self {
        Job {
            id: data.id,
            kind: data.reply.kind(),
            gate: matches!(data.reply, JobReply::Authenticate(_)),
            entry: data.entry,
            args: Mutex::new(Some(data.args)),
            reply: Mutex::new(Some(data.reply)),
            ctx: data.ctx,
            uri: data.uri,
            params: data.params,
            queue,
        }
    }

    /// A sync function's notification waits here (its worker thread, the GIL released) until the
    /// stream has room, bounded by `SYNC_ROOM_LIMIT`; an async one awaits `room()` instead.
    fn sync_backpressure(&self, py: Python<'_>, sent: bool) {
        if sent && !self.entry.is_async {
            py.detach(|| self.ctx.outbound.block_for_room(SYNC_ROOM_LIMIT));
        }
    }

    fn take_reply(&self) -> Option<JobReply> {
        self.reply.lock().unwrap_or_else(|e| e.into_inner()).take()
    }
}

#[pymethods]
impl Job {
    /// Unique id of this job (used to cancel its task).
    #[getter]
    fn id(&self) -> u64 {
        self.id
    }
    /// What this call runs (the pump dispatches on it).
    #[getter]
    fn kind(&self) -> CallKind {
        self.kind
    }
    /// The Python record of the function (`oxmcp._registration.Entry`; for hooks, the object given
    /// to `ServerCore.set_*`).
    #[getter]
    fn entry(&self, py: Python<'_>) -> Py<PyAny> {
        self.entry.obj.clone_ref(py)
    }
    /// The URI being read (resources).
    #[getter]
    fn uri(&self) -> Option<&str> {
        self.uri.as_deref()
    }
    #[getter]
    fn method(&self) -> &str {
        &self.ctx.method
    }
    #[getter]
    fn protocol_version(&self) -> &'static str {
        self.ctx.version.as_str()
    }
    /// The JSON-RPC id of the request (int or str).
    #[getter]
    fn request_id<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        match &self.ctx.id {
            RequestId::Num(n) => Ok(n.into_pyobject(py)?.into_any()),
            RequestId::Str(s) => Ok(s.into_pyobject(py)?.into_any()),
        }
    }
    /// HTTP headers of the request, lower-cased names (empty on stdio).
    #[getter]
    fn headers<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        for (k, v) in self.ctx.headers.iter() {
            d.set_item(k, v)?;
        }
        Ok(d)
    }
    /// Who is calling, as the authentication gate named them (None: anonymous, or no gate).
    #[getter]
    fn principal(&self) -> Option<&str> {
        self.ctx.principal.as_ref().map(|p| p.as_str())
    }
    /// `params._meta` of the request, if any.
    #[getter]
    fn meta<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        self.ctx.meta.as_ref().map(|m| convert::to_py(py, m)).transpose()
    }
    #[getter]
    fn client_info<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        self.ctx.client_info().map(|v| convert::to_py(py, &v)).transpose()
    }
    #[getter]
    fn client_capabilities<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        convert::to_py(py, &self.ctx.client_capabilities())
    }
    /// True once the client cancelled the request.
    #[getter]
    fn cancelled(&self) -> bool {
        self.ctx.cancellation.is_cancelled()
    }
    /// True once the job was answered.
    #[getter]
    fn done(&self) -> bool {
        self.reply.lock().unwrap_or_else(|e| e.into_inner()).is_none()
    }

    /// True on the stateless wire (2026-07-28): client input comes through input-required results.
    #[getter]
    fn stateless(&self) -> bool {
        self.ctx.version.is_modern()
    }

    /// True when the client sent a progress token.
    #[getter]
    fn wants_progress(&self) -> bool {
        self.ctx.progress.is_some()
    }

    /// Sends `notifications/message` (if the request's log level lets it through); returns
    /// whether it was sent.
    #[pyo3(signature = (level, data, logger=None))]
    fn log(&self, py: Python<'_>, level: &str, data: &Bound<'_, PyAny>, logger: Option<&str>) -> PyResult<bool> {
        let level = parse_level(level)?;
        if !self.ctx.log.allows(level) {
            return Ok(false);
        }
        let data = convert::from_py_at(data, "data")?;
        let sent = self.ctx.log(level, logger, data);
        self.sync_backpressure(py, sent);
        Ok(sent)
    }

    /// Sends `notifications/progress` if the client asked for progress; returns whether it was
    /// sent. Raises ValueError when progress does not increase.
    #[pyo3(signature = (progress, total=None, message=None))]
    fn report_progress(
        &self,
        py: Python<'_>,
        progress: f64,
        total: Option<f64>,
        message: Option<&str>,
    ) -> PyResult<bool> {
        let sent = self.ctx.report_progress(progress, total, message).map_err(PyValueError::new_err)?;
        self.sync_backpressure(py, sent);
        Ok(sent)
    }

    /// `None` when this request's stream has room for more notifications; otherwise an awaitable
    /// that resolves (to whether the stream is still there) once it has room. What an awaited
    /// `ctx.info(...)`/`ctx.report_progress(...)` waits on.
    fn room<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        let Some(wait) = self.ctx.outbound.wait_for_room() else { return Ok(None) };
        crate::runtime::spawn_awaitable(py, &self.queue, async move { Ok(wait.await) }).map(Some)
    }

    /// Sends a request to the client (handshake era) on this request's stream. Returns an
    /// awaitable of the answer as JSON text: `{"result": ...}` or `{"error": {...}}`.
    fn request_client<'py>(
        &self,
        py: Python<'py>,
        method: &str,
        params: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let params = convert::from_py_at(params, "params")?;
        let call = self.ctx.request_client(method, params);
        crate::runtime::spawn_awaitable(py, &self.queue, async move {
            let answer = match call {
                Ok(call) => call.await,
                Err(e) => Err(e),
            };
            let text = match answer {
                Ok(result) => serde_json::json!({ "result": result }),
                Err(e) => serde_json::json!({ "error": e.to_value() }),
            };
            Ok(text.to_string())
        })
    }

    /// Stateless MRTR: the client's answers so far (key -> result), or None on a first round.
    #[getter]
    fn input_responses<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyDict>>> {
        self.ctx.input.as_ref().map(|i| convert::map_to_py(py, &i.responses)).transpose()
    }

    /// Stateless MRTR: the state the function carried over from its previous round.
    #[getter]
    fn input_data<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        self.ctx.input.as_ref().and_then(|i| i.data.as_ref()).map(|d| convert::to_py(py, d)).transpose()
    }

    /// Answers `input_required` (stateless wire): `requests` maps keys to `{method, params}`;
    /// `data` is state to receive back on the retry.
    #[pyo3(signature = (requests, data=None))]
    fn input_required(&self, requests: &Bound<'_, PyAny>, data: Option<&Bound<'_, PyAny>>) -> PyResult<()> {
        let requests = match convert::from_py_at(requests, "inputRequests")? {
            Value::Object(m) => m,
            _ => return Err(PyValueError::new_err("input requests must be a dict of {method, params} objects")),
        };
        let data = data.filter(|d| !d.is_none()).map(|d| convert::from_py_at(d, "state")).transpose()?;
        if let Some(r) = self.take_reply() {
            r.fail(HandlerError::InputRequired { requests, data });
        }
        Ok(())
    }

    /// Makes this tool call a task now, if it may become one: the request is answered with the
    /// task at once and this job's answer becomes the task's result. True once the call is a task
    /// (also when it started as one); False when it cannot be one (it carries on as a plain call).
    fn start_task(&self) -> PyResult<bool> {
        self.ctx.start_task().map_err(|e| PyRuntimeError::new_err(e.message))
    }

    /// The id of the task this call runs as, if any.
    #[getter]
    fn task_id(&self) -> Option<String> {
        self.ctx.task_id()
    }

    /// The validated arguments as a fresh dict (taken: a second call returns an empty dict).
    fn kwargs<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let args = self.args.lock().unwrap_or_else(|e| e.into_inner()).take().unwrap_or_default();
        convert::map_to_py(py, &args)
    }

    /// `{"method", "params", "headers"}`: what `McpServer.validate_request` receives (`method`
    /// and `params` None at the authentication gate of an HTTP request or WebSocket upgrade).
    fn request<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        if self.gate {
            d.set_item("method", py.None())?;
            d.set_item("params", py.None())?;
            d.set_item("headers", self.headers(py)?)?;
            return Ok(d);
        }
        d.set_item("method", &*self.ctx.method)?;
        match &self.params {
            Some(p) => d.set_item("params", convert::to_py(py, p)?)?,
            None => d.set_item("params", PyDict::new(py))?,
        }
        d.set_item("headers", self.headers(py)?)?;
        Ok(d)
    }

    /// Answers a tool call with the function's return value, shaped into a `CallToolResult` here
    /// (`tool_result.rs`). Raises when the value cannot be converted (ValueError naming the path
    /// and problem, or what Python raised); the job stays unanswered, so the caller answers with
    /// the error (the pump: an `isError` result).
    fn complete(&self, value: &Bound<'_, PyAny>) -> PyResult<()> {
        if self.kind != CallKind::Tool {
            return Err(PyTypeError::new_err("complete answers tool calls; use complete_raw"));
        }
        let out = match tool_result::shape(value, self.entry.wraps, self.entry.structured) {
            Ok(out) => out,
            Err(ShapeError::Python(e)) => return Err(e),
            Err(ShapeError::NotJson(e)) => return Err(PyValueError::new_err(e)),
        };
        if let Some(JobReply::Tool(r)) = self.take_reply() {
            r.ok(out);
        }
        Ok(())
    }

    /// Answers with the protocol JSON for this kind: a CallToolResult dict (tool), a list of
    /// contents (resource), a GetPromptResult dict (prompt), a list of items (list), anything
    /// (validate: accepted; at the gate, the caller's principal: a string, or None for anonymous).
    fn complete_raw(&self, value: &Bound<'_, PyAny>) -> PyResult<()> {
        let Some(reply) = self.take_reply() else { return Ok(()) };
        let reply = match reply {
            JobReply::Authenticate(r) => {
                let principal = if value.is_none() { None } else { Some(Principal::new(value.str()?.to_str()?)) };
                r.ok(principal);
                return Ok(());
            }
            other => other,
        };
        let json =
            if matches!(reply, JobReply::Validate(_)) { Ok(Value::Null) } else { convert::from_py_at(value, "result") };
        let json = match json {
            Ok(j) => j,
            Err(e) => {
                let msg = format!("could not convert the result: {}", e.value(value.py()));
                reply.fail(HandlerError::Failed(msg.clone()));
                return Err(PyRuntimeError::new_err(msg));
            }
        };
        let shape_err = |what: &str| HandlerError::Protocol(ErrorObject::internal(format!("expected {what}")));
        match (reply, json) {
            (JobReply::Tool(r), Value::Object(m)) => r.ok(ToolOutput(m)),
            (JobReply::Resource(r), Value::Array(v)) => r.ok(ResourceOutput(v)),
            (JobReply::Prompt(r), Value::Object(m)) => r.ok(PromptOutput(m)),
            (JobReply::List(r), Value::Array(v)) => r.ok(ListOutput(v)),
            (JobReply::Validate(r), _) => r.ok(()),
            (JobReply::Complete(r), v) => match completion_output(v) {
                Some(out) => r.ok(out),
                None => r.send(Err(shape_err("a list of strings or {\"values\": [...], \"total\"?, \"hasMore\"?}"))),
            },
            (other, _) => other.fail(shape_err("a dict (tool, prompt) or a list (resource, list)")),
        }
        Ok(())
    }

    /// Answers with a JSON-RPC error (an `McpError`).
    #[pyo3(signature = (code, message, data=None))]
    fn fail_protocol(&self, code: i64, message: String, data: Option<&Bound<'_, PyAny>>) -> PyResult<()> {
        let mut err = ErrorObject::new(code, message);
        if let Some(d) = data.filter(|d| !d.is_none()) {
            // The code and message stand; data that cannot be JSON is left out (and logged).
            match convert::from_py_at(d, "data") {
                Ok(v) => err.data = Some(v),
                Err(e) => tracing::warn!(target: "oxmcp.server", "error data left out: {}", e.value(d.py())),
            }
        }
        if let Some(r) = self.take_reply() {
            r.fail(HandlerError::Protocol(err));
        }
        Ok(())
    }

    /// Answers with an execution failure: `isError: true` for tools, -32603 otherwise
    /// (validate: -32600 with this message).
    fn fail(&self, message: String) {
        if let Some(r) = self.take_reply() {
            r.fail(HandlerError::Failed(message));
        }
    }
}

fn parse_level(level: &str) -> PyResult<LogLevel> {
    LogLevel::parse(level)
        .ok_or_else(|| PyValueError::new_err(format!("log level must be one of {}", LogLevel::names())))
}

/// A completion function's answer: a list of strings, or `{"values", "total"?, "hasMore"?}`.
fn completion_output(v: Value) -> Option<CompletionOutput> {
    let strings = |a: Vec<Value>| a.into_iter().map(|v| v.as_str().map(str::to_string)).collect::<Option<Vec<_>>>();
    match v {
        Value::Null => Some(CompletionOutput::default()),
        Value::Array(a) => Some(CompletionOutput { values: strings(a)?, ..Default::default() }),
        Value::Object(mut m) => {
            let values = match m.remove("values") {
                Some(Value::Array(a)) => strings(a)?,
                None => Vec::new(),
                Some(_) => return None,
            };
            let total = m.get("total").and_then(Value::as_u64);
            let has_more = m.get("hasMore").and_then(Value::as_bool);
            Some(CompletionOutput { values, total, has_more })
        }
        _ => None,
    }
}
