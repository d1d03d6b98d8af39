# modelbench - build, test and benchmark server concurrency models.
#
#   make            build every server, the load generator and the harness
#   make deps       install missing Debian packages (apt-get, as root or sudo)
#   make check      deps + build + every test; last line "N passed, N failed"
#   make bench      deps + build + the quick suite (SUITE=full, MODELS="a b")
#   make torture    the reliability suite and the fuzzers at full length
#   make fuzz       run the libFuzzer targets (FUZZ_SECONDS=N each)
#   make grade MODEL=mine   the lab 6 autograder (GRADE_FLAGS=--json)
#   make tests      the unit tests and fuzz targets tests/ runs (make check does)
#   make format     clang-format every C file in place (.clang-format)
#   make print-flags  the compiler flags a model is checked with (labs/grade)
#
# The list of models is derived from servers/*.c (and MODEL_DIRS, for a
# student's own model): adding a model is adding one file.  A model that needs
# a library names it in its header comment on a line " * Links: NAME ...",
# where NAME is a pkg-config package or a raw -l flag.

MODEL_DIRS ?=
MODEL_SRCS := $(wildcard servers/*.c) $(foreach d,$(MODEL_DIRS),$(wildcard $(d)/*.c))
ALL_MODELS := $(sort $(basename $(notdir $(MODEL_SRCS))))
MODELS     ?= $(ALL_MODELS)
SUITE      ?= quick
MODEL      ?= mine

CC      ?= cc
CFLAGS  ?= -O2 -g
WARN    := -Wall -Wextra -Wshadow -Wno-unused-parameter
BASE    := -std=gnu11 -pthread -D_GNU_SOURCE -Ilib $(WARN)
SAN_ASAN := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
SAN_TSAN := -O1 -g -fno-omit-frame-pointer -fsanitize=thread
# Unit tests: ASan+UBSan, and warnings are errors.
TEST_FLAGS := $(SAN_ASAN) -Werror -Wno-missing-field-initializers
# libFuzzer targets need clang; FUZZ_CC may name another one.
FUZZ_CC    ?= $(or $(shell command -v clang 2>/dev/null),$(shell command -v clang-14 2>/dev/null),clang)
FUZZ_FLAGS := -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined

LIB_SRCS    := $(filter-out lib/hist.c,$(wildcard lib/*.c))
HIST_SRCS   := $(wildcard lib/hist.c)
LOADGEN_SRCS := $(filter-out clients/demo-%,$(wildcard clients/*.c)) $(HIST_SRCS)
BENCH_SRCS  := $(wildcard harness/*.c harness/*/*.c)
HDRS        := $(wildcard lib/*.h clients/*.h harness/*.h)

# The unit tests and fuzz targets, and the lib/ files each one needs.  Every
# test binary is built here, so that its flags are the Makefile's.
PROTO_SRCS  := lib/http.c lib/lines.c lib/session.c lib/stats.c lib/util.c lib/push.c lib/ws.c
# libcrypto: SHA-1 and base64 for the WebSocket handshake (lib/ws.c), which
# every server and every binary built from PROTO_SRCS links.
CRYPTO_LIBS := -lcrypto
UNIT_TESTS  := build/tests/test_http build/tests/test_heap build/tests/test_hist \
               build/tests/test_stats build/tests/test_ws
FUZZ_SRCS   := $(wildcard tests/fuzz/fuzz-*.c)
FUZZ_TARGETS := $(patsubst tests/fuzz/%.c,build/fuzz/%,$(FUZZ_SRCS))
# Every C file clang-format keeps in shape (make format; tests/style/t-format).
FORMAT_SRCS := $(shell git ls-files '*.c' '*.h' 2>/dev/null || find lib servers clients harness tests labs -name '*.[ch]')

src_of     = $(firstword $(filter %/$(1).c,$(MODEL_SRCS)))
links_of   = $(shell sed -n 's/^ \* Links: //p' $(1) | head -n 1)
pkg_names  = $(filter-out -%,$(1))
link_flags = $(if $(call pkg_names,$(1)),$(shell pkg-config --cflags --libs $(call pkg_names,$(1)))) $(filter -%,$(1))

SERVERS      := $(addprefix build/server-,$(MODELS))
ASAN_SERVERS := $(addprefix build/asan/server-,$(MODELS))
TSAN_SERVERS := $(addprefix build/tsan/server-,$(MODELS))

.PHONY: all servers sanitizers tests deps check bench torture fuzz grade clean format print-flags print-format-srcs
.DEFAULT_GOAL := all

TOOLS      := $(if $(filter clients/%,$(LOADGEN_SRCS)),build/loadgen) $(if $(wildcard harness/*.c),build/bench)
ASAN_TOOLS := $(if $(filter clients/%,$(LOADGEN_SRCS)),build/asan/loadgen)

all: servers $(TOOLS)
servers: $(SERVERS)
sanitizers: $(ASAN_SERVERS) $(TSAN_SERVERS) $(ASAN_TOOLS)
tests: $(UNIT_TESTS) $(FUZZ_TARGETS)

.SECONDEXPANSION:

# Each server is compiled in one step from its model file and lib/, so a
# variant (release, ASan+UBSan, TSan) is only a change of flags.
build/server-%: $$(call src_of,$$*) $(LIB_SRCS) $(HDRS) | build
	$(CC) $(BASE) $(CFLAGS) -o $@ $< $(LIB_SRCS) $(call link_flags,$(call links_of,$<)) $(CRYPTO_LIBS)

build/asan/server-%: $$(call src_of,$$*) $(LIB_SRCS) $(HDRS) | build/asan
	$(CC) $(BASE) $(SAN_ASAN) -o $@ $< $(LIB_SRCS) $(call link_flags,$(call links_of,$<)) $(CRYPTO_LIBS)

build/tsan/server-%: $$(call src_of,$$*) $(LIB_SRCS) $(HDRS) | build/tsan
	$(CC) $(BASE) $(SAN_TSAN) -o $@ $< $(LIB_SRCS) $(call link_flags,$(call links_of,$<)) $(CRYPTO_LIBS)

build/loadgen: $(LOADGEN_SRCS) $(HDRS) | build
	$(CC) $(BASE) -Iclients $(CFLAGS) -o $@ $(LOADGEN_SRCS) $(shell pkg-config --cflags --libs jansson libcrypto liburing) -lm

build/asan/loadgen: $(LOADGEN_SRCS) $(HDRS) | build/asan
	$(CC) $(BASE) -Iclients $(SAN_ASAN) -o $@ $(LOADGEN_SRCS) $(shell pkg-config --cflags --libs jansson libcrypto liburing) -lm

build/bench: $(BENCH_SRCS) $(HIST_SRCS) $(HDRS) $(wildcard harness/*/*.h) | build
	$(CC) $(BASE) -Iharness $(CFLAGS) -o $@ $(BENCH_SRCS) $(HIST_SRCS) $(shell pkg-config --cflags --libs jansson) -lm

