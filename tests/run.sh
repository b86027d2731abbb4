#!/bin/sh
# Runs the unit test binaries given before "--", the Python binding tests, the shell
# tests tests/test_*.sh (each prints one "PASS ..." or "FAIL ..." line per test), then
# the sanitizer test binaries given after "--"; prints one summary line
# "N passed, N failed" and exits non-zero when anything failed.
# MGN_TEST_WRAPPER (e.g. "valgrind ...") prefixes every test binary; MGN_SECTION names
# the binaries before "--" (default "unit"); MGN_SKIP_SHELL=1 skips the shell tests;
# MGN_TEST_LIBRARY is the shared object the Python tests load (default lib/libmargin.so).
# MGN_SHOW_MESSAGES=1 prints the tests' messages (their measured errors) and leaves
# out the binaries that ran no test (MGN_TEST_FILTER).
passed=0; failed=0
log=$(mktemp); records=$(mktemp); trap 'rm -f "$log" "$records"' EXIT
# The unit section records its bad-input checks for tests/test_catalogue.sh.
export MGN_BAD_INPUT_RECORDS="$records"
run_cmocka() {   # $1 label, $2 binary
    rec=; [ "$1" = unit ] && rec=$records
    CMOCKA_MESSAGE_OUTPUT=stdout MGN_BAD_INPUT_LOG=$rec $MGN_TEST_WRAPPER "$2" >"$log" 2>&1; rc=$?
    p=$(sed -n 's/^\[  PASSED  \] \([0-9][0-9]*\) test.*/\1/p' "$log" | awk '{s+=$1} END {print s+0}')
    f=$(sed -n 's/^\[  FAILED  \] \([0-9][0-9]*\) test.*/\1/p' "$log" | awk '{s+=$1} END {print s+0}')
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi   # crashed or sanitizer abort
    passed=$((passed + p)); failed=$((failed + f))
    if [ -n "$MGN_SHOW_MESSAGES" ] && [ "$p" -eq 0 ] && [ "$f" -eq 0 ]; then return; fi
    if [ "$f" -ne 0 ]; then echo "FAIL $1 $2"; cat "$log"; else echo "ok   $1 $(basename "$2"): $p passed"; fi
    if [ -n "$MGN_SHOW_MESSAGES" ] && [ "$f" -eq 0 ]; then grep -v '^\[' "$log" | sed 's/^/     /'; fi
}
section=${MGN_SECTION:-unit}
for t in "$@"; do
    if [ "$t" = "--" ]; then section=asan+ubsan; continue; fi
    run_cmocka "$section" "$t"
done
if [ -z "$MGN_SKIP_PYTHON" ] && [ -d tests/python ]; then
    MARGIN_LIBRARY="${MGN_TEST_LIBRARY:-$(pwd)/lib/libmargin.so}" ${PYTHON:-python3} -m unittest discover -s tests/python >"$log" 2>&1; rc=$?
    n=$(sed -n 's/^Ran \([0-9][0-9]*\) test.*/\1/p' "$log" | tail -n 1); n=${n:-0}
    bad=$(sed -n 's/.*FAILED (\(.*\)).*/\1/p' "$log" | tr ',' '\n' | sed -n 's/.*\(failures\|errors\)=\([0-9]*\).*/\2/p' | awk '{s+=$1} END {print s+0}')
    if [ "$rc" -ne 0 ] && [ "$bad" -eq 0 ]; then bad=1; fi
    passed=$((passed + n - bad)); failed=$((failed + bad))
    if [ "$bad" -ne 0 ]; then echo "FAIL python"; cat "$log"; else echo "ok   python binding: $n run $(sed -n 's/^OK *//p' "$log")"; fi
fi
for sh_test in tests/test_*.sh; do
    [ -f "$sh_test" ] && [ -z "$MGN_SKIP_SHELL" ] || continue
    sh "$sh_test" >"$log" 2>&1; rc=$?
    p=$(grep -c '^PASS ' "$log"); f=$(grep -c '^FAIL ' "$log")
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
    passed=$((passed + p)); failed=$((failed + f))
    if [ "$f" -ne 0 ]; then echo "FAIL shell $sh_test"; cat "$log"; else echo "ok   shell $(basename "$sh_test"): $p passed$(grep '^SKIP ' "$log" | sed 's/^SKIP /; skipped: /')"; fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
