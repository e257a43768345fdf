//! One POSTed frame dispatched into a session, and its answer turned into the HTTP response:
//! plain JSON, unless a notification for the request comes first, in which case the answer
//! becomes an SSE stream (notifications, then the response). Handshake-era streams are recorded
//! so a client can resume them; in the stateless era a dropped exchange cancels the work.
//!
//! Every answer goes through a bounded queue (`transport::queue`): notifications from user code
//! wait for room, so a client that does not read holds up the tool, not the server's memory; a
//! client that reads nothing for `write_timeout` loses the stream (and a stateless call is
//! cancelled).

use super::body::{self, BoxBody};
use super::headers::header_list;
use super::incoming::expects_answer;
use super::state::State;
use super::status::{json_response, plain_status, response_status, with_session_id};
use super::stream::{replay_body, sse_response};
use crate::jsonrpc::Incoming;
use crate::protocol::ProtocolVersion;
use crate::server::{Inbound, Principal, Session};
use crate::transport::queue::{queue, QueueOutbound, QueueReceiver, QueueSender};
use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use hyper::header::{HeaderMap, HeaderValue};
use hyper::{Response, StatusCode};
use std::convert::Infallible;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

/// A frame for one HTTP request's answer.
enum OutFrame {
    Response(Vec<u8>),
    Notification(Vec<u8>),
}

impl OutFrame {
    /// The frame's bytes, and whether it is the response (the last frame of the answer).
    fn into_parts(self) -> (Vec<u8>, bool) {
        match self {
            OutFrame::Notification(b) => (b, false),
            OutFrame::Response(b) => (b, true),
        }
    }
}

/// One HTTP answer's frames: notifications first, then the response.
fn request_outbound(tx: QueueSender<OutFrame>) -> QueueOutbound<OutFrame> {
    QueueOutbound::new(tx, |f| {
        let n = f.len();
        (OutFrame::Response(f), n)
    })
    .with_notifications(|f| {
        let n = f.len();
        (OutFrame::Notification(f), n)
    })
}

/// Cancels a stateless request's work when its HTTP exchange is dropped (the client went away).
struct CancelOnDrop(Option<Arc<Session>>);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        if let Some(s) = self.0.take() {
            s.cancel_all();
        }
    }
}

/// Dispatches one POSTed frame from `principal` and turns what comes back into the HTTP
/// response. `session_id`: the handshake-era session it belongs to (`None`: a stateless,
/// 2026-07-28 exchange).
pub(super) async fn exchange(
    state: &State,
    session: &Arc<Session>,
    incoming: Incoming,
    headers: &HeaderMap,
    principal: Option<Principal>,
    session_id: Option<&str>,
) -> Response<BoxBody> {
    let modern = session_id.is_none();
    let answers = expects_answer(&incoming, session.negotiated_version().is_some_and(ProtocolVersion::allows_batches));
    let (budget, write_timeout) = state.stream_limits();
    // A handshake-era answer is drained into the replay store by a task that waits for the live
    // reader; that reader's own queue times out first, so this one gets twice as long.
    let timeout = if session_id.is_some() { write_timeout * 2 } else { write_timeout };
    let (tx, mut rx) = queue(budget, timeout, "response stream");
    if modern {
        // A stateless call whose client stopped reading is cancelled.
        let weak = Arc::downgrade(session);
        tx.on_stall(move || {
            if let Some(s) = weak.upgrade() {
                s.cancel_all();
            }
        });
    }
    let inbound = Inbound { out: Arc::new(request_outbound(tx)), headers: Arc::new(header_list(headers)), principal };
    session.handle_incoming(incoming, &inbound);
    drop(inbound);
    let with_session = |r: Response<BoxBody>| match session_id {
        Some(id) => with_session_id(r, id),
        None => r,
    };
    if !answers {
        return with_session(plain_status(StatusCode::ACCEPTED));
    }
    // In the stateless era a dropped exchange (client gone) cancels the work.
    let guard = CancelOnDrop(modern.then(|| session.clone()));
    match rx.recv().await {
        Some(OutFrame::Response(frame)) => {
            let (status, challenge) = response_status(&frame, modern);
            let mut r = json_response(status, frame);
            drop(guard);
            if challenge {
                // Refused by the validator: a 401 never names a session.
                r.headers_mut().insert("www-authenticate", HeaderValue::from_static(crate::transport::gate::CHALLENGE));
                return r;
            }
            with_session(r)
        }
        Some(OutFrame::Notification(first)) => match session_id {
            // Handshake era: a resumable stream (event ids, replay after a reconnect).
            Some(sid) => {
                let ended = session.ended().clone();
                with_session(resumable_stream(state, sid, session.negotiated_version(), first, rx, ended))
            }
            None => with_session(stream(first, rx, guard)),
        },
        // Every request in the frame was cancelled: nothing to say.
        None => with_session(plain_status(StatusCode::ACCEPTED)),
    }
}

/// Turns an answer into an SSE stream: the first notification, what follows, then the response.
/// The body reads the request's queue itself, so frames leave it only as fast as the client reads.
fn stream(first: Vec<u8>, rx: QueueReceiver<OutFrame>, guard: CancelOnDrop) -> Response<BoxBody> {
    sse_response(BoxBody::new(AnswerBody { first: Some(first), rx, done: false, _guard: guard }))
}

struct AnswerBody {
    first: Option<Vec<u8>>,
    rx: QueueReceiver<OutFrame>,
    done: bool,
    _guard: CancelOnDrop,
}

impl Body for AnswerBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        if let Some(first) = self.first.take() {
            return Poll::Ready(Some(Ok(Frame::data(body::sse_event(None, &first)))));
        }
        if self.done {
            return Poll::Ready(None);
        }
        self.rx.poll_recv(cx).map(|next| {
            next.map(|frame| {
                let (bytes, last) = frame.into_parts();
                self.done = last;
                Ok(Frame::data(body::sse_event(None, &bytes)))
            })
        })
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::default()
    }
}

/// A handshake-era answer as an SSE stream whose events are recorded, so that a client whose
/// connection broke can resume with `GET` + `Last-Event-ID` (a disconnect is not a cancel).
fn resumable_stream(
    state: &State,
    session_id: &str,
    version: Option<ProtocolVersion>,
    first: Vec<u8>,
    mut rx: QueueReceiver<OutFrame>,
    ended: tokio_util::sync::CancellationToken,
) -> Response<BoxBody> {
    let stream = state.next_stream_name();
    let key = format!("{session_id}/{stream}");
    state.events.append(&key, Bytes::from(first));
    // 2025-11-25 clients get a priming event (an id and no data) and a retry interval first.
    let priming = version.is_some_and(|v| v >= ProtocolVersion::V2025_11_25);
    let (body, mut delivered) =
        replay_body(state.events.clone(), key.clone(), stream, 0, priming, state.stream_limits());
    let store = state.events.clone();
    tokio::spawn(async move {
        // The session's end (DELETE, expiry) ends the stream even while a call still runs.
        while let Some(frame) = tokio::select! { f = rx.recv() => f, _ = ended.cancelled() => None } {
            let (bytes, last) = frame.into_parts();
            let n = store.append(&key, Bytes::from(bytes));
            if last {
                break;
            }
            // Record no faster than the connected client reads: at most one event ahead of what
            // its body took. Once it is gone or stalled (the body's task ends), the store's
            // per-stream budget bounds what is kept for a resumption.
            let _ = delivered.wait_for(|&d| d + 1 >= n).await;
        }
        store.finish(&key);
    });
    sse_response(body)
}
