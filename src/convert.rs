//! JSON <-> Python conversion, in one place so the library behind it (pythonize today) can change.

use pyo3::prelude::*;
use pyo3::types::PyDict;
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
