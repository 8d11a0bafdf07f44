# The block layer: generic code, host files, options and the format drivers.
block-obj += block/block.o block/file.o block/options.o block/thread-pool.o block/drivers.o
block-obj += block/raw.o
block-obj += block/format-common.o block/qcow.o block/vdi.o block/vpc.o block/vmdk.o block/vmdk-sparse.o block/vmdk-create.o
block-obj += block/qcow2.o block/qcow2-cache.o block/qcow2-refcount.o block/qcow2-cluster.o block/qcow2-compress.o block/qcow2-snapshot.o block/qcow2-check.o block/qcow2-create.o block/qcow2-overlap.o
block-obj += block/qcow2-codec.o block/qcow2-recompress.o
# zstd for qcow2 compression_type=zstd (Debian package libzstd-dev), found
# through pkg-config here until configure looks for it; without it the
# codec is zlib only
ZSTD_LIBS ?= $(shell pkg-config --silence-errors --libs libzstd)
ifneq ($(strip $(ZSTD_LIBS)),)
block/qcow2-codec.o: CFLAGS += -DCONFIG_ZSTD $(shell pkg-config --silence-errors --cflags libzstd)
endif
# libdeflate (Debian package libdeflate-dev) compresses zlib-type qcow2
# clusters about twice as fast as zlib; without it zlib does
DEFLATE_LIBS ?= $(shell pkg-config --silence-errors --libs libdeflate)
ifneq ($(strip $(DEFLATE_LIBS)),)
block/qcow2-codec.o: CFLAGS += -DCONFIG_LIBDEFLATE $(shell pkg-config --silence-errors --cflags libdeflate)
endif
block-obj += block/file-uring.o
# aio=io_uring (Debian package liburing-dev), found through pkg-config here
# until configure looks for it; without it io_uring is refused as not built in
URING_LIBS ?= $(shell pkg-config --silence-errors --libs liburing)
ifneq ($(strip $(URING_LIBS)),)
block/file-uring.o: CFLAGS += -DCONFIG_LIBURING $(shell pkg-config --silence-errors --cflags liburing)
endif
# what a program linking libquetzal-block.a links too
BLOCK_LIBS = $(ZLIB_LIBS) $(LIBAIO_LIBS) $(ZSTD_LIBS) $(URING_LIBS) $(DEFLATE_LIBS)
