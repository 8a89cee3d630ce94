#!/usr/bin/env bash
# 绿矿核查 — command 1: create .venv, install, load the demo data (register, inspectors and a campaign
# under way) if the database is empty, start.
# Extra arguments go to Streamlit, e.g. `bash scripts/run.sh --server.port 8080`.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/_common.sh
ensure_venv requirements.txt
.venv/bin/python -m core.demo --seed-if-empty --campaign
exec .venv/bin/python scripts/serve.py "$@"
