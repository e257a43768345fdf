//! Reading a POSTed message, bounded: a body past the server's `max_message_bytes` is refused
//! without buffering the rest.

use super::body::BoxBody;
use super::status::error_response;
use crate::jsonrpc::ErrorObject;
use bytes::Bytes;
use http_body_util::BodyExt;
use hyper::{Response, StatusCode};

/// What request bodies may be: hyper's own, or a buffer handed over by an ASGI host.
pub trait RequestBody: http_body::Body<Data = Bytes, Error: std::fmt::Display> + Send + Unpin + 'static {}
impl<B: http_body::Body<Data = Bytes, Error: std::fmt::Display> + Send + Unpin + 'static> RequestBody for B {}

/// Reads a POSTed message: 413 past `limit` (without buffering the rest), 400 if reading fails.
#[allow(clippy::result_large_err)] // the rejecting answer is built only on the error path
pub(super) async fn read_message<B: RequestBody>(body: B, limit: usize) -> Result<Bytes, Response<BoxBody>> {
    match read_body(body, limit).await {
        Ok(b) => Ok(b),
        Err(BodyError::TooLarge) => {
            let err = ErrorObject::invalid_request(format!("message too large: the limit is {limit} bytes"));
            Err(error_response(StatusCode::PAYLOAD_TOO_LARGE, err))
        }
        Err(BodyError::Io(e)) => {
            let err = ErrorObject::invalid_request(format!("reading the body failed: {e}"));
            Err(error_response(StatusCode::BAD_REQUEST, err))
        }
    }
}

enum BodyError {
    TooLarge,
    Io(String),
}

/// Reads a request body, refusing (without buffering the rest) once it passes `limit`.
async fn read_body<B: RequestBody>(mut body: B, limit: usize) -> Result<Bytes, BodyError> {
    if body.size_hint().lower() > limit as u64 {
        return Err(BodyError::TooLarge);
    }
    let mut buf = Vec::new();
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| BodyError::Io(e.to_string()))?;
        if let Some(data) = frame.data_ref() {
            if buf.len() + data.len() > limit {
                return Err(BodyError::TooLarge);
            }
            buf.extend_from_slice(data);
        }
    }
    Ok(Bytes::from(buf))
}
