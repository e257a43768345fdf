//! Tasks: tool calls that answer at once with a task handle and finish in the background.
//!
//! Two designs are served:
//! - the stateless extension `io.modelcontextprotocol/tasks` (2026-07-28): when a `tools/call` declares
//!   the extension in its capabilities and the tool supports tasks, the server answers a flat
//!   `CreateTaskResult` (`resultType: "task"`); the client polls `tasks/get`, answers input requests
//!   with `tasks/update` and stops the work with `tasks/cancel`. Status changes are pushed as
//!   `notifications/tasks` to `subscriptions/listen` streams that named the task.
//! - the experimental tasks of 2025-11-25 (handshake era): `params.task` asks for a task; `tasks/get`,
//!   `tasks/result` (waits for the end), `tasks/list`, `tasks/cancel`, and `notifications/tasks/status`
//!   to the session that owns the task.
//!
//! A task's record lives in a [`TaskStore`] (pluggable; [`MemoryTaskStore`] by default), bound to its
//! owner: a digest of the caller's credentials on the stateless wire, the session in the handshake
//! era. A task of another owner is "not found". The record is created before the client hears of
//! the task (durable create), so a `tasks/get` right after the `CreateTaskResult` finds it.
//!
//! What cannot be stored lives in this process ([`Tasks`]): the running call's cancellation,
//! `tasks/result` waiters and who to tell about status changes.
//!
//! A tool may also promote itself later ([`TaskLink`]): it runs as a plain request (so input it
//! asks for first is resolved synchronously, by input-required rounds) and becomes a task when it
//! calls `RequestContext::start_task`.

use super::changes::Change;
use super::handler::{Cancellation, HandlerError, Reply, RequestContext, ToolCall, ToolOutput};
use super::request_state::Carried;
use super::{Server, ToolSpec};
use crate::jsonrpc::{codes, ErrorObject};
use crate::protocol::ProtocolVersion;
use serde_json::{json, Map, Value};
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The extension's identifier (`capabilities.extensions[...]`).
pub const EXTENSION_ID: &str = "io.modelcontextprotocol/tasks";
/// `_meta` key tying a 2025-11-25 message to its task.
pub const RELATED_TASK: &str = "io.modelcontextprotocol/related-task";

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
}

/// ISO-8601 UTC with milliseconds (`2026-07-28T09:30:00.250Z`).
pub fn iso8601(ms: u64) -> String {
    let secs = ms / 1000;
    let (days, rem) = (secs / 86_400, secs % 86_400);
    // Howard Hinnant's civil_from_days.
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z", rem / 3600, rem % 3600 / 60, rem % 60, ms % 1000)
}

/// A fresh task id: 128 bits from the OS CSPRNG, hex.
pub fn new_task_id() -> String {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).expect("the OS random source works");
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether a tool may run as a task (`execution.taskSupport` of its definition).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TaskSupport {
    /// Never a task (the default).
    #[default]
    Forbidden,
    /// A task when the client can do tasks, a plain call otherwise.
    Optional,
    /// Only as a task: a client that cannot do tasks is refused.
    Required,
}

impl TaskSupport {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "forbidden" => Some(TaskSupport::Forbidden),
            "optional" => Some(TaskSupport::Optional),
            "required" => Some(TaskSupport::Required),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            TaskSupport::Forbidden => "forbidden",
            TaskSupport::Optional => "optional",
            TaskSupport::Required => "required",
        }
    }

    /// Reads `execution.taskSupport` of a tool definition (absent: forbidden).
    pub fn of_definition(definition: &Value) -> Result<Self, String> {
        match definition.get("execution").and_then(|e| e.get("taskSupport")) {
            None | Some(Value::Null) => Ok(TaskSupport::Forbidden),
            Some(Value::String(s)) => Self::parse(s).ok_or_else(|| {
                format!("execution.taskSupport must be \"forbidden\", \"optional\" or \"required\", not {s:?}")
            }),
            Some(other) => Err(format!("execution.taskSupport must be a string, not {other}")),
        }
    }

    pub fn allows_tasks(self) -> bool {
        self != TaskSupport::Forbidden
    }
}

/// Where a task is in its life: `working → input_required ↔ working → completed | failed | cancelled`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskStatus {
    Working,
    InputRequired,
    Completed,
    Failed,
    Cancelled,
}

