//! Streamable HTTP, both eras on one endpoint (DESIGN §5; spec digest §4.2–4.3).
//!
//! - A POST whose message carries `_meta.io.modelcontextprotocol/protocolVersion` is served
//!   statelessly (2026-07-28): its own throwaway `Session`, request-metadata headers checked
//!   against the body (-32020), errors mapped to HTTP statuses, and a closed connection cancels it.
//! - `initialize` opens a handshake-era session with a CSPRNG `Mcp-Session-Id`; later POSTs carry
//!   the id (missing: 400, unknown or ended: 404); GET opens the session's standalone SSE stream;
//!   DELETE ends the session. A disconnect is not a cancellation in this era.
//! - A request answers with plain JSON unless a notification for it comes first, in which case
//!   the answer becomes an SSE stream (notifications, then the response).
//! - Every request passes the Host/Origin policy first (403 otherwise), then the authentication
//!   gate (`transport::gate`: 401 with `WWW-Authenticate: Bearer`); a handshake-era or legacy SSE
//!   session belongs to the principal that opened it (anyone else: 404, as if unknown).
//!   `/healthz` reports status (details only to a caller the gate named).
//!
//! A request's path through the files: `serve` (own listener or host application) -> `router`
//! (policy, CORS, path, method) -> `post` (era, which session) -> `exchange` (dispatch; JSON or
//! SSE answer); or `get` (GET and DELETE), or `legacy_sse` (the 2024-11-05 transport). What they
//! share: `state` (per server: options, policy, session tables, event store), `sessions`,
//! `events`, `security`, and the helpers `headers` (incl. `param_headers`), `status`, `stream`,
//! `incoming`, `request_body`, `body`.

pub mod body;
mod connection;
pub mod events;
mod exchange;
mod get;
mod headers;
mod held;
mod incoming;
mod legacy_sse;
mod options;
mod param_headers;
mod post;
mod request_body;
mod router;
mod security;
mod serve;
mod sessions;
mod state;
mod status;
mod stream;

pub use body::BoxBody;
pub use events::{EventStore, MemoryEventStore};
pub(crate) use headers::header_list;
pub use options::HttpOptions;
/// The `=?base64?...?=` header-value decoder, public for the fuzz targets (`fuzz/`).
#[doc(hidden)]
pub use param_headers::decode_value;
pub use request_body::RequestBody;
pub use security::AccessPolicy;
pub use serve::{serve_http, serve_listener, serve_std_listener, MountedApp};
pub use sessions::{SessionRefused, SessionTable};
