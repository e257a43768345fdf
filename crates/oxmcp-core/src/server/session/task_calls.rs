//! Tasks in the dispatcher: which `tools/call` becomes a task, and the `tasks/*` methods of both
//! eras. The model (store, status machine, wire shapes) is in `server::tasks`.
//!
//! Who may see a task (`Responder::task_owner`): the principal that created it, when the transport
//! authenticated the caller (both eras; a handshake-era session's principal-owned tasks still end
//! with the session). Without authentication, a handshake-era session owns its tasks, and on the
//! stateless wire a digest of `Authorization` does (else every caller is "anonymous"): the 128-bit
//! random task id is then the capability, so it must be kept like a secret.

use super::responder::Responder;
use super::{lock, Outbound, Session};
use crate::jsonrpc::{self, codes, ErrorObject, Incoming, Message, RequestId};
use crate::protocol::{meta, ProtocolVersion};
use crate::server::auth::Principal;
use crate::server::handler::{Cancellation, HandlerError, Headers, Reply, RequestContext, ToolCall, ToolOutput};
use crate::server::logging::LogGate;
use crate::server::request_state;
use crate::server::tasks::{self as model, NewTask, TaskLink, TaskOutcome, TaskRecord, TaskSupport, Tasks};
use crate::server::Server;
use crate::server::ToolSpec;
use serde_json::{json, Map, Value};
use std::sync::Weak;
use std::sync::{Arc, Mutex};

/// Drops what a task's function sends once its request was answered (stateless wire: there is no
/// stream left to carry it).
struct Discard;

impl Outbound for Discard {
    fn send(&self, _frame: Vec<u8>) {}
}

/// A 2025-11-25 task's messages (progress, logs, requests to the client) go to its session's
/// standalone stream, whichever it is when they are sent.
struct SessionStream(Weak<Session>);

impl SessionStream {
    fn current(&self) -> Option<Arc<dyn Outbound>> {
        self.0.upgrade().and_then(|session| lock(&session.standalone).clone())
    }
}

impl Outbound for SessionStream {
    fn send(&self, frame: Vec<u8>) {
        self.send_notification(frame)
    }
    fn wait_for_room(&self) -> Option<crate::server::outbound::WaitForRoom> {
        self.current()?.wait_for_room()
    }
    fn block_for_room(&self, limit: std::time::Duration) -> bool {
        self.current().is_none_or(|out| out.block_for_room(limit))
    }
    fn send_notification(&self, frame: Vec<u8>) {
        let Some(session) = self.0.upgrade() else { return };
        let out = lock(&session.standalone).clone().filter(|o| o.is_open());
        match out {
            Some(out) => out.send_notification(frame),
            // No stream to the client (e.g. HTTP without a GET stream): a request could never be
            // answered, so it fails now instead of leaving the task waiting until cancelled.
            None => {
                if let Ok(Incoming::Single(Message::Request { id, method, .. })) = jsonrpc::parse(&frame) {
                    let why = format!(
                        "{method}: the task has no stream to the client (open the session's GET stream to receive a task's requests)"
                    );
                    session.peer.fail(&id, ErrorObject::internal(why));
                }
            }
        }
    }
}

fn supports_tasks(server: &Server) -> bool {
    server.catalog().tools().iter().any(|t| t.task_support.allows_tasks())
}

impl Session {
    /// Declares tasks in an `initialize` (2025-11-25: `tasks`) or `server/discover` (the extension)
    /// result, when some tool supports them.
    pub(super) fn add_task_capability(&self, version: ProtocolVersion, result: &mut Map<String, Value>) {
        if !supports_tasks(&self.server) {
            return;
        }
        let Some(Value::Object(caps)) = result.get_mut("capabilities") else { return };
        if version.is_modern() {
            if let Value::Object(ext) = caps.entry("extensions").or_insert_with(|| json!({})) {
                ext.insert(model::EXTENSION_ID.into(), json!({}));
            }
        } else if version >= ProtocolVersion::V2025_11_25 {
            caps.insert("tasks".into(), json!({ "list": {}, "cancel": {}, "requests": { "tools": { "call": {} } } }));
        }
    }

