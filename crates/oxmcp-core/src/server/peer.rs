//! Requests the server sends to the client in a handshake-era session (`elicitation/create`,
//! `sampling/createMessage`, `roots/list`, `ping`), each tied to the client request it serves.
//!
//! A `PeerCall` is a future of the client's answer. Dropping it before the answer (the calling
//! request was cancelled, or the tool stopped waiting) forgets the entry and tells the client with
//! `notifications/cancelled`, so nothing is left behind on either side.
//!
//! An answer is taken only from the caller the request was sent to (the principal of the request
//! it serves; `server::auth`) and only once: an answer from anyone else, or a second one, is
//! logged and ignored, and the call keeps waiting for its own caller.

use super::auth::Principal;
use super::outbound::Outbound;
use crate::jsonrpc::{self, ErrorObject, RequestId};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use tokio::sync::oneshot;

type Answer = Result<Value, ErrorObject>;

/// A request of ours awaiting its answer, and who may give it.
struct Pending {
    tx: oneshot::Sender<Answer>,
    to: Option<Principal>,
}

/// The server's requests awaiting an answer, per session.
#[derive(Default)]
pub struct PeerRequests {
    next: AtomicI64,
    pending: Mutex<HashMap<RequestId, Pending>>,
}

impl PeerRequests {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<RequestId, Pending>> {
        self.pending.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Sends `method` to the client through `out` and returns the future of its answer, which
    /// only `to` (the principal of the request it serves) may give.
    pub fn call(
        self: &Arc<Self>,
        out: &Arc<dyn Outbound>,
        method: &str,
        params: Value,
        to: Option<Principal>,
    ) -> PeerCall {
        let id = RequestId::Num(self.next.fetch_add(1, Ordering::Relaxed) + 1);
        let (tx, rx) = oneshot::channel();
        self.lock().insert(id.clone(), Pending { tx, to });
        // Not the answer to the client's request: it travels ahead of it, on the same stream.
        out.send_notification(jsonrpc::encode_request(&id, method, Some(&params)));
        PeerCall { id, rx, peer: self.clone(), out: out.clone(), settled: false }
    }

    /// Delivers the client's answer from `from`; false (and logged) when no such request is
    /// waiting, or it was sent to someone else (then it keeps waiting).
    pub fn resolve(&self, id: &RequestId, answer: Answer, from: Option<&Principal>) -> bool {
        let mut pending = self.lock();
        let Some(entry) = pending.get(id) else {
            drop(pending);
            tracing::debug!(target: "oxmcp.session", "ignoring a response to {id}: no request of ours is pending (answered already, or never sent)");
            return false;
        };
        if entry.to.as_ref() != from {
            drop(pending);
            tracing::warn!(target: "oxmcp.session", "ignoring a response to {id}: it comes from another caller than the one asked");
            return false;
        }
        let entry = pending.remove(id).expect("present under the lock");
        drop(pending);
        let _ = entry.tx.send(answer);
        true
    }

    /// Fails one waiting request from the server's side (e.g. it could not be delivered).
    pub fn fail(&self, id: &RequestId, error: ErrorObject) {
        let entry = self.lock().remove(id);
        if let Some(e) = entry {
            let _ = e.tx.send(Err(error));
        }
    }

    /// Requests waiting for an answer.
    pub fn pending(&self) -> usize {
        self.lock().len()
    }

    /// Fails every waiting request (the session ended).
    pub fn close(&self) {
        self.lock().clear(); // dropped senders: each PeerCall resolves to an error
    }
}

/// The client's answer to one server request. See the module docs.
pub struct PeerCall {
    id: RequestId,
    rx: oneshot::Receiver<Answer>,
    peer: Arc<PeerRequests>,
    out: Arc<dyn Outbound>,
    settled: bool,
}

impl PeerCall {
    pub fn id(&self) -> &RequestId {
        &self.id
    }
}

impl Future for PeerCall {
    type Output = Answer;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Answer> {
        match Pin::new(&mut self.rx).poll(cx) {
            Poll::Ready(r) => {
                self.settled = true;
                Poll::Ready(
                    r.unwrap_or_else(|_| Err(ErrorObject::internal("the session ended before the client answered"))),
                )
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

impl Drop for PeerCall {
    fn drop(&mut self) {
        if self.settled || self.peer.lock().remove(&self.id).is_none() {
            return;
        }
        let params = json!({ "requestId": self.id.to_value(), "reason": "the server no longer needs the answer" });
        self.out.send_notification(jsonrpc::encode_notification("notifications/cancelled", Some(&params)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Sink;
    impl Outbound for Sink {
        fn send(&self, _frame: Vec<u8>) {}
    }

    #[tokio::test]
    async fn only_the_caller_asked_answers_and_only_once() {
        let peer = Arc::new(PeerRequests::default());
        let out: Arc<dyn Outbound> = Arc::new(Sink);
        let alice = Principal::from("alice");
        let call = peer.call(&out, "elicitation/create", json!({}), Some(alice.clone()));
        let id = call.id().clone();
        let accept = || Ok(json!({"action": "accept"}));
        assert!(!peer.resolve(&id, accept(), Some(&Principal::from("mallory"))), "someone else");
        assert!(!peer.resolve(&id, accept(), None), "an anonymous caller");
        assert_eq!(peer.pending(), 1, "still waiting for its own caller");
        assert!(peer.resolve(&id, Ok(json!({"action": "decline"})), Some(&alice)));
        assert!(!peer.resolve(&id, accept(), Some(&alice)), "a second answer");
        assert_eq!(call.await.unwrap(), json!({"action": "decline"}));
    }
}
