//! Matching URIs against RFC 6570 templates: `{var}` (level 1, one path segment) and `{+var}`
//! (reserved expansion, may span `/`). Enough for resource templates like `users://{user_id}/profile`.

use serde_json::{Map, Value};

#[derive(Debug, Clone, PartialEq)]
enum Part {
    Literal(String),
    Var { name: String, reserved: bool },
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
            let (reserved, name) = match inner.strip_prefix('+') {
                Some(n) => (true, n),
                None => (false, inner),
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
            parts.push(Part::Var { name: name.to_string(), reserved });
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
                Part::Var { name, reserved } => {
                    // A variable runs up to the next literal (or to the end).
                    let end = match self.parts.get(i + 1) {
                        Some(Part::Literal(next)) => rest.find(next.as_str())?,
                        _ => rest.len(),
                    };
                    let raw = &rest[..end];
                    if raw.is_empty() || (!reserved && raw.contains('/')) {
                        return None;
                    }
                    vars.insert(name.clone(), Value::String(percent_decode(raw)?));
                    rest = &rest[end..];
                }
            }
            i += 1;
        }
        rest.is_empty().then_some(vars)
    }
}

fn percent_decode(s: &str) -> Option<String> {
    if !s.contains('%') {
        return Some(s.to_string());
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
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
}
