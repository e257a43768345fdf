//! Starting the HTTP transport: on a listener of its own ([`serve_http`] and friends: hyper
//! connections, every path), or mounted in a host application ([`MountedApp`]: the host routes
//! requests to the endpoint). Either way one [`State`] is shared by all requests, and idle
//! sessions are swept while it lives.

use super::body::BoxBody;
use super::options::HttpOptions;
use super::request_body::RequestBody;
use super::router::{handle, Scope};
use super::security::AccessPolicy;
use super::state::{sweep_sessions, State};
use crate::server::Server;
use hyper::{Request, Response};
use std::convert::Infallible;
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
    let listener = TcpListener::bind(addr).await?;
    let local = listener.local_addr()?;
    on_bound(local);
    serve_listener(server, listener, options, shutdown).await
}

/// Serves a listener bound with the standard library (so callers learn bind errors and the port
/// synchronously) until `shutdown`.
pub async fn serve_std_listener(
    server: Server,
    listener: std::net::TcpListener,
    options: HttpOptions,
    shutdown: CancellationToken,
) -> std::io::Result<()> {
    serve_listener(server, crate::transport::tokio_listener(listener)?, options, shutdown).await
}

/// Serves an already bound listener until `shutdown`.
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
    while let Some(stream) = crate::transport::accept(&listener, &shutdown).await {
        let state = state.clone();
        let shutdown = shutdown.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |req| {
                let state = state.clone();
                async move { Ok::<_, Infallible>(handle(&state, req, Scope::Listener).await) }
            });
            let conn = hyper::server::conn::http1::Builder::new()
                .keep_alive(true)
                .serve_connection(hyper_util::rt::TokioIo::new(stream), service);
            tokio::pin!(conn);
            tokio::select! {
                _ = conn.as_mut() => {}
                _ = shutdown.cancelled() => {
                    conn.as_mut().graceful_shutdown();
                    let _ = tokio::time::timeout(Duration::from_secs(2), conn).await;
                }
            }
        });
    }
    sweeper.abort();
    Ok(())
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
        handle(&self.state, req, Scope::Mounted).await
    }
}

impl Drop for MountedApp {
    fn drop(&mut self) {
        self.sweeper.abort();
    }
}
