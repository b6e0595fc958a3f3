# gntdev: a reworked Xen /dev/xen/gntdev, its toolkit and its Xen-in-QEMU
# harness.  See README.md.
#
#   make setup    install build deps, fetch Xen + dom0 kernel into the cache (root)
#   make module   build drivers/xen/xen-gntdev.ko against linux-headers-$(KVER)
#   make tools    build tools/gntdev-test/gntdev-test and granter-agent
#   make run      all of the above, then the harness: our module, all scenarios
#   make test     all set-up, then the test suite's gate: xen-tests/suite.sh
#                 (make test LANES=full: every lane)
#   make check    the static checks (the suite's style lane, xen-tests/style.sh):
#                 checkpatch --strict, and W=1 builds with sparse against
#                 Debian's 6.1 and 6.12 headers; all clean or it fails
#   make bench    our module against Debian's, alternating in one boot, under
#                 -icount shift=0 and again on plain TCG; writes docs/bench/
#                 (tables, SVG plots, a summary line of ratios; judges nothing)
#   make clean
#
# Variables (command line or environment): the harness's knobs, e.g. KVER,
# GNTDEV=stock, MODE=clients, PATTERN, OUT, TIMEOUT, LANES; each is described
# once, in xen-tests/defaults.sh.  TOOLKIT_ARGS: options for the toolkit, or
# for gntdev-bench under make bench (e.g. "--rounds 3").

SHELL := /bin/bash

# The dom0 kernel's ABI, decided in one place (xen-tests/kver.sh).  Left
# recursive ("=") on purpose: on a fresh machine it can only be known after
# `setup` has run apt-get update, so it is computed when a recipe uses it.
KVER = $(shell xen-tests/kver.sh)
KDIR = $(shell xen-tests/kdir.sh $(KVER))
NPROC := $(shell nproc)

.PHONY: all setup module tools harness analyse-check check run test bench clean

all: module tools

setup:
	xen-tests/setup.sh

module:
	$(MAKE) -C $(KDIR) M=$(CURDIR)/drivers/xen modules

tools:
	$(MAKE) -C tools/gntdev-test
	$(MAKE) -C xen-tests/clients

# The harness alone, for when module and tools are already built.
harness:
	xen-tests/run.sh

# The harness's own check: its log analysis on synthetic logs (no boot, ~1 s).
analyse-check:
	xen-tests/analyse-check.sh

# The style lane alone; it needs set-up's checkpatch source, sparse and
# 6.12 headers, and builds scratch copies of the module, not the checkout.
# The toolkit comes first: the scenario table is checked against its list.
check: tools
	xen-tests/style.sh

# Sub-makes in sequence rather than prerequisites: set-up must finish before
# KVER is computed for the module build, even under `make -j`.
run:
	$(MAKE) setup
	$(MAKE) -j$(NPROC) module
	$(MAKE) -j$(NPROC) tools
	SETUP=0 xen-tests/run.sh

# The test suite: the gate lanes of xen-tests/suite.sh (the analyser's check,
# the static checks, unit tests, the toolkit and real clients on Debian's
# dom0 kernel), or with LANES=full every lane, then one
# `P passed, F failed, S skipped, E errors` line over all of them.
test:
	$(MAKE) setup
	$(MAKE) -j$(NPROC) module
	$(MAKE) -j$(NPROC) tools
	xen-tests/suite.sh

# gntdev-bench in place of the toolkit, Debian's module shipped beside ours:
# one boot under -icount shift=0 (virtual time, repeatable), one on plain
# TCG with fewer rounds as the wall-clock check (a --rounds in TOOLKIT_ARGS
# overrides both), then docs/bench/ from their serial logs.
BENCH_RUN = MODE=bench SETUP=0 xen-tests/run.sh

bench:
	$(MAKE) setup
	$(MAKE) module
	$(MAKE) -C tools/gntdev-bench
	ICOUNT=0 OUT=$(CURDIR)/xen-tests/out/bench $(BENCH_RUN)
	OUT=$(CURDIR)/xen-tests/out/bench-wallclock \
		TOOLKIT_ARGS="--rounds 2 $$TOOLKIT_ARGS" $(BENCH_RUN)
	tools/gntdev-bench/report.sh xen-tests/out/bench xen-tests/out/bench-wallclock docs/bench

clean:
	-[ -z "$(KDIR)" ] || $(MAKE) -C $(KDIR) M=$(CURDIR)/drivers/xen clean
	-$(MAKE) -C tools/gntdev-test clean
	-$(MAKE) -C tools/unit-tests clean
	-$(MAKE) -C tools/gntdev-bench clean
	-$(MAKE) -C xen-tests/clients clean
	rm -rf xen-tests/out
