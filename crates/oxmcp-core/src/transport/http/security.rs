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
            // Compared as `host_name` reads a Host header (lower case, canonical IPv6, no port).
            h.extend(extra_hosts.iter().map(|s| host_name(s).unwrap_or_else(|| s.to_ascii_lowercase())));
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
            if !host_name(host).is_some_and(|name| allowed.contains(&name)) {
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
            return origin_host(origin).is_some_and(|name| LOOPBACK_NAMES.contains(&name.as_str()));
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

/// The lower-cased host name of a `Host` value (`host[:port]`), keeping IPv6 brackets in their
/// canonical form (`[::1]:80` and `[0:0:0:0:0:0:0:1]` -> `[::1]`); `None` unless the whole value is well-formed: an IPv6 literal is exactly
/// `[address]`, a name is dot-separated labels of letters, digits, `-` and `_` (1-63 characters
/// each, 253 in all), and a port is 1-5 digits up to 65535. So `[::1]evil.com`, `localhost@evil`,
/// `a..b`, `host:` or `host:80:80` name no host at all, and no allow-list can match them.
pub fn host_name(authority: &str) -> Option<String> {
    if let Some(inner) = authority.strip_prefix('[') {
        let (address, after) = inner.split_once(']')?;
        let address: std::net::Ipv6Addr = address.parse().ok()?;
        let port = match after {
            "" => None,
            p => Some(p.strip_prefix(':')?),
        };
        check_port(port)?;
        return Some(format!("[{address}]")); // canonical: `[0:0:0:0:0:0:0:1]` is `[::1]`
    }
    let (host, port) = match authority.split_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (authority, None),
    };
    if host.len() > 253 || !host.split('.').all(valid_label) {
        return None;
    }
    check_port(port)?;
    Some(host.to_ascii_lowercase())
}

/// `Some(())` when there is no port or it is 1-5 digits up to 65535.
fn check_port(port: Option<&str>) -> Option<()> {
    match port {
        None => Some(()),
        Some(p) if (1..=5).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit()) => {
            (p.parse::<u32>().ok()? <= 65535).then_some(())
        }
        Some(_) => None,
    }
}

fn valid_label(label: &str) -> bool {
    (1..=63).contains(&label.len()) && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The lower-cased host name of an `Origin` (`scheme://host[:port]`, nothing after it), by the
/// same rule as [`host_name`]; `None` for `null` or anything malformed.
pub fn origin_host(origin: &str) -> Option<String> {
    let (scheme, authority) = origin.split_once("://")?;
    let mut chars = scheme.chars();
    let scheme_ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    if !scheme_ok {
        return None;
    }
    host_name(authority)
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

    /// The Host rule as a parser: every malformed authority names no host, so a loopback server
    /// refuses it with 403 whatever allow-list it has; well-formed ones still pass.
    #[test]
    fn malformed_hosts_and_origins_are_refused() {
        let p = AccessPolicy::for_address("127.0.0.1:8000".parse().unwrap(), &["api.example".into()], vec![], false);
        for bad in [
            "[::1]evil.com",
            "[::1]:8000evil.com",
            "[::1]:",
            "[::1]:80:80",
            "[::1]:99999",
            "[::1]:-1",
            "[::1",
            "[::1]]",
            "[]",
            "[localhost]",
            "[::1%25eth0]",
            "[::1]@evil.com",
            "::1",
            "localhost:",
            "localhost:80:80",
            "localhost:8000evil",
            "localhost:+80",
            "localhost:123456",
            "localhost@evil.com",
            "user:pass@localhost",
            "localhost.evil.com",
            "localhost/evil",
            "localhost#x",
            "localhost..",
            "127.0.0.1.",
            ".localhost",
            "local host",
            "",
            ":8000",
            "API.example.",
        ] {
            assert!(
                host_name(bad)
                    .is_none_or(|n| !["localhost", "127.0.0.1", "[::1]", "api.example"].contains(&n.as_str())),
                "{bad}"
            );
            assert!(p.check(&headers(&[("host", bad)])).is_err(), "Host {bad:?} must be refused");
            let origin = format!("http://{bad}");
            assert!(p.check(&headers(&[("host", "localhost"), ("origin", &origin)])).is_err(), "Origin {origin}");
        }
        for good in [
            "[::1]",
            "[::1]:8000",
            "[0:0:0:0:0:0:0:1]:1",
            "localhost",
            "LOCALHOST:65535",
            "127.0.0.1:80",
            "api.example",
        ] {
            assert!(p.check(&headers(&[("host", good)])).is_ok(), "Host {good:?} must pass");
        }
        assert_eq!(host_name("[::1]:8000").as_deref(), Some("[::1]"));
        assert_eq!(host_name("My-Host_1.example:8080").as_deref(), Some("my-host_1.example"));
        assert!(host_name(&format!("{}.x", "a".repeat(64))).is_none());
        for bad in [
            "null",
            "localhost",
            "http//localhost",
            "://localhost",
            "1http://localhost",
            "http://localhost/",
            "http://localhost:3000/x",
        ] {
            assert!(!p.origin_allowed(bad), "Origin {bad:?}");
        }
        for good in ["http://localhost:3000", "https://[::1]", "vscode-webview+x://127.0.0.1:9"] {
            assert!(p.origin_allowed(good), "Origin {good:?}");
        }
    }
}