build/tests/test_http: tests/unit/test_http.c $(PROTO_SRCS) $(HDRS) | build/tests
	$(CC) $(BASE) $(TEST_FLAGS) -o $@ $< $(PROTO_SRCS) $(CRYPTO_LIBS)

build/tests/test_ws: tests/unit/test_ws.c lib/ws.c lib/ws.h | build/tests
	$(CC) $(BASE) $(TEST_FLAGS) -o $@ $< lib/ws.c $(CRYPTO_LIBS)

build/tests/test_heap: tests/unit/test_heap.c lib/heap.h | build/tests
	$(CC) $(BASE) $(TEST_FLAGS) -o $@ $<

STATS_SRCS  := harness/data/stattest.c harness/data/changepoint.c harness/data/sys.c
build/tests/test_stats: tests/unit/test_stats.c $(STATS_SRCS) $(wildcard harness/data/*.h) | build/tests
	$(CC) $(BASE) -Iharness $(TEST_FLAGS) -o $@ $< $(STATS_SRCS) -lm

build/tests/test_hist: tests/loadgen/test_hist.c lib/hist.c lib/hist.h | build/tests
	$(CC) $(BASE) $(TEST_FLAGS) -o $@ $< lib/hist.c -lm

build/fuzz/fuzz-%: tests/fuzz/fuzz-%.c tests/fuzz/fuzz.h $(PROTO_SRCS) $(HDRS) | build/fuzz
	$(FUZZ_CC) $(BASE) $(FUZZ_FLAGS) -o $@ $< $(PROTO_SRCS) $(CRYPTO_LIBS)

build build/asan build/tsan build/tests build/fuzz:
	mkdir -p $@

deps:
	@scripts/deps.sh

# The load generator's and harness's tests drive the epoll model whatever
# MODELS says, so it is always built.
check: deps
	@$(MAKE) --no-print-directory -j2 all sanitizers tests build/server-epoll >/dev/null
	@MODELS="$(MODELS)" tests/run.sh

bench: deps
	@$(MAKE) --no-print-directory all >/dev/null
	build/bench run --suite $(SUITE) $(if $(or $(filter command line environment,$(origin MODELS)),$(MODEL_DIRS)),--models "$(MODELS)")

# The reliability suite and the fuzzers at full length (make check runs a
# bounded version).
torture: deps
	@$(MAKE) --no-print-directory -j2 all sanitizers tests >/dev/null
	@TORTURE=1 MODELS="$(MODELS)" ONLY='@(reliability|fuzz)/*' tests/run.sh

# Coverage-guided fuzzing of the HTTP parser, the session and the lines
# protocol (clang libFuzzer).
fuzz: deps
	@$(MAKE) --no-print-directory -j2 $(FUZZ_TARGETS) >/dev/null
	@tests/fuzz/run-fuzzers $(if $(FUZZ_SECONDS),--seconds $(FUZZ_SECONDS))

# The lab 6 autograder (labs/grade): conformance, concurrency, and speed
# against epoll in the same run.  A model in labs/starter/ needs
# MODEL_DIRS=labs/starter; one copied to servers/ needs nothing.
grade: deps
	@$(if $(call src_of,$(MODEL)),:,echo "no $(MODEL).c in servers/ or MODEL_DIRS: copy labs/starter/mine.c to servers/, or add MODEL_DIRS=labs/starter" >&2; exit 2)
	@$(MAKE) --no-print-directory -j2 build/server-$(MODEL) build/asan/server-$(MODEL) \
		build/tsan/server-$(MODEL) build/server-epoll build/loadgen >/dev/null
	@labs/grade $(GRADE_FLAGS) $(MODEL)

clean:
	rm -rf build

format:
	clang-format -i $(FORMAT_SRCS)

# What a model is compiled with, for tools that check a student's file the
# same way (labs/grade, tests/labs/t-grade).
print-flags:
	@echo $(BASE)

# The files make format rewrites (tests/style/t-format checks them).
print-format-srcs:
	@echo $(FORMAT_SRCS)
