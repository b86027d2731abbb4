#!/bin/sh
# Compiles include/margin.h on its own as C99, C11, C17 (gcc and clang) and as C++11,
# C++17 (g++ and clang++), warning-free under -Wall -Wextra -Wpedantic -Werror, syntax
# only. One line per compile: "PASS header ..." or "FAIL header ..." (tests/run.sh
# counts them); a compiler that is not installed is reported with "SKIP" and not
# counted. Exit status: non-zero when any compile failed.
cd "$(dirname "$0")/.." || exit 1
hdr=include/margin.h
flags="-Wall -Wextra -Wpedantic -Werror -fsyntax-only"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
# A translation unit that includes only the header, and one that also takes the
# address of a function and uses a struct and the macros, so the declarations are used.
printf '#include "margin.h"\n' > "$tmp/a.c"
cat > "$tmp/b.c" <<'EOT'
#include "margin.h"
int mgn_header_probe(void);
int mgn_header_probe(void)
{
    mgn_greeks g;
    int (*f)(mgn_option_type, double, double, double, double, double, double, double *) = mgn_bs_price;
    g.price = 0;
    return (int)sizeof g + (f != 0) + MGN_VERSION_NUMBER + MGN_QUOTE + MGN_OK;
}
EOT
cp "$tmp/a.c" "$tmp/a.cpp"; cp "$tmp/b.c" "$tmp/b.cpp"
fail=0
check() {   # $1 compiler, $2 language (c / c++), $3 standard
    if ! command -v "$1" >/dev/null 2>&1; then
        echo "SKIP header $1 -std=$3: $1 not installed"; return
    fi
    ext=c; [ "$2" = c++ ] && ext=cpp
    for tu in a b; do
        if ! "$1" -x "$2" -std="$3" $flags -Iinclude "$tmp/$tu.$ext" >"$tmp/log" 2>&1; then
            echo "FAIL header $1 -std=$3 ($hdr, probe $tu)"; sed 's/^/    /' "$tmp/log"; fail=1; return
        fi
    done
    echo "PASS header $1 -std=$3"
}
for std in c99 c11 c17; do
    check gcc c $std
    check clang c $std
done
for std in c++11 c++17; do
    check g++ c++ $std
    check clang++ c++ $std
done
exit $fail
