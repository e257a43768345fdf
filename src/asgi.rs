//! The MCP endpoint for ASGI hosts (`oxmcp.server.asgi`, FastAPI's `create_mcp_router`): Python
//! hands over method, headers and body; the same Rust endpoint as `serve_http` answers; the body
//! comes back chunk by chunk (one chunk for JSON, many for SSE streams).

use crate::runtime::{runtime, spawn_awaitable};
use crate::server_core::ServerCore;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::header::{HeaderMap, HeaderName, HeaderValue};
use hyper::Method;
use oxmcp_core::server::Principal;
use oxmcp_core::transport::http::BoxBody;
use oxmcp_core::transport::{HttpOptions, MountedApp};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use std::borrow::Cow;
use std::sync::Arc;
use tokio::sync::Mutex;
use tokio_util::sync::CancellationToken;

#[pyclass(frozen, module = "oxmcp._core", name = "HttpApp")]
pub struct HttpApp {
    app: Arc<MountedApp>,
    core: Py<ServerCore>,
}

/// A response being sent: status and headers now, the body through `next_chunk()`.
#[pyclass(frozen, module = "oxmcp._core", name = "HttpResponse")]
pub struct HttpResponse {
    #[pyo3(get)]
    status: u16,
    #[pyo3(get)]
    headers: Vec<(String, String)>,
    body: Arc<Mutex<Option<BoxBody>>>,
    /// Cancelled by `close()`: a `next_chunk` waiting for the body lets go of it.
    closed: CancellationToken,
    core: Py<ServerCore>,
}

/// Creates the mounted endpoint of a server.
#[pyfunction]
#[pyo3(signature = (core, *, allowed_hosts=Vec::new(), allowed_origins=Vec::new(), cors=false,
                    session_idle_timeout_s=1800.0, max_sessions=10_000))]
pub fn http_app(
    core: Py<ServerCore>,
    allowed_hosts: Vec<String>,
    allowed_origins: Vec<String>,
    cors: bool,
    session_idle_timeout_s: f64,
    max_sessions: usize,
) -> PyResult<HttpApp> {
    if !(session_idle_timeout_s.is_finite() && session_idle_timeout_s > 0.0) {
        return Err(PyValueError::new_err("session_idle_timeout_s must be a positive number"));
    }
    let options = HttpOptions {
        allowed_hosts,
        allowed_origins,
        cors,
        session_idle_timeout: std::time::Duration::from_secs_f64(session_idle_timeout_s),
        max_sessions,
        sse_path: None,
        ..HttpOptions::default()
    };
    let server = core.get().server.clone();
    let _entered = runtime().enter(); // the app starts its session sweeper on the runtime
    Ok(HttpApp { app: Arc::new(MountedApp::new(server, options)), core })
}

/// What the authentication gate said about a request, before its body was read: `refusal()` is
/// the 401 to send, or None, and then the admission goes with the request to `handle`.
#[pyclass(frozen, module = "oxmcp._core", name = "Admission")]
pub struct Admission {
    outcome: std::sync::Mutex<Option<Result<Option<Principal>, HttpResponse>>>,
    principal: Option<Principal>,
}

#[pymethods]
impl Admission {
    /// The response refusing the request (taken: a second call returns None), or None if admitted.
    fn refusal(&self) -> Option<HttpResponse> {
        let mut slot = self.outcome.lock().unwrap_or_else(|e| e.into_inner());
        match slot.take() {
            Some(Err(refused)) => Some(refused),
            _ => None,
        }
    }
}

impl HttpResponse {
    fn new(response: hyper::Response<BoxBody>, core: Py<ServerCore>) -> Self {
        let (parts, body) = response.into_parts();
        let headers = parts
            .headers
            .iter()
            .filter_map(|(k, v)| v.to_str().ok().map(|v| (k.as_str().to_string(), v.to_string())))
            .collect();
        HttpResponse {
            status: parts.status.as_u16(),
            headers,
            body: Arc::new(Mutex::new(Some(body))),
            closed: CancellationToken::new(),
            core,
        }
    }
}

