//! The namespace lab of the network fault matrix: network namespaces, veth pairs, a router,
//! sysctls and nftables tables, all created by the test and torn down again (on drop, and at
//! start for the leftovers of a crashed run).
//!
//! Topology (every address lives only inside the namespaces created here):
//!
//! ```text
//!   A 10.231.1.2 (a0) ── (ra) 10.231.1.1 ┐
//!                                        R ── (rt) 10.231.3.1 ── (t0) 10.231.3.2 T (tracker)
//!   B 10.231.2.2 (b0) ── (rb) 10.231.2.1 ┘
//! ```
//!
//! R forwards; every namespace has its ICMP rate limits switched off (docs/design/UDP-FAILURES.md
//! §5: the per-netns limits hide most ICMP errors). Nothing global is touched (`route.error_cost`
//! is global, which is why faults use local routes and end-host `reject` instead of router-made
//! unreachables). Submodules: [`node`] runs `ipv8` inside a namespace and reads its status
//! lines, [`faults`] holds the fault recipes, [`report`] the table.

pub mod faults;
pub mod node;
pub mod report;

use std::fs;
use std::io::Write as _;
use std::process::{Command, Output, Stdio};

/// Prefix of every namespace this test creates (`i8fm-<pid>-<role>`).
pub const PREFIX: &str = "i8fm-";
/// The process name (`/proc/PID/comm`, 15 bytes) of this test binary, to tell a live run from
/// the leftovers of a crashed one.
const COMM_PREFIX: &str = "netns_fault";

/// A's subnet before the network switch.
pub const NET_A: &str = "10.231.1.0/24";
/// B's subnet.
pub const NET_B: &str = "10.231.2.0/24";
/// The tracker's subnet.
pub const NET_T: &str = "10.231.3.0/24";
/// A's address before the switch, R's side of it.
pub const ADDR_A: &str = "10.231.1.2";
/// R's address on A's link.
pub const GW_A: &str = "10.231.1.1";
/// B's address.
pub const ADDR_B: &str = "10.231.2.2";
/// R's address on B's link.
pub const GW_B: &str = "10.231.2.1";
/// The tracker's address.
pub const ADDR_T: &str = "10.231.3.2";
/// R's address on the tracker's link.
pub const GW_T: &str = "10.231.3.1";
/// A's address after the switch.
pub const ADDR_A2: &str = "10.231.11.2";
/// R's address on A's new subnet.
pub const GW_A2: &str = "10.231.11.1";
/// UDP port of R that silently discards (the tbf burst goes there).
pub const DISCARD_PORT: u16 = 9;

/// Fails the test, naming what is missing, unless it runs as root with `ip netns`, `nft` and
/// `tc` available. CI runs as root; there is no silent skip.
pub fn require_root_and_tools() {
    let status = fs::read_to_string("/proc/self/status").unwrap_or_default();
    let euid = status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .unwrap_or("?");
    assert!(
        euid == "0",
        "the netns fault matrix needs root (network namespaces, nftables, qdiscs); \
         effective uid is {euid}. Run it as root, as CI does (scripts/test-all.sh)"
    );
    for (tool, args, package) in [
        ("ip", &["netns", "list"][..], "iproute2"),
        ("nft", &["--version"][..], "nftables"),
        ("tc", &["-V"][..], "iproute2"),
    ] {
        let out = Command::new(tool).args(args).output();
        match out {
            Ok(out) if out.status.success() => {}
            Ok(out) => panic!(
                "the netns fault matrix needs `{tool} {}` to work (package {package}); it failed: {}",
                args.join(" "),
                String::from_utf8_lossy(&out.stderr).trim()
            ),
            Err(e) => panic!(
                "the netns fault matrix needs `{tool}` (package {package}: apt-get install \
                 {package}); starting it failed: {e}"
            ),
        }
    }
}

