//! The era of a request (stateless 2026-07-28 or the handshake-era session) and the
//! `RequestContext` it runs with, or the error that rejects it before any routing.

use super::{lock, Inbound, Session};
use crate::jsonrpc::{codes, ErrorObject, RequestId};
use crate::protocol::{meta, ProtocolVersion, LEGACY_ONLY_METHODS};
use crate::server::handler::{Cancellation, Progress, RequestContext};
use crate::server::logging::{LogGate, LogLevel};
use serde_json::{json, Value};
use std::sync::Arc;

impl Session {
    /// Decides the era of a request and builds its context, or the error that rejects it.
    pub(super) fn classify(
        &self,
        id: &RequestId,
        method: &str,
        params: &Value,
        inbound: &Inbound,
    ) -> Result<RequestContext, ErrorObject> {
        let req_meta = params.get("_meta");
        let progress = match req_meta.and_then(|m| m.get("progressToken")) {
            Some(t @ (Value::String(_) | Value::Number(_))) => Some(Arc::new(Progress::new(t.clone()))),
            _ => None,
        };
        let make = |version, client, legacy: bool, log| RequestContext {
            id: id.clone(),
            method: Arc::from(method),
            version,
            meta: req_meta.cloned(),
            headers: inbound.headers.clone(),
            client,
            cancellation: Arc::new(Cancellation::default()),
            outbound: inbound.out.clone(),
            peer: legacy.then(|| self.peer.clone()),
            log,
            progress: progress.clone(),
            input: None,
            task: None,
        };
        let session_log = || LogGate::Session(self.log_level.clone());
        if let Some(raw) = req_meta.and_then(|m| m.get(meta::PROTOCOL_VERSION)) {
            let Some(requested) = raw.as_str() else {
                return Err(ErrorObject::invalid_params(format!(
                    "_meta[\"{}\"] must be a string",
                    meta::PROTOCOL_VERSION
                )));
            };
            if !req_meta.and_then(|m| m.get(meta::CLIENT_CAPABILITIES)).is_some_and(Value::is_object) {
                return Err(ErrorObject::invalid_params(format!(
                    "missing _meta[\"{}\"]: every 2026-07-28 request must declare its client capabilities (use {{}} for none)",
                    meta::CLIENT_CAPABILITIES
                )));
            }
            let version = ProtocolVersion::parse(requested).filter(|v| v.is_modern()).ok_or_else(|| {
                // The same list as server/discover: handshake-era revisions stay reachable via initialize.
                let supported: Vec<_> = ProtocolVersion::ALL.iter().rev().map(|v| v.as_str()).collect();
                ErrorObject::new(
                    codes::UNSUPPORTED_PROTOCOL_VERSION,
                    format!("Unsupported protocol version: {requested}"),
                )
                .with_data(json!({ "supported": supported, "requested": requested }))
            })?;
            if LEGACY_ONLY_METHODS.contains(&method) {
                return Err(ErrorObject::method_not_found(method));
            }
            let log = match req_meta.and_then(|m| m.get(meta::LOG_LEVEL)) {
                None | Some(Value::Null) => LogGate::Off,
                Some(v) => LogGate::Level(v.as_str().and_then(LogLevel::parse).ok_or_else(|| {
                    ErrorObject::invalid_params(format!(
                        "_meta[\"{}\"] must be one of {}, got {v}",
                        meta::LOG_LEVEL,
                        LogLevel::names()
                    ))
                })?),
            };
            return Ok(make(version, None, false, log));
        }
        if method == "initialize" {
            return Ok(make(ProtocolVersion::LATEST_LEGACY, None, true, session_log()));
        }
        match lock(&self.legacy).as_ref() {
            Some(l) => Ok(make(l.version, Some(l.client.clone()), true, session_log())),
            None if method == "ping" => Ok(make(ProtocolVersion::LATEST_LEGACY, None, true, session_log())),
            None if method == "server/discover" => Err(ErrorObject::invalid_params(format!(
                "missing _meta[\"{}\"] and _meta[\"{}\"]",
                meta::PROTOCOL_VERSION,
                meta::CLIENT_CAPABILITIES
            ))),
            None => Err(ErrorObject::invalid_request(format!(
                "{method} before initialize: send initialize first, or put the protocol version and client capabilities in params._meta (revision 2026-07-28)"
            ))),
        }
    }
}
