//! A call that supports tasks, tied to its task: already one, or a plain request that may become
//! one later (`RequestContext::start_task`). Knows nothing of the handler: promoting is a closure
//! the dispatcher hands in.

use super::record::lock;
use crate::jsonrpc::ErrorObject;
use std::sync::Mutex;

type Promoter = Box<dyn FnOnce() -> Result<String, ErrorObject> + Send>;

enum LinkState {
    /// A plain request that may still become a task (`None`: promoting failed once).
    Plain(Option<Promoter>),
    Task(String),
    /// Answered as a plain request.
    Answered,
}

/// Ties a call that supports tasks to its task: already one, or a plain request that may become
/// one (`RequestContext::start_task`).
pub struct TaskLink {
    state: Mutex<LinkState>,
}

impl TaskLink {
    /// The call is the task `task_id`.
    pub fn task(task_id: String) -> Self {
        TaskLink { state: Mutex::new(LinkState::Task(task_id)) }
    }

    /// A plain request; `promote` creates the task, answers the request with it and returns its id.
    pub fn promotable(promote: impl FnOnce() -> Result<String, ErrorObject> + Send + 'static) -> Self {
        TaskLink { state: Mutex::new(LinkState::Plain(Some(Box::new(promote)))) }
    }

    /// Makes the call a task now (answering the request with the task); true once it is one.
    pub fn start_task(&self) -> Result<bool, ErrorObject> {
        let mut state = lock(&self.state);
        match &mut *state {
            LinkState::Task(_) => Ok(true),
            LinkState::Answered => Err(ErrorObject::internal("start_task: the request was already answered")),
            LinkState::Plain(promote) => {
                let Some(promote) = promote.take() else {
                    return Err(ErrorObject::internal("start_task: the task could not be created"));
                };
                let id = promote()?;
                *state = LinkState::Task(id);
                Ok(true)
            }
        }
    }

    /// The task's id, once the call is one.
    pub fn task_id(&self) -> Option<String> {
        match &*lock(&self.state) {
            LinkState::Task(id) => Some(id.clone()),
            _ => None,
        }
    }

    /// The function answered: its task's id (the answer settles the task), or None (it answers
    /// the request; the call can no longer become a task).
    pub fn on_answer(&self) -> Option<String> {
        let mut state = lock(&self.state);
        match &*state {
            LinkState::Task(id) => Some(id.clone()),
            _ => {
                *state = LinkState::Answered;
                None
            }
        }
    }
}
