//! What the server offers: tools, resources, resource templates and prompts, in registration order.
//!
//! Each entry keeps the exact JSON definition that the list methods return, and a `handle` that the
//! `Handler` uses to find the code behind it. A `Catalog` is immutable once shared: changes build a
//! new one (copy on write), so readers never lock for longer than an `Arc` clone.

use super::arguments::{ArgumentError, ArgumentSchema};
use super::uri_template::UriTemplate;
use super::CacheScope;
use crate::jsonrpc::ErrorObject;
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use std::sync::Arc;

pub struct ToolSpec {
    pub name: String,
    /// The `Tool` object as `tools/list` returns it (name, description, inputSchema, ...).
    pub definition: Value,
    pub arguments: ArgumentSchema,
    pub handle: u64,
    /// `execution.taskSupport` of the definition: whether calls may become tasks.
    pub task_support: super::tasks::record::TaskSupport,
    /// A call that may become a task starts as a plain request and becomes one when the function
    /// calls `RequestContext::start_task` (else it is a task from the start).
    pub task_manual_start: bool,
    /// How long a call may run before it is answered with a timeout error and cancelled
    /// (`server::deadline`); `None`: no bound. Bounds a task's run too.
    pub timeout: Option<std::time::Duration>,
    /// OAuth scopes a caller needs to see and call it (beyond the server's required scopes).
    pub scopes: Vec<String>,
}

impl ToolSpec {
    /// Builds a tool from its definition; `drop_unknown` drops arguments the schema does not declare.
    pub fn new(definition: Value, handle: u64, drop_unknown: bool) -> Result<Self, String> {
        let name = required_str(&definition, "name", "tool")?;
        validate_tool_name(&name)?;
        let schema = definition
            .get("inputSchema")
            .filter(|s| s.is_object())
            .ok_or_else(|| format!("tool {name:?} needs an inputSchema object"))?;
        if schema.get("type").and_then(Value::as_str) != Some("object") {
            return Err(format!("tool {name:?}: inputSchema must have \"type\": \"object\""));
        }
        let arguments = ArgumentSchema::compile(schema, drop_unknown).map_err(|e| format!("tool {name:?}: {e}"))?;
        let task_support =
            super::tasks::record::TaskSupport::of_definition(&definition).map_err(|e| format!("tool {name:?}: {e}"))?;
        Ok(ToolSpec {
            name,
            definition,
            arguments,
            handle,
            task_support,
            task_manual_start: false,
            timeout: None,
            scopes: Vec::new(),
        })
    }
}

/// Tool names: 1-128 characters from `[A-Za-z0-9_.-]` (the spec's SHOULD, enforced so that every
/// client accepts our tools).
fn validate_tool_name(name: &str) -> Result<(), String> {
    let ok = !name.is_empty()
        && name.len() <= 128
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    if ok {
        Ok(())
    } else {
        Err(format!("invalid tool name {name:?}: use 1-128 characters from A-Z a-z 0-9 _ - ."))
    }
}

pub struct ResourceSpec {
    pub uri: String,
    pub definition: Value,
    pub handle: u64,
    /// Its own caching hints for `resources/read` (else the server's).
    pub cache: Option<(u64, CacheScope)>,
    /// OAuth scopes a caller needs to see and read it.
    pub scopes: Vec<String>,
}

impl ResourceSpec {
    pub fn new(definition: Value, handle: u64) -> Result<Self, String> {
        let uri = required_str(&definition, "uri", "resource")?;
        required_str(&definition, "name", "resource")?;
        Ok(ResourceSpec { uri, definition, handle, cache: None, scopes: Vec::new() })
    }
}

pub struct TemplateSpec {
    /// The `uriTemplate` as registered (the template's key).
    pub uri_template: String,
    pub template: UriTemplate,
    pub definition: Value,
    pub handle: u64,
    pub cache: Option<(u64, CacheScope)>,
    /// The URI variables' schema (see [`TemplateSpec::with_variables`]); `None`: they reach the
    /// handler as the strings read from the URI.
    pub variables: Option<ArgumentSchema>,
    /// OAuth scopes a caller needs to see it and read what it matches.
    pub scopes: Vec<String>,
}

