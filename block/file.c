/*
 * The host file under every image: plain files and block devices.
 * aio=threads runs batches of requests on a thread pool; aio=native submits
 * them to the kernel with libaio (Linux io_submit), which only behaves
 * asynchronously with O_DIRECT (cache=none); aio=io_uring queues them on an
 * io_uring (file-uring.c), asynchronous with the page cache too. Single
 * requests are plain system calls under threads and io_uring (a ring round
 * trip costs more than it saves for one). With O_DIRECT, requests that are
 * not aligned to the device's logical block go through an aligned bounce buffer.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "config-host.h"
#include "block/block_int.h"
#include "block/file-uring.h"
#include "block/thread-pool.h"

#ifdef CONFIG_LIBAIO
#include <libaio.h>
#endif

#define NATIVE_AIO_DEPTH 128
#define URING_DEPTH 128
#define ZERO_CHUNK (1024 * 1024)

struct BlockFile {
    int fd;
    char filename[4096];
    bool writable, direct, block_device;
    uint32_t alignment;              /* 1 unless O_DIRECT */
    pthread_mutex_t unaligned_lock;  /* read-modify-write of partial blocks */
    pthread_mutex_t pool_lock;
    ThreadPool *pool;                /* aio=threads, created on first batch */
    BlockUring *uring;               /* aio=io_uring */
    /* a length the file is known to have reached (fstat), so that checking
     * that data lies inside the file costs no system call per read; lowered
     * to 0 (asked again) when we truncate the file */
    _Atomic uint64_t known_length;
#ifdef CONFIG_LIBAIO
    io_context_t aio_context;
    bool native;
#endif
};

/* strict: the end of the file before BYTES is -EIO instead of zeros */
static int plain_pread(int fd, uint64_t offset, uint64_t bytes, void *buf, bool strict)
{
    uint8_t *p = buf;
    while (bytes) {
        ssize_t n = pread(fd, p, bytes, offset);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return -errno;
        }
        if (n == 0) {
            if (strict) {
                return -EIO;
            }
            memset(p, 0, bytes);     /* past the end of the file */
            return 0;
        }
        p += n;
        offset += n;
        bytes -= n;
    }
    return 0;
}

static int plain_pwrite(int fd, uint64_t offset, uint64_t bytes, const void *buf)
{
    const uint8_t *p = buf;
    while (bytes) {
        ssize_t n = pwrite(fd, p, bytes, offset);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return -errno;
        }
        if (n == 0) {
            return -ENOSPC;
        }
        p += n;
        offset += n;
        bytes -= n;
    }
    return 0;
}

static bool native_aio(const BlockFile *f)
{
#ifdef CONFIG_LIBAIO
    return f->native;
#else
    (void)f;
    return false;
#endif
}

static bool is_aligned(const BlockFile *f, uint64_t offset, uint64_t bytes, const void *buf)
{
    uint64_t mask = f->alignment - 1;
    return !(offset & mask) && !(bytes & mask) && !((uintptr_t)buf & mask);
}

static void *aligned_alloc_or_abort(size_t alignment, size_t size)
{
    void *p;
    if (posix_memalign(&p, alignment < 4096 ? 4096 : alignment, size ? size : alignment)) {
        abort();
    }
    return p;
}

/* O_DIRECT needs offsets, lengths and buffers aligned to the logical block size:
 * find it by trying a 512-byte read, then 4096 (the common sizes). */
static uint32_t probe_direct_alignment(BlockFile *f)
{
    if (f->block_device) {
        int size;
        if (ioctl(f->fd, BLKSSZGET, &size) == 0 && size > 0) {
            return size;
        }
    }
    void *buf = aligned_alloc_or_abort(4096, 4096);
    uint32_t result = 4096;
    for (uint32_t candidate = 512; candidate < 4096; candidate *= 2) {
        if (pread(f->fd, buf, candidate, 0) >= 0) {
            result = candidate;
            break;
        }
    }
    free(buf);
    return result;
}

