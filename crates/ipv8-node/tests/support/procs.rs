//! [`Proc`]: a child process with piped stdin/stdout/stderr whose stdout is a stream of JSON
//! lines, read by a background thread so that every wait can have a deadline.
//!
//! The child is killed when the `Proc` is dropped (also when a test panics), so a failing test
//! never leaks processes. Stdin stays open for the child's lifetime: children that stop on EOF
//! (like `tools/pypeer.py`) then also stop if the test process dies. Stderr is kept (the last
//! [`STDERR_KEEP`] lines) for failure messages.

use std::collections::{BTreeMap, VecDeque};
use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, TryRecvError};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::Value;

/// How many stderr lines are kept for diagnostics.
pub const STDERR_KEEP: usize = 60;

/// How many untaken non-JSON stdout lines are kept for [`Proc::take_text`] (the oldest go).
pub const FRESH_TEXT_KEEP: usize = 100_000;

/// One line read from the child's stdout.
enum Line {
    Json(Value),
    Text(String),
}

/// A running child process that prints JSON lines on stdout.
pub struct Proc {
    name: String,
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<Line>,
    stdout_closed: bool,
    stderr: Arc<Mutex<VecDeque<String>>>,
    /// Every JSON line received so far, in order.
    history: Vec<Value>,
    /// The last JSON line per `event` field value.
    latest: BTreeMap<String, Value>,
    /// Stdout lines that were not JSON (kept for diagnostics).
    text: VecDeque<String>,
    /// Stdout lines that were not JSON and not yet taken by [`Proc::take_text`].
    fresh_text: VecDeque<String>,
    exit: Option<ExitStatus>,
}

impl Proc {
    /// Starts `command` with all three standard streams piped. `name` labels error messages.
    ///
    /// # Errors
    /// When the program cannot be started (the message names it).
    pub fn spawn(name: &str, mut command: Command) -> Result<Self, String> {
        let program = format!("{command:?}");
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("{name}: cannot start {program}: {e}"))?;
        let stdout = child.stdout.take().expect("piped stdout");
        let stderr_pipe = child.stderr.take().expect("piped stderr");
        let (tx, rx) = mpsc::channel();
        thread::Builder::new()
            .name(format!("{name}-stdout"))
            .spawn(move || {
                let mut reader = BufReader::new(stdout);
                while let Some(line) = read_line_lossy(&mut reader) {
                    let parsed = match serde_json::from_str::<Value>(&line) {
                        Ok(value) if value.is_object() => Line::Json(value),
                        _ => Line::Text(line),
                    };
                    if tx.send(parsed).is_err() {
                        break;
                    }
                }
            })
            .expect("spawning a reader thread");
        let stderr = Arc::new(Mutex::new(VecDeque::new()));
        let keep = Arc::clone(&stderr);
        thread::Builder::new()
            .name(format!("{name}-stderr"))
            .spawn(move || read_tail(stderr_pipe, &keep))
            .expect("spawning a reader thread");
        Ok(Self {
            name: name.to_owned(),
            stdin: child.stdin.take(),
            child,
            lines: rx,
            stdout_closed: false,
            stderr,
            history: Vec::new(),
            latest: BTreeMap::new(),
            text: VecDeque::new(),
            fresh_text: VecDeque::new(),
            exit: None,
        })
    }

    /// The label given at spawn.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The child's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    fn accept(&mut self, line: Line) -> Option<Value> {
        match line {
            Line::Json(value) => {
                if let Some(event) = value.get("event").and_then(Value::as_str) {
                    self.latest.insert(event.to_owned(), value.clone());
                }
                self.history.push(value.clone());
                Some(value)
            }
            Line::Text(text) => {
                if self.text.len() == STDERR_KEEP {
                    self.text.pop_front();
                }
                if self.fresh_text.len() == FRESH_TEXT_KEEP {
                    self.fresh_text.pop_front();
                }
                self.fresh_text.push_back(text.clone());
                self.text.push_back(text);
                None
            }
        }
    }

    /// Takes in every line printed so far without blocking; returns the new JSON lines.
    pub fn poll(&mut self) -> Vec<Value> {
        let mut new = Vec::new();
        loop {
            match self.lines.try_recv() {
                Ok(line) => new.extend(self.accept(line)),
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => {
                    self.stdout_closed = true;
                    break;
                }
            }
        }
        new
    }

    /// The next JSON line, waiting at most until `deadline`; `None` on timeout or end of output.
    pub fn next_json(&mut self, deadline: Instant) -> Option<Value> {
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    if let Some(value) = self.accept(line) {
                        return Some(value);
                    }
                }
                Err(RecvTimeoutError::Timeout) => return None,
                Err(RecvTimeoutError::Disconnected) => {
                    self.stdout_closed = true;
                    return None;
                }
            }
        }
    }

    /// Waits until a JSON line satisfies `pred` (lines already taken in are not looked at again).
    ///
    /// # Errors
    /// On timeout or when the child's output ends; the message has `what` and [`Self::diagnostics`].
    pub fn wait_for(
        &mut self,
        deadline: Instant,
        what: &str,
        mut pred: impl FnMut(&Value) -> bool,
    ) -> Result<Value, String> {
        loop {
            match self.next_json(deadline) {
                Some(value) if pred(&value) => return Ok(value),
                Some(_) => {}
                None => {
                    let why = if self.stdout_closed {
                        "its output ended"
                    } else {
                        "timed out"
                    };
                    let diagnostics = self.diagnostics();
                    return Err(format!(
                        "{}: waiting for {what}: {why}\n{diagnostics}",
                        self.name
                    ));
                }
            }
        }
    }

    /// Takes in every line printed so far without blocking; returns the non-JSON stdout lines
    /// not returned before (for programs that print plain text).
    pub fn take_text(&mut self) -> Vec<String> {
        self.poll();
        self.fresh_text.drain(..).collect()
    }

    /// Every JSON line taken in so far.
    pub fn history(&self) -> &[Value] {
        &self.history
    }

    /// The last JSON line taken in whose `event` is `event`.
    pub fn latest(&self, event: &str) -> Option<&Value> {
        self.latest.get(event)
    }

    /// Whether stdout has ended (the child closed it or exited).
    pub fn output_ended(&self) -> bool {
        self.stdout_closed
    }

    /// The exit status if the child has exited.
    pub fn exit_status(&mut self) -> Option<ExitStatus> {
        if self.exit.is_none() {
            self.exit = self.child.try_wait().ok().flatten();
        }
        self.exit
    }

    /// Exit status, the last stderr lines and non-JSON stdout lines, for failure messages.
    pub fn diagnostics(&mut self) -> String {
        let status = match self.exit_status() {
            Some(status) => format!("exited: {status}"),
            None => "still running".to_owned(),
        };
        let mut out = format!("--- {} (pid {}, {status})", self.name, self.pid());
        let stderr = self.stderr.lock().unwrap_or_else(|e| e.into_inner());
        if !stderr.is_empty() {
            let _ = write!(out, "\n--- stderr (last {} lines):", stderr.len());
            for line in stderr.iter() {
                let _ = write!(out, "\n  {line}");
            }
        }
        if !self.text.is_empty() {
            let _ = write!(out, "\n--- non-JSON stdout:");
            for line in &self.text {
                let _ = write!(out, "\n  {line}");
            }
        }
        out
    }

    /// Writes `line` and a line break to the child's stdin and flushes it.
    ///
    /// # Errors
    /// When stdin was closed or the child no longer reads it.
    pub fn send_line(&mut self, line: &str) -> Result<(), String> {
        let stdin = self
            .stdin
            .as_mut()
            .ok_or_else(|| format!("{}: stdin is closed", self.name))?;
        stdin
            .write_all(format!("{line}\n").as_bytes())
            .and_then(|()| stdin.flush())
            .map_err(|e| format!("{}: writing to stdin: {e}", self.name))
    }

    /// Closes the child's stdin (children that watch it stop on EOF).
    pub fn close_stdin(&mut self) {
        self.stdin.take();
    }

    /// Asks the child to stop: closes stdin and sends SIGTERM (Unix).
    pub fn request_stop(&mut self) {
        self.close_stdin();
        if self.exit_status().is_none() {
            terminate(self.child.id());
        }
    }

    /// Waits for the child to exit until `deadline`, then kills it. Returns how it exited
    /// (`None` if it had to be killed).
    pub fn wait_exit(&mut self, deadline: Instant) -> Option<ExitStatus> {
        loop {
            if let Some(status) = self.exit_status() {
                self.poll();
                return Some(status);
            }
            if Instant::now() >= deadline {
                self.kill();
                return None;
            }
            thread::sleep(Duration::from_millis(20));
        }
    }

    /// Kills the child (SIGKILL) and reaps it.
    pub fn kill(&mut self) {
        if self.exit_status().is_none() {
            let _ = self.child.kill();
            self.exit = self.child.wait().ok();
        }
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        self.close_stdin();
        self.kill();
    }
}