/// Runs `cmd`, returning its output, or an error naming the command and its stderr.
pub fn run(cmd: &mut Command) -> Result<Output, String> {
    let shown = format!("{cmd:?}").replace('"', "");
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("`{shown}` could not start: {e}"))?;
    if out.status.success() {
        Ok(out)
    } else {
        Err(format!(
            "`{shown}` failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

/// Like [`run`], panicking on failure.
pub fn must(cmd: &mut Command) -> Output {
    run(cmd).unwrap_or_else(|e| panic!("{e}"))
}

/// One network namespace created by the lab.
#[derive(Clone, Debug)]
pub struct Netns {
    /// Its name (`i8fm-<pid>-<role>`).
    pub name: String,
}

impl Netns {
    /// `ip -n NAME args…`, panicking on failure.
    pub fn ip(&self, args: &[&str]) {
        must(Command::new("ip").arg("-n").arg(&self.name).args(args));
    }

    /// `tc -n NAME args…`, panicking on failure.
    pub fn tc(&self, args: &[&str]) {
        must(Command::new("tc").arg("-n").arg(&self.name).args(args));
    }

    /// A command that runs `program` inside the namespace (`ip netns exec`; the program
    /// replaces `ip`, so the child's pid is the program's).
    pub fn command(&self, program: &str) -> Command {
        let mut cmd = Command::new("ip");
        cmd.args(["netns", "exec", &self.name, program]);
        cmd
    }

    /// Loads an nftables script (`nft -f -`) inside the namespace, panicking on failure.
    pub fn nft(&self, script: &str) {
        let mut child = self
            .command("nft")
            .args(["-f", "-"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("nft in {}: cannot start: {e}", self.name));
        child
            .stdin
            .take()
            .expect("piped stdin")
            .write_all(script.as_bytes())
            .expect("writing the nft script");
        let out = child.wait_with_output().expect("waiting for nft");
        assert!(
            out.status.success(),
            "nft in {} rejected the script:\n{script}\n{}",
            self.name,
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// `nft delete table ip NAME` (ignores a table that is already gone).
    pub fn nft_delete_table(&self, table: &str) {
        let _ = run(self.command("nft").args(["delete", "table", "ip", table]));
    }

    /// The `packets N` of every `counter` in table `ip NAME`, in rule order (empty when the
    /// table does not exist).
    pub fn nft_counters(&self, table: &str) -> Vec<u64> {
        let Ok(out) = run(self.command("nft").args(["list", "table", "ip", table])) else {
            return Vec::new();
        };
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        let words: Vec<&str> = text.split_whitespace().collect();
        words
            .windows(2)
            .filter(|w| w[0] == "packets")
            .filter_map(|w| w[1].parse().ok())
            .collect()
    }

    /// The `dropped N` of the root qdisc of `dev` (`tc -s qdisc show`), if any.
    pub fn qdisc_dropped(&self, dev: &str) -> Option<u64> {
        let out =
            run(Command::new("tc").args(["-n", &self.name, "-s", "qdisc", "show", "dev", dev]))
                .ok()?;
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        let words: Vec<&str> = text.split_whitespace().collect();
        words
            .windows(2)
            .find(|w| w[0] == "(dropped")
            .and_then(|w| w[1].trim_end_matches(',').parse().ok())
    }

    /// Sets `/proc/sys/<key>` (dotted form) inside the namespace.
    pub fn sysctl(&self, key: &str, value: &str) {
        let path = format!("/proc/sys/{}", key.replace('.', "/"));
        must(
            self.command("sh")
                .arg("-c")
                .arg(format!("echo {value} > {path}")),
        );
    }

    /// Process ids inside the namespace (`ip netns pids`).
    fn pids(&self) -> Vec<String> {
        run(Command::new("ip").args(["netns", "pids", &self.name]))
            .map(|o| {
                String::from_utf8_lossy(&o.stdout)
                    .split_whitespace()
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// Kills what runs inside namespace `name` (only processes this test started there) and
/// deletes it.
fn destroy(name: &str) {
    let ns = Netns {
        name: name.to_owned(),
    };
    for pid in ns.pids() {
        let _ = Command::new("kill")
            .args(["-KILL", &pid])
            .stderr(Stdio::null())
            .status();
    }
    let _ = Command::new("ip")
        .args(["netns", "del", name])
        .stderr(Stdio::null())
        .status();
}

/// Deletes namespaces left by earlier runs of this test whose process is gone (a crashed or
/// killed run cannot clean up after itself). Namespaces of a live run are left alone.
pub fn remove_leftovers() {
    let Ok(out) = run(Command::new("ip").args(["netns", "list"])) else {
        return;
    };
    let me = std::process::id().to_string();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let Some(name) = line.split_whitespace().next() else {
            continue;
        };
        let Some(rest) = name.strip_prefix(PREFIX) else {
            continue;
        };
        let pid = rest.split('-').next().unwrap_or("");
        let alive = pid != me
            && fs::read_to_string(format!("/proc/{pid}/comm"))
                .is_ok_and(|comm| comm.starts_with(COMM_PREFIX));
        if !alive {
            eprintln!("netlab: removing leftover namespace {name}");
            destroy(name);
        }
    }
}

/// The four namespaces and their links; torn down on drop.
pub struct Lab {
    /// Node A.
    pub a: Netns,
    /// The router.
    pub r: Netns,
    /// Node B.
    pub b: Netns,
    /// The tracker.
    pub t: Netns,
}

impl Lab {
    /// Removes leftovers, then builds the topology of the module docs.
    pub fn build() -> Self {
        remove_leftovers();
        let pid = std::process::id();
        let ns = |role: &str| Netns {
            name: format!("{PREFIX}{pid}-{role}"),
        };
        let lab = Self {
            a: ns("a"),
            r: ns("r"),
            b: ns("b"),
            t: ns("t"),
        };
        for n in lab.all() {
            must(Command::new("ip").args(["netns", "add", &n.name]));
        }
        for n in lab.all() {
            n.ip(&["link", "set", "lo", "up"]);
            // ICMP errors must not be hidden by rate limits (docs/design/UDP-FAILURES.md §5).
            n.sysctl("net.ipv4.icmp_ratelimit", "0");
            n.sysctl("net.ipv4.icmp_msgs_per_sec", "100000");
            n.sysctl("net.ipv4.icmp_msgs_burst", "10000");
            n.sysctl("net.ipv6.icmp.ratelimit", "0");
        }
        lab.r.sysctl("net.ipv4.ip_forward", "1");
        lab.link_a();
        lab.b.ip(&[
            "link",
            "add",
            "b0",
            "type",
            "veth",
            "peer",
            "name",
            "rb",
            "netns",
            &lab.r.name,
        ]);
        lab.t.ip(&[
            "link",
            "add",
            "t0",
            "type",
            "veth",
            "peer",
            "name",
            "rt",
            "netns",
            &lab.r.name,
        ]);
        lab.b
            .ip(&["addr", "add", &format!("{ADDR_B}/24"), "dev", "b0"]);
        lab.r
            .ip(&["addr", "add", &format!("{GW_B}/24"), "dev", "rb"]);
        lab.t
            .ip(&["addr", "add", &format!("{ADDR_T}/24"), "dev", "t0"]);
        lab.r
            .ip(&["addr", "add", &format!("{GW_T}/24"), "dev", "rt"]);
        lab.b.ip(&["link", "set", "b0", "up"]);
        lab.r.ip(&["link", "set", "rb", "up"]);
        lab.t.ip(&["link", "set", "t0", "up"]);
        lab.r.ip(&["link", "set", "rt", "up"]);
        lab.b.ip(&["route", "add", "default", "via", GW_B]);
        lab.t.ip(&["route", "add", "default", "via", GW_T]);
        // R's discard port: the tbf burst from A ends here without ICMP replies.
        lab.r.nft(&format!(
            "table ip lab {{\n  chain c_in {{ type filter hook input priority 0; policy accept;\n    \
             udp dport {DISCARD_PORT} drop\n  }}\n}}\n"
        ));
        lab
    }

    /// The namespaces, router first.
    pub fn all(&self) -> [&Netns; 4] {
        [&self.r, &self.a, &self.b, &self.t]
    }

    /// Creates A's veth pair (a0 in A, ra in R) with A's first addresses and default route.
    /// Used at build time and to re-create the interface.
    pub fn link_a(&self) {
        self.a.ip(&[
            "link",
            "add",
            "a0",
            "type",
            "veth",
            "peer",
            "name",
            "ra",
            "netns",
            &self.r.name,
        ]);
        self.a
            .ip(&["addr", "add", &format!("{ADDR_A}/24"), "dev", "a0"]);
        self.r
            .ip(&["addr", "add", &format!("{GW_A}/24"), "dev", "ra"]);
        self.a.ip(&["link", "set", "a0", "up"]);
        self.r.ip(&["link", "set", "ra", "up"]);
        self.a.ip(&["route", "add", "default", "via", GW_A]);
    }

    /// Cuts the tracker off (R drops everything to and from its subnet, silently), so that
    /// every datagram A and B receive comes from each other.
    pub fn isolate_tracker(&self) {
        self.r.nft(&format!(
            "table ip tracker_cut {{\n  chain c_fwd {{ type filter hook forward priority -10; \
             policy accept;\n    ip daddr {NET_T} drop\n    ip saddr {NET_T} drop\n  }}\n}}\n"
        ));
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        for n in self.all() {
            destroy(&n.name);
        }
    }
}
