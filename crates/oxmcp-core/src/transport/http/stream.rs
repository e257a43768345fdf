//! SSE streams: the response that carries one, a session's stream as its [`Outbound`], the
//! keep-alive comments on long ones, and replay of a recorded stream for a client that resumes
//! with `Last-Event-ID`.

use super::body::{self, BoxBody, ChannelBody};
use super::events::EventStore;
use crate::transport::queue::{queue, QueueOutbound, QueueSender};
use bytes::Bytes;
use hyper::header::HeaderValue;
use hyper::Response;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

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
pub(super) fn sse_outbound(tx: QueueSender<Bytes>) -> QueueOutbound<Bytes> {
    QueueOutbound::new(tx, |f| {
        let event = body::sse_event(None, &f);
        let n = event.len();
        (event, n)
    })
}

/// Sends an SSE comment every `every` until the stream's body is gone, so that proxies and
/// clients do not time out an open stream that has nothing to say.
/// Ends with the stream: when its body is dropped, the stream closes (a stalled client), or
/// nothing else can write to it any more (its session ended): the comments do not keep it open.
pub(super) fn keep_alive(tx: &QueueSender<Bytes>, every: Duration) {
    let tx = tx.keep_alive_handle();
    const COMMENT: &[u8] = b": keep-alive\n\n";
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(every).await;
            if !tx.send(Bytes::from_static(COMMENT), COMMENT.len()) {
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
/// (and a retry interval) comes first, so the client has something to resume from. `limits`: the
/// body's queue (budget in bytes, write timeout). Also returns the number of the last event handed
/// to the body, so that the stream's producer can keep pace with the client (it ends with the body).
pub(super) fn replay_body(
    store: Arc<dyn EventStore>,
    key: String,
    stream: String,
    after: u64,
    priming: bool,
    limits: (usize, Duration),
) -> (BoxBody, watch::Receiver<u64>) {
    let (tx, rx) = queue(limits.0, limits.1, "resumable SSE stream");
    let (delivered, progress) = watch::channel(after);
    if priming {
        let event = Bytes::from(format!("id: {stream}-{after}\nretry: 1000\ndata: \n\n"));
        let _ = tx.send(event.clone(), event.len());
    }
    tokio::spawn(async move {
        let mut seen = after;
        loop {
            let wait = store.wait_after(&key, seen);
            let Some((events, done)) = store.read_after(&key, seen) else { return };
            for (n, message) in events {
                // Taken from the store only as fast as the client reads.
                if let Some(room) = tx.wait_for_room() {
                    if !room.await {
                        return; // the client went away (or stalled); the events stay in the store
                    }
                }
                let event = body::sse_event(Some(&format!("{stream}-{n}")), &message);
                if !tx.send(event.clone(), event.len()) {
                    return;
                }
                seen = n;
                delivered.send_replace(n);
            }
            if done {
                return;
            }
            wait.await;
        }
    });
    (ChannelBody::boxed(rx, ()), progress)
}
