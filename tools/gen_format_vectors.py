#!/usr/bin/env python3
"""
Golden vectors for every py-ipv8 serializer format, packed by pyipv8 3.2.1 itself.

Run with the pyipv8 3.2.1 venv (see ``tools/setup-pyipv8.sh``)::

    python tools/gen_format_vectors.py [output.json]

Without an argument the JSON goes to ``tests/vectors/formats.json`` of the repository.

Three sections:

* ``formats``: for each format name, sample values packed with ``default_serializer`` (the
  packer py-ipv8 registers under that name) and unpacked again to check the round trip.
* ``payloads``: hand-written ``Payload`` classes mixing many formats in one ``format_list``,
  with the byte layout of each field.
* ``dataclass_payloads``: ``DataClassPayload`` classes whose formats come from py-ipv8's Python
  type mapping (``bool``, ``int``, ``float``, ``bytes``, ``str``, ``list[...]``, nested payloads).

Values are JSON: integers and floats as numbers, bytes as lowercase hex, ``c`` as its byte value,
``bits`` as eight 0/1 numbers, addresses as ``ip:port`` / ``[ip6]:port`` / ``host:port``, nested
payloads as objects keyed by field name. Everything is deterministic.
"""
from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass

from importlib.metadata import version

from ipv8.messaging.lazy_payload import VariablePayload, vp_compile
from ipv8.messaging.payload_dataclass import DataClassPayload
from ipv8.messaging.serialization import Payload, default_serializer


@vp_compile
class Inner(VariablePayload):
    """A small nested payload for the ``payload`` and ``payload-list`` formats."""

    format_list = ["H", "varlenH"]
    names = ["number", "data"]


def inner_json(p: Inner) -> dict:
    return {"number": p.number, "data": p.data.hex()}


INNERS = [Inner(7, b"seven"), Inner(65535, b""), Inner(0, bytes(range(40)))]


def address_json(addr) -> str:
    host, port = addr[0], addr[1]
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def units_json(data: bytes, size: int) -> list:
    return [data[i:i + size].hex() for i in range(0, len(data), size)]


# format -> (sample values, value -> JSON)
FORMATS = {
    "?": ([True, False], bool),
    "B": ([0, 7, 255], int),
    "c": ([b"Y", b"\x00", b"\xff"], lambda v: v[0]),
    "H": ([0, 8090, 65535], int),
    "I": ([0, 1, 0xDEADBEEF, 2 ** 32 - 1], int),
    "l": ([0, -2, 2 ** 31 - 1, -2 ** 31], int),
    "q": ([0, -1, 2 ** 63 - 1, -2 ** 63], int),
    "Q": ([0, 4, 2 ** 64 - 1], int),
    "f": ([0.0, 1.5, -0.25, 3.140625], float),
    "d": ([0.0, 3.5, -1024.125, 2.0 ** -30], float),
    "20s": ([bytes(range(20)), b"\xff" * 20], bytes.hex),
    "32s": ([bytes(range(100, 132))], bytes.hex),
    "64s": ([bytes(range(64))], bytes.hex),
    "74s": ([bytes(range(74)), bytes(74)], bytes.hex),
    "bits": ([(1, 0, 1, 0, 0, 0, 0, 1), (0,) * 8, (1,) * 8, (0, 0, 0, 0, 0, 0, 0, 1)], list),
    "ipv4": ([("1.2.3.4", 8090), ("0.0.0.0", 0), ("255.255.255.255", 65535)], address_json),
    "ip_address": ([("1.2.3.4", 8090), ("2001:db8::1", 443), ("::1", 0)], address_json),
    "address": ([("10.0.0.1", 80), ("2001:db8::7", 7759), ("example.com", 8080), ("tracker.ipv8", 6421)],
                address_json),
    "raw": ([b"", b"\x00\x01rest of the packet"], bytes.hex),
    "varlenH": ([b"", b"abc", bytes(range(256)) * 2], bytes.hex),
    "doublevarlenH": ([b"", b"twice"], bytes.hex),
    "varlenHutf8": (["", "h\u00e9llo \u2713", "py-ipv8"], str),
    "varlenI": ([b"", b"xyz", bytes(300)], bytes.hex),
    "varlenIutf8": (["", "\u00fcn\u00efcode \U0001f600"], str),
    "varlenBx2": ([b"", b"\x01\x02\x03\x04"], lambda v: units_json(v, 2)),
    "varlenHx20": ([b"", b"\x01" * 20 + b"\x02" * 20], lambda v: units_json(v, 20)),
    "varlenH-list": ([[], [b"", b"a", b"bc"], [bytes(300)]], lambda v: [x.hex() for x in v]),
    "arrayH-?": ([[], [True, False, True]], lambda v: [bool(x) for x in v]),
    "arrayH-q": ([[], [1, -1, 2 ** 62, -2 ** 63]], list),
    "arrayH-d": ([[], [0.5, -2.25, 1024.0]], list),
    "payload": ([INNERS[0], INNERS[2]], inner_json),
    "payload-list": ([[], INNERS], lambda v: [inner_json(x) for x in v]),
}


