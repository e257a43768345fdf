//! `ServerCore`: the Python-facing server object. `oxmcp.McpServer`'s runtime
//! (`oxmcp.server._runtime.Runtime`) wraps one.

use crate::call::Entry;
use crate::handler::{Entries, PyHandler};
use crate::job::Job;
use crate::memory::MemoryClient;
use crate::queue::{Queue, Work};
use crate::registration::{
    CacheHints, PromptRegistration, Registration, ResourceRegistration, TemplateRegistration, ToolRegistration,
};
use crate::sync_pool::SyncPool;
use oxmcp_core::jsonrpc::ErrorObject;
use oxmcp_core::server::{
    CacheScope, Catalog, Change, ListKind, MemoryTaskStore, RequestStateKeys, ResourceSpec, Server, ServerConfig,
    TemplateSpec,
};
use oxmcp_core::transport::{serve_process_stdio, serve_std_listener, HttpOptions, StdioOptions};
use pyo3::exceptions::{PyOSError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use serde_json::Value;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use tokio_util::sync::CancellationToken;

#[pyclass(frozen, weakref, module = "oxmcp._core", name = "ServerCore")]
pub struct ServerCore {
    pub(crate) server: Server,
    pub(crate) handler: Arc<PyHandler>,
    next_handle: AtomicU64,
}

fn parse_json(what: &str, text: &str) -> PyResult<Value> {
    serde_json::from_str(text).map_err(|e| PyValueError::new_err(format!("{what}: invalid JSON: {e}")))
}

/// Binds a network transport's listener now, so bind errors raise in the caller and the actual
/// port (0 picks one) is known before serving starts.
fn bind_listener(host: &str, port: u16, path: &str) -> PyResult<(std::net::TcpListener, std::net::SocketAddr)> {
    if !path.starts_with('/') {
        return Err(PyValueError::new_err(format!("path must start with '/', got {path:?}")));
    }
    let listener = std::net::TcpListener::bind((host, port))
        .map_err(|e| PyOSError::new_err(format!("cannot listen on {host}:{port}: {e}")))?;
    let local = listener.local_addr().map_err(|e| PyOSError::new_err(e.to_string()))?;
    Ok((listener, local))
}

fn positive_seconds(name: &str, value: f64) -> PyResult<()> {
    if value.is_finite() && value > 0.0 {
        Ok(())
    } else {
        Err(PyValueError::new_err(format!("{name} must be a positive number")))
    }
}

fn cache_scope(scope: &str) -> PyResult<CacheScope> {
    CacheScope::parse(scope)
        .ok_or_else(|| PyValueError::new_err(format!("cache_scope must be 'public' or 'private', not {scope:?}")))
}

/// `error` as the Python `oxmcp.McpError` it stands for (or whatever went wrong making one).
fn mcp_error(py: Python<'_>, error: &ErrorObject) -> PyErr {
    let make = || -> PyResult<PyErr> {
        let data = match &error.data {
            Some(d) => crate::convert::to_py(py, d)?,
            None => py.None().into_bound(py),
        };
        let class = py.import("oxmcp.exceptions")?.getattr("McpError")?;
        Ok(PyErr::from_value(class.call1((error.code, error.message.as_str(), data))?))
    };
    make().unwrap_or_else(|e| e)
}

/// A hook's function (list override, validator, completion): read as every registration's entry is.
fn hook_entry(entry: Option<Bound<'_, PyAny>>) -> PyResult<Option<Entry>> {
    entry.map(|e| crate::registration::entry(&e)).transpose()
}

fn list_kind(kind: &str) -> PyResult<ListKind> {
    match kind {
        "resources" => Ok(ListKind::Resources),
        "prompts" => Ok(ListKind::Prompts),
        other => Err(PyValueError::new_err(format!("unknown list kind {other:?}"))),
    }
}

impl ServerCore {
    /// An awaitable that runs a transport until it ends. Cancelling the awaiting task (Ctrl-C)
    /// drops the future, which cancels `shutdown` and stops the transport.
    fn serving<'py, F>(
        &self,
        py: Python<'py>,
        serve: impl FnOnce(CancellationToken) -> F + Send + 'static,
    ) -> PyResult<Bound<'py, PyAny>>
    where
        F: std::future::Future<Output = std::io::Result<()>> + Send + 'static,
    {
        crate::runtime::spawn_awaitable(py, &self.handler.queue, async move {
            let shutdown = CancellationToken::new();
            let _stop = shutdown.clone().drop_guard();
            serve(shutdown).await.map_err(|e| PyOSError::new_err(e.to_string()))
        })
    }

    /// Builds a registration's catalog item under a fresh handle, then registers the Python
    /// function behind it and publishes the item (nothing is registered if the definition is bad).
    fn add<S>(&self, what: &str, registration: Registration<S>, insert: impl FnOnce(&mut Catalog, S)) -> PyResult<()> {
        let Registration { entry, definition, build } = registration;
        let handle = self.next_handle.fetch_add(1, Ordering::Relaxed);
        let spec = build(definition, handle).map_err(|e| PyValueError::new_err(format!("{what}: {e}")))?;
        self.entries().insert(handle, entry);
        self.server.update_catalog(|c| insert(c, spec));
        Ok(())
    }
    /// Takes an item out of the catalog, then forgets the Python function behind it.
    fn remove(&self, handle: Option<u64>, take: impl FnOnce(&mut Catalog) -> bool) -> bool {
        let removed = self.server.update_catalog(take);
        if let Some(h) = handle {
            self.entries().remove(h);
        }
        removed
    }

    /// A resource's own caching hints, completed from the server's (None: it has none).
    fn cache_hints(&self, (ttl, scope): CacheHints) -> Option<(u64, CacheScope)> {
        if ttl.is_none() && scope.is_none() {
            return None;
        }
        let config = self.server.config();
        Some((ttl.unwrap_or(config.cache_ttl_ms), scope.unwrap_or(config.cache_scope)))
    }

    fn entries(&self) -> std::sync::RwLockWriteGuard<'_, Entries> {
        self.handler.entries.write().unwrap_or_else(|e| e.into_inner())
    }
}

