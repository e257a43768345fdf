//! JSON <-> Python conversion, in one place.
//!
//! Python -> JSON is the one converter for every value user code hands the core (tool, resource,
//! prompt and completion results, list overrides, request params, log data, carried state...):
//! - depth-bounded: a container nested deeper than [`MAX_VALUE_DEPTH`] is refused, so no deep value
//!   reaches a recursive encoder or `Value`'s recursive drop (a 20k-deep dict used to overflow the
//!   stack and kill the process);
//! - cycle-aware: a value that contains itself is refused as a cycle. Cycles are found only once the
//!   depth bound trips (the pointers along the path are compared then), so plain values pay nothing;
//! - plain types (`None`, bool, int, float, str, list, tuple, dict and their subclasses) are read
//!   here directly; anything else is offered to `oxmcp._jsonable.known`, which replaces the known
//!   types (datetime, UUID, Path, Decimal, Enum, bytes, sets, dataclasses, pydantic models,
//!   mappings...) by plain values, one step at a time; what it does not know is an error naming
//!   the type, never its `repr`.
//!
//! Errors name the path from a root (`result.items[3].child: nested deeper than 256`).
//! JSON -> Python is pythonize (values from the wire are already bounded by the parser).

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use serde_json::{Map, Number, Value};
use std::fmt::Write as _;

/// How deep a value user code hands the core may nest: containers (dict, list, ...) inside one
/// another, the outermost being level 1. Exported to Python as `oxmcp._core.MAX_VALUE_DEPTH`.
pub const MAX_VALUE_DEPTH: usize = 256;

/// How many replacement steps (`Enum` -> its value -> ...) one value may take.
const MAX_REPLACEMENTS: usize = 8;

pub fn to_py<'py>(py: Python<'py>, value: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(pythonize::pythonize(py, value)?)
}

pub fn map_to_py<'py>(py: Python<'py>, map: &Map<String, Value>) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    for (k, v) in map {
        dict.set_item(k, to_py(py, v)?)?;
    }
    Ok(dict)
}

/// `obj` as JSON; an error (`ValueError`, `TypeError` for a type it cannot convert) names the
/// problem and its path under `root`.
pub fn from_py_at(obj: &Bound<'_, PyAny>, root: &str) -> PyResult<Value> {
    Walker { strict: false }.convert(obj).map_err(|e| (*e).into_pyerr(root))
}

/// [`from_py_at`] with the root named `value`.
pub fn from_py(obj: &Bound<'_, PyAny>) -> PyResult<Value> {
    from_py_at(obj, "value")
}

/// Plain values only: `Ok(None)` as soon as something is not plain JSON data (the caller then
/// converts it its own way); an error message (path under `root`) for a value that is plain but
/// cannot be JSON (too deep, a cycle, NaN...).
pub fn from_py_plain(obj: &Bound<'_, PyAny>, root: &str) -> Result<Option<Value>, String> {
    match (Walker { strict: true }).convert(obj) {
        Ok(v) => Ok(Some(v)),
        Err(e) if matches!(e.problem, Problem::NotPlain) => Ok(None),
        Err(e) => Err((*e).message(root)),
    }
}

/// `oxmcp._core.jsonable(value, root="result")`: `value` as plain JSON data (dict, list, str,
/// int, float, bool, None), through the same converter as everything the core sends.
#[pyfunction]
#[pyo3(signature = (value, root="result"))]
pub fn jsonable<'py>(value: &Bound<'py, PyAny>, root: &str) -> PyResult<Bound<'py, PyAny>> {
    to_py(value.py(), &from_py_at(value, root)?)
}

/// Adds the converter's names to the `oxmcp._core` module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("MAX_VALUE_DEPTH", MAX_VALUE_DEPTH)?;
    m.add_function(wrap_pyfunction!(jsonable, m)?)
}

enum Problem {
    TooDeep,
    Cycle,
    Type(String),
    Key(String),
    NotFinite(f64),
    IntRange,
    NoEnd(String),
    Python(String, PyErr),
    /// Strict mode: not plain JSON data.
    NotPlain,
}

enum Seg {
    Key(String),
    Index(usize),
}

/// A conversion failure: the problem, and the path to it (filled innermost first while unwinding)
/// with the address of each container on it (to tell a cycle from a deep value).
struct Fail {
    problem: Problem,
    path: Vec<Seg>,
    ptrs: Vec<usize>,
}

impl Fail {
    fn new(problem: Problem, ptr: usize) -> Box<Self> {
        Box::new(Fail { problem, path: Vec::new(), ptrs: vec![ptr] })
    }

    fn at(mut self: Box<Self>, seg: Seg, ptr: usize) -> Box<Self> {
        self.path.push(seg);
        self.ptrs.push(ptr);
        self
    }

