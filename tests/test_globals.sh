#!/bin/sh
# Proves that the library holds no writable global (or thread-local) data: the
# conventions' "no global mutable state", checked on the binaries rather than by
# reading the sources.
#
#   1. Every object in build/obj (the library's own code, before the toolchain adds
#      anything): every writable allocated section other than .data.rel.ro* has size
#      0 - no .data, .bss, .tdata, .tbss, no COMMON symbols. Sections that hold no
#      named symbol (anonymous data) are caught by the size.
#   2. lib/libmargin.so: every symbol in a writable section is either in a section
#      the GNU_RELRO segment covers (.data.rel.ro, .init_array, .fini_array,
#      .dynamic, .got: read-only once the dynamic linker has relocated them), in
#      .got.plt (PLT slots the dynamic linker fills), or one of the toolchain symbols
#      listed in TOOLCHAIN below.
#   3. lib/libmargin.so has a GNU_RELRO segment and it covers .data.rel.ro.
#
# Output: one "PASS globals ..." / "FAIL globals ..." line per check (tests/run.sh
# counts them); a failure names every offending symbol and its section.
cd "$(dirname "$0")/.." || exit 1
so=lib/libmargin.so
objs=$(ls build/obj/*.o 2>/dev/null)

# Writable data the toolchain itself puts into every shared object (GCC 12, binutils,
# glibc crt files) - nothing of the library's:
#   __dso_handle        crtbeginS.o: identifies this DSO to __cxa_atexit  (.data)
#   __TMC_END__         crtendS.o: end marker of the transactional-memory clone table
#   completed.0 (.N)    crtstuff.c __do_global_dtors_aux: "destructors already ran"
#   __cpu_model, __cpu_features2, __cpu_features
#                       libgcc cpuinfo.c: CPU description filled once by
#                       __cpu_indicator_init, read by the target_clones resolvers
#                       (function multi-versioning of the vector kernels)
#   __bss_start _edata _end   linker-defined boundary markers (no storage)
TOOLCHAIN="__dso_handle __TMC_END__ __cpu_model __cpu_features2 __cpu_features __bss_start _edata _end"
is_toolchain() {
    case "$1" in completed.[0-9]*) return 0 ;; esac
    for t in $TOOLCHAIN; do [ "$1" = "$t" ] && return 0; done
    return 1
}

fail=0
pass() { echo "PASS globals $*"; }
failn() { echo "FAIL globals $*"; fail=1; }

# Writable allocated sections of a file: "name size" per line (readelf -SW, flag W and A).
wsections() {
    readelf -SW "$1" | sed -n 's/^ *\[ *[0-9]*\] //p' |
        awk '{ f = ""; for (i = 1; i <= NF; i++) if ($i ~ /^[A-Z]+$/ && i > 5) { f = $i; break }
               if (f ~ /W/ && f ~ /A/) print $1, $5 }'
}
# Symbols of a file with their section: "section name" (objdump -t), named objects only.
symbols() {
    objdump -t "$1" | sed -n 's/^[0-9a-f]* .\{7\} \([^ \t]*\)\t[0-9a-f]* *\(.*\)$/\1 \2/p' |
        awk 'NF == 2 && $2 !~ /^\./'
}

for tool in readelf objdump; do
    command -v $tool >/dev/null 2>&1 || { failn "$tool not installed (binutils)"; exit 1; }
done
if [ -z "$objs" ] || [ ! -f "$so" ]; then
    failn "build the library first (make): $so or build/obj/*.o missing"; exit 1
fi

# 1. objects
for o in $objs; do
    bad=$(wsections "$o" | awk '$1 !~ /^\.data\.rel\.ro/ && $2 !~ /^0+$/ { print $1 " (0x" $2 " bytes)" }')
    com=$(symbols "$o" | awk '$1 == "*COM*" { print $2 " (COMMON)" }')
    if [ -n "$bad$com" ]; then
        syms=$(symbols "$o" | awk '$1 ~ /^\.(data|bss|tdata|tbss)/ && $1 !~ /^\.data\.rel\.ro/ { print $2 " in " $1 }')
        failn "$(basename "$o"): writable data: $(echo $bad $com) -- symbols: $(echo $syms)"
    else
        pass "$(basename "$o"): no .data/.bss/TLS"
    fi
done

# 2. shared object
relro=$(readelf -lW "$so" | awk '/Section to Segment mapping/ { m = 1; next } m' |
        awk -v idx="$(readelf -lW "$so" | awk '/^ *[A-Z_]+ +0x/ { n++; if ($1 == "GNU_RELRO") print n - 1 }')" \
            '$1 + 0 == idx && $1 ~ /^[0-9]+$/ { $1 = ""; print }')
wsec=$(wsections "$so" | awk '{ print $1 }')
offenders=""
for sec in $wsec; do
    case " $relro " in *" $sec "*) continue ;; esac   # read-only after relocation
    [ "$sec" = .got.plt ] && continue
    for s in $(symbols "$so" | awk -v s="$sec" '$1 == s { print $2 }'); do
        is_toolchain "$s" || offenders="$offenders $s($sec)"
    done
done
if [ -n "$offenders" ]; then
    failn "libmargin.so: writable global data beyond the toolchain's:$offenders"
else
    pass "libmargin.so: writable sections hold only toolchain symbols ($(symbols "$so" |
        awk -v r=" $relro " '($1 ~ /^\.(data|bss|tdata|tbss)$/) { print $2 }' | sort | tr '\n' ' '| sed 's/ $//'))"
fi

# 3. RELRO covers .data.rel.ro
if [ -z "$relro" ]; then
    failn "libmargin.so: no GNU_RELRO segment (link with -z relro)"
elif echo "$wsec" | grep -qx '\.data\.rel\.ro' && ! case " $relro " in *" .data.rel.ro "*) true ;; *) false ;; esac; then
    failn "libmargin.so: .data.rel.ro is not inside the GNU_RELRO segment ($relro)"
else
    pass "libmargin.so: GNU_RELRO covers$relro"
fi
exit $fail
