#!/usr/bin/env python3
"""Run ONE real py-ipv8 3.2.1 DHTDiscoveryCommunity on 127.0.0.1, driven by JSON commands.

The Python half of the ipv8-dht interop tests (``crates/ipv8-dht/tests/interop_pyipv8.rs``). Run
with the pyipv8 venv's python (``tools/setup-pyipv8.sh``)::

    python tools/pydht.py --bootstrap 127.0.0.1:<tracker port> [--port 0] [--duration S]

The node runs py-ipv8's default DHTDiscoveryCommunity block (RandomWalk 20 peers with timeout 3 s,
PingChurn) with a DispersyBootstrapper on the given addresses only, and the loopback LAN-address
override of ``tools/pypeer.py`` (so it advertises 127.0.0.1).

Commands (stdin, one JSON object per line; ``id`` is echoed):

* ``{"cmd":"store","id":N,"key":HEX,"value":HEX,"sign":BOOL}`` → ``{"event":"stored","id":N,
  "nodes":COUNT}`` (``DHTCommunity.store_value``)
* ``{"cmd":"find","id":N,"key":HEX}`` → ``{"event":"found","id":N,"values":[[DATA_HEX,
  PUBLIC_KEY_HEX|null]…]}`` (``find_values``)
* ``{"cmd":"store_peer","id":N}`` → ``{"event":"store_peer","id":N,"nodes":COUNT}``
* ``{"cmd":"connect","id":N,"mid":HEX}`` → ``{"event":"connected","id":N,"nodes":[{"ip","port",
  "mid"}…]}`` (``connect_peer``)

A failing command answers ``{"event":"error","id":N,"message":TEXT}``. Other output:
``{"event":"started","port","mid","public_key"}`` once, ``{"event":"status","routing":NODES,
"peers":N}`` every 0.5 s, ``{"event":"stopped"}`` last. The node stops on EOF of stdin, SIGTERM
or after ``--duration`` seconds.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pypeer import _ipv4_port, emit, install_loopback_lan_override  # noqa: E402


def build_config(args: argparse.Namespace) -> dict:
    """py-ipv8's default DHTDiscoveryCommunity block, bootstrapping only from ``--bootstrap``."""
    from ipv8.configuration import (Bootstrapper, BootstrapperDefinition, ConfigBuilder, Strategy,
                                    WalkerDefinition)

    builder = ConfigBuilder(clean=True)
    builder.set_address("127.0.0.1").set_port(args.port).set_log_level(args.log_level)
    builder.set_walker_interval(0.5).set_working_directory(".")
    builder.add_ephemeral_key("anonymous id")
    builder.config["overlays"] = []
    bootstrappers = [BootstrapperDefinition(Bootstrapper.DispersyBootstrapper,
                                            {"ip_addresses": list(args.bootstrap), "dns_addresses": [],
                                             "bootstrap_timeout": 30.0})]
    builder.add_overlay("DHTDiscoveryCommunity", "anonymous id",
                        [WalkerDefinition(Strategy.RandomWalk, 20, {"timeout": 3.0}),
                         WalkerDefinition(Strategy.PingChurn, -1, {})],
                        bootstrappers, {}, [])
    return builder.finalize()


async def handle(dht, cmd: dict) -> dict:
    """Run one command on the community and describe the result."""
    what = cmd.get("cmd")
    ident = cmd.get("id")
    if what == "store":
        nodes = await dht.store_value(bytes.fromhex(cmd["key"]), bytes.fromhex(cmd["value"]),
                                      sign=bool(cmd.get("sign")))
        return {"event": "stored", "id": ident, "nodes": len(nodes)}
    if what == "find":
        values = await dht.find_values(bytes.fromhex(cmd["key"]))
        return {"event": "found", "id": ident,
                "values": [[data.hex(), key.hex() if key else None] for data, key in values]}
    if what == "store_peer":
        nodes = await dht.store_peer()
        return {"event": "store_peer", "id": ident, "nodes": len(nodes)}
    if what == "connect":
        nodes = await dht.connect_peer(bytes.fromhex(cmd["mid"]))
        return {"event": "connected", "id": ident,
                "nodes": [{"ip": n.address[0], "port": n.address[1], "mid": n.mid.hex()} for n in nodes]}
    return {"event": "error", "id": ident, "message": f"unknown command {what!r}"}


async def run(args: argparse.Namespace) -> int:
    from ipv8.dht.discovery import DHTDiscoveryCommunity
    from ipv8_service import IPv8

    ipv8 = IPv8(build_config(args))
    await ipv8.start()
    dht = ipv8.get_overlay(DHTDiscoveryCommunity)
    emit({"event": "started", "port": ipv8.endpoint.get_address()[1], "mid": dht.my_peer.mid.hex(),
          "public_key": dht.my_peer.public_key.key_to_bin().hex()})
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    pending: set[asyncio.Task] = set()

    async def answer(cmd: dict) -> None:
        try:
            emit(await handle(dht, cmd))
        except Exception as exc:  # a DHTError or a bad command: report it, keep running
            emit({"event": "error", "id": cmd.get("id"), "message": f"{type(exc).__name__}: {exc}"})

    async def read_commands() -> None:
        while True:
            line = await reader.readline()
            if not line:
                stop.set()
                return
            try:
                cmd = json.loads(line)
            except json.JSONDecodeError as exc:
                emit({"event": "error", "id": None, "message": f"bad command line: {exc}"})
                continue
            task = asyncio.ensure_future(answer(cmd))
            pending.add(task)
            task.add_done_callback(pending.discard)

    async def status() -> None:
        while True:
            routing = sum(len(b.nodes) for t in dht.routing_tables.values() for b in t.trie.values())
            emit({"event": "status", "routing": routing, "peers": len(dht.get_peers())})
            await asyncio.sleep(0.5)

    tasks = [asyncio.ensure_future(read_commands()), asyncio.ensure_future(status())]
    try:
        await asyncio.wait_for(stop.wait(), timeout=args.duration)
    except asyncio.TimeoutError:
        pass
    for task in tasks + list(pending):
        task.cancel()
    await ipv8.stop()
    emit({"event": "stopped"})
    return 0


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(description="Run one py-ipv8 DHTDiscoveryCommunity on loopback.")
    p.add_argument("--port", type=int, default=0, help="UDP port (0 = OS picks)")
    p.add_argument("--bootstrap", type=_ipv4_port, action="append", required=True, metavar="IP:PORT")
    p.add_argument("--duration", type=float, default=120.0, metavar="S", help="exit after S seconds")
    p.add_argument("--log-level", default="WARNING",
                   choices=["CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG"])
    args = p.parse_args(argv)
    install_loopback_lan_override()
    return asyncio.run(run(args))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
