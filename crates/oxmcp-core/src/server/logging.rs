//! Log levels (RFC 5424, as MCP names them) and the gate that decides whether a request's log
//! messages reach the client.
//!
//! Handshake era: `logging/setLevel` sets one threshold for the whole session (until then every
//! message is sent). Stateless era: a request opts in with `_meta["io.modelcontextprotocol/logLevel"]`;
//! without it nothing is sent.

use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LogLevel {
    Debug = 0,
    Info,
    Notice,
    Warning,
    Error,
    Critical,
    Alert,
    Emergency,
}

impl LogLevel {
    pub const ALL: [LogLevel; 8] = [
        LogLevel::Debug,
        LogLevel::Info,
        LogLevel::Notice,
        LogLevel::Warning,
        LogLevel::Error,
        LogLevel::Critical,
        LogLevel::Alert,
        LogLevel::Emergency,
    ];

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.as_str() == s)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            LogLevel::Debug => "debug",
            LogLevel::Info => "info",
            LogLevel::Notice => "notice",
            LogLevel::Warning => "warning",
            LogLevel::Error => "error",
            LogLevel::Critical => "critical",
            LogLevel::Alert => "alert",
            LogLevel::Emergency => "emergency",
        }
    }

    fn from_u8(n: u8) -> Option<Self> {
        Self::ALL.get(n as usize).copied()
    }

    /// The names, for error messages.
    pub fn names() -> String {
        Self::ALL.iter().map(|l| l.as_str()).collect::<Vec<_>>().join(", ")
    }
}

/// A session-wide threshold that `logging/setLevel` changes while requests are running.
#[derive(Debug, Default)]
pub struct SessionLogLevel(AtomicU8);

impl SessionLogLevel {
    pub fn set(&self, level: LogLevel) {
        self.0.store(level as u8, Ordering::Relaxed);
    }
    pub fn get(&self) -> LogLevel {
        LogLevel::from_u8(self.0.load(Ordering::Relaxed)).unwrap_or(LogLevel::Debug)
    }
}

/// Whether a request may send `notifications/message`, and from which level up.
#[derive(Debug, Clone)]
pub enum LogGate {
    /// Nothing is sent (a stateless request that did not ask for logs).
    Off,
    /// A stateless request's own `_meta` level.
    Level(LogLevel),
    /// The handshake-era session's current level.
    Session(Arc<SessionLogLevel>),
}

impl LogGate {
    pub fn allows(&self, level: LogLevel) -> bool {
        match self {
            LogGate::Off => false,
            LogGate::Level(min) => level >= *min,
            LogGate::Session(s) => level >= s.get(),
        }
    }
}
