//! Protected Resource Metadata (RFC 9728): the document a client reads to find the authorization
//! servers of this resource and the scopes it knows, and where that document lives.

use serde_json::{json, Value};

/// The well-known prefix of the metadata document.
pub const WELL_KNOWN: &str = "/.well-known/oauth-protected-resource";

/// The path of the metadata document for a resource at `resource_path` (RFC 9728 §3.1: the
/// well-known prefix, then the resource's path): `/mcp` → `/.well-known/oauth-protected-resource/mcp`,
/// `/` or empty → the bare prefix.
pub fn well_known_path(resource_path: &str) -> String {
    let path = resource_path.trim_end_matches('/');
    if path.is_empty() {
        WELL_KNOWN.to_string()
    } else if path.starts_with('/') {
        format!("{WELL_KNOWN}{path}")
    } else {
        format!("{WELL_KNOWN}/{path}")
    }
}

/// The URL of the metadata document of `resource_url` (`https://h/mcp` →
/// `https://h/.well-known/oauth-protected-resource/mcp`); query and fragment are dropped.
pub fn metadata_url(resource_url: &str) -> String {
    let (origin, path) = split_origin(resource_url);
    format!("{origin}{}", well_known_path(path))
}

/// `https://h:1/a/b?q` → (`https://h:1`, `/a/b`).
pub fn split_origin(url: &str) -> (&str, &str) {
    let url = url.split(['?', '#']).next().unwrap_or(url);
    let after_scheme = url.find("://").map(|i| i + 3).unwrap_or(0);
    match url[after_scheme..].find('/') {
        Some(i) => url.split_at(after_scheme + i),
        None => (url, ""),
    }
}

/// The metadata document: the resource, its authorization servers, the scopes it knows, and that
/// tokens come only in the `Authorization` header.
pub fn document(
    resource: &str,
    authorization_servers: &[String],
    scopes_supported: &[String],
    name: Option<&str>,
) -> Value {
    let mut doc = json!({
        "resource": resource,
        "authorization_servers": authorization_servers,
        "bearer_methods_supported": ["header"],
    });
    if !scopes_supported.is_empty() {
        doc["scopes_supported"] = json!(scopes_supported);
    }
    if let Some(name) = name {
        doc["resource_name"] = json!(name);
    }
    doc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn well_known_paths() {
        assert_eq!(well_known_path("/mcp"), "/.well-known/oauth-protected-resource/mcp");
        assert_eq!(well_known_path("/a/b/"), "/.well-known/oauth-protected-resource/a/b");
        assert_eq!(well_known_path("/"), WELL_KNOWN);
        assert_eq!(
            metadata_url("https://n.example.com/mcp"),
            "https://n.example.com/.well-known/oauth-protected-resource/mcp"
        );
        assert_eq!(metadata_url("http://127.0.0.1:8000"), "http://127.0.0.1:8000/.well-known/oauth-protected-resource");
        assert_eq!(metadata_url("https://h/x?y=1#z"), "https://h/.well-known/oauth-protected-resource/x");
    }

    #[test]
    fn document_lists_what_clients_need() {
        let d = document("https://h/mcp", &["https://idp/".into()], &["a".into()], Some("notes"));
        assert_eq!(d["resource"], "https://h/mcp");
        assert_eq!(d["authorization_servers"][0], "https://idp/");
        assert_eq!(d["scopes_supported"][0], "a");
        assert_eq!(d["bearer_methods_supported"][0], "header");
        assert_eq!(d["resource_name"], "notes");
    }
}
