/*
 * csum_liburing.h: the part of liburing 2.3 (and of libc) that the csum FFM binding covers,
 * in the form jextract takes as input. The Java side (package dev.csum.uring) is what jextract
 * would emit for this header, written by hand: see docs/BINDING.md.
 *
 * The structs below restate liburing 2.3's ABI (Debian 12: liburing2 2.3-3, x86_64, LP64) so that
 * jextract sees only what the binding uses. They must not drift from the system <liburing.h>:
 * dev.csum.uring.LayoutAgainstSystemHeaderTest compiles a C program against the system header and
 * fails the build when a size, an offset or a constant here or in Java differs.
 */
#ifndef CSUM_LIBURING_H
#define CSUM_LIBURING_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE       /* statx(), fallocate() */
#endif

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>      /* struct iovec */
#include <sys/stat.h>     /* struct statx, statx(), STATX_*, S_IF* */
#include <fcntl.h>        /* open(), O_*, AT_EMPTY_PATH, fallocate(), FALLOC_FL_*, fcntl(), F_OFD_*, struct flock */
#include <stdio.h>        /* SEEK_SET */
#include <unistd.h>       /* close(), ftruncate() */
#include <sys/ioctl.h>    /* ioctl() */
#include <sys/eventfd.h>  /* eventfd(), eventfd_write(), EFD_CLOEXEC */
#include <linux/fs.h>     /* BLKGETSIZE64, BLKSSZGET, RWF_DSYNC */

/* ---- Kernel ABI (from <linux/io_uring.h>) ---------------------------------------------- */

struct io_uring_sqe {
	uint8_t  opcode;        /* IORING_OP_* */
	uint8_t  flags;         /* IOSQE_* */
	uint16_t ioprio;
	int32_t  fd;            /* file descriptor, or registered-file index with IOSQE_FIXED_FILE */
	uint64_t off;           /* file offset in bytes */
	uint64_t addr;          /* buffer address */
	uint32_t len;           /* buffer length in bytes */
	uint32_t rw_flags;      /* RWF_* for reads/writes; fsync_flags for IORING_OP_FSYNC */
	uint64_t user_data;     /* echoed in the completion */
	uint16_t buf_index;     /* registered-buffer index for READ_FIXED / WRITE_FIXED */
	uint16_t personality;
	uint32_t file_index;
	uint64_t addr3;
	uint64_t __pad2[1];
};

struct io_uring_cqe {
	uint64_t user_data;     /* the submission's user_data */
	int32_t  res;           /* bytes transferred, 0, or -errno */
	uint32_t flags;
};

struct io_sqring_offsets {
	uint32_t head, tail, ring_mask, ring_entries, flags, dropped, array, resv1;
	uint64_t resv2;
};

struct io_cqring_offsets {
	uint32_t head, tail, ring_mask, ring_entries, overflow, cqes, flags, resv1;
	uint64_t resv2;
};

struct io_uring_params {
	uint32_t sq_entries;
	uint32_t cq_entries;
	uint32_t flags;         /* IORING_SETUP_* */
	uint32_t sq_thread_cpu;
	uint32_t sq_thread_idle;
	uint32_t features;      /* IORING_FEAT_*, filled by the kernel */
	uint32_t wq_fd;
	uint32_t resv[3];
	struct io_sqring_offsets sq_off;
	struct io_cqring_offsets cq_off;
};

#define IORING_OP_NOP          0
#define IORING_OP_FSYNC        3
#define IORING_OP_READ_FIXED   4
#define IORING_OP_WRITE_FIXED  5
#define IORING_OP_FALLOCATE   17  /* fd, off = offset, addr = length, len = mode (io_uring_prep_fallocate) */
#define IORING_OP_READ        22
#define IORING_OP_WRITE       23

#define IOSQE_FIXED_FILE  (1U << 0)
#define IOSQE_IO_DRAIN    (1U << 1)
#define IOSQE_IO_LINK     (1U << 2)

#define IORING_FSYNC_DATASYNC   (1U << 0)

