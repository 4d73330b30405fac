# pciassign top-level build.
#   make                 module (against KDIR) and userspace
#   make check           every test: unit, module builds, the QEMU rig on both kernels
#   make demo            the rig demo (README)
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

demo:
	scripts/demo.sh

clean:
	-$(MAKE) -C $(KDIR) M=$(TOP)/kmod clean
	rm -rf build

.PHONY: all kmod user unit deps check demo clean
