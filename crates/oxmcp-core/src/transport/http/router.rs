//! Where a request goes: the Host/Origin policy first (403), CORS preflights and headers, then
//! the authentication gate (401; `transport::gate`), then `/healthz`, the legacy SSE paths and
//! the MCP endpoint by HTTP method, each given the caller's principal.

use super::body::BoxBody;
use super::get::{delete, get};
use super::headers::header_list;
use super::legacy_sse;
use super::post::post;
use super::request_body::RequestBody;
use super::state::State;
use super::status::{error_response, json_response, method_not_allowed, plain_status};
use crate::jsonrpc::{codes, ErrorObject};
use crate::server::Principal;
use crate::transport::gate::{self, CHALLENGE};
use hyper::header::{HeaderMap, HeaderValue};
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

/// The caller of a request: to be asked of the gate, or already known (a host application that
/// ran the gate before reading the body: `MountedApp::authenticate`).
pub(super) enum Caller {
    Ask,
    Known(Option<Principal>),
}

/// Answers one request, with CORS headers when the policy asks for them.
pub(super) async fn handle<B: RequestBody>(
    state: &Arc<State>,
    req: Request<B>,
    scope: Scope,
    caller: Caller,
) -> Response<BoxBody> {
    let origin = if state.policy.cors { req.headers().get("origin").cloned() } else { None };
    let mut response = match policy_gate(state, &req) {
        Some(refused_or_preflight) => refused_or_preflight,
        None => {
            // Nothing past the headers is read, and no session is touched, before this.
            let caller = match caller {
                Caller::Known(principal) => Ok(principal),
                Caller::Ask => gate::authenticate(&state.server, || header_list(req.headers())).await,
            };
            let health = scope == Scope::Listener && req.uri().path() == "/healthz" && req.method() == Method::GET;
            match caller {
                _ if health => health_answer(state, caller.ok().flatten().is_some()),
                Err(refused) => unauthorized(refused),
                Ok(principal) if scope == Scope::Mounted => endpoint(state, req, principal).await,
                Ok(principal) => route(state, req, principal).await,
            }
        }
    };
    state.policy.cors_headers(origin.as_ref(), response.headers_mut());
    response
}

/// The gate alone, for a host that reads the body only once it passed: the caller, or the 401 to
/// send. A request the policy refuses and a CORS preflight (which carries no credentials) pass
/// here: `handle` answers them (403, preflight) without asking the gate.
pub(super) async fn admit(
    state: &State,
    method: &Method,
    headers: &HeaderMap,
) -> Result<Option<Principal>, Response<BoxBody>> {
    if state.policy.check(headers).is_err() || (method == Method::OPTIONS && state.policy.cors) {
        return Ok(None);
    }
    gate::authenticate(&state.server, || header_list(headers)).await.map_err(|refused| {
        let mut r = unauthorized(refused);
        let origin = if state.policy.cors { headers.get("origin") } else { None };
        state.policy.cors_headers(origin, r.headers_mut());
        r
    })
}

/// 401 for a caller the authentication gate refused: a JSON-RPC error body, the `Bearer`
/// challenge, and no `Mcp-Session-Id`.
pub(super) fn unauthorized(error: ErrorObject) -> Response<BoxBody> {
    let mut r = error_response(StatusCode::UNAUTHORIZED, error);
    r.headers_mut().insert("www-authenticate", HeaderValue::from_static(CHALLENGE));
    r
}

/// What every request meets first: 403 from the Host/Origin policy, or the answer to a CORS
/// preflight. `None`: go on.
fn policy_gate<B>(state: &State, req: &Request<B>) -> Option<Response<BoxBody>> {
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

async fn route<B: RequestBody>(state: &Arc<State>, req: Request<B>, principal: Option<Principal>) -> Response<BoxBody> {
    let path = req.uri().path();
    if state.options.sse_path.as_deref() == Some(path) && req.method() == Method::GET {
        return legacy_sse::open(state, &req, principal);
    }
    if state.options.sse_path.is_some() && path == state.options.sse_messages_path && req.method() == Method::POST {
        return legacy_sse::post(state, req, principal).await;
    }
    if path != state.options.path {
        let err = ErrorObject::new(codes::INVALID_REQUEST, format!("Not found: {path}"));
        return error_response(StatusCode::NOT_FOUND, err);
    }
    endpoint(state, req, principal).await
}

/// The MCP endpoint itself, by HTTP method.
async fn endpoint<B: RequestBody>(
    state: &Arc<State>,
    req: Request<B>,
    principal: Option<Principal>,
) -> Response<BoxBody> {
    match *req.method() {
        Method::POST => post(state, req, principal).await,
        Method::GET => get(state, req, principal.as_ref()),
        Method::DELETE => delete(state, req.headers(), principal.as_ref()),
        _ => method_not_allowed("GET, POST, DELETE"),
    }
}

/// `/healthz`: `{"status": "ok"}` to anyone; name, version, uptime and counts only to a caller
/// the authentication step named (with no step, or no credentials, everyone is a stranger).
fn health_answer(state: &State, known: bool) -> Response<BoxBody> {
    if !known {
        return json_response(StatusCode::OK, json!({ "status": "ok" }).to_string());
    }
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
