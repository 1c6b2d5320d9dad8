#!/usr/bin/env python3
"""The py-ipv8 3.2.1 receiver of the end-to-end benchmark (``crates/ipv8/benches/vs_pyipv8.rs``).

One stock ``IPv8`` bound to 127.0.0.1 with two overlays and no bootstrappers:

* ``DiscoveryCommunity`` (RandomWalk + RandomChurn + PeriodicSimilarity, as ``pypeer.py
  --discovery``): py-ipv8's own code answers pings (id 3) with pongs (id 4) and signed
  introduction-requests (246) with a signed introduction-response (245) plus a puncture-request
  (250) when it has another peer to introduce;
* ``BenchCommunity`` (``--community HEX``, no walkers): one unsigned message, id 1, format
  ``Q varlenH`` (``n``, ``data``), handled by a ``lazy_wrapper_unsigned`` handler that counts it;
  and the same fields signed, id 2, handled by a ``lazy_wrapper`` handler (signature verified)
  that counts it.

It advertises 127.0.0.1 like ``pypeer.py`` (same loopback LAN-address override, imported from it).
Counting: the UDP endpoint's ``datagram_received`` and ``send`` are wrapped (as ``pypeer.py
--trace`` does) to count datagrams in and out, and sends by message id; that costs one Python
call per datagram, a fraction of a percent of what py-ipv8 spends on it.

Protocol (stdout, one line each, flushed): ``ready port=P pid=N`` once started; then for every
line read on stdin ``stats down=D up=U pong=A response=R oneway=O signed=S``; exit on EOF of stdin, on
SIGTERM or when the parent process dies.

Run with the venv's python (``tools/setup-pyipv8.sh`` prints it)::

    python tools/pybench_receiver.py --community 6970763862656e63682d6f6e652d7761792d3031
"""
from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from pypeer import install_loopback_lan_override, udp_endpoints  # noqa: E402


def make_bench_community(community_id: bytes) -> type:
    """A Community with two counted messages (``Q`` n, ``varlenH`` data): id 1 unsigned, id 2 signed."""
    from ipv8.community import Community
    from ipv8.lazy_community import lazy_wrapper, lazy_wrapper_unsigned
    from ipv8.messaging.lazy_payload import VariablePayload, vp_compile

    @vp_compile
    class OneWay(VariablePayload):
        msg_id = 1
        format_list = ["Q", "varlenH"]
        names = ["n", "data"]

    @vp_compile
    class SignedOneWay(VariablePayload):
        msg_id = 2
        format_list = ["Q", "varlenH"]
        names = ["n", "data"]

    class BenchCommunity(Community):
        def __init__(self, settings) -> None:
            super().__init__(settings)
            self.oneway = 0
            self.signed = 0
            self.add_message_handler(OneWay, self.on_one_way)
            self.add_message_handler(SignedOneWay, self.on_signed)

        @lazy_wrapper_unsigned(OneWay)
        def on_one_way(self, source_address, payload) -> None:
            self.oneway += 1

        @lazy_wrapper(SignedOneWay)
        def on_signed(self, peer, payload) -> None:
            self.signed += 1

    BenchCommunity.community_id = community_id
    return BenchCommunity


class Counts:
    """Datagrams in and out of the UDP endpoint, and sends by message id."""

    def __init__(self) -> None:
        self.down = 0
        self.up = 0
        self.by_id: dict[int, int] = {}

    def install(self, endpoint) -> None:
        for udp in udp_endpoints(endpoint):
            orig_send, orig_recv = udp.send, udp.datagram_received

            def send(address, packet, _orig=orig_send) -> None:
                self.up += 1
                if len(packet) > 22:
                    self.by_id[packet[22]] = self.by_id.get(packet[22], 0) + 1
                _orig(address, packet)

            def datagram_received(datagram, addr, _orig=orig_recv) -> None:
                self.down += 1
                _orig(datagram, addr)

            udp.send, udp.datagram_received = send, datagram_received


async def run(args: argparse.Namespace) -> int:
    from ipv8.configuration import ConfigBuilder, Strategy, WalkerDefinition
    from ipv8_service import IPv8

    builder = ConfigBuilder(clean=True)
    builder.set_address("127.0.0.1").set_port(0).set_log_level("ERROR").set_working_directory(".")
    builder.set_walker_interval(0.5).add_ephemeral_key("me")
    builder.config["overlays"] = []
    builder.add_overlay("DiscoveryCommunity", "me",
                        [WalkerDefinition(Strategy.RandomWalk, 20, {"timeout": 3.0}),
                         WalkerDefinition(Strategy.RandomChurn, -1,
                                          {"sample_size": 8, "ping_interval": 10.0,
                                           "inactive_time": 27.5, "drop_time": 57.5}),
                         WalkerDefinition(Strategy.PeriodicSimilarity, -1, {})],
                        [], {"max_peers": 30}, [])
    builder.add_overlay("BenchCommunity", "me", [], [], {"max_peers": 30}, [])
    bench_class = make_bench_community(args.community)
    ipv8 = IPv8(builder.finalize(), extra_communities={"BenchCommunity": bench_class})
    await ipv8.start()
    bench = next(o for o in ipv8.overlays if isinstance(o, bench_class))
    counts = Counts()
    counts.install(ipv8.endpoint)

    loop = asyncio.get_running_loop()
    done = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, done.set)
    pending = bytearray()

    def readable() -> None:
        try:
            chunk = os.read(0, 4096)
        except OSError:
            chunk = b""
        if not chunk:
            loop.remove_reader(0)
            done.set()
            return
        pending.extend(chunk)
        while b"\n" in pending:
            del pending[:pending.index(b"\n") + 1]
            print(f"stats down={counts.down} up={counts.up} pong={counts.by_id.get(4, 0)} "
                  f"response={counts.by_id.get(245, 0)} oneway={bench.oneway} "
                  f"signed={bench.signed}", flush=True)

    loop.add_reader(0, readable)
    print(f"ready port={ipv8.endpoint.get_address()[1]} pid={os.getpid()}", flush=True)
    parent = os.getppid()
    while not done.is_set() and os.getppid() == parent:
        try:
            await asyncio.wait_for(done.wait(), timeout=1.0)
        except asyncio.TimeoutError:
            pass
    await ipv8.stop()
    return 0


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(description="py-ipv8 receiver for the ipv8-rs benchmark")
    p.add_argument("--community", type=bytes.fromhex, required=True, metavar="HEX",
                   help="20-byte id of the BenchCommunity (40 hex digits)")
    args = p.parse_args(argv)
    if len(args.community) != 20:
        p.error("--community needs 40 hex digits")
    install_loopback_lan_override()
    return asyncio.run(run(args))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
