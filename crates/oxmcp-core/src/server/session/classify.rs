//! The era of a request (stateless 2026-07-28 or the handshake-era session) and the
//! `RequestContext` it runs with, or the error that rejects it before any routing.

use super::{lock, Inbound, Session};
use crate::jsonrpc::{ErrorObject, RequestId};
use crate::protocol::{meta, methods, request_era, stateless_version, ProtocolVersion};
use crate::server::handler::{Cancellation, Progress, RequestContext};
use crate::server::logging::{LogGate, LogLevel};
use serde_json::Value;
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
            principal: inbound.principal.clone(),
        };
        let session_log = || LogGate::Session(self.log_level.clone());
        // No header here: the HTTP transport settles the header's say before dispatching.
        if let Some(declared) = request_era(Some(params), None).declared_version() {
            let requested = declared?;
            if !req_meta.and_then(|m| m.get(meta::CLIENT_CAPABILITIES)).is_some_and(Value::is_object) {
                return Err(ErrorObject::invalid_params(format!(
                    "missing _meta[\"{}\"]: every 2026-07-28 request must declare its client capabilities (use {{}} for none)",
                    meta::CLIENT_CAPABILITIES
                )));
            }
            let version = stateless_version(requested)?;
            if methods::method(method).is_some_and(methods::MethodInfo::legacy_only) {
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
