/*
 * qcow2 compressed clusters: streams of the image's compression type
 * (qcow2-codec.c) packed at byte granularity into host clusters (qcow2 spec, "Compressed Clusters
 * Descriptor"). Writes compress the clusters of a request on several threads,
 * then store them one after another in freshly allocated clusters. Callers
 * that compress on their own threads (convert -c) use the two steps apart:
 * qcow2_compress_cluster on any thread, qcow2_pwrite_precompressed (one
 * thread at a time) writes the streams straight from their buffers.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "block/format-common.h"
#include "block/qcow2.h"

#define MAX_COMPRESS_THREADS 8
#define MIN_COMPRESS_THREADS 4

int qcow2_read_compressed(BlockDriverState *bs, uint64_t l2_entry, uint64_t offset_in_cluster,
                          uint64_t bytes, uint8_t *buf)
{
    Qcow2State *s = bs->opaque;
    if (!s->decompressed) {
        s->decompressed = malloc(s->cluster_size);
        s->compressed_buffer = malloc(2 * s->cluster_size + 512);
        if (!s->decompressed || !s->compressed_buffer) {
            return -ENOMEM;
        }
        s->decompressed_entry = 0;
    }
    if (!s->decoder && !(s->decoder = qcow2_codec_new(s->compression_type))) {
        return -ENOMEM;
    }
    if (s->decompressed_entry != l2_entry) {
        uint64_t csize;
        uint64_t host = qcow2_compressed_host_range(s, l2_entry, &csize);
        /* inside the length last seen: no system call */
        int64_t length = block_file_holds(bs->file, host, csize) == 0 ? (int64_t)(host + csize)
                                                                       : block_file_length(bs->file);
        int ret = length < 0 ? (int)length : 0;
        /* the descriptor rounds the end up to a 512-byte sector, and the last
         * compressed cluster of a file may end inside its last sector: past
         * that sector, the data is missing (qcow2 spec, "Compressed Clusters
         * Descriptor") */
        if (ret == 0 && (host >= (uint64_t)length ||
                         host + csize > round_up_u64((uint64_t)length, 512))) {
            bdrv_set_error(bs, "%s: compressed cluster at host offset %llu lies past the end of "
                           "the file (%lld bytes): %s", bs->filename, (unsigned long long)host,
                           (long long)length, strerror(EIO));
            return -EIO;
        }
        ret = ret < 0 ? ret : block_file_pread(bs->file, host, csize, s->compressed_buffer);
        if (ret < 0) {
            qcow2_io_error(bs, ret, "reading compressed data of");
            return ret;
        }
        s->decompressed_entry = 0;
        ret = qcow2_codec_decompress(s->decoder, s->compressed_buffer, csize, s->decompressed,
                                     s->cluster_size);
        if (ret < 0) {
            bdrv_set_error(bs, "compressed cluster at host offset %llu of '%s' is corrupt",
                           (unsigned long long)host, bs->filename);
            return ret;
        }
        s->decompressed_entry = l2_entry;
    }
    memcpy(buf, s->decompressed + offset_in_cluster, bytes);
    return 0;
}

typedef struct CompressJob {
    const uint8_t *input;         /* cluster_size bytes */
    uint8_t *output;              /* cluster_size bytes (compress_all) */
    const uint8_t *data;          /* the compressed stream */
    size_t size;                  /* compressed bytes, 0 = store uncompressed */
    uint64_t guest_offset;
    uint64_t host_offset;         /* where the compressed bytes go */
} CompressJob;

typedef struct CompressWork {
    CompressJob *jobs;
    size_t nb_jobs;
    size_t cluster_size;
    unsigned type;                /* compression_type */
    size_t next;
    pthread_mutex_t lock;
} CompressWork;

static void *compress_worker(void *opaque)
{
    CompressWork *work = opaque;
    Qcow2Codec *codec = qcow2_codec_new(work->type);
    for (;;) {
        pthread_mutex_lock(&work->lock);
        size_t i = work->next++;
        pthread_mutex_unlock(&work->lock);
        if (i >= work->nb_jobs) {
            break;
        }
        CompressJob *job = &work->jobs[i];
        /* compressed data as large as the cluster is stored plain (size 0) */
        job->size = codec ? qcow2_codec_compress(codec, job->input, work->cluster_size,
                                                 job->output, work->cluster_size - 1) : 0;
        job->data = job->output;
    }
    qcow2_codec_free(codec);
    return NULL;
}