/* Reads or writes through an aligned buffer covering [offset, offset+bytes). */
static int bounce_rw(BlockFile *f, uint64_t offset, uint64_t bytes, void *buf, bool write)
{
    uint64_t mask = f->alignment - 1;
    uint64_t start = offset & ~mask;
    uint64_t end = (offset + bytes + mask) & ~mask;
    uint8_t *bounce = aligned_alloc_or_abort(f->alignment, end - start);
    int ret;
    if (!write) {
        ret = plain_pread(f->fd, start, end - start, bounce, false);
        if (ret == 0) {
            memcpy(buf, bounce + (offset - start), bytes);
        }
        free(bounce);
        return ret;
    }
    pthread_mutex_lock(&f->unaligned_lock);
    int64_t old_length = block_file_length(f);
    ret = plain_pread(f->fd, start, end - start, bounce, false);
    if (ret == 0) {
        memcpy(bounce + (offset - start), buf, bytes);
        ret = plain_pwrite(f->fd, start, end - start, bounce);
    }
    /* writing whole blocks may have grown the file past what was asked for */
    if (ret == 0 && !f->block_device && old_length >= 0 &&
        end > (uint64_t)old_length && end > offset + bytes) {
        uint64_t wanted = offset + bytes > (uint64_t)old_length ? offset + bytes
                                                                 : (uint64_t)old_length;
        if (ftruncate(f->fd, wanted) < 0) {
            ret = -errno;
        }
    }
    pthread_mutex_unlock(&f->unaligned_lock);
    free(bounce);
    return ret;
}

int block_file_open(const char *filename, int flags, BlockFile **out, BlockErrorInfo *err)
{
    int open_flags = O_CLOEXEC | ((flags & BDRV_O_RDWR) ? O_RDWR : O_RDONLY);
    if (flags & BDRV_O_NOCACHE) {
        open_flags |= O_DIRECT;
    }
    int fd = open(filename, open_flags);
    if (fd < 0) {
        int e = errno;
        if (e == EINVAL && (flags & BDRV_O_NOCACHE)) {
            block_error_set(err, "Could not open '%s': the file system does not support O_DIRECT "
                     "(cache=none)", filename);
        } else {
            block_error_set(err, "Could not open '%s': %s", filename,
                     strerror(e));
        }
        return -e;
    }
    struct stat st;
    if (fstat(fd, &st) < 0 || (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode))) {
        block_error_set(err, "Could not open '%s': %s", filename,
                 S_ISDIR(st.st_mode) ? "Is a directory" : "not a regular file or block device");
        close(fd);
        return -EINVAL;
    }
    BlockFile *f = calloc(1, sizeof(*f));
    if (!f) {
        abort();
    }
    f->fd = fd;
    snprintf(f->filename, sizeof(f->filename), "%s", filename);
    f->writable = flags & BDRV_O_RDWR;
    f->direct = flags & BDRV_O_NOCACHE;
    f->block_device = S_ISBLK(st.st_mode);
    f->alignment = f->direct ? probe_direct_alignment(f) : 1;
    pthread_mutex_init(&f->unaligned_lock, NULL);
    pthread_mutex_init(&f->pool_lock, NULL);
#ifdef CONFIG_LIBAIO
    if (flags & BDRV_O_NATIVE_AIO) {
        f->native = io_setup(NATIVE_AIO_DEPTH, &f->aio_context) == 0;
    }
#endif
    if (flags & BDRV_O_IO_URING) {
        f->uring = block_uring_new(fd, URING_DEPTH);     /* NULL: threads instead */
    }
    *out = f;
    return 0;
}

void block_file_close(BlockFile *f)
{
    if (!f) {
        return;
    }
#ifdef CONFIG_LIBAIO
    if (f->native) {
        io_destroy(f->aio_context);
    }
#endif
    thread_pool_free(f->pool);
    block_uring_free(f->uring);
    pthread_mutex_destroy(&f->unaligned_lock);
    pthread_mutex_destroy(&f->pool_lock);
    close(f->fd);
    free(f);
}

int block_file_pread(BlockFile *f, uint64_t offset, uint64_t bytes, void *buf)
{
    if (bytes == 0) {
        return 0;
    }
    if (offset > INT64_MAX || bytes > INT64_MAX - offset) {
        return -EINVAL;
    }
    if (!is_aligned(f, offset, bytes, buf)) {
        return bounce_rw(f, offset, bytes, buf, false);
    }
#ifdef CONFIG_LIBAIO
    if (f->native) {
        BlockFileRequest req = { .offset = offset, .bytes = bytes, .buf = buf };
        return block_file_submit(f, &req, 1);
    }
#endif
    return plain_pread(f->fd, offset, bytes, buf, false);
}

