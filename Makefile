# Quetzal: one non-recursive Makefile. Each subsystem folder has a build.mk that
# adds its objects and programs; this file holds the generic rules.
# Run ./configure first (in this folder or in a separate build folder).

ifeq ($(wildcard config.mak),)
$(error run ./configure first)
endif
include config.mak

SRC := $(SRC_PATH)
VPATH := $(SRC)
QUIET ?= @

ALL_CFLAGS = $(CFLAGS) -I. -I$(SRC) -I$(SRC)/include -MMD -MP

# Filled by the build.mk files.
PROGS :=
TEST_PROGS :=
tcg-obj :=
cpu-obj :=
block-obj :=
hw-obj :=
system-obj :=

include $(sort $(wildcard $(SRC)/*/build.mk $(SRC)/*/*/build.mk))

# Libraries shared by several programs.
libquetzal-cpu.a: $(tcg-obj) $(cpu-obj)
libquetzal-block.a: $(block-obj)

# Test programs built once (make check, or by name) are kept current by a plain
# `make` too, so a suite run by hand never uses a stale one (a changed
# tests/difftest/*.c or tcg/ file relinks tests/difftest/difftest).
all: $(PROGS) $(wildcard $(TEST_PROGS))
.DEFAULT_GOAL := all

%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	$(QUIET)$(CC) $(ALL_CFLAGS) -c -o $@ $<

%.a:
	@echo "  AR      $@"
	$(QUIET)rm -f $@ && ar rcs $@ $^

# Programs link their objects with the libraries they list as prerequisites;
# a program that needs an optional library sets EXTRA_LIBS for itself, e.g.
#   quetzal-img: EXTRA_LIBS = $(ZLIB_LIBS) $(LIBAIO_LIBS)
# and a folder whose sources need its headers adds <LIB>_CFLAGS the same way.
LINK = @echo "  LINK    $@"; $(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(filter %.a,$^) $(EXTRA_LIBS) $(LIBS)

# The test set-up installs what the tests need (packages, downloaded guests),
# then each suite tests/check-*.sh prints its own "N passed, N failed" line and
# tests/summary.sh adds them up.
check: all $(TEST_PROGS)
	@$(SRC)/scripts/setup.sh --tests
	@BUILD=$(CURDIR) SRC=$(SRC) $(SRC)/tests/run-suites.sh check

check-slow: all $(TEST_PROGS)
	@$(SRC)/scripts/setup.sh --tests
	@BUILD=$(CURDIR) SRC=$(SRC) $(SRC)/tests/run-suites.sh slow

run: all
	@$(SRC)/scripts/setup.sh
	@BUILD=$(CURDIR) SRC=$(SRC) $(SRC)/scripts/run-demo.sh

clean:
	find . -name '*.o' -o -name '*.d' -o -name '*.a' | xargs rm -f
	rm -f $(PROGS) $(TEST_PROGS)

distclean: clean
	rm -f config.mak config-host.h

.PHONY: all check check-slow run clean distclean

-include $(shell find . -name '*.d' 2>/dev/null)
