//! The benchmark's output: Markdown tables of every measurement, the ratios between the
//! receivers and the targets (met or missed by how much).

use std::fmt;

use crate::sender::Phase;

/// Which receiver a measurement is of.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Receiver {
    /// The plain `recv_from` loop (in the GSO phase: its `recvmmsg` + GRO socket).
    Raw,
    /// The ipv8-rs node (default `DriverConfig`: one signature helper thread on 2 cores).
    Rust,
    /// The same node with `DriverConfig::verify_threads = 0`: every signature on the driver's
    /// thread (run in the signed phases only).
    RustOneThread,
    /// The py-ipv8 3.2.1 node.
    Py,
}

impl fmt::Display for Receiver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Raw => "raw recvfrom",
            Self::Rust => "ipv8-rs",
            Self::RustOneThread => "ipv8-rs, no verify helper",
            Self::Py => "py-ipv8 3.2.1",
        })
    }
}

/// One receiver in one phase, over one window.
pub struct Measurement {
    pub receiver: Receiver,
    pub phase: Phase,
    /// Bytes per datagram sent.
    pub size: usize,
    pub secs: f64,
    /// Datagrams the sender's kernel accepted.
    pub sent: u64,
    /// Datagrams the receiver read.
    pub received: u64,
    /// Datagrams handled: pongs sent, introduction-responses sent, one-way messages counted
    /// (unsigned or signed).
    pub handled: u64,
    /// Every datagram the receiver sent.
    pub answers_sent: u64,
    pub rx_cpu_ns: u64,
    pub tx_cpu_ns: Option<u64>,
}

impl Measurement {
    fn per_s(&self, n: u64) -> f64 {
        n as f64 / self.secs
    }

    /// Handled per receiver CPU second.
    pub fn per_cpu_s(&self) -> f64 {
        if self.rx_cpu_ns == 0 {
            return f64::NAN;
        }
        self.handled as f64 / (self.rx_cpu_ns as f64 / 1e9)
    }

    fn loss(&self) -> f64 {
        100.0 * (1.0 - self.handled as f64 / self.sent.max(1) as f64)
    }
}

fn find(rows: &[Measurement], r: Receiver, p: Phase) -> Option<&Measurement> {
    rows.iter().find(|m| m.receiver == r && m.phase == p)
}

fn ratio(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    Some(a? / b?)
}

fn show(x: Option<f64>, digits: usize) -> String {
    x.filter(|v| v.is_finite())
        .map_or_else(|| "n/a".to_owned(), |v| format!("{v:.digits$}"))
}

fn target_row(what: &str, target: &str, value: Option<f64>, goal: f64, higher_is_better: bool) {
    let verdict = match value {
        Some(v) if v.is_finite() => {
            let met = if higher_is_better {
                v >= goal
            } else {
                v <= goal
            };
            if met {
                "**met**".to_owned()
            } else if higher_is_better {
                format!("missed ({:.0} % of target)", 100.0 * v / goal)
            } else {
                format!("missed ({:.2}× over)", v / goal)
            }
        }
        _ => "n/a".to_owned(),
    };
    println!("| {what} | {target} | {} | {verdict} |", show(value, 2));
}

