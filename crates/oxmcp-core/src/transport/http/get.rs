//! GET and DELETE on the MCP endpoint, both for handshake-era sessions only: GET opens the
//! session's standalone SSE stream (or, with `Last-Event-ID`, resumes a broken POST stream);
//! DELETE ends the session. Both only for the principal that opened the session: anyone else
//! gets the same 404 as for an unknown session.

use super::body::{BoxBody, ChannelBody};
use super::headers::{header, require_event_stream};
use super::state::State;
use super::status::{error_response, method_not_allowed, plain_status, with_session_id};
use super::stream::{keep_alive, parse_event_id, replay_body, sse_outbound, sse_response};
use crate::jsonrpc::ErrorObject;
use crate::server::Principal;
use crate::transport::queue::queue;
use bytes::Bytes;
use hyper::header::HeaderMap;
use hyper::{Request, Response, StatusCode};
use std::sync::Arc;

/// GET: the standalone SSE stream of a handshake-era session, or the rest of a broken one.
pub(super) fn get<B>(state: &State, req: Request<B>, principal: Option<&Principal>) -> Response<BoxBody> {
    let headers = req.headers();
    let Some(id) = header(headers, "mcp-session-id") else {
        // Stateless clients have no use for GET.
        return method_not_allowed("POST");
    };
    let Some(entry) = state.sessions.get_as(id, principal) else {
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
            // The client waits on the rest of a call: its session lives meanwhile.
            return with_session_id(entry.attach().hold(sse_response(body)), &entry.id);
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
    entry.session.set_standalone(Some(Arc::new(sse_outbound(tx.clone()))));
    keep_alive(&tx, state.options.keepalive);
    with_session_id(sse_response(ChannelBody::boxed(rx, ())), &entry.id)
}

/// DELETE: ends a handshake-era session, and with it every stream it has open: its calls are
/// cancelled and the session's end (`Session::ended`) closes its POST streams; the GET stream
/// closes once its senders are gone (this one, and the session's, which `cancel_all` drops).
/// Another principal's session is answered as unknown.
pub(super) fn delete(state: &State, headers: &HeaderMap, principal: Option<&Principal>) -> Response<BoxBody> {
    let Some(id) = header(headers, "mcp-session-id") else { return method_not_allowed("POST") };
    let Some(entry) = state.sessions.get_as(id, principal) else {
        return error_response(StatusCode::NOT_FOUND, ErrorObject::invalid_request("Session not found"));
    };
    if !state.sessions.remove(id) {
        return error_response(StatusCode::NOT_FOUND, ErrorObject::invalid_request("Session not found"));
    }
    entry.standalone.lock().unwrap_or_else(|e| e.into_inner()).take();
    plain_status(StatusCode::OK)
}
