//! The server: configuration, catalog, handler, and per-connection sessions that dispatch requests.

pub mod arguments;
pub mod catalog;
pub mod handler;
pub mod pagination;
pub mod session;
pub mod uri_template;

pub use catalog::{Catalog, PromptSpec, ResourceSpec, ResourceTarget, TemplateSpec, ToolSpec};
pub use handler::{
    Cancellation, ClientInfo, Handler, HandlerError, Headers, ListKind, ListOutput, PromptGet, PromptOutput, Reply,
    RequestContext, RequestToValidate, ResourceOutput, ResourceRead, ToolCall, ToolOutput,
};
pub use session::{Inbound, Outbound, Session};

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
}

/// A server: cheap to clone, shared by all its sessions.
#[derive(Clone)]
pub struct Server(Arc<Shared>);

impl Server {
    pub fn new(config: ServerConfig, handler: Arc<dyn Handler>) -> Self {
        let implementation = config.implementation();
        Server(Arc::new(Shared { config, implementation, catalog: RwLock::new(Arc::default()), handler }))
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
    pub fn update_catalog<R>(&self, f: impl FnOnce(&mut Catalog) -> R) -> R {
        let mut guard = self.0.catalog.write().unwrap_or_else(|e| e.into_inner());
        let mut next = Catalog::clone(&guard);
        let out = f(&mut next);
        *guard = Arc::new(next);
        out
    }

    /// A new connection-scoped session (one per stdio process, in-memory client, or HTTP session).
    pub fn session(&self) -> Arc<Session> {
        Session::new(self.clone())
    }
}
