//! The server: configuration, catalog, handler, and per-connection sessions that dispatch requests.

pub mod arguments;
pub mod auth;
pub mod catalog;
pub mod changes;
pub mod deadline;
pub mod formats;
pub mod handler;
pub mod logging;
pub mod outbound;
pub mod pagination;
pub mod peer;
pub mod request_state;
pub mod session;
pub mod tasks;
pub mod uri_template;

pub use auth::{AuthRequest, Principal};
pub use catalog::{Catalog, PromptSpec, ResourceSpec, ResourceTarget, TemplateSpec, ToolSpec};
pub use changes::Change;
pub use handler::{
    Cancellation, ClientInfo, CompletionOutput, CompletionRef, CompletionRequest, Handler, HandlerError, Headers,
    ListKind, ListOutput, Progress, PromptGet, PromptOutput, Reply, RequestContext, RequestToValidate, ResourceOutput,
    ResourceRead, ToolCall, ToolOutput,
};
pub use logging::LogLevel;
pub use outbound::Outbound;
pub use request_state::RequestStateKeys;
pub use session::{Inbound, Session};
pub use tasks::{MemoryTaskStore, TaskConfig, TaskStore, TaskSupport};

use serde_json::{Map, Value};
use std::sync::{Arc, RwLock};

/// Default bound on one incoming message.
pub const DEFAULT_MAX_MESSAGE_BYTES: usize = 4 * 1024 * 1024;

/// How results of the stateless revision may be cached (`cacheScope`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheScope {
    Public,
    Private,
}

impl CacheScope {
    /// `"public"` or `"private"`; anything else is `None`.
    pub fn parse(scope: &str) -> Option<Self> {
        match scope {
            "public" => Some(CacheScope::Public),
            "private" => Some(CacheScope::Private),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            CacheScope::Public => "public",
            CacheScope::Private => "private",
        }
    }
}

/// Server-wide settings.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    pub name: String,
    pub version: String,
    pub title: Option<String>,
    pub description: Option<String>,
    pub website_url: Option<String>,
    pub icons: Option<Value>,
    pub instructions: Option<String>,
    /// Items per page of the list methods; `None` returns everything in one page.
    pub page_size: Option<usize>,
    pub max_message_bytes: usize,
    /// `ttlMs` on cacheable results (stateless revision).
    pub cache_ttl_ms: u64,
    pub cache_scope: CacheScope,
    /// Seals `requestState` of input-required results (random per process unless configured).
    pub request_state: RequestStateKeys,
    /// Tasks (long-running tool calls): the store and its timings.
    pub tasks: TaskConfig,
    /// OAuth resource server: bearer tokens checked at the HTTP and WebSocket gate, the
    /// metadata document, and per-component scopes. `None`: no bearer tokens.
    pub resource_server: Option<Arc<crate::auth::ResourceServer>>,
}

impl ServerConfig {
    pub fn new(name: impl Into<String>, version: impl Into<String>) -> Self {
        ServerConfig {
            name: name.into(),
            version: version.into(),
            title: None,
            description: None,
            website_url: None,
            icons: None,
            instructions: None,
            page_size: None,
            max_message_bytes: DEFAULT_MAX_MESSAGE_BYTES,
            cache_ttl_ms: 0,
            cache_scope: CacheScope::Public,
            request_state: RequestStateKeys::random(std::time::Duration::from_secs(600)),
            tasks: TaskConfig::default(),
            resource_server: None,
        }
    }

    /// The server's `Implementation` object (`serverInfo`).
    pub fn implementation(&self) -> Value {
        let mut m = Map::new();
        m.insert("name".into(), Value::from(self.name.as_str()));
        if let Some(t) = &self.title {
            m.insert("title".into(), Value::from(t.as_str()));
        }
        m.insert("version".into(), Value::from(self.version.as_str()));
        if let Some(d) = &self.description {
            m.insert("description".into(), Value::from(d.as_str()));
        }
        if let Some(w) = &self.website_url {
            m.insert("websiteUrl".into(), Value::from(w.as_str()));
        }
        if let Some(i) = &self.icons {
            m.insert("icons".into(), i.clone());
        }
        Value::Object(m)
    }
}

struct Shared {
    config: ServerConfig,
    implementation: Value,
    catalog: RwLock<Arc<Catalog>>,
    handler: Arc<dyn Handler>,
    listeners: Arc<changes::Listeners>,
    tasks: tasks::Tasks,
}

/// A server: cheap to clone, shared by all its sessions.
#[derive(Clone)]
pub struct Server(Arc<Shared>);

impl Server {
    pub fn new(config: ServerConfig, handler: Arc<dyn Handler>) -> Self {
        let implementation = config.implementation();
        let tasks = tasks::Tasks::new(config.tasks.clone());
        Server(Arc::new(Shared {
            config,
            implementation,
            catalog: RwLock::new(Arc::default()),
            handler,
            listeners: Arc::default(),
            tasks,
        }))
    }

    pub fn config(&self) -> &ServerConfig {
        &self.0.config
    }

    pub fn implementation(&self) -> &Value {
        &self.0.implementation
    }

    pub fn handler(&self) -> &Arc<dyn Handler> {
        &self.0.handler
    }

    /// The current catalog snapshot.
    pub fn catalog(&self) -> Arc<Catalog> {
        self.0.catalog.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Changes the catalog (copy on write: requests in flight keep the snapshot they started with).
    /// Clients that listen hear `list_changed` for each list that changed.
    pub fn update_catalog<R>(&self, f: impl FnOnce(&mut Catalog) -> R) -> R {
        let (out, changes) = {
            let mut guard = self.0.catalog.write().unwrap_or_else(|e| e.into_inner());
            let mut next = Catalog::clone(&guard);
            let out = f(&mut next);
            // Nobody listens while a server is being set up: no diff then.
            let changes = if self.0.listeners.is_empty() { Vec::new() } else { list_changes(&guard, &next) };
            *guard = Arc::new(next);
            (out, changes)
        };
        changes.into_iter().for_each(|c| self.emit(c));
        out
    }

    /// Announces a change to every client listening (legacy sessions and listen streams).
    pub fn emit(&self, change: Change) {
        self.0.listeners.emit(&change);
    }

    /// Registers a listener for changes (see `changes`).
    pub fn listen(&self, f: impl Fn(&Change) + Send + Sync + 'static) -> changes::Listening {
        self.0.listeners.listen(f)
    }

    /// The server's tasks (long-running tool calls; see `tasks`).
    pub fn tasks(&self) -> &tasks::Tasks {
        &self.0.tasks
    }

    /// A new connection-scoped session (one per stdio process, in-memory client, or HTTP session).
    pub fn session(&self) -> Arc<Session> {
        Session::new(self.clone())
    }
}

/// Which lists differ between two catalogs (an entry replaced under the same name gets a new handle).
fn list_changes(old: &Catalog, new: &Catalog) -> Vec<Change> {
    fn differ<T>(a: &[Arc<T>], b: &[Arc<T>]) -> bool {
        a.len() != b.len() || a.iter().zip(b).any(|(x, y)| !Arc::ptr_eq(x, y))
    }
    let mut out = Vec::new();
    if differ(old.tools(), new.tools()) {
        out.push(Change::ToolsListChanged);
    }
    if differ(old.prompts(), new.prompts()) {
        out.push(Change::PromptsListChanged);
    }
    if differ(old.resources(), new.resources()) || differ(old.templates(), new.templates()) {
        out.push(Change::ResourcesListChanged);
    }
    out
}
