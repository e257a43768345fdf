//! Matching URIs against RFC 6570 templates: `{var}` (level 1, one path segment), `{+var}`
//! (reserved expansion, may span `/`) and `{/var}` (path expansion: a `/` and then a value that may
//! span `/`). Enough for resource templates like `users://{user_id}/profile`.
//!
//! What a variable may hold is checked after percent-decoding, because that is what the resource
//! function sees (and often joins to a path): a `{var}` value never contains `/`, and no value
//! (`{+var}`, `{/var}`) contains a `..` segment (split on `/` and `\`), NUL or another control character. A URI whose
//! value breaks the rule does not match the template, so `resources/read` answers it like any URI
//! no template serves: resource not found (-32002 in the handshake era, -32602 from 2026-07-28 on,
//! `ProtocolVersion::resource_not_found_code`). Not found rather than an error naming the variable:
//! the URI is simply not one the template describes, and another template (`{+path}`) may serve it.

use serde_json::{Map, Value};

#[derive(Debug, Clone, PartialEq)]
enum Part {
    Literal(String),
    /// `reserved`: the value may span `/` (`{+var}`, `{/var}`); `slash`: `{/var}`, a `/` before it.
    Var {
        name: String,
        reserved: bool,
        slash: bool,
    },
}

/// A parsed URI template.
#[derive(Debug, Clone)]
pub struct UriTemplate {
    parts: Vec<Part>,
}

impl UriTemplate {
    /// Parses a template; errors name what is wrong (unclosed brace, empty or duplicate variable,
    /// two variables with nothing between them).
    pub fn parse(template: &str) -> Result<Self, String> {
        let mut parts = Vec::new();
        let mut rest = template;
        while let Some(open) = rest.find('{') {
            if open > 0 {
                parts.push(Part::Literal(rest[..open].to_string()));
            }
            let close = rest[open..].find('}').ok_or_else(|| format!("unclosed '{{' in URI template {template:?}"))?;
            let inner = &rest[open + 1..open + close];
            let (reserved, slash, name) = match (inner.strip_prefix('+'), inner.strip_prefix('/')) {
                (Some(n), _) => (true, false, n),
                (_, Some(n)) => (true, true, n),
                _ => (false, false, inner),
            };
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Err(format!("invalid variable {{{inner}}} in URI template {template:?}"));
            }
            if matches!(parts.last(), Some(Part::Var { .. })) {
                return Err(format!("two variables without a separator in URI template {template:?}"));
            }
            if parts.iter().any(|p| matches!(p, Part::Var { name: n, .. } if n == name)) {
                return Err(format!("variable {{{name}}} appears twice in URI template {template:?}"));
            }
            parts.push(Part::Var { name: name.to_string(), reserved, slash });
            rest = &rest[open + close + 1..];
        }
        if !rest.is_empty() {
            parts.push(Part::Literal(rest.to_string()));
        }
        Ok(UriTemplate { parts })
    }

    /// True when the template has at least one variable (otherwise it is a plain URI).
    pub fn is_template(&self) -> bool {
        self.parts.iter().any(|p| matches!(p, Part::Var { .. }))
    }

    /// The variable names in order.
    pub fn variables(&self) -> impl Iterator<Item = &str> {
        self.parts.iter().filter_map(|p| match p {
            Part::Var { name, .. } => Some(name.as_str()),
            Part::Literal(_) => None,
        })
    }

    /// Matches a concrete URI; returns the percent-decoded variable values.
    pub fn matches(&self, uri: &str) -> Option<Map<String, Value>> {
        let mut vars = Map::new();
        let mut rest = uri;
        let mut i = 0;
        while i < self.parts.len() {
            match &self.parts[i] {
                Part::Literal(lit) => rest = rest.strip_prefix(lit.as_str())?,
                Part::Var { name, reserved, slash } => {
                    if *slash {
                        rest = rest.strip_prefix('/')?;
                    }
                    // A variable runs up to the next literal (or to the end).
                    let end = match self.parts.get(i + 1) {
                        Some(Part::Literal(next)) => rest.find(next.as_str())?,
                        _ => rest.len(),
                    };
                    let raw = &rest[..end];
                    if raw.is_empty() {
                        return None;
                    }
                    let value = percent_decode(raw)?;
                    if !allowed_value(&value, *reserved) {
                        tracing::debug!(target: "oxmcp.resources", "{name}: refused value {value:?} (slash, '..' or control character)");
                        return None;
                    }
                    vars.insert(name.clone(), Value::String(value));
                    rest = &rest[end..];
                }
            }
            i += 1;
        }
        rest.is_empty().then_some(vars)
    }
}

