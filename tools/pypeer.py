#!/usr/bin/env python3
"""Run ONE real py-ipv8 3.2.1 node on loopback and report its state as JSON lines.

This is the Python half of the ipv8-rs interoperability tests: Rust integration tests start it as a
subprocess (with the pyipv8 venv's python, see ``tools/setup-pyipv8.sh``) and parse its stdout.
It uses only py-ipv8's public machinery (``ConfigBuilder`` + ``IPv8`` + ``RESTManager``); the one
deliberate deviation from a stock node is the loopback LAN-address override described below.

Usage (run with the venv's python; ``--help`` lists every option)::

    python tools/pypeer.py --port 0 --tracker                           # rendezvous server
    python tools/pypeer.py --port 0 --community <40 hex> --bootstrap 127.0.0.1:<tracker port>
    python tools/pypeer.py --port 0 --discovery --community <hex> --bootstrap 127.0.0.1:<port> \
        --rest-port 0 --statistics --key-file /tmp/a.key --duration 30

Options: ``--ip`` (bind address, default 127.0.0.1), ``--port`` (0 = OS picks; py-ipv8 silently
tries the next ports when the given one is taken, so always read the real port from ``started``),
``--key-file`` (raw ``key_to_bin()`` private key as py-ipv8 writes it; created when missing:
curve25519, or sect163k1 "very-low" for ``--tracker``), ``--community HEX`` (repeatable: a plain
``Community`` subclass with that 20-byte id and a RandomWalk walker), ``--discovery``
(DiscoveryCommunity with RandomWalk + RandomChurn + PeriodicSimilarity), ``--bootstrap IP:PORT``
(repeatable, DispersyBootstrapper with these IPv4 addresses and no DNS names) or
``--no-bootstrap`` (one of the two is required; py-ipv8's default trackers are never loaded),
``--tracker`` (the reference tracker of upstream ``scripts/tracker_service.py``; excludes the
overlay options), ``--statistics`` (``IPv8(enable_statistics=True)`` plus
``enable_community_statistics(prefix, True)`` for every overlay after start, exactly as
Tribler does; in 3.2.1 this makes the communities deaf, which is reproduced on purpose),
``--rest-port P`` (RESTManager on 127.0.0.1:P, no API key; 0 = OS picks), ``--walk-interval S``
(default 0.5), ``--max-peers N`` (default 30), ``--walk-peers N`` (RandomWalk target, default 20),
``--duration S`` (exit 0 after S seconds), ``--trace`` (also emit one ``packet`` line per
introduction/puncture datagram), ``--log-level`` (py-ipv8 logging on stderr, default WARNING).

Lifetime: runs until ``--duration`` elapses, SIGTERM/SIGINT, EOF on stdin (only watched when stdin
is a pipe or socket, so ``Stdio::piped()`` makes the node die with its test; /dev/null and TTYs
are not watched) or the death of the parent process. Exit codes: 0 after ``stopped``, 1 start-up
failure (an ``error`` line is printed), 2 bad command line, 3 pyipv8 not importable.

Output (stdout, one compact JSON object per line, flushed, each < 64 KiB; logs go to stderr):

* ``{"event":"started","pid","ip","port","requested_port","public_key":hex,"mid":hex,
  "mid_b64","key_type":"curve25519"|"legacy-ec","communities":[hex…],"tracker":bool,
  "statistics":bool,"rest_port":int|null,"bootstrap":["ip:port"…]}``
* every 0.5 s ``{"event":"status","t":seconds since started,"communities":{hex id:
  {"name":class,"peers":[{"ip","port","mid":hex,"public_key":hex}…],"lan":"ip:port",
  "wan":"ip:port","walkable":int}},"discovery_peers":int|null,"network_verified":int,
  "similarity":{mid hex:[service hex…]},"pings":{mid hex:[rtt seconds…]},"drops":{reason:int},
  "stats":{hex id:{num_up,num_down,bytes_up,bytes_down,diff_time}} (only with --statistics),
  "bytes_up":int,"bytes_down":int}``. For ``--tracker`` the communities are the services the
  tracker knows (``name`` = ``"tracker-service"``). ``drops`` counts what py-ipv8 logs:
  ``bad_signature``, ``bad_key``, ``parse_error``, ``handler_error`` (any other exception in a
  handler), ``unknown_message``, ``deprecated_message``. If a line would exceed 60 000 bytes,
  peers' ``public_key`` fields are dropped first (``"truncated":true`` is then set), then peer
  lists are cut to 100, then 20 entries.
* ``{"event":"peer_added"|"peer_removed","t","mid","ip","port"}`` when the Network changes.
* with ``--trace``: ``{"event":"packet","t","dir":"in"|"out","addr":"ip:port","msg_id",
  "prefix":hex, "destination","source_lan","source_wan","lan_intro","wan_intro",
  "lan_walker","wan_walker","identifier"}`` (only the fields the message has).
* ``{"event":"stopped","t","reason"}`` last.

LAN-address override (why 127.0.0.1): py-ipv8 advertises as its LAN address the first address its
interface providers find (netifaces, getaddrinfo, a UDP connect to TEST-NET-1, getifaddrs, ioctl),
minus 127.0.0.1; on a CI box that is e.g. 10.x or 192.0.2.2, where peers bound to 127.0.0.1 never
answer. We replace the provider list by an empty one
(``lan_addresses.interfaces.get_providers`` and the copy imported by ``ipv8.overlay``). py-ipv8
then behaves exactly as on a host whose only interface is loopback: ``get_lan_addresses()`` is
empty, every listener's ``_guess_lan_address`` takes its built-in fallback ``127.0.0.1``, so
``my_estimated_lan`` (source_lan of 246/245/similarity, lan of 249) and ``my_preferred_address()``
(source_wan of 234/233) are 127.0.0.1:port, and ``address_is_lan()`` stays False for every
address, just as it is for 127.0.0.1 on any real host. The WAN estimate is left alone: 0.0.0.0:0
until the first introduction-response tells the node 127.0.0.1:port (stock behaviour). No probe
socket is opened and no 10 s interface-discovery thread runs. Details: docs/interop/README.md.
"""
from __future__ import annotations

