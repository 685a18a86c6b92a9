# SPDX-License-Identifier: LGPL-2.1-or-later
#
# pcilab build.  Out-of-tree per configuration:
#   make                 build/        normal build (gcc)
#   make SAN=asan        build-asan/   AddressSanitizer + UBSan
#   make SAN=tsan        build-tsan/   ThreadSanitizer (clang)
#   make check           deps, normal + ASan/UBSan builds, all tests
#   make tsan            threaded tests under ThreadSanitizer
#   make demo            the bundled scenarios, one verdict line each
#   make clang           the whole tree with clang -Werror (warnings gate)

SAN	?=
CC	?= cc
ifeq ($(SAN),asan)
B	?= build-asan
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=undefined
else ifeq ($(SAN),tsan)
B	?= build-tsan
CC	:= clang
SANFLAGS := -fsanitize=thread
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
LIB_SRCS := $(wildcard src/check/*.c src/sync/*.c src/emu/*.c src/scenario/*.c src/base/*.c src/irq/*.c src/pci/*.c src/char/*.c src/fuzz/*.c)
DRV_SRCS := $(wildcard drivers/*.c drivers/*/*.c)
TOOL_SRCS := $(wildcard tools/*.c)
UNIT_SRCS := $(wildcard tests/unit/test-*.c)
TEST_HELPERS := $(filter-out $(UNIT_SRCS),$(wildcard tests/unit/*.c))

LIB_OBJS := $(LIB_SRCS:%.c=$(B)/%.o)
DRV_OBJS := $(DRV_SRCS:%.c=$(B)/%.o)
TOOL_OBJS := $(TOOL_SRCS:%.c=$(B)/%.o)
HELPER_OBJS := $(TEST_HELPERS:%.c=$(B)/%.o)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(B)/tests/%)

.PHONY: all lib tests check test tsan demo clean deps deps-build clang

all: $(B)/libpcilab.a $(B)/libpcilab.so.$(SOVER) $(B)/pcilab

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

$(B)/libpcilab.a: $(LIB_OBJS)
	@rm -f $@
	@echo "  AR      $@"
	@ar rcs $@ $^

$(B)/libpcilab.so.$(SOVER): $(LIB_OBJS)
	@echo "  LD      $@"
	@$(CC) -shared -Wl,-soname,libpcilab.so.$(SOVER) $(LDFLAGS) -o $@ $^ $(LIBS)
	@ln -sf libpcilab.so.$(SOVER) $(B)/libpcilab.so

$(B)/pcilab: $(TOOL_OBJS) $(DRV_OBJS) $(B)/libpcilab.a
	@echo "  LD      $@"
	@$(CC) $(LDFLAGS) -o $@ $(TOOL_OBJS) $(DRV_OBJS) $(B)/libpcilab.a $(LIBS)

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

tsan: deps
	@$(MAKE) --no-print-directory SAN=tsan tests
	@TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" tests/run.sh build-tsan threaded

demo: deps-build
	@$(MAKE) -s --no-print-directory all
	@tools/demo.sh build/pcilab scenarios

clang:
	@$(MAKE) --no-print-directory CC=clang B=build-clang all tests
	@echo "  clang -Werror build: ok"

clean:
	rm -rf build build-asan build-tsan build-clang

-include $(shell find $(B) -name '*.d' 2>/dev/null)
