//! Response bodies: a whole buffer, or a stream fed by a bounded queue (SSE; see
//! `transport::queue`: the body is the queue's reader, so a client that stops reading stops
//! taking from it and its producers wait).

use crate::transport::queue::QueueReceiver;
use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use http_body_util::Full;
use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};

pub type BoxBody = http_body_util::combinators::BoxBody<Bytes, Infallible>;

pub fn full(bytes: impl Into<Bytes>) -> BoxBody {
    BoxBody::new(Full::new(bytes.into()))
}

pub fn empty() -> BoxBody {
    full(Bytes::new())
}

/// A body that yields what arrives on a queue, and ends when the queue does. `guard` lives as long
/// as the body: dropping it (the client went away) is how streams learn of disconnects.
pub struct ChannelBody<G: Send + 'static> {
    rx: QueueReceiver<Bytes>,
    _guard: G,
}

impl<G: Send + Sync + Unpin + 'static> ChannelBody<G> {
    pub fn boxed(rx: QueueReceiver<Bytes>, guard: G) -> BoxBody {
        BoxBody::new(ChannelBody { rx, _guard: guard })
    }
}

impl<G: Send + Unpin + 'static> Body for ChannelBody<G> {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        self.rx.poll_recv(cx).map(|next| next.map(|b| Ok(Frame::data(b))))
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::default()
    }
}

/// One SSE event carrying a JSON-RPC message.
pub fn sse_event(id: Option<&str>, json: &[u8]) -> Bytes {
    let mut out = Vec::with_capacity(json.len() + 40);
    if let Some(id) = id {
        out.extend_from_slice(b"id: ");
        out.extend_from_slice(id.as_bytes());
        out.push(b'\n');
    }
    out.extend_from_slice(b"event: message\ndata: ");
    out.extend_from_slice(json);
    out.extend_from_slice(b"\n\n");
    Bytes::from(out)
}
