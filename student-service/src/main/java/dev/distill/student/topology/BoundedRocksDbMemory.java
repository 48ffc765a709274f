package dev.distill.student.topology;

import java.util.Map;
import org.apache.kafka.streams.state.RocksDBConfigSetter;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.Cache;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.WriteBufferManager;

/**
 * Bounds the native memory of the join's RocksDB stores, following Kafka Streams' "bounded memory" recipe
 * (docs: Memory management, RocksDB): every store of the process shares ONE LRU block cache, the memtables of all
 * stores are charged against that cache through ONE {@link WriteBufferManager}, and index/filter blocks live in the
 * cache (high priority) instead of outside any bound. Without it each store (the join has ~9) gets its own 50 MB
 * cache, three 16 MB memtables and unbounded index/filter blocks.
 *
 * <p>The cache and the write buffer manager are static and shared by every store instance (and every Streams client
 * in the JVM), so {@link #close} must not close them: a store closing (rebalance, restart) would free memory the
 * other stores still use. They live as long as the JVM.
 *
 * <p>Used by {@link StudentJoinConfig#streamsProperties()} unless {@code kafka.rocksdb.config.setter} is set.
 */
public class BoundedRocksDbMemory implements RocksDBConfigSetter {

    /** Block cache including memtables and index/filter blocks: the bound for all stores together. */
    public static final long TOTAL_OFF_HEAP_BYTES = 32L * 1024 * 1024;
    /** Part of {@link #TOTAL_OFF_HEAP_BYTES} that memtables of all stores may use. */
    public static final long TOTAL_MEMTABLE_BYTES = 8L * 1024 * 1024;
    /** Memtable size per store; the join's stores hold small records and are flushed at each commit anyway. */
    public static final long MEMTABLE_BYTES = 1L * 1024 * 1024;
    public static final int MEMTABLES_PER_STORE = 2;
    /** Share of the cache reserved for index and filter blocks. */
    public static final double INDEX_FILTER_BLOCK_RATIO = 0.1;
    /** Kafka Streams' default block size. */
    public static final long BLOCK_SIZE_BYTES = 4L * 1024;

    private static final Cache CACHE = new LRUCache(TOTAL_OFF_HEAP_BYTES, -1, false, INDEX_FILTER_BLOCK_RATIO);
    private static final WriteBufferManager WRITE_BUFFER_MANAGER =
            new WriteBufferManager(TOTAL_MEMTABLE_BYTES, CACHE);

    @Override
    public void setConfig(String storeName, Options options, Map<String, Object> configs) {
        BlockBasedTableConfig tableConfig = (BlockBasedTableConfig) options.tableFormatConfig();
        tableConfig.setBlockCache(CACHE);
        tableConfig.setCacheIndexAndFilterBlocks(true);
        tableConfig.setCacheIndexAndFilterBlocksWithHighPriority(true);
        tableConfig.setPinTopLevelIndexAndFilter(true);
        tableConfig.setBlockSize(BLOCK_SIZE_BYTES);
        options.setWriteBufferManager(WRITE_BUFFER_MANAGER);
        options.setWriteBufferSize(MEMTABLE_BYTES);
        options.setMaxWriteBufferNumber(MEMTABLES_PER_STORE);
        options.setTableFormatConfig(tableConfig);
    }

    @Override
    public void close(String storeName, Options options) {
        // Nothing: CACHE and WRITE_BUFFER_MANAGER are shared by all stores and must outlive any one of them.
    }
}