int block_file_holds(BlockFile *f, uint64_t offset, uint64_t bytes)
{
    uint64_t known = atomic_load_explicit(&f->known_length, memory_order_relaxed);

    if (offset <= known && bytes <= known - offset) {
        return 0;
    }
    int64_t length = block_file_length(f);
    if (length < 0) {
        return (int)length;
    }
    atomic_store_explicit(&f->known_length, (uint64_t)length, memory_order_relaxed);
    return offset > (uint64_t)length || bytes > (uint64_t)length - offset ? -EIO : 0;
}

int block_file_pread_data(BlockFile *f, uint64_t offset, uint64_t bytes, void *buf)
{
    /* a short read of data the image's metadata says exists: the file was
     * truncated or the metadata is damaged; zeros would be silent data loss */
    int ret = block_file_holds(f, offset, bytes);

    if (ret < 0) {
        return ret;
    }
    if (bytes && offset <= INT64_MAX - bytes && is_aligned(f, offset, bytes, buf) &&
        !native_aio(f)) {
        /* the file may have shrunk since known_length was read: the end of
         * the file inside the range is an error here too */
        return plain_pread(f->fd, offset, bytes, buf, true);
    }
    return block_file_pread(f, offset, bytes, buf);
}

int block_file_pwrite(BlockFile *f, uint64_t offset, uint64_t bytes, const void *buf)
{
    if (!f->writable) {
        return -EBADF;
    }
    if (bytes == 0) {
        return 0;
    }
    if (offset > INT64_MAX || bytes > INT64_MAX - offset) {
        return -EINVAL;
    }
    if (!is_aligned(f, offset, bytes, buf)) {
        return bounce_rw(f, offset, bytes, (void *)buf, true);
    }
#ifdef CONFIG_LIBAIO
    if (f->native) {
        BlockFileRequest req = { .offset = offset, .bytes = bytes, .buf = (void *)buf,
                                 .write = true };
        return block_file_submit(f, &req, 1);
    }
#endif
    return plain_pwrite(f->fd, offset, bytes, buf);
}

int block_file_pwritev(BlockFile *f, uint64_t offset, const struct iovec *iov, int count)
{
    bool plain = f->writable && f->alignment == 1;
#ifdef CONFIG_LIBAIO
    plain &= !f->native;
#endif
    /* O_DIRECT and libaio: one request per buffer (each may need a bounce) */
    while (count > 0 && !plain) {
        int ret = block_file_pwrite(f, offset, iov->iov_len, iov->iov_base);
        if (ret < 0) {
            return ret;
        }
        offset += iov->iov_len;
        iov++;
        count--;
    }
    struct iovec rest[IOV_MAX];
    while (count > 0) {
        int n = count < IOV_MAX ? count : IOV_MAX;
        memcpy(rest, iov, n * sizeof(*rest));
        int first = 0;
        while (first < n) {
            ssize_t done = pwritev(f->fd, rest + first, n - first, offset);
            if (done < 0 && errno == EINTR) {
                continue;
            }
            if (done <= 0) {
                return done < 0 ? -errno : -ENOSPC;
            }
            offset += done;
            /* a short write: skip what went out, finish the rest */
            while (first < n && (size_t)done >= rest[first].iov_len) {
                done -= rest[first].iov_len;
                first++;
            }
            if (first < n) {
                rest[first].iov_base = (uint8_t *)rest[first].iov_base + done;
                rest[first].iov_len -= done;
            }
        }
        iov += n;
        count -= n;
    }
    return 0;
}

int block_file_flush(BlockFile *f)
{
    if (!f->writable) {
        return 0;
    }
    return fdatasync(f->fd) < 0 ? -errno : 0;
}

int block_file_truncate(BlockFile *f, uint64_t size)
{
    if (!f->writable) {
        return -EBADF;
    }
    if (f->block_device) {
        int64_t length = block_file_length(f);
        return length >= 0 && (uint64_t)length >= size ? 0 : -ENOSPC;
    }
    if (size > INT64_MAX) {
        return -EFBIG;
    }
    int ret = ftruncate(f->fd, size) < 0 ? -errno : 0;
    atomic_store_explicit(&f->known_length, 0, memory_order_relaxed);
    return ret;
}

