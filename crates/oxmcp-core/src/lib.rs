//! oxmcp-core: the Model Context Protocol engine behind oxmcp.
//!
//! - [`auth`]: the OAuth resource server: bearer tokens verified (JWT, introspection), metadata.
//! - [`jsonrpc`]: JSON-RPC 2.0 framing, ids, errors.
//! - [`protocol`]: protocol revisions, the era of a request, the method table.
//! - [`server`]: catalog, the [`server::Handler`] trait, sessions and dispatch.
//! - [`transport`]: stdio, Streamable HTTP (with legacy HTTP+SSE), WebSocket and in-memory, and the
//!   listener HTTP and WebSocket share.
//!
//! No PyO3 here: the Python bindings live in the root crate and implement [`server::Handler`].

pub mod auth;
pub mod jsonrpc;
pub mod protocol;
pub mod server;
pub mod transport;
