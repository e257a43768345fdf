//! Method routing, and the catalog methods: the lists, `tools/call`, `resources/read`,
//! `prompts/get`, plus the small handshake-era methods (`logging/setLevel`, subscriptions).

use super::lock;
use super::responder::{failed_as_internal, Responder};
use crate::jsonrpc::ErrorObject;
use crate::protocol::methods;
use crate::server::handler::{
    HandlerError, ListKind, ListOutput, PromptGet, PromptOutput, ResourceOutput, ResourceRead, ToolCall, ToolOutput,
};
use crate::server::logging::LogLevel;
use crate::server::{deadline, Catalog};
use serde_json::{json, Map, Value};

impl Responder {
    pub(super) fn route(self, params: Value) {
        let method = self.ctx.method.clone();
        // A method of the other era does not exist for this request (the table decides; stateless
        // requests for handshake-only methods were already refused when classified).
        if !methods::method(&method).is_some_and(|m| m.exists_in(self.ctx.version)) {
            return self.finish(Err(ErrorObject::method_not_found(&method)));
        }
        match &*method {
            "initialize" => {
                let r = self.session.initialize(&params);
                self.finish(r)
            }
            "ping" => self.finish_ok(Map::new()),
            "server/discover" => {
                let r = self.session.discover();
                self.finish_ok(r)
            }
            "tools/list" => {
                self.list_catalog(&params, "tools", |c| c.tools().iter().map(|t| t.definition.clone()).collect())
            }
            "tools/call" => self.call_tool(params),
            "resources/list" => self.list("resources", ListKind::Resources, &params, |c| {
                c.resources().iter().map(|r| r.definition.clone()).collect()
            }),
            "resources/templates/list" => self.list_catalog(&params, "resourceTemplates", |c| {
                c.templates().iter().map(|t| t.definition.clone()).collect()
            }),
            "resources/read" => self.read_resource(params),
            "prompts/list" => self.list("prompts", ListKind::Prompts, &params, |c| {
                c.prompts().iter().map(|p| p.definition.clone()).collect()
            }),
            "prompts/get" => self.get_prompt(params),
            "completion/complete" if self.session.server.handler().completes() => self.complete(&params),
            "logging/setLevel" => {
                let level = params.get("level").and_then(Value::as_str).and_then(LogLevel::parse);
                let Some(level) = level else {
                    let why = format!("logging/setLevel needs params.level, one of {}", LogLevel::names());
                    return self.finish(Err(ErrorObject::invalid_params(why)));
                };
                self.session.log_level.set(level);
                self.finish_ok(Map::new())
            }
            "resources/subscribe" | "resources/unsubscribe" => {
                let Some(uri) = params.get("uri").and_then(Value::as_str) else {
                    return self
                        .finish(Err(ErrorObject::invalid_params(format!("{method} needs params.uri (a string)"))));
                };
                let mut subs = lock(&self.session.subscriptions);
                if &*method == "resources/subscribe" {
                    subs.insert(uri.to_string());
                } else {
                    subs.remove(uri);
                }
                drop(subs);
                self.finish_ok(Map::new())
            }
            "subscriptions/listen" => self.listen(&params),
            "tasks/get" | "tasks/update" | "tasks/cancel" | "tasks/result" | "tasks/list" => self.tasks_method(&params),
            other => {
                let err = ErrorObject::method_not_found(other);
                self.finish(Err(err))
            }
        }
    }

    pub(super) fn list_catalog(self, params: &Value, key: &str, items: impl FnOnce(&Catalog) -> Vec<Value>) {
        let all = items(&self.session.server.catalog());
        match self.page_of(all, params, key) {
            Ok(r) => self.finish_ok(r),
            Err(e) => self.finish(Err(e)),
        }
    }

    /// A list that the handler may produce itself (the `@server.list_resources()` override).
    pub(super) fn list(
        self,
        key: &'static str,
        kind: ListKind,
        params: &Value,
        items: impl FnOnce(&Catalog) -> Vec<Value>,
    ) {
        if !self.session.server.handler().overrides_list(kind) {
            return self.list_catalog(params, key, items);
        }
        let params = params.clone();
        let (handler, ctx, reply) = self.handoff(move |this, r| match r {
            Ok(ListOutput(all)) => match this.page_of(all, &params, key) {
                Ok(r) => this.finish_ok(r),
                Err(e) => this.finish(Err(e)),
            },
            Err(e) => this.finish(Err(failed_as_internal(e))),
        });
        handler.list(kind, ctx, reply);
    }

