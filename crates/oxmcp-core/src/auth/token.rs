//! The verified caller of a request: what a token said, read once by a verifier.

use serde_json::{Map, Value};

/// A verified access token's caller. The token itself is not kept: only what it said.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AccessToken {
    /// `sub`.
    pub subject: Option<String>,
    /// The `client_id` claim, else `azp`.
    pub client_id: Option<String>,
    /// `scope` (space-separated string) or `scp` (string or array).
    pub scopes: Vec<String>,
    /// `exp`, seconds since the Unix epoch.
    pub expires_at: Option<i64>,
    /// Every claim, as verified.
    pub claims: Map<String, Value>,
}

impl AccessToken {
    /// Reads the standard claims out of a verified claim set.
    pub fn from_claims(claims: Map<String, Value>) -> Self {
        let text = |k: &str| claims.get(k).and_then(Value::as_str).map(str::to_string);
        let subject = text("sub");
        let client_id = text("client_id").or_else(|| text("azp"));
        let scopes = scopes_of(claims.get("scope")).or_else(|| scopes_of(claims.get("scp"))).unwrap_or_default();
        let expires_at = claims.get("exp").and_then(|v| v.as_i64().or_else(|| v.as_f64().map(|f| f as i64)));
        AccessToken { subject, client_id, scopes, expires_at, claims }
    }

    /// Whether every scope of `needed` was granted.
    pub fn has_scopes(&self, needed: &[String]) -> bool {
        needed.iter().all(|n| self.scopes.iter().any(|s| s == n))
    }

    /// Whether it expired, `leeway` seconds of clock skew allowed.
    pub fn expired(&self, now: i64, leeway: i64) -> bool {
        self.expires_at.is_some_and(|exp| exp + leeway < now)
    }

    /// The principal that owns this caller's sessions, streams and tasks: stable across the
    /// tokens one caller is issued (the subject, else the client), so a refreshed token keeps
    /// its sessions. `fallback` names a token that says neither (a digest of it).
    pub fn principal_name(&self, fallback: impl FnOnce() -> String) -> String {
        match (&self.subject, &self.client_id) {
            (Some(sub), _) => format!("sub:{sub}"),
            (None, Some(client)) => format!("client:{client}"),
            (None, None) => fallback(),
        }
    }
}

/// `"a b c"` or `["a", "b"]` as a list of scopes.
fn scopes_of(v: Option<&Value>) -> Option<Vec<String>> {
    match v? {
        Value::String(s) => Some(s.split_ascii_whitespace().map(str::to_string).collect()),
        Value::Array(items) => Some(items.iter().filter_map(Value::as_str).map(str::to_string).collect()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn token(v: Value) -> AccessToken {
        AccessToken::from_claims(v.as_object().unwrap().clone())
    }

    #[test]
    fn standard_claims_are_read() {
        let t = token(json!({"sub": "u1", "azp": "app", "scope": "a  b", "exp": 100}));
        assert_eq!(t.subject.as_deref(), Some("u1"));
        assert_eq!(t.client_id.as_deref(), Some("app"));
        assert_eq!(t.scopes, ["a", "b"]);
        assert_eq!(t.expires_at, Some(100));
        let t = token(json!({"client_id": "c", "azp": "other", "scp": ["x", 3, "y"]}));
        assert_eq!(t.client_id.as_deref(), Some("c"));
        assert_eq!(t.scopes, ["x", "y"]);
        assert!(t.has_scopes(&["y".into()]) && !t.has_scopes(&["z".into()]));
    }

    #[test]
    fn expiry_allows_leeway() {
        let t = token(json!({"exp": 100}));
        assert!(!t.expired(150, 60) && t.expired(161, 60));
        assert!(!token(json!({})).expired(i64::MAX, 0));
    }

    #[test]
    fn principal_prefers_subject_then_client() {
        assert_eq!(token(json!({"sub": "u", "client_id": "c"})).principal_name(|| "d".into()), "sub:u");
        assert_eq!(token(json!({"client_id": "c"})).principal_name(|| "d".into()), "client:c");
        assert_eq!(token(json!({})).principal_name(|| "d".into()), "d");
    }
}