/// The rule for a decoded variable value (see the module doc): no control character (NUL
/// included), no `..` segment, and for a simple `{var}` no `/` at all.
fn allowed_value(value: &str, reserved: bool) -> bool {
    if value.chars().any(char::is_control) || (!reserved && value.contains('/')) {
        return false;
    }
    !value.split(['/', '\\']).any(|segment| segment == "..")
}

/// `%XX` escapes to bytes (exactly two hex digits each), then UTF-8; `None` for anything else.
fn percent_decode(s: &str) -> Option<String> {
    if !s.contains('%') {
        return Some(s.to_string());
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3)?;
            // Not `u8::from_str_radix` alone: it would take a sign (`%+1`).
            if !hex.iter().all(u8::is_ascii_hexdigit) {
                return None;
            }
            out.push(u8::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_level_one_variables() {
        let t = UriTemplate::parse("users://{user_id}/profile").unwrap();
        assert!(t.is_template());
        let vars = t.matches("users://42/profile").unwrap();
        assert_eq!(vars["user_id"], "42");
        assert!(t.matches("users://42/other").is_none());
        assert!(t.matches("users:///profile").is_none());
        assert!(t.matches("users://a/b/profile").is_none());
        assert_eq!(t.matches("users://J%C3%BCrgen/profile").unwrap()["user_id"], "Jürgen");
    }

    #[test]
    fn reserved_expansion_spans_slashes() {
        let t = UriTemplate::parse("file:///{+path}").unwrap();
        assert_eq!(t.matches("file:///a/b/c.txt").unwrap()["path"], "a/b/c.txt");
        let t = UriTemplate::parse("repo://{owner}/{name}").unwrap();
        let v = t.matches("repo://me/proj").unwrap();
        assert_eq!((v["owner"].as_str(), v["name"].as_str()), (Some("me"), Some("proj")));
    }

    #[test]
    fn rejects_bad_templates() {
        assert!(UriTemplate::parse("x://{a").is_err());
        assert!(UriTemplate::parse("x://{}").is_err());
        assert!(UriTemplate::parse("x://{a}{b}").is_err());
        assert!(UriTemplate::parse("x://{a}/{a}").is_err());
        assert!(!UriTemplate::parse("config://app").unwrap().is_template());
    }

    /// The value rule holds for every encoding of a slash, a `..` segment or a control character,
    /// in simple and reserved variables alike; ordinary values (dots, non-ASCII) still match.
    #[test]
    fn decoded_values_never_traverse() {
        let simple = UriTemplate::parse("files://{name}").unwrap();
        for uri in [
            "files://..%2F..%2Fetc%2Fpasswd",
            "files://%2Fetc",
            "files://%2fetc",
            "files://a%2Fb",
            "files://..",
            "files://%2E%2E",
            "files://%2e.",
            "files://..%5C..%5Cwindows",
            "files://a%00b",
            "files://%00",
            "files://a%0Ab",
            "files://a%0db",
            "files://a%7Fb",
            "files://a%C2%85b", // U+0085, a C1 control
            "files://a\u{1}b",
            "files://%+1",
            "files://%1",
            "files://%zz",
            "files://%C3",
        ] {
            assert!(simple.matches(uri).is_none(), "{uri} must not match {{name}}");
        }
        for (uri, want) in [
            ("files://report.txt", "report.txt"),
            ("files://...", "..."),
            ("files://..a", "..a"),
            ("files://a..b", "a..b"),
            ("files://caf%C3%A9", "café"),
            ("files://%E2%9C%93", "\u{2713}"),
        ] {
            assert_eq!(simple.matches(uri).unwrap()["name"], want, "{uri}");
        }

        let reserved = UriTemplate::parse("files:///{+path}").unwrap();
        let path = UriTemplate::parse("files://{/path}").unwrap();
        assert_eq!(path.matches("files:///a/b%2Fc/d.txt").unwrap()["path"], "a/b/c/d.txt");
        assert!(path.matches("files://a").is_none(), "{{/path}} starts with a slash");
        for uri in ["files:///../etc", "files:///a/%2E%2E/b", "files:///a/..", "files:///a%00"] {
            assert!(path.matches(uri).is_none(), "{uri} must not match {{/path}}");
        }
        for uri in [
            "files:///../etc/passwd",
            "files:///a/../../etc",
            "files:///a/..",
            "files:///a%2F..%2F..%2Fetc",
            "files:///%2E%2E/x",
            "files:///a\\..\\b",
            "files:///a/b%00.txt",
            "files:///a/%1Bb",
        ] {
            assert!(reserved.matches(uri).is_none(), "{uri} must not match {{+path}}");
        }
        assert_eq!(reserved.matches("files:///a/b%2Fc/d.txt").unwrap()["path"], "a/b/c/d.txt");
        assert_eq!(reserved.matches("files:///a/.../b..c/./d").unwrap()["path"], "a/.../b..c/./d");
    }
}
