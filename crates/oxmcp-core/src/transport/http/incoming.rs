//! What the transport needs to know about a POSTed JSON-RPC frame before dispatching it: its
//! single request (if it is one), that request's id, whether anything in it expects an answer.

use crate::jsonrpc::{Incoming, Message, RequestId};
use serde_json::Value;

/// The id of the single request in a frame, if any.
pub(super) fn request_id(incoming: &Incoming) -> Option<&RequestId> {
    match incoming {
        Incoming::Single(Message::Request { id, .. }) => Some(id),
        Incoming::Single(Message::Invalid { id, .. }) => id.as_ref(),
        _ => None,
    }
}

/// The single request in a frame (method and params), if it is one with params.
pub(super) fn single_request(incoming: &Incoming) -> Option<(&str, &Value)> {
    match incoming {
        Incoming::Single(Message::Request { method, params, .. }) => Some((method.as_str(), params.as_ref()?)),
        _ => None,
    }
}

pub(super) fn is_initialize(incoming: &Incoming) -> bool {
    matches!(incoming, Incoming::Single(Message::Request { method, .. }) if method == "initialize")
}

/// Does the frame get an answer? The rule `Session::handle_batch` applies over every transport:
/// a request or something invalid is answered; an empty batch (`[]`) is always answered -32600,
/// and so is any batch when `batches` is false (the session did not negotiate 2025-03-26, or is
/// stateless); only in a batch-accepting session does a batch of notifications and responses get
/// no answer (HTTP 202), as JSON-RPC says.
pub(super) fn expects_answer(incoming: &Incoming, batches: bool) -> bool {
    let answered = |m: &Message| matches!(m, Message::Request { .. } | Message::Invalid { .. });
    match incoming {
        Incoming::Single(m) => answered(m),
        Incoming::Batch(ms) => ms.is_empty() || !batches || ms.iter().any(answered),
    }
}
