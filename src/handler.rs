//! `PyHandler`: the core's `Handler` implemented by calling registered Python functions.

use crate::call::{Entry, JobData, JobReply};
use crate::queue::{Queue, Work};
use crate::sync_pool::SyncPool;
use oxmcp_core::server::{
    AuthRequest, CompletionOutput, CompletionRef, CompletionRequest, Handler, ListKind, ListOutput, Principal,
    PromptGet, PromptOutput, Reply, RequestContext, RequestToValidate, ResourceOutput, ResourceRead, ResourceTarget,
    ToolCall, ToolOutput,
};
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

#[derive(Default)]
pub struct Entries {
    by_handle: HashMap<u64, Arc<Entry>>,
    list_resources: Option<Arc<Entry>>,
    list_prompts: Option<Arc<Entry>>,
    validator: Option<Arc<Entry>>,
    completion: Option<Arc<Entry>>,
}

impl Entries {
    pub fn insert(&mut self, handle: u64, entry: Entry) {
        self.by_handle.insert(handle, Arc::new(entry));
    }
    pub fn remove(&mut self, handle: u64) {
        self.by_handle.remove(&handle);
    }
    pub fn set_list_override(&mut self, kind: ListKind, entry: Option<Entry>) {
        let slot = match kind {
            ListKind::Resources => &mut self.list_resources,
            ListKind::Prompts => &mut self.list_prompts,
        };
        *slot = entry.map(Arc::new);
    }
    pub fn set_validator(&mut self, entry: Option<Entry>) {
        self.validator = entry.map(Arc::new);
    }
    pub fn set_completion(&mut self, entry: Option<Entry>) {
        self.completion = entry.map(Arc::new);
    }
}

pub struct PyHandler {
    pub entries: RwLock<Entries>,
    pub queue: Arc<Queue>,
    pub sync_pool: SyncPool,
}

impl PyHandler {
    fn entries(&self) -> std::sync::RwLockReadGuard<'_, Entries> {
        self.entries.read().unwrap_or_else(|e| e.into_inner())
    }

    fn entry(&self, handle: u64) -> Option<Arc<Entry>> {
        self.entries().by_handle.get(&handle).cloned()
    }

    /// Queues an async function for the loop, or runs a sync one on the blocking pool.
    fn submit(&self, data: JobData) {
        if data.entry.is_async {
            // Hook first, then queue: once queued, the job may finish and the request move on
            // (validate_request -> the tool) on the loop thread, whose hook must win over ours.
            let id = data.id;
            let queue = self.queue.clone();
            data.ctx.cancellation.on_cancel(move || queue.push(Work::Cancel(id)));
            self.queue.push(Work::Run(data));
        } else {
            self.sync_pool.run(data);
        }
    }
}

fn missing<T>(reply: Reply<T>, what: &str) {
    let err = oxmcp_core::jsonrpc::ErrorObject::internal(format!("{what} has no Python function registered"));
    reply.send(Err(err.into()));
}

impl Handler for PyHandler {
    fn call_tool(&self, call: ToolCall, reply: Reply<ToolOutput>) {
        let Some(entry) = self.entry(call.tool.handle) else { return missing(reply, &call.tool.name) };
        self.submit(JobData::new(entry, call.arguments, JobReply::Tool(reply), call.ctx));
    }

    fn read_resource(&self, read: ResourceRead, reply: Reply<ResourceOutput>) {
        let Some(entry) = self.entry(read.target.handle()) else { return missing(reply, &read.uri) };
        let args = match &read.target {
            ResourceTarget::Template(_, vars) => vars.clone(),
            ResourceTarget::Static(_) => Map::new(),
        };
        let mut data = JobData::new(entry, args, JobReply::Resource(reply), read.ctx);
        data.uri = Some(read.uri);
        self.submit(data);
    }

    fn get_prompt(&self, get: PromptGet, reply: Reply<PromptOutput>) {
        let Some(entry) = self.entry(get.prompt.handle) else { return missing(reply, &get.prompt.name) };
        self.submit(JobData::new(entry, get.arguments, JobReply::Prompt(reply), get.ctx));
    }

    fn overrides_list(&self, kind: ListKind) -> bool {
        let e = self.entries();
        match kind {
            ListKind::Resources => e.list_resources.is_some(),
            ListKind::Prompts => e.list_prompts.is_some(),
        }
    }

    fn list(&self, kind: ListKind, ctx: RequestContext, reply: Reply<ListOutput>) {
        let entry = {
            let e = self.entries();
            match kind {
                ListKind::Resources => e.list_resources.clone(),
                ListKind::Prompts => e.list_prompts.clone(),
            }
        };
        let Some(entry) = entry else { return missing(reply, "the list override") };
        self.submit(JobData::new(entry, Map::new(), JobReply::List(reply), ctx));
    }

    fn completes(&self) -> bool {
        self.entries().completion.is_some()
    }

    fn complete(&self, request: CompletionRequest, reply: Reply<CompletionOutput>) {
        let Some(entry) = self.entries().completion.clone() else { return reply.ok(CompletionOutput::default()) };
        let reference = match &request.reference {
            CompletionRef::Prompt(name) => json!({"type": "ref/prompt", "name": name}),
            CompletionRef::Resource(uri) => json!({"type": "ref/resource", "uri": uri}),
        };
        let mut args = Map::new();
        args.insert("ref".into(), reference);
        args.insert("argument".into(), json!({"name": request.argument, "value": request.value}));
        args.insert("context".into(), Value::Object(request.context));
        self.submit(JobData::new(entry, args, JobReply::Complete(reply), request.ctx));
    }

    fn validates_requests(&self) -> bool {
        self.entries().validator.is_some()
    }

    fn validate_request(&self, request: RequestToValidate, reply: Reply<()>) {
        let Some(entry) = self.entries().validator.clone() else { return reply.ok(()) };
        let mut data = JobData::new(entry, Map::new(), JobReply::Validate(reply), request.ctx);
        data.params = Some(request.params);
        self.submit(data);
    }

    /// A validator is also the gate of every HTTP request and WebSocket upgrade.
    fn authenticates(&self) -> bool {
        self.validates_requests()
    }

    /// The validator with `{"method": None, "params": None, "headers": ...}`; what it returns
    /// (through the registry's wrapper: a string, or None) names the caller.
    fn authenticate(&self, request: AuthRequest, reply: Reply<Option<Principal>>) {
        let Some(entry) = self.entries().validator.clone() else { return reply.ok(None) };
        let ctx = RequestContext::detached(request.headers);
        self.submit(JobData::new(entry, Map::new(), JobReply::Authenticate(reply), ctx));
    }
}
