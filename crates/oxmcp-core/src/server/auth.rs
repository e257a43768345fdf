//! Who is calling: the [`Principal`] an authentication step established for a request, and the
//! request that step sees ([`AuthRequest`]).
//!
//! Transports that have credentials (HTTP, WebSocket) ask `Handler::authenticate` once per HTTP
//! request or upgrade, before anything past the headers is read (`transport::gate`). The
//! principal then travels with every frame (`Inbound::principal`) into the request's context
//! (`RequestContext::principal`), and is what owns handshake-era sessions, their streams, the
//! answers to the server's own requests, and tasks. No authentication step: no principal
//! (anonymous), and a session id or task id is then the only capability.

use std::fmt;
use std::sync::Arc;

/// HTTP headers of the request (names lower-cased); empty on stdio.
pub type Headers = Vec<(String, String)>;

/// An authenticated caller: an opaque name chosen by the authentication step (a user id, a
/// subject, or a digest of the credentials). Cheap to clone; equal names are the same caller.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Principal(Arc<str>);

impl Principal {
    pub fn new(name: impl Into<Arc<str>>) -> Self {
        Principal(name.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Principal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Principal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Principal({:?})", &*self.0)
    }
}

impl From<&str> for Principal {
    fn from(s: &str) -> Self {
        Principal::new(s)
    }
}

/// What an authentication step sees: the HTTP request's headers (lower-cased names), before its
/// body is read.
#[derive(Clone, Debug)]
pub struct AuthRequest {
    pub headers: Arc<Headers>,
}

/// Whether `principal` may use something that `owner` created. Both absent (no authentication)
/// is a match: then the id is the capability.
pub fn same_caller(owner: Option<&Principal>, principal: Option<&Principal>) -> bool {
    owner == principal
}
