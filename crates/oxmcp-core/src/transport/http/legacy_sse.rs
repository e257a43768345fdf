//! The 2024-11-05 HTTP+SSE transport, for old clients: `GET /sse` opens a stream whose first
//! event (`endpoint`) names where to POST (`/messages?session_id=...`); POSTs answer 202 and the
//! JSON-RPC answers travel on the stream as `message` events. The session lives as long as the
//! stream: when the client goes away, its requests are cancelled and the session ends.

use super::body::{BoxBody, ChannelBody};
use super::headers::{header_list, require_event_stream, require_json};
use super::request_body::{read_message, RequestBody};
use super::sessions::{mint_id, SessionRefused, SseSession};
use super::state::State;
use super::status::{error_response, plain_status};
use super::stream::{keep_alive, sse_outbound, sse_response};
use crate::jsonrpc::{self, ErrorObject};
use crate::server::{Inbound, Principal};
use crate::transport::queue::queue;
use bytes::Bytes;
use hyper::{Request, Response, StatusCode};
use std::sync::Arc;

/// Ends the session when its stream's body is dropped (client disconnected or server stopping).
struct EndOnDrop {
    state: Arc<State>,
    id: String,
}

impl Drop for EndOnDrop {
    fn drop(&mut self) {
        self.state.sse.remove(&self.id);
    }
}

/// `GET /sse`: opens a session and its stream, for `principal` only.
pub(super) fn open<B>(state: &Arc<State>, req: &Request<B>, principal: Option<Principal>) -> Response<BoxBody> {
    if let Err(r) = require_event_stream(req.headers()) {
        return r;
    }
    // The same caps and answers as handshake-era sessions: 503 when full, 429 past one caller's
    // share, each with `Retry-After` and -32030.
    let refused = if state.sse.len() >= state.options.max_sessions {
        Some(SessionRefused::Full(state.options.max_sessions))
    } else if principal.as_ref().is_some_and(|p| state.sse.held_by(p) >= state.options.max_sessions_per_principal) {
        Some(SessionRefused::PrincipalCap(state.options.max_sessions_per_principal))
    } else {
        None
    };
    if let Some(why) = refused {
        return why.response(None, state.sessions.retry_after());
    }
    let id = mint_id();
    let (budget, write_timeout) = state.stream_limits();
    let (tx, rx) = queue(budget, write_timeout, "legacy SSE stream");
    // The session lives as long as its stream: a client that stopped reading ends it.
    let (ending, ended) = (state.clone(), id.clone());
    tx.on_stall(move || ending.sse.remove(&ended));
    let inbound = Inbound { principal, ..Inbound::new(Arc::new(sse_outbound(tx.clone()))) };
    let session = Arc::new(SseSession { session: state.server.session(), inbound });
    session.session.set_standalone(Some(session.inbound.out.clone()));
    state.sse.insert(id.clone(), session);
    let endpoint = format!("{}?session_id={id}", state.options.sse_messages_path);
    let event = Bytes::from(format!("event: endpoint\ndata: {endpoint}\n\n"));
    let _ = tx.send(event.clone(), event.len());
    keep_alive(&tx, state.options.keepalive);
    sse_response(ChannelBody::boxed(rx, EndOnDrop { state: state.clone(), id }))
}

/// `POST /messages?session_id=...`: one JSON-RPC message for an open session of `principal`;
/// answered on its stream. Someone else's session is not found (404).
pub(super) async fn post<B: RequestBody>(
    state: &Arc<State>,
    req: Request<B>,
    principal: Option<Principal>,
) -> Response<BoxBody> {
    let id = req
        .uri()
        .query()
        .and_then(|q| q.split('&').find_map(|kv| kv.strip_prefix("session_id=")))
        .unwrap_or_default()
        .to_string();
    let Some(sse) = state.sse.get_as(&id, principal.as_ref()) else {
        return error_response(StatusCode::NOT_FOUND, ErrorObject::invalid_request("Session not found"));
    };
    if let Err(r) = require_json(req.headers()) {
        return r;
    }
    let headers = Arc::new(header_list(req.headers()));
    let limit = state.server.config().max_message_bytes;
    let bytes = match read_message(req.into_body(), limit).await {
        Ok(b) => b,
        Err(r) => return r,
    };
    if let Err(e) = jsonrpc::parse(&bytes) {
        // Also answered on the stream, as the protocol says; the 400 tells the POSTer at once.
        sse.inbound.out.send(jsonrpc::encode_error(None, &e));
        return error_response(StatusCode::BAD_REQUEST, e);
    }
    let inbound = Inbound { out: sse.inbound.out.clone(), headers, principal };
    sse.session.handle_frame(&bytes, &inbound);
    plain_status(StatusCode::ACCEPTED)
}
