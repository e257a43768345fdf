//! Transports move frames between peers and [`crate::server::Session`]s.
//!
//! Every transport has the same two halves, and nothing more in common:
//! - **Inbound**: for each frame it reads, the transport calls `Session::handle_frame` (or
//!   `handle_incoming` with a frame already parsed) together with an [`crate::server::Inbound`]
//!   that says where the answers go and which headers came with the frame.
//! - **Outbound**: answers and notifications arrive at that [`crate::server::Outbound`] from
//!   whatever thread produced them; the transport queues them and writes them in its own way
//!   (a writer thread for stdio, a writer task per WebSocket, an HTTP response body or SSE stream).
//!
//! How a transport is started is not common (each is given something else: streams, a listener,
//! requests from a host, nothing), so there is no trait for it; callers call its functions:
//! - `stdio`: one session on a pair of streams ([`serve_streams`], [`serve_process_stdio`]);
//! - `http` (which also serves the legacy SSE transport) and `ws`: a TCP listener, served through
//!   the one accept loop in `listen`; the bindings bind it themselves so bind errors surface at
//!   once ([`serve_std_listener`], [`serve_ws_std_listener`]);
//! - [`MountedApp`]: Streamable HTTP driven request by request by a host application (ASGI);
//! - [`MemoryClient`]: a client in the same process, connected straight to a session.
//!
//! `gate` is the authentication step every HTTP request and WebSocket upgrade passes first.
//!
//! The serving functions take the [`crate::server::Server`] and a shutdown token and return when
//! the transport ends or the token is cancelled.

pub mod framing;
pub mod gate;
pub mod http;
mod listen;
pub mod memory;
pub mod queue;
pub mod stdio;
pub mod ws;
mod ws_gate;

pub use http::{serve_http, serve_std_listener, HttpOptions, MountedApp};
pub use memory::MemoryClient;
pub use stdio::{serve_process_stdio, serve_streams, StdioOptions};
pub use ws::{serve_websocket, serve_ws_listener, serve_ws_std_listener, WsOptions};