static void compress_all(CompressJob *jobs, size_t nb, size_t cluster_size, unsigned type)
{
    CompressWork work = { jobs, nb, cluster_size, type, 0, PTHREAD_MUTEX_INITIALIZER };
    /* at least MIN_COMPRESS_THREADS even on fewer cores: on a busy machine the
     * scheduler shares the cores by runnable threads, and a batch waits for
     * its slowest share */
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    size_t nb_threads = cpus > MIN_COMPRESS_THREADS ? (size_t)cpus : MIN_COMPRESS_THREADS;
    if (nb_threads > MAX_COMPRESS_THREADS) {
        nb_threads = MAX_COMPRESS_THREADS;
    }
    if (nb_threads > nb) {
        nb_threads = nb;
    }
    pthread_t threads[MAX_COMPRESS_THREADS];
    size_t started = 0;
    for (; started + 1 < nb_threads; started++) {
        if (pthread_create(&threads[started], NULL, compress_worker, &work) != 0) {
            break;
        }
    }
    compress_worker(&work);
    for (size_t i = 0; i < started; i++) {
        pthread_join(threads[i], NULL);
    }
    pthread_mutex_destroy(&work.lock);
}

/* Positions of the compressed jobs from byte start on, back to back, except
 * that a cluster never gets more references than the refcount width allows
 * (tail_refcount: references the first cluster already has). Returns the
 * end of the last job. */
static uint64_t layout_compressed(const Qcow2State *s, CompressJob *jobs, size_t nb,
                                  uint64_t start, uint64_t tail_refcount)
{
    uint64_t pos = start;
    uint64_t current = start >> s->cluster_bits, count = tail_refcount;
    for (size_t i = 0; i < nb; i++) {
        if (!jobs[i].size) {
            continue;
        }
        if ((pos >> s->cluster_bits) == current && count + 1 > s->refcount_max) {
            pos = qcow2_align_up(pos + 1, s->cluster_size);
        }
        if ((pos >> s->cluster_bits) != current) {
            current = pos >> s->cluster_bits;
            count = 0;
        }
        jobs[i].host_offset = pos;
        pos += jobs[i].size;
        /* the job's last cluster is the one later jobs may share */
        uint64_t last = (pos - 1) >> s->cluster_bits;
        count = last == current ? count + 1 : 1;
        current = last;
    }
    return pos;
}

/* Chooses where a batch goes: after the data in the partly filled cluster of
 * an earlier batch when the following clusters are free, else in fresh
 * clusters. Lays the jobs out and allocates; *first_new is the first freshly
 * allocated cluster index. */
static int place_compressed(BlockDriverState *bs, CompressJob *jobs, size_t nb, uint64_t *start,
                            uint64_t *end, uint64_t *first_new)
{
    Qcow2State *s = bs->opaque;
    uint64_t tail = s->compressed_tail, tail_refcount = 0;
    int ret = tail ? qcow2_get_refcount(bs, tail >> s->cluster_bits, &tail_refcount) : 0;
    if (ret < 0) {
        return ret;
    }
    if (tail && tail_refcount) {
        uint64_t tail_cluster = tail >> s->cluster_bits;
        uint64_t stop = layout_compressed(s, jobs, nb, tail, tail_refcount);
        uint64_t need = qcow2_div_round_up(stop, s->cluster_size) - (tail_cluster + 1);
        *start = tail;
        *end = stop;
        *first_new = tail_cluster + 1;
        if (need == 0) {
            return 0;
        }
        int64_t host = qcow2_alloc_clusters_from(bs, tail_cluster + 1, need);
        if (host < 0) {
            return (int)host;
        }
        if ((uint64_t)host == (tail_cluster + 1) << s->cluster_bits) {
            return 0;
        }
        /* not adjacent: give the clusters back and start afresh */
        ret = qcow2_free_clusters(bs, host, need << s->cluster_bits);
        if (ret < 0) {
            return ret;
        }
    }
    uint64_t span = layout_compressed(s, jobs, nb, 0, 0);
    int64_t host = qcow2_alloc_clusters(bs, qcow2_div_round_up(span, s->cluster_size));
    if (host < 0) {
        return (int)host;
    }
    *start = host;
    *end = layout_compressed(s, jobs, nb, host, 0);
    *first_new = host >> s->cluster_bits;
    return 0;
}

/* Writes the laid-out jobs straight from their buffers: runs of jobs that
 * lie back to back go in one pwritev. */
