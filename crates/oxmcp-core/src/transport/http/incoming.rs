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

/// Does anything in the frame get an answer (a request, or something invalid)?
pub(super) fn expects_answer(incoming: &Incoming) -> bool {
    match incoming {
        Incoming::Single(m) => matches!(m, Message::Request { .. } | Message::Invalid { .. }),
        Incoming::Batch(ms) => ms.iter().any(|m| matches!(m, Message::Request { .. } | Message::Invalid { .. })),
    }
}
