//! `x-mcp-header` (2026-07-28): tool parameters mirrored into `Mcp-Param-{Name}` request headers so
//! that gateways can route on them without parsing the body. The server checks that each mirrored
//! header agrees with the argument in the body; a disagreement (or a missing header) is a 400 with
//! -32020, as for the other request-metadata headers.
//!
//! A header value of the form `=?base64?<standard base64, padded>?=` carries bytes that are not a
//! valid header token; anything else is compared literally. [`decode_value`] is the one decoder of
//! that form, also used for `Mcp-Name` and the other request-metadata headers (`headers.rs`).

use crate::jsonrpc::{codes, ErrorObject};
use crate::server::Catalog;
use base64::Engine;
use hyper::HeaderMap;
use serde_json::{Map, Value};

/// Checks the `Mcp-Param-*` headers of a stateless `tools/call` against its arguments.
pub fn check(headers: &HeaderMap, catalog: &Catalog, params: &Value) -> Result<(), ErrorObject> {
    let Some(tool) = params.get("name").and_then(Value::as_str).and_then(|n| catalog.tool(n)) else {
        return Ok(()); // unknown tools are the dispatcher's to report
    };
    let Some(properties) = tool.definition.pointer("/inputSchema/properties").and_then(Value::as_object) else {
        return Ok(());
    };
    let empty = Map::new();
    let arguments = params.get("arguments").and_then(Value::as_object).unwrap_or(&empty);
    for (name, schema) in properties {
        let Some(header_name) = schema.get("x-mcp-header").and_then(Value::as_str) else { continue };
        let key = format!("mcp-param-{}", header_name.to_ascii_lowercase());
        let sent = headers.get(&key).map(|v| v.to_str().map(str::trim));
        let expected = arguments.get(name).filter(|v| !v.is_null()).map(header_form);
        let mismatch = |why: String| {
            Err(ErrorObject::new(codes::HEADER_MISMATCH, format!("Header mismatch: Mcp-Param-{header_name} {why}")))
        };
        match (sent, expected) {
            (None, None) => {}
            (None, Some(_)) => return mismatch(format!("is missing but arguments.{name} is set")),
            (Some(Err(_)), _) => return mismatch("is not valid text".into()),
            (Some(Ok(_)), None) => return mismatch(format!("is set but arguments.{name} is not")),
            (Some(Ok(raw)), Some(want)) => match decode_value(raw) {
                Err(why) => return mismatch(why),
                Ok(got) if Some(&got) == want.as_ref() => {}
                Ok(_) => return mismatch(format!("does not match arguments.{name}")),
            },
        }
    }
    Ok(())
}

/// The header text of an argument: strings as they are, integers and booleans as JSON writes them.
fn header_form(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// The value a request-metadata header carries: the decoded UTF-8 of `=?base64?...?=`, else the
/// text itself. `Err` says why a wrapped value does not decode (bad base64, not UTF-8).
pub fn decode_value(raw: &str) -> Result<String, String> {
    let Some(encoded) = raw.strip_prefix("=?base64?").and_then(|r| r.strip_suffix("?=")) else {
        return Ok(raw.to_string());
    };
    let bytes =
        base64::engine::general_purpose::STANDARD.decode(encoded).map_err(|e| format!("has invalid base64 ({e})"))?;
    String::from_utf8(bytes).map_err(|_| "does not decode to UTF-8 text".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_only_the_wrapped_form() {
        assert_eq!(decode_value("=?base64?SGVsbG8=?=").unwrap(), "Hello");
        assert!(decode_value("=?base64?SGVsbG8?=").is_err()); // padding is required
        assert!(decode_value("=?base64?SGVs!!!bG8=?=").is_err());
        assert!(decode_value("=?base64?/w==?=").is_err()); // 0xFF is not UTF-8
        assert_eq!(decode_value("=?base64?5pel5pys?=").unwrap(), "日本");
        assert_eq!(decode_value("=?base64??=").unwrap(), "");
        assert_eq!(decode_value("SGVsbG8=").unwrap(), "SGVsbG8=");
        assert_eq!(decode_value("=?base64?SGVsbG8=").unwrap(), "=?base64?SGVsbG8=");
    }
}
