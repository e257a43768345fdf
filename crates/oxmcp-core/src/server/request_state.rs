//! `requestState` of input-required results (stateless MRTR), sealed with HMAC-SHA256.
//!
//! When a function needs input from the client (an elicitation, a sampling, the roots) on the
//! stateless wire, the server answers `input_required` and forgets the request. The client retries
//! with the answers and echoes `requestState`, which carries everything the server needs to carry
//! on: the answers of earlier rounds and any state the function kept. The client controls what it
//! echoes, so the state is signed and bound to the request it belongs to (method, target, a digest
//! of the arguments, the caller's credentials) and to an expiry; anything else is rejected.
//!
//! Keys are shareable: servers behind a load balancer given the same key accept each other's
//! states. The first key signs; all keys verify (rotation).
//!
//! Format: `v1.<base64url(json claims)>.<base64url(hmac)>`.

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

type HmacSha256 = Hmac<Sha256>;

const PREFIX: &str = "v1.";

/// Signing keys and how long a state stays valid.
#[derive(Clone)]
pub struct RequestStateKeys {
    keys: Vec<Vec<u8>>,
    pub ttl: Duration,
}

impl std::fmt::Debug for RequestStateKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RequestStateKeys({} key(s), ttl {:?})", self.keys.len(), self.ttl)
    }
}

/// What a state is bound to: the request that produced it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    pub method: String,
    /// The tool or prompt name, or the resource URI.
    pub target: String,
    /// Digest of the arguments (see `digest`).
    pub arguments: String,
    /// Digest of the caller's credentials (the Authorization header), if any.
    pub principal: Option<String>,
}

/// What a state carries besides its binding.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Carried {
    /// Answers of earlier rounds, by input key.
    pub responses: Map<String, Value>,
    /// State the function stored for itself.
    pub data: Option<Value>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StateError {
    Malformed,
    BadSignature,
    Expired,
    WrongRequest,
}

impl std::fmt::Display for StateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            StateError::Malformed => "requestState is not a state this server issued",
            StateError::BadSignature => "requestState failed its integrity check",
            StateError::Expired => "requestState has expired: send the request again without it",
            StateError::WrongRequest => "requestState belongs to a different request",
        })
    }
}

fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
}

