//! OAuth 2.1 resource server: bearer tokens verified in the core, before any Python runs.
//!
//! - [`token`]: the verified caller ([`AccessToken`]) read from a token's claims.
//! - [`verifier`]: the [`TokenVerifier`] trait every verifier implements, and [`StaticTokens`].
//! - [`jwt`], [`jwks`]: signed JWTs against a JWKS (fetched, cached, refreshed) or a fixed key.
//! - [`introspection`]: RFC 7662 for opaque tokens.
//! - [`resource_server`]: what the transports' gate asks: the bearer token of a request checked
//!   against the verifier and the server's required scopes (401 / 403 [`Refusal`]s).
//! - [`challenge`]: the `WWW-Authenticate: Bearer ...` header of a refusal.
//! - [`metadata`]: the Protected Resource Metadata document (RFC 9728) and its well-known paths.
//!
//! Tokens are never logged and never passed on: verifiers see them, the rest of the server sees
//! only the [`AccessToken`] made from them.

pub mod challenge;
pub mod metadata;
pub mod resource_server;
pub mod token;
pub mod verifier;

pub use challenge::{BearerError, Refusal};
pub use resource_server::ResourceServer;
pub use token::AccessToken;
pub use verifier::{StaticTokens, TokenVerifier, VerifyError, VerifyFuture};

/// Seconds since the Unix epoch, now.
pub fn unix_now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}
