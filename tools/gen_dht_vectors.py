#!/usr/bin/env python3
"""
Golden vectors for the DHT messages of pyipv8 3.2.1 (``ipv8/dht/payload.py``), packed by pyipv8.

Run with the pyipv8 3.2.1 venv (see ``tools/setup-pyipv8.sh``)::

    python tools/gen_dht_vectors.py [output.txt]

Without an argument the vectors go to ``crates/ipv8-dht/tests/vectors/dht.txt``. Each line is
``name hex``:

* ``msg:<MessageClass>``: the whole datagram as ``DHTCommunity.ez_send`` packs it (prefix of the
  DHT community id, message id, ``BinMemberAuthenticationPayload``, payload, Ed25519 signature)
  with the deterministic LibNaCL key ``LibNaCLSK:`` + 32 x 0x01 + 32 x 0x02;
* ``value:unsigned`` / ``value:signed``: ``DHTCommunity.serialize_value`` with ``time.time()``
  pinned to 1700000000;
* ``node_id:<ip>:<port>``: ``calc_node_id`` of that address and the key's member id;
* ``intro_point:ipv4`` / ``intro_point:ipv6``: the value ``DHTCommunityProvider.announce`` stores
  for an introduction point (``DHTIntroPointPayload``: address, last seen 1700000000, the
  introduction point's key ``KEY`` and the seeder's key ``OTHER``, both without ``LibNaCLPK:``),
  before the DHT's unsigned-entry type byte.

Everything is deterministic.
"""
from __future__ import annotations

import asyncio
import os
import sys
from types import SimpleNamespace
from unittest import mock

from ipv8.dht import community as dht_community
from ipv8.dht.community import DHTCommunity
from ipv8.dht.payload import (
    ConnectPeerRequestPayload,
    ConnectPeerResponsePayload,
    FindRequestPayload,
    FindResponsePayload,
    NodePacker,
    PingRequestPayload,
    PingResponsePayload,
    StorePeerRequestPayload,
    StorePeerResponsePayload,
    StoreRequestPayload,
    StoreResponsePayload,
)
from ipv8.dht.provider import DHTCommunityProvider, DHTIntroPointPayload
from ipv8.dht.routing import Node, calc_node_id
from ipv8.keyvault.crypto import default_eccrypto
from ipv8.lazy_community import EZPackOverlay
from ipv8.messaging.interfaces.udp.endpoint import UDPv4Address, UDPv6Address
from ipv8.messaging.payload_headers import BinMemberAuthenticationPayload
from ipv8.messaging.anonymization.tunnel import IntroductionPoint
from ipv8.messaging.serialization import ListOf, Serializer, default_serializer
from ipv8.peer import Peer

KEY = default_eccrypto.key_from_private_bin(b"LibNaCLSK:" + b"\x01" * 32 + b"\x02" * 32)
OTHER = default_eccrypto.key_from_private_bin(b"LibNaCLSK:" + b"\x03" * 32 + b"\x04" * 32)
PREFIX = b"\x00\x02" + DHTCommunity.community_id


def serializer() -> Serializer:
    """The serializer ``DHTCommunity.get_serializer`` builds: default packers plus ``node-list``."""
    s = Serializer()
    s.add_packer("node-list", ListOf(NodePacker(s)))
    return s


SERIALIZER = serializer()
FAKE = SimpleNamespace(serializer=SERIALIZER, my_peer=SimpleNamespace(key=KEY, public_key=KEY.pub()))
FAKE._ez_pack = lambda *a, **k: EZPackOverlay._ez_pack(FAKE, *a, **k)


def ez_pack(payload) -> bytes:
    """``ezr_pack`` with the DHT prefix: auth payload, the payload, signature."""
    auth = BinMemberAuthenticationPayload(KEY.pub().key_to_bin())
    return EZPackOverlay._ez_pack(FAKE, PREFIX, payload.msg_id, [auth, payload], True)


