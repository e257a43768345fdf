//! The bearer-token gate's decision for one request: the `Authorization` header's token checked
//! by the server's verifier, its expiry, and the scopes every request needs.

use super::challenge::{BearerError, Refusal};
use super::token::AccessToken;
use super::verifier::{TokenVerifier, VerifyError};
use std::sync::Arc;

/// A server's OAuth resource-server settings: who verifies tokens, what this resource is called,
/// where its tokens come from, and which scopes every request needs.
pub struct ResourceServer {
    verifier: Arc<dyn TokenVerifier>,
    /// This server as clients reach it (the metadata's `resource`); `None`: read from each
    /// request's `Host` and the endpoint path.
    pub resource_url: Option<String>,
    /// The authorization servers' issuer URLs (the metadata's `authorization_servers`).
    pub authorization_servers: Vec<String>,
    /// Scopes every request needs (beyond those of one tool, resource or prompt).
    pub required_scopes: Vec<String>,
    /// The metadata's `resource_name`.
    pub resource_name: Option<String>,
    /// Clock skew allowed on `exp`, in seconds, for tokens whose verifier does not check it.
    pub leeway: i64,
    /// Whether components a caller lacks the scopes for stay in its list results.
    pub list_out_of_scope: bool,
}

impl std::fmt::Debug for ResourceServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResourceServer")
            .field("resource_url", &self.resource_url)
            .field("authorization_servers", &self.authorization_servers)
            .field("required_scopes", &self.required_scopes)
            .finish_non_exhaustive()
    }
}

impl ResourceServer {
    pub fn new(verifier: Arc<dyn TokenVerifier>) -> Self {
        ResourceServer {
            verifier,
            resource_url: None,
            authorization_servers: Vec::new(),
            required_scopes: Vec::new(),
            resource_name: None,
            leeway: 60,
            list_out_of_scope: false,
        }
    }

    pub fn verifier(&self) -> &Arc<dyn TokenVerifier> {
        &self.verifier
    }

    /// Admits a request by its `Authorization` header: the verified caller, or the refusal (401
    /// without or with a bad token, 403 for a good token without `required_scopes`), whose
    /// challenge points at `resource_metadata`.
    pub async fn admit(
        &self,
        authorization: Option<&str>,
        resource_metadata: Option<&str>,
    ) -> Result<Arc<AccessToken>, Refusal> {
        let refuse = |error| Refusal::new(error, resource_metadata, &self.required_scopes);
        let Some(token) = authorization.and_then(bearer_token) else { return Err(refuse(BearerError::Missing)) };
        let caller = match self.verifier.verify(token).await {
            Ok(caller) => caller,
            Err(e) => {
                if let VerifyError::Unavailable(why) = &e {
                    tracing::warn!(target: "oxmcp.auth", "could not verify a token: {why}");
                }
                return Err(refuse(BearerError::InvalidToken(e.message().to_string())));
            }
        };
        if caller.expired(super::unix_now(), self.leeway) {
            return Err(refuse(BearerError::InvalidToken("token expired".into())));
        }
        if !caller.has_scopes(&self.required_scopes) {
            return Err(refuse(BearerError::InsufficientScope));
        }
        Ok(caller)
    }

    /// The 403 for a caller that lacks `needed` (a component's scopes): the challenge names every
    /// scope the call needs, the server's own included, so a client can ask for them at once.
    pub fn insufficient_scope(&self, needed: &[String], resource_metadata: Option<&str>) -> Refusal {
        let mut scopes = self.required_scopes.clone();
        scopes.extend(needed.iter().filter(|s| !self.required_scopes.contains(s)).cloned());
        Refusal::new(BearerError::InsufficientScope, resource_metadata, &scopes)
    }
}

/// The token of an `Authorization: Bearer <token>` header value (scheme case-insensitive);
/// `None` for another scheme or an empty token.
pub fn bearer_token(value: &str) -> Option<&str> {
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty() && !token.contains(' ')).then_some(token)
}

#[cfg(test)]
mod tests {
    use super::super::verifier::StaticTokens;
    use super::*;
    use serde_json::json;

    fn server() -> ResourceServer {
        let claims = |v: serde_json::Value| v.as_object().unwrap().clone();
        let tokens = StaticTokens::new([
            ("good".to_string(), claims(json!({"sub": "u", "scope": "read write"}))),
            ("narrow".to_string(), claims(json!({"sub": "u", "scope": "write"}))),
            ("old".to_string(), claims(json!({"sub": "u", "scope": "read", "exp": 1000}))),
        ]);
        let mut rs = ResourceServer::new(Arc::new(tokens));
        rs.required_scopes = vec!["read".into()];
        rs
    }

    #[test]
    fn bearer_header_forms() {
        assert_eq!(bearer_token("Bearer abc"), Some("abc"));
        assert_eq!(bearer_token("bearer   abc "), Some("abc"));
        assert_eq!(bearer_token("Basic abc"), None);
        assert_eq!(bearer_token("Bearer "), None);
        assert_eq!(bearer_token("Bearer a b"), None);
    }

    #[tokio::test]
    async fn admits_and_refuses() {
        let rs = server();
        let ok = rs.admit(Some("Bearer good"), Some("m")).await.unwrap();
        assert_eq!(ok.subject.as_deref(), Some("u"));
        let missing = rs.admit(None, Some("m")).await.unwrap_err();
        assert_eq!((missing.status, missing.www_authenticate.contains("error=")), (401, false));
        let bad = rs.admit(Some("Bearer nope"), Some("m")).await.unwrap_err();
        assert!(bad.www_authenticate.contains("error=\"invalid_token\""));
        let expired = rs.admit(Some("Bearer old"), Some("m")).await.unwrap_err();
        assert!(expired.www_authenticate.contains("token expired"));
        let narrow = rs.admit(Some("Bearer narrow"), Some("m")).await.unwrap_err();
        assert_eq!(narrow.status, 403);
        assert!(narrow.www_authenticate.contains("scope=\"read\""));
        let up = rs.insufficient_scope(&["write".into(), "read".into()], Some("m"));
        assert!(up.www_authenticate.contains("scope=\"read write\""));
    }
}
