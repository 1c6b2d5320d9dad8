#!/usr/bin/env bash
# Create (idempotently) a Python virtual environment with pyipv8 3.2.1 for interop tests.
#
# The venv lives at ${IPV8_PYVENV:-<repo>/target/pyipv8-venv}. When it already imports
# ipv8 3.2.1 this is a fast no-op. On success the path of the venv's python is printed
# as the last line of stdout; tests find it there (or through $IPV8_PYTHON).
set -euo pipefail

PYIPV8_VERSION="3.2.1"
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${IPV8_PYVENV:-$repo/target/pyipv8-venv}"
python="$venv/bin/python"

have_pyipv8() {
    [ -x "$python" ] && "$python" - "$PYIPV8_VERSION" <<'EOF' >/dev/null 2>&1
import sys
from importlib.metadata import version
import ipv8.keyvault.crypto  # noqa: F401  (the module the interop tests use)
import ipv8.REST.rest_manager  # noqa: F401  (needs the apispec pins below)
sys.exit(0 if version("pyipv8") == sys.argv[1] else 1)
EOF
}

if ! have_pyipv8; then
    base_python="${PYTHON:-python3}"
    if ! command -v "$base_python" >/dev/null 2>&1; then
        echo "setup-pyipv8: $base_python not found (set PYTHON to a Python >= 3.9)" >&2
        exit 1
    fi
    if [ ! -x "$python" ]; then
        echo "setup-pyipv8: creating venv at $venv" >&2
        mkdir -p "$(dirname "$venv")"
        "$base_python" -m venv "$venv"
    fi
    echo "setup-pyipv8: installing pyipv8==$PYIPV8_VERSION" >&2
    # pyipv8's own requirements.txt asks for aiohttp_apispec>=3.0.0b1 and apispec>=6; pip skips
    # the pre-release and its REST module then fails to import, so name both explicitly.
    "$python" -m pip install --quiet --disable-pip-version-check \
        "pyipv8==$PYIPV8_VERSION" "aiohttp_apispec==3.0.0b2" "apispec>=6.0.0" >&2
    if ! have_pyipv8; then
        echo "setup-pyipv8: pyipv8 $PYIPV8_VERSION still does not import from $python" >&2
        exit 1
    fi
fi

echo "$python"