import argparse
import asyncio
import base64
import ipaddress
import json
import logging
import os
import random
import signal
import stat
import struct
import sys
import time

MAX_LINE = 60_000
STATUS_INTERVAL = 0.5
DISCOVERY_ID = "7e313685c1912a141279f8248fc8db5899c5df5a"
_T0 = [time.monotonic()]


def now() -> float:
    """Seconds since the ``started`` line (since process start before that)."""
    return round(time.monotonic() - _T0[0], 3)


def emit(obj: dict) -> None:
    """Write one JSON line to stdout and flush it; a closed stdout is ignored."""
    try:
        sys.stdout.write(json.dumps(obj, separators=(",", ":")) + "\n")
        sys.stdout.flush()
    except (BrokenPipeError, ValueError):
        pass


# --------------------------------------------------------------------------- command line

def _ipv4_port(text: str) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    try:
        ipaddress.IPv4Address(host)
        value = int(port)
        if not sep or not 0 < value < 65536:
            raise ValueError
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected IPV4:PORT with a literal IPv4 address and port 1-65535, got {text!r}") from None
    return host, value


def _community_id(text: str) -> bytes:
    try:
        raw = bytes.fromhex(text)
    except ValueError:
        raw = b""
    if len(raw) != 20:
        raise argparse.ArgumentTypeError(f"expected 40 hex digits (20 bytes), got {text!r}")
    return raw


def _port(text: str) -> int:
    if not text.isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"expected a port number 0-65535, got {text!r}")
    return int(text)


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected a positive number of seconds, got {text!r}")
    return value