impl TaskStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            TaskStatus::Working => "working",
            TaskStatus::InputRequired => "input_required",
            TaskStatus::Completed => "completed",
            TaskStatus::Failed => "failed",
            TaskStatus::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Working, Self::InputRequired, Self::Completed, Self::Failed, Self::Cancelled]
            .into_iter()
            .find(|x| x.as_str() == s)
    }

    pub fn is_terminal(self) -> bool {
        matches!(self, TaskStatus::Completed | TaskStatus::Failed | TaskStatus::Cancelled)
    }

    /// Whether the status machine allows going from `self` to `to` (staying put is allowed).
    pub fn can_become(self, to: TaskStatus) -> bool {
        !self.is_terminal() || self == to
    }
}

/// How a task ended (or what `tasks/result` answers).
#[derive(Debug, Clone, PartialEq)]
pub enum TaskOutcome {
    /// The `CallToolResult` (also for tool errors, `isError: true`).
    Result(Map<String, Value>),
    /// A JSON-RPC error.
    Error(ErrorObject),
}

/// One task as stored. Everything a store keeps; serialisable by a store that wants to.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskRecord {
    pub id: String,
    /// Who may see it: `TaskOwner` of the request that created it.
    pub owner: String,
    pub status: TaskStatus,
    pub status_message: Option<String>,
    pub created_ms: u64,
    pub updated_ms: u64,
    /// Kept this long after its last status change (never expires while `working`).
    pub ttl_ms: u64,
    pub poll_interval_ms: Option<u64>,
    /// The revision it was created under: decides the field names on the wire.
    pub version: ProtocolVersion,
    pub outcome: Option<TaskOutcome>,
    /// Input the function waits for (`input_required`): key -> `{method, params}`.
    pub input_requests: Map<String, Value>,
    /// Answers given so far and the function's own state, for the next run.
    pub carried: Carried,
    /// The call, to run again once input arrives.
    pub tool: String,
    pub arguments: Map<String, Value>,
    /// `params._meta` of the call (its client capabilities).
    pub meta: Option<Value>,
}

impl TaskRecord {
    pub fn is_terminal(&self) -> bool {
        self.status.is_terminal()
    }

    /// When a store may forget it: `ttl` after its last change; never while it runs.
    pub fn expires_at_ms(&self) -> Option<u64> {
        (self.status != TaskStatus::Working).then(|| self.updated_ms.saturating_add(self.ttl_ms))
    }

    /// The `Task` object, with the field names of its revision (`ttlMs`/`pollIntervalMs` on the
    /// stateless wire, `ttl`/`pollInterval` in 2025-11-25).
    pub fn to_json(&self) -> Map<String, Value> {
        let modern = self.version.is_modern();
        let mut m = Map::new();
        m.insert("taskId".into(), Value::from(self.id.as_str()));
        m.insert("status".into(), Value::from(self.status.as_str()));
        if let Some(s) = &self.status_message {
            m.insert("statusMessage".into(), Value::from(s.as_str()));
        }
        m.insert("createdAt".into(), Value::from(iso8601(self.created_ms)));
        m.insert("lastUpdatedAt".into(), Value::from(iso8601(self.updated_ms)));
        m.insert((if modern { "ttlMs" } else { "ttl" }).into(), Value::from(self.ttl_ms));
        if let Some(p) = self.poll_interval_ms {
            m.insert((if modern { "pollIntervalMs" } else { "pollInterval" }).into(), Value::from(p));
        }
        m
    }

    /// The stateless extension's `DetailedTask`: the task plus what its status calls for
    /// (`result` when completed, `error` when failed, `inputRequests` when input is required).
    pub fn detailed(&self) -> Map<String, Value> {
        let mut m = self.to_json();
        match (self.status, &self.outcome) {
            (TaskStatus::Completed, Some(TaskOutcome::Result(r))) => {
                m.insert("result".into(), Value::Object(r.clone()));
            }
            (TaskStatus::Failed, Some(TaskOutcome::Error(e))) => {
                m.insert("error".into(), e.to_value());
            }
            (TaskStatus::Failed, Some(TaskOutcome::Result(_))) => {
                let e = ErrorObject::internal("the tool failed");
                m.insert("error".into(), e.to_value());
            }
            (TaskStatus::InputRequired, _) => {
                m.insert("inputRequests".into(), Value::Object(self.input_requests.clone()));
            }
            _ => {}
        }
        m
    }
}

/// Why a store refused a task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TaskStoreError {
    /// No room: too many tasks that may not be dropped yet.
    Full,
    /// The backend failed.
    Other(String),
}

