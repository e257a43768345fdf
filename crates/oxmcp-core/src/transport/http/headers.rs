//! Request headers: reading them, the `Accept` and `Content-Type` checks, and the 2026-07-28
//! request-metadata headers (`MCP-Protocol-Version`, `Mcp-Method`, `Mcp-Name`) that must agree
//! with the body.

use super::body::BoxBody;
use super::incoming::single_request;
use super::param_headers::decode_value;
use super::status::error_response;
use crate::jsonrpc::{codes, ErrorObject, Incoming};
use crate::protocol::mcp_name_key;
use crate::server::Headers;
use hyper::header::HeaderMap;
use hyper::{Response, StatusCode};
use serde_json::Value;

/// A header's value without surrounding whitespace (RFC 9110 OWS).
pub(super) fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim)
}

/// Does `Accept` allow this media type (absent header, `*/*` and `type/*` count)?
pub(super) fn accepts(headers: &HeaderMap, media: &str) -> bool {
    let Some(accept) = header(headers, "accept") else { return true };
    let major = media.split('/').next().unwrap_or("");
    accept
        .split(',')
        .map(|p| p.split(';').next().unwrap_or("").trim())
        .any(|m| m == media || m == "*/*" || m.strip_suffix("/*").is_some_and(|maj| maj == major))
}

/// Lower-cased request headers, for `validate_request` and `Context.headers` (the WebSocket
/// transport hands on its upgrade request's headers the same way).
pub(crate) fn header_list(headers: &HeaderMap) -> Headers {
    headers.iter().filter_map(|(k, v)| v.to_str().ok().map(|v| (k.as_str().to_string(), v.to_string()))).collect()
}

// These return the HTTP answer that rejects a request; it is built only on the error path, so its
// size in the `Result` costs nothing on the common one.
/// 415 unless the body is declared JSON.
#[allow(clippy::result_large_err)]
pub(super) fn require_json(headers: &HeaderMap) -> Result<(), Response<BoxBody>> {
    let content_type = header(headers, "content-type").unwrap_or("");
    if content_type.split(';').next().unwrap_or("").trim().eq_ignore_ascii_case("application/json") {
        return Ok(());
    }
    let err = ErrorObject::invalid_request("Content-Type must be application/json");
    Err(error_response(StatusCode::UNSUPPORTED_MEDIA_TYPE, err))
}

/// 406 unless `Accept` allows an SSE stream (the GET streams).
#[allow(clippy::result_large_err)]
pub(super) fn require_event_stream(headers: &HeaderMap) -> Result<(), Response<BoxBody>> {
    if accepts(headers, "text/event-stream") {
        return Ok(());
    }
    let err = ErrorObject::invalid_request("Accept must allow text/event-stream");
    Err(error_response(StatusCode::NOT_ACCEPTABLE, err))
}

/// 2026-07-28 request-metadata headers must match the body: `MCP-Protocol-Version`, `Mcp-Method`,
/// and `Mcp-Name` for the methods that name something (the method table's `mcp_name_key`).
pub(super) fn check_metadata_headers(
    headers: &HeaderMap,
    incoming: &Incoming,
    version: &str,
) -> Result<(), ErrorObject> {
    let (method, params) = single_request(incoming).expect("a stateless request");
    must_match(headers, "MCP-Protocol-Version", version, "_meta says")?;
    must_match(headers, "Mcp-Method", method, "the body's method is")?;
    if let Some(key) = mcp_name_key(method) {
        let expected = params.get(key).and_then(Value::as_str).unwrap_or_default();
        must_match(headers, "Mcp-Name", expected, &format!("params.{key} is"))?;
    }
    Ok(())
}

/// -32020 unless header `name` is present and its value, decoded from `=?base64?...?=` when it
/// has that form (how a client sends non-ASCII text such as a resource URI), equals `expected`
/// (which `source` names).
fn must_match(headers: &HeaderMap, name: &str, expected: &str, source: &str) -> Result<(), ErrorObject> {
    let mismatch = |what: String| ErrorObject::new(codes::HEADER_MISMATCH, format!("Header mismatch: {what}"));
    let Some(h) = header(headers, &name.to_ascii_lowercase()) else {
        return Err(mismatch(format!("the {name} header is missing")));
    };
    match decode_value(h) {
        Ok(value) if value == expected => Ok(()),
        Ok(_) => Err(mismatch(format!("{name} is {h:?} but {source} {expected:?}"))),
        Err(why) => Err(mismatch(format!("{name} {why}"))),
    }
}
