//! Where a session's outgoing frames go: the one trait every transport implements for the
//! dispatcher. A leaf module, so that the handler's request context, the peer requests and the
//! session can all name it without importing each other.

/// Where a session's outgoing frames go. `send` must not block for long: transports queue.
pub trait Outbound: Send + Sync + 'static {
    /// A response (or a batch of responses): the last frame for the request it answers.
    fn send(&self, frame: Vec<u8>);
    /// A notification related to a request in flight (progress, log). Streams carry it before the
    /// response; transports without streams treat it like any frame.
    fn send_notification(&self, frame: Vec<u8>) {
        self.send(frame)
    }
    /// A request ended without a response (it was cancelled). Batch collectors count these.
    fn skip(&self) {}
    /// False once frames can no longer reach the client (e.g. its HTTP GET stream closed).
    fn is_open(&self) -> bool {
        true
    }
}