    /// Root-first path; a deep value that goes through the same container twice is a cycle, named
    /// at the first place it refers back. Every address here belongs to an object that was alive
    /// while the whole path was being walked, so equal addresses are the same object.
    fn finish(&mut self) {
        self.path.reverse();
        self.ptrs.reverse();
        if !matches!(self.problem, Problem::TooDeep) {
            return;
        }
        let mut seen = std::collections::HashSet::with_capacity(self.ptrs.len());
        if let Some(j) = self.ptrs.iter().position(|p| !seen.insert(*p)) {
            self.problem = Problem::Cycle;
            self.path.truncate(j);
        }
    }

    fn message(mut self, root: &str) -> String {
        self.finish();
        let mut out = String::from(root);
        let n = self.path.len();
        for (i, seg) in self.path.iter().enumerate() {
            // A deep path keeps its ends: result[0][0]...(240 more levels)...[0][0]
            if n > 16 && (8..n - 4).contains(&i) {
                if i == 8 {
                    let _ = write!(out, "...({} more levels)...", n - 12);
                }
                continue;
            }
            match seg {
                Seg::Index(i) => {
                    let _ = write!(out, "[{i}]");
                }
                Seg::Key(k) if is_name(k) => {
                    let _ = write!(out, ".{k}");
                }
                Seg::Key(k) => {
                    let shown: String = k.chars().take(40).collect();
                    let dots = if shown.len() < k.len() { "..." } else { "" };
                    let _ = write!(out, "[{}{dots}]", Value::String(shown));
                }
            }
        }
        let problem = match &self.problem {
            Problem::TooDeep => format!("nested deeper than {MAX_VALUE_DEPTH}"),
            Problem::Cycle => "cycle (refers to an enclosing value)".to_string(),
            Problem::Type(t) => format!("cannot convert value of type '{t}' to JSON"),
            Problem::Key(t) => format!("cannot use a key of type '{t}' in a JSON object"),
            Problem::NotFinite(f) => format!("{f} is not a JSON number (JSON has no NaN or infinity)"),
            Problem::IntRange => "integer out of the 64-bit range JSON numbers keep".to_string(),
            Problem::NoEnd(t) => format!("converting a value of type '{t}' does not end in plain data"),
            Problem::Python(t, e) => format!("converting a value of type '{t}' raised {e}"),
            Problem::NotPlain => "not plain JSON data".to_string(),
        };
        format!("{out}: {problem}")
    }

    fn into_pyerr(self, root: &str) -> PyErr {
        let is_type = matches!(self.problem, Problem::Type(_) | Problem::Key(_));
        let msg = self.message(root);
        if is_type {
            PyTypeError::new_err(msg)
        } else {
            PyValueError::new_err(msg)
        }
    }
}

fn is_name(k: &str) -> bool {
    let mut chars = k.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type().name().map(|n| n.to_string()).unwrap_or_else(|_| "?".into())
}

fn ptr(obj: &Bound<'_, PyAny>) -> usize {
    obj.as_ptr() as usize
}

/// `oxmcp._jsonable.known`: one replacement step for a known type, `NotImplemented` otherwise.
fn known<'py>(obj: &Bound<'py, PyAny>) -> PyResult<Option<Bound<'py, PyAny>>> {
    static KNOWN: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    let py = obj.py();
    let replacement = KNOWN.import(py, "oxmcp._jsonable", "known")?.call1((obj,))?;
    Ok(if replacement.is(py.NotImplemented()) { None } else { Some(replacement) })
}

struct Walker {
    /// Plain data only: anything else is `Problem::NotPlain` (no Python code runs).
    strict: bool,
}

impl Walker {
    fn convert(&self, obj: &Bound<'_, PyAny>) -> Result<Value, Box<Fail>> {
        self.walk(obj, 0, ptr(obj), 0)
    }

    /// `obj`, enclosed by `depth` containers; `level` is the address of the object at this place
    /// of the path (the original one while `obj` is its replacement).
    fn walk(&self, obj: &Bound<'_, PyAny>, depth: usize, level: usize, hops: usize) -> Result<Value, Box<Fail>> {
        // Exact types first: the common case costs one type comparison each.
        if obj.is_none() {
            return Ok(Value::Null);
        }
        if let Ok(s) = obj.cast_exact::<PyString>() {
            return string(s, level);
        }
        if let Ok(d) = obj.cast_exact::<PyDict>() {
            return self.dict(d, depth, level);
        }
        if let Ok(l) = obj.cast_exact::<PyList>() {
            return self.seq(l.iter(), depth, level);
        }
        if let Ok(b) = obj.cast_exact::<PyBool>() {
            return Ok(Value::Bool(b.is_true()));
        }
        if obj.is_exact_instance_of::<PyInt>() {
            return int(obj, level);
        }
        if let Ok(f) = obj.cast_exact::<PyFloat>() {
            return float(f.value(), level);
        }
        // Subclasses (IntEnum, str enums, OrderedDict, namedtuples...) read as their base.
        if let Ok(t) = obj.cast::<PyTuple>() {
            return self.seq(t.iter(), depth, level);
        }
        if let Ok(s) = obj.cast::<PyString>() {
            return string(s, level);
        }
        if let Ok(d) = obj.cast::<PyDict>() {
            return self.dict(d, depth, level);
        }
        if let Ok(l) = obj.cast::<PyList>() {
            return self.seq(l.iter(), depth, level);
        }
        if obj.is_instance_of::<PyInt>() {
            return int(obj, level);
        }
        if let Ok(f) = obj.cast::<PyFloat>() {
            return float(f.value(), level);
        }
        if self.strict {
            return Err(Fail::new(Problem::NotPlain, level));
        }
        match known(obj) {
            Ok(Some(r)) if hops < MAX_REPLACEMENTS => self.walk(&r, depth, level, hops + 1),
            Ok(Some(_)) => Err(Fail::new(Problem::NoEnd(type_name(obj)), level)),
            Ok(None) => Err(Fail::new(Problem::Type(type_name(obj)), level)),
            Err(e) => Err(Fail::new(Problem::Python(type_name(obj), e), level)),
        }
    }

