"""Checks that every public function of the library was entered during a coverage run.

    python3 tests/coverage_functions.py include/margin.h build/cov/coverage.json

The public functions are the ones include/margin.h declares with MGN_API; the JSON is
gcovr's (--json) for lib/. Prints how many were entered and names every one that was
not (or that the report does not contain); exits 1 if there is any. Standard library
only (make coverage runs it).
"""
import json
import re
import sys


def public_functions(header_path):
    with open(header_path, encoding="utf-8") as f:
        text = f.read()
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)   # comments may mention names
    text = re.sub(r"//[^\n]*", " ", text)
    # "MGN_API <return type> name(" -- the declaration may span lines.
    names = re.findall(r"\bMGN_API\b[^;{}()]*?\b(mgn_\w+)\s*\(", text)
    return sorted(set(names))


def entered_counts(json_path):
    with open(json_path, encoding="utf-8") as f:
        report = json.load(f)
    counts = {}
    for entry in report.get("files", []):
        for fn in entry.get("functions", []):
            name = fn.get("name", "")
            counts[name] = counts.get(name, 0) + int(fn.get("execution_count", 0))
    return counts


def main(argv):
    if len(argv) != 3:
        sys.stderr.write("usage: coverage_functions.py include/margin.h coverage.json\n")
        return 2
    public = public_functions(argv[1])
    counts = entered_counts(argv[2])
    if not public:
        print("functions: no MGN_API declaration found in %s" % argv[1])
        return 1
    missing = [n for n in public if n not in counts]
    never = [n for n in public if n in counts and counts[n] == 0]
    entered = len(public) - len(missing) - len(never)
    print("functions: %d of %d public functions entered" % (entered, len(public)))
    for n in never:
        print("  never entered: %s" % n)
    for n in missing:
        print("  not in the coverage report: %s" % n)
    return 0 if not missing and not never else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
