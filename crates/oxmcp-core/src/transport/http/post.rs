//! POST on the MCP endpoint: the body is read and parsed, the era decided, and the frame handed
//! to the right session: a throwaway one for a stateless (2026-07-28) request, the session named
//! by `Mcp-Session-Id`, or a new one for `initialize`.

use super::body::BoxBody;
use super::exchange::exchange;
use super::headers::{accepts, check_metadata_headers, header, require_json};
use super::incoming::{expects_answer, is_initialize, request_id, single_request};
use super::param_headers;
use super::request_body::{read_message, RequestBody};
use super::state::State;
use super::status::{error_response, error_response_for, plain_status};
use crate::jsonrpc::{self, ErrorObject, Incoming};
use crate::protocol::{request_era, ProtocolVersion};
use crate::server::Principal;
use hyper::header::HeaderMap;
use hyper::{Request, Response, StatusCode};
use std::sync::Arc;

/// A POST from `principal` (the authentication gate's answer; `None`: anonymous).
pub(super) async fn post<B: RequestBody>(
    state: &Arc<State>,
    req: Request<B>,
    principal: Option<Principal>,
) -> Response<BoxBody> {
    let (parts, body) = req.into_parts();
    let headers = parts.headers;
    if let Err(r) = require_json(&headers) {
        return r;
    }
    if !accepts(&headers, "application/json") && !accepts(&headers, "text/event-stream") {
        let err = ErrorObject::invalid_request("Accept must allow application/json and text/event-stream");
        return error_response(StatusCode::NOT_ACCEPTABLE, err);
    }
    let body = match read_message(body, state.server.config().max_message_bytes).await {
        Ok(b) => b,
        Err(r) => return r,
    };
    let incoming = match jsonrpc::parse(&body) {
        Ok(i) => i,
        Err(e) => return error_response(StatusCode::BAD_REQUEST, e),
    };
    // The era is decided where the dispatcher decides it (`protocol::era`): `_meta` names a
    // version, or the MCP-Protocol-Version header names a stateless revision. Any session header
    // is then ignored (spec digest §4.2).
    let params = single_request(&incoming).map(|(_, params)| params);
    match request_era(params, header(&headers, "mcp-protocol-version")).declared_version() {
        Some(declared) => {
            let declared = declared.map(str::to_string);
            stateless(state, incoming, &headers, declared, principal).await
        }
        None => handshake(state, incoming, &headers, principal).await,
    }
}

/// A 2026-07-28 request: checked against its headers, then served by a session of its own.
async fn stateless(
    state: &State,
    incoming: Incoming,
    headers: &HeaderMap,
    declared: Result<String, ErrorObject>,
    principal: Option<Principal>,
) -> Response<BoxBody> {
    let id = request_id(&incoming);
    // No batches in this revision: one -32600 for any array, `[]` and notifications-only included,
    // as a stateless session answers it over stdio.
    if let Incoming::Batch(items) = &incoming {
        let why = if items.is_empty() { "empty batch" } else { "JSON-RPC batches are not part of revision 2026-07-28" };
        return error_response(StatusCode::BAD_REQUEST, ErrorObject::invalid_request(why));
    }
    if !expects_answer(&incoming, false) {
        return plain_status(StatusCode::ACCEPTED);
    }
    let version = match declared {
        Ok(v) => v,
        Err(err) => return error_response_for(StatusCode::BAD_REQUEST, id, err),
    };
    // Headers are checked against the body before the version's support (-32020 first).
    if let Err(e) = check_metadata_headers(headers, &incoming, &version) {
        return error_response_for(StatusCode::BAD_REQUEST, id, e);
    }
    if let Some(("tools/call", params)) = single_request(&incoming) {
        if let Err(e) = param_headers::check(headers, &state.server.catalog(), params) {
            return error_response_for(StatusCode::BAD_REQUEST, id, e);
        }
    }
    let session = state.server.session();
    exchange(state, &session, incoming, headers, principal, None).await
}

/// A handshake-era frame: for the session its `Mcp-Session-Id` names, or `initialize` opening
/// one. A session belongs to the principal that opened it: anyone else is told it does not exist.
async fn handshake(
    state: &State,
    incoming: Incoming,
    headers: &HeaderMap,
    principal: Option<Principal>,
) -> Response<BoxBody> {
    if let Some(id) = header(headers, "mcp-session-id") {
        let Some(entry) = state.sessions.get_as(id, principal.as_ref()) else {
            let err = ErrorObject::invalid_request("Session not found: it ended or never existed; initialize again");
            return error_response(StatusCode::NOT_FOUND, err);
        };
        if let Some(v) = header(headers, "mcp-protocol-version") {
            if ProtocolVersion::parse(v).is_none_or(|p| p.is_modern()) {
                let err = ErrorObject::invalid_request(format!("unsupported MCP-Protocol-Version {v:?}"));
                return error_response(StatusCode::BAD_REQUEST, err);
            }
        }
        let attached = entry.attach(); // the client waits on this answer: its session lives
        let response = exchange(state, &entry.session, incoming, headers, principal, Some(&entry.id)).await;
        return attached.hold(response);
    }
    if is_initialize(&incoming) {
        let entry = match state.sessions.create(&state.server, principal.clone()) {
            Ok(entry) => entry,
            Err(why) => return why.response(request_id(&incoming), state.sessions.retry_after()),
        };
        let attached = entry.attach();
        let mut response = exchange(state, &entry.session, incoming, headers, principal, Some(&entry.id)).await;
        if response.status() != StatusCode::OK || entry.session.negotiated_version().is_none() {
            state.sessions.remove(&entry.id); // rejected: don't keep a session nobody can use
            response.headers_mut().remove("mcp-session-id"); // ...nor name it
        }
        return attached.hold(response);
    }
    let err = ErrorObject::invalid_request(
        "missing Mcp-Session-Id header: send initialize first, or use protocol revision 2026-07-28 \
         (_meta.io.modelcontextprotocol/protocolVersion on every request)",
    );
    error_response_for(StatusCode::BAD_REQUEST, request_id(&incoming), err)
}
