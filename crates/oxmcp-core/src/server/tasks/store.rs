//! Where task records live: the [`TaskStore`] trait, the bounded in-memory default and the
//! task settings of a server.

use super::record::{lock, now_ms, TaskRecord, TaskStatus};
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

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

#[cfg(test)]
mod tests {
    use super::super::record::test_record as record;
    use super::*;
    use crate::server::tasks::record::now_ms;

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
}