static int write_job_streams(BlockDriverState *bs, const CompressJob *jobs, size_t nb)
{
    struct iovec iov[64];
    int count = 0;
    uint64_t run_start = 0, run_end = 0;
    for (size_t i = 0; i <= nb; i++) {
        bool last = i == nb;
        if (!last && !jobs[i].size) {
            continue;
        }
        if (count && (last || count == 64 || jobs[i].host_offset != run_end)) {
            int ret = block_file_pwritev(bs->file, run_start, iov, count);
            if (ret < 0) {
                return ret;
            }
            count = 0;
        }
        if (last) {
            break;
        }
        if (!count) {
            run_start = run_end = jobs[i].host_offset;
        }
        iov[count++] = (struct iovec){ (void *)jobs[i].data, jobs[i].size };
        run_end += jobs[i].size;
    }
    return 0;
}

/* Writes the laid-out jobs [start, end) and adds the references beyond the
 * one fresh clusters already have: each host cluster's refcount is the
 * number of compressed clusters touching it. */
static int write_compressed_data(BlockDriverState *bs, const CompressJob *jobs, size_t nb,
                                 uint64_t start, uint64_t end, uint64_t first_new)
{
    Qcow2State *s = bs->opaque;
    uint64_t first_cluster = start >> s->cluster_bits;
    uint64_t nb_clusters = ((end - 1) >> s->cluster_bits) - first_cluster + 1;
    uint32_t *touches = calloc(nb_clusters, sizeof(*touches));
    if (!touches) {
        return -ENOMEM;
    }
    for (size_t i = 0; i < nb; i++) {
        if (jobs[i].size) {
            for (uint64_t c = jobs[i].host_offset >> s->cluster_bits;
                 c <= (jobs[i].host_offset + jobs[i].size - 1) >> s->cluster_bits; c++) {
                touches[c - first_cluster]++;
            }
        }
    }
    int ret = write_job_streams(bs, jobs, nb);
    /* the references beyond the one a fresh cluster has, in one write per
     * refcount block; a fresh cluster no job touches (skipped over) is given back */
    for (uint64_t c = 0; ret == 0 && c < nb_clusters; c++) {
        if (first_cluster + c < first_new) {
            continue;
        }
        if (touches[c]) {
            touches[c]--;
        } else {
            ret = qcow2_update_refcount(bs, (first_cluster + c) << s->cluster_bits, 1, -1);
        }
    }
    if (ret == 0) {
        ret = qcow2_add_refcounts(bs, first_cluster, nb_clusters, touches);
    }
    free(touches);
    return ret;
}

/* How many leading jobs fit in what is left of the partly filled cluster
 * (0: none, or no such cluster). Storing those first fills the cluster even
 * when the clusters after it went to other data meanwhile (convert -W stores
 * plain clusters between compressed batches), instead of leaving the rest of
 * it unused: a hole in the file that counts in its length. */
static size_t jobs_fitting_tail(BlockDriverState *bs, CompressJob *jobs, size_t nb)
{
    Qcow2State *s = bs->opaque;
    uint64_t tail = s->compressed_tail, tail_refcount = 0;
    if (!tail || qcow2_get_refcount(bs, tail >> s->cluster_bits, &tail_refcount) < 0 ||
        !tail_refcount) {
        return 0;
    }
    uint64_t cluster_end = qcow2_align_up(tail + 1, s->cluster_size), pos = tail;
    size_t k = 0;
    while (k < nb && pos + jobs[k].size <= cluster_end) {
        pos += jobs[k++].size;
    }
    /* the refcount width may still push a job into the next cluster */
    return k && layout_compressed(s, jobs, k, tail, tail_refcount) <= cluster_end ? k : 0;
}

/* Stores the compressed jobs and points their L2 entries at them. */
static int store_compressed(BlockDriverState *bs, CompressJob *jobs, size_t nb)
{
    Qcow2State *s = bs->opaque;
    size_t fitting = jobs_fitting_tail(bs, jobs, nb);
    if (fitting && fitting < nb) {
        int ret = store_compressed(bs, jobs, fitting);
        return ret < 0 ? ret : store_compressed(bs, jobs + fitting, nb - fitting);
    }
    bool any = false;
    for (size_t i = 0; i < nb; i++) {
        any |= jobs[i].size != 0;
    }
    if (!any) {
        return 0;
    }
    s->decompressed_entry = 0;    /* the new entries may repeat a freed one */
    uint64_t start = 0, end = 0, first_new = 0;
    int ret = place_compressed(bs, jobs, nb, &start, &end, &first_new);
    if (ret == 0 && end > s->cluster_offset_mask) {
        bdrv_set_error(bs, "compressed data would lie beyond the addressable range of '%s'",
                       bs->filename);
        ret = -EFBIG;
    }
    if (ret == 0) {
        ret = write_compressed_data(bs, jobs, nb, start, end, first_new);
    }
    if (ret < 0) {
        return ret;
    }
    s->compressed_tail = qcow2_offset_in_cluster(s, end) ? end : 0;
    for (size_t i = 0; ret == 0 && i < nb; i++) {
        if (!jobs[i].size) {
            continue;
        }
        /* qcow2 spec, "Compressed Clusters Descriptor" */
        uint64_t offset = jobs[i].host_offset;
        uint64_t extra_sectors = ((offset + jobs[i].size - 1) >> 9) - (offset >> 9);
        uint64_t entry = QCOW2_OFLAG_COMPRESSED | (extra_sectors << s->csize_shift) | offset;
        ret = qcow2_set_l2_entry(bs, jobs[i].guest_offset, entry);
    }
    return ret;
}

