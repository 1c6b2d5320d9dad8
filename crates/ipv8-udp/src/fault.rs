//! Test support (feature `fault-injection`): scripted OS errors for the driver's real loops.
//!
//! Wine does not reproduce Windows' ICMP error semantics and CI has no Windows host, so the
//! Windows failure class is tested by replaying its raw codes (10054, 10052, 10040, IOCP 1234,
//! 1232, 1231, 1214) through [`FaultySocket`] on Linux, with [`FaultySocket::with_error_os`]
//! set to [`Os::Windows`] so they are classified as Windows would (docs/design/UDP-FAILURES.md §6,
//! §7 test 2). [`FlakyRebinder`] scripts failing rebinds (the net-tools#200 / iroh#4289
//! regression).

use std::collections::{HashMap, VecDeque};
use std::io;
use std::net::SocketAddr;
use std::sync::{Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};

use crate::{DatagramSocket, Os, Rebinder};

/// One scripted error.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// `io::Error::from_raw_os_error(code)`: what a real socket returns.
    Os(i32),
    /// `io::Error::from(kind)`: what a wrapper or simulator without raw codes returns.
    Kind(io::ErrorKind),
}

impl Fault {
    /// The error this fault produces.
    pub fn to_error(self) -> io::Error {
        match self {
            Self::Os(code) => io::Error::from_raw_os_error(code),
            Self::Kind(kind) => io::Error::from(kind),
        }
    }
}

impl From<i32> for Fault {
    fn from(code: i32) -> Self {
        Self::Os(code)
    }
}

impl From<io::ErrorKind> for Fault {
    fn from(kind: io::ErrorKind) -> Self {
        Self::Kind(kind)
    }
}

/// How many scripted errors a [`FaultySocket`] has returned so far.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FaultCounts {
    /// Errors returned from `poll_recv_from`.
    pub recv: u64,
    /// Errors returned from `try_send_to` (queue and per-destination rules).
    pub send: u64,
}

#[derive(Debug, Default)]
struct Script {
    /// Runs of (fault, remaining count) returned by receives before any real datagram.
    recv: VecDeque<(Fault, usize)>,
    /// Runs returned by sends, whatever the destination, before the per-destination rules.
    send: VecDeque<(Fault, usize)>,
    /// Destinations whose every send fails (until cleared).
    send_to: HashMap<SocketAddr, Fault>,
    /// The task parked on a receive, woken when receive errors are pushed.
    recv_waker: Option<Waker>,
    counts: FaultCounts,
}

/// Pops one fault from a run queue.
fn pop(queue: &mut VecDeque<(Fault, usize)>) -> Option<Fault> {
    let (fault, left) = queue.front_mut()?;
    let fault = *fault;
    *left -= 1;
    if *left == 0 {
        queue.pop_front();
    }
    Some(fault)
}

/// A [`DatagramSocket`] that returns scripted errors before delegating to `inner`.
///
/// Receives return every queued receive fault, one per poll, then whatever `inner` returns.
/// Sends return queued send faults first, then the fault set for their destination, then
/// `inner`'s result. Scripting while a task waits on a receive wakes it. All methods take
/// `&self`, so tests script through an `Arc` shared with the loop under test.
#[derive(Debug)]
pub struct FaultySocket<S> {
    inner: S,
    os: Os,
    script: Mutex<Script>,
}

impl<S> FaultySocket<S> {
    /// Wraps `inner`; raw codes are classified with the host's table until
    /// [`FaultySocket::with_error_os`] says otherwise.
    pub fn new(inner: S) -> Self {
        Self {
            inner,
            os: Os::current(),
            script: Mutex::default(),
        }
    }

    /// Makes [`DatagramSocket::error_os`] report `os`, e.g. [`Os::Windows`] to replay Windows
    /// codes on Linux. The inner socket's own (host) errors are then read with that table too,
    /// which is harmless on loopback where the inner socket does not fail.
    pub fn with_error_os(mut self, os: Os) -> Self {
        self.os = os;
        self
    }

