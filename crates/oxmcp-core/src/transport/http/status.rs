//! HTTP answers and their status codes: JSON and JSON-RPC error bodies, bare statuses, and which
//! status a JSON-RPC response travels with (the eras differ: spec digest §4.2).

use super::body::{self, BoxBody};
use crate::jsonrpc::{self, codes, ErrorObject, RequestId};
use bytes::Bytes;
use hyper::header::HeaderValue;
use hyper::{Response, StatusCode};
use serde_json::Value;

pub(super) fn json_response(status: StatusCode, body: impl Into<Bytes>) -> Response<BoxBody> {
    let mut r = Response::new(body::full(body));
    *r.status_mut() = status;
    r.headers_mut().insert("content-type", HeaderValue::from_static("application/json"));
    r
}

/// An HTTP error with a JSON-RPC error body (`id: null`: no request id could be read).
pub(super) fn error_response(status: StatusCode, error: ErrorObject) -> Response<BoxBody> {
    error_response_for(status, None, error)
}

/// An HTTP error answering a request whose id is known.
pub(super) fn error_response_for(status: StatusCode, id: Option<&RequestId>, error: ErrorObject) -> Response<BoxBody> {
    json_response(status, jsonrpc::encode_error(id, &error))
}

pub(super) fn plain_status(status: StatusCode) -> Response<BoxBody> {
    let mut r = Response::new(body::empty());
    *r.status_mut() = status;
    r
}

/// 405 naming the methods that are allowed (`Allow`).
pub(super) fn method_not_allowed(allow: &'static str) -> Response<BoxBody> {
    let mut r = plain_status(StatusCode::METHOD_NOT_ALLOWED);
    r.headers_mut().insert("allow", HeaderValue::from_static(allow));
    r
}

/// Adds the `Mcp-Session-Id` header of a handshake-era session to an answer.
pub(super) fn with_session_id(mut r: Response<BoxBody>, id: &str) -> Response<BoxBody> {
    if let Ok(v) = HeaderValue::from_str(id) {
        r.headers_mut().insert("mcp-session-id", v);
    }
    r
}

/// The HTTP status for an error answered to a stateless request (spec digest §4.2).
fn modern_status(code: i64) -> StatusCode {
    match code {
        codes::PARSE_ERROR
        | codes::INVALID_REQUEST
        | codes::INVALID_PARAMS
        | codes::HEADER_MISMATCH
        | codes::MISSING_REQUIRED_CLIENT_CAPABILITY
        | codes::UNSUPPORTED_PROTOCOL_VERSION => StatusCode::BAD_REQUEST,
        codes::METHOD_NOT_FOUND => StatusCode::NOT_FOUND,
        _ => StatusCode::OK,
    }
}

/// What a single JSON-RPC response frame says about its HTTP status, and whether the answer
/// needs a `WWW-Authenticate: Bearer` challenge (a `validate_request` hook refused the request).
pub(super) fn response_status(frame: &[u8], modern: bool) -> (StatusCode, bool) {
    // Our encoder writes `"result"` or `"error"` right after the id: a result (the common, and
    // possibly huge, case) is recognised without parsing it.
    let result_at = memchr::memmem::find(frame, b",\"result\":");
    let error_at = memchr::memmem::find(frame, b",\"error\":{");
    match (error_at, result_at) {
        (Some(e), Some(r)) if e < r => {}
        (Some(_), None) => {}
        _ => return (StatusCode::OK, false),
    }
    let Ok(v) = serde_json::from_slice::<Value>(frame) else { return (StatusCode::OK, false) };
    let Some(err) = v.get("error") else { return (StatusCode::OK, false) };
    let rejected = err.get("data").and_then(|d| d.get(crate::server::session::REJECTED_BY)).is_some();
    if rejected {
        return (StatusCode::UNAUTHORIZED, true);
    }
    let code = err.get("code").and_then(Value::as_i64).unwrap_or(0);
    if modern {
        (modern_status(code), false)
    } else if code == codes::PARSE_ERROR || code == codes::INVALID_REQUEST {
        (StatusCode::BAD_REQUEST, false)
    } else {
        (StatusCode::OK, false)
    }
}
