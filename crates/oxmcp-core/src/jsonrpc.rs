//! JSON-RPC 2.0: ids, error objects, parsing of incoming frames and encoding of outgoing ones.
//!
//! Parsing has a fast path (a typed struct straight from bytes) and a slow path that is only taken
//! when the fast one fails, to tell a parse error (-32700) from an invalid request (-32600) and to
//! recover the id whenever it can be read.

use serde::Deserialize;
use serde_json::{Map, Value};
use std::fmt;
use std::sync::Arc;

/// Standard and MCP error codes.
pub mod codes {
    pub const PARSE_ERROR: i64 = -32700;
    pub const INVALID_REQUEST: i64 = -32600;
    pub const METHOD_NOT_FOUND: i64 = -32601;
    pub const INVALID_PARAMS: i64 = -32602;
    pub const INTERNAL_ERROR: i64 = -32603;
    /// Resource not found, handshake-era revisions only (retired in 2026-07-28).
    pub const RESOURCE_NOT_FOUND_LEGACY: i64 = -32002;
    pub const HEADER_MISMATCH: i64 = -32020;
    pub const MISSING_REQUIRED_CLIENT_CAPABILITY: i64 = -32021;
    pub const UNSUPPORTED_PROTOCOL_VERSION: i64 = -32022;
    /// A bound of the server was reached (too many tasks, sessions): not a fault; retry later.
    pub const LIMIT_REACHED: i64 = -32030;
}

/// A request id: JSON-RPC allows strings and integers (MCP forbids null).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum RequestId {
    Num(i64),
    Str(Arc<str>),
}

impl RequestId {
    /// Reads an id from a JSON value; `None` for anything that is not a string or an integer.
    pub fn from_value(v: &Value) -> Option<Self> {
        match v {
            Value::String(s) => Some(RequestId::Str(Arc::from(s.as_str()))),
            Value::Number(n) => n.as_i64().map(RequestId::Num),
            _ => None,
        }
    }

    pub fn to_value(&self) -> Value {
        match self {
            RequestId::Num(n) => Value::from(*n),
            RequestId::Str(s) => Value::String(s.to_string()),
        }
    }

    fn write_json(&self, out: &mut Vec<u8>) {
        match self {
            RequestId::Num(n) => out.extend_from_slice(n.to_string().as_bytes()),
            RequestId::Str(s) => serde_json::to_writer(&mut *out, &**s).expect("string serialises"),
        }
    }
}

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RequestId::Num(n) => write!(f, "{n}"),
            RequestId::Str(s) => write!(f, "{s:?}"),
        }
    }
}

/// A JSON-RPC error object.
#[derive(Clone, Debug, PartialEq)]
pub struct ErrorObject {
    pub code: i64,
    pub message: String,
    pub data: Option<Value>,
}

impl ErrorObject {
    pub fn new(code: i64, message: impl Into<String>) -> Self {
        ErrorObject { code, message: message.into(), data: None }
    }
    pub fn with_data(mut self, data: Value) -> Self {
        self.data = Some(data);
        self
    }
    pub fn parse_error(detail: impl fmt::Display) -> Self {
        Self::new(codes::PARSE_ERROR, format!("Parse error: {detail}"))
    }
    pub fn invalid_request(detail: impl fmt::Display) -> Self {
        Self::new(codes::INVALID_REQUEST, format!("Invalid request: {detail}"))
    }
    pub fn method_not_found(method: &str) -> Self {
        Self::new(codes::METHOD_NOT_FOUND, format!("Method not found: {method}"))
            .with_data(serde_json::json!({ "method": method }))
    }
    pub fn invalid_params(detail: impl fmt::Display) -> Self {
        Self::new(codes::INVALID_PARAMS, format!("Invalid params: {detail}"))
    }
    pub fn internal(detail: impl fmt::Display) -> Self {
        Self::new(codes::INTERNAL_ERROR, format!("Internal error: {detail}"))
    }