    fn enter(depth: usize, level: usize) -> Result<usize, Box<Fail>> {
        if depth >= MAX_VALUE_DEPTH {
            return Err(Fail::new(Problem::TooDeep, level));
        }
        Ok(depth + 1)
    }

    fn seq<'py>(
        &self,
        items: impl Iterator<Item = Bound<'py, PyAny>>,
        depth: usize,
        level: usize,
    ) -> Result<Value, Box<Fail>> {
        let inner = Self::enter(depth, level)?;
        let mut out = Vec::with_capacity(items.size_hint().0);
        for (i, item) in items.enumerate() {
            let v = self.walk(&item, inner, ptr(&item), 0).map_err(|e| e.at(Seg::Index(i), level))?;
            out.push(v);
        }
        Ok(Value::Array(out))
    }

    fn dict(&self, d: &Bound<'_, PyDict>, depth: usize, level: usize) -> Result<Value, Box<Fail>> {
        let inner = Self::enter(depth, level)?;
        let mut out = Map::with_capacity(d.len());
        for (k, v) in d.iter() {
            let key = self.key(&k, 0).map_err(|e| Fail::new(e, level))?;
            match self.walk(&v, inner, ptr(&v), 0) {
                Ok(value) => {
                    out.insert(key, value);
                }
                Err(e) => return Err(e.at(Seg::Key(key), level)),
            }
        }
        Ok(Value::Object(out))
    }

    /// A dict key as JSON writes it: str as is; int, float, bool and None as their JSON text; a
    /// known type whose replacement is one of those (Enum, date, UUID...) likewise.
    fn key(&self, k: &Bound<'_, PyAny>, hops: usize) -> Result<String, Problem> {
        let python = |e: PyErr| Problem::Python(type_name(k), e);
        if let Ok(s) = k.cast::<PyString>() {
            return s.to_str().map(str::to_owned).map_err(python);
        }
        if k.is_none() {
            return Ok("null".into());
        }
        if let Ok(b) = k.cast::<PyBool>() {
            return Ok(if b.is_true() { "true" } else { "false" }.into());
        }
        if k.is_instance_of::<PyInt>() {
            // JSON keys are text: any int is fine.
            return k.str().map(|s| s.to_string()).map_err(python);
        }
        if let Ok(f) = k.cast::<PyFloat>() {
            let f = f.value();
            if !f.is_finite() {
                return Err(Problem::NotFinite(f));
            }
            return k.repr().map(|s| s.to_string()).map_err(python);
        }
        if self.strict {
            return Err(Problem::NotPlain);
        }
        match known(k) {
            // An Enum, a date, a UUID... keys as its replacement does, if that is a scalar.
            Ok(Some(r)) if hops < MAX_REPLACEMENTS => self.key(&r, hops + 1).map_err(|p| match p {
                Problem::Key(_) => Problem::Key(type_name(k)),
                other => other,
            }),
            Ok(_) => Err(Problem::Key(type_name(k))),
            Err(e) => Err(python(e)),
        }
    }
}

fn string(s: &Bound<'_, PyString>, level: usize) -> Result<Value, Box<Fail>> {
    match s.to_str() {
        Ok(s) => Ok(Value::String(s.to_owned())),
        Err(e) => Err(Fail::new(Problem::Python("str".into(), e), level)),
    }
}

fn int(obj: &Bound<'_, PyAny>, level: usize) -> Result<Value, Box<Fail>> {
    if let Ok(i) = obj.extract::<i64>() {
        return Ok(Value::Number(i.into()));
    }
    match obj.extract::<u64>() {
        Ok(u) => Ok(Value::Number(u.into())),
        Err(_) => Err(Fail::new(Problem::IntRange, level)),
    }
}

fn float(f: f64, level: usize) -> Result<Value, Box<Fail>> {
    match Number::from_f64(f) {
        Some(n) => Ok(Value::Number(n)),
        None => Err(Fail::new(Problem::NotFinite(f), level)),
    }
}
