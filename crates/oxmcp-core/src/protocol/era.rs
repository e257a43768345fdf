//! The era of a request: one place that decides whether a request is served statelessly
//! (2026-07-28: version and capabilities ride in every request's `_meta`) or belongs to a
//! handshake-era session opened by `initialize`.
//!
//! The dispatcher (`Session::classify`) and the HTTP transport (which must pick "no session
//! needed" vs "find the session" before dispatching) both ask [`request_era`], so they cannot
//! disagree about which requests are stateless.

use super::{meta, ProtocolVersion};
use crate::jsonrpc::{codes, ErrorObject};
use serde_json::{json, Value};

/// The era a request belongs to (see [`request_era`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Era<'a> {
    /// The handshake era: the request belongs to the session `initialize` opened.
    Handshake,
    /// The stateless revision. `declared` is `params._meta["io.modelcontextprotocol/protocolVersion"]`
    /// exactly as sent: `None` when only the `MCP-Protocol-Version` header said "stateless" (the
    /// client's error: every stateless request declares its version in `_meta`), and possibly not a
    /// string. [`Era::declared_version`] turns it into the version string or the error to answer.
    Stateless { declared: Option<&'a Value> },
}

/// Decides the era of one request.
///
/// - `params`: the request's `params` (its `_meta` is read); `None` when it has none.
/// - `version_header`: the value of the HTTP `MCP-Protocol-Version` header, when the transport has
///   one (`None` on stdio, WebSocket, in memory, or when absent).
///
/// A request is stateless when its `_meta` carries the protocol-version key (whatever its value:
/// a malformed one is still a stateless request, rejected as such), or when the header names a
/// stateless revision (then a missing `_meta` version is the client's error, not a missing
/// session). Anything else is handshake era. Which revisions exist and whether the declared one is
/// supported is not decided here: see [`Era::declared_version`] and [`stateless_version`].
pub fn request_era<'a>(params: Option<&'a Value>, version_header: Option<&str>) -> Era<'a> {
    let declared = params.and_then(|p| p.get("_meta")).and_then(|m| m.get(meta::PROTOCOL_VERSION));
    let header_is_stateless = version_header.and_then(ProtocolVersion::parse).is_some_and(ProtocolVersion::is_modern);
    if declared.is_some() || header_is_stateless {
        Era::Stateless { declared }
    } else {
        Era::Handshake
    }
}

impl<'a> Era<'a> {
    pub fn is_stateless(&self) -> bool {
        matches!(self, Era::Stateless { .. })
    }

    /// The version string a stateless request declares in `_meta`, or the -32602 that rejects it
    /// (missing, or not a string). `None` for a handshake-era request.
    pub fn declared_version(&self) -> Option<Result<&'a str, ErrorObject>> {
        let Era::Stateless { declared } = *self else { return None };
        Some(match declared {
            Some(Value::String(s)) => Ok(s.as_str()),
            Some(_) => {
                Err(ErrorObject::invalid_params(format!("_meta[\"{}\"] must be a string", meta::PROTOCOL_VERSION)))
            }
            None => Err(ErrorObject::invalid_params(format!(
                "missing _meta[\"{}\"]: every 2026-07-28 request declares its protocol version and client capabilities",
                meta::PROTOCOL_VERSION
            ))),
        })
    }
}

/// The stateless revision a request asked for, or the -32022 (`UNSUPPORTED_PROTOCOL_VERSION`) that
/// lists what is supported. A handshake-era revision is unsupported here: it is reachable only
/// through `initialize`, but the list names it (the same list as `server/discover`).
pub fn stateless_version(requested: &str) -> Result<ProtocolVersion, ErrorObject> {
    ProtocolVersion::parse(requested).filter(|v| v.is_modern()).ok_or_else(|| {
        let supported: Vec<_> = ProtocolVersion::ALL.iter().rev().map(|v| v.as_str()).collect();
        ErrorObject::new(codes::UNSUPPORTED_PROTOCOL_VERSION, format!("Unsupported protocol version: {requested}"))
            .with_data(json!({ "supported": supported, "requested": requested }))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(version: Value) -> Value {
        json!({ "_meta": { meta::PROTOCOL_VERSION: version } })
    }

    #[test]
    fn meta_version_makes_a_request_stateless() {
        let p = params(json!("2026-07-28"));
        let era = request_era(Some(&p), None);
        assert!(era.is_stateless());
        assert_eq!(era.declared_version().unwrap().unwrap(), "2026-07-28");
        // A malformed or unknown version is still a stateless request, rejected as such.
        let p = params(json!(7));
        let e = request_era(Some(&p), None).declared_version().unwrap().unwrap_err();
        assert_eq!(e.code, codes::INVALID_PARAMS);
        let p = params(json!("2025-11-25"));
        assert_eq!(request_era(Some(&p), None).declared_version().unwrap().unwrap(), "2025-11-25");
    }

    #[test]
    fn no_meta_version_is_the_handshake_era() {
        assert_eq!(request_era(None, None), Era::Handshake);
        let p = json!({ "_meta": { "progressToken": 1 } });
        assert_eq!(request_era(Some(&p), None), Era::Handshake);
        // A handshake-era or unknown header does not change that.
        assert_eq!(request_era(Some(&p), Some("2025-06-18")), Era::Handshake);
        assert_eq!(request_era(Some(&p), Some("nonsense")), Era::Handshake);
        assert!(Era::Handshake.declared_version().is_none());
    }

    #[test]
    fn a_stateless_header_without_meta_is_the_clients_error() {
        let p = json!({});
        let era = request_era(Some(&p), Some("2026-07-28"));
        assert_eq!(era, Era::Stateless { declared: None });
        let e = era.declared_version().unwrap().unwrap_err();
        assert_eq!(e.code, codes::INVALID_PARAMS);
        assert!(e.message.contains("missing _meta"));
    }

    #[test]
    fn supported_stateless_versions() {
        assert_eq!(stateless_version("2026-07-28").unwrap(), ProtocolVersion::V2026_07_28);
        let e = stateless_version("2025-11-25").unwrap_err();
        assert_eq!(e.code, codes::UNSUPPORTED_PROTOCOL_VERSION);
        assert_eq!(e.data.as_ref().unwrap()["requested"], "2025-11-25");
        assert_eq!(e.data.as_ref().unwrap()["supported"][0], "2026-07-28");
        assert!(stateless_version("2099-01-01").is_err());
    }
}