int64_t block_file_length(BlockFile *f)
{
    if (f->block_device) {
        uint64_t size;
        return ioctl(f->fd, BLKGETSIZE64, &size) < 0 ? -errno : (int64_t)size;
    }
    struct stat st;
    return fstat(f->fd, &st) < 0 ? -errno : st.st_size;
}

int64_t block_file_allocated_size(BlockFile *f)
{
    struct stat st;
    if (fstat(f->fd, &st) < 0) {
        return -errno;
    }
    return f->block_device ? block_file_length(f) : (int64_t)st.st_blocks * 512;
}

int block_file_discard(BlockFile *f, uint64_t offset, uint64_t bytes)
{
    if (!f->writable) {
        return -EBADF;
    }
    if (fallocate(f->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, offset, bytes) < 0) {
        return -errno;
    }
    return 0;
}

int block_file_write_zeroes(BlockFile *f, uint64_t offset, uint64_t bytes, bool unmap)
{
    if (!f->writable) {
        return -EBADF;
    }
    int64_t length = block_file_length(f);
    if (length >= 0 && offset >= (uint64_t)length && !f->block_device) {
        /* past the end a hole is as good as zeros */
        return ftruncate(f->fd, offset + bytes) < 0 ? -errno : 0;
    }
    if (unmap && block_file_discard(f, offset, bytes) == 0) {
        if (length >= 0 && offset + bytes > (uint64_t)length && !f->block_device) {
            return ftruncate(f->fd, offset + bytes) < 0 ? -errno : 0;
        }
        return 0;
    }
    if (!f->block_device && fallocate(f->fd, FALLOC_FL_ZERO_RANGE, offset, bytes) == 0) {
        return 0;
    }
    uint64_t chunk = bytes < ZERO_CHUNK ? bytes : ZERO_CHUNK;
    uint8_t *zeros = aligned_alloc_or_abort(f->alignment, chunk);
    memset(zeros, 0, chunk);
    int ret = 0;
    while (bytes && ret == 0) {
        uint64_t n = bytes < chunk ? bytes : chunk;
        ret = block_file_pwrite(f, offset, n, zeros);
        offset += n;
        bytes -= n;
    }
    free(zeros);
    return ret;
}

int block_file_preallocate(BlockFile *f, uint64_t offset, uint64_t bytes)
{
    if (!f->writable) {
        return -EBADF;
    }
    int ret = posix_fallocate(f->fd, offset, bytes);
    return ret ? -ret : 0;
}

int block_file_status(BlockFile *f, uint64_t offset, uint64_t bytes, uint64_t *pnum)
{
    off_t data = lseek(f->fd, offset, SEEK_DATA);
    if (data < 0) {
        /* ENXIO: no data after offset (or offset past the end): the rest is
         * a hole; without SEEK_DATA support, what lies before the end is data */
        bool hole = errno == ENXIO;
        int64_t length = hole ? 0 : block_file_length(f);
        *pnum = bytes;
        return hole || (length >= 0 && offset >= (uint64_t)length) ? BDRV_BLOCK_ZERO
                                                                     : BDRV_BLOCK_DATA;
    }
    if ((uint64_t)data > offset) {
        uint64_t hole = data - offset;
        *pnum = hole < bytes ? hole : bytes;
        return BDRV_BLOCK_ZERO;
    }
    off_t hole = lseek(f->fd, offset, SEEK_HOLE);
    if (hole < 0 || (uint64_t)hole <= offset) {
        *pnum = bytes;
        return BDRV_BLOCK_DATA;
    }
    uint64_t run = hole - offset;
    *pnum = run < bytes ? run : bytes;
    return BDRV_BLOCK_DATA;
}

static void run_request(void *item, void *context)
{
    BlockFileRequest *req = item;
    BlockFile *f = context;
    if (req->write && !f->writable) {
        req->ret = -EBADF;
    } else if (!is_aligned(f, req->offset, req->bytes, req->buf)) {
        req->ret = bounce_rw(f, req->offset, req->bytes, req->buf, req->write);
    } else {
        req->ret = req->write ? plain_pwrite(f->fd, req->offset, req->bytes, req->buf)
                              : plain_pread(f->fd, req->offset, req->bytes, req->buf, false);
    }
}

