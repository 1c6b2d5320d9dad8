//! The fault recipes of the matrix (docs/design/UDP-FAILURES.md §5, the ones that work on this
//! kernel; netem is not available): each [`Fault`] knows how to apply and clear itself in a [`Lab`]
//! and which traffic it is expected to stop, so the test can check that the fault really bit before
//! it checks that the node recovered.
//!
//! The tbf fault needs a traffic burst from A's namespace; [`blast`] is that burst: the test
//! binary re-runs itself inside the namespace with [`BLAST_ENV`] set.

use std::net::UdpSocket;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use super::{ADDR_A, ADDR_A2, ADDR_B, DISCARD_PORT, GW_A, GW_A2, Lab, NET_A, NET_B};

/// Set (to `ip:port`) in the re-run test binary that should only send a burst.
pub const BLAST_ENV: &str = "IPV8_FAULT_MATRIX_BLAST";
/// Name of the test that the burst helper re-runs.
pub const TEST_NAME: &str = "netns_fault_matrix";
/// The helper never runs longer than this, even when nobody kills it.
const BLAST_MAX: Duration = Duration::from_secs(30);

/// What a fault is expected to do to A↔B traffic while it is active.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Effect {
    /// No datagram crosses in the marked directions.
    Blocks {
        /// A's datagrams do not reach B.
        a_to_b: bool,
        /// B's datagrams do not reach A.
        b_to_a: bool,
    },
    /// Traffic is impaired but keeps flowing both ways (loss, duplication).
    Degrades,
    /// A's datagrams are mostly (not always) lost (a full qdisc).
    Squeezes,
}

