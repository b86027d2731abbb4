# libmargin - GNU make build
#
#   make                 lib/libmargin.a and lib/libmargin.so (soname libmargin.so.1)
#   make test            every test: unit tests, Python binding tests, the shell tests
#                        (tests/test_header.sh: the header alone as C99/C11/C17/C++11/
#                        C++17; tests/test_globals.sh: no writable global data in the
#                        binaries), and the same unit tests again under AddressSanitizer
#                        + UBSan
#   make test-valgrind   the unit tests under valgrind memcheck (fails on any error or leak)
#   make scan            the randomised accuracy tests (named *_random) with SCAN_SCALE
#                        (default 100) times their cases, each printing its worst error
#   make test-tsan       ThreadSanitizer build of the library; runs tests/test_threads.c
#                        and the other tests of threaded functions under it
#   make fuzz            every libFuzzer target for FUZZ_SECONDS (default 60) each; needs
#                        clang (tests/fuzz/README.md); make test replays their kept inputs
#   make abi-check       the built ABI against the baseline tests/abi/ (abigail-tools)
#   make lint            static analysis of lib/: cppcheck, clang's analyzer (scan-build)
#                        and gcc -fanalyzer; fails on any finding (needs cppcheck,
#                        clang-tools and clang, gcc >= 10)
#   make coverage        line, branch and function coverage of lib/ under the unit, fuzz
#                        replay and Python tests (gcov + gcovr); fails below 95% of
#                        lines, 85% of branches, or when a public function never ran
#   make bench           benchmarks (bench/README.md explains the figures)
#   make bench-quantlib  QuantLib's pricers timed on the same inputs (needs libquantlib0-dev)
#   make examples        example programs in build/examples/
#   make demo            runs the main example
#   make install PREFIX=/usr/local   (DESTDIR honoured) / make uninstall
#   make clean
#
# Missing build dependencies (GSL, cmocka, pkg-config) are installed with apt-get when
# this user can (root, or sudo without a password); otherwise make stops and names them.

VERSION_MAJOR := 1
VERSION       := 1.0.0
PREFIX        ?= /usr/local
LIBDIR        ?= $(PREFIX)/lib
INCLUDEDIR    ?= $(PREFIX)/include
PKGCONFIGDIR  ?= $(LIBDIR)/pkgconfig

CC      ?= cc
CXX     ?= c++
# An interpreter with numpy: Debian's python3-numpy installs for /usr/bin/python3.
PYTHON  ?= $(shell for p in /usr/bin/python3 python3; do $$p -c 'import numpy' 2>/dev/null && { echo $$p; exit; }; done; echo python3)

WARN     := -Wall -Wextra -Wpedantic
OPT      ?= -O2
# -fno-math-errno lets the vectoriser call the vector math library (libm never needs
# errno here: every domain is checked before a call). -fopenmp-simd enables the
# 'omp simd' hints only; no OpenMP runtime is linked.
LIBCFLAGS = -std=c99 $(OPT) $(WARN) -fPIC -fvisibility=hidden -fno-math-errno -fopenmp-simd \
            $(CC_FP_FLAGS) -Iinclude -Ilib $(GSL_CFLAGS) $(CFLAGS) $(KERNEL_CFLAGS)
GSL_CFLAGS = $(shell pkg-config --cflags gsl 2>/dev/null)
GSL_LIBS   = $(shell pkg-config --libs gsl 2>/dev/null || echo -lgsl -lgslcblas)
# (the probes write to a temporary file: a linker run as root may replace a /dev/null
# that is not a device with its output)
MVEC_LIBS  = $(shell t=$$(mktemp) && { printf 'int main(void){return 0;}' | $(CC) -x c - -lmvec -o $$t 2>/dev/null && echo -lmvec; rm -f $$t; })
LIBS       = $(GSL_LIBS) $(MVEC_LIBS) -lm
CMOCKA_LIBS = $(shell pkg-config --libs cmocka 2>/dev/null || echo -lcmocka)