/// Prints every table.
pub fn print_report(
    rows: &[Measurement],
    idle: &[(Receiver, u64)],
    after: &[(Receiver, u64)],
    load_before: &str,
    load_after: &str,
) {
    println!("\nload average (1, 5, 15 min): before {load_before}, after {load_after}\n");
    println!(
        "| phase | receiver | bytes | sent/s | received/s | handled/s | loss | rx CPU (cores) \
         | rx µs/handled | handled per CPU-s | tx ns/sent | tx CPU (cores) | rx datagrams up/handled |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    for m in rows {
        let tx_ns = m.tx_cpu_ns.map(|t| t as f64 / m.sent.max(1) as f64);
        let tx_cores = m.tx_cpu_ns.map(|t| t as f64 / 1e9 / m.secs);
        println!(
            "| {} | {} | {} | {:.0} | {:.0} | {:.0} | {:.1} % | {:.2} | {} | {:.0} | {} | {} | {:.2} |",
            m.phase.name(),
            m.receiver,
            m.size,
            m.per_s(m.sent),
            m.per_s(m.received),
            m.per_s(m.handled),
            m.loss(),
            m.rx_cpu_ns as f64 / 1e9 / m.secs,
            show(
                (m.handled > 0).then(|| m.rx_cpu_ns as f64 / 1e3 / m.handled as f64),
                2
            ),
            m.per_cpu_s(),
            show(tx_ns, 0),
            show(tx_cores, 2),
            m.answers_sent as f64 / m.handled.max(1) as f64,
        );
    }

    println!(
        "\n| phase | ipv8-rs / py-ipv8 handled per CPU-s | ipv8-rs / py-ipv8 handled/s \
         | ipv8-rs / raw handled per CPU-s | ipv8-rs / raw handled/s |"
    );
    println!("|---|---|---|---|---|");
    let per_cpu = |r, p| find(rows, r, p).map(Measurement::per_cpu_s);
    let per_s = |r, p| find(rows, r, p).map(|m| m.per_s(m.handled));
    for phase in Phase::ALL {
        println!(
            "| {} | {} | {} | {} | {} |",
            phase.name(),
            show(
                ratio(per_cpu(Receiver::Rust, phase), per_cpu(Receiver::Py, phase)),
                2
            ),
            show(
                ratio(per_s(Receiver::Rust, phase), per_s(Receiver::Py, phase)),
                2
            ),
            show(
                ratio(
                    per_cpu(Receiver::Rust, phase),
                    per_cpu(Receiver::Raw, phase)
                ),
                3
            ),
            show(
                ratio(per_s(Receiver::Rust, phase), per_s(Receiver::Raw, phase)),
                3
            ),
        );
    }

    println!("\n| receiver | RSS idle after start | RSS after the run |");
    println!("|---|---|---|");
    for (r, kib) in idle {
        let later = after.iter().find(|(x, _)| x == r).map_or(0, |(_, k)| *k);
        println!(
            "| {r} | {:.1} MiB | {:.1} MiB |",
            *kib as f64 / 1024.0,
            later as f64 / 1024.0
        );
    }
    let rss = |list: &[(Receiver, u64)], r| {
        list.iter()
            .find(|(x, _)| *x == r)
            .map(|(_, k)| *k as f64 / 1024.0)
    };

    println!("\n| target (issue 10) | goal | measured | verdict |");
    println!("|---|---|---|---|");
    target_row(
        "pings answered per CPU-s, ipv8-rs / py-ipv8",
        "≥ 10×",
        ratio(
            per_cpu(Receiver::Rust, Phase::Ping),
            per_cpu(Receiver::Py, Phase::Ping),
        ),
        10.0,
        true,
    );
    target_row(
        "signed intro-requests answered per CPU-s, ipv8-rs / py-ipv8",
        "≥ 6×",
        ratio(
            per_cpu(Receiver::Rust, Phase::Intro),
            per_cpu(Receiver::Py, Phase::Intro),
        ),
        6.0,
        true,
    );
    target_row(
        "signed one-way messages per CPU-s, ipv8-rs without verify helper (1 core), GSO sender",
        "≥ 45,000",
        per_cpu(Receiver::RustOneThread, Phase::SignedGso),
        45_000.0,
        true,
    );
    target_row(
        "signed one-way messages handled/s, ipv8-rs with 1 verify helper (2 cores), GSO sender \
         (pace it with IPV8_BENCH_GSO_RATE)",
        "≥ 85,000",
        per_s(Receiver::Rust, Phase::SignedGso),
        85_000.0,
        true,
    );
    target_row(
        "idle RSS, ipv8-rs / py-ipv8",
        "≤ 0.33",
        ratio(rss(idle, Receiver::Rust), rss(idle, Receiver::Py)),
        1.0 / 3.0,
        false,
    );
    target_row(
        "idle RSS of one ipv8-rs node (MiB)",
        "≤ 8",
        rss(idle, Receiver::Rust),
        8.0,
        false,
    );
}

/// The one-way receive targets of issue 10 (GRO/GSO): ipv8-rs one-way messages handled per
/// CPU-second, ≥ 600 k batched (from the GSO sender) or ≥ 250 k on the plain path
/// (`IPV8_BENCH_PLAIN`, from the `sendmmsg` sender).
pub fn print_gso_targets(rows: &[Measurement], plain: bool) {
    let per_cpu = |p| find(rows, Receiver::Rust, p).map(Measurement::per_cpu_s);
    if plain {
        target_row(
            "one-way messages per CPU-s, ipv8-rs plain path",
            "≥ 250 k",
            per_cpu(Phase::OneWay),
            250_000.0,
            true,
        );
    } else {
        target_row(
            "one-way messages per CPU-s, ipv8-rs batched, GSO sender",
            "≥ 600 k",
            per_cpu(Phase::OneWayGso),
            600_000.0,
            true,
        );
    }
}

/// The idle RSS of the complete nodes (`fullnode`).
pub fn print_full_nodes(nodes: &[(String, u64)]) {
    if nodes.is_empty() {
        return;
    }
    println!("\n| complete node, idle | RSS |");
    println!("|---|---|");
    for (name, kib) in nodes {
        println!("| {name} | {:.1} MiB |", *kib as f64 / 1024.0);
    }
    if let [(_, rust), (_, py)] = nodes {
        println!(
            "\ncomplete node idle RSS, ipv8-rs / py-ipv8: {:.2}",
            *rust as f64 / *py as f64
        );
    }
}
