//! A response body that keeps a guard alive until hyper is done with it: how a connection knows
//! an answer is still being sent (keep-alive timing) and a session knows its client is attached.

use super::body::BoxBody;
use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use hyper::Response;
use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};

struct Held<G> {
    body: BoxBody,
    _guard: G,
}

impl<G: Send + Unpin + 'static> Body for Held<G> {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    // Delegated, so a whole body keeps its exact length (`Content-Length`).
    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

/// `response` with `guard` living as long as its body.
pub(super) fn hold<G: Send + Sync + Unpin + 'static>(response: Response<BoxBody>, guard: G) -> Response<BoxBody> {
    response.map(|body| BoxBody::new(Held { body, _guard: guard }))
}
