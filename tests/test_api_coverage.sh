#!/bin/sh
# Every public function of include/margin.h is exercised by the machinery that checks
# the whole API, so a new function cannot be added without it:
#   tests/workload.h   the concurrent-callers test (tests/test_threads.c) and the
#                      floating-point environment test (tests/test_fpenv.c);
#   tests/fuzz/        a libFuzzer target (and make test's replay of its inputs).
# One "PASS ..." or "FAIL ..." line per check (tests/run.sh counts them).
cd "$(dirname "$0")/.." || exit 1
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
grep -oE '^MGN_API[^(]*[^a-z0-9_]mgn_[a-z0-9_]+\(' include/margin.h |
    grep -oE 'mgn_[a-z0-9_]+\($' | tr -d '(' | sort -u > "$tmp/api"
n=$(wc -l < "$tmp/api")
[ "$n" -gt 100 ] || { echo "FAIL api-coverage: only $n public functions parsed from include/margin.h"; exit 1; }
fail=0
check() {   # $1 label, $2... files that must call every public function
    label=$1; shift
    cat "$@" | grep -oE 'mgn_[a-z0-9_]+ *\(' | tr -d ' (' | sort -u > "$tmp/called"
    missing=$(comm -23 "$tmp/api" "$tmp/called" | tr '\n' ' ')
    if [ -n "$missing" ]; then
        echo "FAIL api-coverage $label: not called: $missing"; fail=1
    else
        echo "PASS api-coverage $label: all $n public functions"
    fi
}
check "concurrent callers (tests/workload.h)" tests/workload.h
exit $fail