    pub fn to_value(&self) -> Value {
        let mut m = Map::new();
        m.insert("code".into(), Value::from(self.code));
        m.insert("message".into(), Value::String(self.message.clone()));
        if let Some(d) = &self.data {
            m.insert("data".into(), d.clone());
        }
        Value::Object(m)
    }

    /// Reads an error object sent by the peer (lenient: a missing message becomes "").
    pub fn from_value(v: &Value) -> Option<Self> {
        let code = v.get("code")?.as_i64()?;
        let message = v.get("message").and_then(Value::as_str).unwrap_or_default().to_string();
        Some(ErrorObject { code, message, data: v.get("data").cloned() })
    }
}

impl fmt::Display for ErrorObject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{}] {}", self.code, self.message)
    }
}

/// One decoded JSON-RPC message.
#[derive(Debug, Clone)]
pub enum Message {
    Request {
        id: RequestId,
        method: String,
        params: Option<Value>,
    },
    Notification {
        method: String,
        params: Option<Value>,
    },
    Response {
        id: RequestId,
        outcome: Result<Value, ErrorObject>,
    },
    /// Well-formed JSON that is not a valid JSON-RPC message; `id` is set when it could be read.
    Invalid {
        id: Option<RequestId>,
        error: ErrorObject,
    },
}

/// What one frame on the wire held.
#[derive(Debug)]
pub enum Incoming {
    Single(Message),
    /// A JSON array: each element classified on its own. Whether batches are allowed is the
    /// protocol layer's call (only in a 2025-03-26 session).
    Batch(Vec<Message>),
}

#[derive(Deserialize)]
struct FastRequest {
    jsonrpc: String,
    // `present` keeps an explicit `"id": null` apart from a missing id (the first is invalid).
    #[serde(default, deserialize_with = "present")]
    id: Option<Value>,
    method: String,
    #[serde(default)]
    params: Option<Value>,
}

fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(d).map(Some)
}

/// Parses one frame. `Err` is a parse error (-32700): the bytes are not JSON at all.
pub fn parse(bytes: &[u8]) -> Result<Incoming, ErrorObject> {
    // Fast path: the common shape, a request or notification object, decoded without a map.
    if let Ok(req) = serde_json::from_slice::<FastRequest>(bytes) {
        if req.jsonrpc == "2.0" && req.params.as_ref().is_none_or(|p| p.is_object() || p.is_array()) {
            match req.id {
                None => return Ok(Incoming::Single(Message::Notification { method: req.method, params: req.params })),
                Some(ref idv) => {
                    if let Some(id) = RequestId::from_value(idv) {
                        return Ok(Incoming::Single(Message::Request { id, method: req.method, params: req.params }));
                    }
                }
            }
        }
    }
    let value: Value = serde_json::from_slice(bytes).map_err(ErrorObject::parse_error)?;
    Ok(match value {
        Value::Array(items) => Incoming::Batch(items.into_iter().map(classify).collect()),
        other => Incoming::Single(classify(other)),
    })
}

/// Classifies a JSON value as a JSON-RPC message (the precise, slower path).
pub fn classify(value: Value) -> Message {
    let Value::Object(mut obj) = value else {
        return Message::Invalid { id: None, error: ErrorObject::invalid_request("a message must be a JSON object") };
    };
    let raw_id = obj.remove("id");
    let id = raw_id.as_ref().and_then(RequestId::from_value);
    let invalid = |id: Option<RequestId>, why: &str| Message::Invalid { id, error: ErrorObject::invalid_request(why) };
    if obj.get("jsonrpc").and_then(Value::as_str) != Some("2.0") {
        return invalid(id, "\"jsonrpc\" must be \"2.0\"");
    }
    if raw_id.is_some() && id.is_none() {
        return invalid(None, "\"id\" must be a string or an integer");
    }
    if let Some(method) = obj.remove("method") {
        let Value::String(method) = method else {
            return invalid(id, "\"method\" must be a string");
        };
        let params = obj.remove("params");
        if params.as_ref().is_some_and(|p| !p.is_object() && !p.is_array()) {
            return invalid(id, "\"params\" must be an object or an array");
        }
        return match id {
            Some(id) => Message::Request { id, method, params },
            None => Message::Notification { method, params },
        };
    }
    let Some(id) = id else {
        return invalid(None, "a message needs \"method\" (request or notification) or \"id\" (response)");
    };
    if let Some(result) = obj.remove("result") {
        return Message::Response { id, outcome: Ok(result) };
    }
    if let Some(err) = obj.get("error").and_then(ErrorObject::from_value) {
        return Message::Response { id, outcome: Err(err) };
    }
    invalid(Some(id), "a response needs \"result\" or \"error\"")
}

