//! The string formats checked before a handler runs: `date`, `date-time`, `time` and `uuid`.
//!
//! They accept what the Python converters accept (`date.fromisoformat`, `datetime.fromisoformat`,
//! `time.fromisoformat`, `uuid.UUID`), not the stricter RFC 3339 of the schema validator's own
//! checks: a naive `2026-07-28T09:30:00` or `09:30` is a valid argument for a `datetime` or `time`
//! parameter and must keep reaching the function. Every other format stays an annotation, as it
//! was before formats were checked at all (see [`other_formats`]).

/// A format check: whether a string is of the format.
pub type Check = fn(&str) -> bool;

/// The formats checked here, with their checks.
pub const CHECKED: [(&str, Check); 4] =
    [("date", is_date), ("date-time", is_date_time), ("time", is_time), ("uuid", is_uuid)];

/// Formats the validator knows but that stay annotations (no check): registering them with a
/// check that accepts everything keeps format validation to the four above.
pub fn other_formats() -> &'static [&'static str] {
    &[
        "duration",
        "email",
        "hostname",
        "idn-email",
        "idn-hostname",
        "ipv4",
        "ipv6",
        "iri",
        "iri-reference",
        "json-pointer",
        "regex",
        "relative-json-pointer",
        "uri",
        "uri-reference",
        "uri-template",
    ]
}

fn digits(s: &str, n: usize) -> Option<u32> {
    (s.len() == n && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse().ok()).flatten()
}

/// `YYYY-MM-DD` or `YYYYMMDD`, a real calendar day.
pub fn is_date(s: &str) -> bool {
    let (y, m, d) = match s.len() {
        10 if s.as_bytes()[4] == b'-' && s.as_bytes()[7] == b'-' => (&s[..4], &s[5..7], &s[8..]),
        8 => (&s[..4], &s[4..6], &s[6..]),
        _ => return false,
    };
    let (Some(y), Some(m), Some(d)) = (digits(y, 4), digits(m, 2), digits(d, 2)) else { return false };
    let leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    y >= 1 && (1..=days).contains(&d)
}

/// `HH`, `HH:MM`, `HH:MM:SS` or `HH:MM:SS.fff...` (also without colons), then an optional offset:
/// `Z` or `±HH[:MM[:SS]]`.
pub fn is_time(s: &str) -> bool {
    let (clock, offset) = match s.find(['Z', 'z', '+', '-']) {
        Some(i) => (&s[..i], Some(&s[i..])),
        None => (s, None),
    };
    is_clock(clock, true) && offset.is_none_or(is_offset)
}

fn is_clock(s: &str, fraction: bool) -> bool {
    let (main, frac) = match s.split_once(['.', ',']) {
        Some((m, f)) if fraction => (m, Some(f)),
        Some(_) => return false,
        None => (s, None),
    };
    if frac.is_some_and(|f| f.is_empty() || !f.bytes().all(|b| b.is_ascii_digit())) {
        return false;
    }
    let parts: Vec<&str> = if main.contains(':') {
        main.split(':').collect()
    } else {
        (0..main.len()).step_by(2).map(|i| main.get(i..(i + 2).min(main.len())).unwrap_or("")).collect()
    };
    if parts.is_empty() || parts.len() > 3 || (frac.is_some() && parts.len() != 3) {
        return false;
    }
    let limits = [23, 59, 59];
    parts.iter().zip(limits).all(|(p, max)| digits(p, 2).is_some_and(|v| v <= max))
}

fn is_offset(s: &str) -> bool {
    match s.as_bytes().first() {
        Some(b'Z' | b'z') => s.len() == 1,
        Some(b'+' | b'-') => is_clock(&s[1..], false),
        _ => false,
    }
}

/// A date and a time separated by `T` (or a space), e.g. `2026-07-28T09:30:00Z`, or a date alone
/// (midnight: `datetime.fromisoformat("2026-07-28")` takes it on every Python we support).
pub fn is_date_time(s: &str) -> bool {
    match s.find(['T', 't', ' ']) {
        Some(i) => is_date(&s[..i]) && is_time(&s[i + 1..]),
        None => is_date(s),
    }
}

/// What `uuid.UUID(text)` accepts: 32 hex digits, hyphens anywhere, optional braces and `urn:uuid:`.
pub fn is_uuid(s: &str) -> bool {
    let s = s.replace("urn:", "").replace("uuid:", "");
    let hex: String = s.trim_matches(['{', '}']).chars().filter(|&c| c != '-').collect();
    hex.len() == 32 && hex.bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        for ok in ["2026-07-28", "2024-02-29", "20260728"] {
            assert!(is_date(ok), "{ok}");
        }
        for bad in ["2026-02-30", "2025-02-29", "2026-13-01", "26-07-28", "2026/07/28", "yesterday", ""] {
            assert!(!is_date(bad), "{bad}");
        }
    }

    #[test]
    fn times() {
        for ok in ["09:30", "09:30:00", "09:30:00.250", "093000", "09:30:00Z", "09:30:00+02:00", "23:59:59-0530"] {
            assert!(is_time(ok), "{ok}");
        }
        for bad in ["24:00", "9:30", "09:60", "09:30:00+", "noon", "09:30:00.", ""] {
            assert!(!is_time(bad), "{bad}");
        }
    }

    #[test]
    fn date_times() {
        for ok in [
            "2026-07-28T09:30:00Z",
            "2026-07-28T09:30:00",
            "2026-07-28 09:30",
            "2026-07-28T09:30:00.5+01:00",
            "2026-07-28",
        ] {
            assert!(is_date_time(ok), "{ok}");
        }
        for bad in ["2026-07-28T", "2026-07-28T25:00", "2026-02-30", "tomorrow"] {
            assert!(!is_date_time(bad), "{bad}");
        }
    }

    #[test]
    fn uuids() {
        for ok in [
            "12345678-1234-5678-1234-567812345678",
            "12345678123456781234567812345678",
            "{12345678-1234-5678-1234-567812345678}",
            "urn:uuid:12345678-1234-5678-1234-567812345678",
        ] {
            assert!(is_uuid(ok), "{ok}");
        }
        for bad in ["1234", "12345678-1234-5678-1234-56781234567g", "not-a-uuid"] {
            assert!(!is_uuid(bad), "{bad}");
        }
    }
}
