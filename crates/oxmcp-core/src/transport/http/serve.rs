//! Starting the HTTP transport: on a listener of its own ([`serve_http`] and friends: hyper
//! connections, every path), or mounted in a host application ([`MountedApp`]: the host routes
//! requests to the endpoint). Either way one [`State`] is shared by all requests, and idle
//! sessions are swept while it lives.

use super::body::BoxBody;
use super::options::HttpOptions;
use super::request_body::RequestBody;
use super::router::{admit, handle, Caller, Scope};
use super::security::AccessPolicy;
use super::state::{sweep_sessions, State};
use crate::server::{Principal, Server};
use crate::transport::listen;
use hyper::header::HeaderMap;
use hyper::{Method, Request, Response};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;

/// How long an HTTP connection may take, once shutdown begins, to finish the answers it is
/// sending (an open SSE stream never finishes: it is cut off then).
const CLOSE_GRACE: Duration = Duration::from_secs(2);

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
    listen::serve(listener, shutdown, Default::default(), drain, |stream, shutdown| {
        connection(state.clone(), stream, shutdown)
    })
    .await;
    sweeper.abort();
    Ok(())
}

/// One HTTP/1.1 connection (keep-alive: many requests), until the client closes it or shutdown
/// (then what is being answered gets [`CLOSE_GRACE`] to finish).
async fn connection(state: Arc<State>, stream: TcpStream, shutdown: CancellationToken) {
    let service = hyper::service::service_fn(move |req| {
        let state = state.clone();
        async move { Ok::<_, Infallible>(handle(&state, req, Scope::Listener, Caller::Ask).await) }
    });
    let conn = hyper::server::conn::http1::Builder::new()
        .keep_alive(true)
        .serve_connection(hyper_util::rt::TokioIo::new(stream), service);
    tokio::pin!(conn);
    tokio::select! {
        _ = conn.as_mut() => {}
        _ = shutdown.cancelled() => {
            conn.as_mut().graceful_shutdown();
            let _ = tokio::time::timeout(CLOSE_GRACE, conn).await;
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
