# SPDX-License-Identifier: LGPL-2.1-or-later
#
# pcilab build.  Out-of-tree per configuration:
#   make                 build/        normal build (gcc)
#   make SAN=asan        build-asan/   AddressSanitizer + UBSan
#   make SAN=tsan        build-tsan/   ThreadSanitizer (clang)
#   make check           deps, normal + ASan/UBSan builds, all tests, a short
#                        fuzz-smoke and stress
#   make tsan            threaded tests under ThreadSanitizer
#   make demo            the bundled scenarios, one verdict line each
#   make clang           the whole tree with clang -Werror (warnings gate)
#   make fuzz            libFuzzer targets (clang, ASan+UBSan) in build-fuzz/
#   make fuzz-smoke      each libFuzzer target for FUZZ_TIME seconds
#   make stress          pcilab fuzz --stress under TSan and ASan, STRESS_TIME s
#   make bench           the benchmarks (BENCH="irq cfg ..." to choose)
#   make install         PREFIX (/usr/local) and DESTDIR; make uninstall

SAN	?=
CC	?= cc
ifeq ($(SAN),asan)
B	?= build-asan
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=undefined
else ifeq ($(SAN),tsan)
B	?= build-tsan
CC	:= clang
SANFLAGS := -fsanitize=thread
else ifeq ($(SAN),fuzz)
B	?= build-fuzz
CC	:= clang
SANFLAGS := -fsanitize=address,undefined,fuzzer-no-link -fno-sanitize-recover=undefined
else
B	?= build
SANFLAGS :=
endif

PKGS	:= liburcu-memb libdw
WARN	:= -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	   -Wmissing-prototypes -Wno-unused-parameter -Wformat=2 \
	   -Wno-format-nonliteral
CFLAGS	?= -O1 -g
ALL_CFLAGS := -std=gnu11 $(CFLAGS) $(WARN) -fno-omit-frame-pointer \
	   -fno-optimize-sibling-calls -fPIC -Iinclude \
	   $(SANFLAGS) $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LIBS	:= $(shell pkg-config --libs $(PKGS) 2>/dev/null || echo -lurcu-memb -lurcu-common -ldw -lelf) -lpthread
LDFLAGS	+= $(SANFLAGS)

