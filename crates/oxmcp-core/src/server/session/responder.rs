//! One request's answer: [`Responder`] hands the request to the handler and shapes the result
//! for its era (stateless `resultType`, caching hints and `serverInfo`; structured content only
//! where the revision has it), and sends exactly one frame unless the request was cancelled.

use super::{lock, Outbound, Session};
use crate::jsonrpc::{self, codes, ErrorObject};
use crate::protocol::{meta, methods};
use crate::server::handler::{Handler, HandlerError, Reply, RequestContext, ToolOutput};
use crate::server::{pagination, CacheScope};
use serde_json::{json, Map, Value};
use std::sync::Arc;

/// Answers one request: routes it to the handler and shapes the result for its era.
pub(super) struct Responder {
    pub(super) session: Arc<Session>,
    pub(super) ctx: RequestContext,
    pub(super) out: Arc<dyn Outbound>,
    /// Caching hints of the resource being read, when it has its own.
    pub(super) cache: Option<(u64, CacheScope)>,
    /// Stateless tools/call, resources/read, prompts/get: the target and arguments that a
    /// `requestState` is bound to.
    pub(super) mrtr: Option<(String, Value)>,
}

impl Responder {
    /// Hands this request to the handler: returns the handler, the request context and a `Reply`
    /// that runs `done` with this responder when the handler answers (from any thread).
    pub(super) fn handoff<T: Send + 'static>(
        self,
        done: impl FnOnce(Responder, Result<T, HandlerError>) + Send + 'static,
    ) -> (Arc<dyn Handler>, RequestContext, Reply<T>) {
        let handler = self.session.server.handler().clone();
        let ctx = self.ctx.clone();
        let reply = Reply::new(ctx.cancellation.clone(), move |r| done(self, r));
        (handler, ctx, reply)
    }

    pub(super) fn finish(self, outcome: Result<Value, ErrorObject>) {
        let frame = match outcome {
            Ok(v) => jsonrpc::encode_result(&self.ctx.id, &v),
            Err(e) => jsonrpc::encode_error(Some(&self.ctx.id), &e),
        };
        let mut inflight = lock(&self.session.inflight);
        // Only this request's own entry counts: after a cancel the client may reuse the id.
        let ours = inflight.get(&self.ctx.id).is_some_and(|c| Arc::ptr_eq(c, &self.ctx.cancellation));
        if !ours {
            drop(inflight);
            // Cancelled: the client must hear nothing more about this request.
            self.out.skip();
            return;
        }
        inflight.remove(&self.ctx.id);
        self.ctx.cancellation.finish();
        // Queued before the entry disappears, so "idle" implies every answer is on its way.
        self.out.send(frame);
    }

    /// Completes with a result object, adding what the stateless revision requires.
    pub(super) fn finish_ok(self, mut result: Map<String, Value>) {
        if self.ctx.version.is_modern() {
            result.insert("resultType".into(), Value::from("complete"));
            if methods::method(&self.ctx.method).is_some_and(|m| m.cacheable) {
                let config = self.session.server.config();
                let (ttl, scope) = self.cache.unwrap_or((config.cache_ttl_ms, config.cache_scope));
                // An MRTR retry's result must not be cached.
                let ttl = if self.ctx.input.is_some() { 0 } else { ttl };
                result.entry("ttlMs").or_insert(Value::from(ttl));
                result.entry("cacheScope").or_insert(Value::from(scope.as_str()));
            }
            let server_info = self.session.server.implementation().clone();
            match result.get_mut("_meta") {
                Some(Value::Object(m)) => {
                    m.insert(meta::SERVER_INFO.into(), server_info);
                }
                _ => {
                    result.insert("_meta".into(), json!({ meta::SERVER_INFO: server_info }));
                }
            }
        }
        self.finish(Ok(Value::Object(result)));
    }

    pub(super) fn page_of(
        &self,
        items: Vec<Value>,
        params: &Value,
        key: &str,
    ) -> Result<Map<String, Value>, ErrorObject> {
        let cursor = match params.get("cursor") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.as_str()),
            Some(_) => return Err(ErrorObject::invalid_params("cursor must be a string")),
        };
        let (start, end, next) = pagination::page(items.len(), cursor, self.session.server.config().page_size)?;
        let mut result = Map::new();
        let page: Vec<Value> = if start == 0 && end == items.len() {
            items
        } else {
            items.into_iter().skip(start).take(end - start).collect()
        };
        result.insert(key.into(), Value::Array(page));
        if let Some(n) = next {
            result.insert("nextCursor".into(), Value::String(n));
        }
        Ok(result)
    }

    pub(super) fn finish_tool(self, ToolOutput(mut result): ToolOutput) {
        if !self.ctx.version.has_structured_content() {
            result.remove("structuredContent");
        }
        if !result.contains_key("content") {
            result.insert("content".into(), Value::Array(Vec::new()));
        }
        self.finish_ok(result)
    }
}

/// Marks errors from `validate_request` rejections (HTTP answers them 401 with a Bearer challenge).
pub const REJECTED_BY: &str = "rejectedBy";

pub(super) fn rejected_by_validator(message: String) -> ErrorObject {
    ErrorObject::new(codes::INVALID_REQUEST, message).with_data(json!({ REJECTED_BY: "validate_request" }))
}

pub(super) fn failed_as_internal(e: HandlerError) -> ErrorObject {
    match e {
        HandlerError::Protocol(e) => e,
        HandlerError::Failed(m) => ErrorObject::new(codes::INTERNAL_ERROR, m),
        HandlerError::InputRequired { .. } => ErrorObject::internal("this request cannot ask the client for input"),
    }
}
