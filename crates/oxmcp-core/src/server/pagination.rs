//! Cursor pagination for the list methods: deterministic order (registration order), opaque cursors.

use crate::jsonrpc::ErrorObject;

const PREFIX: &str = "oxc1.";

/// Encodes the offset of the next page. Opaque to clients; the prefix lets us reject foreign cursors.
pub fn encode_cursor(offset: usize) -> String {
    format!("{PREFIX}{offset:x}")
}

/// The page `[start, end)` of `len` items for `cursor`, and the cursor of the next page.
/// `page_size = None` returns everything at once. An unreadable cursor is -32602.
pub fn page(
    len: usize,
    cursor: Option<&str>,
    page_size: Option<usize>,
) -> Result<(usize, usize, Option<String>), ErrorObject> {
    let start = match cursor {
        None | Some("") => 0,
        Some(c) => c
            .strip_prefix(PREFIX)
            .and_then(|hex| usize::from_str_radix(hex, 16).ok())
            .filter(|&o| o <= len)
            .ok_or_else(|| ErrorObject::invalid_params(format!("invalid cursor {c:?}")))?,
    };
    let end = match page_size {
        Some(n) if n > 0 => start.saturating_add(n).min(len),
        _ => len,
    };
    let next = (end < len).then(|| encode_cursor(end));
    Ok((start, end, next))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walks_pages() {
        let (s, e, next) = page(5, None, Some(2)).unwrap();
        assert_eq!((s, e), (0, 2));
        let (s, e, next) = page(5, next.as_deref(), Some(2)).unwrap();
        assert_eq!((s, e), (2, 4));
        let (s, e, next) = page(5, next.as_deref(), Some(2)).unwrap();
        assert_eq!((s, e, next), (4, 5, None));
        assert_eq!(page(3, None, None).unwrap(), (0, 3, None));
        assert_eq!(page(0, Some(""), Some(2)).unwrap(), (0, 0, None));
    }

    #[test]
    fn rejects_foreign_cursors() {
        assert_eq!(page(5, Some("nope"), Some(2)).unwrap_err().code, -32602);
        assert_eq!(page(5, Some("oxc1.ff"), Some(2)).unwrap_err().code, -32602);
    }
}