LIB_SRC  := $(wildcard lib/*.c)
LIB_HDR  := include/margin.h $(wildcard lib/*.h) Makefile
LIB_OBJ  := $(LIB_SRC:lib/%.c=build/obj/%.o)
TEST_SRC := $(wildcard tests/test_*.c)
TEST_HDR := $(wildcard tests/*.h)
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_NAMES := $(FUZZ_SRC:tests/fuzz/fuzz_%.c=%)
TEST_BIN := $(TEST_SRC:tests/%.c=build/tests/%) $(FUZZ_NAMES:%=build/tests/fuzz_%)
ASAN_OBJ := $(LIB_SRC:lib/%.c=build/asan/obj/%.o)
ASAN_BIN := $(TEST_SRC:tests/%.c=build/asan/tests/%) $(FUZZ_NAMES:%=build/asan/tests/fuzz_%)
EX_SRC   := $(wildcard examples/*.c)
EX_BIN   := $(EX_SRC:examples/%.c=build/examples/%)
BENCH_SRC:= $(wildcard bench/bench_*.c)
BENCH_BIN:= $(BENCH_SRC:bench/%.c=build/bench/%)

STATIC   := lib/libmargin.a
SHARED   := lib/libmargin.so.$(VERSION)
SONAME   := libmargin.so.$(VERSION_MAJOR)

SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer -g

.PHONY: all deps test test-unit test-python test-asan test-valgrind test-tsan coverage bench bench-quantlib examples demo \
        install uninstall clean fuzz fuzz-build fuzz-merge abi-check abi-baseline \
        lint lint-cppcheck lint-clang lint-gcc scan
.DELETE_ON_ERROR:

all: deps $(STATIC) lib/libmargin.so

# ---------------------------------------------------------------- dependencies
DEP_PKGS := libgsl-dev libcmocka-dev pkg-config
deps:
	@missing=""; \
	command -v pkg-config >/dev/null 2>&1 || missing="$$missing pkg-config"; \
	pkg-config --exists gsl 2>/dev/null || [ -f /usr/include/gsl/gsl_math.h ] || missing="$$missing libgsl-dev"; \
	pkg-config --exists cmocka 2>/dev/null || [ -f /usr/include/cmocka.h ] || missing="$$missing libcmocka-dev"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; elif sudo -n true 2>/dev/null; then SUDO="sudo -n"; else SUDO=none; fi; \
	  if [ "$$SUDO" != none ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing build dependencies:$$missing"; \
	    $$SUDO apt-get update -qq >/dev/null && \
	    DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $(DEP_PKGS) >/dev/null || \
	    { echo "error: could not install$$missing; install them (Debian/Ubuntu: apt-get install $(DEP_PKGS))"; exit 1; }; \
	  else \
	    echo "error: missing build dependencies:$$missing (Debian/Ubuntu: sudo apt-get install $(DEP_PKGS))"; exit 1; \
	  fi; \
	fi

# ---------------------------------------------------------------- library
# The vector kernels (see the comment at the top of lib/batch.c). Set per object in
# KERNEL_CFLAGS, which a CFLAGS given on the command line (make CFLAGS=-g) does not
# replace: without these flags GCC does not vectorise the kernels' loops. Clang has
# no -fno-tree-pre and builds plain loops (lib/simd.h).
GCC_VECTOR_FLAGS := -fno-trapping-math -fno-tree-pre
CC_IS_CLANG  := $(findstring clang,$(shell $(CC) --version 2>/dev/null | head -n 1))
VECTOR_FLAGS := $(if $(CC_IS_CLANG),,$(GCC_VECTOR_FLAGS))
# Clang otherwise evaluates floating-point operations speculatively (a division
# hoisted above the test that guards it), raising exception flags the code does not
# raise; the library leaves the caller's flags as found (tests/test_fpenv.c).
CC_FP_FLAGS  := $(if $(CC_IS_CLANG),-ffp-exception-behavior=maytrap)
VECTOR_UNITS := batch scenario implied_vol_batch
$(VECTOR_UNITS:%=build/obj/%.o) $(VECTOR_UNITS:%=build/asan/obj/%.o): KERNEL_CFLAGS = $(VECTOR_FLAGS)
# The American pricer's loops contract a * b + c into fused multiply-adds where the
# clone running has them (the AVX-512 one; the portable and AVX2 clones have none): the
# median American price 3% faster, within its 1e-6 as before (tests/test_american.c).
# In lib/american.c only: the European pricers rely on exactly rounded products (the
# error-free ones in lib/internal.h, the normal distribution's exponent), which
# american.c neither has nor inlines. (Clang contracts within expressions by default.)
AMERICAN_FLAGS := -ffp-contract=fast
build/obj/american.o build/asan/obj/american.o: KERNEL_CFLAGS = $(AMERICAN_FLAGS)

build/obj/%.o: lib/%.c $(LIB_HDR) | deps
	@mkdir -p $(@D)
	$(CC) $(LIBCFLAGS) -c $< -o $@

$(STATIC): $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(SHARED): $(LIB_OBJ)
	$(CC) -shared -Wl,-soname,$(SONAME) -Wl,-z,defs -Wl,--as-needed $(LDFLAGS) -o $@ $^ $(LIBS)

lib/libmargin.so: $(SHARED)
	ln -sf libmargin.so.$(VERSION) lib/$(SONAME)
	ln -sf libmargin.so.$(VERSION) lib/libmargin.so

# ---------------------------------------------------------------- tests
# The tests' 113-bit references use GCC's libquadmath; clang finds its header in
# GCC's own include directory, searched after the system ones.
TEST_CFLAGS = -std=c99 -O1 -g $(WARN) -Wno-unused-parameter -Iinclude -Ilib -Itests $(GSL_CFLAGS) $(CFLAGS) \
              $(if $(CC_IS_CLANG),-idirafter $(shell gcc -print-file-name=include 2>/dev/null))

build/tests/%: tests/%.c $(TEST_HDR) $(STATIC) | deps
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) $< -o $@ $(STATIC) $(CMOCKA_LIBS) $(LIBS) -lquadmath

build/asan/obj/%.o: lib/%.c $(LIB_HDR) | deps
	@mkdir -p $(@D)
	$(CC) $(LIBCFLAGS) $(SANFLAGS) -O1 -c $< -o $@

build/asan/libmargin.a: $(ASAN_OBJ)
	@rm -f $@
	ar rcs $@ $^

build/asan/tests/%: tests/%.c $(TEST_HDR) build/asan/libmargin.a | deps
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) $(SANFLAGS) $< -o $@ build/asan/libmargin.a $(CMOCKA_LIBS) $(LIBS) -lquadmath

# The fuzz targets' kept inputs (tests/fuzz/corpus/NAME, tests/fuzz/crashes/NAME)
# replayed as unit tests, plainly and under ASan + UBSan: tests/fuzz/replay.c.
FUZZ_HDR := $(wildcard tests/fuzz/*.h) tests/fuzz/replay.c
build/tests/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_HDR) $(STATIC) | deps
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) -DFUZZ_NAME='"$*"' $< tests/fuzz/replay.c -o $@ $(STATIC) $(CMOCKA_LIBS) $(LIBS)

build/asan/tests/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_HDR) build/asan/libmargin.a | deps
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) $(SANFLAGS) -DFUZZ_NAME='"$*"' $< tests/fuzz/replay.c -o $@ build/asan/libmargin.a $(CMOCKA_LIBS) $(LIBS)

# make test: everything, one summary line at the end. MGN_TEST_FILTER (a cmocka
# glob) narrows the unit tests while working on one module.
test: all $(TEST_BIN) $(ASAN_BIN)
	@PYTHON="$(PYTHON)" sh tests/run.sh $(TEST_BIN) -- $(ASAN_BIN)

test-unit: all $(TEST_BIN)
	@PYTHON="$(PYTHON)" MGN_SKIP_PYTHON=1 sh tests/run.sh $(TEST_BIN) --

# The randomised accuracy tests at scale: each *_random test draws the same cases as in
# make test and SCAN_SCALE - 1 times as many more (tests/README.md lists them).
SCAN_SCALE ?= 100
UNIT_BIN := $(TEST_SRC:tests/%.c=build/tests/%)
scan: all $(UNIT_BIN)
	@MGN_TEST_FILTER='*_random' MGN_TEST_SCALE=$(SCAN_SCALE) MGN_SECTION=scan MGN_SKIP_PYTHON=1 \
	  MGN_SKIP_SHELL=1 MGN_SHOW_MESSAGES=1 sh tests/run.sh $(UNIT_BIN) --

# The unit tests (the normal build, not the ASan one) under valgrind memcheck. Under
# valgrind the CPU dispatch picks a non-AVX-512 clone of the vector kernels (valgrind
# does not emulate AVX-512), so this checks the AVX2/SSE paths.
VALGRIND ?= valgrind
VALGRIND_FLAGS ?= -q --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite,indirect,possible
test-valgrind: all $(TEST_BIN)
	@command -v $(VALGRIND) >/dev/null 2>&1 || { echo "valgrind not installed (Debian: apt-get install valgrind)"; exit 1; }
	@MGN_TEST_WRAPPER="$(VALGRIND) $(VALGRIND_FLAGS)" MGN_SECTION=valgrind MGN_SKIP_PYTHON=1 MGN_SKIP_SHELL=1 \
	  sh tests/run.sh $(TEST_BIN) --

# ThreadSanitizer: the library and the tests of everything that runs threads, built
# with -fsanitize=thread (TSAN_CC, default $(CC); TSAN_CC=clang builds without the
# GCC-only vector kernels). With GCC the library objects are built without TSan's
# function entry/exit hooks: the target_clones resolvers (ifuncs) run while the
# dynamic loader relocates the program, before the TSan runtime exists, and crash if
# instrumented. Memory accesses are still all checked; reports then show the racing
# access's own frame in the library (full stacks in the test code).
TSAN_CC    ?= $(CC)
TSANFLAGS  := -fsanitize=thread -fno-omit-frame-pointer -g
TSAN_IS_CLANG := $(findstring clang,$(shell $(TSAN_CC) --version 2>/dev/null | head -n 1))
TSAN_LIBFLAGS := $(if $(TSAN_IS_CLANG),,--param=tsan-instrument-func-entry-exit=0)
TSAN_OBJ   := $(LIB_SRC:lib/%.c=build/tsan/obj/%.o)
TSAN_BIN   := $(patsubst %,build/tsan/tests/%,test_threads test_account test_historical test_montecarlo)
$(VECTOR_UNITS:%=build/tsan/obj/%.o): KERNEL_CFLAGS = $(if $(TSAN_IS_CLANG),,$(GCC_VECTOR_FLAGS))
build/tsan/obj/american.o: KERNEL_CFLAGS = $(AMERICAN_FLAGS)

build/tsan/obj/%.o: lib/%.c $(LIB_HDR) | deps
	@mkdir -p $(@D)
	$(TSAN_CC) $(LIBCFLAGS) $(TSANFLAGS) $(TSAN_LIBFLAGS) -O1 -c $< -o $@

build/tsan/libmargin.a: $(TSAN_OBJ)
	@rm -f $@
	ar rcs $@ $^

build/tsan/tests/%: tests/%.c $(TEST_HDR) build/tsan/libmargin.a | deps
	@mkdir -p $(@D)
	$(TSAN_CC) $(TEST_CFLAGS) $(TSANFLAGS) $< -o $@ build/tsan/libmargin.a $(CMOCKA_LIBS) $(LIBS) -lquadmath -lpthread

test-tsan: all $(TSAN_BIN)
	@TSAN_OPTIONS="halt_on_error=1 $(TSAN_OPTIONS)" MGN_SECTION=tsan MGN_SKIP_PYTHON=1 MGN_SKIP_SHELL=1 \
	  sh tests/run.sh $(TSAN_BIN) --

# ---------------------------------------------------------------- static analysis
# make lint: three analysers over lib/, each failing on any finding. A false positive
# is suppressed where it occurs, with its reason: a cppcheck-suppress comment, or
# MGN_ANALYZER_ASSUME (lib/internal.h) for an invariant clang's analyzer loses.
#   cppcheck     warning, style, performance and portability checks; 'information'
#                too, which reports inline suppressions that no longer match anything
#   scan-build   clang's analyzer while compiling every lib/*.c with clang and the
#                library's flags (-Werror: the clang build stays warning-free too);
#                reports of findings go to build/lint/scan-build/
#   gcc          -fanalyzer -Werror with the library's flags, plus -DMGN_PLAIN_KERNELS:
#                GCC's analyzer follows neither the target_clones dispatch nor the
#                'omp simd' lowering of the vector kernels and reports what they write
#                as uninitialised, so it analyses them as the plain loops (the same
#                source) that other compilers build
# LINT_JOBS (default 2): parallel jobs of each analyser (under make -jN, make's own).
CPPCHECK   ?= cppcheck
SCAN_BUILD ?= scan-build
LINT_CLANG ?= clang
LINT_GCC   ?= gcc
LINT_JOBS  ?= 2
LINT_DIR   := build/lint
LINT_CFLAGS = -std=c99 $(OPT) $(WARN) -Werror -fPIC -fvisibility=hidden -fno-math-errno -fopenmp-simd \
              -Iinclude -Ilib $(GSL_CFLAGS) $(CFLAGS) $(KERNEL_CFLAGS)
LINT_SCAN_OBJ := $(LIB_SRC:lib/%.c=$(LINT_DIR)/scan/%.o)
LINT_GCC_OBJ  := $(LIB_SRC:lib/%.c=$(LINT_DIR)/gcc/%.o)
LINT_SUBMAKE_J = $(if $(findstring -j,$(MAKEFLAGS)),,-j$(LINT_JOBS))
CPPCHECK_FLAGS := --std=c99 --enable=warning,style,performance,portability,information \
                  --inline-suppr --error-exitcode=1 --quiet -j$(LINT_JOBS) -Iinclude -Ilib

lint: lint-cppcheck lint-gcc lint-clang
	@echo "lint: no findings (cppcheck, gcc -fanalyzer, clang analyzer)"

lint-cppcheck:
	@command -v $(CPPCHECK) >/dev/null 2>&1 || { echo "cppcheck not installed (Debian: apt-get install cppcheck)"; exit 1; }
	$(CPPCHECK) $(CPPCHECK_FLAGS) lib/

# Objects are kept only when the analysis passed (.DELETE_ON_ERROR), so an unchanged
# file is not analysed again.
lint-gcc: | deps
	@command -v $(LINT_GCC) >/dev/null 2>&1 || { echo "gcc not installed (Debian: apt-get install gcc)"; exit 1; }
	@t=$$(mktemp) && echo 'int x;' | $(LINT_GCC) -fanalyzer -x c -c - -o $$t 2>/dev/null; st=$$?; rm -f $$t; [ $$st -eq 0 ] || \
	  { echo "$(LINT_GCC) has no -fanalyzer (GCC 10 or later; Debian: apt-get install gcc)"; exit 1; }
	@$(MAKE) --no-print-directory $(LINT_SUBMAKE_J) $(LINT_GCC_OBJ)

$(VECTOR_UNITS:%=$(LINT_DIR)/gcc/%.o): KERNEL_CFLAGS = $(GCC_VECTOR_FLAGS)
$(LINT_DIR)/gcc/american.o: KERNEL_CFLAGS = $(AMERICAN_FLAGS)

$(LINT_DIR)/gcc/%.o: lib/%.c $(LIB_HDR)
	@mkdir -p $(@D)
	$(LINT_GCC) $(LINT_CFLAGS) -DMGN_PLAIN_KERNELS -fanalyzer -c $< -o $@

# scan-build analyses what it sees compiled, so every object is built afresh; it
# passes its compiler wrapper in CC, handed on as LINT_SCAN_CC (a CC given to make
# on the command line would otherwise replace it).
lint-clang: | deps
	@command -v $(SCAN_BUILD) >/dev/null 2>&1 || { echo "scan-build not installed (Debian: apt-get install clang-tools)"; exit 1; }
	@command -v $(LINT_CLANG) >/dev/null 2>&1 || { echo "clang not installed (Debian: apt-get install clang)"; exit 1; }
	@rm -rf $(LINT_DIR)/scan $(LINT_DIR)/scan-build
	$(SCAN_BUILD) --use-cc=$(LINT_CLANG) --status-bugs -o $(LINT_DIR)/scan-build \
	  sh -c '$(MAKE) --no-print-directory $(LINT_SUBMAKE_J) LINT_SCAN_CC="$$CC" $(LINT_SCAN_OBJ)'

$(LINT_DIR)/scan/%.o: lib/%.c $(LIB_HDR)
	@mkdir -p $(@D)
	$(LINT_SCAN_CC) $(LINT_CFLAGS) -c $< -o $@
# ---------------------------------------------------------------- coverage
# The library built with --coverage in build/cov/: -O0, atomic counters (some functions
# run threads), one version of each vector kernel (MGN_NO_MULTIVERSION: no AVX2/AVX-512
# clone the CPU never runs counts as unexecuted). The unit tests and the fuzz replays
# are linked against it and the Python tests load its shared object; tests/run.sh runs
# them, gcovr reports on lib/ only (build/cov/coverage.txt, .json) and
# tests/coverage_functions.py checks that every public function of include/margin.h
# was entered. Needs gcovr (Debian: apt-get install gcovr). Thresholds in percent:
# COV_LINES, COV_BRANCHES (a ratchet just below the measured figures, tests/README.md).
GCOVR        ?= gcovr
COV_LINES    ?= 99
COV_BRANCHES ?= 95
COVFLAGS     := --coverage -fprofile-update=atomic -O0 -g -DMGN_NO_MULTIVERSION
COV_OBJ      := $(LIB_SRC:lib/%.c=build/cov/obj/%.o)
COV_BIN      := $(TEST_SRC:tests/%.c=build/cov/tests/%) $(FUZZ_NAMES:%=build/cov/tests/fuzz_%)
$(VECTOR_UNITS:%=build/cov/obj/%.o): KERNEL_CFLAGS = $(VECTOR_FLAGS)
build/cov/obj/american.o: KERNEL_CFLAGS = $(AMERICAN_FLAGS)

build/cov/obj/%.o: lib/%.c $(LIB_HDR) | deps
	@mkdir -p $(@D)
	$(CC) $(LIBCFLAGS) $(COVFLAGS) -c $< -o $@

build/cov/libmargin.a: $(COV_OBJ)
	@rm -f $@
	ar rcs $@ $^

build/cov/libmargin.so: $(COV_OBJ)
	$(CC) -shared --coverage -Wl,-soname,$(SONAME) -Wl,-z,defs $(LDFLAGS) -o $@ $^ $(LIBS)

build/cov/tests/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_HDR) build/cov/libmargin.a | deps
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) -DFUZZ_NAME='"$*"' $< tests/fuzz/replay.c -o $@ build/cov/libmargin.a -lgcov $(CMOCKA_LIBS) $(LIBS)

build/cov/tests/%: tests/%.c $(TEST_HDR) build/cov/libmargin.a | deps
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) $< -o $@ build/cov/libmargin.a -lgcov $(CMOCKA_LIBS) $(LIBS) -lquadmath

coverage: $(COV_BIN) build/cov/libmargin.so
	@command -v $(GCOVR) >/dev/null 2>&1 || { echo "gcovr not installed (Debian: apt-get install gcovr)"; exit 1; }
	@find build/cov -name '*.gcda' -delete
	@PYTHON="$(PYTHON)" MGN_TEST_LIBRARY="$(CURDIR)/build/cov/libmargin.so" MGN_SECTION=coverage \
	  MGN_SKIP_SHELL=1 sh tests/run.sh $(COV_BIN) --; tests=$$?; \
	$(GCOVR) --root . --filter 'lib/' --exclude-unreachable-branches --exclude-throw-branches \
	  --txt build/cov/coverage.txt --json build/cov/coverage.json build/cov/obj; \
	cat build/cov/coverage.txt; \
	$(GCOVR) --add-tracefile build/cov/coverage.json --print-summary --txt build/cov/summary.txt \
	  --fail-under-line $(COV_LINES) --fail-under-branch $(COV_BRANCHES); figures=$$?; \
	$(PYTHON) tests/coverage_functions.py include/margin.h build/cov/coverage.json; functions=$$?; \
	[ $$figures -eq 0 ] || echo "coverage below $(COV_LINES)% of lines or $(COV_BRANCHES)% of branches"; \
	[ $$tests -eq 0 ] || echo "tests failed"; \
	[ $$tests -eq 0 ] && [ $$figures -eq 0 ] && [ $$functions -eq 0 ]

# ---------------------------------------------------------------- fuzzing
# libFuzzer targets (clang; Debian: clang and libclang-rt-dev), one per public entry
# point or family, with the library and the target under ASan + UBSan.
#   make fuzz FUZZ_SECONDS=N [FUZZ_RUNS=N]   every target for N seconds (or N runs)
#   make fuzz-NAME ...                       one target (make -j2 fuzz runs two at once)
#   make fuzz-merge                          minimise the new inputs into tests/fuzz/corpus
# New inputs go to build/fuzz/corpus/NAME; an input that finds a fault is written to
# tests/fuzz/crashes/NAME/ and from then on replayed by make test.
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_RUNS    ?= -1
FUZZ_OPTS    ?=
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer -g -O1
FUZZ_OBJ     := $(LIB_SRC:lib/%.c=build/fuzz/obj/%.o)
FUZZ_BIN     := $(FUZZ_NAMES:%=build/fuzz/fuzz_%)

# One clear line when clang or its libFuzzer runtime is missing.
build/fuzz/.toolcheck:
	@mkdir -p $(@D)
	@printf 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n) { (void)d; (void)n; return 0; }\n' > $(@D)/toolcheck.c
	@$(FUZZ_CC) -fsanitize=fuzzer,address,undefined $(@D)/toolcheck.c -o $(@D)/toolcheck >/dev/null 2>&1 || \
	  { echo "error: fuzzing needs clang with libFuzzer (Debian: apt-get install clang libclang-rt-dev)"; exit 1; }
	@touch $@

# The library keeps libFuzzer's edge coverage and both sanitizers but not its tracing
# of integer comparisons (trace-cmp): those are loop bounds and checks on values the
# targets decode from the input, where the fuzzer's comparison hints do not map back to
# input bytes, and the tracing took a third to a half of the time of the targets that
# value portfolios (three quarters for American options). The targets keep it.
build/fuzz/obj/american.o: KERNEL_CFLAGS = $(AMERICAN_FLAGS)
build/fuzz/obj/%.o: lib/%.c $(LIB_HDR) | deps build/fuzz/.toolcheck
	@mkdir -p $(@D)
	$(FUZZ_CC) $(LIBCFLAGS) $(FUZZ_SAN) -fsanitize=fuzzer-no-link \
	  -fno-sanitize-coverage=trace-cmp -c $< -o $@

build/fuzz/libmargin.a: $(FUZZ_OBJ)
	@rm -f $@
	ar rcs $@ $^

build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(wildcard tests/fuzz/*.h) build/fuzz/libmargin.a | deps
	@mkdir -p $(@D)
	$(FUZZ_CC) -std=c99 $(WARN) -Iinclude $(FUZZ_SAN) -fsanitize=fuzzer $< -o $@ build/fuzz/libmargin.a $(LIBS)

fuzz-build: $(FUZZ_BIN)

fuzz-%: build/fuzz/fuzz_%
	@mkdir -p build/fuzz/corpus/$* tests/fuzz/crashes/$*
	$< -max_total_time=$(FUZZ_SECONDS) -runs=$(FUZZ_RUNS) -print_final_stats=1 \
	   -artifact_prefix=tests/fuzz/crashes/$*/ $(FUZZ_OPTS) build/fuzz/corpus/$* tests/fuzz/corpus/$*

fuzz: $(FUZZ_NAMES:%=fuzz-%)

fuzz-merge: $(FUZZ_BIN)
	@for t in $(FUZZ_NAMES); do mkdir -p tests/fuzz/corpus/$$t build/fuzz/corpus/$$t; \
	  build/fuzz/fuzz_$$t -merge=1 tests/fuzz/corpus/$$t build/fuzz/corpus/$$t 2>&1 | tail -n 1; done

test-python: all
	MARGIN_LIBRARY=$(CURDIR)/lib/libmargin.so $(PYTHON) -m unittest discover -s tests/python -v

# ---------------------------------------------------------------- ABI guard
# make abi-check: libabigail's abidiff (Debian: abigail-tools) compares the ABI of the
# library built from this tree (the same flags plus -g, in build/abi/) with the
# baseline of this major version kept in tests/abi/. An incompatible change fails;
# additions pass. make abi-baseline records the current ABI as the baseline (at a
# release, or after a major version bump).
ABI_BASELINE := tests/abi/libmargin.so.$(VERSION_MAJOR).abi
ABI_OBJ      := $(LIB_SRC:lib/%.c=build/abi/obj/%.o)
ABIDW_FLAGS  := --headers-dir include --drop-private-types --no-corpus-path
$(VECTOR_UNITS:%=build/abi/obj/%.o): KERNEL_CFLAGS = $(VECTOR_FLAGS)
build/abi/obj/american.o: KERNEL_CFLAGS = $(AMERICAN_FLAGS)

build/abi/obj/%.o: lib/%.c $(LIB_HDR) | deps
	@mkdir -p $(@D)
	$(CC) $(LIBCFLAGS) -g -c $< -o $@

build/abi/$(SONAME): $(ABI_OBJ)
	$(CC) -shared -Wl,-soname,$(SONAME) -Wl,-z,defs -Wl,--as-needed $(LDFLAGS) -o $@ $^ $(LIBS)

build/abi/current.abi: build/abi/$(SONAME)
	@command -v abidw >/dev/null 2>&1 || { echo "error: abidw not installed (Debian: apt-get install abigail-tools)"; exit 1; }
	abidw $(ABIDW_FLAGS) --out-file $@ $<

abi-check: build/abi/current.abi
	@command -v abidiff >/dev/null 2>&1 || { echo "error: abidiff not installed (Debian: apt-get install abigail-tools)"; exit 1; }
	@[ -f $(ABI_BASELINE) ] || { echo "error: no ABI baseline $(ABI_BASELINE) for major version $(VERSION_MAJOR); run make abi-baseline"; exit 1; }
	@abidiff --no-added-syms $(ABI_BASELINE) build/abi/current.abi > build/abi/report.txt; rc=$$?; \
	if [ $$((rc & 3)) -ne 0 ]; then cat build/abi/report.txt; echo "error: abidiff failed (status $$rc)"; exit 1; \
	elif [ $$((rc & 12)) -ne 0 ]; then cat build/abi/report.txt; \
	  echo "error: incompatible ABI change against $(ABI_BASELINE): programs built against libmargin.so.$(VERSION_MAJOR) would break."; \
	  echo "       Keep the old declarations, or bump the major version (MGN_VERSION_MAJOR in include/margin.h and VERSION_MAJOR in the Makefile, so the soname becomes libmargin.so.$$(($(VERSION_MAJOR) + 1))) and run make abi-baseline."; exit 1; \
	else echo "abi-check: every declaration of $(ABI_BASELINE) is unchanged in $(SONAME) (additions are compatible)"; fi

abi-baseline: build/abi/current.abi
	@mkdir -p $(@D) tests/abi
	cp build/abi/current.abi $(ABI_BASELINE)

# ---------------------------------------------------------------- examples
build/examples/%: examples/%.c $(wildcard examples/*.h) $(STATIC)
	@mkdir -p $(@D)
	$(CC) -std=c99 -O2 $(WARN) -Iinclude $< -o $@ $(STATIC) $(LIBS)

examples: all $(EX_BIN)

# The main demo: margin of the bundled book (examples/data) under every method, then
# the accounts' status, liquidation prices, a what-if order and a -30% cascade.
demo: all build/examples/span_margin build/examples/liquidation_monitor
	build/examples/span_margin examples/data/book.csv
	build/examples/liquidation_monitor

# ---------------------------------------------------------------- benchmarks
BENCH_CFLAGS = -std=c99 -O2 $(WARN) -Iinclude -Ilib $(CFLAGS)

build/bench/%: bench/%.c bench/bench_util.h $(STATIC)
	@mkdir -p $(@D)
	$(CC) $(BENCH_CFLAGS) $< -o $@ $(STATIC) $(LIBS) -ldl

bench: all $(BENCH_BIN)
	@for b in $(BENCH_BIN); do echo "== $$b"; $$b || exit 1; done

build/bench/bench_quantlib: bench/quantlib/bench_quantlib.cpp bench/bench_util.h $(STATIC)
	@mkdir -p $(@D)
	$(CXX) -std=c++17 -O2 -Iinclude -Ibench $< -o $@ $(STATIC) $$(pkg-config --cflags --libs quantlib 2>/dev/null || echo -lQuantLib) $(LIBS)

bench-quantlib: all
	@if pkg-config --exists quantlib 2>/dev/null || [ -d /usr/include/ql ]; then \
	  $(MAKE) --no-print-directory build/bench/bench_quantlib && build/bench/bench_quantlib; \
	else echo "QuantLib not installed (Debian: apt-get install libquantlib0-dev)"; exit 1; fi

# ---------------------------------------------------------------- install
install: all
	install -d $(DESTDIR)$(INCLUDEDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(PKGCONFIGDIR)
	install -m 644 include/margin.h $(DESTDIR)$(INCLUDEDIR)/margin.h
	install -m 644 $(STATIC) $(DESTDIR)$(LIBDIR)/libmargin.a
	install -m 755 $(SHARED) $(DESTDIR)$(LIBDIR)/libmargin.so.$(VERSION)
	ln -sf libmargin.so.$(VERSION) $(DESTDIR)$(LIBDIR)/$(SONAME)
	ln -sf libmargin.so.$(VERSION) $(DESTDIR)$(LIBDIR)/libmargin.so
	printf '%s\n' 'prefix=$(PREFIX)' 'libdir=$(LIBDIR)' 'includedir=$(INCLUDEDIR)' '' \
	  'Name: margin' 'Description: option pricing, implied volatility and margin for derivatives risk engines' \
	  'Version: $(VERSION)' 'Requires.private: gsl' 'Libs: -L$${libdir} -lmargin' \
	  'Libs.private: $(MVEC_LIBS) -lm' 'Cflags: -I$${includedir}' > $(DESTDIR)$(PKGCONFIGDIR)/margin.pc

uninstall:
	rm -f $(DESTDIR)$(INCLUDEDIR)/margin.h $(DESTDIR)$(LIBDIR)/libmargin.a \
	      $(DESTDIR)$(LIBDIR)/libmargin.so.$(VERSION) $(DESTDIR)$(LIBDIR)/$(SONAME) \
	      $(DESTDIR)$(LIBDIR)/libmargin.so $(DESTDIR)$(PKGCONFIGDIR)/margin.pc

clean:
	rm -rf build lib/libmargin.a lib/libmargin.so lib/libmargin.so.*
