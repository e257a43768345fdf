//! JSON-RPC parsing (`jsonrpc.rs`): any bytes. Never panics; valid JSON is never a parse error;
//! what parses as a request or notification re-encodes and parses back to the same message; every
//! error answer encodes as valid JSON; `sniff_id` (for oversized lines) never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oxmcp_core::jsonrpc::{self, Incoming, Message};
use serde_json::Value;

fn check(message: &Message) {
    match message {
        Message::Request { id, method, params } => {
            let again = jsonrpc::encode_request(id, method, params.as_ref());
            match jsonrpc::parse(&again) {
                Ok(Incoming::Single(Message::Request { id: i, method: m, params: p })) => {
                    assert_eq!((&i, &m), (id, method));
                    assert_eq!(p.as_ref(), params.as_ref());
                }
                other => panic!("a request does not round-trip: {other:?}"),
            }
            let result = jsonrpc::encode_result(id, &Value::Null);
            serde_json::from_slice::<Value>(&result).expect("a result encodes as JSON");
        }
        Message::Notification { method, params } => {
            let again = jsonrpc::encode_notification(method, params.as_ref());
            match jsonrpc::parse(&again) {
                Ok(Incoming::Single(Message::Notification { method: m, params: p })) => {
                    assert_eq!(&m, method);
                    assert_eq!(p.as_ref(), params.as_ref());
                }
                other => panic!("a notification does not round-trip: {other:?}"),
            }
        }
        Message::Invalid { id, error } => {
            assert_eq!(error.code, jsonrpc::codes::INVALID_REQUEST);
            let answer = jsonrpc::encode_error(id.as_ref(), error);
            serde_json::from_slice::<Value>(&answer).expect("an error answer encodes as JSON");
        }
        Message::Response { id, .. } => {
            assert_eq!(jsonrpc::RequestId::from_value(&id.to_value()).as_ref(), Some(id));
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let _ = jsonrpc::sniff_id(data);
    let is_json = serde_json::from_slice::<Value>(data).is_ok();
    match jsonrpc::parse(data) {
        Err(e) => {
            assert!(!is_json, "valid JSON refused as a parse error");
            assert_eq!(e.code, jsonrpc::codes::PARSE_ERROR);
            serde_json::from_slice::<Value>(&jsonrpc::encode_error(None, &e)).expect("encodes as JSON");
        }
        // Not asserted the other way: the typed fast path skips unknown members as serde does
        // (`1e999`, a lone surrogate escape), which a `Value` would refuse; harmless leniency.
        Ok(incoming) => match incoming {
            Incoming::Single(m) => check(&m),
            Incoming::Batch(items) => items.iter().for_each(check),
        },
    }
});