impl std::fmt::Display for TaskStoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TaskStoreError::Full => f.write_str("the server has too many tasks in progress; try again later"),
            TaskStoreError::Other(m) => f.write_str(m),
        }
    }
}

/// Where task records live. Every lookup names the owner: a task of another owner does not exist.
/// Implementations must be safe to call from any thread and must not call back into the server.
pub trait TaskStore: Send + Sync + 'static {
    /// Stores a new task. When this returns, `get` finds it (durable create).
    fn create(&self, task: TaskRecord) -> Result<(), TaskStoreError>;
    /// The task, unless unknown, expired or another owner's.
    fn get(&self, owner: &str, task_id: &str) -> Option<TaskRecord>;
    /// Changes a task atomically; returns it as changed (None: unknown, expired or another owner's).
    fn update(&self, owner: &str, task_id: &str, change: &mut dyn FnMut(&mut TaskRecord)) -> Option<TaskRecord>;
    /// The owner's tasks, oldest first.
    fn list(&self, owner: &str) -> Vec<TaskRecord>;
    /// Forgets tasks whose time is up; returns how many.
    fn expire(&self, now_ms: u64) -> usize;

    /// Moves a task that has not ended to `cancelled`. Returns the task and whether this call
    /// cancelled it (false: it had already ended).
    fn cancel(&self, owner: &str, task_id: &str, now_ms: u64) -> Option<(TaskRecord, bool)> {
        let mut cancelled = false;
        let task = self.update(owner, task_id, &mut |t| {
            if !t.is_terminal() {
                t.status = TaskStatus::Cancelled;
                t.status_message = Some("The task was cancelled".into());
                t.input_requests.clear();
                t.updated_ms = now_ms.max(t.updated_ms);
                cancelled = true;
            }
        })?;
        Some((task, cancelled))
    }
}

impl std::fmt::Debug for dyn TaskStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TaskStore")
    }
}

/// The default store: in memory, bounded. When full, the oldest ended tasks make room; a store
/// full of unfinished tasks refuses new ones.
pub struct MemoryTaskStore {
    inner: Mutex<MemoryTasks>,
    max_tasks: usize,
}

#[derive(Default)]
struct MemoryTasks {
    by_id: HashMap<String, TaskRecord>,
    /// Ids in creation order (for `list` and eviction).
    order: VecDeque<String>,
    next_sweep_ms: u64,
}

impl MemoryTasks {
    fn sweep(&mut self, now: u64) -> usize {
        let before = self.by_id.len();
        self.by_id.retain(|_, t| t.expires_at_ms().is_none_or(|e| e > now));
        if self.by_id.len() != before {
            let by_id = &self.by_id;
            self.order.retain(|id| by_id.contains_key(id));
        }
        self.next_sweep_ms = now + 1000;
        before - self.by_id.len()
    }

    fn live(&mut self, owner: &str, task_id: &str, now: u64) -> Option<&mut TaskRecord> {
        let expired = {
            let t = self.by_id.get(task_id)?;
            if t.owner != owner {
                return None;
            }
            t.expires_at_ms().is_some_and(|e| e <= now)
        };
        if expired {
            self.by_id.remove(task_id);
            self.order.retain(|id| id != task_id);
            return None;
        }
        self.by_id.get_mut(task_id)
    }
}

impl MemoryTaskStore {
    /// A store holding at most `max_tasks` tasks (at least 1).
    pub fn new(max_tasks: usize) -> Self {
        MemoryTaskStore { inner: Mutex::default(), max_tasks: max_tasks.max(1) }
    }

