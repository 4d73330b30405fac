/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The vfio-user protocol (QEMU docs/interop/vfio-user.rst), server side:
 * a codec that decodes the client's commands and encodes the replies, and
 * the two socket calls that move one message with its file descriptors.
 *
 * The codec does no I/O and keeps no state. vu_decode() trusts nothing in
 * a message: every length, count, range and file-descriptor count is
 * checked before a field is handed out, and pointers it hands out (write
 * data, IRQ booleans) point into the caller's buffer. It never closes a
 * descriptor: a caller whose decode failed closes every one it received.
 *
 * Wire format: a 16-byte header, then the command's payload; integers are
 * little-endian (the spec says host order; every host this runs on is
 * little-endian, and the codec reads bytes, so alignment never matters).
 */
#ifndef PA_VFIO_USER_PROTO_H
#define PA_VFIO_USER_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Protocol version spoken: 0.0 is what QEMU's client proposes. */
#define VU_VERSION_MAJOR	0
#define VU_VERSION_MINOR	0

/* Commands (the spec's numbering). */
enum vu_command {
	VU_CMD_VERSION			= 1,
	VU_CMD_DMA_MAP			= 2,
	VU_CMD_DMA_UNMAP		= 3,
	VU_CMD_DEVICE_GET_INFO		= 4,
	VU_CMD_DEVICE_GET_REGION_INFO	= 5,
	VU_CMD_DEVICE_GET_REGION_IO_FDS	= 6,
	VU_CMD_DEVICE_GET_IRQ_INFO	= 7,
	VU_CMD_DEVICE_SET_IRQS		= 8,
	VU_CMD_REGION_READ		= 9,
	VU_CMD_REGION_WRITE		= 10,
	VU_CMD_DMA_READ			= 11,
	VU_CMD_DMA_WRITE		= 12,
	VU_CMD_DEVICE_RESET		= 13,
	VU_CMD_DIRTY_PAGES		= 14,
	VU_CMD_REGION_WRITE_MULTI	= 15,
	VU_CMD_DEVICE_FEATURE		= 16,
	VU_CMD_MIG_DATA_READ		= 17,
	VU_CMD_MIG_DATA_WRITE		= 18,
};

/* Header flags. */
#define VU_FLAG_TYPE_MASK	0x0fu
#define VU_FLAG_TYPE_COMMAND	0x00u
#define VU_FLAG_TYPE_REPLY	0x01u
#define VU_FLAG_NO_REPLY	0x10u
#define VU_FLAG_ERROR		0x20u
#define VU_FLAG_KNOWN		(VU_FLAG_TYPE_MASK | VU_FLAG_NO_REPLY | VU_FLAG_ERROR)

/* Fixed sizes on the wire. */
#define VU_HDR_SIZE		16u
#define VU_DMA_MAP_SIZE		32u	/* argsz, flags, offset, address, size */
#define VU_DMA_UNMAP_SIZE	24u	/* argsz, flags, address, size */
#define VU_DEVICE_INFO_SIZE	16u	/* argsz, flags, num_regions, num_irqs */
#define VU_REGION_INFO_SIZE	32u	/* argsz, flags, index, cap_offset, size, offset */
#define VU_IRQ_INFO_SIZE	16u	/* argsz, flags, index, count */
#define VU_IRQ_SET_SIZE		20u	/* argsz, flags, index, start, count */
#define VU_REGION_RW_SIZE	16u	/* offset, region, count */
#define VU_CAP_HDR_SIZE		8u	/* id, version, next */
#define VU_SPARSE_HDR_SIZE	8u	/* nr_areas, reserved */
#define VU_SPARSE_AREA_SIZE	16u	/* offset, size */

/* DMA_MAP flags; DMA_UNMAP flags. */
#define VU_DMA_READ		0x1u
#define VU_DMA_WRITE		0x2u
#define VU_UNMAP_DIRTY_BITMAP	0x1u	/* migration: refused (ENOTSUP) */
#define VU_UNMAP_ALL		0x2u