    /// Queues `count` receive errors.
    pub fn push_recv_errors(&self, fault: impl Into<Fault>, count: usize) {
        if count == 0 {
            return;
        }
        let mut script = self.lock();
        script.recv.push_back((fault.into(), count));
        if let Some(waker) = script.recv_waker.take() {
            waker.wake();
        }
    }

    /// Queues `count` send errors (for any destination).
    pub fn push_send_errors(&self, fault: impl Into<Fault>, count: usize) {
        if count > 0 {
            self.lock().send.push_back((fault.into(), count));
        }
    }

    /// Makes every send to `to` fail with `fault` (`None` clears the rule).
    pub fn fail_sends_to(&self, to: SocketAddr, fault: Option<Fault>) {
        let mut script = self.lock();
        match fault {
            Some(fault) => script.send_to.insert(to, fault),
            None => script.send_to.remove(&to),
        };
    }

    /// Scripted receive errors not yet returned.
    pub fn pending_recv_errors(&self) -> usize {
        self.lock().recv.iter().map(|(_, n)| n).sum()
    }

    /// Scripted (queued) send errors not yet returned.
    pub fn pending_send_errors(&self) -> usize {
        self.lock().send.iter().map(|(_, n)| n).sum()
    }

    /// Scripted errors returned so far.
    pub fn counts(&self) -> FaultCounts {
        self.lock().counts
    }

    /// The wrapped socket.
    pub const fn inner(&self) -> &S {
        &self.inner
    }

    /// Unwraps the socket.
    pub fn into_inner(self) -> S {
        self.inner
    }

