//! Starting the HTTP transport: on a listener of its own ([`serve_http`] and friends: hyper
//! connections, every path, with the connection bounds of `connection.rs`), or mounted in a host
//! application ([`MountedApp`]: the host routes requests to the endpoint and owns connections).
//! Either way one [`State`] is shared by all requests, and sessions whose time is up are swept
//! while it lives (the session caps apply to both).

use super::body::BoxBody;
use super::connection::{connection, Refusing, CLOSE_GRACE};
use super::options::HttpOptions;
use super::request_body::RequestBody;
use super::router::{admit, handle, Caller, Scope};
use super::security::AccessPolicy;
use super::state::{sweep_sessions, State};
use crate::server::{Principal, Server};
use crate::transport::listen;
use hyper::header::HeaderMap;
use hyper::{Method, Request, Response};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

/// Binds `addr` and serves until `shutdown`. `on_bound` learns the actual address (port 0 picks one).
pub async fn serve_http(
    server: Server,
    addr: SocketAddr,
    options: HttpOptions,
    shutdown: CancellationToken,
    on_bound: impl FnOnce(SocketAddr) + Send,
) -> std::io::Result<()> {
    serve_listener(server, listen::bind(addr, on_bound).await?, options, shutdown).await
}

/// Serves a listener bound with the standard library (so callers learn bind errors and the port
/// synchronously) until `shutdown`.
pub async fn serve_std_listener(
    server: Server,
    listener: std::net::TcpListener,
    options: HttpOptions,
    shutdown: CancellationToken,
) -> std::io::Result<()> {
    serve_listener(server, listen::from_std(listener)?, options, shutdown).await
}

/// Serves an already bound listener until `shutdown`; then gives open connections their close
/// grace before returning.
pub async fn serve_listener(
    server: Server,
    listener: TcpListener,
    options: HttpOptions,
    shutdown: CancellationToken,
) -> std::io::Result<()> {
    let local = listener.local_addr()?;
    let policy =
        AccessPolicy::for_address(local, &options.allowed_hosts, options.allowed_origins.clone(), options.cors);
    let state = Arc::new(State::new(server, options, policy));
    tracing::info!(target: "oxmcp.transport.http", "serving MCP on http://{local}{}", state.options.path);
    let sweeper = tokio::spawn(sweep_sessions(state.clone(), shutdown.clone()));
    let drain = CLOSE_GRACE + Duration::from_millis(500);
    let connections: Arc<listen::Connections> = Default::default();
    let refusing = Arc::new(Refusing::default());
    warn_if_descriptors_run_out_first(state.options.max_connections);
    listen::serve(listener, shutdown, connections.clone(), drain, |stream, shutdown| {
        let (state, connections, refusing) = (state.clone(), connections.clone(), refusing.clone());
        async move { connection(state, stream, shutdown, &connections, &refusing).await }
    })
    .await;
    sweeper.abort();
    Ok(())
}

/// `max_connections` means little if the process runs out of file descriptors first: then
/// accepting backs off instead of answering 503. Said once, at start, at info level (common
/// default limits, 256 or 1024, would otherwise make every start warn; running out is a warning).
fn warn_if_descriptors_run_out_first(max_connections: usize) {
    if let Some(limit) = listen::descriptor_limit() {
        if (max_connections as u64).saturating_add(64) > limit {
            tracing::info!(
                target: "oxmcp.transport.http",
                "max_connections is {max_connections} but this process may open only {limit} files \
                 (ulimit -n): raise the limit or lower max_connections"
            );
        }
    }
}

/// The MCP endpoint for a host application (ASGI/FastAPI): the host routes requests here; this
/// applies the Host/Origin policy and serves the endpoint. Sessions are swept while it lives.
pub struct MountedApp {
    state: Arc<State>,
    sweeper: tokio::task::AbortHandle,
}

impl MountedApp {
    /// Must be called within the tokio runtime (it starts the idle-session sweeper).
    pub fn new(server: Server, options: HttpOptions) -> Self {
        // The bind address is the host's business: no Host check unless asked for; browser
        // Origins must be loopback ones or allow-listed.
        let policy = AccessPolicy {
            hosts: (!options.allowed_hosts.is_empty()).then(|| options.allowed_hosts.clone()),
            origins: options.allowed_origins.clone(),
            loopback: true,
            cors: options.cors,
        };
        let state = Arc::new(State::new(server, options, policy));
        let sweeper = tokio::spawn(sweep_sessions(state.clone(), CancellationToken::new())).abort_handle();
        MountedApp { state, sweeper }
    }

    pub async fn handle<B: RequestBody>(&self, req: Request<B>) -> Response<BoxBody> {
        handle(&self.state, req, Scope::Mounted, Caller::Ask).await
    }

    /// The authentication gate on a request's method and headers, before its body is read: the
    /// caller (then `handle_as`), or the 401 to answer.
    pub async fn authenticate(
        &self,
        method: &Method,
        headers: &HeaderMap,
    ) -> Result<Option<Principal>, Response<BoxBody>> {
        admit(&self.state, method, headers).await
    }

    /// Serves a request whose caller `authenticate` already admitted.
    pub async fn handle_as<B: RequestBody>(&self, req: Request<B>, principal: Option<Principal>) -> Response<BoxBody> {
        handle(&self.state, req, Scope::Mounted, Caller::Known(principal)).await
    }
}

impl Drop for MountedApp {
    fn drop(&mut self) {
        self.sweeper.abort();
    }
}
