//! Protocol revisions and the behaviour that differs between them.

use std::fmt;

/// A revision of the MCP specification this server speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ProtocolVersion {
    V2024_11_05,
    V2025_03_26,
    V2025_06_18,
    V2025_11_25,
    /// The stateless revision: no handshake, version and capabilities on every request.
    V2026_07_28,
}

impl ProtocolVersion {
    /// Every revision served, oldest first.
    pub const ALL: [ProtocolVersion; 5] = [
        ProtocolVersion::V2024_11_05,
        ProtocolVersion::V2025_03_26,
        ProtocolVersion::V2025_06_18,
        ProtocolVersion::V2025_11_25,
        ProtocolVersion::V2026_07_28,
    ];
    /// The newest handshake-era revision: what `initialize` offers when it can't echo the client's.
    pub const LATEST_LEGACY: ProtocolVersion = ProtocolVersion::V2025_11_25;
    pub const LATEST: ProtocolVersion = ProtocolVersion::V2026_07_28;

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "2024-11-05" => Self::V2024_11_05,
            "2025-03-26" => Self::V2025_03_26,
            "2025-06-18" => Self::V2025_06_18,
            "2025-11-25" => Self::V2025_11_25,
            "2026-07-28" => Self::V2026_07_28,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::V2024_11_05 => "2024-11-05",
            Self::V2025_03_26 => "2025-03-26",
            Self::V2025_06_18 => "2025-06-18",
            Self::V2025_11_25 => "2025-11-25",
            Self::V2026_07_28 => "2026-07-28",
        }
    }

    /// Stateless (2026-07-28 and later): per-request `_meta`, `resultType`, caching hints.
    pub fn is_modern(self) -> bool {
        self >= Self::V2026_07_28
    }

    /// JSON-RPC batches exist only in 2025-03-26.
    pub fn allows_batches(self) -> bool {
        self == Self::V2025_03_26
    }

    /// `structuredContent` / `outputSchema` arrived in 2025-06-18.
    pub fn has_structured_content(self) -> bool {
        self >= Self::V2025_06_18
    }

    /// From 2025-11-25 on, bad tool arguments are tool execution errors (`isError: true`),
    /// before that a JSON-RPC -32602.
    pub fn input_errors_are_tool_errors(self) -> bool {
        self >= Self::V2025_11_25
    }

    /// The error code for an unknown resource: -32002 in the handshake era, -32602 since 2026-07-28.
    pub fn resource_not_found_code(self) -> i64 {
        if self.is_modern() {
            crate::jsonrpc::codes::INVALID_PARAMS
        } else {
            crate::jsonrpc::codes::RESOURCE_NOT_FOUND_LEGACY
        }
    }
}

impl fmt::Display for ProtocolVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_orders() {
        for v in ProtocolVersion::ALL {
            assert_eq!(ProtocolVersion::parse(v.as_str()), Some(v));
        }
        assert!(ProtocolVersion::V2024_11_05 < ProtocolVersion::V2026_07_28);
        assert_eq!(ProtocolVersion::parse("2099-01-01"), None);
        assert!(ProtocolVersion::V2025_03_26.allows_batches());
        assert!(!ProtocolVersion::V2025_06_18.allows_batches());
        assert_eq!(ProtocolVersion::V2025_11_25.resource_not_found_code(), -32002);
        assert_eq!(ProtocolVersion::V2026_07_28.resource_not_found_code(), -32602);
    }
}
