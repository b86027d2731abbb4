#!/bin/sh
# The bad-input catalogue of tests/README.md matches the checks the unit tests ran:
# tests/run.sh keeps the records of the unit section (MGN_BAD_INPUT_LOG, see
# tests/bad_input.h) in the file named by MGN_BAD_INPUT_RECORDS, and
# tests/bad_input_catalogue.py --check-log rebuilds the tables from them. Fails when
# the file differs or a public function of the header has no record. Prints one
# "PASS ..." / "FAIL ..." line (tests/run.sh counts it), or "SKIP ..." when the unit
# tests did not all run in this invocation.
cd "$(dirname "$0")/.." || exit 1
log=$MGN_BAD_INPUT_RECORDS
if [ -z "$log" ] || [ ! -s "$log" ]; then
    echo "SKIP catalogue (no records: run through tests/run.sh with the unit tests)"
    exit 0
fi
tab=$(printf '\t')
for f in $(grep -l 'BAD_INPUT_BEGIN' tests/test_*.c); do
    if ! grep -q "^$(basename "$f")$tab" "$log"; then
        echo "SKIP catalogue (no records from $(basename "$f"): not every unit test ran)"
        exit 0
    fi
done
out=$(${PYTHON:-python3} tests/bad_input_catalogue.py --check-log tests/README.md "$log" 2>&1)
if [ $? -eq 0 ]; then
    echo "PASS catalogue tests/README.md matches the recorded bad-input checks"
else
    echo "FAIL catalogue tests/README.md"
    printf '%s\n' "$out" | head -n 60
fi
