//! MCP protocol knowledge: revisions, the era of a request, reserved `_meta` keys, the method table.

pub mod era;
pub mod methods;
pub mod version;

pub use era::{request_era, stateless_version, Era};
pub use methods::{mcp_name_key, method, MethodInfo};
pub use version::ProtocolVersion;

/// Reserved `_meta` keys of the stateless revision.
pub mod meta {
    pub const PROTOCOL_VERSION: &str = "io.modelcontextprotocol/protocolVersion";
    pub const CLIENT_CAPABILITIES: &str = "io.modelcontextprotocol/clientCapabilities";
    pub const CLIENT_INFO: &str = "io.modelcontextprotocol/clientInfo";
    pub const SERVER_INFO: &str = "io.modelcontextprotocol/serverInfo";
    pub const LOG_LEVEL: &str = "io.modelcontextprotocol/logLevel";
    pub const SUBSCRIPTION_ID: &str = "io.modelcontextprotocol/subscriptionId";
}