/// How a fault is made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// nft `reject with icmp type T` at both ends (A rejects B's datagrams, B rejects A's).
    Reject(&'static str),
    /// `ip route add T <B's subnet>` in A (`unreachable`, `prohibit`, `blackhole`).
    Route(&'static str),
    /// nft output `drop` in A for B's subnet (sendto fails with EPERM).
    FirewallDrop,
    /// tbf on A's link plus a burst from another socket in A, so the qdisc is full.
    TbfBurst,
    /// nft `numgen random mod 100 < 30 drop` in R, both directions.
    Loss,
    /// nft `numgen random mod 100 < 20 dup` in R, both directions.
    Dup,
    /// `ip link set a0 down`, then up (and the default route put back, as a network manager
    /// does: link down flushes routes through the link).
    LinkDownUp,
    /// `ip link del a0`, then a new veth pair with the same names and addresses.
    IfaceRecreate,
    /// A's address deleted, then another address on another subnet (the network switch).
    NetworkSwitch,
}

/// One row of the matrix.
#[derive(Clone, Copy, Debug)]
pub struct Fault {
    /// Short name for the table.
    pub name: &'static str,
    /// How it is made.
    pub kind: Kind,
    /// What it does to traffic.
    pub effect: Effect,
    /// How long it stays active.
    pub hold: Duration,
}

const BOTH: Effect = Effect::Blocks {
    a_to_b: true,
    b_to_a: true,
};
const A_TO_B: Effect = Effect::Blocks {
    a_to_b: true,
    b_to_a: false,
};

/// Every fault, in the order the test runs them (the network switch last: A keeps its new
/// address afterwards).
pub fn matrix() -> Vec<Fault> {
    let hold = Duration::from_secs(3);
    let f = |name, kind, effect| Fault {
        name,
        kind,
        effect,
        hold,
    };
    vec![
        f(
            "nft reject icmp port-unreachable",
            Kind::Reject("port-unreachable"),
            BOTH,
        ),
        f(
            "nft reject icmp host-unreachable",
            Kind::Reject("host-unreachable"),
            BOTH,
        ),
        f(
            "nft reject icmp net-unreachable",
            Kind::Reject("net-unreachable"),
            BOTH,
        ),
        f(
            "nft reject icmp admin-prohibited",
            Kind::Reject("admin-prohibited"),
            BOTH,
        ),
        f(
            "ip route unreachable (in A)",
            Kind::Route("unreachable"),
            A_TO_B,
        ),
        f("ip route prohibit (in A)", Kind::Route("prohibit"), A_TO_B),
        f(
            "ip route blackhole (in A)",
            Kind::Route("blackhole"),
            A_TO_B,
        ),
        f("nft output drop (in A)", Kind::FirewallDrop, A_TO_B),
        f(
            "tbf full + burst (A's link)",
            Kind::TbfBurst,
            Effect::Squeezes,
        ),
        Fault {
            hold: Duration::from_secs(4),
            ..f("30 % loss (nft numgen)", Kind::Loss, Effect::Degrades)
        },
        Fault {
            hold: Duration::from_secs(4),
            ..f("20 % duplication (nft dup)", Kind::Dup, Effect::Degrades)
        },
        f("link down/up (A)", Kind::LinkDownUp, BOTH),
        f(
            "interface deleted + re-created (A)",
            Kind::IfaceRecreate,
            BOTH,
        ),
        f(
            "network switch: address replaced (A)",
            Kind::NetworkSwitch,
            BOTH,
        ),
    ]
}

/// What the kernel counted while a fault was active.
pub struct Counted {
    /// For the table's notes (empty when nothing is counted for this fault).
    pub text: String,
    /// The counters prove the fault acted (ICMP errors sent and received, datagrams dropped or
    /// duplicated); `true` for faults without counters.
    pub bit: bool,
}

/// What an applied fault holds on to until it is cleared.
pub struct Active {
    blaster: Option<Child>,
}

impl Fault {
    /// The recipe as shell commands (for docs/FAULT-MATRIX.md).
    pub fn recipe(&self) -> String {
        match self.kind {
            Kind::Reject(t) => format!(
                "A: `nft … input ip saddr {NET_B} ip protocol udp reject with icmp type {t}`; \
                 B: the same for {NET_A}"
            ),
            Kind::Route(t) => format!("A: `ip route add {t} {NET_B}`"),
            Kind::FirewallDrop => format!("A: `nft … output ip daddr {NET_B} ip protocol udp drop`"),
            Kind::TbfBurst => format!(
                "A: `tc qdisc add dev a0 root tbf rate 1mbit burst 3000 limit 6000` + \
                 5×1000 B + 10×16 B per ms from another socket in A to R:{DISCARD_PORT}"
            ),
            Kind::Loss => "R: `nft … forward ip saddr X ip daddr Y ip protocol udp numgen random mod 100 < 30 drop` (both directions)".to_owned(),
            Kind::Dup => "R: `nft … forward … numgen random mod 100 < 20 dup to <dst> device <link>` (both directions)".to_owned(),
            Kind::LinkDownUp => format!("A: `ip link set a0 down`; then `up` + `ip route replace default via {GW_A}`"),
            Kind::IfaceRecreate => "A: `ip link del a0`; then `ip link add a0 type veth peer name ra netns R` + addresses + route".to_owned(),
            Kind::NetworkSwitch => format!(
                "A: `ip addr del {ADDR_A}/24 dev a0`; then `ip addr add {ADDR_A2}/24`, R gets {GW_A2}, \
                 `ip route replace default via {GW_A2}`"
            ),
        }
    }

    /// Applies the fault.
    pub fn apply(&self, lab: &Lab) -> Active {
        let mut active = Active { blaster: None };
        match self.kind {
            Kind::Reject(t) => {
                // Rule 1 rejects (one ICMP error each), rule 2 counts the ICMP errors that
                // arrive from the other end.
                let rule = |from: &str| {
                    format!(
                        "table ip fault {{\n  chain c_in {{ type filter hook input priority 0; \
                         policy accept;\n    ip saddr {from} ip protocol udp counter reject with icmp type {t}\n    \
                         ip saddr {from} icmp type destination-unreachable counter\n  }}\n}}\n"
                    )
                };
                lab.a.nft(&rule(NET_B));
                lab.b.nft(&rule(NET_A));
            }
            Kind::Route(t) => lab.a.ip(&["route", "add", t, NET_B]),
            Kind::FirewallDrop => lab.a.nft(&format!(
                "table ip fault {{\n  chain c_out {{ type filter hook output priority 0; policy accept;\n    \
                 ip daddr {NET_B} ip protocol udp counter drop\n  }}\n}}\n"
            )),
            Kind::TbfBurst => {
                lab.a.tc(&[
                    "qdisc", "add", "dev", "a0", "root", "tbf", "rate", "1mbit", "burst", "3000",
                    "limit", "6000",
                ]);
                // This very binary, even if cargo replaced the file meanwhile.
                let exe = format!("/proc/{}/exe", std::process::id());
                let child = lab
                    .a
                    .command(&exe)
                    .args([
                        "--exact",
                        TEST_NAME,
                        "--include-ignored",
                        "--nocapture",
                        "--test-threads=1",
                    ])
                    .env(BLAST_ENV, format!("{GW_A}:{DISCARD_PORT}"))
                    .stdin(Stdio::null())
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .spawn()
                    .expect("starting the burst helper in A");
                active.blaster = Some(child);
            }
            Kind::Loss => {
                let rule = "numgen random mod 100 < 30 counter drop";
                lab.r.nft(&impair(rule, rule));
            }
            Kind::Dup => lab.r.nft(&impair(
                &format!("numgen random mod 100 < 20 counter dup to {ADDR_B} device \"rb\""),
                &format!("numgen random mod 100 < 20 counter dup to {ADDR_A} device \"ra\""),
            )),
            Kind::LinkDownUp => lab.a.ip(&["link", "set", "a0", "down"]),
            Kind::IfaceRecreate => lab.a.ip(&["link", "del", "a0"]),
            Kind::NetworkSwitch => lab.a.ip(&["addr", "del", &format!("{ADDR_A}/24"), "dev", "a0"]),
        }
        active
    }

    /// Clears the fault (the network is usable again when this returns) and says what the
    /// kernel counted while it was active (rejected, dropped, duplicated datagrams).
    pub fn clear(&self, lab: &Lab, mut active: Active) -> Counted {
        let nothing = || Counted {
            text: String::new(),
            bit: true,
        };
        match self.kind {
            Kind::Reject(_) => {
                let (ca, cb) = (lab.a.nft_counters("fault"), lab.b.nft_counters("fault"));
                lab.a.nft_delete_table("fault");
                lab.b.nft_delete_table("fault");
                let n = |c: &[u64], i: usize| c.get(i).copied().unwrap_or(0);
                Counted {
                    text: format!(
                        "rejected: by A {}, by B {}; ICMP errors received: A {}, B {}",
                        n(&ca, 0),
                        n(&cb, 0),
                        n(&ca, 1),
                        n(&cb, 1)
                    ),
                    bit: [n(&ca, 0), n(&cb, 0), n(&ca, 1), n(&cb, 1)]
                        .iter()
                        .all(|c| *c > 0),
                }
            }
            Kind::Route(t) => {
                lab.a.ip(&["route", "del", t, NET_B]);
                nothing()
            }
            Kind::FirewallDrop => {
                let dropped = lab.a.nft_counters("fault").first().copied().unwrap_or(0);
                lab.a.nft_delete_table("fault");
                Counted {
                    text: format!("nft dropped {dropped}"),
                    bit: dropped > 0,
                }
            }
            Kind::TbfBurst => {
                let dropped = lab.a.qdisc_dropped("a0");
                if let Some(mut child) = active.blaster.take() {
                    let _ = child.kill();
                    let _ = child.wait();
                }
                lab.a.tc(&["qdisc", "del", "dev", "a0", "root"]);
                Counted {
                    text: format!(
                        "qdisc dropped {}",
                        dropped.map_or_else(|| "?".to_owned(), |d| d.to_string())
                    ),
                    bit: dropped.is_some_and(|d| d > 0),
                }
            }
            Kind::Loss | Kind::Dup => {
                let c = lab.r.nft_counters("fault");
                lab.r.nft_delete_table("fault");
                let n = |i: usize| c.get(i).copied().unwrap_or(0);
                let verb = if self.kind == Kind::Loss {
                    "dropped"
                } else {
                    "duplicated"
                };
                Counted {
                    text: format!("R {verb} A→B {}/{}, B→A {}/{}", n(1), n(0), n(3), n(2)),
                    bit: n(1) > 0 && n(3) > 0,
                }
            }
            Kind::LinkDownUp => {
                lab.a.ip(&["link", "set", "a0", "up"]);
                lab.a.ip(&["route", "replace", "default", "via", GW_A]);
                nothing()
            }
            Kind::IfaceRecreate => {
                lab.link_a();
                nothing()
            }
            Kind::NetworkSwitch => {
                lab.r
                    .ip(&["addr", "add", &format!("{GW_A2}/24"), "dev", "ra"]);
                lab.a
                    .ip(&["addr", "add", &format!("{ADDR_A2}/24"), "dev", "a0"]);
                lab.a.ip(&["route", "replace", "default", "via", GW_A2]);
                nothing()
            }
        }
    }
}

/// R's forward chain for loss or duplication: per direction one rule that counts every UDP
/// datagram A↔B, then `a_to_b` / `b_to_a` (each with its own counter).
fn impair(a_to_b: &str, b_to_a: &str) -> String {
    format!(
        "table ip fault {{\n  chain c_fwd {{ type filter hook forward priority 0; policy accept;\n    \
         ip saddr {NET_A} ip daddr {NET_B} ip protocol udp counter\n    \
         ip saddr {NET_A} ip daddr {NET_B} ip protocol udp {a_to_b}\n    \
         ip saddr {NET_B} ip daddr {NET_A} ip protocol udp counter\n    \
         ip saddr {NET_B} ip daddr {NET_A} ip protocol udp {b_to_a}\n  }}\n}}\n"
    )
}

impl Drop for Active {
    fn drop(&mut self) {
        if let Some(mut child) = self.blaster.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Whether this process is the burst helper (see [`blast`]).
pub fn blast_requested() -> bool {
    std::env::var_os(BLAST_ENV).is_some()
}

/// The burst helper: every millisecond 5 datagrams of 1000 bytes and 10 of 16 bytes to
/// `$BLAST_ENV`, until killed (at most [`BLAST_MAX`]). The small ones fill the last bytes of
/// tbf's byte-limited queue, so that the node's datagrams find no room either. Send errors
/// are ignored: filling the queue is the point.
pub fn blast() {
    let target = std::env::var(BLAST_ENV).expect("burst target");
    let socket = UdpSocket::bind("0.0.0.0:0").expect("burst socket");
    socket
        .set_nonblocking(true)
        .expect("non-blocking burst socket");
    let payload = [0x5a_u8; 1000];
    let end = Instant::now() + BLAST_MAX;
    while Instant::now() < end {
        for _ in 0..5 {
            let _ = socket.send_to(&payload, target.as_str());
        }
        for _ in 0..10 {
            let _ = socket.send_to(&payload[..16], target.as_str());
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}