#[pymethods]
impl ServerCore {
    #[new]
    #[pyo3(signature = (name, version, *, instructions=None, title=None, description=None, website_url=None,
                        icons_json=None, page_size=None, max_message_bytes=None, cache_ttl_ms=0,
                        cache_scope="public", sync_workers=40, request_state_keys=None, request_state_ttl_s=600.0,
                        task_ttl_s=60.0, max_tasks=10_000, task_poll_interval_s=0.5,
                        max_tasks_per_owner=oxmcp_core::server::tasks::DEFAULT_MAX_TASKS_PER_OWNER))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        name: String,
        version: String,
        instructions: Option<String>,
        title: Option<String>,
        description: Option<String>,
        website_url: Option<String>,
        icons_json: Option<String>,
        page_size: Option<usize>,
        max_message_bytes: Option<usize>,
        cache_ttl_ms: u64,
        cache_scope: &str,
        sync_workers: usize,
        request_state_keys: Option<Vec<Vec<u8>>>,
        request_state_ttl_s: f64,
        task_ttl_s: f64,
        max_tasks: usize,
        task_poll_interval_s: f64,
        max_tasks_per_owner: usize,
    ) -> PyResult<Self> {
        let mut config = ServerConfig::new(name, version);
        config.instructions = instructions;
        config.title = title;
        config.description = description;
        config.website_url = website_url;
        config.icons = icons_json.map(|j| parse_json("icons", &j)).transpose()?;
        config.page_size = page_size.filter(|&n| n > 0);
        if let Some(m) = max_message_bytes {
            if m < 1024 {
                return Err(PyValueError::new_err("max_message_bytes must be at least 1024"));
            }
            config.max_message_bytes = m;
        }
        config.cache_ttl_ms = cache_ttl_ms;
        config.cache_scope = self::cache_scope(cache_scope)?;
        if let Some(keys) = request_state_keys {
            config.request_state = RequestStateKeys::new(keys, std::time::Duration::from_secs_f64(request_state_ttl_s))
                .map_err(PyValueError::new_err)?;
        } else {
            positive_seconds("request_state_ttl_s", request_state_ttl_s)?;
            config.request_state.ttl = std::time::Duration::from_secs_f64(request_state_ttl_s);
        }
        positive_seconds("task_ttl_s", task_ttl_s)?;
        positive_seconds("task_poll_interval_s", task_poll_interval_s)?;
        config.tasks.ttl = std::time::Duration::from_secs_f64(task_ttl_s).max(std::time::Duration::from_millis(1));
        config.tasks.poll_interval = Some(std::time::Duration::from_secs_f64(task_poll_interval_s));
        config.tasks.store = Arc::new(MemoryTaskStore::new(max_tasks).with_owner_quota(max_tasks_per_owner));
        let queue = Queue::new().map_err(|e| PyOSError::new_err(e.to_string()))?;
        let sync_pool = SyncPool::new(sync_workers, queue.clone());
        let handler = Arc::new(PyHandler { entries: RwLock::new(Entries::default()), queue, sync_pool });
        let server = Server::new(config, handler.clone());
        Ok(ServerCore { server, handler, next_handle: AtomicU64::new(1) })
    }

    /// Sets the pump: the object whose `run_sync(job)` runs sync functions (once per core).
    fn set_runner(&self, runner: Py<PyAny>) -> PyResult<()> {
        if self.handler.sync_pool.set_runner(runner) {
            Ok(())
        } else {
            Err(pyo3::exceptions::PyRuntimeError::new_err("this ServerCore already has a runner"))
        }
    }

    /// Registers (or replaces) a tool (`oxmcp._registration.ToolRegistration`).
    fn add_tool(&self, spec: ToolRegistration<'_>) -> PyResult<()> {
        self.add("tool", spec.read()?, Catalog::add_tool)
    }

    fn remove_tool(&self, name: &str) -> bool {
        let handle = self.server.catalog().tool(name).map(|t| t.handle);
        self.remove(handle, |c| c.remove_tool(name))
    }

    /// Registers (or replaces) a resource (`oxmcp._registration.ResourceRegistration`).
    fn add_resource(&self, spec: ResourceRegistration<'_>) -> PyResult<()> {
        let registration = spec.read(
            |h| self.cache_hints(h),
            |d, h, cache| ResourceSpec::new(d, h).map(|s| ResourceSpec { cache, ..s }),
        )?;
        self.add("resource", registration, Catalog::add_resource)
    }

    /// Registers (or replaces) a resource template (`oxmcp._registration.TemplateRegistration`).
    fn add_template(&self, spec: TemplateRegistration<'_>) -> PyResult<()> {
        let TemplateRegistration { resource, variables_schema } = spec;
        let registration = resource.read(
            |h| self.cache_hints(h),
            move |d, h, cache| {
                let template = TemplateSpec::new(d, h).map(|s| TemplateSpec { cache, ..s })?;
                match &variables_schema {
                    Some(schema) => template.with_variables(schema),
                    None => Ok(template),
                }
            },
        )?;
        self.add("resource template", registration, Catalog::add_template)
    }

    /// Removes a resource or resource template by its URI (template); returns whether it existed.
    fn remove_resource(&self, uri: &str) -> bool {
        let catalog = self.server.catalog();
        let handle = catalog.resource(uri).map(|r| r.handle).or_else(|| catalog.template(uri).map(|t| t.handle));
        self.remove(handle, |c| c.remove_resource(uri) || c.remove_template(uri))
    }

    fn remove_prompt(&self, name: &str) -> bool {
        let handle = self.server.catalog().prompt(name).map(|p| p.handle);
        self.remove(handle, |c| c.remove_prompt(name))
    }

    /// Registers (or replaces) a prompt (`oxmcp._registration.PromptRegistration`).
    fn add_prompt(&self, spec: PromptRegistration<'_>) -> PyResult<()> {
        self.add("prompt", spec.read()?, Catalog::add_prompt)
    }

    /// Replaces the catalog's list of `kind` ("resources" or "prompts") with what `entry` returns.
    #[pyo3(signature = (kind, entry=None))]
    fn set_list_override(&self, kind: &str, entry: Option<Bound<'_, PyAny>>) -> PyResult<()> {
        let kind = list_kind(kind)?;
        let entry = hook_entry(entry)?;
        self.entries().set_list_override(kind, entry);
        Ok(())
    }

    /// Runs `entry` before every request (the `validate_request` hook); `None` removes it.
    #[pyo3(signature = (entry=None))]
    fn set_validator(&self, entry: Option<Bound<'_, PyAny>>) -> PyResult<()> {
        let entry = hook_entry(entry)?;
        self.entries().set_validator(entry);
        Ok(())
    }

    /// Serves `completion/complete` with `entry` (`None` removes it).
    #[pyo3(signature = (entry=None))]
    fn set_completion(&self, entry: Option<Bound<'_, PyAny>>) -> PyResult<()> {
        let entry = hook_entry(entry)?;
        self.entries().set_completion(entry);
        Ok(())
    }

    /// Which resource serves `uri`: `(uri or uriTemplate, {variable: value})`, or None. The
    /// variables are converted by the template's schema, as `resources/read` converts them; a
    /// variable it refuses raises the same error `resources/read` answers, as an `McpError`.
    fn match_resource<'py>(&self, py: Python<'py>, uri: &str) -> PyResult<Option<(String, Bound<'py, PyDict>)>> {
        let Some(target) = self.server.catalog().resolve_resource(uri) else { return Ok(None) };
        let target = target.converted(uri).map_err(|e| mcp_error(py, &e))?;
        Ok(Some(match target {
            oxmcp_core::server::ResourceTarget::Static(r) => (r.uri.clone(), PyDict::new(py)),
            oxmcp_core::server::ResourceTarget::Template(t, vars) => {
                (t.uri_template.clone(), crate::convert::map_to_py(py, &vars)?)
            }
        }))
    }

    /// Tells clients subscribed to `uri` that it changed (`notifications/resources/updated`).
    fn notify_resource_updated(&self, uri: String) {
        self.server.emit(Change::ResourceUpdated(uri));
    }

    /// The descriptor the asyncio loop watches for queued work.
    fn wakeup_fd(&self) -> i32 {
        self.handler.queue.wakeup_fd()
    }

    /// Takes the queued work: `Job` objects to run, and ints (job ids) to cancel.
    fn drain<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let work = self.handler.queue.drain();
        let list = PyList::empty(py);
        for w in work {
            match w {
                Work::Run(data) => list.append(Py::new(py, Job::new(data, self.handler.queue.clone()))?)?,
                Work::Cancel(id) => list.append(id)?,
                Work::Settle(settlement) => settlement.settle(py)?,
            }
        }
        Ok(list)
    }

    /// Serves this process's stdin/stdout until stdin closes. Must be awaited inside a running loop.
    #[pyo3(signature = (eof_grace_ms=0, *, write_timeout_s=30.0))]
    fn serve_stdio<'py>(
        &self,
        py: Python<'py>,
        eof_grace_ms: u64,
        write_timeout_s: f64,
    ) -> PyResult<Bound<'py, PyAny>> {
        positive_seconds("write_timeout", write_timeout_s)?;
        let server = self.server.clone();
        let options = StdioOptions {
            max_message_bytes: server.config().max_message_bytes,
            eof_grace: std::time::Duration::from_millis(eof_grace_ms),
            write_timeout: std::time::Duration::from_secs_f64(write_timeout_s),
            ..StdioOptions::default()
        };
        self.serving(py, move |shutdown| async move { serve_process_stdio(&server, options, shutdown).await })
    }

    /// Binds `host:port` now (bind errors raise here) and returns `(awaitable, "host:port")`:
    /// awaiting serves Streamable HTTP on `path` until cancelled (and the legacy HTTP+SSE
    /// transport on `/sse` + `/messages` unless `legacy_sse` is false).
    #[pyo3(signature = (host, port, path="/mcp", *, allowed_hosts=Vec::new(), allowed_origins=Vec::new(), cors=false,
                        session_idle_timeout_s=1800.0, max_sessions=10_000, header_read_timeout_s=10.0,
                        keep_alive_timeout_s=60.0, max_connections=1024, max_sessions_per_principal=100,
                        uninitialized_session_timeout_s=10.0, body_read_timeout_s=30.0, legacy_sse=true, write_timeout_s=30.0))]
    #[allow(clippy::too_many_arguments)]
    fn serve_http<'py>(
        &self,
        py: Python<'py>,
        host: &str,
        port: u16,
        path: &str,
        allowed_hosts: Vec<String>,
        allowed_origins: Vec<String>,
        cors: bool,
        session_idle_timeout_s: f64,
        max_sessions: usize,
        header_read_timeout_s: f64,
        keep_alive_timeout_s: f64,
        max_connections: usize,
        max_sessions_per_principal: usize,
        uninitialized_session_timeout_s: f64,
        body_read_timeout_s: f64,
        legacy_sse: bool,
        write_timeout_s: f64,
    ) -> PyResult<(Bound<'py, PyAny>, String)> {
        positive_seconds("session_idle_timeout_s", session_idle_timeout_s)?;
        positive_seconds("header_read_timeout_s", header_read_timeout_s)?;
        positive_seconds("keep_alive_timeout_s", keep_alive_timeout_s)?;
        positive_seconds("uninitialized_session_timeout_s", uninitialized_session_timeout_s)?;
        positive_seconds("body_read_timeout_s", body_read_timeout_s)?;
        positive_seconds("write_timeout", write_timeout_s)?;
        if max_connections == 0 || max_sessions == 0 || max_sessions_per_principal == 0 {
            return Err(PyValueError::new_err(
                "max_connections, max_sessions and max_sessions_per_principal must be >= 1",
            ));
        }
        let (listener, local) = bind_listener(host, port, path)?;
        let defaults = HttpOptions::default();
        let options = HttpOptions {
            sse_path: if legacy_sse { defaults.sse_path.clone() } else { None },
            path: path.to_string(),
            allowed_hosts,
            allowed_origins,
            cors,
            session_idle_timeout: std::time::Duration::from_secs_f64(session_idle_timeout_s),
            max_sessions,
            header_read_timeout: std::time::Duration::from_secs_f64(header_read_timeout_s),
            keep_alive_timeout: std::time::Duration::from_secs_f64(keep_alive_timeout_s),
            max_connections,
            max_sessions_per_principal,
            uninitialized_session_timeout: std::time::Duration::from_secs_f64(uninitialized_session_timeout_s),
            body_read_timeout: std::time::Duration::from_secs_f64(body_read_timeout_s),
            write_timeout: std::time::Duration::from_secs_f64(write_timeout_s),
            ..defaults
        };
        let server = self.server.clone();
        let awaitable = self.serving(py, move |shutdown| serve_std_listener(server, listener, options, shutdown))?;
        Ok((awaitable, local.to_string()))
    }

    /// Binds `host:port` now (bind errors raise here) and returns `(awaitable, "host:port")`:
    /// awaiting serves MCP over WebSocket (upgrades on `path`) until cancelled.
    #[pyo3(signature = (host, port, path="/", *, allowed_hosts=Vec::new(), allowed_origins=Vec::new(),
                        max_connections=10_000, ping_interval_s=30.0, write_timeout_s=30.0))]
    #[allow(clippy::too_many_arguments)]
    fn serve_websocket<'py>(
        &self,
        py: Python<'py>,
        host: &str,
        port: u16,
        path: &str,
        allowed_hosts: Vec<String>,
        allowed_origins: Vec<String>,
        max_connections: usize,
        ping_interval_s: f64,
        write_timeout_s: f64,
    ) -> PyResult<(Bound<'py, PyAny>, String)> {
        positive_seconds("ping_interval_s", ping_interval_s)?;
        positive_seconds("write_timeout", write_timeout_s)?;
        let (listener, local) = bind_listener(host, port, path)?;
        let options = oxmcp_core::transport::WsOptions {
            path: path.to_string(),
            allowed_hosts,
            allowed_origins,
            max_connections,
            ping_interval: std::time::Duration::from_secs_f64(ping_interval_s),
            write_timeout: std::time::Duration::from_secs_f64(write_timeout_s),
            ..oxmcp_core::transport::WsOptions::default()
        };
        let server = self.server.clone();
        let awaitable = self.serving(py, move |shutdown| {
            oxmcp_core::transport::serve_ws_std_listener(server, listener, options, shutdown)
        })?;
        Ok((awaitable, local.to_string()))
    }

    /// An in-memory client with its own session (headers are what `validate_request` sees).
    #[pyo3(signature = (headers=None))]
    fn connect_memory(&self, headers: Option<&Bound<'_, PyDict>>) -> PyResult<MemoryClient> {
        let mut hs = Vec::new();
        if let Some(h) = headers {
            for (k, v) in h.iter() {
                hs.push((k.extract::<String>()?.to_ascii_lowercase(), v.extract::<String>()?));
            }
        }
        Ok(MemoryClient::connect(&self.server, hs, self.handler.queue.clone()))
    }

    /// Server name.
    #[getter]
    fn name(&self) -> String {
        self.server.config().name.clone()
    }
}
