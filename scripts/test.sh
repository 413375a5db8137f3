#!/usr/bin/env bash
# Every test, in one command: the Rust suite (`cargo test`), then the Python package built into a
# virtual environment (target/python-venv, made on first use) and its pytest suite.
#   PYTHON=python3.12 scripts/test.sh    # choose the interpreter (Python >= 3.9; default python3)
set -euo pipefail
cd "$(dirname "$0")/.."

cargo test

venv=target/python-venv
python=${PYTHON:-python3}
if [ ! -x "$venv/bin/python" ]; then
    "$python" -m venv "$venv"
fi
"$venv/bin/pip" install --quiet "maturin>=1.7,<2" pytest numpy
# One release build of the extension, installed into the venv (the workspace's target/ is reused).
VIRTUAL_ENV="$PWD/$venv" "$venv/bin/maturin" develop --release --manifest-path python/Cargo.toml
"$venv/bin/python" -m pytest python/tests -q -rs