int qcow2_co_pwrite_compressed(BlockDriverState *bs, uint64_t offset, uint64_t bytes,
                               const void *buf)
{
    Qcow2State *s = bs->opaque;
    if (qcow2_offset_in_cluster(s, offset)) {
        bdrv_set_error(bs, "compressed writes must start at a cluster boundary");
        return -EINVAL;
    }
    size_t nb = qcow2_div_round_up(bytes, s->cluster_size);
    CompressJob *jobs = calloc(nb, sizeof(*jobs));
    uint8_t *inputs = NULL;
    uint8_t *outputs = malloc(nb * s->cluster_size);
    /* a short last cluster (end of the image) is padded with zeros */
    if (bytes % s->cluster_size) {
        inputs = calloc(nb, s->cluster_size);
    }
    if (!jobs || !outputs || (bytes % s->cluster_size && !inputs)) {
        free(jobs);
        free(outputs);
        free(inputs);
        return -ENOMEM;
    }
    if (inputs) {
        memcpy(inputs, buf, bytes);
    }
    const uint8_t *source = inputs ? inputs : buf;
    for (size_t i = 0; i < nb; i++) {
        jobs[i].input = source + i * s->cluster_size;
        jobs[i].output = outputs + i * s->cluster_size;
        jobs[i].guest_offset = offset + i * s->cluster_size;
    }
    compress_all(jobs, nb, s->cluster_size, s->compression_type);
    int ret = store_compressed(bs, jobs, nb);
    /* clusters that do not shrink are stored as normal clusters */
    for (size_t i = 0; ret == 0 && i < nb; i++) {
        if (jobs[i].size == 0) {
            uint64_t length = i + 1 == nb && bytes % s->cluster_size ? bytes % s->cluster_size
                                                                     : s->cluster_size;
            ret = qcow2_co_pwrite(bs, offset + i * s->cluster_size, length,
                                  source + i * s->cluster_size, 0);
        }
    }
    free(jobs);
    free(outputs);
    free(inputs);
    return ret;
}

void *qcow2_compressor_new(BlockDriverState *bs)
{
    Qcow2State *s = bs->opaque;
    return qcow2_codec_new(s->compression_type);
}

void qcow2_compressor_free(void *compressor)
{
    qcow2_codec_free(compressor);
}

size_t qcow2_compress_cluster(BlockDriverState *bs, void *compressor, const void *in,
                              uint64_t bytes, void *out, size_t out_max)
{
    Qcow2State *s = bs->opaque;
    size_t limit = out_max < s->cluster_size ? out_max : s->cluster_size - 1;
    if (bytes >= s->cluster_size) {
        return qcow2_codec_compress(compressor, in, s->cluster_size, out, limit);
    }
    /* the image's short last cluster: a whole cluster padded with zeros */
    uint8_t *padded = calloc(1, s->cluster_size);
    if (!padded) {
        return 0;
    }
    memcpy(padded, in, bytes);
    size_t size = qcow2_codec_compress(compressor, padded, s->cluster_size, out, limit);
    free(padded);
    return size;
}

int qcow2_pwrite_precompressed(BlockDriverState *bs, const BdrvCompressedCluster *clusters,
                               size_t count)
{
    Qcow2State *s = bs->opaque;
    CompressJob *jobs = calloc(count, sizeof(*jobs));
    if (!jobs) {
        return -ENOMEM;
    }
    for (size_t i = 0; i < count; i++) {
        if (qcow2_offset_in_cluster(s, clusters[i].offset) || !clusters[i].size ||
            clusters[i].size >= s->cluster_size) {
            free(jobs);
            bdrv_set_error(bs, "compressed writes must be whole clusters that shrank");
            return -EINVAL;
        }
        jobs[i] = (CompressJob){ .data = clusters[i].data, .size = clusters[i].size,
                                 .guest_offset = clusters[i].offset };
    }
    int ret = store_compressed(bs, jobs, count);
    free(jobs);
    return ret;
}