    /// A handshake-era task owned by a principal outlives nothing: like a session-owned one it
    /// ends with its session (`cancel_all`), so the session keeps its id. Finished ids are dropped
    /// as new ones come, so the list holds at most the session's live tasks (plus a few).
    fn remember_task(&self, task: &TaskRecord) {
        if task.version.is_modern() || !task.owner.starts_with("principal:") {
            return; // stateless tasks outlive their throwaway session; session-owned ones are found by owner
        }
        let mut made = lock(&self.principal_tasks);
        if made.len() >= 32 && made.len().is_power_of_two() {
            let store = self.server.tasks();
            made.retain(|(owner, id)| store.get(owner, id).is_some_and(|t| !t.is_terminal()));
        }
        made.push((task.owner.clone(), task.id.clone()));
    }

    /// Cancels the unfinished principal-owned tasks this session created (it ended).
    pub(super) fn cancel_remembered_tasks(&self) {
        let made = std::mem::take(&mut *lock(&self.principal_tasks));
        let tasks = self.server.tasks();
        for (owner, id) in made {
            if tasks.get(&owner, &id).is_some_and(|t| !t.is_terminal()) {
                tasks.cancel(&self.server, &owner, &id);
            }
        }
    }

    /// `notifications/tasks/status` to this session, for its 2025-11-25 tasks.
    fn task_listener(self: &Arc<Self>) -> model::StatusListener {
        let me = Arc::downgrade(self);
        Arc::new(move |task: &TaskRecord| {
            let out = me.upgrade().and_then(|s| lock(&s.standalone).clone());
            if let Some(out) = out {
                let params = Value::Object(task.to_json());
                out.send_notification(jsonrpc::encode_notification("notifications/tasks/status", Some(&params)));
            }
        })
    }
}

impl Responder {
    /// Who owns the tasks this request creates or names: the authenticated principal when there
    /// is one (both eras). Without authentication, today's rule: on the stateless wire a digest
    /// of `Authorization` (else "anonymous": the 128-bit task id is then the capability), the
    /// session otherwise.
    pub(super) fn task_owner(&self) -> String {
        if let Some(p) = &self.ctx.principal {
            return format!("principal:{p}");
        }
        if !self.ctx.version.is_modern() {
            return self.session.task_owner().to_string();
        }
        match self.ctx.headers.iter().find(|(k, _)| k == "authorization") {
            Some((_, v)) => format!("auth:{}", request_state::digest(&Value::from(v.as_str()))),
            None => "anonymous".into(),
        }
    }

    /// A `tools/call` that is, or may become, a task is served here; one that runs as a plain
    /// request is given back.
    pub(super) fn tool_task(
        self,
        params: &Value,
        tool: &Arc<ToolSpec>,
        arguments: Map<String, Value>,
    ) -> Option<(Responder, Map<String, Value>)> {
        let support = tool.task_support;
        if self.ctx.version.is_modern() {
            // The extension: the request's own capabilities decide (a `task` param is ignored).
            if !support.allows_tasks() {
                return Some((self, arguments));
            }
            if !model::declares_extension(&self.ctx.client_capabilities()) {
                if support == TaskSupport::Required {
                    self.finish(Err(model::missing_extension(&format!("Tool {}", tool.name))));
                    return None;
                }
                return Some((self, arguments));
            }
            if tool.task_manual_start {
                self.promotable_call(tool.clone(), arguments);
            } else {
                self.start_as_task(tool.clone(), arguments, None);
            }
            return None;
        }
        if self.ctx.version < ProtocolVersion::V2025_11_25 {
            return Some((self, arguments));
        }
        // 2025-11-25: the client asks for a task with `params.task`.
        let requested = params.get("task").filter(|t| t.is_object());
        match (support, requested) {
            (TaskSupport::Required, None) => {
                let err = ErrorObject::new(
                    codes::METHOD_NOT_FOUND,
                    format!("Tool {} can only run as a task: call it with params.task", tool.name),
                );
                self.finish(Err(err));
                None
            }
            (TaskSupport::Forbidden, Some(_)) if supports_tasks(&self.session.server) => {
                let err = ErrorObject::new(
                    codes::METHOD_NOT_FOUND,
                    format!("Tool {} does not run as a task: call it without params.task", tool.name),
                );
                self.finish(Err(err));
                None
            }
            (TaskSupport::Optional | TaskSupport::Required, Some(task)) => {
                let ttl = task.get("ttl").and_then(Value::as_u64);
                self.start_as_task(tool.clone(), arguments, ttl);
                None
            }
            _ => Some((self, arguments)),
        }
    }

