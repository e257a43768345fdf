//! Where a request goes: the Host/Origin policy first (403), CORS preflights and headers, then
//! `/healthz`, the legacy SSE paths and the MCP endpoint by HTTP method.

use super::body::BoxBody;
use super::get::{delete, get};
use super::legacy_sse;
use super::post::post;
use super::request_body::RequestBody;
use super::state::State;
use super::status::{error_response, json_response, method_not_allowed, plain_status};
use crate::jsonrpc::{codes, ErrorObject};
use hyper::{Method, Request, Response, StatusCode};
use serde_json::json;
use std::sync::Arc;

/// Which requests a server answers.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Scope {
    /// A server of its own: every path (`/healthz`, the legacy SSE paths, the endpoint).
    Listener,
    /// Mounted in a host application, which routed the request here: the endpoint only.
    Mounted,
}

/// Answers one request, with CORS headers when the policy asks for them.
pub(super) async fn handle<B: RequestBody>(state: &Arc<State>, req: Request<B>, scope: Scope) -> Response<BoxBody> {
    let origin = if state.policy.cors { req.headers().get("origin").cloned() } else { None };
    let mut response = match gate(state, &req) {
        Some(refused_or_preflight) => refused_or_preflight,
        None if scope == Scope::Mounted => endpoint(state, req).await,
        None => route(state, req).await,
    };
    state.policy.cors_headers(origin.as_ref(), response.headers_mut());
    response
}

/// What every request meets first: 403 from the Host/Origin policy, or the answer to a CORS
/// preflight. `None`: go on.
fn gate<B>(state: &State, req: &Request<B>) -> Option<Response<BoxBody>> {
    if let Err(why) = state.policy.check(req.headers()) {
        tracing::warn!(target: "oxmcp.transport.http", "refused a request: {why}");
        let err = ErrorObject::new(codes::INVALID_REQUEST, format!("Forbidden: {why}"));
        return Some(error_response(StatusCode::FORBIDDEN, err));
    }
    if req.method() == Method::OPTIONS && state.policy.cors {
        let mut r = plain_status(StatusCode::NO_CONTENT);
        state.policy.preflight_headers(r.headers_mut());
        return Some(r);
    }
    None
}

async fn route<B: RequestBody>(state: &Arc<State>, req: Request<B>) -> Response<BoxBody> {
    let path = req.uri().path();
    if path == "/healthz" && req.method() == Method::GET {
        return health(state);
    }
    if state.options.sse_path.as_deref() == Some(path) && req.method() == Method::GET {
        return legacy_sse::open(state, &req);
    }
    if state.options.sse_path.is_some() && path == state.options.sse_messages_path && req.method() == Method::POST {
        return legacy_sse::post(state, req).await;
    }
    if path != state.options.path {
        let err = ErrorObject::new(codes::INVALID_REQUEST, format!("Not found: {path}"));
        return error_response(StatusCode::NOT_FOUND, err);
    }
    endpoint(state, req).await
}

/// The MCP endpoint itself, by HTTP method.
async fn endpoint<B: RequestBody>(state: &Arc<State>, req: Request<B>) -> Response<BoxBody> {
    match *req.method() {
        Method::POST => post(state, req).await,
        Method::GET => get(state, req),
        Method::DELETE => delete(state, req.headers()),
        _ => method_not_allowed("GET, POST, DELETE"),
    }
}

fn health(state: &State) -> Response<BoxBody> {
    let config = state.server.config();
    let body = json!({
        "status": "ok",
        "name": config.name,
        "version": config.version,
        "uptimeSeconds": state.started.elapsed().as_secs_f64(),
        "sessions": state.sessions.len(),
        "sseSessions": state.sse.len(),
    });
    json_response(StatusCode::OK, body.to_string())
}