impl TemplateSpec {
    pub fn new(definition: Value, handle: u64) -> Result<Self, String> {
        let raw = required_str(&definition, "uriTemplate", "resource template")?;
        required_str(&definition, "name", "resource template")?;
        let template = UriTemplate::parse(&raw)?;
        Ok(TemplateSpec {
            uri_template: raw,
            template,
            definition,
            handle,
            cache: None,
            variables: None,
            scopes: Vec::new(),
        })
    }

    /// Types the URI variables: `schema` is a JSON Schema object like a tool's `inputSchema`
    /// (`{"type": "object", "properties": {"id": {"type": "integer"}}, "required": ["id"]}`) whose
    /// properties are variables of the template. `resources/read` then converts the matched strings
    /// with it (`"42"` -> `42`) and answers -32602 naming the variable when one does not fit.
    pub fn with_variables(mut self, schema: &Value) -> Result<Self, String> {
        let what = format!("resource template {:?}", self.uri_template);
        let compiled = compile_object_schema(schema, &what)?;
        let properties = schema.get("properties").and_then(Value::as_object);
        if let Some(p) =
            properties.into_iter().flat_map(|p| p.keys()).find(|p| !self.template.variables().any(|v| v == *p))
        {
            return Err(format!("{what}: {p:?} is not a variable of the template"));
        }
        self.variables = Some(compiled);
        Ok(self)
    }

    /// The variables a URI matched, as the handler gets them: converted and validated by the
    /// template's schema when it has one, else unchanged (strings).
    pub fn convert_variables(&self, matched: Map<String, Value>) -> Result<Map<String, Value>, ArgumentError> {
        match &self.variables {
            Some(schema) => schema.prepare(matched),
            None => Ok(matched),
        }
    }
}

pub struct PromptSpec {
    pub name: String,
    pub definition: Value,
    /// Names of required arguments, checked before the handler runs.
    pub required: Vec<String>,
    pub handle: u64,
    /// The arguments' schema (see [`PromptSpec::with_arguments`]); `None`: only `required` is checked.
    pub arguments: Option<ArgumentSchema>,
    /// OAuth scopes a caller needs to see and get it.
    pub scopes: Vec<String>,
}

