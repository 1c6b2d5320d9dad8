//! End-to-end benchmark on 127.0.0.1: one Rust sender floods three receiver *processes* in turn
//! with real py-ipv8-format traffic and compares what each handles per second and per CPU
//! second, plus the idle RSS of each:
//!
//! * `raw`: a plain blocking `recv_from` loop answering by message id (the kernel's limit);
//! * `ipv8-rs`: a node built with `Ipv8Builder` (DiscoveryCommunity + a benchmark community);
//! * `py-ipv8`: `tools/pybench_receiver.py` on pyipv8 3.2.1 (same two communities).
//!
//! Phases (each: [`WARMUP`], then the [`WINDOW`] measured, then a drain): unsigned pings
//! answered with pongs; signed introduction-requests from [`SENDERS`] keys answered with a
//! signed response and a puncture-request; one-way messages of the benchmark community, sent
//! with `sendmmsg` and again from a GSO sender (one `sendmsg` with `UDP_SEGMENT` per 64
//! datagrams; the raw receiver reads the GSO phases on a second socket with `recvmmsg` and UDP
//! GRO, the batched ipv8-rs node has GRO on its own socket); the same one-way messages signed
//! (verified, from [`SENDERS`] keys), with `sendmmsg` and with GSO. A second ipv8-rs node
//! without a signature helper thread (`DriverConfig::verify_threads = 0`) runs the signed
//! phases, so one run shows the node on one core and on two. The
//! sender is one thread with [`SENDERS`] sockets and `sendmmsg`; its CPU is reported so one
//! can see that it is not the bottleneck (the receiver's CPU is ≈ 1 core and the surplus is
//! lost in the kernel). Receiver CPU is `utime + stime` of `/proc/<pid>/stat`, RSS `VmRSS` of
//! `/proc/<pid>/status`.
//!
//! Before the floods, the idle RSS of the two *complete* nodes (`ipv8 run` and py-ipv8 with
//! REST) is read too, see `fullnode.rs`.
//!
//! Run: `cargo bench -p ipv8 --bench vs_pyipv8` (~1 min). The py-ipv8 interpreter is
//! `$IPV8_PYTHON`, else the one `tools/setup-pyipv8.sh` prints (it creates the venv on first
//! use); `IPV8_BENCH_NO_PY=1` skips py-ipv8. `IPV8_BENCH_PLAIN=1` runs the ipv8-rs node on the
//! plain path (`DriverConfig::batch_syscalls = false`: one `recvfrom`/`sendto` per datagram, no
//! GRO); `IPV8_BENCH_PHASES=ping,intro,oneway,gso,signed,signedgso` picks phases. Linux only
//! (`/proc`, `sendmmsg`).

#[cfg(target_os = "linux")]
#[path = "../common/community.rs"]
mod community;
#[cfg(target_os = "linux")]
mod fullnode;
#[cfg(target_os = "linux")]
#[path = "../common/packets.rs"]
mod packets;
#[cfg(target_os = "linux")]
mod report;
#[cfg(target_os = "linux")]
mod roles;
#[cfg(target_os = "linux")]
mod sender;

#[cfg(not(target_os = "linux"))]
fn main() {
    println!("vs_pyipv8: Linux only (/proc, sendmmsg)");
}

#[cfg(target_os = "linux")]
fn main() {
    linux::main();
}

#[cfg(target_os = "linux")]
mod linux {
    use std::io::{BufRead, BufReader, Write};
    use std::net::SocketAddrV4;
    use std::path::{Path, PathBuf};
    use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
    use std::time::{Duration, Instant};

    use ipv8::KeyIdentity;

    use crate::fullnode::idle_full_nodes;
    use crate::report::{
        Measurement, Receiver as Kind, print_full_nodes, print_gso_targets, print_report,
    };
    use crate::roles::{Stats, node_main, raw_main};
    use crate::sender::{Flood, Phase, sender_socket};

    /// Flooding before the window opens (socket buffers fill, caches warm).
    pub const WARMUP: Duration = Duration::from_millis(700);
    /// The measured window of each phase.
    pub const WINDOW: Duration = Duration::from_secs(3);
    /// Sender sockets (and keys for introduction-requests).
    pub const SENDERS: usize = 8;
    /// The benchmark community's id.
    pub use crate::community::BENCH;

    /// A receiver process and its stdin/stdout protocol.
    struct Process {
        kind: Kind,
        child: Child,
        stdin: Option<ChildStdin>,
        stdout: BufReader<ChildStdout>,
        pid: u32,
        port: u16,
        /// The raw receiver's second socket, read with `recvmmsg` and UDP GRO.
        gro_port: Option<u16>,
    }

