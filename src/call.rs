//! The record of one call: the registered function it runs, its arguments, the request's facts
//! and the reply to send. Built by the handler on tokio threads, carried through the queue (async
//! functions) or the sync pool, and turned into a Python `Job` on the thread that runs it.

use oxmcp_core::server::{
    CompletionOutput, HandlerError, ListOutput, Principal, PromptOutput, Reply, RequestContext, ResourceOutput,
    ToolOutput,
};
use pyo3::prelude::*;
use serde_json::{Map, Value};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// A registered Python function, Rust's side: a handle to its Python record
/// (`oxmcp._registration.Entry`, given back to the pump as `Job.entry`), and the facts the hot
/// path needs without asking Python, read from that record once (`registration::entry`).
pub struct Entry {
    pub obj: Py<PyAny>,
    pub is_async: bool,
    /// The tool's output schema wraps results as `{"result": ...}`.
    pub wraps: bool,
    /// Send `structuredContent` (tools); false answers with text only.
    pub structured: bool,
}

/// What a call runs: the pump picks the Python side's handling by it, `Job.complete_raw` the
/// shape of the answer.
#[pyclass(eq, eq_int, frozen, hash, skip_from_py_object, module = "oxmcp._core", name = "CallKind")]
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum CallKind {
    #[pyo3(name = "TOOL")]
    Tool,
    #[pyo3(name = "RESOURCE")]
    Resource,
    #[pyo3(name = "PROMPT")]
    Prompt,
    #[pyo3(name = "LIST")]
    List,
    #[pyo3(name = "VALIDATE")]
    Validate,
    #[pyo3(name = "COMPLETE")]
    Complete,
}

#[pymethods]
impl CallKind {
    /// The kind as a word for messages: "tool", "resource", "prompt", "list", "validate",
    /// "complete".
    #[getter]
    pub fn label(&self) -> &'static str {
        match self {
            CallKind::Tool => "tool",
            CallKind::Resource => "resource",
            CallKind::Prompt => "prompt",
            CallKind::List => "list",
            CallKind::Validate => "validate",
            CallKind::Complete => "complete",
        }
    }

    fn __str__(&self) -> &'static str {
        self.label()
    }
}

pub enum JobReply {
    Tool(Reply<ToolOutput>),
    Resource(Reply<ResourceOutput>),
    Prompt(Reply<PromptOutput>),
    List(Reply<ListOutput>),
    Validate(Reply<()>),
    /// The authentication gate (`Handler::authenticate`): the validator runs with no method and
    /// no params, and its answer names the caller. The pump sees it as `CallKind::VALIDATE`.
    Authenticate(Reply<Option<Principal>>),
    Complete(Reply<CompletionOutput>),
}

impl JobReply {
    pub fn kind(&self) -> CallKind {
        match self {
            JobReply::Tool(_) => CallKind::Tool,
            JobReply::Resource(_) => CallKind::Resource,
            JobReply::Prompt(_) => CallKind::Prompt,
            JobReply::List(_) => CallKind::List,
            JobReply::Validate(_) | JobReply::Authenticate(_) => CallKind::Validate,
            JobReply::Complete(_) => CallKind::Complete,
        }
    }

    pub fn fail(self, err: HandlerError) {
        match self {
            JobReply::Tool(r) => r.send(Err(err)),
            JobReply::Resource(r) => r.send(Err(err)),
            JobReply::Prompt(r) => r.send(Err(err)),
            JobReply::List(r) => r.send(Err(err)),
            JobReply::Validate(r) => r.send(Err(err)),
            JobReply::Authenticate(r) => r.send(Err(err)),
            JobReply::Complete(r) => r.send(Err(err)),
        }
    }
}

pub struct JobData {
    pub id: u64,
    pub entry: Arc<Entry>,
    pub args: Map<String, Value>,
    pub reply: JobReply,
    pub ctx: RequestContext,
    pub uri: Option<String>,
    /// The request's params (for `validate_request`).
    pub params: Option<Value>,
}

static NEXT_JOB: AtomicU64 = AtomicU64::new(1);

impl JobData {
    pub fn new(entry: Arc<Entry>, args: Map<String, Value>, reply: JobReply, ctx: RequestContext) -> Self {
        JobData { id: NEXT_JOB.fetch_add(1, Ordering::Relaxed), entry, args, reply, ctx, uri: None, params: None }
    }
}