impl PromptSpec {
    pub fn new(definition: Value, handle: u64) -> Result<Self, String> {
        let name = required_str(&definition, "name", "prompt")?;
        let required = definition
            .get("arguments")
            .and_then(Value::as_array)
            .map(|args| {
                args.iter()
                    .filter(|a| a.get("required").and_then(Value::as_bool).unwrap_or(false))
                    .filter_map(|a| a.get("name").and_then(Value::as_str).map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        Ok(PromptSpec { name, definition, required, handle, arguments: None, scopes: Vec::new() })
    }

    /// Types the arguments: `schema` is a JSON Schema object like a tool's `inputSchema`.
    /// `prompts/get` then coerces and validates the arguments with it, as `tools/call` does for a
    /// tool (an `enum` restricts a value to its choices), and answers -32602 naming the argument.
    /// Arguments the schema does not declare are kept (`additionalProperties` decides).
    pub fn with_arguments(mut self, schema: &Value) -> Result<Self, String> {
        self.arguments = Some(compile_object_schema(schema, &format!("prompt {:?}", self.name))?);
        Ok(self)
    }
}

/// Compiles a `{"type": "object", ...}` schema of named values (prompt arguments, URI variables).
fn compile_object_schema(schema: &Value, what: &str) -> Result<ArgumentSchema, String> {
    if !schema.is_object() || schema.get("type").and_then(Value::as_str) != Some("object") {
        return Err(format!("{what}: the schema must be an object with \"type\": \"object\""));
    }
    ArgumentSchema::compile(schema, false).map_err(|e| format!("{what}: {e}"))
}

fn required_str(def: &Value, key: &str, what: &str) -> Result<String, String> {
    def.get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .ok_or_else(|| format!("a {what} definition needs a non-empty {key:?} string"))
}

/// An ordered collection with lookup by key.
struct Ordered<T> {
    items: Vec<Arc<T>>,
    index: HashMap<String, usize>,
}

// Manual impl: cloning shares the items (Arc), so `T` itself need not be Clone.
impl<T> Clone for Ordered<T> {
    fn clone(&self) -> Self {
        Ordered { items: self.items.clone(), index: self.index.clone() }
    }
}

impl<T> Default for Ordered<T> {
    fn default() -> Self {
        Ordered { items: Vec::new(), index: HashMap::new() }
    }
}

impl<T> Ordered<T> {
    /// Inserts or replaces (keeping the original position, so list order stays stable).
    fn upsert(&mut self, key: String, item: T) {
        match self.index.get(&key) {
            Some(&i) => self.items[i] = Arc::new(item),
            None => {
                self.index.insert(key, self.items.len());
                self.items.push(Arc::new(item));
            }
        }
    }
    fn remove(&mut self, key: &str) -> bool {
        let Some(i) = self.index.remove(key) else { return false };
        self.items.remove(i);
        for v in self.index.values_mut() {
            if *v > i {
                *v -= 1;
            }
        }
        true
    }
    fn get(&self, key: &str) -> Option<&Arc<T>> {
        self.index.get(key).map(|&i| &self.items[i])
    }
}

/// Everything the server offers, as one immutable snapshot.
#[derive(Clone, Default)]
pub struct Catalog {
    tools: Ordered<ToolSpec>,
    resources: Ordered<ResourceSpec>,
    templates: Ordered<TemplateSpec>,
    prompts: Ordered<PromptSpec>,
}

impl Catalog {
    pub fn add_tool(&mut self, spec: ToolSpec) {
        self.tools.upsert(spec.name.clone(), spec);
    }
    pub fn remove_tool(&mut self, name: &str) -> bool {
        self.tools.remove(name)
    }
    pub fn tool(&self, name: &str) -> Option<&Arc<ToolSpec>> {
        self.tools.get(name)
    }
    pub fn tools(&self) -> &[Arc<ToolSpec>] {
        &self.tools.items
    }

    pub fn add_resource(&mut self, spec: ResourceSpec) {
        self.resources.upsert(spec.uri.clone(), spec);
    }
    pub fn remove_resource(&mut self, uri: &str) -> bool {
        self.resources.remove(uri)
    }
    pub fn resources(&self) -> &[Arc<ResourceSpec>] {
        &self.resources.items
    }
    /// The static resource registered under exactly this URI.
    pub fn resource(&self, uri: &str) -> Option<&Arc<ResourceSpec>> {
        self.resources.get(uri)
    }

    pub fn add_template(&mut self, spec: TemplateSpec) {
        self.templates.upsert(spec.uri_template.clone(), spec);
    }
    pub fn remove_template(&mut self, uri_template: &str) -> bool {
        self.templates.remove(uri_template)
    }
    /// The template registered under exactly this `uriTemplate`.
    pub fn template(&self, uri_template: &str) -> Option<&Arc<TemplateSpec>> {
        self.templates.get(uri_template)
    }
    pub fn templates(&self) -> &[Arc<TemplateSpec>] {
        &self.templates.items
    }

    pub fn add_prompt(&mut self, spec: PromptSpec) {
        self.prompts.upsert(spec.name.clone(), spec);
    }
    pub fn remove_prompt(&mut self, name: &str) -> bool {
        self.prompts.remove(name)
    }
    pub fn prompt(&self, name: &str) -> Option<&Arc<PromptSpec>> {
        self.prompts.get(name)
    }
    pub fn prompts(&self) -> &[Arc<PromptSpec>] {
        &self.prompts.items
    }

    /// Finds what serves a URI: an exact resource first, then templates in registration order.
    pub fn resolve_resource(&self, uri: &str) -> Option<ResourceTarget> {
        if let Some(r) = self.resources.get(uri) {
            return Some(ResourceTarget::Static(r.clone()));
        }
        self.templates
            .items
            .iter()
            .find_map(|t| t.template.matches(uri).map(|vars| ResourceTarget::Template(t.clone(), vars)))
    }
}

/// What a `resources/read` resolved to.
#[derive(Clone)]
pub enum ResourceTarget {
    Static(Arc<ResourceSpec>),
    /// A template and the variables read from the URI: strings as matched by `resolve_resource`;
    /// in a `ResourceRead` handed to the handler, converted by the template's schema when it has
    /// one (`TemplateSpec::convert_variables`), e.g. the number 42 for an integer variable.
    Template(Arc<TemplateSpec>, Map<String, Value>),
}

impl ResourceTarget {
    /// The target as its function gets it: a template's variables converted and validated by its
    /// schema (see [`TemplateSpec::convert_variables`]), or the -32602 that names the variable
    /// refused, for `uri`. What `resources/read` and the bindings' `match_resource` both apply.
    pub fn converted(self, uri: &str) -> Result<Self, ErrorObject> {
        match self {
            ResourceTarget::Template(t, matched) => match t.convert_variables(matched) {
                Ok(vars) => Ok(ResourceTarget::Template(t, vars)),
                Err(e) => {
                    let text = format!("Invalid variable for resource template {}: {e}", t.uri_template);
                    let data = json!({ "uri": uri, "uriTemplate": t.uri_template, "field": e.field });
                    Err(ErrorObject::invalid_params(text).with_data(data))
                }
            },
            target => Ok(target),
        }
    }

    pub fn handle(&self) -> u64 {
        match self {
            ResourceTarget::Static(r) => r.handle,
            ResourceTarget::Template(t, _) => t.handle,
        }
    }
    pub fn definition(&self) -> &Value {
        match self {
            ResourceTarget::Static(r) => &r.definition,
            ResourceTarget::Template(t, _) => &t.definition,
        }
    }
    /// The resource's own caching hints, if it has them.
    pub fn cache(&self) -> Option<(u64, CacheScope)> {
        match self {
            ResourceTarget::Static(r) => r.cache,
            ResourceTarget::Template(t, _) => t.cache,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn tool(name: &str, handle: u64) -> ToolSpec {
        ToolSpec::new(json!({"name": name, "inputSchema": {"type": "object"}}), handle, true).unwrap()
    }

    #[test]
    fn keeps_order_and_replaces_in_place() {
        let mut c = Catalog::default();
        c.add_tool(tool("b", 1));
        c.add_tool(tool("a", 2));
        c.add_tool(tool("b", 3));
        let names: Vec<_> = c.tools().iter().map(|t| (t.name.as_str(), t.handle)).collect();
        assert_eq!(names, [("b", 3), ("a", 2)]);
        assert!(c.remove_tool("b"));
        assert_eq!(c.tool("a").unwrap().handle, 2);
        assert!(c.tool("b").is_none());
    }

    #[test]
    fn rejects_bad_definitions() {
        assert!(ToolSpec::new(json!({"name": "x y", "inputSchema": {"type": "object"}}), 0, true).is_err());
        assert!(ToolSpec::new(json!({"name": "x"}), 0, true).is_err());
        assert!(ToolSpec::new(json!({"name": "x", "inputSchema": {"type": "array"}}), 0, true).is_err());
        assert!(ResourceSpec::new(json!({"uri": "a://b"}), 0).is_err());
    }

    #[test]
    fn resolves_static_before_templates() {
        let mut c = Catalog::default();
        c.add_template(TemplateSpec::new(json!({"uriTemplate": "users://{id}", "name": "u"}), 1).unwrap());
        c.add_resource(ResourceSpec::new(json!({"uri": "users://me", "name": "me"}), 2).unwrap());
        assert_eq!(c.resolve_resource("users://me").unwrap().handle(), 2);
        match c.resolve_resource("users://7").unwrap() {
            ResourceTarget::Template(_, vars) => assert_eq!(vars["id"], "7"),
            ResourceTarget::Static(_) => panic!("static"),
        }
        assert!(c.resolve_resource("other://x").is_none());
    }
}
