//! The fault matrix's result table: one [`Row`] per fault, rendered as Markdown for the test
//! output and `target/fault-matrix.md`, and the error-counter deltas that fill its columns.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Duration;

use super::node::Status;

/// One fault's outcome.
#[derive(Clone, Debug)]
pub struct Row {
    /// The fault's short name.
    pub fault: String,
    /// What the fault did to traffic while active (observed).
    pub during: String,
    /// Error counters that moved, per node, direction and class.
    pub errors: String,
    /// Time from clearing the fault to the first datagram received by both nodes.
    pub recovery: Option<Duration>,
    /// Extra outcome (e.g. time until verified peers again, rebinds).
    pub note: String,
    /// Every check passed.
    pub ok: bool,
    /// Why not (empty when ok).
    pub problems: Vec<String>,
    /// When the fault was applied and when clearing it finished (Unix seconds, to match the
    /// `time` of status lines).
    pub window: (f64, f64),
}

/// Counter movement of one node between two status lines, e.g. `A send PerDestination +12`.
pub fn error_delta(node: &str, before: &Status, after: &Status) -> Vec<String> {
    let mut out = Vec::new();
    for (dir, b, a) in [
        ("recv", &before.recv_errors, &after.recv_errors),
        ("send", &before.send_errors, &after.send_errors),
    ] {
        for (class, n) in delta(b, a) {
            out.push(format!("{node} {dir} {class} +{n}"));
        }
    }
    out
}

/// Datagrams the node dropped that moved between two status lines, e.g. `A drops
/// unsolicited_response +2`.
pub fn drop_delta(node: &str, before: &Status, after: &Status) -> Vec<String> {
    delta(&before.drops, &after.drops)
        .into_iter()
        .map(|(reason, n)| format!("{node} drops {reason} +{n}"))
        .collect()
}

/// Rebinds that happened between two status lines, e.g. `A rebinds +1`.
pub fn rebind_delta(node: &str, before: &Status, after: &Status) -> Option<String> {
    let n = after.rebinds.saturating_sub(before.rebinds);
    let failed = after.rebind_failures.saturating_sub(before.rebind_failures);
    match (n, failed) {
        (0, 0) => None,
        (n, 0) => Some(format!("{node} rebinds +{n}")),
        (n, f) => Some(format!("{node} rebinds +{n}, failed attempts +{f}")),
    }
}

fn delta(before: &BTreeMap<String, u64>, after: &BTreeMap<String, u64>) -> Vec<(String, u64)> {
    after
        .iter()
        .filter_map(|(class, n)| {
            let d = n.saturating_sub(before.get(class).copied().unwrap_or(0));
            (d > 0).then(|| (class.clone(), d))
        })
        .collect()
}

/// Seconds with one decimal for the table.
pub fn secs(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}

/// The Markdown table of `rows`, with a header line.
pub fn table(rows: &[Row], runtime: Duration) -> String {
    let mut out = String::new();
    let passed = rows.iter().filter(|r| r.ok).count();
    let _ = writeln!(
        out,
        "Fault matrix: {passed}/{} ok, whole test {:.0} s (recovery = clearing the fault → \
         first datagram received by both A and B).\n",
        rows.len(),
        runtime.as_secs_f64()
    );
    let _ = writeln!(
        out,
        "| fault | during fault | errors by class | recovery time | notes | ok |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|");
    for r in rows {
        let recovery = r.recovery.map_or_else(|| "never".to_owned(), secs);
        let errors = if r.errors.is_empty() {
            "none"
        } else {
            r.errors.as_str()
        };
        let ok = if r.ok {
            "ok".to_owned()
        } else {
            format!("**FAIL**: {}", r.problems.join("; "))
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} |",
            r.fault, r.during, errors, recovery, r.note, ok
        );
    }
    out
}

/// `target/fault-matrix.md` (the parent of cargo's per-target scratch directory).
pub fn output_path() -> PathBuf {
    let tmp = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    tmp.parent()
        .map_or(tmp.clone(), PathBuf::from)
        .join("fault-matrix.md")
}
