#!/usr/bin/env bash
# ctest `live_port`: skbridge port, then plain joblib.load in every other real environment
# (tests/live/port_check.py; missing environments are reported as SKIPPED). Writes docs/port-matrix.md.
set -u
cd "$(dirname "$0")/../.."
exec python3 tests/live/port_check.py --skbridge "${1:-build/apps/cli/skbridge}" --matrix docs/port-matrix.md