    fn new_task(&self, tool: &ToolSpec, arguments: Map<String, Value>, ttl_ms: Option<u64>) -> NewTask {
        NewTask {
            owner: self.task_owner(),
            version: self.ctx.version,
            tool: tool.name.clone(),
            arguments,
            meta: self.ctx.meta.clone(),
            ttl_ms,
            carried: self.ctx.input.as_deref().cloned().unwrap_or_default(),
        }
    }

    /// Promotion at the start: store the task, answer with it, then run the function for it.
    fn start_as_task(self, tool: Arc<ToolSpec>, arguments: Map<String, Value>, ttl_ms: Option<u64>) {
        let server = self.session.server.clone();
        let task = match server.tasks().create(self.new_task(&tool, arguments, ttl_ms)) {
            Ok(t) => t,
            Err(e) => return self.finish(Err(e)),
        };
        self.session.remember_task(&task);
        let mut ctx = self.ctx.clone();
        ctx.cancellation = Arc::new(Cancellation::default());
        ctx.task = Some(Arc::new(TaskLink::task(task.id.clone())));
        let listener = if ctx.version.is_modern() {
            ctx.outbound = Arc::new(Discard);
            ctx.progress = None;
            ctx.log = LogGate::Off;
            None
        } else {
            ctx.outbound = Arc::new(SessionStream(Arc::downgrade(&self.session)));
            Some(self.session.task_listener())
        };
        // Reachable by tasks/cancel before the client even hears of the task.
        server.tasks().attach(&task.id, ctx.cancellation.clone(), listener);
        self.finish_created(&task);
        Tasks::run(&server, ctx, tool, &task);
    }

    /// Promotion by the function (`start_task`): the call runs as a plain request (input asked for
    /// before is resolved by input-required rounds) until it makes itself a task.
    fn promotable_call(self, tool: Arc<ToolSpec>, arguments: Map<String, Value>) {
        let server = self.session.server.clone();
        let owner = self.task_owner();
        let mut ctx = self.ctx.clone();
        let slot = Arc::new(Mutex::new(Some(self))); // the request, until answered or promoted
        let promote = {
            let (slot, tool, arguments) = (slot.clone(), tool.clone(), arguments.clone());
            move || {
                let Some(this) = lock(&slot).take() else {
                    return Err(ErrorObject::internal("start_task: the request was already answered"));
                };
                let server = this.session.server.clone();
                let task = match server.tasks().create(this.new_task(&tool, arguments, None)) {
                    Ok(t) => t,
                    Err(e) => {
                        *lock(&slot) = Some(this); // still a plain request
                        return Err(e);
                    }
                };
                this.session.remember_task(&task);
                // Its cancellation stays the request's: the function already listens to it.
                server.tasks().attach(&task.id, this.ctx.cancellation.clone(), None);
                let id = task.id.clone();
                this.finish_created(&task);
                Ok(id)
            }
        };
        let link = Arc::new(TaskLink::promotable(promote));
        ctx.task = Some(link.clone());
        let settle_server = server.clone();
        let reply = Reply::new(ctx.cancellation.clone(), move |r| match link.on_answer() {
            Some(id) => settle_server.tasks().settle(&settle_server, &owner, &id, r),
            None => {
                let this = lock(&slot).take();
                if let Some(this) = this {
                    this.finish_tool_outcome(r);
                }
            }
        });
        let reply = crate::server::deadline::bounded(&tool, reply);
        server.handler().call_tool(ToolCall { ctx, tool, arguments }, reply);
    }

