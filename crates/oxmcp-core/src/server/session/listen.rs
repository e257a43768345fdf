//! `subscriptions/listen` (stateless): a request that stays open and carries change notifications.

use super::responder::Responder;
use crate::jsonrpc::ErrorObject;
use crate::protocol::meta;
use crate::server::changes::Change;
use serde_json::{json, Map, Value};
use std::collections::HashSet;
use std::sync::atomic::Ordering;

impl Responder {
    /// `subscriptions/listen` (stateless): acknowledges the filter it honours, then forwards
    /// matching changes, each tagged with the subscription id, until the client goes away.
    pub(super) fn listen(self, params: &Value) {
        let Some(filter) = params.get("notifications").and_then(Value::as_object) else {
            let why = "subscriptions/listen needs params.notifications (a subscription filter object)";
            return self.finish(Err(ErrorObject::invalid_params(why)));
        };
        let flag = |k: &str| filter.get(k).and_then(Value::as_bool).unwrap_or(false);
        let (tools, prompts, resources) =
            (flag("toolsListChanged"), flag("promptsListChanged"), flag("resourcesListChanged"));
        let uris: HashSet<String> = match filter.get("resourceSubscriptions") {
            Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).map(str::to_string).collect(),
            _ => HashSet::new(),
        };
        let task_ids: HashSet<String> = match filter.get("taskIds") {
            Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).map(str::to_string).collect(),
            _ => HashSet::new(),
        };
        let mut honoured = Map::new();
        for (key, on) in
            [("toolsListChanged", tools), ("promptsListChanged", prompts), ("resourcesListChanged", resources)]
        {
            if on {
                honoured.insert(key.into(), Value::Bool(true));
            }
        }
        if !uris.is_empty() {
            honoured.insert("resourceSubscriptions".into(), json!(filter["resourceSubscriptions"]));
        }
        if !task_ids.is_empty() {
            honoured.insert("taskIds".into(), json!(filter["taskIds"]));
        }
        let sub_id = self.ctx.id.to_value();
        let tag = json!({ meta::SUBSCRIPTION_ID: sub_id });
        let mut ack = Map::new();
        ack.insert("notifications".into(), Value::Object(honoured));
        ack.insert("_meta".into(), tag.clone());
        // The acknowledgement goes first: the listener is registered only after it is queued.
        self.ctx.notify("notifications/subscriptions/acknowledged", Value::Object(ack));
        let ctx = self.ctx.clone();
        // Task status goes only to a listener of the task's own caller (ids are unguessable, but
        // a leaked id must not leak the task).
        let owner = self.task_owner();
        let listening = self.session.server.listen(move |change| {
            let wanted = match change {
                Change::ToolsListChanged => tools,
                Change::PromptsListChanged => prompts,
                Change::ResourcesListChanged => resources,
                Change::ResourceUpdated(uri) => uris.contains(uri),
                Change::Task { owner: of, task } => {
                    *of == owner && task.get("taskId").and_then(Value::as_str).is_some_and(|id| task_ids.contains(id))
                }
            };
            if wanted {
                let (method, mut params) = change.notification();
                if let Value::Object(m) = &mut params {
                    m.insert("_meta".into(), tag.clone());
                }
                ctx.notify(method, params);
            }
        });
        // The request stays open until it is cancelled (HTTP: the client closed the stream;
        // stdio: notifications/cancelled); then the listener goes, and no answer is sent.
        let cancellation = self.ctx.cancellation.clone();
        self.session.listens.fetch_add(1, Ordering::AcqRel);
        cancellation.on_cancel(move || {
            drop(listening);
            self.session.listens.fetch_sub(1, Ordering::AcqRel);
            drop(self);
        });
    }
}
