# SPDX-License-Identifier: GPL-2.0
# xtcp: `make` builds module/xtcp.ko against KDIR; the rest runs in UML.
KDIR ?= /lib/modules/$(shell uname -r)/build
KSRC ?=

all: modules

modules:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	$(MAKE) -C selftests clean

# Every KUnit case and selftest on the debug UML kernel.
check:
	scripts/check

# The concurrency stress for hours (SOAK_SECONDS per machine, default
# 3600), on the SMP guest and the preemptible debug UML.
soak:
	scripts/soak

# xtcp's main job, live in UML.
demo:
	scripts/demo

# xtcp next to the kernel's TCP (throughput, TIME-WAIT memory, goodput
# under netem) and the precision of its timers: reports, not tests.
# BENCH="throughput timers netem" picks parts (make bench BENCH=netem).
bench:
	scripts/bench

# An interactive shell inside UML with xtcp loaded (smp-shell: in the
# SMP QEMU guest).
shell:
	scripts/uml-run --interactive -- /bin/bash -l

smp-shell:
	scripts/uml-run --smp --interactive -- /bin/bash -l

# Every test kernel, built and cached ahead of time.
uml:
	scripts/uml-kernel
	scripts/uml-kernel --debug
	scripts/uml-kernel --smp

# Kernel style, on every C file and header of ours.
checkpatch:
	scripts/checkpatch

.PHONY: all modules clean check soak demo bench shell smp-shell uml checkpatch