    /// A plain `tools/call` answer (as `call_tool` gives it).
    fn finish_tool_outcome(self, r: Result<ToolOutput, HandlerError>) {
        match r {
            Ok(out) => self.finish_tool(out),
            Err(HandlerError::Protocol(e)) => self.finish(Err(e)),
            Err(HandlerError::Failed(text)) => self.finish_tool(ToolOutput::error(text)),
            Err(HandlerError::InputRequired { requests, data }) => self.finish_input_required(requests, data),
        }
    }

    /// Answers the `tools/call` with its task: the extension's flat `CreateTaskResult`
    /// (`resultType: "task"`) or 2025-11-25's `{task}`.
    fn finish_created(self, task: &TaskRecord) {
        let mut result = Map::new();
        if self.ctx.version.is_modern() {
            result.insert("resultType".into(), Value::from("task"));
            result.extend(task.to_json());
            let server_info = self.session.server.implementation().clone();
            result.insert("_meta".into(), json!({ meta::SERVER_INFO: server_info }));
        } else {
            result.insert("task".into(), Value::Object(task.to_json()));
        }
        self.finish(Ok(Value::Object(result)));
    }

    /// `tasks/get`, `tasks/update`, `tasks/cancel` (the extension; 2025-11-25 has all but update)
    /// and `tasks/result`, `tasks/list` (2025-11-25 only).
    pub(super) fn tasks_method(self, params: &Value) {
        let method = self.ctx.method.clone();
        let modern = self.ctx.version.is_modern();
        if modern {
            // Before anything else, even an unknown task id.
            if !model::declares_extension(&self.ctx.client_capabilities()) {
                return self.finish(Err(model::missing_extension(&method)));
            }
        } else if self.ctx.version < ProtocolVersion::V2025_11_25 {
            // Handshake-era tasks arrived in 2025-11-25 (`tasks/update` is stateless only: see the method table).
            return self.finish(Err(ErrorObject::method_not_found(&method)));
        }
        if &*method == "tasks/list" {
            return self.list_tasks(params);
        }
        let Some(id) = params.get("taskId").and_then(Value::as_str).map(str::to_string) else {
            return self.finish(Err(ErrorObject::invalid_params(format!("{method} needs params.taskId (a string)"))));
        };
        let owner = self.task_owner();
        let server = self.session.server.clone();
        let tasks = server.tasks();
        let not_found =
            || ErrorObject::invalid_params(format!("Unknown task: {id}")).with_data(json!({ "taskId": id }));
        let ack = || json!({ "resultType": "complete" });
        match &*method {
            "tasks/get" => match tasks.get(&owner, &id) {
                None => self.finish(Err(not_found())),
                Some(t) if modern => self.finish_ok(t.detailed()),
                Some(t) => self.finish(Ok(Value::Object(t.to_json()))),
            },
            "tasks/cancel" => match tasks.cancel(&server, &owner, &id) {
                None => self.finish(Err(not_found())),
                Some(_) if modern => self.finish(Ok(ack())), // idempotent on ended tasks
                Some((t, false)) => {
                    let why = format!("Task {id} has already ended ({})", t.status.as_str());
                    self.finish(Err(ErrorObject::invalid_params(why).with_data(json!({ "taskId": id }))))
                }
                Some((t, true)) => self.finish(Ok(Value::Object(t.to_json()))),
            },
            "tasks/update" => {
                let responses = match params.get("inputResponses") {
                    None | Some(Value::Null) => Map::new(),
                    Some(Value::Object(m)) => m.clone(),
                    Some(_) => {
                        return self.finish(Err(ErrorObject::invalid_params("inputResponses must be an object")))
                    }
                };
                match tasks.provide_input(&server, &owner, &id, &responses) {
                    None => self.finish(Err(not_found())),
                    Some((task, resume)) => {
                        let (headers, principal) = (self.ctx.headers.clone(), self.ctx.principal.clone());
                        let request_id = self.ctx.id.clone();
                        self.finish(Ok(ack()));
                        if resume {
                            resume_task(&server, &task, request_id, headers, principal);
                        }
                    }
                }
            }
            _ => self.task_result(&owner, &id),
        }
    }