fn header_map(headers: &[(String, String)]) -> PyResult<HeaderMap> {
    let mut map = HeaderMap::new();
    for (k, v) in headers {
        let name =
            HeaderName::from_bytes(k.as_bytes()).map_err(|e| PyValueError::new_err(format!("header {k:?}: {e}")))?;
        let value = HeaderValue::from_str(v).map_err(|e| PyValueError::new_err(format!("header {k:?}: {e}")))?;
        map.append(name, value);
    }
    Ok(map)
}

#[pymethods]
impl HttpApp {
    /// The authentication gate on a request's method and headers, before its body is read;
    /// resolves to an `Admission`.
    fn admit<'py>(&self, py: Python<'py>, method: &str, headers: Vec<(String, String)>) -> PyResult<Bound<'py, PyAny>> {
        let method =
            Method::from_bytes(method.as_bytes()).map_err(|e| PyValueError::new_err(format!("method: {e}")))?;
        let headers = header_map(&headers)?;
        let app = self.app.clone();
        let core = self.core.clone_ref(py);
        let queue = self.core.get().handler.queue.clone();
        spawn_awaitable(py, &queue, async move {
            let outcome = app.authenticate(&method, &headers).await.map_err(|r| HttpResponse::new(r, core));
            let principal = outcome.as_ref().ok().cloned().flatten();
            Ok(Admission { outcome: std::sync::Mutex::new(Some(outcome)), principal })
        })
    }

    /// Serves one request; resolves to an `HttpResponse`. With an `Admission` (from `admit`), the
    /// gate is not asked again.
    #[pyo3(signature = (method, headers, body, admission=None))]
    fn handle<'py>(
        &self,
        py: Python<'py>,
        method: &str,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
        admission: Option<&Admission>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let mut builder = hyper::Request::builder().method(method).uri("/");
        for (k, v) in &headers {
            builder = builder.header(k.as_str(), v.as_str());
        }
        let request = builder
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| PyValueError::new_err(format!("invalid request: {e}")))?;
        let app = self.app.clone();
        let core = self.core.clone_ref(py);
        let queue = self.core.get().handler.queue.clone();
        let admitted = admission.map(|a| a.principal.clone());
        spawn_awaitable(py, &queue, async move {
            let response = match admitted {
                Some(principal) => app.handle_as(request, principal).await,
                None => app.handle(request).await,
            };
            Ok(HttpResponse::new(response, core))
        })
    }
}

#[pymethods]
impl HttpResponse {
    /// The next chunk of the body (bytes), or None at its end.
    fn next_chunk<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let (body, closed) = (self.body.clone(), self.closed.clone());
        let queue = self.core.get().handler.queue.clone();
        spawn_awaitable(py, &queue, async move {
            let mut slot = body.lock().await;
            loop {
                let Some(b) = slot.as_mut() else { return Ok(None) };
                let frame = tokio::select! {
                    biased;
                    _ = closed.cancelled() => {
                        *slot = None;
                        return Ok(None);
                    }
                    f = b.frame() => f,
                };
                match frame {
                    Some(Ok(frame)) => {
                        if let Ok(data) = frame.into_data() {
                            if !data.is_empty() {
                                return Ok(Some(Cow::<'static, [u8]>::Owned(data.to_vec())));
                            }
                        }
                    }
                    Some(Err(never)) => match never {},
                    None => {
                        *slot = None;
                        return Ok(None);
                    }
                }
            }
        })
    }

    /// Stops the body (the client went away, or the host is shutting down): the core's side of
    /// the response is dropped, which cancels a stateless call in flight and ends a listen or GET
    /// stream. Safe while a `next_chunk` is pending (it ends with None).
    fn close(&self) {
        self.closed.cancel();
        match self.body.try_lock() {
            Ok(mut slot) => *slot = None,
            Err(_) => {
                let body = self.body.clone();
                runtime().spawn(async move { body.lock().await.take() });
            }
        }
    }
}