    pub(super) fn call_tool(self, params: Value) {
        let Some(name) = params.get("name").and_then(Value::as_str) else {
            return self.finish(Err(ErrorObject::invalid_params("tools/call needs params.name (a string)")));
        };
        let catalog = self.session.server.catalog();
        let Some(tool) = catalog.tool(name).cloned() else {
            let err = ErrorObject::invalid_params(format!("Unknown tool: {name}")).with_data(json!({ "name": name }));
            return self.finish(Err(err));
        };
        let arguments = match params.get("arguments") {
            None | Some(Value::Null) => Map::new(),
            Some(Value::Object(m)) => m.clone(),
            Some(_) => {
                return self.finish(Err(ErrorObject::invalid_params("tools/call params.arguments must be an object")))
            }
        };
        let arguments = match tool.arguments.prepare(arguments) {
            Ok(a) => a,
            Err(e) => {
                let text = format!("Invalid arguments for tool {name}: {e}");
                if self.ctx.version.input_errors_are_tool_errors() {
                    return self.finish_tool(ToolOutput::error(text));
                }
                let err = ErrorObject::invalid_params(text).with_data(json!({ "tool": name, "field": e.field }));
                return self.finish(Err(err));
            }
        };
        let mut this = self;
        if let Err(e) = this.take_input(&params, name, Some(&arguments)) {
            return this.finish(Err(e));
        }
        // A call that is, or may become, a task is served in task_calls.rs.
        let Some((this, arguments)) = this.tool_task(&params, &tool, arguments) else { return };
        let (handler, ctx, reply) = this.handoff(|this, r| match r {
            Ok(out) => this.finish_tool(out),
            Err(HandlerError::Protocol(e)) => this.finish(Err(e)),
            Err(HandlerError::Failed(text)) => this.finish_tool(ToolOutput::error(text)),
            Err(HandlerError::InputRequired { requests, data }) => this.finish_input_required(requests, data),
        });
        let reply = deadline::bounded(&tool, reply);
        handler.call_tool(ToolCall { ctx, tool, arguments }, reply);
    }

    pub(super) fn read_resource(self, params: Value) {
        let Some(uri) = params.get("uri").and_then(Value::as_str).map(str::to_string) else {
            return self.finish(Err(ErrorObject::invalid_params("resources/read needs params.uri (a string)")));
        };
        let Some(target) = self.session.server.catalog().resolve_resource(&uri) else {
            let code = self.ctx.version.resource_not_found_code();
            let err = ErrorObject::new(code, format!("Resource not found: {uri}")).with_data(json!({ "uri": uri }));
            return self.finish(Err(err));
        };
        // Template variables go through the template's schema, the path tool arguments take.
        let target = match target.converted(&uri) {
            Ok(target) => target,
            Err(e) => return self.finish(Err(e)),
        };
        let mut this = self;
        this.cache = target.cache();
        if let Err(e) = this.take_input(&params, &uri, None) {
            return this.finish(Err(e));
        }
        let (handler, ctx, reply) = this.handoff(|this, r| match r {
            Ok(ResourceOutput(contents)) => {
                let mut result = Map::new();
                result.insert("contents".into(), Value::Array(contents));
                this.finish_ok(result)
            }
            Err(HandlerError::InputRequired { requests, data }) => this.finish_input_required(requests, data),
            Err(e) => this.finish(Err(failed_as_internal(e))),
        });
        handler.read_resource(ResourceRead { ctx, uri, target }, reply);
    }

    pub(super) fn get_prompt(self, params: Value) {
        let Some(name) = params.get("name").and_then(Value::as_str) else {
            return self.finish(Err(ErrorObject::invalid_params("prompts/get needs params.name (a string)")));
        };
        let catalog = self.session.server.catalog();
        let Some(prompt) = catalog.prompt(name).cloned() else {
            let err = ErrorObject::invalid_params(format!("Unknown prompt: {name}")).with_data(json!({ "name": name }));
            return self.finish(Err(err));
        };
        let arguments = match params.get("arguments") {
            None | Some(Value::Null) => Map::new(),
            Some(Value::Object(m)) => m.clone(),
            Some(_) => {
                return self.finish(Err(ErrorObject::invalid_params("prompts/get params.arguments must be an object")))
            }
        };
        if let Some(missing) = prompt.required.iter().find(|r| !arguments.contains_key(*r)) {
            let err = ErrorObject::invalid_params(format!("Missing required argument {missing:?} for prompt {name}"))
                .with_data(json!({ "prompt": name, "argument": missing }));
            return self.finish(Err(err));
        }
        // A typed prompt's arguments go through its schema, the path tool arguments take.
        let arguments = match &prompt.arguments {
            None => arguments,
            Some(schema) => match schema.prepare(arguments) {
                Ok(converted) => converted,
                Err(e) => {
                    let err = ErrorObject::invalid_params(format!("Invalid arguments for prompt {name}: {e}"))
                        .with_data(json!({ "prompt": name, "field": e.field }));
                    return self.finish(Err(err));
                }
            },
        };
        let mut this = self;
        if let Err(e) = this.take_input(&params, name, Some(&arguments)) {
            return this.finish(Err(e));
        }
        let (handler, ctx, reply) = this.handoff(|this, r| match r {
            Ok(PromptOutput(result)) => this.finish_ok(result),
            Err(HandlerError::InputRequired { requests, data }) => this.finish_input_required(requests, data),
            Err(e) => this.finish(Err(failed_as_internal(e))),
        });
        handler.get_prompt(PromptGet { ctx, prompt, arguments }, reply);
    }
}
