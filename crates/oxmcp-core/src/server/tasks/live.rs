//! The state of tasks running in this process ([`Tasks`]): what cannot be stored — the running
//! call's cancellation, `tasks/result` waiters, who to tell about status changes — and the steps
//! that move a task through its life (create, settle, cancel, provide input, run).

use super::record::{lock, new_task_id, now_ms, TaskOutcome, TaskRecord, TaskStatus};
use super::store::{TaskConfig, TaskStore, TaskStoreError};
use crate::jsonrpc::{codes, ErrorObject};
use crate::protocol::ProtocolVersion;
use crate::server::catalog::ToolSpec;
use crate::server::changes::Change;
use crate::server::handler::{Cancellation, HandlerError, Reply, RequestContext, ToolCall, ToolOutput};
use crate::server::request_state::Carried;
use crate::server::Server;
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// The answer to a task the store would not take: at a bound, -32030 (`LIMIT_REACHED`) with a
/// message saying which (`data.limit`: `"tasksPerOwner"` or `"tasks"`); a failing backend is an
/// internal error.
fn refused(owner: &str, e: TaskStoreError) -> ErrorObject {
    let limit = match &e {
        TaskStoreError::OwnerQuota(_) => "tasksPerOwner",
        TaskStoreError::Full => "tasks",
        TaskStoreError::Other(_) => {
            tracing::warn!(target: "oxmcp.tasks", "could not create a task: {e}");
            return ErrorObject::internal(e.to_string());
        }
    };
    // Expected under load, and a caller can repeat it at will: debug, not warn.
    tracing::debug!(target: "oxmcp.tasks", "refused a task of {owner}: {e}");
    ErrorObject::new(codes::LIMIT_REACHED, format!("Too many tasks: {e}")).with_data(json!({ "limit": limit }))
}

/// Told about every status change of one task (the 2025-11-25 session that owns it).
pub type StatusListener = Arc<dyn Fn(&TaskRecord) + Send + Sync>;
type Waiter = Box<dyn FnOnce(&TaskRecord) + Send>;

#[derive(Default)]
struct Live {
    /// The running call (none between an `input_required` and the answers).
    cancellation: Option<Arc<Cancellation>>,
    listener: Option<StatusListener>,
    /// `tasks/result` requests waiting for the end.
    waiters: Vec<Waiter>,
}

/// A server's tasks: the store, and the state of tasks running in this process.
pub struct Tasks {
    config: TaskConfig,
    live: Mutex<HashMap<String, Live>>,
}

/// What a new task is made of.
pub struct NewTask {
    pub owner: String,
    pub version: ProtocolVersion,
    pub tool: String,
    pub arguments: Map<String, Value>,
    pub meta: Option<Value>,
    /// Requested retention (2025-11-25 `task.ttl`), capped by the configuration.
    pub ttl_ms: Option<u64>,
    /// Answers already given (a call that promoted itself after input-required rounds).
    pub carried: Carried,
}

impl Tasks {
    pub fn new(config: TaskConfig) -> Self {
        Tasks { config, live: Mutex::default() }
    }

    pub fn store(&self) -> &Arc<dyn TaskStore> {
        &self.config.store
    }

    pub fn config(&self) -> &TaskConfig {
        &self.config
    }

    /// Tasks currently running in this process.
    pub fn running(&self) -> usize {
        lock(&self.live).values().filter(|l| l.cancellation.is_some()).count()
    }

    /// Creates (stores) a task in status `working`.
    pub fn create(&self, new: NewTask) -> Result<TaskRecord, ErrorObject> {
        let now = now_ms();
        let default_ttl = (self.config.ttl.as_millis() as u64).max(1);
        let max_ttl = (self.config.max_ttl.as_millis() as u64).max(default_ttl);
        let ttl_ms = new.ttl_ms.filter(|&t| t > 0).map_or(default_ttl, |t| t.min(max_ttl));
        let record = TaskRecord {
            id: new_task_id(),
            owner: new.owner,
            status: TaskStatus::Working,
            status_message: None,
            created_ms: now,
            updated_ms: now,
            ttl_ms,
            poll_interval_ms: self.config.poll_interval.map(|p| (p.as_millis() as u64).max(1)),
            version: new.version,
            outcome: None,
            input_requests: Map::new(),
            carried: new.carried,
            tool: new.tool,
            arguments: new.arguments,
            meta: new.meta,
        };
        self.config.store.create(record.clone()).map_err(|e| refused(&record.owner, e))?;
        Ok(record)
    }

