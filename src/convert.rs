//! JSON <-> Python conversion, in one place so the library behind it (pythonize today) can change.

use oxmcp_core::server::ToolOutput;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString};
use serde_json::{Map, Value};

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

pub fn from_py(obj: &Bound<'_, PyAny>) -> PyResult<Value> {
    Ok(pythonize::depythonize(obj)?)
}

/// The tool-result fast path for the common return types: `None`, `str`, and plain JSON values
/// (exact bool/int/float/dict/list). `Ok(None)` means "not plain": Python's `_results` decides.
/// Structured values follow one rule: a dict stands as is unless the output schema wraps the
/// value, everything else becomes `{"result": value}`.
pub fn tool_output_fast(value: &Bound<'_, PyAny>, wraps: bool, structured: bool) -> PyResult<Option<ToolOutput>> {
    if value.is_none() {
        if wraps && structured {
            // An Optional[...] return declared {"result": ...}: the schema requires the key.
            let mut out = ToolOutput::text("null");
            out.0.insert("structuredContent".into(), serde_json::json!({ "result": null }));
            return Ok(Some(out));
        }
        return Ok(Some(ToolOutput::empty()));
    }
    if value.is_exact_instance_of::<PyString>() {
        let s = value.cast::<PyString>()?.to_str()?;
        let mut out = ToolOutput::text(s);
        if wraps && structured {
            out.0.insert("structuredContent".into(), serde_json::json!({ "result": s }));
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
    // Nested values that are not JSON (a TextContent inside a list, a datetime in a dict...) fail
    // here and take the slow path.
    let Ok(json) = pythonize::depythonize::<Value>(value) else { return Ok(None) };
    if !structured {
        return Ok(Some(ToolOutput::text(json.to_string())));
    }
    if is_dict && !wraps {
        return Ok(Some(ToolOutput::structured(json)));
    }
    // The text block carries the bare value ("8.0", not {"result":8.0}): what a model reads.
    let mut out = ToolOutput::text(json.to_string());
    let mut m = Map::new();
    m.insert("result".into(), json);
    out.0.insert("structuredContent".into(), Value::Object(m));
    Ok(Some(out))
}
