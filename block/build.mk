# The block layer: generic code, host files, options and the format drivers.
block-obj += block/block.o block/file.o block/options.o block/thread-pool.o block/drivers.o
block-obj += block/raw.o
block-obj += block/format-common.o block/qcow.o block/vdi.o block/vpc.o block/vmdk.o block/vmdk-sparse.o block/vmdk-create.o
block-obj += block/qcow2.o block/qcow2-cache.o block/qcow2-refcount.o block/qcow2-cluster.o block/qcow2-compress.o block/qcow2-snapshot.o block/qcow2-check.o block/qcow2-create.o block/qcow2-overlap.o