/// A hex SHA-256 of `value` in canonical form (object keys sorted), so that a client that
/// re-serialises the same arguments in another order still matches.
pub fn digest(value: &Value) -> String {
    fn canonical(v: &Value, out: &mut Vec<u8>) {
        match v {
            Value::Object(m) => {
                let mut keys: Vec<_> = m.keys().collect();
                keys.sort();
                out.push(b'{');
                for (i, k) in keys.into_iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    out.extend_from_slice(serde_json::to_string(k).expect("a string serialises").as_bytes());
                    out.push(b':');
                    canonical(&m[k], out);
                }
                out.push(b'}');
            }
            Value::Array(a) => {
                out.push(b'[');
                for (i, x) in a.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    canonical(x, out);
                }
                out.push(b']');
            }
            other => out.extend_from_slice(other.to_string().as_bytes()),
        }
    }
    let mut bytes = Vec::new();
    canonical(value, &mut bytes);
    hex(&Sha256::digest(&bytes)[..16])
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl RequestStateKeys {
    /// Keys given by the operator (at least one, each at least 16 bytes).
    pub fn new(keys: Vec<Vec<u8>>, ttl: Duration) -> Result<Self, String> {
        if keys.is_empty() {
            return Err("request state: give at least one key".into());
        }
        if let Some(k) = keys.iter().find(|k| k.len() < 16) {
            return Err(format!("request state: keys must be at least 16 bytes (got {})", k.len()));
        }
        Ok(RequestStateKeys { keys, ttl })
    }

    /// A fresh random key: states are valid only within this process.
    pub fn random(ttl: Duration) -> Self {
        let mut key = vec![0u8; 32];
        getrandom::fill(&mut key).expect("the OS random source works");
        RequestStateKeys { keys: vec![key], ttl }
    }

    fn mac(key: &[u8], payload: &str) -> HmacSha256 {
        let mut mac = HmacSha256::new_from_slice(key).expect("HMAC takes keys of any length");
        mac.update(PREFIX.as_bytes());
        mac.update(payload.as_bytes());
        mac
    }

    /// Seals `carried` for the request `binding`.
    pub fn seal(&self, binding: &Binding, carried: &Carried) -> String {
        let mut claims = json!({
            "m": binding.method,
            "t": binding.target,
            "a": binding.arguments,
            "e": now_ms() + self.ttl.as_millis() as u64,
            "r": carried.responses,
        });
        if let Some(p) = &binding.principal {
            claims["p"] = Value::from(p.as_str());
        }
        if let Some(d) = &carried.data {
            claims["s"] = d.clone();
        }
        let payload = B64.encode(claims.to_string());
        let tag = B64.encode(Self::mac(&self.keys[0], &payload).finalize().into_bytes());
        format!("{PREFIX}{payload}.{tag}")
    }

    /// Verifies a state echoed by the client for the request `binding`.
    pub fn open(&self, token: &str, binding: &Binding) -> Result<Carried, StateError> {
        let rest = token.strip_prefix(PREFIX).ok_or(StateError::Malformed)?;
        let (payload, tag) = rest.split_once('.').ok_or(StateError::Malformed)?;
        let tag = B64.decode(tag).map_err(|_| StateError::Malformed)?;
        // Constant-time comparison (`verify_slice`), with every key in turn.
        if !self.keys.iter().any(|k| Self::mac(k, payload).verify_slice(&tag).is_ok()) {
            return Err(StateError::BadSignature);
        }
        let json = B64.decode(payload).map_err(|_| StateError::Malformed)?;
        let claims: Value = serde_json::from_slice(&json).map_err(|_| StateError::Malformed)?;
        let field = |k: &str| claims.get(k).and_then(Value::as_str);
        if claims.get("e").and_then(Value::as_u64).is_none_or(|e| e < now_ms()) {
            return Err(StateError::Expired);
        }
        let same = field("m") == Some(&binding.method)
            && field("t") == Some(&binding.target)
            && field("a") == Some(&binding.arguments)
            && field("p") == binding.principal.as_deref();
        if !same {
            return Err(StateError::WrongRequest);
        }
        let responses = match claims.get("r") {
            Some(Value::Object(m)) => m.clone(),
            _ => Map::new(),
        };
        Ok(Carried { responses, data: claims.get("s").cloned() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn binding() -> Binding {
        Binding {
            method: "tools/call".into(),
            target: "t".into(),
            arguments: digest(&json!({"a": 1})),
            principal: None,
        }
    }

    #[test]
    fn round_trip_and_tamper() {
        let keys = RequestStateKeys::random(Duration::from_secs(60));
        let carried = Carried {
            responses: json!({"k": {"action": "accept"}}).as_object().unwrap().clone(),
            data: Some(json!(3)),
        };
        let token = keys.seal(&binding(), &carried);
        assert_eq!(keys.open(&token, &binding()).unwrap(), carried);
        let mut bad = token.clone().into_bytes();
        let i = PREFIX.len() + 4;
        bad[i] = if bad[i] == b'A' { b'B' } else { b'A' };
        assert_eq!(keys.open(std::str::from_utf8(&bad).unwrap(), &binding()), Err(StateError::BadSignature));
        let other = Binding { target: "u".into(), ..binding() };
        assert_eq!(keys.open(&token, &other), Err(StateError::WrongRequest));
        assert_eq!(keys.open("junk", &binding()), Err(StateError::Malformed));
        let stranger = RequestStateKeys::random(Duration::from_secs(60));
        assert_eq!(stranger.open(&token, &binding()), Err(StateError::BadSignature));
    }

    #[test]
    fn expiry_and_rotation() {
        let old = RequestStateKeys::new(vec![b"0123456789abcdef-old".to_vec()], Duration::ZERO).unwrap();
        let token = old.seal(&binding(), &Carried::default());
        std::thread::sleep(Duration::from_millis(2));
        assert_eq!(old.open(&token, &binding()), Err(StateError::Expired));
        let a = RequestStateKeys::new(vec![b"0123456789abcdef-old".to_vec()], Duration::from_secs(9)).unwrap();
        let rotated = RequestStateKeys::new(
            vec![b"0123456789abcdef-new".to_vec(), b"0123456789abcdef-old".to_vec()],
            Duration::from_secs(9),
        )
        .unwrap();
        assert!(rotated.open(&a.seal(&binding(), &Carried::default()), &binding()).is_ok());
    }

    #[test]
    fn digest_ignores_key_order() {
        assert_eq!(
            digest(&json!({"a": 1, "b": [1, {"y": 2, "x": 1}]})),
            digest(&json!({"b": [1, {"x": 1, "y": 2}], "a": 1}))
        );
        assert_ne!(digest(&json!({"a": 1})), digest(&json!({"a": 2})));
    }
}
