//! Tasks: tool calls that answer at once with a task handle and finish in the background.
//!
//! Two designs are served:
//! - the stateless extension `io.modelcontextprotocol/tasks` (2026-07-28): when a `tools/call` declares
//!   the extension in its capabilities and the tool supports tasks, the server answers a flat
//!   `CreateTaskResult` (`resultType: "task"`); the client polls `tasks/get`, answers input requests
//!   with `tasks/update` and stops the work with `tasks/cancel`. Status changes are pushed as
//!   `notifications/tasks` to `subscriptions/listen` streams that named the task.
//! - the experimental tasks of 2025-11-25 (handshake era): `params.task` asks for a task; `tasks/get`,
//!   `tasks/result` (waits for the end), `tasks/list`, `tasks/cancel`, and `notifications/tasks/status`
//!   to the session that owns the task.
//!
//! A task's record lives in a [`TaskStore`] (pluggable; [`MemoryTaskStore`] by default), bound to its
//! owner: a digest of the caller's credentials on the stateless wire, the session in the handshake
//! era. A task of another owner is "not found". The record is created before the client hears of
//! the task (durable create), so a `tasks/get` right after the `CreateTaskResult` finds it.
//!
//! What cannot be stored lives in this process ([`Tasks`]): the running call's cancellation,
//! `tasks/result` waiters and who to tell about status changes.
//!
//! A tool may also promote itself later ([`TaskLink`]): it runs as a plain request (so input it
//! asks for first is resolved synchronously, by input-required rounds) and becomes a task when it
//! calls `RequestContext::start_task`.
//!
//! The parts, by job (none of `record`, `store`, `link` imports the handler or the catalog; only
//! `live` runs tools, so it alone depends on them):
//! - [`record`]: a task as stored, its status machine and wire shape; `TaskSupport`; ids and clocks.
//! - [`store`]: the [`TaskStore`] trait, [`MemoryTaskStore`] (bounded in total and per owner: a
//!   refusal is -32030 `LIMIT_REACHED`, never an internal error), [`TaskConfig`].
//! - [`link`]: [`TaskLink`], a call tied to its (future) task.
//! - [`live`]: [`Tasks`], the tasks running in this process.

pub mod link;
pub mod live;
pub mod record;
pub mod store;

pub use link::TaskLink;
pub use live::{NewTask, StatusListener, Tasks};
pub use record::{
    declares_extension, iso8601, missing_extension, new_task_id, now_ms, TaskOutcome, TaskRecord, TaskStatus,
    TaskSupport, EXTENSION_ID, RELATED_TASK,
};
pub use store::{MemoryTaskStore, TaskConfig, TaskStore, TaskStoreError, DEFAULT_MAX_TASKS_PER_OWNER};