def parse_args(argv: list[str]) -> argparse.Namespace:
    """Parse and cross-check the command line (exit code 2 on errors)."""
    p = argparse.ArgumentParser(description="Run one py-ipv8 node on loopback, report JSON lines.")
    p.add_argument("--ip", default="127.0.0.1", help="IPv4 address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=_port, default=0, help="UDP port to bind (0 = OS picks)")
    p.add_argument("--key-file", help="py-ipv8 private key file, created if missing")
    p.add_argument("--community", type=_community_id, action="append", default=[], metavar="HEX",
                   help="join a plain community with this 20-byte id (repeatable)")
    p.add_argument("--discovery", action="store_true", help="load DiscoveryCommunity")
    p.add_argument("--bootstrap", type=_ipv4_port, action="append", default=[], metavar="IP:PORT",
                   help="DispersyBootstrapper address (repeatable)")
    p.add_argument("--no-bootstrap", action="store_true", help="no bootstrapper at all")
    p.add_argument("--tracker", action="store_true", help="act as the reference tracker")
    p.add_argument("--statistics", action="store_true", help="enable py-ipv8's StatisticsEndpoint")
    p.add_argument("--rest-port", type=_port, help="start the REST API on 127.0.0.1:PORT (0 = OS picks)")
    p.add_argument("--walk-interval", type=_positive, default=0.5, metavar="S")
    p.add_argument("--max-peers", type=int, default=30, metavar="N", help="Community max_peers (-1 = off)")
    p.add_argument("--walk-peers", type=int, default=20, metavar="N", help="RandomWalk target peers")
    p.add_argument("--duration", type=_positive, metavar="S", help="exit 0 after S seconds")
    p.add_argument("--trace", action="store_true", help="emit a line per intro/puncture datagram")
    p.add_argument("--log-level", default="WARNING",
                   choices=["CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG"])
    args = p.parse_args(argv)
    try:
        ipaddress.IPv4Address(args.ip)
    except ValueError:
        p.error(f"--ip: expected an IPv4 address, got {args.ip!r}")
    if args.tracker:
        for name, given in (("--community", args.community), ("--discovery", args.discovery),
                            ("--bootstrap", args.bootstrap), ("--statistics", args.statistics)):
            if given:
                p.error(f"{name} cannot be combined with --tracker (the tracker answers every prefix)")
    else:
        if not args.community and not args.discovery:
            p.error("give --tracker, --discovery and/or --community HEX")
        if bool(args.bootstrap) == args.no_bootstrap:
            p.error("give either --bootstrap IP:PORT (repeatable) or --no-bootstrap")
    if len(set(args.community)) != len(args.community):
        p.error("--community: the same id was given twice")
    return args


# --------------------------------------------------------------------------- py-ipv8 glue

def install_loopback_lan_override() -> None:
    """Make py-ipv8 behave as on a host whose only interface is loopback (see module docstring)."""
    import ipv8.overlay
    from ipv8.messaging.interfaces.lan_addresses import interfaces

    def no_providers() -> list:
        return []

    interfaces.get_providers = no_providers
    ipv8.overlay.get_providers = no_providers


class DropCounter(logging.Handler):
    """Count the packet drops py-ipv8 reports through its loggers."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.counts: dict[str, int] = {}

    def add(self, reason: str) -> None:
        self.counts[reason] = self.counts.get(reason, 0) + 1

    def classify(self, exc: BaseException | None) -> str:
        from ipv8.lazy_community import PacketDecodingError
        from ipv8.messaging.serialization import PackError
        if isinstance(exc, PacketDecodingError) and "invalid signature" in str(exc):
            return "bad_signature"
        if "public key" in str(exc).lower() or "key_from_public_bin" in str(exc):
            return "bad_key"
        if isinstance(exc, (PacketDecodingError, PackError, struct.error, IndexError, ValueError, KeyError)):
            return "parse_error"
        return "handler_error"

    def emit(self, record: logging.LogRecord) -> None:
        msg = str(record.msg)
        if msg.startswith("Exception occurred while handling packet"):
            self.add(self.classify(record.exc_info[1] if record.exc_info else None))
        elif msg.startswith("Received unknown message"):
            self.add("unknown_message")
        elif msg.startswith("Received deprecated message"):
            self.add("deprecated_message")


def make_community_class(community_id: bytes) -> type:
    """A minimal Community subclass with the given id (no messages beyond the base ones)."""
    from ipv8.community import Community

    return type("PyPeerCommunity", (Community,), {"community_id": community_id,
                                                  "__doc__": "Plain community for interop tests."})


def make_tracker_class() -> type:
    """py-ipv8's reference tracker (upstream ``scripts/tracker_service.py`` ``EndpointServer`` +
    ``TrackerChurn`` + ``TrackerPing``, LGPL-3.0), which is not shipped in the pyipv8 wheel.
    Same behaviour: any prefix, only 246/245, per-service introductions, churn every 10 s,
    at most 100 peers."""
    from ipv8.community import Community
    from ipv8.keyvault.crypto import default_eccrypto
    from ipv8.messaging.interfaces.udp.endpoint import UDPv4LANAddress
    from ipv8.messaging.payload import IntroductionRequestPayload, IntroductionResponsePayload
    from ipv8.peer import Peer
    from ipv8.peerdiscovery.churn import RandomChurn
    from ipv8.peerdiscovery.network import Network
    from ipv8.requestcache import NumberCacheWithName, RequestCache

    class TrackerChurn(RandomChurn):
        def __init__(self, overlay, max_peers: int = 100) -> None:
            super().__init__(overlay)
            self.max_peers = max_peers

        def take_step(self) -> None:
            super().take_step()
            peers = self.overlay.network.verified_peers
            if len(peers) > self.max_peers:
                for peer in sorted(peers, key=lambda p: p.creation_time)[:-self.max_peers]:
                    self.overlay.network.remove_peer(peer)

    class TrackerPing(NumberCacheWithName):
        name = "tracker-ping"

        def __init__(self, cache, identifier, network, peer, service) -> None:
            super().__init__(cache, self.name, identifier)
            self.network, self.peer, self.service = network, peer, service

        @property
        def timeout_delay(self) -> float:
            return 5.0

        def on_timeout(self) -> None:
            services = self.network.get_services_for_peer(self.peer)
            services.discard(self.service)
            if not services:
                self.network.remove_peer(self.peer)

    class TrackerCommunity(Community):
        community_id = os.urandom(20)

        def __init__(self, endpoint, my_peer) -> None:
            self.signature_length = default_eccrypto.get_signature_length(my_peer.public_key)
            super().__init__(self.settings_class(my_peer=my_peer, endpoint=endpoint, network=Network()))
            self.request_cache = RequestCache()
            self.endpoint.add_listener(self)  # every prefix, not just our random one
            self.churn_strategy = TrackerChurn(self)
            self.register_task("churn", self.churn_strategy.take_step, interval=10)
            self.drops = None  # set by the runner: DropCounter

        def on_packet(self, packet, warn_unknown: bool = False) -> None:
            source_address, data = packet
            try:
                probable_peer = self.network.get_verified_by_address(source_address)
                if probable_peer:
                    probable_peer.last_response = time.time()
                if data[22] == 246:
                    self.on_generic_introduction_request(source_address, data, data[:22])
                if data[22] == 245:
                    self.on_generic_introduction_response(source_address, data, data[:22])
            except Exception as exc:  # upstream prints the traceback; we count it
                if self.drops is not None:
                    self.drops.add(self.drops.classify(exc))

        def on_generic_introduction_request(self, source_address, data, prefix) -> None:
            auth, _, payload = self._ez_unpack_auth(IntroductionRequestPayload, data)
            peer = Peer(auth.public_key_bin, source_address)
            peer.address = UDPv4LANAddress(*payload.source_lan_address)
            peer.last_response = time.time()
            service_id = prefix[2:]
            self.network.add_verified_peer(peer)
            self.network.discover_services(peer, [service_id])
            intro_peers = [p for p in self.network.get_peers_for_service(service_id) if p != peer]
            intro_peer = random.choice(intro_peers) if intro_peers else None
            packet = self.create_introduction_response(payload.destination_address, peer.address,
                                                       payload.identifier, introduction=intro_peer,
                                                       prefix=prefix)
            self.endpoint.send(peer.address, packet)

        def send_ping(self, peer) -> None:
            service = random.choice(tuple(self.network.get_services_for_peer(peer)))
            packet = self.create_introduction_request(peer.address, prefix=b"\x00" + self.version + service)
            cache = TrackerPing(self.request_cache, self.global_time, self.network, peer, service)
            self.request_cache.add(cache)
            self.endpoint.send(peer.address, packet)

        def on_generic_introduction_response(self, source_address, data, prefix) -> None:
            auth, _, payload = self._ez_unpack_auth(IntroductionResponsePayload, data)
            if not self.request_cache.has(TrackerPing, payload.identifier):
                return
            self.request_cache.pop(TrackerPing, payload.identifier)
            if payload.peer_limit_reached:
                peer = Peer(auth.public_key_bin, source_address)
                services = self.network.get_services_for_peer(peer)
                services.discard(prefix[2:])
                if not services:
                    self.network.remove_peer(peer)

        def get_peer_for_introduction(self, exclude=None, new_style=False):
            return None

        async def unload(self) -> None:
            await self.request_cache.shutdown()
            await super().unload()

    return TrackerCommunity


def build_config(args: argparse.Namespace) -> tuple[dict, dict]:
    """The ConfigBuilder configuration and the extra community classes for this command line."""
    from ipv8.configuration import (Bootstrapper, BootstrapperDefinition, ConfigBuilder, Strategy,
                                    WalkerDefinition)

    builder = ConfigBuilder(clean=True)
    builder.set_address(args.ip).set_port(args.port).set_log_level(args.log_level)
    builder.set_walker_interval(args.walk_interval).set_working_directory(".")
    generation = "very-low" if args.tracker else "curve25519"
    if args.key_file:
        builder.add_key("me", generation, os.path.abspath(args.key_file))
    elif args.tracker:
        builder.add_key("me", generation, "")  # file "" = in memory only
    else:
        builder.add_ephemeral_key("me")
    builder.config["overlays"] = []
    bootstrappers = [BootstrapperDefinition(Bootstrapper.DispersyBootstrapper,
                                            {"ip_addresses": list(args.bootstrap), "dns_addresses": [],
                                             "bootstrap_timeout": 30.0})] if args.bootstrap else []
    initialize = {"max_peers": args.max_peers}
    extra: dict[str, type] = {}
    if args.discovery:
        builder.add_overlay("DiscoveryCommunity", "me",
                            [WalkerDefinition(Strategy.RandomWalk, args.walk_peers, {"timeout": 3.0}),
                             WalkerDefinition(Strategy.RandomChurn, -1,
                                              {"sample_size": 8, "ping_interval": 10.0,
                                               "inactive_time": 27.5, "drop_time": 57.5}),
                             WalkerDefinition(Strategy.PeriodicSimilarity, -1, {})],
                            bootstrappers, dict(initialize), [])
    for cid in args.community:
        name = "PyPeerCommunity_" + cid.hex()
        extra[name] = make_community_class(cid)
        builder.add_overlay(name, "me",
                            [WalkerDefinition(Strategy.RandomWalk, args.walk_peers, {"timeout": 3.0})],
                            bootstrappers, dict(initialize), [])
    return builder.finalize(), extra


def udp_endpoints(endpoint) -> list:
    """The real UDP sockets under (possibly statistics-wrapped) dispatcher endpoints."""
    from ipv8.messaging.interfaces.udp.endpoint import UDPEndpoint
    seen, todo, out = set(), [endpoint], []
    while todo:
        ep = todo.pop()
        if ep is None or id(ep) in seen:
            continue
        seen.add(id(ep))
        if isinstance(ep, UDPEndpoint):
            out.append(ep)
            continue
        d = object.__getattribute__(ep, "__dict__")
        todo.extend(d.get("interfaces", {}).values())
        todo.append(d.get("endpoint"))
    return out


_TRACE_FIELDS = {"destination": "destination_address", "source_lan": "source_lan_address",
                 "source_wan": "source_wan_address", "lan_intro": "lan_introduction_address",
                 "wan_intro": "wan_introduction_address", "lan_walker": "lan_walker_address",
                 "wan_walker": "wan_walker_address", "identifier": "identifier"}


def install_trace(endpoint) -> None:
    """Emit a ``packet`` line for every introduction/puncture datagram sent or received."""
    from ipv8.messaging import payload as pl
    from ipv8.messaging.payload_headers import BinMemberAuthenticationPayload, GlobalTimeDistributionPayload
    from ipv8.messaging.serialization import default_serializer as ser

    signed = {246: pl.IntroductionRequestPayload, 245: pl.IntroductionResponsePayload,
              249: pl.PuncturePayload, 234: pl.NewIntroductionRequestPayload,
              233: pl.NewIntroductionResponsePayload, 231: pl.NewPuncturePayload}
    unsigned = {250: pl.PunctureRequestPayload, 232: pl.NewPunctureRequestPayload}

    def trace(direction: str, addr, data: bytes) -> None:
        if len(data) < 23 or (data[22] not in signed and data[22] not in unsigned):
            return
        line = {"event": "packet", "t": now(), "dir": direction, "addr": f"{addr[0]}:{addr[1]}",
                "msg_id": data[22], "prefix": data[:22].hex()}
        try:
            offset = 23
            if data[22] in signed:
                _, offset = ser.unpack_serializable(BinMemberAuthenticationPayload, data, offset=23)
            cls = signed.get(data[22]) or unsigned[data[22]]
            _, payload = ser.unpack_serializable_list([GlobalTimeDistributionPayload, cls], data,
                                                      offset=offset, consume_all=False)[:2]
            for key, attr in _TRACE_FIELDS.items():
                value = getattr(payload, attr, None)
                if value is not None:
                    line[key] = value if isinstance(value, int) else f"{value[0]}:{value[1]}"
        except Exception as exc:  # trace must never disturb the node
            line["decode_error"] = repr(exc)
        emit(line)

    for udp in udp_endpoints(endpoint):
        orig_send, orig_recv = udp.send, udp.datagram_received

        def send(address, packet, _orig=orig_send):
            trace("out", address, packet)
            _orig(address, packet)

        def datagram_received(datagram, addr, _orig=orig_recv):
            trace("in", addr, datagram)
            _orig(datagram, addr)

        udp.send, udp.datagram_received = send, datagram_received


def peer_json(peer, with_key: bool = True) -> dict:
    out = {"ip": peer.address[0], "port": peer.address[1], "mid": peer.mid.hex()}
    if with_key:
        out["public_key"] = peer.public_key.key_to_bin().hex()
    return out


def _addr(value) -> str:
    return f"{value[0]}:{value[1]}"


# --------------------------------------------------------------------------- the node

class Runner:
    """Starts IPv8 (+ tracker / REST), prints status lines, stops on the first stop condition."""

    def __init__(self, args: argparse.Namespace, drops: DropCounter) -> None:
        self.args, self.drops = args, drops
        self.ipv8 = self.rest = self.tracker = None
        self.stop_event = asyncio.Event()
        self.stop_reason = "?"
        self.parent = os.getppid()

    def stop(self, reason: str) -> None:
        if not self.stop_event.is_set():
            self.stop_reason = reason
            self.stop_event.set()

    async def start(self) -> None:
        from ipv8.messaging.interfaces.udp.endpoint import UDPEndpoint
        from ipv8_service import IPv8

        config, extra = build_config(self.args)
        override = UDPEndpoint(port=self.args.port, ip=self.args.ip) if self.args.tracker else None
        self.ipv8 = IPv8(config, endpoint_override=override, enable_statistics=self.args.statistics,
                         extra_communities=extra)
        for overlay in self.communities():  # never let py-ipv8's public default trackers in
            for boot in overlay.bootstrappers:
                allowed = {tuple(a) for a in self.args.bootstrap}
                if getattr(boot, "dns_addresses", None) or {tuple(a) for a in boot.ip_addresses} - allowed:
                    raise RuntimeError(f"unexpected bootstrapper {boot!r} on {type(overlay).__name__}")
        if self.args.trace:
            install_trace(self.ipv8.endpoint)
        await self.ipv8.start()
        unbound = [u for u in udp_endpoints(self.ipv8.endpoint) if u._transport is None]
        if unbound:  # py-ipv8 reports the endpoint open even when every bind attempt failed
            for udp in unbound:
                udp._running = False  # so that IPv8.stop() can close it
            raise RuntimeError(f"could not bind UDP {self.args.ip}:{self.args.port} "
                               "(nor any of the 10000 ports after it)")
        if self.args.tracker:
            self.tracker = make_tracker_class()(self.ipv8.endpoint, self.ipv8.keys["me"])
            self.tracker.drops = self.drops
            self.ipv8.overlays.append(self.tracker)  # REST /overlays lists it; IPv8.stop unloads it
        if self.args.statistics:  # what Tribler does after ipv8.start()
            for overlay in self.ipv8.overlays:
                self.ipv8.endpoint.enable_community_statistics(overlay.get_prefix(), True)
        rest_port = None
        if self.args.rest_port is not None:
            try:
                from ipv8.REST.rest_manager import RESTManager
                self.rest = RESTManager(self.ipv8)
                await self.rest.start(port=self.args.rest_port, host="127.0.0.1", api_key=None)
            except Exception as exc:
                self.rest = None
                raise RuntimeError(f"REST API did not start: {exc!r}. py-ipv8 3.2.1's REST needs "
                                   "aiohttp_apispec>=3.0.0b1 and apispec>=6.0.0 (its requirements.txt); "
                                   "a plain `pip install pyipv8==3.2.1` picks 2.2.3 / 3.3.2, which fail "
                                   "with marshmallow 4") from exc
            rest_port = self.rest.site._server.sockets[0].getsockname()[1]
        self.observe_network()
        me = self.ipv8.keys["me"]
        _T0[0] = time.monotonic()
        emit({"event": "started", "pid": os.getpid(), "ip": self.args.ip,
              "port": self.ipv8.endpoint.get_address()[1], "requested_port": self.args.port,
              "public_key": me.public_key.key_to_bin().hex(), "mid": me.mid.hex(),
              "mid_b64": base64.b64encode(me.mid).decode(),
              "key_type": ("curve25519" if me.public_key.key_to_bin().startswith(b"LibNaCLPK:")
                           else "legacy-ec"),
              "communities": [o.community_id.hex() for o in self.communities()],
              "tracker": self.args.tracker, "statistics": self.args.statistics, "rest_port": rest_port,
              "bootstrap": [_addr(a) for a in self.args.bootstrap]})

    def communities(self) -> list:
        from ipv8.community import Community
        return [o for o in self.ipv8.overlays if isinstance(o, Community) and o is not self.tracker]

    def network(self):
        return self.tracker.network if self.tracker else self.ipv8.network

    def observe_network(self) -> None:
        from ipv8.peerdiscovery.network import PeerObserver

        class Observer(PeerObserver):
            def on_peer_added(self, peer) -> None:
                emit({"event": "peer_added", "t": now(), **peer_json(peer, with_key=False)})

            def on_peer_removed(self, peer) -> None:
                emit({"event": "peer_removed", "t": now(), **peer_json(peer, with_key=False)})

        self.network().add_peer_observer(Observer())

    def status(self, with_keys: bool = True, cap: int | None = None) -> dict:
        net = self.network()
        comms: dict[str, dict] = {}
        if self.tracker:
            services = set().union(*net.services_per_peer.values()) if net.services_per_peer else set()
            for service in sorted(services):
                comms[service.hex()] = {"name": "tracker-service",
                                        "peers": [peer_json(p, with_keys) for p in
                                                  net.get_peers_for_service(service)][:cap]}
        for o in self.communities():
            comms[o.community_id.hex()] = {
                "name": type(o).__name__, "peers": [peer_json(p, with_keys) for p in o.get_peers()][:cap],
                "lan": _addr(o.my_estimated_lan), "wan": _addr(o.my_estimated_wan),
                "walkable": len(o.get_walkable_addresses())}
        verified = list(net.verified_peers)
        line = {"event": "status", "t": now(), "communities": comms,
                "discovery_peers": len(comms[DISCOVERY_ID]["peers"]) if DISCOVERY_ID in comms else None,
                "network_verified": len(verified),
                "similarity": {p.mid.hex(): sorted(s.hex() for s in net.get_services_for_peer(p))
                               for p in verified[:cap]},
                "pings": {p.mid.hex(): [round(r, 6) for r in p.pings] for p in verified[:cap] if p.pings},
                "drops": dict(self.drops.counts)}
        if self.args.statistics:
            ep = self.ipv8.endpoint
            line["stats"] = {o.community_id.hex(): ep.get_aggregate_statistics(o.get_prefix())
                             for o in self.communities()}
        udps = udp_endpoints(self.ipv8.endpoint)
        line["bytes_up"] = sum(u.bytes_up for u in udps)
        line["bytes_down"] = sum(u.bytes_down for u in udps)
        if not with_keys:
            line["truncated"] = True
        return line

    def emit_status(self) -> None:
        for with_keys, cap in ((True, None), (False, None), (False, 100), (False, 20)):
            line = self.status(with_keys, cap)
            text = json.dumps(line, separators=(",", ":"))
            if len(text) <= MAX_LINE:
                break
        emit(line)

    def watch_stdin(self) -> None:
        try:
            mode = os.fstat(0).st_mode
        except OSError:
            return
        if not (stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)):
            return
        loop = asyncio.get_running_loop()

        def readable() -> None:
            try:
                chunk = os.read(0, 4096)
            except OSError:
                chunk = b""
            if not chunk:
                loop.remove_reader(0)
                self.stop("stdin-eof")

        loop.add_reader(0, readable)

    async def run(self) -> int:
        loop = asyncio.get_running_loop()
        for sig, name in ((signal.SIGTERM, "sigterm"), (signal.SIGINT, "sigint")):
            loop.add_signal_handler(sig, self.stop, name)
        try:
            await asyncio.wait_for(self.start(), timeout=30)
        except Exception as exc:
            emit({"event": "error", "t": now(), "message": f"start-up failed: {type(exc).__name__}: {exc}"})
            await self.shutdown()
            return 1
        self.watch_stdin()
        deadline = time.monotonic() + self.args.duration if self.args.duration else None
        while not self.stop_event.is_set():
            self.emit_status()
            if deadline is not None and time.monotonic() >= deadline:
                self.stop("duration")
                break
            if os.getppid() != self.parent:
                self.stop("parent-exited")
                break
            timeout = STATUS_INTERVAL if deadline is None else max(0.0, min(STATUS_INTERVAL,
                                                                             deadline - time.monotonic()))
            try:
                await asyncio.wait_for(self.stop_event.wait(), timeout=timeout)
            except asyncio.TimeoutError:
                pass
        await self.shutdown()
        emit({"event": "stopped", "t": now(), "reason": self.stop_reason})
        return 0

    async def shutdown(self) -> None:
        try:
            if self.rest is not None:
                await asyncio.wait_for(self.rest.stop(), timeout=5)
            if self.ipv8 is not None:
                await asyncio.wait_for(self.ipv8.stop(), timeout=5)
        except Exception as exc:  # never hang or crash on the way out
            print(f"pypeer: shutdown problem: {exc!r}", file=sys.stderr)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    try:
        import ipv8  # noqa: F401
        import ipv8_service  # noqa: F401
    except ImportError as exc:
        print(f"pypeer: pyipv8 is not importable from {sys.executable} ({exc}); "
              "run tools/setup-pyipv8.sh and use the python it prints", file=sys.stderr)
        return 3
    # Our handlers first, so IPv8's own logging.basicConfig() becomes a no-op.
    stderr_handler = logging.StreamHandler(sys.stderr)
    stderr_handler.setLevel(args.log_level)
    stderr_handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    drops = DropCounter()
    root = logging.getLogger()
    root.addHandler(stderr_handler)
    root.addHandler(drops)
    root.setLevel(min(logging.WARNING, logging.getLevelName(args.log_level)))
    install_loopback_lan_override()
    return asyncio.run(Runner(args, drops).run())


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
