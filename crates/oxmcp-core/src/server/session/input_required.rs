//! Stateless MRTR in the dispatcher: verifying the `requestState` a retry echoes, merging the
//! client's answers into `ctx.input`, and answering `input_required` with a freshly sealed state.
//! The sealing itself is in `server::request_state`.

use super::responder::Responder;
use crate::jsonrpc::ErrorObject;
use crate::server::request_state::{self, Binding, Carried};
use serde_json::{json, Map, Value};
use std::sync::Arc;

impl Responder {
    /// Stateless MRTR: reads the client's `inputResponses` and verifies the `requestState` it
    /// echoed, so the function sees every answer given so far (`ctx.input`). `arguments`: those
    /// of a tool or prompt (none for a resource). Handshake-era requests cost nothing here.
    pub(super) fn take_input(
        &mut self,
        params: &Value,
        target: &str,
        arguments: Option<&Map<String, Value>>,
    ) -> Result<(), ErrorObject> {
        if !self.ctx.version.is_modern() {
            return Ok(());
        }
        let arguments = arguments.map_or(Value::Null, |a| Value::Object(a.clone()));
        // Kept for sealing a state later; the binding itself is computed only when needed.
        self.mrtr = Some((target.to_string(), arguments));
        let responses = match params.get("inputResponses") {
            None | Some(Value::Null) => None,
            Some(Value::Object(m)) => Some(m),
            Some(_) => return Err(ErrorObject::invalid_params("inputResponses must be an object")),
        };
        let state = match params.get("requestState") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.as_str()),
            Some(_) => return Err(ErrorObject::invalid_params("requestState must be a string")),
        };
        if responses.is_none() && state.is_none() {
            return Ok(());
        }
        let mut carried = match state {
            Some(token) => {
                let binding = self.mrtr_binding().expect("set above");
                self.session.server.config().request_state.open(token, &binding).map_err(|e| {
                    tracing::debug!(target: "oxmcp.session", "rejected requestState: {e}");
                    ErrorObject::invalid_params(format!("Invalid requestState: {e}"))
                        .with_data(json!({ "reason": format!("{e:?}") }))
                })?
            }
            None => Carried::default(),
        };
        if let Some(r) = responses {
            for (k, v) in r {
                carried.responses.insert(k.clone(), v.clone());
            }
        }
        self.ctx.input = Some(Arc::new(carried));
        Ok(())
    }

    /// What a `requestState` of this request is bound to (`None`: it cannot carry one).
    fn mrtr_binding(&self) -> Option<Binding> {
        let (target, arguments) = self.mrtr.as_ref()?;
        let principal = self
            .ctx
            .headers
            .iter()
            .find(|(k, _)| k == "authorization")
            .map(|(_, v)| request_state::digest(&Value::from(v.as_str())));
        Some(Binding {
            method: self.ctx.method.to_string(),
            target: target.clone(),
            arguments: request_state::digest(arguments),
            principal,
        })
    }

    /// Answers `input_required`: the inputs the function asked for, and a sealed state carrying
    /// the answers so far and the function's own state.
    pub(super) fn finish_input_required(self, requests: Map<String, Value>, data: Option<Value>) {
        if !self.ctx.version.is_modern() || requests.is_empty() && data.is_none() {
            let why = "a function asked for client input outside a stateless tools/call, resources/read or prompts/get";
            return self.finish(Err(ErrorObject::internal(why)));
        }
        let Some(binding) = self.mrtr_binding() else {
            return self.finish(Err(ErrorObject::internal("input requested by a request that cannot ask for it")));
        };
        let mut carried = self.ctx.input.as_deref().cloned().unwrap_or_default();
        carried.data = data;
        let state = self.session.server.config().request_state.seal(&binding, &carried);
        let mut result = Map::new();
        result.insert("resultType".into(), Value::from("input_required"));
        if !requests.is_empty() {
            result.insert("inputRequests".into(), Value::Object(requests));
        }
        result.insert("requestState".into(), Value::String(state));
        self.finish(Ok(Value::Object(result)));
    }
}