    /// Records the running call of a task (so `tasks/cancel` reaches it) and who hears its changes.
    pub fn attach(&self, task_id: &str, cancellation: Arc<Cancellation>, listener: Option<StatusListener>) {
        let mut live = lock(&self.live);
        let entry = live.entry(task_id.to_string()).or_default();
        entry.cancellation = Some(cancellation);
        if listener.is_some() {
            entry.listener = listener;
        }
    }

    pub fn get(&self, owner: &str, task_id: &str) -> Option<TaskRecord> {
        self.config.store.get(owner, task_id)
    }

    pub fn list(&self, owner: &str) -> Vec<TaskRecord> {
        self.config.store.list(owner)
    }

    /// Tells whoever listens that a task changed: `notifications/tasks` streams (stateless), the
    /// owning session (2025-11-25); wakes `tasks/result` waiters once it ended.
    fn changed(&self, server: &Server, task: &TaskRecord) {
        let (listener, waiters) = {
            let mut live = lock(&self.live);
            let listener = live.get(&task.id).and_then(|l| l.listener.clone());
            let waiters = if task.is_terminal() {
                live.remove(&task.id).map(|l| l.waiters).unwrap_or_default()
            } else {
                Vec::new()
            };
            (listener, waiters)
        };
        tracing::debug!(target: "oxmcp.tasks", "task {} is {}", task.id, task.status.as_str());
        if task.version.is_modern() {
            server.emit(Change::Task { owner: task.owner.clone(), task: Value::Object(task.detailed()) });
        }
        if let Some(l) = listener {
            l(task);
        }
        for w in waiters {
            w(task);
        }
    }

    /// The end (or the input request) of one run of a task's function.
    pub fn settle(&self, server: &Server, owner: &str, task_id: &str, outcome: Result<ToolOutput, HandlerError>) {
        let modern = match self.config.store.get(owner, task_id) {
            Some(t) => t.version.is_modern(),
            None => return, // expired or gone
        };
        let now = now_ms();
        let (status, outcome, requests, data, message) = match outcome {
            Ok(ToolOutput(mut result)) => {
                result.entry("content").or_insert_with(|| Value::Array(Vec::new()));
                // 2025-11-25: a tool error fails the task; the extension completes it (isError).
                let failed = !modern && result.get("isError").and_then(Value::as_bool) == Some(true);
                let status = if failed { TaskStatus::Failed } else { TaskStatus::Completed };
                (status, Some(TaskOutcome::Result(result)), None, None, None)
            }
            Err(HandlerError::Failed(text)) => {
                let ToolOutput(result) = ToolOutput::error(text);
                let status = if modern { TaskStatus::Completed } else { TaskStatus::Failed };
                (status, Some(TaskOutcome::Result(result)), None, None, None)
            }
            Err(HandlerError::Protocol(e)) => {
                let message = Some(e.message.clone());
                (TaskStatus::Failed, Some(TaskOutcome::Error(e)), None, None, message)
            }
            Err(HandlerError::InputRequired { requests, data }) if modern && !requests.is_empty() => {
                (TaskStatus::InputRequired, None, Some(requests), data, Some("Waiting for input".to_string()))
            }
            Err(HandlerError::InputRequired { .. }) => {
                let e = ErrorObject::internal("the function asked for client input in a way this task cannot carry");
                let message = Some(e.message.clone());
                (TaskStatus::Failed, Some(TaskOutcome::Error(e)), None, None, message)
            }
        };
        let mut applied = false;
        let task = self.config.store.update(owner, task_id, &mut |t| {
            if t.status != TaskStatus::Working {
                return; // cancelled meanwhile (or a stale answer): the first end wins
            }
            applied = true;
            t.status = status;
            t.status_message = message.clone();
            t.updated_ms = now.max(t.updated_ms);
            if let Some(o) = &outcome {
                t.outcome = Some(o.clone());
            }
            if let Some(r) = &requests {
                t.input_requests = r.clone();
                t.carried.data = data.clone();
            }
        });
        {
            let mut live = lock(&self.live);
            let idle = live.get_mut(task_id).is_some_and(|l| {
                l.cancellation = None;
                l.listener.is_none() && l.waiters.is_empty()
            });
            if idle {
                live.remove(task_id);
            }
        }
        if let (Some(task), true) = (task, applied) {
            self.changed(server, &task);
        }
    }

