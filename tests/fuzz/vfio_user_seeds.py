#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Seeds for fuzz_vfio_user: one well-formed message of each command the
codec decodes, in the harness's input layout (flags byte, limits byte,
message). vfio_user_seeds.py DIR writes them into DIR."""
import os
import struct
import sys

FIX_SIZE = 0x10      # harness: set the header's size field
JSON_MODE = 0x20     # harness: the rest is VERSION's JSON
XFER = 255           # harness: max_data_xfer_size (255 + 1) * 16 = 4096

QEMU_CAPS = (b'{"capabilities": {"migration": {"pgsize": 4096, '
             b'"max_bitmap_size": 268435456}, "max_msg_fds": 16, '
             b'"max_data_xfer_size": 1048576, "pgsizes": 4096, '
             b'"max_dma_maps": 65535, "write_multiple": true}}')


def msg(command, payload, msg_id=1, flags=0):
    return struct.pack('<HHIII', msg_id, command, 16 + len(payload), flags, 0) + payload


def seed(nfds, message, extra=0):
    return bytes([nfds | FIX_SIZE | extra, XFER]) + message


FIELDS = 0x80        # harness: the message built from fields
PAYLOAD_LEN = 0xfe   # a field: the payload's length
TAIL_LEN = 0xff      # a field: the length of the data after the fields


def edge(i):
    """A field set to the harness's edges[i]."""
    return 0x40 + i


def fields(nfds, command, selectors, tail=b''):
    return bytes([FIELDS | nfds, XFER, command] + selectors) + tail


SEEDS = {
    'version': seed(0, msg(1, struct.pack('<HH', 0, 0) + QEMU_CAPS + b'\0')),
    'version-json': bytes([JSON_MODE, XFER]) + QEMU_CAPS,
    'dma-map-fd': seed(1, msg(2, struct.pack('<IIQQQ', 32, 3, 0x10000, 0x100000, 0x200000))),
    'dma-map': seed(0, msg(2, struct.pack('<IIQQQ', 32, 1, 0, 0xc0000, 0x1000))),
    'dma-unmap': seed(0, msg(3, struct.pack('<IIQQ', 24, 0, 0x100000, 0x200000))),
    'dma-unmap-all': seed(0, msg(3, struct.pack('<IIQQ', 24, 2, 0, 0))),
    'device-info': seed(0, msg(4, struct.pack('<IIII', 16, 0, 0, 0))),
    'region-info': seed(0, msg(5, struct.pack('<IIIIQQ', 80, 0, 2, 0, 0, 0))),
    'irq-info': seed(0, msg(7, struct.pack('<IIII', 16, 0, 2, 0))),
    'set-irqs-eventfd': seed(2, msg(8, struct.pack('<IIIII', 20, 0x24, 2, 0, 2))),
    'set-irqs-bool': seed(0, msg(8, struct.pack('<IIIII', 23, 0x0a, 2, 0, 3) + b'\1\0\1')),
    'set-irqs-off': seed(0, msg(8, struct.pack('<IIIII', 20, 0x21, 1, 0, 0))),
    'region-read': seed(0, msg(9, struct.pack('<QII', 0x10, 7, 4))),
    'region-write': seed(0, msg(10, struct.pack('<QII', 0x10, 0, 4) + b'\1\2\3\4'), 0x40),
    'reset': seed(0, msg(13, b'', flags=0x10)),
    # edges[]: 0 0, 2 2, 4 4, 8 24, 9 32, 12 0x1000, 14 0x2000, 15 0x200000
    'fields-dma-map': fields(1, 2, [PAYLOAD_LEN, 0, 3, 0, 0, 0, edge(12), edge(15), edge(14)]),
    'fields-dma-unmap': fields(0, 3, [edge(8), edge(0), edge(15), edge(14)]),
    'fields-region-info': fields(0, 5, [edge(9), edge(0), edge(2)]),
    'fields-set-irqs-bool': fields(0, 8, [PAYLOAD_LEN, 0, 0x0a, 0, 0, 0, edge(2), edge(0),
                                          TAIL_LEN], b'\1\0\1'),
    'fields-region-read': fields(0, 9, [edge(12), edge(0), edge(4)]),
    'fields-region-write': fields(0, 10, [edge(12), edge(0), TAIL_LEN], b'\1\2\3\4'),
}

os.makedirs(sys.argv[1], exist_ok=True)
for name, data in SEEDS.items():
    with open(os.path.join(sys.argv[1], name), 'wb') as f:
        f.write(data)
