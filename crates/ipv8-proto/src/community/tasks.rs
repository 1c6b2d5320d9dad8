//! [`Tasks`]: named delayed and periodic jobs owned by one community, ended when it unloads.
//!
//! Ports py-ipv8 `taskmanager.py` (`register_task` with `delay` and `interval`,
//! `register_anonymous_task`, `cancel_pending_task`, `is_pending_task_active`,
//! `cancel_all_pending_tasks`). A task is a closure over the community and its [`Cx`]; it runs on
//! the node's timer table (no thread, no runtime), so a task can never race a message handler.

use std::fmt;
use std::time::Duration;

use super::{Community, Cx};
use crate::time::Instant;

/// The closure of a task.
pub(crate) type TaskFn<C> = Box<dyn FnMut(&mut C, &mut Cx<'_, C>) + Send>;

/// Why a task could not be registered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TaskError {
    /// A task with this name is still pending (py-ipv8 raises `RuntimeError`).
    AlreadyRegistered(String),
    /// The community already has the most pending tasks allowed (1024).
    TooMany,
}

impl fmt::Display for TaskError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::AlreadyRegistered(name) => write!(f, "task '{name}' is already registered"),
            Self::TooMany => write!(f, "more than {MAX_TASKS} pending tasks"),
        }
    }
}

impl std::error::Error for TaskError {}

/// Pending tasks one community may have at once.
pub const MAX_TASKS: usize = 1024;

pub(crate) struct Task<C> {
    pub(crate) name: String,
    pub(crate) key: u64,
    pub(crate) interval: Option<Duration>,
    /// `None` while the task runs.
    pub(crate) run: Option<TaskFn<C>>,
}

/// A community's pending tasks.
pub(crate) struct Tasks<C> {
    tasks: Vec<Task<C>>,
    next_key: u64,
}

impl<C> Default for Tasks<C> {
    fn default() -> Self {
        Self {
            tasks: Vec::new(),
            next_key: 1,
        }
    }
}

impl<C: Community> Tasks<C> {
    /// Adds a task; returns its timer key and first deadline.
    pub(crate) fn register(
        &mut self,
        name: String,
        now: Instant,
        delay: Duration,
        interval: Option<Duration>,
        run: TaskFn<C>,
    ) -> Result<(u64, Instant), TaskError> {
        if self.is_active(&name) {
            return Err(TaskError::AlreadyRegistered(name));
        }
        if self.tasks.len() >= MAX_TASKS {
            return Err(TaskError::TooMany);
        }
        let key = self.next_key;
        self.next_key = self.next_key.wrapping_add(1).max(1);
        self.tasks.push(Task {
            name,
            key,
            interval: interval.filter(|i| !i.is_zero()),
            run: Some(run),
        });
        Ok((key, now + delay))
    }

    /// A fresh name for an anonymous task.
    pub(crate) fn anonymous_name(&self) -> String {
        format!("anonymous-{}", self.next_key)
    }

    pub(crate) fn is_active(&self, name: &str) -> bool {
        self.tasks.iter().any(|t| t.name == name)
    }

    /// Removes a task by name; returns its timer key.
    pub(crate) fn cancel(&mut self, name: &str) -> Option<u64> {
        let pos = self.tasks.iter().position(|t| t.name == name)?;
        Some(self.tasks.remove(pos).key)
    }

    /// Removes every task; returns their timer keys.
    pub(crate) fn cancel_all(&mut self) -> Vec<u64> {
        self.tasks.drain(..).map(|t| t.key).collect()
    }

    /// Takes the closure of the task with timer `key` out for a run.
    pub(crate) fn take(&mut self, key: u64) -> Option<(TaskFn<C>, Option<Duration>)> {
        let task = self.tasks.iter_mut().find(|t| t.key == key)?;
        Some((task.run.take()?, task.interval))
    }

    /// Puts a closure back after its run. A one-shot task, or one cancelled (or replaced)
    /// while it ran, is removed instead; returns whether it stays.
    pub(crate) fn put_back(&mut self, key: u64, run: TaskFn<C>) -> bool {
        let Some(pos) = self.tasks.iter().position(|t| t.key == key) else {
            return false;
        };
        if self.tasks[pos].interval.is_none() {
            self.tasks.remove(pos);
            return false;
        }
        self.tasks[pos].run = Some(run);
        true
    }

    /// Names of the pending tasks.
    pub(crate) fn names(&self) -> impl Iterator<Item = &str> + '_ {
        self.tasks.iter().map(|t| t.name.as_str())
    }
}
