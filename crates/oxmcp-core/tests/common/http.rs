//! HTTP fixture: the Streamable HTTP transport served on an ephemeral 127.0.0.1 port.

use oxmcp_core::server::Server;
use oxmcp_core::transport::{serve_std_listener, HttpOptions};
use tokio_util::sync::{CancellationToken, DropGuard};

/// A served HTTP endpoint; stopped when dropped.
pub struct HttpServing {
    /// `127.0.0.1:PORT`.
    pub addr: String,
    /// Cancel it to stop serving (dropping `HttpServing` does it too).
    pub stop: CancellationToken,
    _stop: DropGuard,
}

/// Binds 127.0.0.1:0 and serves `server` there with the default options.
pub fn serve_http(server: Server) -> HttpServing {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let stop = CancellationToken::new();
    let token = stop.clone();
    tokio::spawn(async move { serve_std_listener(server, listener, HttpOptions::default(), token).await });
    HttpServing { addr, _stop: stop.clone().drop_guard(), stop }
}
