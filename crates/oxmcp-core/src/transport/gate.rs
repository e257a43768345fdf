//! The one authentication gate of the network transports: every HTTP request (Streamable HTTP
//! POST/GET/DELETE, `/healthz`, the legacy `/sse` stream and its message endpoint, the mounted
//! app) and every WebSocket upgrade passes [`authenticate`] on its headers before its body is read
//! or any session is looked up or made. With no authentication step (`Handler::authenticates`
//! false) everyone passes, anonymously.
//!
//! A refusal is answered 401 with `WWW-Authenticate: Bearer` and a JSON-RPC error body, never with
//! an `Mcp-Session-Id` (no session was touched). Transports build that answer their own way
//! (hyper response, tungstenite upgrade refusal) from the [`ErrorObject`] returned here.

use crate::jsonrpc::{codes, ErrorObject};
use crate::server::{AuthRequest, HandlerError, Headers, Principal, Reply, Server};
use serde_json::json;
use std::sync::Arc;
use tokio::sync::oneshot;

/// The `WWW-Authenticate` challenge sent with every refusal.
pub const CHALLENGE: &str = "Bearer";

/// Runs the server's authentication step on a request's headers (lower-cased names): the caller
/// (`None`: anonymous, also when there is no step), or the error a 401 carries.
pub async fn authenticate(
    server: &Server,
    headers: impl FnOnce() -> Headers,
) -> Result<Option<Principal>, ErrorObject> {
    let handler = server.handler();
    if !handler.authenticates() {
        return Ok(None);
    }
    let (tx, rx) = oneshot::channel();
    let reply = Reply::new(Arc::default(), move |r| {
        let _ = tx.send(r);
    });
    handler.authenticate(AuthRequest { headers: Arc::new(headers()) }, reply);
    let outcome = match rx.await {
        Ok(outcome) => outcome,
        Err(_) => return Err(refusal(HandlerError::Failed("authentication did not answer".into()))),
    };
    outcome.map_err(|e| {
        let error = refusal(e);
        tracing::debug!(target: "oxmcp.transport.auth", "refused a request: {}", error.message);
        error
    })
}

/// The JSON-RPC error of a refusal: the step's own error object, or -32600 with its message,
/// marked (`data.rejectedBy`) as the validator's, as a rejected request is.
fn refusal(e: HandlerError) -> ErrorObject {
    match e {
        HandlerError::Protocol(e) => e,
        HandlerError::Failed(m) => {
            let m = if m.is_empty() { "Unauthorized".to_string() } else { m };
            ErrorObject::new(codes::INVALID_REQUEST, m)
                .with_data(json!({ crate::server::session::REJECTED_BY: "validate_request" }))
        }
        HandlerError::InputRequired { .. } => ErrorObject::new(codes::INVALID_REQUEST, "Unauthorized"),
    }
}