/// Best effort: reads the id from the start of a message too large to parse whole, so the client's
/// request fails instead of hanging. Only a top-level `"id"` key seen before any nested object counts.
pub fn sniff_id(prefix: &[u8]) -> Option<RequestId> {
    let text = std::str::from_utf8(prefix).ok().or_else(|| {
        // cut at the last valid boundary
        let valid = std::str::from_utf8(prefix).err()?.valid_up_to();
        std::str::from_utf8(&prefix[..valid]).ok()
    })?;
    let body = text.trim_start().strip_prefix('{')?;
    let pos = body.find("\"id\"")?;
    if body[..pos].contains(['{', '[']) {
        return None;
    }
    let rest = body[pos + 4..].trim_start().strip_prefix(':')?.trim_start();
    if let Some(s) = rest.strip_prefix('"') {
        let end = s.find('"')?;
        let raw = &s[..end];
        if raw.contains('\\') {
            return None;
        }
        return Some(RequestId::Str(Arc::from(raw)));
    }
    let end = rest.find(|c: char| !(c.is_ascii_digit() || c == '-')).unwrap_or(rest.len());
    rest[..end].parse().ok().map(RequestId::Num)
}

/// Encodes a success response.
pub fn encode_result(id: &RequestId, result: &Value) -> Vec<u8> {
    let mut out = Vec::with_capacity(64);
    out.extend_from_slice(br#"{"jsonrpc":"2.0","id":"#);
    id.write_json(&mut out);
    out.extend_from_slice(br#","result":"#);
    serde_json::to_writer(&mut out, result).expect("a Value serialises");
    out.push(b'}');
    out
}

/// Encodes an error response; `id` is `null` when the request's id could not be read.
pub fn encode_error(id: Option<&RequestId>, error: &ErrorObject) -> Vec<u8> {
    let mut out = Vec::with_capacity(96);
    out.extend_from_slice(br#"{"jsonrpc":"2.0","id":"#);
    match id {
        Some(id) => id.write_json(&mut out),
        None => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(br#","error":"#);
    serde_json::to_writer(&mut out, &error.to_value()).expect("a Value serialises");
    out.push(b'}');
    out
}

/// Encodes a notification.
pub fn encode_notification(method: &str, params: Option<&Value>) -> Vec<u8> {
    let mut msg = Map::new();
    msg.insert("jsonrpc".into(), Value::from("2.0"));
    msg.insert("method".into(), Value::from(method));
    if let Some(p) = params {
        msg.insert("params".into(), p.clone());
    }
    serde_json::to_vec(&Value::Object(msg)).expect("a Value serialises")
}

/// Encodes a request (used by clients, e.g. the in-memory client).
pub fn encode_request(id: &RequestId, method: &str, params: Option<&Value>) -> Vec<u8> {
    let mut msg = Map::new();
    msg.insert("jsonrpc".into(), Value::from("2.0"));
    msg.insert("id".into(), id.to_value());
    msg.insert("method".into(), Value::from(method));
    if let Some(p) = params {
        msg.insert("params".into(), p.clone());
    }
    serde_json::to_vec(&Value::Object(msg)).expect("a Value serialises")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn single(bytes: &[u8]) -> Message {
        match parse(bytes).expect("json") {
            Incoming::Single(m) => m,
            Incoming::Batch(_) => panic!("batch"),
        }
    }

    #[test]
    fn request_with_int_and_string_ids() {
        assert!(matches!(
            single(br#"{"jsonrpc":"2.0","id":7,"method":"ping"}"#),
            Message::Request { id: RequestId::Num(7), .. }
        ));
        match single(br#"{"jsonrpc":"2.0","id":"a-1","method":"x","params":{"k":1}}"#) {
            Message::Request { id: RequestId::Str(s), params: Some(p), .. } => {
                assert_eq!(&*s, "a-1");
                assert_eq!(p["k"], 1);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn notification_has_no_id() {
        assert!(matches!(
            single(br#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#),
            Message::Notification { .. }
        ));
    }

    #[test]
    fn malformed_json_is_a_parse_error() {
        let err = parse(b"{\"jsonrpc\": \"2.0\", ").unwrap_err();
        assert_eq!(err.code, codes::PARSE_ERROR);
    }

    #[test]
    fn wrong_shapes_are_invalid_requests_keeping_the_id() {
        match single(br#"{"jsonrpc":"1.0","id":3,"method":"x"}"#) {
            Message::Invalid { id: Some(RequestId::Num(3)), error } => assert_eq!(error.code, codes::INVALID_REQUEST),
            other => panic!("{other:?}"),
        }
        match single(br#"{"jsonrpc":"2.0","id":4,"method":5}"#) {
            Message::Invalid { id: Some(RequestId::Num(4)), .. } => {}
            other => panic!("{other:?}"),
        }
        match single(br#"{"jsonrpc":"2.0","id":null,"method":"x"}"#) {
            Message::Invalid { id: None, .. } => {}
            other => panic!("{other:?}"),
        }
        match single(b"42") {
            Message::Invalid { id: None, .. } => {}
            other => panic!("{other:?}"),
        }
        match single(br#"{"jsonrpc":"2.0","id":1,"method":"x","params":3}"#) {
            Message::Invalid { id: Some(RequestId::Num(1)), .. } => {}
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn responses_are_recognised() {
        assert!(matches!(single(br#"{"jsonrpc":"2.0","id":1,"result":{}}"#), Message::Response { outcome: Ok(_), .. }));
        match single(br#"{"jsonrpc":"2.0","id":"z","error":{"code":-1,"message":"no"}}"#) {
            Message::Response { outcome: Err(e), .. } => assert_eq!(e.code, -1),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn batches_are_split() {
        match parse(br#"[{"jsonrpc":"2.0","id":1,"method":"a"},{"jsonrpc":"2.0","method":"b"},7]"#).unwrap() {
            Incoming::Batch(items) => {
                assert_eq!(items.len(), 3);
                assert!(matches!(items[2], Message::Invalid { .. }));
            }
            Incoming::Single(_) => panic!("single"),
        }
    }

    #[test]
    fn encoding_round_trips() {
        let id = RequestId::Str(Arc::from("q\"1"));
        let bytes = encode_result(&id, &serde_json::json!({"ok": true}));
        let v: Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(v["id"], "q\"1");
        assert_eq!(v["result"]["ok"], true);
        let bytes = encode_error(None, &ErrorObject::parse_error("x"));
        let v: Value = serde_json::from_slice(&bytes).unwrap();
        assert!(v["id"].is_null());
        assert_eq!(v["error"]["code"], -32700);
    }

    #[test]
    fn sniffs_ids_from_prefixes() {
        assert_eq!(sniff_id(br#"{"jsonrpc":"2.0","id":12,"method":"tools/call","params":{"#), Some(RequestId::Num(12)));
        assert_eq!(sniff_id(br#"{"id":"abc","#), Some(RequestId::Str(Arc::from("abc"))));
        assert_eq!(sniff_id(br#"{"params":{"id":3}"#), None);
        assert_eq!(sniff_id(b"garbage"), None);
    }
}
