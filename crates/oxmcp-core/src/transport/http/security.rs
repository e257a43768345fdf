//! DNS-rebinding protection (Host and Origin checks) and CORS.

use hyper::header::{HeaderMap, HeaderValue};
use std::net::SocketAddr;

/// Which hosts and origins may talk to the server.
#[derive(Debug, Clone, Default)]
pub struct AccessPolicy {
    /// Allowed `Host` names (without port). `None`: no Host check.
    pub hosts: Option<Vec<String>>,
    /// Allowed `Origin` values (`scheme://host[:port]`, or `*`). Loopback origins are always allowed
    /// when the server listens on loopback.
    pub origins: Vec<String>,
    pub loopback: bool,
    /// Answer CORS preflights and add `Access-Control-*` headers for allowed origins.
    pub cors: bool,
}

const LOOPBACK_NAMES: [&str; 4] = ["localhost", "127.0.0.1", "[::1]", "::1"];

impl AccessPolicy {
    /// Sensible defaults for an address: on loopback, only loopback Host names and Origins.
    pub fn for_address(addr: SocketAddr, extra_hosts: &[String], origins: Vec<String>, cors: bool) -> Self {
        let loopback = addr.ip().is_loopback();
        let hosts = if loopback || !extra_hosts.is_empty() {
            let mut h: Vec<String> =
                if loopback { LOOPBACK_NAMES.iter().map(|s| s.to_string()).collect() } else { vec![] };
            h.extend(extra_hosts.iter().map(|s| s.to_ascii_lowercase()));
            Some(h)
        } else {
            None
        };
        AccessPolicy { hosts, origins, loopback, cors }
    }

    /// `Err(reason)` when the request must be refused with 403.
    pub fn check(&self, headers: &HeaderMap) -> Result<(), String> {
        if let Some(allowed) = &self.hosts {
            let host = headers.get("host").and_then(|h| h.to_str().ok()).unwrap_or("");
            let name = strip_port(host).to_ascii_lowercase();
            if !allowed.contains(&name) {
                return Err(format!("Host {host:?} is not allowed"));
            }
        }
        if let Some(origin) = headers.get("origin") {
            let origin = origin.to_str().unwrap_or("");
            if !self.origin_allowed(origin) {
                return Err(format!("Origin {origin:?} is not allowed"));
            }
        }
        Ok(())
    }

    pub fn origin_allowed(&self, origin: &str) -> bool {
        if self.origins.iter().any(|o| o == "*" || o.eq_ignore_ascii_case(origin)) {
            return true;
        }
        if self.loopback {
            let host = origin.split_once("://").map(|(_, rest)| rest).unwrap_or("");
            return LOOPBACK_NAMES.contains(&strip_port(host).to_ascii_lowercase().as_str());
        }
        false
    }

    /// CORS response headers for an allowed Origin.
    /// CORS response headers for the request's `Origin` (if any, and allowed).
    pub fn cors_headers(&self, origin: Option<&HeaderValue>, response: &mut HeaderMap) {
        if !self.cors {
            return;
        }
        let Some(origin) = origin.filter(|o| self.origin_allowed(o.to_str().unwrap_or(""))) else {
            return;
        };
        response.insert("access-control-allow-origin", origin.clone());
        response.insert("vary", HeaderValue::from_static("origin"));
        response.insert(
            "access-control-expose-headers",
            HeaderValue::from_static("mcp-session-id, mcp-protocol-version, www-authenticate"),
        );
    }

    pub fn preflight_headers(&self, response: &mut HeaderMap) {
        response.insert("access-control-allow-methods", HeaderValue::from_static("GET, POST, DELETE, OPTIONS"));
        response.insert(
            "access-control-allow-headers",
            HeaderValue::from_static(
                "content-type, accept, authorization, mcp-session-id, mcp-protocol-version, mcp-method, mcp-name, last-event-id",
            ),
        );
        response.insert("access-control-max-age", HeaderValue::from_static("600"));
    }
}

/// `host:port` -> `host`, keeping IPv6 brackets (`[::1]:80` -> `[::1]`).
fn strip_port(host: &str) -> &str {
    if host.starts_with('[') {
        return host.find(']').map(|i| &host[..=i]).unwrap_or(host);
    }
    host.rsplit_once(':').filter(|(_, p)| p.chars().all(|c| c.is_ascii_digit())).map(|(h, _)| h).unwrap_or(host)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(hyper::header::HeaderName::from_bytes(k.as_bytes()).unwrap(), HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn loopback_defaults_refuse_foreign_hosts_and_origins() {
        let p = AccessPolicy::for_address("127.0.0.1:8000".parse().unwrap(), &[], vec![], false);
        assert!(p.check(&headers(&[("host", "127.0.0.1:8000")])).is_ok());
        assert!(p.check(&headers(&[("host", "localhost:8000"), ("origin", "http://localhost:3000")])).is_ok());
        assert!(p.check(&headers(&[("host", "[::1]:8000")])).is_ok());
        assert!(p.check(&headers(&[("host", "evil.example.com")])).is_err());
        assert!(p.check(&headers(&[("host", "localhost:8000"), ("origin", "http://evil.example.com")])).is_err());
    }

    #[test]
    fn allow_lists_extend_the_defaults() {
        let p = AccessPolicy::for_address("0.0.0.0:80".parse().unwrap(), &[], vec!["https://app.example".into()], true);
        assert!(p.check(&headers(&[("host", "anything")])).is_ok(), "no Host check off loopback");
        assert!(p.check(&headers(&[("host", "x"), ("origin", "https://app.example")])).is_ok());
        assert!(p.check(&headers(&[("host", "x"), ("origin", "https://other.example")])).is_err());
        let mut out = HeaderMap::new();
        p.cors_headers(Some(&HeaderValue::from_static("https://app.example")), &mut out);
        assert_eq!(out["access-control-allow-origin"], "https://app.example");
        assert!(out["access-control-expose-headers"].to_str().unwrap().contains("mcp-session-id"));
    }
}