    impl Process {
        fn spawn(kind: Kind, mut command: Command) -> Result<Self, String> {
            let mut child = command
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .spawn()
                .map_err(|e| format!("{kind}: cannot start: {e}"))?;
            let stdin = child.stdin.take();
            let mut stdout = BufReader::new(child.stdout.take().expect("piped"));
            let mut line = String::new();
            stdout
                .read_line(&mut line)
                .map_err(|e| format!("{kind}: {e}"))?;
            let field = |name: &str| {
                line.split_whitespace()
                    .find_map(|w| w.strip_prefix(name)?.strip_prefix('=')?.parse::<u32>().ok())
            };
            let (Some(port), Some(pid)) = (field("port"), field("pid")) else {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("{kind}: no ready line (got {line:?})"));
            };
            Ok(Self {
                kind,
                child,
                stdin,
                stdout,
                pid,
                port: u16::try_from(port).map_err(|e| e.to_string())?,
                gro_port: field("gro_port").and_then(|p| u16::try_from(p).ok()),
            })
        }

        fn stats(&mut self) -> Stats {
            let stdin = self.stdin.as_mut().expect("open");
            stdin
                .write_all(b"\n")
                .and_then(|()| stdin.flush())
                .expect("receiver alive");
            let mut line = String::new();
            self.stdout.read_line(&mut line).expect("receiver alive");
            Stats::parse(&line).unwrap_or_else(|| panic!("{}: bad stats line {line:?}", self.kind))
        }

        fn target(&self) -> SocketAddrV4 {
            SocketAddrV4::new([127, 0, 0, 1].into(), self.port)
        }

        /// Where `phase` floods: the raw receiver reads GSO floods on its GRO socket.
        fn target_for(&self, phase: Phase) -> SocketAddrV4 {
            match self.gro_port {
                Some(port) if phase.gso() => SocketAddrV4::new([127, 0, 0, 1].into(), port),
                _ => self.target(),
            }
        }

        /// `utime + stime` of the whole process, in nanoseconds (`USER_HZ` = 100).
        fn cpu_ns(&self) -> u64 {
            let text =
                std::fs::read_to_string(format!("/proc/{}/stat", self.pid)).unwrap_or_default();
            let after = text.rsplit_once(')').map_or("", |(_, rest)| rest);
            let fields: Vec<&str> = after.split_whitespace().collect();
            let ticks = |i: usize| {
                fields
                    .get(i)
                    .and_then(|f| f.parse::<u64>().ok())
                    .unwrap_or(0)
            };
            // after ")": state is field 3 of stat(5), so utime (14) and stime (15) are 11 and 12.
            (ticks(11) + ticks(12)) * 10_000_000
        }

