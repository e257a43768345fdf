//! Where a session's outgoing frames go: the one trait every transport implements for the
//! dispatcher. A leaf module, so that the handler's request context, the peer requests and the
//! session can all name it without importing each other.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

/// Resolves `true` once the stream has room again, `false` once it is gone (closed, or its client
/// read nothing for the transport's `write_timeout`).
pub type WaitForRoom = Pin<Box<dyn Future<Output = bool> + Send>>;

/// Where a session's outgoing frames go. `send` must not block: transports queue, bounded in
/// bytes (`transport::queue`). Frames are always admitted; producers that can wait (notifications
/// from user code) ask `wait_for_room`/`block_for_room` first, so a client that does not read
/// holds up its producers instead of growing the server.
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
    /// `None` when the stream has room for more frames now (or is unbounded); otherwise a future
    /// that resolves once it has (`true`) or the stream is gone (`false`).
    fn wait_for_room(&self) -> Option<WaitForRoom> {
        None
    }
    /// For producers on a worker thread: blocks until the stream has room (`true`), or it is gone
    /// or `limit` passed (`false`).
    fn block_for_room(&self, _limit: Duration) -> bool {
        true
    }
}