#define IORING_SETUP_SQE128          (1U << 10)
#define IORING_SETUP_CQE32           (1U << 11)
#define IORING_SETUP_COOP_TASKRUN    (1U << 8)
#define IORING_SETUP_SINGLE_ISSUER   (1U << 12)
#define IORING_SETUP_DEFER_TASKRUN   (1U << 13)
#define IORING_FEAT_NODROP           (1U << 1)
#define IORING_FEAT_SUBMIT_STABLE    (1U << 2)

/* ---- liburing's view of a ring (from <liburing.h>) --------------------------------------- */

struct io_uring_sq {
	unsigned *khead;        /* kernel-owned head: the kernel advances it as it consumes SQEs */
	unsigned *ktail;        /* user-owned tail: io_uring_submit() publishes sqe_tail here */
	unsigned *kring_mask;
	unsigned *kring_entries;
	unsigned *kflags;
	unsigned *kdropped;
	unsigned *array;        /* index array; liburing 2.3 fills it with 0..n-1 once, at init */
	struct io_uring_sqe *sqes;
	unsigned sqe_head;      /* first SQE not yet flushed to *ktail */
	unsigned sqe_tail;      /* next free SQE; io_uring_get_sqe() bumps it, the binding does too */
	size_t ring_sz;
	void *ring_ptr;
	unsigned ring_mask;
	unsigned ring_entries;
	unsigned pad[2];
};

struct io_uring_cq {
	unsigned *khead;        /* user-owned head: released after the CQEs are read */
	unsigned *ktail;        /* kernel-owned tail: acquired before the CQEs are read */
	unsigned *kring_mask;
	unsigned *kring_entries;
	unsigned *kflags;
	unsigned *koverflow;
	struct io_uring_cqe *cqes;
	size_t ring_sz;
	void *ring_ptr;
	unsigned ring_mask;
	unsigned ring_entries;
	unsigned pad[2];
};

struct io_uring {
	struct io_uring_sq sq;
	struct io_uring_cq cq;
	unsigned flags;
	int ring_fd;
	unsigned features;
	int enter_ring_fd;
	uint8_t int_flags;
	uint8_t pad[3];
	unsigned pad2;
};

/* ---- liburing functions (exported symbols of liburing.so.2) ------------------------------ */

int  io_uring_queue_init_params(unsigned entries, struct io_uring *ring, struct io_uring_params *p);
int  io_uring_queue_init(unsigned entries, struct io_uring *ring, unsigned flags);
void io_uring_queue_exit(struct io_uring *ring);
int  io_uring_submit(struct io_uring *ring);
int  io_uring_submit_and_wait(struct io_uring *ring, unsigned wait_nr);
int  io_uring_register_buffers(struct io_uring *ring, const struct iovec *iovecs, unsigned nr_iovecs);
int  io_uring_unregister_buffers(struct io_uring *ring);
int  io_uring_register_files(struct io_uring *ring, const int *files, unsigned nr_files);
int  io_uring_unregister_files(struct io_uring *ring);

/*
 * Not bound on purpose: io_uring_get_sqe, io_uring_prep_*, io_uring_cq_advance, io_uring_cqe_seen,
 * io_uring_peek_cqe and io_uring_wait_cqe are static inline in liburing 2.3 (no symbol to link).
 * The binding does their work in Java directly on the mmap'd rings; see docs/BINDING.md.
 */

/* ---- libc (glibc 2.36) -------------------------------------------------------------------- */

int open(const char *pathname, int flags, ...);          /* variadic: mode_t mode with O_CREAT */
int close(int fd);
int statx(int dirfd, const char *pathname, int flags, unsigned int mask, struct statx *statxbuf);
int ioctl(int fd, unsigned long request, ...);            /* variadic: BLKGETSIZE64, BLKSSZGET */
int fallocate(int fd, int mode, off_t offset, off_t len);
int ftruncate(int fd, off_t length);
int eventfd(unsigned int initval, int flags);
int eventfd_write(int fd, eventfd_t value);
int fcntl(int fd, int cmd, ...);                         /* variadic: struct flock * with F_OFD_SETLK */

#endif /* CSUM_LIBURING_H */