    pub fn len(&self) -> usize {
        lock(&self.inner).by_id.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Default for MemoryTaskStore {
    fn default() -> Self {
        MemoryTaskStore::new(10_000)
    }
}

impl TaskStore for MemoryTaskStore {
    fn create(&self, task: TaskRecord) -> Result<(), TaskStoreError> {
        let now = now_ms();
        let mut inner = lock(&self.inner);
        if now >= inner.next_sweep_ms || inner.by_id.len() >= self.max_tasks {
            inner.sweep(now);
        }
        if inner.by_id.len() >= self.max_tasks {
            // Make room: the oldest task that has ended.
            let victim = inner.order.iter().position(|id| inner.by_id.get(id).is_some_and(TaskRecord::is_terminal));
            let Some(i) = victim else { return Err(TaskStoreError::Full) };
            if let Some(id) = inner.order.remove(i) {
                inner.by_id.remove(&id);
            }
        }
        inner.order.push_back(task.id.clone());
        inner.by_id.insert(task.id.clone(), task);
        Ok(())
    }

    fn get(&self, owner: &str, task_id: &str) -> Option<TaskRecord> {
        lock(&self.inner).live(owner, task_id, now_ms()).map(|t| t.clone())
    }

    fn update(&self, owner: &str, task_id: &str, change: &mut dyn FnMut(&mut TaskRecord)) -> Option<TaskRecord> {
        let mut inner = lock(&self.inner);
        let task = inner.live(owner, task_id, now_ms())?;
        change(task);
        Some(task.clone())
    }

    fn list(&self, owner: &str) -> Vec<TaskRecord> {
        let now = now_ms();
        let mut inner = lock(&self.inner);
        if now >= inner.next_sweep_ms {
            inner.sweep(now);
        }
        let inner = &*inner;
        inner
            .order
            .iter()
            .filter_map(|id| inner.by_id.get(id))
            .filter(|t| t.owner == owner && t.expires_at_ms().is_none_or(|e| e > now))
            .cloned()
            .collect()
    }

    fn expire(&self, now_ms: u64) -> usize {
        lock(&self.inner).sweep(now_ms)
    }
}

/// Task settings of a server (`ServerConfig::tasks`).
#[derive(Clone)]
pub struct TaskConfig {
    pub store: Arc<dyn TaskStore>,
    /// How long a task is kept after its last status change (> 0).
    pub ttl: Duration,
    /// The longest `ttl` a 2025-11-25 client may ask for.
    pub max_ttl: Duration,
    /// `pollIntervalMs` suggested to clients.
    pub poll_interval: Option<Duration>,
}

impl Default for TaskConfig {
    fn default() -> Self {
        TaskConfig {
            store: Arc::new(MemoryTaskStore::default()),
            ttl: Duration::from_secs(60),
            max_ttl: Duration::from_secs(24 * 3600),
            poll_interval: Some(Duration::from_millis(500)),
        }
    }
}

impl std::fmt::Debug for TaskConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TaskConfig")
            .field("ttl", &self.ttl)
            .field("max_ttl", &self.max_ttl)
            .field("poll_interval", &self.poll_interval)
            .finish_non_exhaustive()
    }
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
        self.config.store.create(record.clone()).map_err(|e| {
            tracing::warn!(target: "oxmcp.tasks", "could not create a task: {e}");
            ErrorObject::internal(e.to_string())
        })?;
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
        server.handler().call_tool(ToolCall { ctx, tool, arguments }, reply);
    }
}

type Promoter = Box<dyn FnOnce() -> Result<String, ErrorObject> + Send>;

enum LinkState {
    /// A plain request that may still become a task (`None`: promoting failed once).
    Plain(Option<Promoter>),
    Task(String),
    /// Answered as a plain request.
    Answered,
}

/// Ties a call that supports tasks to its task: already one, or a plain request that may become
/// one (`RequestContext::start_task`).
pub struct TaskLink {
    state: Mutex<LinkState>,
}

impl TaskLink {
    /// The call is the task `task_id`.
    pub fn task(task_id: String) -> Self {
        TaskLink { state: Mutex::new(LinkState::Task(task_id)) }
    }

    /// A plain request; `promote` creates the task, answers the request with it and returns its id.
    pub fn promotable(promote: impl FnOnce() -> Result<String, ErrorObject> + Send + 'static) -> Self {
        TaskLink { state: Mutex::new(LinkState::Plain(Some(Box::new(promote)))) }
    }

    /// Makes the call a task now (answering the request with the task); true once it is one.
    pub fn start_task(&self) -> Result<bool, ErrorObject> {
        let mut state = lock(&self.state);
        match &mut *state {
            LinkState::Task(_) => Ok(true),
            LinkState::Answered => Err(ErrorObject::internal("start_task: the request was already answered")),
            LinkState::Plain(promote) => {
                let Some(promote) = promote.take() else {
                    return Err(ErrorObject::internal("start_task: the task could not be created"));
                };
                let id = promote()?;
                *state = LinkState::Task(id);
                Ok(true)
            }
        }
    }

    /// The task's id, once the call is one.
    pub fn task_id(&self) -> Option<String> {
        match &*lock(&self.state) {
            LinkState::Task(id) => Some(id.clone()),
            _ => None,
        }
    }

    /// The function answered: its task's id (the answer settles the task), or None (it answers
    /// the request; the call can no longer become a task).
    pub fn on_answer(&self) -> Option<String> {
        let mut state = lock(&self.state);
        match &*state {
            LinkState::Task(id) => Some(id.clone()),
            _ => {
                *state = LinkState::Answered;
                None
            }
        }
    }
}