        /// `VmRSS` in KiB.
        fn rss_kib(&self) -> u64 {
            let text =
                std::fs::read_to_string(format!("/proc/{}/status", self.pid)).unwrap_or_default();
            text.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.split_whitespace().next()?.parse().ok())
                .unwrap_or(0)
        }
    }

    impl Drop for Process {
        fn drop(&mut self) {
            drop(self.stdin.take()); // EOF: every receiver exits on its own
            let deadline = Instant::now() + Duration::from_secs(3);
            while Instant::now() < deadline {
                if matches!(self.child.try_wait(), Ok(Some(_))) {
                    return;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }

    fn repo_root() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
    }

    /// The py-ipv8 3.2.1 interpreter: `$IPV8_PYTHON`, else the last line `setup-pyipv8.sh` prints.
    fn python() -> Result<PathBuf, String> {
        if let Some(p) = std::env::var_os("IPV8_PYTHON") {
            return Ok(p.into());
        }
        let script = repo_root().join("tools/setup-pyipv8.sh");
        let out = Command::new("bash")
            .arg(&script)
            .stderr(Stdio::inherit())
            .output()
            .map_err(|e| format!("cannot run {}: {e}", script.display()))?;
        let text = String::from_utf8_lossy(&out.stdout);
        match text.lines().last() {
            Some(p) if out.status.success() => Ok(p.trim().into()),
            _ => Err(format!("{} failed ({})", script.display(), out.status)),
        }
    }

    fn spawn_receivers(python: Option<&Path>) -> Vec<Process> {
        let me = std::env::current_exe().expect("own path");
        let role = |r: &str| {
            let mut c = Command::new(&me);
            c.env("IPV8_BENCH_ROLE", r);
            c
        };
        let mut one_thread = role("node");
        one_thread.env("IPV8_BENCH_VERIFY_THREADS", "0");
        let mut out = vec![
            Process::spawn(Kind::Raw, role("raw")).expect("raw receiver"),
            Process::spawn(Kind::Rust, role("node")).expect("ipv8-rs receiver"),
            Process::spawn(Kind::RustOneThread, one_thread)
                .expect("ipv8-rs receiver without verify helper"),
        ];
        let Some(python) = python else {
            return out;
        };
        let mut c = Command::new(python);
        c.arg(repo_root().join("tools/pybench_receiver.py"))
            .arg("--community")
            .arg(hex::encode(BENCH.0));
        match Process::spawn(Kind::Py, c) {
            Ok(p) => out.push(p),
            Err(e) => println!("py-ipv8 receiver unavailable, skipped: {e}"),
        }
        out
    }

    /// One receiver counter and the sender at one instant.
    struct Mark {
        at: Instant,
        stats: Stats,
        rx_cpu_ns: u64,
        sent: u64,
        tx_cpu_ns: Option<u64>,
    }

    fn mark(p: &mut Process, flood: &Flood) -> Mark {
        Mark {
            stats: p.stats(),
            rx_cpu_ns: p.cpu_ns(),
            sent: flood.sent(),
            tx_cpu_ns: flood.cpu_ns(),
            at: Instant::now(),
        }
    }

    fn run_phase(p: &mut Process, phase: Phase, keys: &[KeyIdentity]) -> Measurement {
        let sockets: Vec<_> = (0..SENDERS).map(|_| sender_socket()).collect();
        let packets = phase.packets(&sockets, p.target_for(phase), BENCH, keys);
        let size = packets[0].len();
        let flood = Flood::start_phase(phase.gso(), p.target_for(phase), sockets, packets);
        std::thread::sleep(WARMUP);
        let a = mark(p, &flood);
        std::thread::sleep(WINDOW);
        let b = mark(p, &flood);
        drop(flood);
        // Drain what is still queued so it does not count in the next phase.
        let mut last = p.stats().down;
        for _ in 0..30 {
            std::thread::sleep(Duration::from_millis(100));
            let now = p.stats().down;
            if now == last {
                break;
            }
            last = now;
        }
        let handled = |s: &Stats| match phase {
            Phase::Ping => s.pong,
            Phase::Intro => s.response,
            Phase::OneWay | Phase::OneWayGso => s.oneway,
            Phase::SignedOneWay | Phase::SignedGso => s.signed,
        };
        Measurement {
            receiver: p.kind,
            phase,
            size,
            secs: b.at.duration_since(a.at).as_secs_f64(),
            sent: b.sent - a.sent,
            received: b.stats.down - a.stats.down,
            handled: handled(&b.stats) - handled(&a.stats),
            answers_sent: b.stats.up - a.stats.up,
            rx_cpu_ns: b.rx_cpu_ns - a.rx_cpu_ns,
            tx_cpu_ns: match (a.tx_cpu_ns, b.tx_cpu_ns) {
                (Some(x), Some(y)) => Some(y - x),
                _ => None,
            },
        }
    }

    fn loadavg() -> String {
        std::fs::read_to_string("/proc/loadavg")
            .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
            .unwrap_or_default()
    }

    pub fn main() {
        match std::env::var("IPV8_BENCH_ROLE").as_deref() {
            Ok("raw") => return raw_main(),
            Ok("node") => return node_main(BENCH),
            _ => {}
        }
        let load_before = loadavg();
        let keys: Vec<KeyIdentity> = (0..SENDERS as u64)
            .map(|i| KeyIdentity::from_seed(100 + i))
            .collect();
        let python = if std::env::var_os("IPV8_BENCH_NO_PY").is_some() {
            println!("py-ipv8 skipped (IPV8_BENCH_NO_PY)");
            None
        } else {
            python()
                .inspect_err(|e| println!("py-ipv8 unavailable, skipped: {e}"))
                .ok()
        };
        let full_nodes = idle_full_nodes(python.as_deref(), &repo_root());
        let mut receivers = spawn_receivers(python.as_deref());
        std::thread::sleep(Duration::from_secs(2));
        let idle: Vec<(Kind, u64)> = receivers.iter().map(|p| (p.kind, p.rss_kib())).collect();
        let mut rows = Vec::new();
        let phases = std::env::var("IPV8_BENCH_PHASES").ok();
        let plain = std::env::var_os("IPV8_BENCH_PLAIN").is_some();
        if plain {
            println!("ipv8-rs on the plain path (IPV8_BENCH_PLAIN: batch_syscalls = false)");
        }
        for phase in Phase::ALL {
            if phases
                .as_deref()
                .is_some_and(|list| !list.split(',').any(|k| k.trim() == phase.key()))
            {
                continue;
            }
            for p in &mut receivers {
                if p.kind == Kind::RustOneThread && !phase.signed() {
                    continue; // the same node as `Rust` where no signature is checked
                }
                rows.push(run_phase(p, phase, &keys));
            }
        }
        let after: Vec<(Kind, u64)> = receivers.iter().map(|p| (p.kind, p.rss_kib())).collect();
        let load_after = loadavg();
        drop(receivers);
        print_report(&rows, &idle, &after, &load_before, &load_after);
        print_gso_targets(&rows, plain);
        print_full_nodes(&full_nodes);
    }
}
