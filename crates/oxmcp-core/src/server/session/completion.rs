//! `completion/complete`: checks the reference, asks the handler, caps the values at 100.

use super::responder::{failed_as_internal, Responder};
use crate::jsonrpc::ErrorObject;
use crate::server::handler::{CompletionOutput, CompletionRef, CompletionRequest};
use serde_json::{json, Map, Value};

impl Responder {
    pub(super) fn complete(self, params: &Value) {
        let reference = match params.get("ref") {
            Some(r) => match (r.get("type").and_then(Value::as_str), r.get("name"), r.get("uri")) {
                (Some("ref/prompt"), Some(Value::String(n)), _) => CompletionRef::Prompt(n.clone()),
                (Some("ref/resource"), _, Some(Value::String(u))) => CompletionRef::Resource(u.clone()),
                _ => {
                    let why = "completion/complete: params.ref must be {type: \"ref/prompt\", name} or {type: \"ref/resource\", uri}";
                    return self.finish(Err(ErrorObject::invalid_params(why)));
                }
            },
            None => return self.finish(Err(ErrorObject::invalid_params("completion/complete needs params.ref"))),
        };
        let catalog = self.session.server.catalog();
        let known = match &reference {
            CompletionRef::Prompt(n) => catalog.prompt(n).is_some(),
            CompletionRef::Resource(u) => catalog.template(u).is_some() || catalog.resource(u).is_some(),
        };
        if !known {
            let what = match &reference {
                CompletionRef::Prompt(n) => format!("Unknown prompt: {n}"),
                CompletionRef::Resource(u) => format!("Unknown resource template: {u}"),
            };
            return self.finish(Err(ErrorObject::invalid_params(what)));
        }
        let argument = params.get("argument");
        let (Some(name), Some(value)) = (
            argument.and_then(|a| a.get("name")).and_then(Value::as_str),
            argument.and_then(|a| a.get("value")).and_then(Value::as_str),
        ) else {
            let why = "completion/complete needs params.argument {name, value} (strings)";
            return self.finish(Err(ErrorObject::invalid_params(why)));
        };
        let context = match params.get("context").and_then(|c| c.get("arguments")) {
            Some(Value::Object(m)) => m.clone(),
            _ => Map::new(),
        };
        let request = CompletionRequest {
            ctx: self.ctx.clone(),
            reference,
            argument: name.to_string(),
            value: value.to_string(),
            context,
        };
        let handler = self.session.server.handler().clone();
        let (_, _, reply) = self.handoff(|this, r| match r {
            Ok(out) => this.finish_ok(completion_result(out)),
            Err(e) => this.finish(Err(failed_as_internal(e))),
        });
        handler.complete(request, reply);
    }
}

fn completion_result(out: CompletionOutput) -> Map<String, Value> {
    const MAX: usize = 100;
    let total = out.total.unwrap_or(out.values.len() as u64);
    let cut = out.values.len() > MAX;
    let mut values = out.values;
    values.truncate(MAX);
    let mut completion = Map::new();
    completion.insert("values".into(), json!(values));
    completion.insert("total".into(), Value::from(total.max(values.len() as u64)));
    completion.insert("hasMore".into(), Value::Bool(out.has_more.unwrap_or(false) || cut));
    let mut result = Map::new();
    result.insert("completion".into(), Value::Object(completion));
    result
}
