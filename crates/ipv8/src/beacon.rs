//! The LAN beacon sweep: one beacon datagram to every configured port, spread over driver turns.
//!
//! Ports the sending half of py-ipv8's `bootstrapping/udpbroadcast/bootstrapper.py`
//! (`BroadcastBootstrapEndpoint.send` to `255.255.255.255` on ports 0–65534). py-ipv8 sends all
//! 65 535 datagrams in one go; here at most `sends_per_turn` go out per turn and the sweep
//! stops for the turn at the first full send queue, so a sweep never delays receiving, timers or
//! unicast sends. A new beacon replaces an unfinished sweep.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::ops::RangeInclusive;

use ipv8_udp::{DatagramSocket, DestinationPolicy, ErrorClass, Family, Op};

use crate::counters::Counters;

/// What one step of a sweep achieved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Step {
    /// Every port was covered.
    Done,
    /// More ports are left for the next turn.
    More,
}

/// An unfinished sweep.
#[derive(Clone, Debug)]
pub(crate) struct Sweep {
    bytes: Vec<u8>,
    target: Ipv4Addr,
    next: u32,
    last: u32,
}

impl Sweep {
    pub(crate) fn new(bytes: Vec<u8>, target: Ipv4Addr, ports: &RangeInclusive<u16>) -> Self {
        Self {
            bytes,
            target,
            next: u32::from(*ports.start()),
            last: u32::from(*ports.end()),
        }
    }

    /// Sends up to `budget` datagrams from `socket`. Errors are counted in
    /// [`Counters::beacon_send_errors`] only: never attributed to a peer and never shown to the
    /// watchdog (the driver does not pass it in). A full queue ends the step early.
    pub(crate) fn step<S: DatagramSocket>(
        &mut self,
        socket: &S,
        budget: usize,
        counters: &mut Counters,
    ) -> Step {
        let policy = DestinationPolicy {
            allow_broadcast: true,
            allow_multicast: false,
        };
        for _ in 0..budget.max(1) {
            let Ok(port) = u16::try_from(self.next) else {
                return Step::Done;
            };
            if self.next > self.last {
                return Step::Done;
            }
            self.next += 1;
            let to = SocketAddr::new(IpAddr::V4(self.target), port);
            if policy.check(Family::V4, to).is_err() {
                continue; // port 0, or a target that can never work
            }
            match socket.try_send_to(&self.bytes, to) {
                Ok(_) => {
                    counters.beacon_datagrams_up = counters.beacon_datagrams_up.saturating_add(1)
                }
                Err(error) => {
                    let class = ipv8_udp::classify_io_for(socket.error_os(), Op::Send, &error);
                    counters.beacon_send_errors.add(class);
                    if class == ErrorClass::StaleReport {
                        // A report about an earlier beacon (IP_RECVERR): empty the queue.
                        let _ = socket.drain_error_queue();
                    }
                    if matches!(class, ErrorClass::Pressure | ErrorClass::NoData) {
                        self.next -= 1; // retry this port next turn
                        return Step::More;
                    }
                }
            }
        }
        if self.next > self.last {
            Step::Done
        } else {
            Step::More
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io;
    use std::sync::Mutex;
    use std::task::{Context, Poll};

    use super::*;

    /// Records destinations; the `block_at`-th send reports a full queue once.
    struct Recorder {
        sent: Mutex<Vec<u16>>,
        block_at: Mutex<Option<usize>>,
    }

    impl DatagramSocket for Recorder {
        fn poll_recv_from(
            &self,
            _: &mut Context<'_>,
            _: &mut [u8],
        ) -> Poll<io::Result<(usize, SocketAddr)>> {
            Poll::Pending
        }

        fn try_send_to(&self, buf: &[u8], to: SocketAddr) -> io::Result<usize> {
            let mut sent = self.sent.lock().unwrap();
            let mut block = self.block_at.lock().unwrap();
            if *block == Some(sent.len()) {
                *block = None;
                return Err(io::Error::from(io::ErrorKind::WouldBlock));
            }
            sent.push(to.port());
            Ok(buf.len())
        }

        fn local_addr(&self) -> io::Result<SocketAddr> {
            Ok(SocketAddr::from(([0, 0, 0, 0], 1)))
        }
    }

    #[test]
    fn sweep_covers_every_port_in_bounded_steps() {
        let socket = Recorder {
            sent: Mutex::new(Vec::new()),
            block_at: Mutex::new(Some(3)),
        };
        let mut sweep = Sweep::new(b"beacon".to_vec(), Ipv4Addr::BROADCAST, &(0..=6));
        let mut counters = Counters::default();
        let mut steps = Vec::new();
        loop {
            let step = sweep.step(&socket, 2, &mut counters);
            steps.push(step);
            if step == Step::Done {
                break;
            }
        }
        // Budget 2 per step: [0 skipped, 1] [2, 3] [4 blocked: retried next step] [4, 5] [6].
        assert_eq!(*socket.sent.lock().unwrap(), [1, 2, 3, 4, 5, 6]);
        assert_eq!(
            steps,
            [Step::More, Step::More, Step::More, Step::More, Step::Done]
        );
        assert_eq!(counters.beacon_datagrams_up, 6);
        assert_eq!(counters.beacon_send_errors.get(ErrorClass::Pressure), 1);
        assert_eq!(
            counters.send_errors.total(),
            0,
            "unicast counters untouched"
        );
        // The top port ends the sweep without overflow.
        let mut top = Sweep::new(b"x".to_vec(), Ipv4Addr::BROADCAST, &(65_535..=65_535));
        assert_eq!(top.step(&socket, 8, &mut counters), Step::Done);
        assert_eq!(socket.sent.lock().unwrap().last(), Some(&65_535));
    }
}