    /// `tasks/cancel`: cancels a task that has not ended and stops its function (cooperatively:
    /// async functions get `CancelledError`). Returns the task and whether it was cancelled now.
    pub fn cancel(&self, server: &Server, owner: &str, task_id: &str) -> Option<(TaskRecord, bool)> {
        let (task, cancelled) = self.config.store.cancel(owner, task_id, now_ms())?;
        if cancelled {
            let running = lock(&self.live).get_mut(task_id).and_then(|l| l.cancellation.take());
            if let Some(c) = running {
                c.cancel();
            }
            self.changed(server, &task);
        }
        Some((task, cancelled))
    }

    /// `tasks/update`: takes the answers to pending input requests (other keys are ignored).
    /// Returns the task when every request is answered: it is `working` again and its function
    /// must run again with `carried` (see `Tasks::run`).
    pub fn provide_input(
        &self,
        server: &Server,
        owner: &str,
        task_id: &str,
        responses: &Map<String, Value>,
    ) -> Option<(TaskRecord, bool)> {
        let now = now_ms();
        let mut resume = false;
        let task = self.config.store.update(owner, task_id, &mut |t| {
            if t.status != TaskStatus::InputRequired {
                return;
            }
            for (k, v) in responses {
                if t.input_requests.remove(k).is_some() {
                    t.carried.responses.insert(k.clone(), v.clone());
                }
            }
            if t.input_requests.is_empty() {
                t.status = TaskStatus::Working;
                t.status_message = None;
                t.updated_ms = now.max(t.updated_ms);
                resume = true;
            }
        })?;
        if resume {
            self.changed(server, &task);
        }
        Some((task, resume))
    }

    /// Runs `waiter` once the task has ended (at once if it has). `Err(waiter)`: no such task.
    pub fn when_done<W: FnOnce(&TaskRecord) + Send + 'static>(
        &self,
        owner: &str,
        task_id: &str,
        waiter: W,
    ) -> Result<(), W> {
        let mut live = lock(&self.live);
        // Read under the lock: `changed` takes the waiters under it too, so none is missed.
        let Some(task) = self.config.store.get(owner, task_id) else { return Err(waiter) };
        if task.is_terminal() {
            drop(live);
            waiter(&task);
        } else {
            live.entry(task_id.to_string()).or_default().waiters.push(Box::new(waiter));
        }
        Ok(())
    }

    /// Cancels every unfinished task of `owner` (its session ended).
    pub fn cancel_owner(&self, server: &Server, owner: &str) {
        for task in self.list(owner).into_iter().filter(|t| !t.is_terminal()) {
            self.cancel(server, owner, &task.id);
        }
    }

    /// Runs (or runs again) the function of a task: `ctx` is the context it sees (its `task` link
    /// set, a fresh cancellation); its answer settles the task.
    pub fn run(server: &Server, ctx: RequestContext, tool: Arc<ToolSpec>, task: &TaskRecord) {
        if ctx.cancellation.is_cancelled() {
            return; // cancelled before it started
        }
        let tasks = server.tasks();
        tasks.attach(&task.id, ctx.cancellation.clone(), None);
        let (owner, id) = (task.owner.clone(), task.id.clone());
        let settle_server = server.clone();
        let reply =
            Reply::new(ctx.cancellation.clone(), move |r| settle_server.tasks().settle(&settle_server, &owner, &id, r));
        let arguments = task.arguments.clone();
        let reply = crate::server::deadline::bounded(&tool, reply);
        server.handler().call_tool(ToolCall { ctx, tool, arguments }, reply);
    }
}
