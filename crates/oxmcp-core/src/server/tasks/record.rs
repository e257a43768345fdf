//! A task as stored: its status machine, outcome and wire shape, plus the small helpers (ids,
//! clocks, the extension's identifier) every other part of tasks uses. Imports nothing from the
//! handler or the catalog, so a tool definition (`TaskSupport`) can depend on it without a circle.

use crate::jsonrpc::{codes, ErrorObject};
use crate::protocol::ProtocolVersion;
use crate::server::request_state::Carried;
use serde_json::{json, Map, Value};
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

/// The extension's identifier (`capabilities.extensions[...]`).
pub const EXTENSION_ID: &str = "io.modelcontextprotocol/tasks";
/// `_meta` key tying a 2025-11-25 message to its task.
pub const RELATED_TASK: &str = "io.modelcontextprotocol/related-task";
pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
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
    /// Who may see it: the owner string of the request that created it (`session:…` for a
    /// handshake-era session, a credential digest for stateless requests).
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
pub(super) fn test_record(owner: &str, status: TaskStatus, updated: u64, ttl: u64) -> TaskRecord {
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

#[cfg(test)]
mod tests {
    use super::*;

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
    fn wire_shapes() {
        let mut t = test_record("o", TaskStatus::Completed, 0, 60_000);
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
