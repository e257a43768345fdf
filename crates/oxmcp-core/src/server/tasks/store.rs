//! Where task records live: the [`TaskStore`] trait, the bounded in-memory default and the
//! task settings of a server.

use super::record::{lock, now_ms, TaskRecord, TaskStatus};
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Default bound on the tasks of one owner (`MemoryTaskStore::with_owner_quota`).
pub const DEFAULT_MAX_TASKS_PER_OWNER: usize = 100;

/// Why a store refused a task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TaskStoreError {
    /// No room: too many tasks that may not be dropped yet.
    Full,
    /// The owner already holds its quota of tasks, none of which may be dropped yet.
    OwnerQuota(usize),
    /// The backend failed.
    Other(String),
}

impl std::fmt::Display for TaskStoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TaskStoreError::Full => f.write_str("the server has too many tasks in progress; try again later"),
            TaskStoreError::OwnerQuota(n) => write!(
                f,
                "you have {n} unfinished tasks, the most this server keeps per caller; \
                 wait for one to end or cancel one, then try again"
            ),
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

/// The default store: in memory, bounded in total (`max_tasks`) and per owner (`max_per_owner`,
/// so one caller cannot fill the store for everyone). At either bound the oldest ended task (of
/// the store, or of that owner) makes room; when every task in the way is unfinished, the new
/// one is refused (`Full`, `OwnerQuota`) and the caller is told so.
pub struct MemoryTaskStore {
    inner: Mutex<MemoryTasks>,
    max_tasks: usize,
    max_per_owner: usize,
}

#[derive(Default)]
struct MemoryTasks {
    by_id: HashMap<String, TaskRecord>,
    /// Ids in creation order (for `list` and eviction).
    order: VecDeque<String>,
    /// How many tasks each owner holds (owners with none are absent).
    per_owner: HashMap<String, usize>,
    next_sweep_ms: u64,
}

impl MemoryTasks {
    fn sweep(&mut self, now: u64) -> usize {
        let expired: Vec<String> =
            self.by_id.values().filter(|t| t.expires_at_ms().is_some_and(|e| e <= now)).map(|t| t.id.clone()).collect();
        for id in &expired {
            self.forget(id);
        }
        if !expired.is_empty() {
            let by_id = &self.by_id;
            self.order.retain(|id| by_id.contains_key(id));
        }
        self.next_sweep_ms = now + 1000;
        expired.len()
    }

    /// Removes a task from the map and its owner's count (not from `order`: callers do).
    fn forget(&mut self, id: &str) -> Option<TaskRecord> {
        let task = self.by_id.remove(id)?;
        if let Some(n) = self.per_owner.get_mut(&task.owner) {
            *n -= 1;
            if *n == 0 {
                self.per_owner.remove(&task.owner);
            }
        }
        Some(task)
    }

    /// Drops the oldest ended task (of `owner`, or of anyone): true if one made room.
    fn make_room(&mut self, owner: Option<&str>) -> bool {
        let by_id = &self.by_id;
        let victim = self
            .order
            .iter()
            .position(|id| by_id.get(id).is_some_and(|t| t.is_terminal() && owner.is_none_or(|o| t.owner == o)));
        let Some(i) = victim else { return false };
        if let Some(id) = self.order.remove(i) {
            self.forget(&id);
        }
        true
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
            self.forget(task_id);
            self.order.retain(|id| id != task_id);
            return None;
        }
        self.by_id.get_mut(task_id)
    }
}

impl MemoryTaskStore {
    /// A store holding at most `max_tasks` tasks (at least 1), and at most
    /// [`DEFAULT_MAX_TASKS_PER_OWNER`] of one owner.
    pub fn new(max_tasks: usize) -> Self {
        MemoryTaskStore {
            inner: Mutex::default(),
            max_tasks: max_tasks.max(1),
            max_per_owner: DEFAULT_MAX_TASKS_PER_OWNER,
        }
    }

    /// The same store holding at most `max_per_owner` tasks (at least 1) of any one owner.
    pub fn with_owner_quota(mut self, max_per_owner: usize) -> Self {
        self.max_per_owner = max_per_owner.max(1);
        self
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
        let held = |inner: &MemoryTasks| inner.per_owner.get(&task.owner).copied().unwrap_or(0);
        if now >= inner.next_sweep_ms || inner.by_id.len() >= self.max_tasks || held(&inner) >= self.max_per_owner {
            inner.sweep(now);
        }
        // The owner's quota first: a caller at its quota makes room among its own tasks only,
        // so it never pushes out another caller's results.
        if held(&inner) >= self.max_per_owner && !inner.make_room(Some(&task.owner)) {
            return Err(TaskStoreError::OwnerQuota(self.max_per_owner));
        }
        if inner.by_id.len() >= self.max_tasks && !inner.make_room(None) {
            return Err(TaskStoreError::Full);
        }
        *inner.per_owner.entry(task.owner.clone()).or_default() += 1;
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

    #[test]
    fn owner_quota_makes_room_among_its_own_tasks_only() {
        let store = MemoryTaskStore::new(10).with_owner_quota(2);
        let now = now_ms();
        let done = record("alice", TaskStatus::Completed, now, 60_000);
        let bobs = record("bob", TaskStatus::Completed, now, 60_000);
        store.create(bobs.clone()).unwrap();
        store.create(done.clone()).unwrap();
        store.create(record("alice", TaskStatus::Working, now, 60_000)).unwrap();
        // At her quota, Alice's own ended task makes room; Bob's is untouched.
        store.create(record("alice", TaskStatus::Working, now, 60_000)).unwrap();
        assert!(store.get("alice", &done.id).is_none());
        assert!(store.get("bob", &bobs.id).is_some());
        // Both unfinished: refused, saying so.
        let refused = store.create(record("alice", TaskStatus::Working, now, 60_000));
        assert_eq!(refused, Err(TaskStoreError::OwnerQuota(2)));
        assert!(refused.unwrap_err().to_string().contains("2 unfinished tasks"));
        store.create(record("bob", TaskStatus::Working, now, 60_000)).unwrap();
        // Expiry gives the count back.
        let old = record("carol", TaskStatus::Completed, now - 10_000, 5_000);
        store.create(old).unwrap();
        store.create(record("carol", TaskStatus::Working, now, 60_000)).unwrap();
        store.create(record("carol", TaskStatus::Working, now, 60_000)).unwrap();
        assert_eq!(store.list("carol").len(), 2);
    }
}