SOVER	:= 0
VERSION	:= 0.1.0
PREFIX	?= /usr/local
BINDIR	?= $(PREFIX)/bin
LIBDIR	?= $(PREFIX)/lib
INCDIR	?= $(PREFIX)/include
MANDIR	?= $(PREFIX)/share/man
LIB_SRCS := $(wildcard src/check/*.c src/sync/*.c src/emu/*.c src/scenario/*.c src/base/*.c src/irq/*.c src/pci/*.c src/char/*.c src/fuzz/*.c)
DRV_SRCS := $(wildcard drivers/*.c drivers/*/*.c)
TOOL_SRCS := $(wildcard tools/*.c bench/*.c)
UNIT_SRCS := $(wildcard tests/unit/test-*.c)
TEST_HELPERS := $(filter-out $(UNIT_SRCS),$(wildcard tests/unit/*.c))

LIB_OBJS := $(LIB_SRCS:%.c=$(B)/%.o)
DRV_OBJS := $(DRV_SRCS:%.c=$(B)/%.o)
TOOL_OBJS := $(TOOL_SRCS:%.c=$(B)/%.o)
HELPER_OBJS := $(TEST_HELPERS:%.c=$(B)/%.o)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(B)/tests/%)

.PHONY: all lib tests check test tsan demo clean deps deps-build clang fuzz fuzz-smoke stress bench install uninstall

all: $(B)/libpcilab.a $(B)/libpcilab.so.$(SOVER) $(B)/pcilab

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

$(B)/libpcilab.a: $(LIB_OBJS)
	@rm -f $@
	@echo "  AR      $@"
	@ar rcs $@ $^

# Only the public API leaves the shared library (scripts/gen-map.sh).
$(B)/libpcilab.map: $(LIB_OBJS) scripts/gen-map.sh
	@scripts/gen-map.sh $(LIB_OBJS) > $@

$(B)/libpcilab.so.$(SOVER): $(LIB_OBJS) $(B)/libpcilab.map
	@echo "  LD      $@"
	@$(CC) -shared -Wl,-soname,libpcilab.so.$(SOVER) \
		-Wl,--version-script=$(B)/libpcilab.map $(LDFLAGS) -o $@ $(LIB_OBJS) $(LIBS)
	@ln -sf libpcilab.so.$(SOVER) $(B)/libpcilab.so

# --export-dynamic: driver plugins (pcilab run --driver FILE.so) find the
# library's symbols in the program that loads them.
$(B)/pcilab: $(TOOL_OBJS) $(DRV_OBJS) $(B)/libpcilab.a
	@echo "  LD      $@"
	@$(CC) $(LDFLAGS) -Wl,--export-dynamic -o $@ $(TOOL_OBJS) $(DRV_OBJS) \
		-Wl,--whole-archive $(B)/libpcilab.a -Wl,--no-whole-archive $(LIBS) -ldl

$(B)/tests/%: $(B)/tests/unit/%.o $(HELPER_OBJS) $(DRV_OBJS) $(B)/libpcilab.a
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	@$(CC) $(LDFLAGS) -o $@ $< $(HELPER_OBJS) $(DRV_OBJS) $(B)/libpcilab.a $(LIBS) -lcmocka

tests: all $(UNIT_BINS)

deps:
	@scripts/install-deps.sh all

deps-build:
	@scripts/install-deps.sh build

# Run every unit test binary and every scenario test of one build.
test: tests
	@tests/run.sh $(B)

check: deps
	@$(MAKE) -s --no-print-directory tests
	@$(MAKE) -s --no-print-directory clang
	@$(MAKE) -s --no-print-directory SAN=asan tests
	@$(MAKE) -s --no-print-directory SAN=tsan tests
	@TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" \
		tests/run-all.sh build build-asan build-tsan:threaded
	@$(MAKE) -s --no-print-directory fuzz-smoke FUZZ_TIME=10
	@$(MAKE) -s --no-print-directory stress STRESS_TIME=10

tsan: deps
	@$(MAKE) --no-print-directory SAN=tsan tests
	@TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" tests/run.sh build-tsan threaded

demo: deps-build
	@$(MAKE) -s --no-print-directory all
	@tools/demo.sh build/pcilab scenarios

clang:
	@$(MAKE) --no-print-directory CC=clang B=build-clang all tests
	@echo "  clang -Werror build: ok"

# ---- benchmarks (docs/performance.md) ----
# A normal optimised build (no sanitizer); the table, the goals, plots
# in build/bench/ when gnuplot is installed.
bench:
	@scripts/install-deps.sh bench
	@$(MAKE) -s --no-print-directory all
	@build/pcilab bench --plot build/bench-plots $(BENCH)

# ---- fuzzing ----
FUZZ_TARGETS := scenario dump ops
FUZZ_BINS := $(FUZZ_TARGETS:%=build-fuzz/fuzz/fuzz-%)
FUZZ_TIME ?= 20
STRESS_TIME ?= 20

build-fuzz/fuzz/fuzz-%: fuzz/fuzz-%.c FORCE
	@$(MAKE) -s --no-print-directory SAN=fuzz build-fuzz/libpcilab.a $(DRV_SRCS:%.c=build-fuzz/%.o)
	@mkdir -p $(dir $@)
	@echo "  FUZZ    $@"
	@clang $(ALL_CFLAGS:$(SANFLAGS)=) -fsanitize=address,undefined,fuzzer \
		-o $@ $< $(DRV_SRCS:%.c=build-fuzz/%.o) build-fuzz/libpcilab.a $(LIBS)

fuzz: deps
	@$(MAKE) -s --no-print-directory $(FUZZ_BINS)

# Each target from its seed corpus (copied: libFuzzer adds to the first
# directory), for FUZZ_TIME seconds; a crash, leak, timeout or report fails.
fuzz-smoke: fuzz
	@set -e; for t in $(FUZZ_TARGETS); do \
		work=$$(mktemp -d); \
		echo "  fuzz-$$t: $(FUZZ_TIME) s"; \
		build-fuzz/fuzz/fuzz-$$t -max_total_time=$(FUZZ_TIME) -timeout=20 \
			-rss_limit_mb=3072 -print_final_stats=1 $$work fuzz/corpus/$$t \
			2>build-fuzz/fuzz-$$t.log || { tail -60 build-fuzz/fuzz-$$t.log; rm -rf $$work; exit 1; }; \
		grep -E "^stat::number_of_executed_units|^stat::peak_rss_mb" build-fuzz/fuzz-$$t.log | sed 's/^/    /'; \
		rm -rf $$work; \
	done

# The threaded mode: interrupts on CPU threads, config readers and
# interrupt sources in the background, under both sanitizers.
stress: deps
	@$(MAKE) -s --no-print-directory SAN=tsan all
	@$(MAKE) -s --no-print-directory SAN=asan all
	@echo "  stress: TSan, $(STRESS_TIME) s"
	@TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" \
		build-tsan/pcilab fuzz --stress --time $(STRESS_TIME) --seed 1 --out build-tsan/stress.scn
	@echo "  stress: ASan+UBSan, $(STRESS_TIME) s"
	@build-asan/pcilab fuzz --stress --time $(STRESS_TIME) --seed 2 --out build-asan/stress.scn

FORCE:

# ---- installing (make install PREFIX=... DESTDIR=...) ----
$(B)/pcilab.pc: Makefile
	@printf '%s\n' "prefix=$(PREFIX)" "libdir=$(LIBDIR)" "includedir=$(INCDIR)" "" \
		"Name: pcilab" \
		"Description: the Linux PCI device-lifecycle core in userspace, with checkers" \
		"Version: $(VERSION)" \
		"Requires.private: liburcu-memb libdw" \
		"Cflags: -I\$${includedir}" \
		"Libs: -L\$${libdir} -lpcilab" \
		"Libs.private: -lpthread -ldl" > $@

install: all $(B)/pcilab.pc
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR)/pkgconfig \
		$(DESTDIR)$(INCDIR)/pcilab $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5
	install -m 755 $(B)/pcilab $(DESTDIR)$(BINDIR)/pcilab
	install -m 644 $(B)/libpcilab.a $(DESTDIR)$(LIBDIR)/libpcilab.a
	install -m 755 $(B)/libpcilab.so.$(SOVER) $(DESTDIR)$(LIBDIR)/libpcilab.so.$(VERSION)
	ln -sf libpcilab.so.$(VERSION) $(DESTDIR)$(LIBDIR)/libpcilab.so.$(SOVER)
	ln -sf libpcilab.so.$(SOVER) $(DESTDIR)$(LIBDIR)/libpcilab.so
	install -m 644 include/pcilab/*.h $(DESTDIR)$(INCDIR)/pcilab/
	install -m 644 $(B)/pcilab.pc $(DESTDIR)$(LIBDIR)/pkgconfig/pcilab.pc
	install -m 644 man/pcilab.1 $(DESTDIR)$(MANDIR)/man1/pcilab.1
	install -m 644 man/pcilab-scenario.5 $(DESTDIR)$(MANDIR)/man5/pcilab-scenario.5

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/pcilab $(DESTDIR)$(LIBDIR)/libpcilab.a \
		$(DESTDIR)$(LIBDIR)/libpcilab.so $(DESTDIR)$(LIBDIR)/libpcilab.so.$(SOVER) \
		$(DESTDIR)$(LIBDIR)/libpcilab.so.$(VERSION) \
		$(DESTDIR)$(LIBDIR)/pkgconfig/pcilab.pc \
		$(DESTDIR)$(MANDIR)/man1/pcilab.1 $(DESTDIR)$(MANDIR)/man5/pcilab-scenario.5
	rm -rf $(DESTDIR)$(INCDIR)/pcilab

clean:
	rm -rf build build-asan build-tsan build-clang build-fuzz

-include $(shell find $(B) -name '*.d' 2>/dev/null)
