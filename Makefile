# pciassign top-level build.
#   make                 module (against KDIR) and userspace
#   make check           every test: unit, module builds, the QEMU rig on both kernels
#   make demo            the rig demo (README)
#   make check-debug     the rig on a debug kernel (lockdep, KASAN, kmemleak...);
#                        not part of check (Documentation/testing.md)
#   make KDIR=/path      build the module against other kernel headers
TOP := $(CURDIR)
KVER ?= $(shell uname -r)
# The running kernel's build tree when it has one, else the rig's 6.1 headers.
RUNNING_KDIR := /lib/modules/$(KVER)/build
RIG_KDIR = /lib/modules/$(shell bash -c '. scripts/rig-env.sh && rig_kernel_abi 6.1')/build
KDIR ?= $(if $(wildcard $(RUNNING_KDIR)/Makefile),$(RUNNING_KDIR),$(RIG_KDIR))

all: kmod user

kmod:
	$(MAKE) -C $(KDIR) M=$(TOP)/kmod modules

user:
	$(MAKE) -C user

unit: user
	$(MAKE) -C tests/unit run

deps:
	scripts/install-deps.sh

check:
	scripts/check.sh

# The rig on the debug kernel (scripts/debug-kernel.sh); a first run
# builds the kernel, so it is too long for check.
check-debug:
	scripts/check-debug.sh

# Longer fuzzing and fault-injection runs than check's (not run by CI).
stress:
	scripts/stress.sh

demo:
	scripts/demo.sh

clean:
	-$(MAKE) -C $(KDIR) M=$(TOP)/kmod clean
	rm -rf build

.PHONY: all kmod user unit deps check check-debug stress demo clean

# ---- installation and packages ---------------------------------------------
#   make install [PREFIX=/usr/local] [DESTDIR=]  module (kbuild modules_install
#                        for KDIR, depmod), library, headers (in
#                        $(PREFIX)/include/pciassign), CLI, VMM if built, man
#                        pages, udev rule (in udev's udevdir), modprobe.d,
#                        modules-load.d and RLIMIT_MEMLOCK examples,
#                        completion; without DESTDIR also ldconfig and a udev
#                        reload (Documentation/packaging.md)
#   make install-user    the same without the module
#   make install-dkms-src  the DKMS source tree under $(DESTDIR)/usr/src
#   make uninstall       remove what install put there
#   make deb             the source package and the pciassign-dkms,
#                        pciassign-tools, libpciassign0 and libpciassign-dev
#                        .debs in build/deb
PREFIX ?= /usr/local
DESTDIR ?=
VERSION := $(shell cat $(TOP)/VERSION)
PKG_BUILD := $(or $(PCIASSIGN_BUILD),$(TOP)/build)
DKMS_SRC := /usr/src/pciassign-$(VERSION)
KRELEASE = $(shell sed -n 's/^#define UTS_RELEASE "\(.*\)"/\1/p' $(KDIR)/include/generated/utsrelease.h 2>/dev/null)

install: install-kmod install-user

install-kmod: kmod
	$(MAKE) -C $(KDIR) M=$(TOP)/kmod INSTALL_MOD_PATH=$(DESTDIR) modules_install
	# kbuild skips depmod without a System.map; a live install needs it.
	if [ -z "$(DESTDIR)" ]; then depmod -a $(KRELEASE); fi

install-user:
	$(MAKE) -C user install

# Only what kmod/Kbuild reads: kmod/, uapi/ and VERSION, plus dkms.conf.
install-dkms-src:
	install -d $(DESTDIR)$(DKMS_SRC)/kmod $(DESTDIR)$(DKMS_SRC)/uapi/linux
	install -m 0644 dkms.conf VERSION $(DESTDIR)$(DKMS_SRC)/
	install -m 0644 kmod/Kbuild kmod/Makefile kmod/*.[ch] $(DESTDIR)$(DKMS_SRC)/kmod/
	install -m 0644 uapi/linux/*.h $(DESTDIR)$(DKMS_SRC)/uapi/linux/

uninstall:
	$(MAKE) -C user uninstall
	rm -f $(DESTDIR)/lib/modules/$(KRELEASE)/updates/pciassign.ko \
		$(DESTDIR)/lib/modules/$(KRELEASE)/extra/pciassign.ko
	if [ -z "$(DESTDIR)" ] && [ -n "$(KRELEASE)" ]; then depmod -a $(KRELEASE); fi

deb:
	packaging/build-deb.sh $(PKG_BUILD)/deb

.PHONY: install install-kmod install-user install-dkms-src uninstall deb

# ---- benchmarks (never part of check) --------------------------------------
#   make bench           pciassign vs VFIO in the rig (BENCH_KERNEL=6.1|6.12,
#                        default 6.12); report in results/bench-<date>/
bench:
	tests/bench/run-bench.sh

.PHONY: bench
