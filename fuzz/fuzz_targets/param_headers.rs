//! `Mcp-Param-*` / `Mcp-Name` header values (`transport/http/param_headers.rs`): never panics; a
//! value outside the `=?base64?...?=` form decodes to itself, and one inside it decodes to text
//! whose standard base64 is exactly what was sent.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oxmcp_core::transport::http::decode_value;

fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
        for i in 0..4 {
            out.push(if i <= chunk.len() { ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char } else { '=' });
        }
    }
    out
}

fuzz_target!(|data: &[u8]| {
    let Ok(raw) = std::str::from_utf8(data) else { return };
    // Also the wrapped form of arbitrary input, so the decoding path is reached often.
    for value in [raw.to_string(), format!("=?base64?{raw}?="), format!("=?base64?{}?=", base64(data))] {
        match (value.strip_prefix("=?base64?").and_then(|r| r.strip_suffix("?=")), decode_value(&value)) {
            (None, decoded) => assert_eq!(decoded.as_deref(), Ok(value.as_str())),
            (Some(encoded), Ok(text)) => assert_eq!(base64(text.as_bytes()), encoded),
            (Some(_), Err(why)) => assert!(!why.is_empty()),
        }
    }
    assert_eq!(decode_value(&format!("=?base64?{}?=", base64(data))).as_deref(), Ok(raw));
});
