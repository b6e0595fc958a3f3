# defaults.sh: every knob of the harness, with its default, in one place.
# Sourced (bash) by each xen-tests script that reads one; a value from the
# environment (or the make command line) wins.  Exported, so that a script's
# children see the same values.  Nothing here runs a program: knobs whose
# default needs one (KVER) are described here and decided where noted.
# shellcheck shell=bash

_harness_repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# --- what is tested ---------------------------------------------------------
# GNTDEV: the module under test: ours (GNTDEV_KO) or stock (Debian's).
export GNTDEV=${GNTDEV:-ours}
# MODE: what runs in dom0 after the module is loaded:
#   toolkit  gntdev-test's scenarios (GNTDEV_TEST)
#   clients  real clients of the device instead (clients/clients.sh:
#            xenstored, libxenvchan, QEMU's qdisk backend for a domU); they
#            end by unloading the module
#   bench    gntdev-bench in place of the toolkit, with Debian's module
#            shipped beside ours for side-by-side turns (make bench)
export MODE=${MODE:-toolkit}
# FOREIGN=1: the toolkit maps grants of a granter domU, which xl starts and
# destroys (foreign/granter.sh); xenstored keeps the module busy meanwhile.
export FOREIGN=${FOREIGN:-0}
# PATTERN: scenario filter for `gntdev-test run` (run.sh also takes it as its
# first argument); empty: all scenarios.
export PATTERN=${PATTERN:-}
# TOOLKIT_ARGS: more options for `gntdev-test run` (or gntdev-bench under
# MODE=bench), e.g. "--race-rounds 500", or for a soak run by hand
# "--iterations 10000 --timeout 3600".
export TOOLKIT_ARGS=${TOOLKIT_ARGS:-}
# GNTDEV_PARAMS: module parameters for xen-gntdev.ko (key=value words).
export GNTDEV_PARAMS=${GNTDEV_PARAMS:-}
# LOAD_CYCLES: after the run, unload and reload the module this often, then
# ask kmemleak (where the kernel has it); 0 skips both.  Only the toolkit
# without a granter leaves the module unloadable, so that is the one mode
# where they are due by default.
if [ "$MODE" = toolkit ] && [ "$FOREIGN" = 0 ]; then
    export LOAD_CYCLES=${LOAD_CYCLES:-100}
else
    export LOAD_CYCLES=${LOAD_CYCLES:-0}
fi
# STRESS_SECONDS, STRESS_SEED: FOREIGN=1 ends with `gntdev-test stress` over
# the granter's pages, this long, with this seed (default: the host's clock
# when the initramfs is made).
export STRESS_SECONDS=${STRESS_SECONDS:-60}
export STRESS_SEED=${STRESS_SEED:-}
# DMESG_TAIL: kernel log lines dom0 prints at the end of the run.
export DMESG_TAIL=${DMESG_TAIL:-40}

# --- what is booted ---------------------------------------------------------
# GNTDEV_CACHE: set-up's cache: Xen, the dom0 kernels and module trees, the
# Xen userland, the debug kernel and the debug Xen (layout: setup.sh).
export GNTDEV_CACHE=${GNTDEV_CACHE:-/var/cache/gntdev-xen-tests}
# KVER: the dom0 kernel's ABI; default: kver.sh's answer (Debian's current
# 6.1), decided by the script that needs it since it asks apt.
# XEN_BIN: the hypervisor (multiboot ELF); default $GNTDEV_CACHE/xen.
export XEN_BIN=${XEN_BIN:-$GNTDEV_CACHE/xen}
# DOM0_VMLINUX, DOM0_MODULES: the dom0 kernel and its module tree; default
# Debian's for KVER in the cache (run.sh, mkinitramfs.sh); debug-lane.sh
# sets its own.  KBUILD_DIR: the kernel build directory kernel-lane.sh builds
# our module against (default: kdir.sh's for KVER).
# GNTDEV_KO: our module.
export GNTDEV_KO=${GNTDEV_KO:-$_harness_repo/drivers/xen/xen-gntdev.ko}
# GNTDEV_TEST: the program dom0 runs as /bin/gntdev-test: the toolkit, or
# gntdev-bench under MODE=bench (both static).
if [ "$MODE" = bench ]; then
    export GNTDEV_TEST=${GNTDEV_TEST:-$_harness_repo/tools/gntdev-bench/gntdev-bench}
else
    export GNTDEV_TEST=${GNTDEV_TEST:-$_harness_repo/tools/gntdev-test/gntdev-test}
fi
# GRANTER_AGENT: the granter domU's agent (static), for FOREIGN=1.
export GRANTER_AGENT=${GRANTER_AGENT:-$_harness_repo/tools/gntdev-test/granter-agent}
# XEN_ARGS, DOM0_ARGS: extra words for Xen's and dom0's command lines.
export XEN_ARGS=${XEN_ARGS:-} DOM0_ARGS=${DOM0_ARGS:-}
# QEMU_ARGS: extra QEMU arguments (word-split).
export QEMU_ARGS=${QEMU_ARGS:-}
# ICOUNT=N: QEMU's `-icount shift=N` (deterministic, single-threaded TCG,
# slower); empty: plain TCG.
export ICOUNT=${ICOUNT:-}

# --- how run.sh behaves ---------------------------------------------------------
# OUT: where a run leaves serial.log (the console), verdicts.log (the verdict
# channel), junit.xml, qemu.cmd, ...; the lane scripts default it per lane.
export OUT=${OUT:-$_harness_repo/xen-tests/out}
# TIMEOUT: seconds for the whole boot and run (the GUP races take minutes).
export TIMEOUT=${TIMEOUT:-2400}
# CONSOLE=0: do not copy the console to the terminal (it is saved anyway).
export CONSOLE=${CONSOLE:-1}
# SETUP=0: skip setup.sh (the cache and the packages are known to be ready).
export SETUP=${SETUP:-1}
# LANES: the lanes suite.sh runs (it lists them and their default set; it
# reads no other knob, so that each lane decides its own defaults).
# LANE: the lane a run belongs to, set by suite.sh; printed in the run's
# config line for whoever reads the log later.
export LANE=${LANE:-}

# --- set-up ---------------------------------------------------------------------
# XEN_PKG: Debian's hypervisor package set-up unpacks.
export XEN_PKG=${XEN_PKG:-xen-hypervisor-4.17-amd64}
# DEBIAN_MIRROR, DEBIAN_SECURITY_MIRROR: where apt-private.sh fetches from.
export DEBIAN_MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
export DEBIAN_SECURITY_MIRROR=${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}

case $GNTDEV in ours|stock) ;; *)
    echo "defaults.sh: GNTDEV must be ours or stock, not '$GNTDEV'" >&2; exit 2 ;;
esac
case $MODE in toolkit|clients|bench) ;; *)
    echo "defaults.sh: MODE must be toolkit, clients or bench, not '$MODE'" >&2; exit 2 ;;
esac
if [ "$MODE" != toolkit ] && [ "$FOREIGN" != 0 ]; then
    echo "defaults.sh: FOREIGN=1 runs the toolkit; MODE=$MODE cannot have it" >&2; exit 2
fi
unset _harness_repo
