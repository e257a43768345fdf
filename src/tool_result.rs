//! The one rule that turns a tool's return value into a `CallToolResult`: which content blocks,
//! whether there is `structuredContent` and what it holds, `isError`, and the `{"result": ...}`
//! wrapping of an output schema that wraps (`wraps`) or its absence when the tool sends text only
//! (`structured = false`).
//!
//! Plain values (`None`, `str`, exact bool/int/float/dict/list holding only JSON) are read here
//! directly: the common case never runs Python code. Anything else is first turned into plain
//! JSON and content dicts by `oxmcp._results.tool_parts` (pydantic models, dataclasses, content
//! objects, images...), and shaped here from those parts.

use crate::convert;
use oxmcp_core::server::ToolOutput;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use serde_json::{json, Map, Value};

/// Why a value could not be shaped.
pub enum ShapeError {
    /// Python failed turning the value into parts (a model's dump raised, ...).
    Python(PyErr),
    /// The value cannot be JSON (too deep, a cycle, an unknown type, ...): the message, which names
    /// the path (`result.a[2]: ...`).
    NotJson(String),
}

impl From<PyErr> for ShapeError {
    fn from(e: PyErr) -> Self {
        ShapeError::Python(e)
    }
}

/// A tool's return value as its `CallToolResult`.
pub fn shape(value: &Bound<'_, PyAny>, wraps: bool, structured: bool) -> Result<ToolOutput, ShapeError> {
    if let Some(out) = plain(value, wraps, structured)? {
        return Ok(out);
    }
    static TOOL_PARTS: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    let tool_parts = TOOL_PARTS.import(value.py(), "oxmcp._results", "tool_parts")?;
    from_parts(&tool_parts.call1((value,))?, wraps, structured)
}

fn json(obj: &Bound<'_, PyAny>) -> Result<Value, ShapeError> {
    convert::from_py_at(obj, "result").map_err(|e| ShapeError::NotJson(e.value(obj.py()).to_string()))
}

/// Plain values: `Ok(None)` when `value` is not one. A dict stands as is unless the output schema
/// wraps it; every other structured value becomes `{"result": value}`.
fn plain(value: &Bound<'_, PyAny>, wraps: bool, structured: bool) -> Result<Option<ToolOutput>, ShapeError> {
    if value.is_none() {
        if wraps && structured {
            // An Optional[...] return declared {"result": ...}: the schema requires the key.
            let mut out = ToolOutput::text("null");
            out.0.insert("structuredContent".into(), json!({ "result": null }));
            return Ok(Some(out));
        }
        return Ok(Some(ToolOutput::empty()));
    }
    if value.is_exact_instance_of::<PyString>() {
        let s = value.cast::<PyString>().map_err(PyErr::from)?.to_str()?;
        let mut out = ToolOutput::text(s);
        if wraps && structured {
            out.0.insert("structuredContent".into(), json!({ "result": s }));
        }
        return Ok(Some(out));
    }
    let is_dict = value.is_exact_instance_of::<PyDict>();
    let plain = is_dict
        || value.is_exact_instance_of::<PyBool>()
        || value.is_exact_instance_of::<PyInt>()
        || value.is_exact_instance_of::<PyFloat>()
        || value.is_exact_instance_of::<PyList>();
    if !plain {
        return Ok(None);
    }
    if value.is_exact_instance_of::<PyFloat>() {
        let f: f64 = value.extract()?;
        if !f.is_finite() {
            // JSON has no inf/nan: say so rather than silently sending null.
            return Ok(Some(ToolOutput::error(format!("the tool returned {f}, which JSON cannot represent"))));
        }
    }
    // Nested values that are not plain JSON (a TextContent inside a list, a datetime in a dict...)
    // go through `tool_parts`; a plain value that cannot be JSON (too deep, a cycle) is an error.
    let Some(json) = convert::from_py_plain(value, "result").map_err(ShapeError::NotJson)? else {
        return Ok(None);
    };
    if !structured {
        return Ok(Some(ToolOutput::text(json.to_string())));
    }
    if is_dict && !wraps {
        return Ok(Some(ToolOutput::structured(json)));
    }
    // The text block carries the bare value ("8.0", not {"result":8.0}): what a model reads.
    let mut out = ToolOutput::text(json.to_string());
    out.0.insert("structuredContent".into(), json!({ "result": json }));
    Ok(Some(out))
}

/// Shapes what `oxmcp._results.tool_parts` made of a value that is not plain:
/// - `("result", dict)`: a whole `CallToolResult` the tool built, kept as is;
/// - `("content", [block, ...], data | None)`: content blocks; `data` (the value as JSON) is the
///   structured result when the schema wraps, `None` where nothing is structured (one bare block);
/// - `("value", data, text | None, is_structured)`: a value and its text (`None`: no content);
///   `data` is the structured result of a structured value (a mapping, a dataclass, a model),
///   wrapped when the schema wraps, whatever its type.
pub fn from_parts(parts: &Bound<'_, PyAny>, wraps: bool, structured: bool) -> Result<ToolOutput, ShapeError> {
    let parts = parts.cast::<PyTuple>().map_err(PyErr::from)?;
    let form: String = parts.get_item(0)?.extract()?;
    let item = |i: usize| parts.get_item(i);
    let mut out = Map::new();
    match form.as_str() {
        "result" => match json(&item(1)?)? {
            Value::Object(m) => out = m,
            _ => return Err(PyTypeError::new_err("a CallToolResult must be a dict").into()),
        },
        "content" => {
            out.insert("content".into(), json(&item(1)?)?);
            let data = item(2)?;
            if structured && wraps && !data.is_none() {
                out.insert("structuredContent".into(), json!({ "result": json(&data)? }));
            }
        }
        "value" => {
            let text = item(2)?;
            let content = if text.is_none() {
                Vec::new()
            } else {
                vec![json!({ "type": "text", "text": text.extract::<String>()? })]
            };
            out.insert("content".into(), Value::Array(content));
            if !structured {
                // Text only: the data is not even converted.
            } else if wraps {
                out.insert("structuredContent".into(), json!({ "result": json(&item(1)?)? }));
            } else if item(3)?.is_truthy()? {
                out.insert("structuredContent".into(), json(&item(1)?)?);
            }
        }
        other => return Err(PyTypeError::new_err(format!("unknown tool result form {other:?}")).into()),
    }
    if !structured {
        out.shift_remove("structuredContent"); // of a whole CallToolResult
    }
    Ok(ToolOutput(out))
}

/// `oxmcp._core.tool_result(parts, wraps, structured=True)`: the `CallToolResult` dict of parts
/// made by `oxmcp._results.tool_parts` (for `_results.tool_result`: error-handler answers, tests).
#[pyfunction]
#[pyo3(signature = (parts, wraps, structured=true))]
pub fn tool_result<'py>(parts: &Bound<'py, PyAny>, wraps: bool, structured: bool) -> PyResult<Bound<'py, PyDict>> {
    match from_parts(parts, wraps, structured) {
        Ok(out) => convert::map_to_py(parts.py(), &out.0),
        Err(ShapeError::Python(e)) => Err(e),
        Err(ShapeError::NotJson(msg)) => Err(PyValueError::new_err(format!("the result is not JSON: {msg}"))),
    }
}
