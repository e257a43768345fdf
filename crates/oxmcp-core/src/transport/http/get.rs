//! GET and DELETE on the MCP endpoint, both for handshake-era sessions only: GET opens the
//! session's standalone SSE stream (or, with `Last-Event-ID`, resumes a broken POST stream);
//! DELETE ends the session.

use super::body::{BoxBody, ChannelBody};
use super::headers::{header, require_event_stream};
use super::state::State;
use super::status::{error_response, method_not_allowed, plain_status, with_session_id};
use super::stream::{keep_alive, parse_event_id, replay_body, sse_response, SseOutbound};
use crate::jsonrpc::ErrorObject;
use crate::transport::queue::queue;
use bytes::Bytes;
use hyper::header::HeaderMap;
use hyper::{Request, Response, StatusCode};
use std::sync::Arc;

/// GET: the standalone SSE stream of a handshake-era session, or the rest of a broken one.
pub(super) fn get<B>(state: &State, req: Request<B>) -> Response<BoxBody> {
    let headers = req.headers();
    let Some(id) = header(headers, "mcp-session-id") else {
        // Stateless clients have no use for GET.
        return method_not_allowed("POST");
    };
    let Some(entry) = state.sessions.get(id) else {
        return error_response(StatusCode::NOT_FOUND, ErrorObject::invalid_request("Session not found"));
    };
    if let Err(r) = require_event_stream(headers) {
        return r;
    }
    if let Some((stream, after)) = header(headers, "last-event-id").and_then(parse_event_id) {
        let key = format!("{}/{stream}", entry.id);
        if state.events.read_after(&key, after).is_some() {
            let (body, _) =
                replay_body(state.events.clone(), key, stream.to_string(), after, false, state.stream_limits());
            return with_session_id(sse_response(body), &entry.id);
        }
    }
    let (budget, write_timeout) = state.stream_limits();
    let (tx, rx) = queue::<Bytes>(budget, write_timeout, "GET SSE stream");
    {
        let mut slot = entry.standalone.lock().unwrap_or_else(|e| e.into_inner());
        if slot.as_ref().is_some_and(|s| s.is_open()) {
            return error_response(
                StatusCode::CONFLICT,
                ErrorObject::invalid_request("a GET stream is already open for this session"),
            );
        }
        *slot = Some(tx.clone());
    }
    entry.session.set_standalone(Some(Arc::new(SseOutbound(tx.clone()))));
    keep_alive(&tx, state.options.keepalive);
    with_session_id(sse_response(ChannelBody::boxed(rx, ())), &entry.id)
}

/// DELETE: ends a handshake-era session.
pub(super) fn delete(state: &State, headers: &HeaderMap) -> Response<BoxBody> {
    match header(headers, "mcp-session-id") {
        None => method_not_allowed("POST"),
        Some(id) if state.sessions.remove(id) => plain_status(StatusCode::OK),
        Some(_) => error_response(StatusCode::NOT_FOUND, ErrorObject::invalid_request("Session not found")),
    }
}
