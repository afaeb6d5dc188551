#!/usr/bin/env bash
# run-fuzz.sh BUILD_DIR [SECONDS] — runs every libFuzzer target of BUILD_DIR (built by
# `make fuzz-build`) for SECONDS in total (default 60), split evenly between the targets.
#
# Each target starts from a temporary copy of its seed corpus (fuzz/corpus/<name>/; the repository
# copy is never modified). Crash, leak and timeout inputs are kept in $FUZZ_ARTIFACTS (default
# BUILD_DIR/fuzz-artifacts). Exit status: 0 when no target found anything, 1 when one did (the
# inputs are listed with a command that reproduces them), 2 on usage or setup errors.
# Environment: FUZZ_SEED (default 1: the same run every time), FUZZ_ARTIFACTS, FUZZ_EXTRA_ARGS.
set -u
BUILD=${1:-}
SECONDS_TOTAL=${2:-60}
[ -n "$BUILD" ] || { echo "usage: $0 BUILD_DIR [SECONDS]" >&2; exit 2; }
case "$SECONDS_TOTAL" in ''|*[!0-9]*) echo "run-fuzz: SECONDS must be a whole number" >&2; exit 2 ;; esac
ROOT=$(cd "$(dirname "$0")/.." && pwd)
TARGETS=(reader container port)
ARTIFACTS=${FUZZ_ARTIFACTS:-$BUILD/fuzz-artifacts}
SEED=${FUZZ_SEED:-1}
mkdir -p "$ARTIFACTS" || exit 2
ARTIFACTS=$(cd "$ARTIFACTS" && pwd)
PER_TARGET=$(( SECONDS_TOTAL / ${#TARGETS[@]} ))
[ "$PER_TARGET" -ge 1 ] || PER_TARGET=1
WORK=$(mktemp -d "${TMPDIR:-/tmp}/skbridge-fuzz.XXXXXX") || exit 2
trap 'rm -rf "$WORK"' EXIT

export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

status=0
for t in "${TARGETS[@]}"; do
  bin="$BUILD/fuzz/fuzz_$t"
  if [ ! -x "$bin" ]; then
    echo "run-fuzz: $bin is missing; build it with: make fuzz-build" >&2
    exit 2
  fi
  corpus="$WORK/$t"
  mkdir -p "$corpus"
  cp "$ROOT/fuzz/corpus/$t/"* "$corpus/" 2>/dev/null || true
  before=$(ls "$ARTIFACTS" | wc -l)
  echo "run-fuzz: fuzz_$t for ${PER_TARGET}s (seed corpus $(ls "$corpus" | wc -l) files)"
  # -timeout: one input may take at most 10 s; -rss_limit_mb: a read may not balloon memory.
  "$bin" "$corpus" -max_total_time="$PER_TARGET" -seed="$SEED" -max_len=65536 -rss_limit_mb=2048 \
    -timeout=10 -artifact_prefix="$ARTIFACTS/$t-" -print_final_stats=1 ${FUZZ_EXTRA_ARGS:-} \
    >"$WORK/$t.log" 2>&1
  rc=$?
  grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|#[0-9]+ +DONE)' "$WORK/$t.log" | sed "s/^/run-fuzz: fuzz_$t: /"
  after=$(ls "$ARTIFACTS" | wc -l)
  if [ "$rc" -ne 0 ] || [ "$after" -gt "$before" ]; then
    status=1
    echo "run-fuzz: fuzz_$t FAILED (exit $rc); last lines of its log:" >&2
    grep -v '^#' "$WORK/$t.log" | tail -40 >&2
    if [ "$after" -gt "$before" ]; then
      for f in $(ls -t "$ARTIFACTS" | head -n $(( after - before ))); do
        echo "run-fuzz: crash input: $ARTIFACTS/$f" >&2
        echo "run-fuzz: reproduce with: $bin $ARTIFACTS/$f" >&2
      done
    else
      echo "run-fuzz: fuzz_$t saved no input (see its log above)" >&2
    fi
  fi
done
[ "$status" -eq 0 ] && echo "run-fuzz: no crash in ${SECONDS_TOTAL}s"
exit $status
