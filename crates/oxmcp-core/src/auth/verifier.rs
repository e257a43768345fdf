//! What every token verifier implements, and the simplest one: a fixed table of tokens.

use super::token::AccessToken;
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

/// A verification under way.
pub type VerifyFuture<'a> = Pin<Box<dyn Future<Output = Result<Arc<AccessToken>, VerifyError>> + Send + 'a>>;

/// Why a token was not accepted. Its text may reach the client (`error_description`), so it
/// never contains the token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VerifyError {
    /// The token is not valid here (bad signature, expired, wrong issuer or audience, unknown,
    /// malformed): 401 `invalid_token`.
    Invalid(String),
    /// The verifier could not decide (its key set or introspection endpoint is unreachable and
    /// nothing cached answers for this token): 401 `invalid_token` as well, logged as a warning.
    Unavailable(String),
}

impl VerifyError {
    pub fn message(&self) -> &str {
        match self {
            VerifyError::Invalid(m) | VerifyError::Unavailable(m) => m,
        }
    }
}

/// Verifies bearer tokens. Implementations must answer quickly for a token they already verified
/// (the gate asks once per HTTP request), must bound whatever they cache, and must not block the
/// async runtime (network and long CPU work go to `spawn_blocking` or are awaited).
pub trait TokenVerifier: Send + Sync {
    fn verify<'a>(&'a self, token: &'a str) -> VerifyFuture<'a>;

    /// The audience this verifier requires, if it checks one (for the metadata's `resource`
    /// default and for warnings when none is set).
    fn audience(&self) -> Option<&str> {
        None
    }
}

/// A fixed table of tokens and their claims: for development and tests.
pub struct StaticTokens {
    tokens: HashMap<String, Arc<AccessToken>>,
}

impl StaticTokens {
    pub fn new(tokens: impl IntoIterator<Item = (String, Map<String, Value>)>) -> Self {
        StaticTokens {
            tokens: tokens.into_iter().map(|(t, claims)| (t, Arc::new(AccessToken::from_claims(claims)))).collect(),
        }
    }
}

impl TokenVerifier for StaticTokens {
    fn verify<'a>(&'a self, token: &'a str) -> VerifyFuture<'a> {
        let found = self.tokens.get(token).cloned().ok_or_else(|| VerifyError::Invalid("unknown token".into()));
        Box::pin(std::future::ready(found))
    }
}
