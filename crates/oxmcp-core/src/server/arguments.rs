//! Arguments: lenient coercion of what LLM clients tend to send, then validation against a JSON
//! Schema, with errors that name the offending field. One path for tool arguments, prompt
//! arguments and resource-template variables. The string formats `date`, `date-time`, `time` and
//! `uuid` are checked (see `formats`); other formats stay annotations.

use super::formats;
use jsonschema::Validator;
use serde_json::{Map, Value};

/// A compiled input schema.
pub struct ArgumentSchema {
    validator: Validator,
    schema: Value,
    /// Names of declared properties when unknown arguments should be dropped (generated schemas);
    /// `None` keeps everything (hand-written schemas decide for themselves).
    known: Option<Vec<String>>,
}

/// An argument that failed validation.
#[derive(Debug, Clone, PartialEq)]
pub struct ArgumentError {
    /// Path of the field, e.g. `b` or `items.0.name`; empty for the arguments object itself.
    pub field: String,
    pub message: String,
}

impl std::fmt::Display for ArgumentError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.field.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.field, self.message)
        }
    }
}

impl ArgumentSchema {
    /// Compiles a schema. `drop_unknown` removes arguments the schema does not declare before
    /// validation (what FastMCP users expect from generated schemas).
    pub fn compile(schema: &Value, drop_unknown: bool) -> Result<Self, String> {
        let mut options = jsonschema::options().should_validate_formats(true);
        for (name, check) in formats::CHECKED {
            options = options.with_format(name, check);
        }
        for &name in formats::other_formats() {
            options = options.with_format(name, |_: &str| true);
        }
        let validator = options.build(schema).map_err(|e| format!("invalid input schema: {e}"))?;
        let known = if drop_unknown {
            schema.get("properties").and_then(Value::as_object).map(|p| p.keys().cloned().collect())
        } else {
            None
        };
        Ok(ArgumentSchema { validator, schema: schema.clone(), known })
    }

    pub fn schema(&self) -> &Value {
        &self.schema
    }

    /// Prepares arguments for a call: drops undeclared ones (if configured), coerces strings where
    /// the schema wants numbers, booleans, arrays or objects, and validates.
    pub fn prepare(&self, mut args: Map<String, Value>) -> Result<Map<String, Value>, ArgumentError> {
        if let Some(known) = &self.known {
            if args.keys().any(|k| !known.iter().any(|n| n == k)) {
                args.retain(|k, _| known.iter().any(|n| n == k));
            }
        }
        let mut value = Value::Object(args);
        if !self.validator.is_valid(&value) {
            coerce(&mut value, &self.schema, 0);
            if let Some(err) = self.validator.iter_errors(&value).next() {
                return Err(describe(&err));
            }
        }
        match value {
            Value::Object(m) => Ok(m),
            _ => unreachable!("arguments stay an object"),
        }
    }
}

fn describe(err: &jsonschema::ValidationError<'_>) -> ArgumentError {
    let path = err.instance_path().as_str();
    let mut field = path.trim_start_matches('/').replace('/', ".");
    // A missing property is reported at its parent; name the property itself.
    if let jsonschema::error::ValidationErrorKind::Required { property: Value::String(name) } = err.kind() {
        field = if field.is_empty() { name.clone() } else { format!("{field}.{name}") };
        return ArgumentError { field, message: "required argument is missing".into() };
    }
    ArgumentError { field, message: err.to_string() }
}

/// The JSON types a schema accepts at this level (`None` = unconstrained).
fn accepted_types(schema: &Value) -> Option<Vec<&str>> {
    let mut out = Vec::new();
    match schema.get("type") {
        Some(Value::String(t)) => out.push(t.as_str()),
        Some(Value::Array(ts)) => out.extend(ts.iter().filter_map(Value::as_str)),
        _ => {}
    }
    for key in ["anyOf", "oneOf"] {
        if let Some(Value::Array(alts)) = schema.get(key) {
            for alt in alts {
                out.extend(accepted_types(alt)?);
            }
        }
    }
    if out.is_empty() {
        None
    } else {
        Some(out)
    }
}

/// The subschema for a property or array item, looking through anyOf/oneOf alternatives.
fn child_schema<'a>(schema: &'a Value, key: Option<&str>) -> Option<&'a Value> {
    let direct = match key {
        Some(k) => schema.get("properties").and_then(|p| p.get(k)),
        None => schema.get("items"),
    };
    if direct.is_some() {
        return direct;
    }
    for alt_key in ["anyOf", "oneOf"] {
        if let Some(Value::Array(alts)) = schema.get(alt_key) {
            if let Some(found) = alts.iter().find_map(|a| child_schema(a, key)) {
                return Some(found);
            }
        }
    }
    None
}