def pack(fmt: str, value) -> bytes:
    if fmt == "bits":
        return default_serializer.get_packer_for("bits").pack(*value)
    return default_serializer.pack(fmt, value)


def unpack(fmt: str, data: bytes):
    if fmt == "payload":
        return default_serializer.unpack(Inner, data)
    if fmt == "payload-list":
        return default_serializer.unpack([Inner], data)
    if fmt == "bits":
        out: list = []
        return out, default_serializer.get_packer_for("bits").unpack(data, 0, out)
    return default_serializer.unpack(fmt, data)


def format_vectors() -> list:
    out = []
    for fmt, (values, to_json) in FORMATS.items():
        cases = []
        for value in values:
            data = pack(fmt, value)
            back, end = unpack(fmt, data)
            assert end == len(data), (fmt, value)
            assert to_json(back) == to_json(value), (fmt, back, value)
            cases.append({"value": to_json(value), "hex": data.hex()})
        out.append({"format": fmt, "cases": cases})
    return out


class Mixed(Payload):
    """Every single-value format of the issue in one payload, ``raw`` last."""

    msg_id = 200
    # (name, format, value, value -> JSON)
    fields = [
        ("flag", "?", True, bool),
        ("byte", "B", 200, int),
        ("tag", "c", b"Y", lambda v: v[0]),
        ("port", "H", 8090, int),
        ("count", "I", 123456789, int),
        ("delta", "l", -42, int),
        ("big", "q", -(2 ** 40), int),
        ("time", "Q", 2 ** 60 + 3, int),
        ("ratio", "f", 0.75, float),
        ("precise", "d", -6.5, float),
        ("mid", "20s", bytes(range(20, 40)), bytes.hex),
        ("key", "32s", b"\x11" * 32, bytes.hex),
        ("sig", "64s", b"\x22" * 64, bytes.hex),
        ("pk", "74s", b"LibNaCLPK:" + b"\x33" * 64, bytes.hex),
        ("bits", "bits", (0, 1, 0, 1, 1, 0, 0, 1), list),
        ("lan", "ipv4", ("192.168.1.2", 7759), address_json),
        ("wan", "ip_address", ("2001:db8::2", 7760), address_json),
        ("tracker", "address", ("tracker.example", 6421), address_json),
        ("blob", "varlenH", b"blob", bytes.hex),
        ("text", "varlenHutf8", "caf\u00e9", str),
        ("long_blob", "varlenI", b"long blob", bytes.hex),
        ("long_text", "varlenIutf8", "\u2603 snow", str),
        ("pairs", "varlenBx2", b"\xaa\xbb\xcc\xdd", lambda v: units_json(v, 2)),
        ("ids", "varlenHx20", b"\x05" * 40, lambda v: units_json(v, 20)),
        ("items", "varlenH-list", [b"x", b"", b"yz"], lambda v: [x.hex() for x in v]),
        ("votes", "arrayH-?", [False, True], lambda v: [bool(x) for x in v]),
        ("scores", "arrayH-q", [-3, 9], list),
        ("weights", "arrayH-d", [0.125, -8.0], list),
        ("inner", "payload", INNERS[0], inner_json),
        ("inners", "payload-list", INNERS[:2], lambda v: [inner_json(x) for x in v]),
        ("rest", "raw", b"trailing", bytes.hex),
    ]
    format_list = [Inner if f == "payload" else [Inner] if f == "payload-list" else f
                   for _, f, _, _ in fields]

    def __init__(self, *values) -> None:
        super().__init__()
        self.values = values

    def to_pack_list(self) -> list[tuple]:
        return [(fmt, *value) if fmt == "bits" else (fmt, value)
                for (_, fmt, _, _), value in zip(self.fields, self.values)]

    @classmethod
    def from_unpack_list(cls, *args):
        bits = [i for i, (_, fmt, _, _) in enumerate(cls.fields) if fmt == "bits"][0]
        args = list(args[:bits]) + [tuple(args[bits:bits + 8])] + list(args[bits + 8:])
        return cls(*args)