/* DEVICE_GET_INFO reply flags (VFIO_DEVICE_FLAGS_*). */
#define VU_DEVICE_FLAG_RESET	0x1u
#define VU_DEVICE_FLAG_PCI	0x2u

/* Region info flags (VFIO_REGION_INFO_FLAG_*), the sparse mmap capability. */
#define VU_REGION_READ		0x1u
#define VU_REGION_WRITE		0x2u
#define VU_REGION_MMAP		0x4u
#define VU_REGION_CAPS		0x8u
#define VU_CAP_SPARSE_MMAP	1u
#define VU_CAP_SPARSE_MMAP_VERSION 1u

/* IRQ info flags (VFIO_IRQ_INFO_*). */
#define VU_IRQ_INFO_EVENTFD	0x1u
#define VU_IRQ_INFO_MASKABLE	0x2u
#define VU_IRQ_INFO_AUTOMASKED	0x4u
#define VU_IRQ_INFO_NORESIZE	0x8u

/* SET_IRQS flags (VFIO_IRQ_SET_*): one data type and one action. */
#define VU_IRQ_DATA_NONE	0x01u
#define VU_IRQ_DATA_BOOL	0x02u
#define VU_IRQ_DATA_EVENTFD	0x04u
#define VU_IRQ_DATA_MASK	0x07u
#define VU_IRQ_ACTION_MASK	0x08u
#define VU_IRQ_ACTION_UNMASK	0x10u
#define VU_IRQ_ACTION_TRIGGER	0x20u
#define VU_IRQ_ACTION_ALL	0x38u

/* Defaults the spec gives a capability a peer leaves out. */
#define VU_DEFAULT_MAX_MSG_FDS	1u
#define VU_DEFAULT_MAX_XFER	(1024u * 1024u)
#define VU_DEFAULT_MAX_DMA_MAPS	65535u
#define VU_DEFAULT_PGSIZES	4096u

/* More descriptors than any message may carry (the kernel's SCM_MAX_FD). */
#define VU_FDS_LIMIT		253u
/* Version JSON nesting the reader follows before it gives up. */
#define VU_JSON_MAX_DEPTH	8

/* The capabilities object of a VERSION message (one peer's side). */
struct vu_caps {
	uint64_t max_msg_fds;		/* descriptors it takes in one message */
	uint64_t max_data_xfer_size;	/* largest read/write count it takes */
	uint64_t pgsizes;		/* DMA page sizes, OR'ed */
	uint64_t max_dma_maps;		/* DMA windows at once */
	bool write_multiple;
	bool twin_socket;		/* twin_socket.supported */
	bool migration;			/* a "migration" object was present */
	unsigned int present;		/* VU_CAP_HAS_* of the members given */
};
#define VU_CAP_HAS_MAX_MSG_FDS	0x01u
#define VU_CAP_HAS_MAX_XFER	0x02u
#define VU_CAP_HAS_PGSIZES	0x04u
#define VU_CAP_HAS_MAX_DMA_MAPS	0x08u
#define VU_CAP_HAS_WRITE_MULTI	0x10u
#define VU_CAP_HAS_TWIN_SOCKET	0x20u
#define VU_CAP_HAS_MIGRATION	0x40u
#define VU_CAP_HAS_OBJECT	0x80u	/* "capabilities" itself was given */

/* Sets every member to the spec's default, present = 0. */
void vu_caps_defaults(struct vu_caps *caps);

/*
 * What the server accepts, fixed by what it offered in its VERSION reply:
 * vu_decode() refuses read/write counts above max_data_xfer_size, more
 * descriptors than max_msg_fds, and DMA ranges not aligned to dma_pgsize
 * (the smallest page size offered; 0 skips the alignment check).
 */
struct vu_limits {
	uint32_t max_data_xfer_size;
	uint32_t max_msg_fds;
	uint64_t dma_pgsize;
};

/*
 * The buffer a server receives into: a REGION_WRITE of the most data, and
 * no less than VU_MIN_MSG_BUF (room for a VERSION's JSON).
 */
#define VU_MIN_MSG_BUF		4096u
size_t vu_max_msg_size(const struct vu_limits *lim);

