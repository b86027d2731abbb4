#!/bin/sh
# Runs the unit test binaries given before "--", the Python binding tests, then the
# sanitizer test binaries given after "--"; prints one summary line
# "N passed, N failed" and exits non-zero when anything failed.
passed=0; failed=0
log=$(mktemp); trap 'rm -f "$log"' EXIT
run_cmocka() {   # $1 label, $2 binary
    CMOCKA_MESSAGE_OUTPUT=stdout "$2" >"$log" 2>&1; rc=$?
    p=$(sed -n 's/^\[  PASSED  \] \([0-9][0-9]*\) test.*/\1/p' "$log" | awk '{s+=$1} END {print s+0}')
    f=$(sed -n 's/^\[  FAILED  \] \([0-9][0-9]*\) test.*/\1/p' "$log" | awk '{s+=$1} END {print s+0}')
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi   # crashed or sanitizer abort
    passed=$((passed + p)); failed=$((failed + f))
    if [ "$f" -ne 0 ]; then echo "FAIL $1 $2"; cat "$log"; else echo "ok   $1 $(basename "$2"): $p passed"; fi
}
section=unit
for t in "$@"; do
    if [ "$t" = "--" ]; then section=asan+ubsan; continue; fi
    run_cmocka "$section" "$t"
done
if [ -z "$MGN_SKIP_PYTHON" ] && [ -d tests/python ]; then
    MARGIN_LIBRARY="$(pwd)/lib/libmargin.so" ${PYTHON:-python3} -m unittest discover -s tests/python >"$log" 2>&1; rc=$?
    n=$(sed -n 's/^Ran \([0-9][0-9]*\) test.*/\1/p' "$log" | tail -n 1); n=${n:-0}
    bad=$(sed -n 's/.*FAILED (\(.*\)).*/\1/p' "$log" | tr ',' '\n' | sed -n 's/.*\(failures\|errors\)=\([0-9]*\).*/\2/p' | awk '{s+=$1} END {print s+0}')
    if [ "$rc" -ne 0 ] && [ "$bad" -eq 0 ]; then bad=1; fi
    passed=$((passed + n - bad)); failed=$((failed + bad))
    if [ "$bad" -ne 0 ]; then echo "FAIL python"; cat "$log"; else echo "ok   python binding: $n run $(sed -n 's/^OK *//p' "$log")"; fi
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