/// Converts string values into the type the schema asks for, where that is unambiguous:
/// "3" -> 3 for number/integer, "true" -> true for boolean, "[1,2]" / "{...}" -> JSON for array/object.
fn coerce(value: &mut Value, schema: &Value, depth: usize) {
    if depth > 32 {
        return;
    }
    if let Value::String(s) = value {
        let Some(types) = accepted_types(schema) else { return };
        if types.contains(&"string") {
            return;
        }
        if let Some(v) = coerce_string(s, &types) {
            *value = v;
        }
    }
    match value {
        Value::Object(map) => {
            for (k, v) in map.iter_mut() {
                if let Some(sub) = child_schema(schema, Some(k)) {
                    coerce(v, sub, depth + 1);
                }
            }
        }
        Value::Array(items) => {
            if let Some(sub) = child_schema(schema, None) {
                for v in items.iter_mut() {
                    coerce(v, sub, depth + 1);
                }
            }
        }
        _ => {}
    }
}

fn coerce_string(s: &str, types: &[&str]) -> Option<Value> {
    let t = s.trim();
    if types.contains(&"integer") || types.contains(&"number") {
        if let Ok(i) = t.parse::<i64>() {
            return Some(Value::from(i));
        }
    }
    if types.contains(&"number") {
        if let Ok(f) = t.parse::<f64>() {
            if f.is_finite() {
                return serde_json::Number::from_f64(f).map(Value::Number).or(Some(Value::from(f)));
            }
        }
    }
    if types.contains(&"boolean") {
        match t.to_ascii_lowercase().as_str() {
            "true" => return Some(Value::Bool(true)),
            "false" => return Some(Value::Bool(false)),
            _ => {}
        }
    }
    if types.contains(&"null") && (t == "null" || t.is_empty()) {
        return Some(Value::Null);
    }
    if (types.contains(&"array") && t.starts_with('[')) || (types.contains(&"object") && t.starts_with('{')) {
        return serde_json::from_str(t).ok();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schema() -> ArgumentSchema {
        ArgumentSchema::compile(
            &json!({
                "type": "object",
                "properties": {
                    "a": {"type": "number"},
                    "n": {"anyOf": [{"type": "integer"}, {"type": "null"}]},
                    "flag": {"type": "boolean"},
                    "tags": {"type": "array", "items": {"type": "integer"}},
                    "opts": {"type": "object", "properties": {"depth": {"type": "integer"}}},
                    "name": {"type": "string"}
                },
                "required": ["a"]
            }),
            true,
        )
        .unwrap()
    }

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn valid_arguments_pass_untouched() {
        let out = schema().prepare(obj(json!({"a": 1.5, "name": "12"}))).unwrap();
        assert_eq!(out["a"], 1.5);
        assert_eq!(out["name"], "12", "strings stay strings where the schema wants a string");
    }

    #[test]
    fn strings_are_coerced_where_unambiguous() {
        let out = schema()
            .prepare(obj(json!({"a": "2.5", "n": "7", "flag": "true", "tags": "[1, 2]", "opts": "{\"depth\": \"3\"}"})))
            .unwrap();
        assert_eq!(out["a"], 2.5);
        assert_eq!(out["n"], 7);
        assert_eq!(out["flag"], true);
        assert_eq!(out["tags"], json!([1, 2]));
        assert_eq!(out["opts"]["depth"], 3);
    }

    #[test]
    fn errors_name_the_field() {
        let err = schema().prepare(obj(json!({"a": "abc"}))).unwrap_err();
        assert_eq!(err.field, "a");
        assert!(err.to_string().starts_with("a: "), "{err}");
        let err = schema().prepare(obj(json!({}))).unwrap_err();
        assert_eq!(err.field, "a", "{err}");
        assert_eq!(err.to_string(), "a: required argument is missing");
        let err = schema().prepare(obj(json!({"a": 1, "tags": [1, "x"]}))).unwrap_err();
        assert_eq!(err.field, "tags.1");
    }

    #[test]
    fn unknown_arguments_are_dropped_for_generated_schemas() {
        let out = schema().prepare(obj(json!({"a": 1, "junk": true}))).unwrap();
        assert!(!out.contains_key("junk"));
        let raw = ArgumentSchema::compile(&json!({"type": "object", "additionalProperties": false}), false).unwrap();
        assert!(raw.prepare(obj(json!({"junk": 1}))).is_err());
    }

    #[test]
    fn four_string_formats_are_checked_others_are_not() {
        let s = ArgumentSchema::compile(
            &json!({"type": "object", "properties": {
                "day": {"type": "string", "format": "date"},
                "at": {"type": "string", "format": "date-time"},
                "id": {"type": "string", "format": "uuid"},
                "mail": {"type": "string", "format": "email"}
            }}),
            false,
        )
        .unwrap();
        let ok = json!({"day": "2026-07-28", "at": "2026-07-28T09:30:00", "id": "12345678123456781234567812345678"});
        assert!(s.prepare(obj(ok)).is_ok());
        assert_eq!(s.prepare(obj(json!({"day": "2026-02-30"}))).unwrap_err().field, "day");
        assert_eq!(s.prepare(obj(json!({"at": "soon"}))).unwrap_err().field, "at");
        assert_eq!(s.prepare(obj(json!({"id": "x"}))).unwrap_err().field, "id");
        assert!(s.prepare(obj(json!({"mail": "not an address"}))).is_ok(), "other formats stay annotations");
    }
}
