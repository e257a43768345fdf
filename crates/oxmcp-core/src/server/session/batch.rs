//! JSON-RPC batches (2025-03-26 sessions only): each request of a batch is dispatched like a
//! single one; a collector gathers their answers and sends them as one array.

use super::{lock, Inbound, Outbound, Session};
use crate::jsonrpc::{self, ErrorObject, Message};
use crate::protocol::{methods, ProtocolVersion};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

impl Session {
    pub(super) fn handle_batch(self: &Arc<Self>, items: Vec<Message>, inbound: &Inbound) {
        let allowed = self.negotiated_version().is_some_and(ProtocolVersion::allows_batches);
        if !allowed || items.is_empty() {
            let why = if items.is_empty() {
                "empty batch"
            } else {
                "JSON-RPC batches are only accepted in a session that negotiated protocol revision 2025-03-26"
            };
            inbound.out.send(jsonrpc::encode_error(None, &ErrorObject::invalid_request(why)));
            return;
        }
        let expected = items.iter().filter(|m| matches!(m, Message::Request { .. } | Message::Invalid { .. })).count();
        let collector: Arc<dyn Outbound> = Arc::new(BatchCollector::new(expected, inbound.out.clone()));
        let batch_inbound =
            Inbound { out: collector, headers: inbound.headers.clone(), principal: inbound.principal.clone() };
        for msg in items {
            if let Message::Request { id, method, .. } = &msg {
                if methods::method(method).is_some_and(|m| !m.batchable) {
                    let err = ErrorObject::invalid_request(format!("{method} must not be part of a batch"));
                    batch_inbound.out.send(jsonrpc::encode_error(Some(id), &err));
                    continue;
                }
            }
            self.handle_message(msg, &batch_inbound);
        }
    }
}

/// Collects the responses of a 2025-03-26 batch and sends them as one array.
struct BatchCollector {
    state: Mutex<Vec<Vec<u8>>>,
    remaining: AtomicUsize,
    out: Arc<dyn Outbound>,
}

impl BatchCollector {
    fn new(expected: usize, out: Arc<dyn Outbound>) -> Self {
        BatchCollector { state: Mutex::new(Vec::with_capacity(expected)), remaining: AtomicUsize::new(expected), out }
    }

    fn arrive(&self, frame: Option<Vec<u8>>) {
        let done = {
            let mut frames = lock(&self.state);
            if let Some(f) = frame {
                frames.push(f);
            }
            self.remaining.fetch_sub(1, Ordering::AcqRel) == 1
        };
        if done {
            let frames = std::mem::take(&mut *lock(&self.state));
            if !frames.is_empty() {
                let mut body = Vec::with_capacity(frames.iter().map(|f| f.len() + 1).sum::<usize>() + 2);
                body.push(b'[');
                for (i, f) in frames.iter().enumerate() {
                    if i > 0 {
                        body.push(b',');
                    }
                    body.extend_from_slice(f);
                }
                body.push(b']');
                self.out.send(body);
            }
        }
    }
}

impl Outbound for BatchCollector {
    fn send(&self, frame: Vec<u8>) {
        self.arrive(Some(frame));
    }
    fn send_notification(&self, frame: Vec<u8>) {
        self.out.send_notification(frame); // not an answer: passes straight through
    }
    fn skip(&self) {
        self.arrive(None);
    }
    fn wait_for_room(&self) -> Option<crate::server::outbound::WaitForRoom> {
        self.out.wait_for_room()
    }
    fn block_for_room(&self, limit: std::time::Duration) -> bool {
        self.out.block_for_room(limit)
    }
}
