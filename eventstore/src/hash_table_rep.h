#pragma once

#include <rocksdb/memtablerep.h>

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

}  // namespace gongjian::eventstore