def layout(payload_fields, values) -> list:
    """Offset and size of each field, from packing the fields one by one."""
    out, offset = [], 0
    for (name, fmt, _, _), value in zip(payload_fields, values):
        size = len(pack(fmt, value))
        out.append({"field": name, "format": fmt, "offset": offset, "size": size})
        offset += size
    return out


def payload_vectors() -> list:
    values = [v for _, _, v, _ in Mixed.fields]
    data = default_serializer.pack_serializable(Mixed(*values))
    back, end = default_serializer.unpack_serializable(Mixed, data)
    assert end == len(data)
    for (name, _, value, to_json), got in zip(Mixed.fields, back.values):
        assert to_json(got) == to_json(value), (name, got, value)
    return [{
        "name": "Mixed",
        "format_list": [f for _, f, _, _ in Mixed.fields],
        "value": {name: to_json(value) for name, _, value, to_json in Mixed.fields},
        "layout": layout(Mixed.fields, values),
        "hex": data.hex(),
    }]


@dataclass
class DataClassInner(DataClassPayload):
    """Nested dataclass payload: ``bool`` and ``int``."""

    flag: bool
    n: int


@dataclass
class DataClassAll(DataClassPayload[42]):
    """Every Python type that ``DataClassPayload`` maps to a format."""

    b: bool
    i: int
    x: float
    data: bytes
    text: str
    bools: list[bool]
    ints: list[int]
    floats: list[float]
    inner: DataClassInner
    inners: list[DataClassInner]


def dataclass_json(p) -> dict:
    if isinstance(p, DataClassInner):
        return {"flag": p.flag, "n": p.n}
    return {
        "b": p.b, "i": p.i, "x": p.x, "data": p.data.hex(), "text": p.text, "bools": list(p.bools),
        "ints": list(p.ints), "floats": list(p.floats), "inner": dataclass_json(p.inner),
        "inners": [dataclass_json(x) for x in p.inners],
    }


def dataclass_vectors() -> list:
    samples = [
        DataClassAll(True, -5, 2.5, b"\x00\x01", "\u00e9t\u00e9", [True, False], [1, -2 ** 63],
                     [0.5, -1.0], DataClassInner(False, 3), [DataClassInner(True, 1), DataClassInner(False, -1)]),
        DataClassAll(False, 2 ** 63 - 1, 0.0, b"", "", [], [], [], DataClassInner(True, 0), []),
    ]
    out = []
    for sample in samples:
        data = default_serializer.pack_serializable(sample)
        back, end = default_serializer.unpack_serializable(DataClassAll, data)
        assert end == len(data) and dataclass_json(back) == dataclass_json(sample)
        formats = [f if isinstance(f, str) else f"payload:{f.__name__}" if isinstance(f, type)
                   else f"payload-list:{f[0].__name__}" for f in DataClassAll.format_list]
        out.append({"name": "DataClassAll", "msg_id": DataClassAll.msg_id, "format_list": formats,
                    "value": dataclass_json(sample), "hex": data.hex()})
    return out


def main() -> None:
    here = os.path.dirname(os.path.abspath(__file__))
    path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "tests", "vectors", "formats.json")
    doc = {
        "meta": {
            "generator": "tools/gen_format_vectors.py",
            "pyipv8": version("pyipv8"),
            "serializer_formats": default_serializer.get_available_formats(),
        },
        "formats": format_vectors(),
        "payloads": payload_vectors(),
        "dataclass_payloads": dataclass_vectors(),
    }
    with open(path, "w") as f:
        json.dump(doc, f, indent=1, ensure_ascii=False)
        f.write("\n")
    print(f"wrote {path}: {len(doc['formats'])} formats, "
          f"{sum(len(f['cases']) for f in doc['formats'])} cases")


if __name__ == "__main__":
    main()
