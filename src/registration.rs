//! Reading a registration: the `oxmcp._registration` records the server's registry passes to
//! `ServerCore.add_*`, one per component kind. Every field is read and validated here, once; an
//! error names the field it is about.

use crate::call::Entry;
use crate::convert;
use oxmcp_core::server::{CacheScope, PromptSpec, ToolSpec};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyBool;
use serde_json::{Map, Value};
use std::time::Duration;

/// `oxmcp._registration.ToolRegistration`.
#[derive(FromPyObject)]
pub struct ToolRegistration<'py> {
    definition: Bound<'py, PyAny>,
    entry: Bound<'py, PyAny>,
    drop_unknown: bool,
    task: Bound<'py, PyAny>,
    task_start: Bound<'py, PyAny>,
    timeout: Option<Bound<'py, PyAny>>,
}

/// `oxmcp._registration.ResourceRegistration`, and the resource part of a `TemplateRegistration`.
#[derive(FromPyObject)]
pub struct ResourceRegistration<'py> {
    definition: Bound<'py, PyAny>,
    entry: Bound<'py, PyAny>,
    cache_ttl_ms: Option<u64>,
    cache_scope: Option<Bound<'py, PyAny>>,
}

/// `oxmcp._registration.TemplateRegistration`: a resource's fields, plus the schema the URI's
/// variables are converted and validated with (`None`: they reach the function as strings).
pub struct TemplateRegistration<'py> {
    pub resource: ResourceRegistration<'py>,
    pub variables_schema: Option<Value>,
}

impl<'py> FromPyObject<'_, 'py> for TemplateRegistration<'py> {
    type Error = PyErr;

    fn extract(obj: Borrowed<'_, 'py, PyAny>) -> PyResult<Self> {
        Ok(TemplateRegistration {
            resource: obj.extract()?,
            variables_schema: optional_schema(&obj.getattr("variables_schema")?, "variables_schema")?,
        })
    }
}

/// `oxmcp._registration.PromptRegistration`.
#[derive(FromPyObject)]
pub struct PromptRegistration<'py> {
    definition: Bound<'py, PyAny>,
    entry: Bound<'py, PyAny>,
    arguments_schema: Option<Bound<'py, PyAny>>,
}

/// A registration read and checked: the Python function's record, and how to build the catalog
/// item once the core has given it a handle.
pub struct Registration<S> {
    pub entry: Entry,
    pub definition: Value,
    pub build: Box<dyn FnOnce(Value, u64) -> Result<S, String> + Send>,
}

/// The caching hints a resource asks for: `(ttl, scope)`, each `None` for "the server's".
pub type CacheHints = (Option<u64>, Option<CacheScope>);

/// The caching hints a resource keeps: `(ttl, scope)`, or `None` for the server's.
pub type Cache = Option<(u64, CacheScope)>;

impl ToolRegistration<'_> {
    pub fn read(self) -> PyResult<Registration<ToolSpec>> {
        let support = task_support(&self.task)?;
        let manual = match self.task_start.extract::<&str>() {
            Ok("immediate") => false,
            Ok("manual") => true,
            _ => return Err(bad("task_start", "'immediate' or 'manual'", &self.task_start)),
        };
        let mut definition = definition(&self.definition)?;
        if let (Some(s), Value::Object(d)) = (support, &mut definition) {
            *d = with_task_support(std::mem::take(d), s);
        }
        let timeout = match &self.timeout {
            None => None,
            Some(t) => match t.extract::<f64>() {
                Ok(s) if s.is_finite() && s > 0.0 && t.cast::<PyBool>().is_err() => Some(Duration::from_secs_f64(s)),
                _ => return Err(bad("timeout", "a positive number of seconds or None", t)),
            },
        };
        let drop_unknown = self.drop_unknown;
        Ok(Registration {
            entry: entry(&self.entry)?,
            definition,
            build: Box::new(move |d, h| {
                ToolSpec::new(d, h, drop_unknown).map(|t| ToolSpec { task_manual_start: manual, timeout, ..t })
            }),
        })
    }
}

