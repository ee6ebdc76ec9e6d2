#pragma once

#include <rocksdb/memtablerep.h>
#include <rocksdb/slice_transform.h>

#include <memory>

namespace gongjian::eventstore {

// A memtable for point lookups by whole key (`stream_heads`, `commands`): an open-addressing hash
// table of user keys, each slot heading a chain of that key's entries in internal key order
// (newest first), linked through 8 bytes allocated in front of each entry. An insert and a lookup
// hash the key once; a flush sorts an array of entry pointers once (std::sort) instead of inserting
// every entry into a new skiplist, as RocksDB's hash-skiplist memtable does at each flush.
//
// Not concurrent: one writer (allow_concurrent_memtable_write is off), readers and the writer
// serialized by a mutex. An iterator (flush, a total-order scan) holds its own sorted copy of the
// entry pointers taken when it was created; entries are never removed from a memtable.
std::shared_ptr<rocksdb::MemTableRepFactory> new_hash_table_rep_factory();

// A memtable for the stream index (`streams`): a hash table of streams, each with its entries in
// order, for a column family whose prefix extractor is new_stream_prefix_transform(). An insert of
// a stream's next version is one hash and one append; a lookup or a seek within one stream (every
// read of the store's) is one hash and one binary search; a total-order iterator (a flush) sorts
// the streams, each already in order.
std::shared_ptr<rocksdb::MemTableRepFactory> new_stream_index_rep_factory();

// A stream index key's prefix: the stream's name and its '\0' terminator (keys.h).
std::shared_ptr<const rocksdb::SliceTransform> new_stream_prefix_transform();

}  // namespace gongjian::eventstore
