//! URI templates (`server/uri_template.rs`): a template and a URI from the input (split at the
//! first NUL). Never panics; every value a match hands on obeys the rule: no control character,
//! no `..` segment, and no `/` in a simple `{var}`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oxmcp_core::server::uri_template::UriTemplate;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (template, uri) = text.split_once('\0').unwrap_or((text, text));
    let Ok(parsed) = UriTemplate::parse(template) else { return };
    let _ = parsed.is_template();
    let Some(vars) = parsed.matches(uri) else { return };
    let names: Vec<&str> = parsed.variables().collect();
    assert_eq!(vars.len(), names.len(), "every variable is matched once");
    for (name, value) in &vars {
        let value = value.as_str().expect("variables are strings");
        let reserved = template.contains(&format!("{{+{name}}}")) || template.contains(&format!("{{/{name}}}"));
        assert!(!value.is_empty(), "{name}: empty");
        assert!(!value.chars().any(char::is_control), "{name}: control character in {value:?}");
        assert!(!value.split(['/', '\\']).any(|s| s == ".."), "{name}: '..' segment in {value:?}");
        assert!(reserved || !value.contains('/'), "{name}: '/' in a simple variable: {value:?}");
    }
});