struct vu_hdr {
	uint16_t msg_id;
	uint16_t command;
	uint32_t size;		/* header included */
	uint32_t flags;
	uint32_t error_no;
};

struct vu_msg {
	struct vu_hdr hdr;
	/*
	 * Set when the header was well-formed, even if the payload was not:
	 * the server can then send an error reply (unless NO_REPLY is set)
	 * and go on with the next message. A message whose header is bad
	 * (unknown flags, a reply, an error on a command, a size that is
	 * not its length) cannot be answered: drop the connection.
	 */
	bool hdr_valid;
	unsigned int nfds;	/* descriptors that came with it */
	union {
		struct {
			uint16_t major, minor;
			struct vu_caps caps;	/* defaults where not given */
		} version;
		struct {
			uint32_t argsz, flags;
			uint64_t offset, address, size;
			bool has_fd;		/* fds[0] backs the window */
		} dma_map;
		struct {
			uint32_t argsz, flags;
			uint64_t address, size;
		} dma_unmap;
		struct {
			uint32_t argsz;
		} device_info;
		struct {
			uint32_t argsz, index;
		} region_info;
		struct {
			uint32_t argsz, index;
		} irq_info;
		struct {
			uint32_t argsz, flags, index, start, count;
			const uint8_t *bools;	/* count bytes, DATA_BOOL only */
			bool has_fds;		/* DATA_EVENTFD: count fds; else de-assign */
		} set_irqs;
		struct {
			uint64_t offset;
			uint32_t region, count;
			const uint8_t *data;	/* REGION_WRITE: count bytes */
		} region_rw;
	} u;
};

/*
 * Checks a header alone (as read off the socket before the payload):
 * size at least the header's, known flag bits, a known type, the error
 * bit and error number only on replies. Returns 0 or -EBADMSG / -EINVAL.
 */
int vu_hdr_parse(const void *buf, size_t len, struct vu_hdr *hdr);

/*
 * Decodes one client command of exactly len bytes, received with nfds
 * descriptors. Returns 0, or a negative errno:
 *   -EBADMSG  short header, size field not len, malformed header
 *   -EINVAL   a payload of the wrong length, a bad field, a bad descriptor
 *             count, a range that wraps, malformed capabilities JSON
 *   -E2BIG    a read or write count above lim->max_data_xfer_size, or
 *             more descriptors than lim->max_msg_fds
 *   -ENOTSUP  a command (or a flag, or a major version) this server has not
 *             got: server-to-client commands, migration, region I/O fds,
 *             multi-writes, device features
 * out->hdr_valid says whether out->hdr can be replied to.
 */
int vu_decode(const void *buf, size_t len, unsigned int nfds,
	      const struct vu_limits *lim, struct vu_msg *out);

/*
 * Parses the VERSION capabilities JSON (len bytes, no NUL) into caps,
 * which it first sets to the defaults. Returns 0 or -EINVAL.
 */
int vu_parse_caps_json(const char *json, size_t len, struct vu_caps *caps);

/*
 * Encoders: each writes one whole reply to req (same msg_id and command)
 * into buf of cap bytes and returns its length, or -ENOSPC if it does not
 * fit (or -EINVAL for arguments no reply could carry).
 */

/* A reply with no payload (DMA_MAP, SET_IRQS, DEVICE_RESET). */
ssize_t vu_enc_reply(void *buf, size_t cap, const struct vu_hdr *req);

/* An error reply: the header alone, ERROR set, err (a positive errno). */
ssize_t vu_enc_error(void *buf, size_t cap, const struct vu_hdr *req, int err);

/*
 * The VERSION reply: our version (minor at most the client's) and what
 * we offer: max_msg_fds, max_data_xfer_size, pgsizes, max_dma_maps (no
 * migration, no write_multiple, no twin socket). NUL-terminated JSON.
 * QEMU's client (hw/vfio-user/) refuses a reply offering more than 16
 * max_msg_fds, 64 MiB max_data_xfer_size or 65535 max_dma_maps, or page
 * sizes below 4 KiB; it splits SET_IRQS into messages of max_msg_fds
 * eventfds.
 */
