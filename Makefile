# mm conformance suite.  See README.md for every target and variable.
SHELL := /bin/bash

KVER ?= 6.12
T ?=
TESTS ?=
TIMEOUT ?= 120
ACCEL ?= auto
OUT ?= $(CURDIR)/out
INSTALL_PATH ?= $(OUT)/install
export KVER KSRC O T TESTS TIMEOUT ACCEL KMOD_ARGS GOOD BAD REPEAT GDB GDB_PORT JOBS

# Set by the scripts in fixtures/vm (kernel.sh headers|build); set them by
# hand to build the tests against another tree's uapi headers and harness.
KHDR ?=
HARNESS ?=

CC ?= gcc
# The harness is a system include: its macros expand to unused parameters
# (variant, ucontext) that -Wextra would reject in every test.
CFLAGS := -O2 -g -Wall -Wextra -Werror -D_GNU_SOURCE -pthread \
	  -isystem $(KHDR) -isystem $(HARNESS) -Ilib -Ifixtures/kmod/uapi
LDFLAGS := -static -pthread
LDLIBS := -luring -lnuma

TEST_SRCS := $(wildcard selftests/*/*.c)
# lib/runner/ is the runner's (a sourced script and a tool), not the tests'.
LIB_SRCS := $(filter-out lib/runner/%,$(wildcard lib/*.c lib/*/*.c))
LIB_HDRS := $(wildcard lib/*.h lib/*/*.h fixtures/kmod/uapi/*.h)
LIB_OBJS := $(patsubst lib/%.c,$(OUT)/lib/%.o,$(LIB_SRCS))
# An archive, so each test links only the lib objects (and libraries) it uses.
LIB_AR := $(OUT)/lib/libmm.a
TEST_BINS := $(patsubst selftests/%.c,$(OUT)/tests/%,$(TEST_SRCS))
TOOLS := $(OUT)/bin/kmsg_tail
RUNNER_FILES := run_vmtests.sh selftests/categories selftests/expectations selftests/skips selftests/kmsg_allow \
		lib/runner/runner.sh

.PHONY: all tests run_tests vm_run kernel install gen_tar check bench clean \
	help deps bisect vm_shell

all:
	@eval "$$(fixtures/vm/kernel.sh headers)" && \
	$(MAKE) --no-print-directory tests KHDR="$$KHDR" HARNESS="$$HARNESS"

tests: $(TEST_BINS) $(TOOLS)
	@test -n "$(KHDR)" -a -n "$(HARNESS)" || \
		{ echo "tests: set KHDR and HARNESS (or use 'make all')"; exit 2; }

$(OUT)/lib/%.o: lib/%.c $(LIB_HDRS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c -o $@ $<

# Keep the objects: as intermediates make would delete them and relink
# every test on every build.
.SECONDARY: $(LIB_OBJS)

$(LIB_AR): $(LIB_OBJS)
	rm -f $@
	$(AR) rcs $@ $^

$(OUT)/tests/%: selftests/%.c $(LIB_AR) $(LIB_HDRS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIB_AR) $(LDLIBS)

$(OUT)/bin/kmsg_tail: lib/runner/kmsg_tail.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $<

# Run the suite on the kernel this machine is running.
run_tests: all
	./run_vmtests.sh -d $(OUT) $(if $(T),-t "$(T)") $(if $(TESTS),-n "$(TESTS)") \
		$(if $(REPEAT),--repeat $(REPEAT)) --timeout $(TIMEOUT)

# Build the kernel, the tests and an initramfs, boot QEMU, run, report.
# make exits 2 for any failing recipe: bisect with fixtures/vm/vm_run.sh.
vm_run:
	@fixtures/vm/vm_run.sh || { rc=$$?; [ $$rc -ne 125 ] || echo "vm_run:" \
		"exit 125 (kernel untestable), which make reports as 2; for" \
		"git bisect run, call fixtures/vm/vm_run.sh itself" >&2; exit $$rc; }

# The same VM with a shell on this terminal instead of the run.
vm_shell:
	@VM_SHELL=1 fixtures/vm/vm_run.sh

kernel:
	@fixtures/vm/kernel.sh build >/dev/null

# git bisect of KSRC between GOOD and BAD with vm_run at each step.
bisect:
	@fixtures/vm/bisect.sh

deps:
	@fixtures/vm/deps.sh

# kselftest-style package: run_vmtests.sh + tests/ + bin/, runnable anywhere.
install: all
	@mkdir -p $(INSTALL_PATH)/selftests $(INSTALL_PATH)/lib/runner
	cp run_vmtests.sh $(INSTALL_PATH)/
	cp selftests/categories selftests/expectations selftests/skips selftests/kmsg_allow $(INSTALL_PATH)/selftests/
	cp lib/runner/runner.sh $(INSTALL_PATH)/lib/runner/
	cp -r $(OUT)/tests $(OUT)/bin $(INSTALL_PATH)/
	if [ -d $(OUT)/kmod ]; then cp -r $(OUT)/kmod $(INSTALL_PATH)/; fi

gen_tar: install
	tar -C $(INSTALL_PATH) -czf $(OUT)/mm-conformance.tar.gz .
	@echo "wrote $(OUT)/mm-conformance.tar.gz"

check:
	@fixtures/vm/check.sh

bench:
	@fixtures/vm/bench.sh

clean:
	rm -rf $(OUT)

help:
	@sed -n '/^## Make targets/,/^## /p' README.md