impl ResourceRegistration<'_> {
    /// `hints` completes the resource's own caching hints (see `ServerCore`); `build` makes the
    /// catalog item (a resource or a template) with them.
    pub fn read<S: 'static>(
        self,
        hints: impl FnOnce(CacheHints) -> Cache,
        build: impl FnOnce(Value, u64, Cache) -> Result<S, String> + Send + 'static,
    ) -> PyResult<Registration<S>> {
        let scope = match &self.cache_scope {
            None => None,
            Some(s) => match s.extract::<&str>().ok().and_then(CacheScope::parse) {
                Some(scope) => Some(scope),
                None => return Err(bad("cache_scope", "'public' or 'private'", s)),
            },
        };
        let cache = hints((self.cache_ttl_ms, scope));
        Ok(Registration {
            entry: entry(&self.entry)?,
            definition: definition(&self.definition)?,
            build: Box::new(move |d, h| build(d, h, cache)),
        })
    }
}

impl PromptRegistration<'_> {
    pub fn read(self) -> PyResult<Registration<PromptSpec>> {
        let schema = match &self.arguments_schema {
            Some(s) => optional_schema(s, "arguments_schema")?,
            None => None,
        };
        Ok(Registration {
            entry: entry(&self.entry)?,
            definition: definition(&self.definition)?,
            build: Box::new(move |d, h| {
                let prompt = PromptSpec::new(d, h)?;
                match &schema {
                    Some(s) => prompt.with_arguments(s),
                    None => Ok(prompt),
                }
            }),
        })
    }
}

/// A JSON Schema field of a registration: a dict, or None.
fn optional_schema(obj: &Bound<'_, PyAny>, field: &str) -> PyResult<Option<Value>> {
    if obj.is_none() {
        return Ok(None);
    }
    match convert::from_py(obj) {
        Ok(v @ Value::Object(_)) => Ok(Some(v)),
        _ => Err(bad(field, "a JSON Schema dict or None", obj)),
    }
}

/// The Rust side of an `oxmcp._registration.Entry`: a handle to it, and the facts the hot path
/// needs without asking Python.
pub fn entry(obj: &Bound<'_, PyAny>) -> PyResult<Entry> {
    let flag = |name: &str| -> PyResult<bool> {
        obj.getattr(name)?
            .extract::<bool>()
            .map_err(|_| PyValueError::new_err(format!("entry.{name} must be True or False")))
    };
    Ok(Entry {
        obj: obj.clone().unbind(),
        is_async: flag("is_async")?,
        wraps: flag("wraps")?,
        structured: flag("structured")?,
    })
}

fn definition(obj: &Bound<'_, PyAny>) -> PyResult<Value> {
    match convert::from_py(obj) {
        Ok(v @ Value::Object(_)) => Ok(v),
        Ok(_) => Err(PyValueError::new_err("definition must be a dict")),
        Err(e) => Err(PyValueError::new_err(format!("definition: {e}"))),
    }
}

/// `task` → `execution.taskSupport`: True or "optional" → "optional", "required", False/None → none.
fn task_support(task: &Bound<'_, PyAny>) -> PyResult<Option<&'static str>> {
    if task.is_none() {
        return Ok(None);
    }
    if let Ok(b) = task.cast::<PyBool>() {
        return Ok(b.is_true().then_some("optional"));
    }
    match task.extract::<&str>() {
        Ok("optional") => Ok(Some("optional")),
        Ok("required") => Ok(Some("required")),
        _ => Err(bad("task", "True, False, 'optional' or 'required'", task)),
    }
}

/// The definition with `execution.taskSupport` set. `execution` goes before `_meta`, where the
/// definition's other fields put it, so `tools/list` lists its keys in the usual order.
fn with_task_support(definition: Map<String, Value>, support: &str) -> Map<String, Value> {
    let mut out = Map::new();
    let mut meta = None;
    for (k, v) in definition {
        if k == "_meta" {
            meta = Some(v);
        } else if k != "execution" {
            out.insert(k, v);
        }
    }
    out.insert("execution".into(), serde_json::json!({ "taskSupport": support }));
    if let Some(m) = meta {
        out.insert("_meta".into(), m);
    }
    out
}

fn bad(field: &str, allowed: &str, got: &Bound<'_, PyAny>) -> PyErr {
    let got = got.repr().map(|r| r.to_string()).unwrap_or_else(|_| "?".into());
    PyValueError::new_err(format!("{field} must be {allowed}, not {got}"))
}