/// Stops several children at once: asks all of them, then waits for all until `timeout`
/// (stragglers are killed). Returns each child's exit status (`None`: killed).
pub fn stop_all<'a>(
    procs: impl IntoIterator<Item = &'a mut Proc>,
    timeout: Duration,
) -> Vec<Option<ExitStatus>> {
    let mut procs: Vec<&mut Proc> = procs.into_iter().collect();
    for proc in &mut procs {
        proc.request_stop();
    }
    let deadline = Instant::now() + timeout;
    procs.iter_mut().map(|p| p.wait_exit(deadline)).collect()
}

/// Sends SIGTERM to `pid` (through `kill(1)`, to stay free of `unsafe`).
#[cfg(unix)]
fn terminate(pid: u32) {
    let _ = Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

#[cfg(not(unix))]
fn terminate(_pid: u32) {}

/// One line without its line break, invalid UTF-8 replaced; `None` at end of input.
fn read_line_lossy(reader: &mut impl BufRead) -> Option<String> {
    let mut buf = Vec::new();
    match reader.read_until(b'\n', &mut buf) {
        Ok(0) | Err(_) => None,
        Ok(_) => {
            while matches!(buf.last(), Some(b'\n' | b'\r')) {
                buf.pop();
            }
            Some(String::from_utf8_lossy(&buf).into_owned())
        }
    }
}

fn read_tail(pipe: impl Read, keep: &Mutex<VecDeque<String>>) {
    let mut reader = BufReader::new(pipe);
    while let Some(line) = read_line_lossy(&mut reader) {
        let mut tail = keep.lock().unwrap_or_else(|e| e.into_inner());
        if tail.len() == STDERR_KEEP {
            tail.pop_front();
        }
        tail.push_back(line);
    }
}
