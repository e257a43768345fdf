//! SSE streams: the response that carries one, a session's stream as its [`Outbound`], the
//! keep-alive comments on long ones, and replay of a recorded stream for a client that resumes
//! with `Last-Event-ID`.

use super::body::{self, BoxBody, ChannelBody};
use super::events::EventStore;
use crate::server::Outbound;
use bytes::Bytes;
use hyper::header::HeaderValue;
use hyper::Response;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

pub(super) fn sse_response(body: BoxBody) -> Response<BoxBody> {
    let mut r = Response::new(body);
    let h = r.headers_mut();
    h.insert("content-type", HeaderValue::from_static("text/event-stream"));
    h.insert("cache-control", HeaderValue::from_static("no-cache"));
    h.insert("x-accel-buffering", HeaderValue::from_static("no"));
    r
}

/// A stream that belongs to a session rather than to one request (the standalone GET stream, the
/// legacy SSE stream): every frame is a `message` event.
pub(super) struct SseOutbound(pub(super) mpsc::UnboundedSender<Bytes>);

impl Outbound for SseOutbound {
    fn send(&self, frame: Vec<u8>) {
        let _ = self.0.send(body::sse_event(None, &frame));
    }
    fn is_open(&self) -> bool {
        !self.0.is_closed()
    }
}

/// Sends an SSE comment every `every` until the stream's body is gone, so that proxies and
/// clients do not time out an open stream that has nothing to say. It holds the stream weakly:
/// once its owner (the session) lets go, the stream ends instead of living on keep-alives.
pub(super) fn keep_alive(tx: mpsc::UnboundedSender<Bytes>, every: Duration) {
    let tx = tx.downgrade();
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(every).await;
            let Some(tx) = tx.upgrade() else { return };
            if tx.send(Bytes::from_static(b": keep-alive\n\n")).is_err() {
                return;
            }
        }
    });
}

/// `p7-3` -> ("p7", 3).
pub(super) fn parse_event_id(id: &str) -> Option<(&str, u64)> {
    let (stream, n) = id.rsplit_once('-')?;
    Some((stream, n.parse().ok()?))
}

/// A body that sends the events of `key` numbered after `after` (as `stream-N` ids), then
/// follows the stream live until it completes. With `priming`, an event with an id and no data
/// (and a retry interval) comes first, so the client has something to resume from.
pub(super) fn replay_body(
    store: Arc<dyn EventStore>,
    key: String,
    stream: String,
    after: u64,
    priming: bool,
) -> BoxBody {
    let (tx, rx) = mpsc::unbounded_channel();
    if priming {
        let _ = tx.send(Bytes::from(format!("id: {stream}-{after}\nretry: 1000\ndata: \n\n")));
    }
    tokio::spawn(async move {
        let mut seen = after;
        loop {
            let wait = store.wait_after(&key, seen);
            let Some((events, done)) = store.read_after(&key, seen) else { return };
            for (n, message) in events {
                if tx.send(body::sse_event(Some(&format!("{stream}-{n}")), &message)).is_err() {
                    return; // the client went away again; the events stay in the store
                }
                seen = n;
            }
            if done {
                return;
            }
            wait.await;
        }
    });
    ChannelBody::boxed(rx, ())
}