#ifdef CONFIG_LIBAIO
/* Submits the aligned requests to the kernel in groups of NATIVE_AIO_DEPTH and
 * waits for them; unaligned ones run synchronously. */
static int native_submit(BlockFile *f, BlockFileRequest *reqs, unsigned count)
{
    struct iocb iocbs[NATIVE_AIO_DEPTH], *pointers[NATIVE_AIO_DEPTH];
    struct io_event events[NATIVE_AIO_DEPTH];
    unsigned i = 0;
    while (i < count) {
        int queued = 0;
        for (; i < count && queued < NATIVE_AIO_DEPTH; i++) {
            BlockFileRequest *req = &reqs[i];
            if (!is_aligned(f, req->offset, req->bytes, req->buf) || (req->write && !f->writable)) {
                run_request(req, f);
                continue;
            }
            if (req->write) {
                io_prep_pwrite(&iocbs[queued], f->fd, req->buf, req->bytes, req->offset);
            } else {
                io_prep_pread(&iocbs[queued], f->fd, req->buf, req->bytes, req->offset);
            }
            iocbs[queued].data = req;
            pointers[queued] = &iocbs[queued];
            queued++;
        }
        int submitted = 0;
        while (submitted < queued) {
            int n = io_submit(f->aio_context, queued - submitted, pointers + submitted);
            if (n == -EAGAIN || n == -EINTR) {
                continue;
            }
            if (n <= 0) {
                /* the kernel refused: run the rest synchronously */
                for (int k = submitted; k < queued; k++) {
                    run_request(iocbs[k].data, f);
                }
                break;
            }
            submitted += n;
        }
        int completed = 0;
        while (completed < submitted) {
            int n = io_getevents(f->aio_context, 1, submitted - completed, events, NULL);
            if (n == -EINTR) {
                continue;
            }
            if (n < 0) {
                return n;
            }
            for (int k = 0; k < n; k++) {
                BlockFileRequest *req = events[k].data;
                long result = (long)events[k].res;
                if (result < 0) {
                    req->ret = (int)result;
                } else if ((uint64_t)result == req->bytes) {
                    req->ret = 0;
                } else {
                    /* short transfer (end of file, or partial): finish it plainly */
                    run_request(req, f);
                }
            }
            completed += n;
        }
    }
    return 0;
}
#endif

static void run_request_fallback(void *req, void *context)
{
    run_request(req, context);
}

/* The aligned requests go to the ring; the others run here. */
static int uring_submit(BlockFile *f, BlockFileRequest *reqs, unsigned count)
{
    BlockFileRequest **ring_reqs = malloc(count * sizeof(*ring_reqs));
    if (!ring_reqs) {
        return -ENOMEM;
    }
    unsigned n = 0;
    for (unsigned i = 0; i < count; i++) {
        if (!is_aligned(f, reqs[i].offset, reqs[i].bytes, reqs[i].buf) ||
            (reqs[i].write && !f->writable)) {
            run_request(&reqs[i], f);
        } else {
            ring_reqs[n++] = &reqs[i];
        }
    }
    int ret = block_uring_submit(f->uring, ring_reqs, n, run_request_fallback, f);
    free(ring_reqs);
    return ret;
}

int block_file_submit(BlockFile *f, BlockFileRequest *reqs, unsigned count)
{
    int ret = 0;
#ifdef CONFIG_LIBAIO
    if (f->native) {
        ret = native_submit(f, reqs, count);
    } else
#endif
    if (f->uring && count > 1) {
        ret = uring_submit(f, reqs, count);
    } else if (count == 1) {
        run_request(reqs, f);
    } else {
        pthread_mutex_lock(&f->pool_lock);
        if (!f->pool) {
            f->pool = thread_pool_new(4);
        }
        pthread_mutex_unlock(&f->pool_lock);
        thread_pool_run(f->pool, run_request, reqs, sizeof(*reqs), count, f);
    }
    for (unsigned i = 0; i < count && ret == 0; i++) {
        ret = reqs[i].ret;
    }
    return ret;
}

const char *block_file_name(const BlockFile *f)
{
    return f->filename;
}

uint32_t block_file_alignment(const BlockFile *f)
{
    return f->alignment;
}