    /// `tasks/list` (2025-11-25): the session's tasks, oldest first, paginated.
    fn list_tasks(self, params: &Value) {
        let owner = self.task_owner();
        let items: Vec<Value> =
            self.session.server.tasks().list(&owner).iter().map(|t| Value::Object(t.to_json())).collect();
        match self.page_of(items, params, "tasks") {
            Ok(r) => self.finish_ok(r),
            Err(e) => self.finish(Err(e)),
        }
    }

    /// `tasks/result` (2025-11-25): waits until the task ends, then answers exactly what the call
    /// would have answered, tagged with the task.
    fn task_result(self, owner: &str, id: &str) {
        let server = self.session.server.clone();
        let slot = Arc::new(Mutex::new(Some(self)));
        let waiting = slot.clone();
        let found = server.tasks().when_done(owner, id, move |task| {
            if let Some(this) = lock(&waiting).take() {
                this.finish_task_result(task);
            }
        });
        if found.is_err() {
            if let Some(this) = lock(&slot).take() {
                let err = ErrorObject::invalid_params(format!("Unknown task: {id}")).with_data(json!({ "taskId": id }));
                this.finish(Err(err));
            }
        }
    }

    fn finish_task_result(self, task: &TaskRecord) {
        let related = json!({ "taskId": task.id });
        match &task.outcome {
            Some(TaskOutcome::Result(r)) => {
                let mut result = r.clone();
                if !self.ctx.version.has_structured_content() {
                    result.remove("structuredContent");
                }
                match result.get_mut("_meta") {
                    Some(Value::Object(m)) => {
                        m.insert(model::RELATED_TASK.into(), related);
                    }
                    _ => {
                        result.insert("_meta".into(), json!({ model::RELATED_TASK: related }));
                    }
                }
                self.finish(Ok(Value::Object(result)))
            }
            Some(TaskOutcome::Error(e)) => self.finish(Err(e.clone())),
            None => {
                let err = ErrorObject::internal(format!("Task {} was {}", task.id, task.status.as_str()))
                    .with_data(json!({ "taskId": task.id, "status": task.status.as_str() }));
                self.finish(Err(err))
            }
        }
    }
}

/// Runs a task's function again once every input it asked for is answered: a new call with the
/// same arguments, the answers so far in `ctx.input`, and the capabilities of the original call.
fn resume_task(server: &Server, task: &TaskRecord, id: RequestId, headers: Arc<Headers>, principal: Option<Principal>) {
    let Some(tool) = server.catalog().tool(&task.tool).cloned() else {
        let gone = ErrorObject::invalid_params(format!("Unknown tool: {}", task.tool));
        return server.tasks().settle(server, &task.owner, &task.id, Err(HandlerError::Protocol(gone)));
    };
    let ctx = RequestContext {
        id,
        method: Arc::from("tools/call"),
        version: task.version,
        meta: task.meta.clone(),
        headers,
        client: None,
        cancellation: Arc::new(Cancellation::default()),
        outbound: Arc::new(Discard),
        peer: None,
        log: LogGate::Off,
        progress: None,
        input: Some(Arc::new(task.carried.clone())),
        task: Some(Arc::new(TaskLink::task(task.id.clone()))),
        principal,
    };
    Tasks::run(server, ctx, tool, task);
}
