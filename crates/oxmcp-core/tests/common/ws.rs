//! WebSocket fixtures: the transport served on a loopback port, and a tungstenite client speaking
//! JSON-RPC over it (every wait bounded by `WAIT`).

use super::within;
use futures_util::{SinkExt, StreamExt};
use oxmcp_core::server::Server;
use oxmcp_core::transport::{serve_websocket, WsOptions};
use serde_json::{json, Value};
use std::net::SocketAddr;
use tokio::net::TcpStream;
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::handshake::client::Response;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};
use tokio_tungstenite::WebSocketStream;
use tokio_util::sync::{CancellationToken, DropGuard};

/// A WebSocket listener on 127.0.0.1 serving one `Server`; stopped when dropped.
pub struct Running {
    pub addr: SocketAddr,
    /// Cancel it to shut the listener down (dropping `Running` does it too).
    pub shutdown: CancellationToken,
    /// What `serve_websocket` returned, once it has.
    pub served: JoinHandle<std::io::Result<()>>,
    _stop: DropGuard,
}

/// Serves `server` on an ephemeral 127.0.0.1 port; returns once the listener is bound.
pub async fn serve(server: &Server, options: WsOptions) -> Running {
    let shutdown = CancellationToken::new();
    let (tx, rx) = tokio::sync::oneshot::channel();
    let served = {
        let (server, shutdown) = (server.clone(), shutdown.clone());
        tokio::spawn(async move {
            serve_websocket(server, "127.0.0.1:0".parse().unwrap(), options, shutdown, |a| {
                let _ = tx.send(a);
            })
            .await
        })
    };
    let addr = within("bind", rx).await.unwrap();
    let _stop = shutdown.clone().drop_guard();
    Running { addr, shutdown, served, _stop }
}

pub type Ws = WebSocketStream<TcpStream>;

pub async fn connect_with(
    addr: SocketAddr,
    path: &str,
    headers: &[(&'static str, &str)],
) -> Result<(Ws, Response), WsError> {
    let mut request = format!("ws://{addr}{path}").into_client_request()?;
    for (k, v) in headers {
        request.headers_mut().insert(*k, HeaderValue::from_str(v).unwrap());
    }
    let tcp = TcpStream::connect(addr).await.unwrap();
    within("upgrade", tokio_tungstenite::client_async(request, tcp)).await
}

pub async fn connect(addr: SocketAddr) -> Ws {
    connect_with(addr, "/", &[]).await.expect("upgrade").0
}

pub async fn send(ws: &mut Ws, msg: Value) {
    ws.send(Message::text(msg.to_string())).await.unwrap();
}

pub async fn request(ws: &mut Ws, id: i64, method: &str, params: Value) {
    send(ws, json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params})).await;
}

/// The next data message, parsed (pings and pongs are skipped).
pub async fn recv(ws: &mut Ws) -> Value {
    loop {
        match within("a message", ws.next()).await {
            Some(Ok(Message::Text(t))) => return serde_json::from_str(&t).expect("valid JSON"),
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
            other => panic!("expected a text message, got {other:?}"),
        }
    }
}

/// The close frame the server sends next (after any data).
pub async fn recv_close(ws: &mut Ws) -> Option<CloseCode> {
    loop {
        match within("a close", ws.next()).await {
            Some(Ok(Message::Close(frame))) => return frame.map(|f| f.code),
            Some(Ok(_)) => continue,
            None | Some(Err(_)) => return None,
        }
    }
}

pub async fn initialize(ws: &mut Ws) -> Value {
    let params =
        json!({"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "ws-test", "version": "1"}});
    request(ws, 0, "initialize", params).await;
    let answer = recv(ws).await;
    send(ws, json!({"jsonrpc": "2.0", "method": "notifications/initialized"})).await;
    answer
}