ssize_t vu_enc_version(void *buf, size_t cap, const struct vu_hdr *req,
		       uint16_t client_minor, const struct vu_caps *offer);

/* DMA_UNMAP: the request's fields echoed (argsz 24). */
ssize_t vu_enc_dma_unmap(void *buf, size_t cap, const struct vu_hdr *req,
			 uint32_t flags, uint64_t address, uint64_t size);

ssize_t vu_enc_device_info(void *buf, size_t cap, const struct vu_hdr *req,
			   uint32_t flags, uint32_t num_regions, uint32_t num_irqs);

struct vu_sparse_area {
	uint64_t offset, size;
};

struct vu_region_desc {
	uint32_t index;
	uint32_t flags;		/* VU_REGION_READ/WRITE/MMAP; CAPS is derived */
	uint64_t size;
	uint64_t offset;	/* mmap offset of the region in its fd */
	uint32_t nr_areas;	/* sparse mmap areas; 0: none (whole or no mmap) */
	const struct vu_sparse_area *areas;
};

/*
 * DEVICE_GET_REGION_INFO: argsz in the reply is what the whole answer
 * takes (the region info and a sparse mmap capability when the region
 * has areas). When the client's argsz (req_argsz) is smaller, the reply
 * is the region info alone, without the CAPS flag, so that the client
 * asks again with more room. *full (optional) tells whether the whole
 * answer went out: send the region's fd with a full MMAP reply only.
 */
ssize_t vu_enc_region_info(void *buf, size_t cap, const struct vu_hdr *req,
			   uint32_t req_argsz, const struct vu_region_desc *rd,
			   bool *full);

ssize_t vu_enc_irq_info(void *buf, size_t cap, const struct vu_hdr *req,
			uint32_t flags, uint32_t index, uint32_t count);

/*
 * REGION_READ: header and fields for count bytes of data; the data itself
 * is the caller's to put at *data (inside buf) before sending.
 */
ssize_t vu_enc_region_read(void *buf, size_t cap, const struct vu_hdr *req,
			   uint64_t offset, uint32_t region, uint32_t count,
			   uint8_t **data);

/* REGION_WRITE: offset, region and count echoed. */
ssize_t vu_enc_region_write(void *buf, size_t cap, const struct vu_hdr *req,
			    uint64_t offset, uint32_t region, uint32_t count);

/* A human name for a command code ("DMA_MAP"), "?" for unknown ones. */
const char *vu_command_name(unsigned int command);

/*
 * Socket side. vu_recv() reads exactly one message into buf (cap bytes)
 * with the SCM_RIGHTS descriptors that came with it (into fds, at most
 * max_fds, close-on-exec), and returns its length, 0 on an orderly close
 * between messages, or a negative errno; on any error every descriptor
 * received is closed and *nfds is 0:
 *   -EBADMSG  the peer closed inside a message, or a size field below the
 *             header's (the rest of the header is vu_decode()'s to check)
 *   -E2BIG    a header whose size is above cap (nothing more is read)
 *   -EMSGSIZE more descriptors than max_fds, or truncated control data
 *   -EAGAIN   a non-blocking socket with nothing to read (only before a
 *             message's first byte: past it, vu_recv() waits for the rest)
 *   -EINVAL   cap below a header; recvmsg()'s own errors as they come
 * After -EMSGSIZE the whole message was read and dropped (the next one
 * can follow); after -EBADMSG, -E2BIG or a recvmsg() error the stream is
 * out of step: close it.
 */
ssize_t vu_recv(int sock, void *buf, size_t cap, int *fds,
		unsigned int max_fds, unsigned int *nfds);

/* Sends len bytes with nfds descriptors (on the first byte). 0 or -errno. */
int vu_send(int sock, const void *buf, size_t len, const int *fds,
	    unsigned int nfds);

/* Closes n descriptors and sets each to -1 (negative ones skipped). */
void vu_close_fds(int *fds, unsigned int n);

#endif /* PA_VFIO_USER_PROTO_H */
