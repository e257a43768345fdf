//! Change notifications: what the server announces to clients that listen (legacy sessions, and
//! stateless `subscriptions/listen` streams), and the registry of who listens.
//!
//! Emitting is synchronous and cheap: each listener decides whether the event concerns it and
//! queues a frame on its own outbound. Listeners unregister when their `Listening` guard drops.

use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock, Weak};

#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    ToolsListChanged,
    PromptsListChanged,
    ResourcesListChanged,
    /// A resource's contents changed (`notifications/resources/updated`).
    ResourceUpdated(String),
    /// A task changed status: its owner, and its full `Task` object.
    Task {
        owner: String,
        task: Value,
    },
}

impl Change {
    /// The notification method and params this change is sent as.
    pub fn notification(&self) -> (&'static str, Value) {
        match self {
            Change::ToolsListChanged => ("notifications/tools/list_changed", json!({})),
            Change::PromptsListChanged => ("notifications/prompts/list_changed", json!({})),
            Change::ResourcesListChanged => ("notifications/resources/list_changed", json!({})),
            Change::ResourceUpdated(uri) => ("notifications/resources/updated", json!({ "uri": uri })),
            Change::Task { task, .. } => ("notifications/tasks", task.clone()),
        }
    }
}

type Listener = Arc<dyn Fn(&Change) + Send + Sync>;

#[derive(Default)]
pub struct Listeners {
    next: AtomicU64,
    all: RwLock<HashMap<u64, Listener>>,
}

/// Keeps a listener registered; dropping it unregisters.
pub struct Listening {
    id: u64,
    registry: Weak<Listeners>,
}

impl Drop for Listening {
    fn drop(&mut self) {
        if let Some(r) = self.registry.upgrade() {
            r.all.write().unwrap_or_else(|e| e.into_inner()).remove(&self.id);
        }
    }
}

impl Listeners {
    pub fn listen(self: &Arc<Self>, f: impl Fn(&Change) + Send + Sync + 'static) -> Listening {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        self.all.write().unwrap_or_else(|e| e.into_inner()).insert(id, Arc::new(f));
        Listening { id, registry: Arc::downgrade(self) }
    }

    pub fn emit(&self, change: &Change) {
        // Snapshot first: a listener may register or unregister others while it runs.
        let listeners: Vec<Listener> = self.all.read().unwrap_or_else(|e| e.into_inner()).values().cloned().collect();
        for l in listeners {
            l(change);
        }
    }

    pub fn len(&self) -> usize {
        self.all.read().unwrap_or_else(|e| e.into_inner()).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