    fn lock(&self) -> MutexGuard<'_, Script> {
        // A test that panicked while holding the lock has failed already; keep the data usable.
        self.script
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl<S: DatagramSocket> DatagramSocket for FaultySocket<S> {
    fn poll_recv_from(
        &self,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<(usize, SocketAddr)>> {
        {
            let mut script = self.lock();
            if let Some(fault) = pop(&mut script.recv) {
                script.counts.recv += 1;
                return Poll::Ready(Err(fault.to_error()));
            }
            match &mut script.recv_waker {
                Some(waker) => waker.clone_from(cx.waker()),
                none => *none = Some(cx.waker().clone()),
            }
        }
        self.inner.poll_recv_from(cx, buf)
    }

    fn try_send_to(&self, buf: &[u8], to: SocketAddr) -> io::Result<usize> {
        {
            let mut script = self.lock();
            let fault = pop(&mut script.send).or_else(|| script.send_to.get(&to).copied());
            if let Some(fault) = fault {
                script.counts.send += 1;
                return Err(fault.to_error());
            }
        }
        self.inner.try_send_to(buf, to)
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.local_addr()
    }

    fn error_os(&self) -> Os {
        self.os
    }

    fn drain_error_queue(&self) -> io::Result<usize> {
        self.inner.drain_error_queue()
    }
}

/// A [`Rebinder`] that fails a scripted number of times before delegating to `inner`.
#[derive(Debug)]
pub struct FlakyRebinder<R> {
    inner: R,
    failures_left: usize,
    fault: Fault,
    attempts: usize,
}

impl<R> FlakyRebinder<R> {
    /// Fails the first `failures` rebinds with `fault`, then delegates to `inner`.
    pub fn new(inner: R, failures: usize, fault: impl Into<Fault>) -> Self {
        Self {
            inner,
            failures_left: failures,
            fault: fault.into(),
            attempts: 0,
        }
    }

    /// Rebinds attempted so far (failed and successful).
    pub const fn attempts(&self) -> usize {
        self.attempts
    }

    /// Makes the next `failures` rebinds fail again.
    pub fn fail_next(&mut self, failures: usize) {
        self.failures_left = failures;
    }
}

impl<R: Rebinder> Rebinder for FlakyRebinder<R> {
    type Socket = R::Socket;

    fn rebind(&mut self, previous: Option<SocketAddr>) -> io::Result<R::Socket> {
        self.attempts += 1;
        if self.failures_left > 0 {
            self.failures_left -= 1;
            return Err(self.fault.to_error());
        }
        self.inner.rebind(previous)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::{BindConfig, ErrorClass, Op, UdpRebinder, bind, classify_io_for, recv_from};

    async fn pair() -> (
        FaultySocket<tokio::net::UdpSocket>,
        tokio::net::UdpSocket,
        SocketAddr,
    ) {
        let a = bind(&BindConfig::v4(0)).unwrap().into_tokio().unwrap();
        let b = bind(&BindConfig::v4(0)).unwrap().into_tokio().unwrap();
        let a_addr = SocketAddr::from(([127, 0, 0, 1], a.local_addr().unwrap().port()));
        (FaultySocket::new(a).with_error_os(Os::Windows), b, a_addr)
    }

    #[tokio::test]
    async fn scripted_receive_errors_come_first_then_data() {
        let (faulty, peer, addr) = pair().await;
        faulty.push_recv_errors(10054, 2);
        faulty.push_recv_errors(io::ErrorKind::WouldBlock, 1);
        assert_eq!(faulty.pending_recv_errors(), 3);
        peer.send_to(b"data", addr).await.unwrap();
        let mut buf = [0; 8];
        let mut classes = vec![];
        let len = loop {
            match recv_from(&faulty, &mut buf).await {
                Ok((len, _)) => break len,
                Err(e) => classes.push(classify_io_for(faulty.error_os(), Op::Recv, &e)),
            }
        };
        assert_eq!(&buf[..len], b"data");
        assert_eq!(
            classes,
            [
                ErrorClass::StaleReport,
                ErrorClass::StaleReport,
                ErrorClass::NoData
            ]
        );
        assert_eq!(faulty.counts(), FaultCounts { recv: 3, send: 0 });
    }

    #[tokio::test]
    async fn pushing_errors_wakes_a_parked_receive() {
        let (faulty, _peer, _) = pair().await;
        let faulty = Arc::new(faulty);
        let waiting = {
            let faulty = Arc::clone(&faulty);
            tokio::spawn(async move { recv_from(&faulty, &mut [0; 8]).await.map(|_| ()) })
        };
        tokio::task::yield_now().await; // let the receive park on the empty socket
        faulty.push_recv_errors(1234, 1);
        let error = waiting.await.unwrap().expect_err("scripted error");
        assert_eq!(error.raw_os_error(), Some(1234));
    }

    #[tokio::test]
    async fn send_faults_by_queue_then_destination() {
        let (faulty, peer, _) = pair().await;
        let good = SocketAddr::from(([127, 0, 0, 1], peer.local_addr().unwrap().port()));
        let bad = SocketAddr::from(([127, 0, 0, 1], 9));
        faulty.push_send_errors(10055, 1);
        faulty.fail_sends_to(bad, Some(Fault::Os(10065)));
        assert_eq!(
            faulty.try_send_to(b"x", good).unwrap_err().raw_os_error(),
            Some(10055)
        );
        assert_eq!(faulty.try_send_to(b"x", good).unwrap(), 1);
        assert_eq!(
            faulty.try_send_to(b"x", bad).unwrap_err().raw_os_error(),
            Some(10065)
        );
        faulty.fail_sends_to(bad, None);
        assert_eq!(faulty.pending_send_errors(), 0);
        assert_eq!(faulty.counts().send, 2);
        assert_eq!(
            faulty.inner().local_addr().unwrap(),
            faulty.local_addr().unwrap()
        );
    }

    #[tokio::test]
    async fn flaky_rebinder_fails_then_recovers() {
        let mut rebinder = FlakyRebinder::new(UdpRebinder::new(BindConfig::v4(0)), 2, 10049);
        for _ in 0..2 {
            let error = rebinder.rebind(None).expect_err("scripted failure");
            assert_eq!(error.raw_os_error(), Some(10049));
        }
        let socket = rebinder.rebind(None).expect("third attempt binds");
        assert_ne!(socket.local_addr().unwrap().port(), 0);
        assert_eq!(rebinder.attempts(), 3);
    }
}
