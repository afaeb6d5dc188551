#!/usr/bin/env bash
# Regenerates src/compat/data/sklearn-<version>.json in every environment (see extract_knowledge.py).
#   tools/compat/extract_knowledge.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/../.."
SKBRIDGE=${1:-build}/apps/cli/skbridge
list=$(mktemp "$PWD/.globals.XXXXXX"); trap 'rm -f "$list"' EXIT
# Every global any fixture or wild model references, as module:qualname (read by skbridge, not Python).
{
  find tests/fixtures -name '*.p2.pkl'
  find ../shared/corpus/wild -type f \( -name '*.pkl' -o -name '*.joblib' -o -name '*.sav' -o -name '*.gz' -o -name '*.z' \) 2>/dev/null
} | while IFS= read -r f; do "$SKBRIDGE" inspect --json "$f" 2>/dev/null || true; done |
  python3 -c '
import json, sys
dec = json.JSONDecoder(); text = sys.stdin.read(); i = 0; out = set()
while i < len(text):
    while i < len(text) and text[i].isspace(): i += 1
    if i >= len(text): break
    doc, i = dec.raw_decode(text, i)
    for g in doc.get("globals", []):
        if g["module"].startswith(("sklearn", "numpy", "scipy", "joblib")): out.add(g["module"] + ":" + g["name"])
print("\n".join(sorted(out)))' > "$list"
# Plus every public name of numpy's top-level namespace in any environment: numpy 2 removed some
# (round_, product, alltrue ...) that old pickles of FunctionTransformer(func=...) name.
names=$(mktemp "$PWD/.numpy_names.XXXXXX"); trap 'rm -f "$list" "$names"' EXIT
for suite in bullseye bookworm trixie sid; do
  SKBRIDGE_WORK=$PWD tools/sklenv run "$suite" tools/compat/numpy_names.py >> "$names"
done
sort -u "$names" "$list" -o "$list"
for suite in bullseye bookworm trixie sid; do
  SKBRIDGE_WORK=$PWD tools/sklenv run "$suite" tools/compat/extract_knowledge.py "${list#$PWD/}" tests/fixtures src/compat/data
done
