//! The answer to a request the bearer-token gate refused: its status and its
//! `WWW-Authenticate: Bearer ...` challenge (RFC 6750 §3, RFC 9728 §5.1), which is how a client
//! finds the resource's metadata and which scopes to ask for.

/// What was wrong with the request's credentials.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BearerError {
    /// No token was given: the challenge carries no `error` (RFC 6750 §3.1).
    Missing,
    /// A token was given and is not valid: `error="invalid_token"` (401).
    InvalidToken(String),
    /// A valid token lacks scopes: `error="insufficient_scope"` (403).
    InsufficientScope,
}

/// A refusal: 401 or 403, its challenge, and a message for the JSON-RPC error body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    pub status: u16,
    pub www_authenticate: String,
    pub message: String,
}

impl Refusal {
    /// The refusal for `error`, pointing at `resource_metadata` (the metadata document's URL;
    /// `None`: no `resource_metadata` parameter) and naming the `scopes` needed (none: no `scope`).
    pub fn new(error: BearerError, resource_metadata: Option<&str>, scopes: &[String]) -> Self {
        let mut params: Vec<String> = Vec::new();
        let (status, message) = match &error {
            BearerError::Missing => (401, "Unauthorized: a bearer token is required".to_string()),
            BearerError::InvalidToken(why) => {
                params.push("error=\"invalid_token\"".into());
                params.push(format!("error_description=\"{}\"", quoted(why)));
                (401, format!("Unauthorized: invalid token ({why})"))
            }
            BearerError::InsufficientScope => {
                params.push("error=\"insufficient_scope\"".into());
                (403, format!("Forbidden: this needs the scopes {}", scopes.join(" ")))
            }
        };
        if let Some(url) = resource_metadata {
            params.push(format!("resource_metadata=\"{}\"", quoted(url)));
        }
        if !scopes.is_empty() {
            params.push(format!("scope=\"{}\"", quoted(&scopes.join(" "))));
        }
        let www_authenticate =
            if params.is_empty() { "Bearer".to_string() } else { format!("Bearer {}", params.join(", ")) };
        Refusal { status, www_authenticate, message }
    }
}

/// A quoted-string's content: no `"` or `\` (dropped) and no control characters (RFC 6750 limits
/// `error_description` to printable ASCII but `"` and `\`).
fn quoted(s: &str) -> String {
    s.chars().filter(|c| (' '..='~').contains(c) && *c != '"' && *c != '\\').collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_token_has_no_error() {
        let r = Refusal::new(
            BearerError::Missing,
            Some("https://h/.well-known/oauth-protected-resource/mcp"),
            &["a".into(), "b".into()],
        );
        assert_eq!(r.status, 401);
        assert_eq!(
            r.www_authenticate,
            "Bearer resource_metadata=\"https://h/.well-known/oauth-protected-resource/mcp\", scope=\"a b\""
        );
    }

    #[test]
    fn invalid_token_and_insufficient_scope() {
        let r = Refusal::new(BearerError::InvalidToken("expired \"x\"\n".into()), Some("u"), &[]);
        assert_eq!(r.status, 401);
        assert_eq!(
            r.www_authenticate,
            "Bearer error=\"invalid_token\", error_description=\"expired x\", resource_metadata=\"u\""
        );
        let r = Refusal::new(BearerError::InsufficientScope, Some("u"), &["w".into()]);
        assert_eq!(r.status, 403);
        assert!(r.www_authenticate.starts_with("Bearer error=\"insufficient_scope\""));
        assert!(r.www_authenticate.ends_with("scope=\"w\""));
        assert_eq!(Refusal::new(BearerError::Missing, None, &[]).www_authenticate, "Bearer");
    }
}
