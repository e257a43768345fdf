//! Who is calling: the [`Principal`] an authentication step established for a request, and the
//! request that step sees ([`AuthRequest`]).
//!
//! Transports that have credentials (HTTP, WebSocket) ask `Handler::authenticate` once per HTTP
//! request or upgrade, before anything past the headers is read (`transport::gate`). The
//! principal then travels with every frame (`Inbound::principal`) into the request's context
//! (`RequestContext::principal`), and is what owns handshake-era sessions, their streams, the
//! answers to the server's own requests, and tasks. No authentication step: no principal
//! (anonymous), and a session id or task id is then the only capability.

use crate::auth::AccessToken;
use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

/// HTTP headers of the request (names lower-cased); empty on stdio.
pub type Headers = Vec<(String, String)>;

/// An authenticated caller: an opaque name chosen by the authentication step (a user id, a
/// subject, or a digest of the credentials), and the verified access token it presented, when a
/// bearer-token verifier admitted it. Cheap to clone; equal names are the same caller, whatever
/// token each request carried (a refreshed token keeps its sessions).
#[derive(Clone)]
pub struct Principal {
    name: Arc<str>,
    token: Option<Arc<AccessToken>>,
}

impl Principal {
    pub fn new(name: impl Into<Arc<str>>) -> Self {
        Principal { name: name.into(), token: None }
    }

    /// A caller admitted by a bearer token.
    pub fn with_token(name: impl Into<Arc<str>>, token: Arc<AccessToken>) -> Self {
        Principal { name: name.into(), token: Some(token) }
    }

    pub fn as_str(&self) -> &str {
        &self.name
    }

    /// The verified access token of this request, if a verifier admitted it.
    pub fn token(&self) -> Option<&Arc<AccessToken>> {
        self.token.as_ref()
    }

    /// The scopes this caller was granted (none without a token).
    pub fn scopes(&self) -> &[String] {
        self.token.as_ref().map(|t| t.scopes.as_slice()).unwrap_or(&[])
    }
}

impl PartialEq for Principal {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Eq for Principal {}

impl Hash for Principal {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.name.hash(state)
    }
}

impl PartialOrd for Principal {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Principal {
    fn cmp(&self, other: &Self) -> Ordering {
        self.name.cmp(&other.name)
    }
}

impl fmt::Display for Principal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

impl fmt::Debug for Principal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Principal({:?})", &*self.name)
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