/// `-32021` for a client that did not declare the tasks extension on this request.
pub fn missing_extension(what: &str) -> ErrorObject {
    ErrorObject::new(
        codes::MISSING_REQUIRED_CLIENT_CAPABILITY,
        format!("{what} needs the {EXTENSION_ID} extension, which the request's client capabilities do not declare"),
    )
    .with_data(json!({ "requiredCapabilities": { "extensions": { EXTENSION_ID: {} } } }))
}

/// Whether a stateless request's client capabilities declare the tasks extension.
pub fn declares_extension(capabilities: &Value) -> bool {
    capabilities.get("extensions").and_then(|e| e.get(EXTENSION_ID)).is_some_and(|v| !v.is_null())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(owner: &str, status: TaskStatus, updated: u64, ttl: u64) -> TaskRecord {
        TaskRecord {
            id: new_task_id(),
            owner: owner.into(),
            status,
            status_message: None,
            created_ms: updated,
            updated_ms: updated,
            ttl_ms: ttl,
            poll_interval_ms: None,
            version: ProtocolVersion::V2026_07_28,
            outcome: None,
            input_requests: Map::new(),
            carried: Carried::default(),
            tool: "t".into(),
            arguments: Map::new(),
            meta: None,
        }
    }

    #[test]
    fn timestamps() {
        assert_eq!(iso8601(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(iso8601(951_782_400_000), "2000-02-29T00:00:00.000Z");
        assert_eq!(iso8601(1_785_231_000_250), "2026-07-28T09:30:00.250Z");
        assert_eq!(iso8601(4_102_444_799_999), "2099-12-31T23:59:59.999Z");
    }

    #[test]
    fn ids_are_random() {
        let (a, b) = (new_task_id(), new_task_id());
        assert_eq!(a.len(), 32);
        assert_ne!(a, b);
    }

    #[test]
    fn status_machine() {
        assert!(TaskStatus::Working.can_become(TaskStatus::InputRequired));
        assert!(TaskStatus::InputRequired.can_become(TaskStatus::Working));
        assert!(!TaskStatus::Completed.can_become(TaskStatus::Working));
        assert!(!TaskStatus::Cancelled.can_become(TaskStatus::Completed));
        assert_eq!(TaskStatus::parse("input_required"), Some(TaskStatus::InputRequired));
    }

    #[test]
    fn store_owner_bound_and_expiry() {
        let store = MemoryTaskStore::new(2);
        let now = now_ms();
        let a = record("alice", TaskStatus::Completed, now - 10_000, 5_000); // expired
        let b = record("alice", TaskStatus::Working, now - 10_000, 5_000); // running: kept
        store.create(a.clone()).unwrap();
        store.create(b.clone()).unwrap();
        assert!(store.get("alice", &a.id).is_none());
        assert!(store.get("bob", &b.id).is_none());
        assert!(store.get("alice", &b.id).is_some());
        // Full of unfinished tasks: refused.
        store.create(record("alice", TaskStatus::Working, now, 5_000)).unwrap();
        assert_eq!(store.create(record("alice", TaskStatus::Working, now, 5_000)), Err(TaskStoreError::Full));
        assert_eq!(store.list("alice").len(), 2);
        assert!(store.list("bob").is_empty());
        // Cancel: once; then idempotent.
        let (t, now_cancelled) = store.cancel("alice", &b.id, now).unwrap();
        assert!(now_cancelled && t.status == TaskStatus::Cancelled);
        assert!(!store.cancel("alice", &b.id, now).unwrap().1);
        // An ended task makes room.
        store.create(record("alice", TaskStatus::Working, now, 5_000)).unwrap();
        assert!(store.get("alice", &b.id).is_none());
    }

    #[test]
    fn wire_shapes() {
        let mut t = record("o", TaskStatus::Completed, 0, 60_000);
        t.poll_interval_ms = Some(500);
        t.outcome = Some(TaskOutcome::Result(json!({"content": []}).as_object().unwrap().clone()));
        let d = t.detailed();
        assert_eq!(d["ttlMs"], 60_000);
        assert_eq!(d["pollIntervalMs"], 500);
        assert!(d.contains_key("result") && !d.contains_key("ttl"));
        t.version = ProtocolVersion::V2025_11_25;
        let j = t.to_json();
        assert_eq!(j["ttl"], 60_000);
        assert!(!j.contains_key("ttlMs") && !j.contains_key("result"));
    }
}
