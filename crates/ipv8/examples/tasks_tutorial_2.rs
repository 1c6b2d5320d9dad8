//! py-ipv8's `tasks_tutorial_2.py` in tokio: keep the spawned task's handle and await it
//! before returning. Prints `[2, 3, 5, 4]`, and finishes as soon as task 4 does instead of
//! after a fixed second.

use std::sync::{Arc, Mutex};
use std::time::Duration;

type Completed = Arc<Mutex<Vec<i32>>>;

async fn execute_me_too(i: i32, completed: Completed) {
    tokio::time::sleep(Duration::from_millis(500)).await;
    completed.lock().expect("not poisoned").push(i);
}

async fn execute_me(completed: Completed) {
    execute_me_too(2, completed.clone()).await;
    completed.lock().expect("not poisoned").push(3);
    let task = tokio::spawn(execute_me_too(4, completed.clone())); // keep the handle
    completed.lock().expect("not poisoned").push(5);
    task.await.expect("the task ran to completion"); // await it before returning
}

#[tokio::main]
async fn main() {
    let completed = Completed::default();
    execute_me(completed.clone()).await;
    println!("{:?}", completed.lock().expect("not poisoned"));
}
