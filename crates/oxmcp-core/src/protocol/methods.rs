//! The MCP request methods this server knows, one row each, with the facts that differ per method:
//! which era has it, whether its stateless result carries caching hints, which `params` key the
//! HTTP `Mcp-Name` header must repeat, and whether it may ride in a JSON-RPC batch.
//!
//! The dispatcher and the HTTP transport read these facts here instead of keeping their own lists,
//! so adding a method is one row. (Routing a method to its code stays a `match` in the dispatcher.)

use super::ProtocolVersion;
use Eras::{Both, HandshakeOnly, StatelessOnly};

/// The eras a method exists in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Eras {
    /// Only in a handshake-era session (`initialize`, `ping`, ...): a stateless request for it gets -32601.
    HandshakeOnly,
    /// Only on the stateless wire (`server/discover`, `subscriptions/listen`, `tasks/update`).
    StatelessOnly,
    /// In both.
    Both,
}

/// What the server knows about one request method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MethodInfo {
    pub name: &'static str,
    pub eras: Eras,
    /// Its stateless result carries `ttlMs` and `cacheScope`.
    pub cacheable: bool,
    /// The `params` key whose value the HTTP `Mcp-Name` header must equal (stateless wire).
    pub mcp_name_key: Option<&'static str>,
    /// May be part of a JSON-RPC batch (2025-03-26); `initialize` may not.
    pub batchable: bool,
}

impl MethodInfo {
    /// Whether a request of revision `version` may call it.
    pub fn exists_in(&self, version: ProtocolVersion) -> bool {
        match self.eras {
            Eras::HandshakeOnly => !version.is_modern(),
            Eras::StatelessOnly => version.is_modern(),
            Eras::Both => true,
        }
    }

    /// Exists only in the handshake era (a stateless request for it is refused before routing).
    pub fn legacy_only(&self) -> bool {
        self.eras == Eras::HandshakeOnly
    }
}

const fn row(name: &'static str, eras: Eras) -> MethodInfo {
    MethodInfo { name, eras, cacheable: false, mcp_name_key: None, batchable: true }
}

const fn cacheable(info: MethodInfo) -> MethodInfo {
    MethodInfo { cacheable: true, ..info }
}

const fn named_by(key: &'static str, info: MethodInfo) -> MethodInfo {
    MethodInfo { mcp_name_key: Some(key), ..info }
}

const fn not_batchable(info: MethodInfo) -> MethodInfo {
    MethodInfo { batchable: false, ..info }
}

/// Every request method the server knows.
pub const METHODS: &[MethodInfo] = &[
    not_batchable(row("initialize", HandshakeOnly)),
    row("ping", HandshakeOnly),
    cacheable(row("server/discover", StatelessOnly)),
    cacheable(row("tools/list", Both)),
    named_by("name", row("tools/call", Both)),
    cacheable(row("resources/list", Both)),
    cacheable(row("resources/templates/list", Both)),
    cacheable(named_by("uri", row("resources/read", Both))),
    row("resources/subscribe", HandshakeOnly),
    row("resources/unsubscribe", HandshakeOnly),
    cacheable(row("prompts/list", Both)),
    named_by("name", row("prompts/get", Both)),
    row("completion/complete", Both),
    row("logging/setLevel", HandshakeOnly),
    row("subscriptions/listen", StatelessOnly),
    // Tasks: the stateless extension has get/update/cancel; 2025-11-25 has get/cancel/result/list.
    named_by("taskId", row("tasks/get", Both)),
    named_by("taskId", row("tasks/update", StatelessOnly)),
    named_by("taskId", row("tasks/cancel", Both)),
    row("tasks/result", HandshakeOnly),
    row("tasks/list", HandshakeOnly),
];

/// The row of a method, or `None` for a method this server does not know.
pub fn method(name: &str) -> Option<&'static MethodInfo> {
    METHODS.iter().find(|m| m.name == name)
}

/// The `params` key the HTTP `Mcp-Name` header must match for `method` (`name` for tools/call and
/// prompts/get, `uri` for resources/read, `taskId` for tasks/get|update|cancel), or `None`: no
/// `Mcp-Name` check, also for methods the server does not know (they must reach the dispatcher
/// and get -32601, not a header complaint).
pub fn mcp_name_key(method_name: &str) -> Option<&'static str> {
    method(method_name).and_then(|m| m.mcp_name_key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_row_per_method() {
        for (i, m) in METHODS.iter().enumerate() {
            assert!(METHODS[i + 1..].iter().all(|o| o.name != m.name), "{} twice", m.name);
            assert_eq!(method(m.name), Some(m));
        }
        assert!(method("tools/unknown").is_none());
    }

    #[test]
    fn eras() {
        let legacy: Vec<_> = METHODS.iter().filter(|m| m.legacy_only()).map(|m| m.name).collect();
        assert_eq!(
            legacy,
            [
                "initialize",
                "ping",
                "resources/subscribe",
                "resources/unsubscribe",
                "logging/setLevel",
                "tasks/result",
                "tasks/list"
            ]
        );
        let discover = method("server/discover").unwrap();
        assert!(discover.exists_in(ProtocolVersion::V2026_07_28));
        assert!(!discover.exists_in(ProtocolVersion::V2025_11_25));
        let ping = method("ping").unwrap();
        assert!(ping.exists_in(ProtocolVersion::V2024_11_05) && !ping.exists_in(ProtocolVersion::V2026_07_28));
        assert!(!method("tasks/update").unwrap().exists_in(ProtocolVersion::V2025_11_25));
        assert!(method("tools/call").unwrap().exists_in(ProtocolVersion::V2025_03_26));
    }

    #[test]
    fn cacheable_results() {
        let cached: Vec<_> = METHODS.iter().filter(|m| m.cacheable).map(|m| m.name).collect();
        assert_eq!(
            cached,
            [
                "server/discover",
                "tools/list",
                "resources/list",
                "resources/templates/list",
                "resources/read",
                "prompts/list"
            ]
        );
    }

    #[test]
    fn mcp_name_keys() {
        assert_eq!(mcp_name_key("tools/call"), Some("name"));
        assert_eq!(mcp_name_key("prompts/get"), Some("name"));
        assert_eq!(mcp_name_key("resources/read"), Some("uri"));
        for m in ["tasks/get", "tasks/update", "tasks/cancel"] {
            assert_eq!(mcp_name_key(m), Some("taskId"));
        }
        assert_eq!(mcp_name_key("tools/list"), None);
        assert_eq!(mcp_name_key("tasks/result"), None);
        assert_eq!(mcp_name_key("no/such"), None);
    }

    #[test]
    fn only_initialize_stays_out_of_batches() {
        let unbatchable: Vec<_> = METHODS.iter().filter(|m| !m.batchable).map(|m| m.name).collect();
        assert_eq!(unbatchable, ["initialize"]);
    }
}