def intro_point_vectors() -> list[str]:
    """The values ``DHTCommunityProvider.announce`` passes to ``store_value``, and a check that
    its ``lookup`` decodes them back."""
    lines = []
    for name, address in [("ipv4", UDPv4Address("1.2.3.4", 8090)), ("ipv6", UDPv6Address("2001:db8::1", 5))]:
        intro = IntroductionPoint(Peer(KEY.pub(), address), OTHER.pub().key_to_bin(), last_seen=1700000000)
        stored = []

        async def store_value(info_hash, value, stored=stored):
            stored.append(value)

        async def find_values(info_hash, stored=stored):
            return [(v, None) for v in stored]

        provider = DHTCommunityProvider(SimpleNamespace(store_value=store_value, find_values=find_values), 0)
        asyncio.run(provider.announce(b"\x07" * 20, intro))
        (value,) = stored
        assert value == default_serializer.pack_serializable(DHTIntroPointPayload(
            address, 1700000000, KEY.pub().key_to_bin()[10:], OTHER.pub().key_to_bin()[10:]))
        _, (found,) = asyncio.run(provider.lookup(b"\x07" * 20))
        assert (found.peer.public_key.key_to_bin(), found.peer.address, found.seeder_pk, found.last_seen) == (
            KEY.pub().key_to_bin(), address, OTHER.pub().key_to_bin(), 1700000000)
        lines.append(f"intro_point:{name} {value.hex()}")
    return lines


def main() -> None:
    out_path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(__file__), "..", "crates", "ipv8-dht", "tests", "vectors", "dht.txt")
    token = bytes(range(20))
    target = bytes(range(100, 120))
    node_a = Node(KEY.pub().key_to_bin(), UDPv4Address("1.2.3.4", 8090))
    node_b = Node(OTHER.pub().key_to_bin(), UDPv6Address("::1", 9))
    messages = [
        PingRequestPayload(7),
        PingResponsePayload(4294967295),
        StoreRequestPayload(1, token, target, [b"\x00abc", b"", b"\x00" + b"x" * 169]),
        StoreResponsePayload(65536),
        FindRequestPayload(2, UDPv4Address("10.0.0.1", 8090), target, 8, True),
        FindRequestPayload(3, UDPv6Address("fe80::1", 1), target, 0, False),
        FindResponsePayload(4, token, [b"\x00v1", b"\x00v2"], [node_a, node_b]),
        FindResponsePayload(5, token, [], []),
        StorePeerRequestPayload(6, token, KEY.pub().key_to_bin()[:20]),
        StorePeerResponsePayload(7),
        ConnectPeerRequestPayload(8, UDPv4Address("192.168.1.2", 7759), target),
        ConnectPeerResponsePayload(9, [node_b]),
        ConnectPeerResponsePayload(10, []),
    ]
    lines = []
    seen: dict[str, int] = {}
    for payload in messages:
        name = type(payload).__name__
        seen[name] = seen.get(name, 0) + 1
        lines.append(f"msg:{name}:{seen[name]} {ez_pack(payload).hex()}")
    with mock.patch.object(dht_community.time, "time", return_value=1700000000.5):
        unsigned = DHTCommunity.serialize_value(FAKE, b"hello dht", sign=False)
        signed = DHTCommunity.serialize_value(FAKE, b"signed hello", sign=True)
    assert DHTCommunity.unserialize_value(SimpleNamespace(serializer=SERIALIZER, crypto=default_eccrypto),
                                          signed) == (b"signed hello", KEY.pub().key_to_bin(), 1700000000)
    lines.append(f"value:unsigned {unsigned.hex()}")
    lines.append(f"value:signed {signed.hex()}")
    mid = KEY.pub().key_to_hash()
    lines.append(f"mid {mid.hex()}")
    for address in [UDPv4Address("1.2.3.4", 8090), UDPv4Address("127.0.0.1", 1),
                    UDPv4Address("255.255.255.255", 65535), UDPv6Address("2001:db8::1", 5),
                    UDPv6Address("::1", 9)]:
        name = f"[{address[0]}]:{address[1]}" if isinstance(address, UDPv6Address) else f"{address[0]}:{address[1]}"
        lines.append(f"node_id:{name} {calc_node_id(address, mid).hex()}")
    lines.append(f"community_id {DHTCommunity.community_id.hex()}")
    lines.extend(intro_point_vectors())
    os.makedirs(os.path.dirname(os.path.abspath(out_path)), exist_ok=True)
    with open(out_path, "w") as f:
        f.write("# Generated by tools/gen_dht_vectors.py with pyipv8 3.2.1; do not edit.\n")
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
