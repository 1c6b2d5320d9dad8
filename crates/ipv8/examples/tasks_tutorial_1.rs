//! py-ipv8's `tasks_tutorial_1.py` in tokio: what runs, and when. Prints `[2, 3, 5, 4]`.
//!
//! 1. A future that is never awaited never runs (rustc warns about it, as Python warns about
//!    a coroutine that was never awaited).
//! 2. Awaiting `execute_me_too(2)` waits until it has finished.
//! 3. Then 3 is appended.
//! 4. A spawned task runs on its own: `execute_me` goes on at once.
//! 5. So 5 is appended before 4 is.
//! 6. While `execute_me` sleeps a second, the spawned task appends 4. Without that sleep,
//!    `execute_me` would return first and the program would print `[2, 3, 5]`.

use std::sync::{Arc, Mutex};
use std::time::Duration;

type Completed = Arc<Mutex<Vec<i32>>>;

async fn execute_me_too(i: i32, completed: Completed) {
    tokio::time::sleep(Duration::from_millis(500)).await;
    completed.lock().expect("not poisoned").push(i);
}

async fn execute_me(completed: Completed) {
    let _never_polled = execute_me_too(1, completed.clone()); // 1
    execute_me_too(2, completed.clone()).await; // 2
    completed.lock().expect("not poisoned").push(3); // 3
    let _task = tokio::spawn(execute_me_too(4, completed.clone())); // 4
    completed.lock().expect("not poisoned").push(5); // 5
    tokio::time::sleep(Duration::from_secs(1)).await; // 6
}

#[tokio::main]
async fn main() {
    let completed = Completed::default();
    execute_me(completed.clone()).await;
    println!("{:?}", completed.lock().expect("not poisoned"));
}
