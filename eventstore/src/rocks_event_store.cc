#include "rocks_event_store.h"

#include <linux/futex.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdarg>
#include <cstring>
#include <future>
#include <limits>
#include <optional>
#include <thread>
#include <utility>

#include <rocksdb/cache.h>
#include <rocksdb/env.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/iterator.h>
#include <rocksdb/memtablerep.h>
#include <rocksdb/options.h>
#include <rocksdb/slice_transform.h>
#include <rocksdb/table.h>

#include "encoding.h"
#include "hash_table_rep.h"
#include "keys.h"
#include "logger.h"
#include "record_format.h"
#include "rocks_status.h"

namespace gongjian::eventstore {
namespace {

// Column family handles, in the order they are opened.
enum cf_index : std::size_t { cf_default, cf_log, cf_streams, cf_heads, cf_commands, cf_consumers, cf_meta, cf_count };

// Request limits: a request beyond them is refused as invalid_argument before it reaches the log.
constexpr std::size_t max_name_bytes = 1024;           // stream, command id, consumer, event type
constexpr std::size_t max_metadata_bytes = 64 * 1024;  // each actor / correlation / causation string
constexpr std::size_t max_payload_bytes = 16u << 20;
constexpr std::size_t max_events_per_request = 100'000;
// read_all pages at least this long are scans and bypass the block cache.
constexpr std::size_t scan_page_events = 1024;
// Past this many streams the writer's stream-version cache is dropped (once every head is in
// stream_heads, the truth then: at once in durable mode, where the writer writes them; after the
// syncer in bulk mode) and refilled, bounding its memory.
constexpr std::size_t max_cached_stream_heads = 1u << 20;
// Recent command ids the writer keeps in memory beyond those not yet in `commands`; older ones
// are found in `commands` (one MultiGet per batch).
constexpr std::size_t recent_command_window = 4096;
// Bulk mode: the log's records are ingested in files of about this size (the size of a flushed
// `log` memtable before), named with this prefix in the store's directory until RocksDB takes them.
constexpr std::uint64_t bulk_chunk_bytes = 64u << 20;
constexpr std::string_view bulk_chunk_prefix = "gongjian-bulk-chunk-";
constexpr std::string_view consumer_file_prefix = "gongjian-consumer-commit-";
// Bulk mode: the ingester is woken once this much is queued for it (or by sync() and close()), not
// for every group: a wake-up per small append cost more than writing its records.
constexpr std::size_t bulk_ingest_wake_bytes = 1u << 20;

std::error_code code(errc e) { return make_error_code(e); }

// RocksDB's info log, dropped (read-only opens): its errors reach us as statuses anyway.
class discarding_logger final : public rocksdb::Logger {
 public:
  using rocksdb::Logger::Logv;
  void Logv(const char* /*format*/, va_list /*ap*/) override {}
};

bool valid_name(std::string_view name) {
  return !name.empty() && name.size() <= max_name_bytes && name.find('\0') == std::string_view::npos;
}

std::string_view invalid_request_reason(const append_request& r) {
  if (r.command_id.empty() || r.command_id.size() > max_name_bytes) return "command id is empty or too long";
  if (r.writes.empty()) return "request has no writes";
  for (const auto* s : {&r.metadata.by.user, &r.metadata.by.role, &r.metadata.by.jurisdiction,
                        &r.metadata.correlation_id, &r.metadata.causation_id}) {
    if (s->size() > max_metadata_bytes) return "metadata string too long";
  }
  std::size_t events = 0;
  for (const auto& w : r.writes) {
    if (!valid_name(w.stream)) return "stream name is empty, too long or contains a NUL byte";
    if (w.events.empty()) return "a write has no events";
    events += w.events.size();
    for (const auto& e : w.events) {
      if (e.type.empty() || e.type.size() > max_name_bytes) return "event type is empty or too long";
      if (e.payload.size() > max_payload_bytes) return "payload too large";
    }
  }
  if (events > max_events_per_request) return "too many events in one request";
  return {};
}

std::string describe_expected(const expected_version& e) {
  switch (e.which()) {
    case expected_version::kind::any: return "any version";
    case expected_version::kind::no_stream: return "no stream";
    case expected_version::kind::exact: return "version " + std::to_string(e.version().value);
  }
  return "?";
}

rocksdb::BlockBasedTableOptions table_options(const std::shared_ptr<rocksdb::Cache>& cache, bool bloom) {
  rocksdb::BlockBasedTableOptions t;
  t.block_cache = cache;
  t.block_size = 16 * 1024;
  t.format_version = 5;
  // Debian's librocksdb is built without SSE4.2, so its CRC-32C is the slow table one; XXH3 is
  // fast without it. (The WAL's record CRC is fixed by RocksDB.)
  t.checksum = rocksdb::kXXH3;
  if (bloom) t.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  return t;
}

// The stream and version of a record the writer encoded (bulk mode's in-memory tail): read from
// its header without checking the CRC (parse_record's pass over every byte of the record).
bool record_stream_version(std::string_view record, std::string_view& stream, std::uint64_t& version) {
  encoding::reader r(record);
  std::uint8_t format = 0;
  std::uint64_t pos = 0;
  std::uint64_t timestamp = 0;
  std::uint16_t schema = 0;
  return r.get_u8(format) && format == record_format_v1 && r.get_fixed64(pos) && r.get_fixed64(version) &&
         r.get_fixed64(timestamp) && r.get_fixed16(schema) && r.get_length_prefixed(stream);
}

sha256_digest digest_from(std::string_view bytes) {
  sha256_digest d{};
  std::memcpy(d.data(), bytes.data(), std::min(bytes.size(), d.size()));
  return d;
}

// Stream index key order (stream, then version) without building the keys: the names are
// compared once per pair.
constexpr auto in_stream_index_order = [](const auto& x, const auto& y) {
  const int c = x.stream.compare(y.stream);
  return c != 0 ? c < 0 : x.version < y.version;
};

// Entries already in order (one stream per importer, as in a bulk import) are only checked.
template <typename It, typename Less>
void sort_unless_sorted(It first, It last, Less less) {
  if (!std::is_sorted(first, last, less)) std::sort(first, last, less);
}

}  // namespace

result<std::unique_ptr<event_store>> event_store::open(const options& opts) {
  if (opts.directory.empty() || opts.max_batch_requests == 0 || opts.live_buffer_events == 0) {
    return failure(code(errc::invalid_argument));
  }
  auto store = std::make_unique<rocks_event_store>(opts);
  if (auto ec = store->start()) return failure(ec);
  return std::unique_ptr<event_store>(std::move(store));
}

rocks_event_store::rocks_event_store(const options& opts) : opts_(opts) {
  // Buckets for the whole bound (and the one batch it may be outgrown by) up front, ~9 MB: grown
  // on demand, the map rehashed every key on the writer thread, which at a few hundred thousand
  // streams held every append in flight for ~28 ms (an HTTP p999 of ~40 ms).
  head_cache_.reserve(max_cached_stream_heads + max_cached_stream_heads / 8);
}

rocks_event_store::~rocks_event_store() { close(); }

std::error_code rocks_event_store::start() {
  std::error_code fs_error;
  if (opts_.read_only) {
    // Bulk mode's in-memory tail and ingestion have nothing to do in a reader: what a bulk import
    // synced is read in the default mode.
    if (opts_.mode != durability::fsync_each_batch) return code(errc::invalid_argument);
    // CURRENT names the live MANIFEST: every RocksDB database has it.
    if (!std::filesystem::exists(opts_.directory / "CURRENT", fs_error)) return code(errc::not_found);
  } else {
    std::filesystem::create_directories(opts_.directory, fs_error);
    if (fs_error) {
      log().error("cannot create {}: {}", opts_.directory.string(), fs_error.message());
      return code(errc::io_error);
    }
  }

  rocksdb::DBOptions db_options;
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  db_options.max_background_jobs = 2;  // the target machine has two cores
  db_options.bytes_per_sync = 1u << 20;
  db_options.max_total_wal_size = 512u << 20;
  db_options.keep_log_file_num = 4;
  // RocksDB's own LOG writer aborts the process on a full disk (Debian's build asserts), and it
  // rotates LOG before the lock is taken: src/info_log.h. Read-only opens replace it below.
  if (!opts_.read_only) {
    info_log_ = std::make_shared<info_log_file>(opts_.directory, db_options.keep_log_file_num,
                                                opts_.mode == durability::bulk_import_without_fsync);
    db_options.info_log = info_log_;
  }
  db_options.manual_wal_flush = false;  // every Write reaches the WAL file; sync=true fsyncs it
  // One thread writes appends (and consumer commits are rare), so RocksDB's own write grouping
  // has nobody to group: pipelining and spinning with sched_yield for other writers only cost the
  // writer thread context switches (measured: most of its time on this 2-core machine).
  db_options.enable_pipelined_write = false;
  db_options.enable_write_thread_adaptive_yield = false;
  // Required by the hash-table memtables below (src/hash_table_rep.h), and free: there is one writer.
  db_options.allow_concurrent_memtable_write = false;
  // kPointInTimeRecovery (the default) drops a torn WAL tail after a crash: nothing acknowledged
  // is in it, because acknowledgement waits for the fsync.
  db_options.wal_recovery_mode = rocksdb::WALRecoveryMode::kPointInTimeRecovery;
  if (opts_.mode == durability::bulk_import_without_fsync) {
    // Bulk appends skip the WAL (append_write_options); what survives a crash is then what was
    // flushed, and flushing every column family together keeps the log, its derived data and
    // the markers in `meta` consistent with each other.
    db_options.atomic_flush = true;
  }
  // Durable mode: WALs come from zero-filled spares (src/prewritten_wal.h), so that the syncer's
  // fdatasyncs overwrite blocks instead of growing a file (a probe on this machine's disk: 122 ->
  // 75 us median per 4 KiB write and fdatasync).
  // It also holds back a failed WAL append's error until the next sync (see counting_file), so
  // every writable store has it, with spares or without (bulk mode logs only consumer commits).
  if (!opts_.read_only) {
    const bool spares = opts_.mode == durability::fsync_each_batch && opts_.wal_spare_bytes > 0;
    wal_file_system_ = std::make_shared<prewritten_wal_file_system>(
        rocksdb::FileSystem::Default(), opts_.directory, opts_.wal_spare_bytes, spares ? 2 : 0);
    wal_env_ = rocksdb::NewCompositeEnv(wal_file_system_);
    db_options.env = wal_env_.get();
  }

  auto cache = rocksdb::NewLRUCache(opts_.block_cache_bytes);

  rocksdb::ColumnFamilyOptions log_options;
  log_options.write_buffer_size = opts_.log_memtable_bytes;
  log_options.max_write_buffer_number = 3;
  // Not compressed at any level. Records end in a 32-byte hash and carry their payload, so LZ4
  // gains little (1.47 to 1 with the benchmark's incompressible payloads), while decompressing
  // blocks made a full read + decode 2.5 times as costly (1.49-1.84 -> 0.54-0.73 us CPU per
  // event, same run) and bulk import gained nothing from it. Compressed bottommost files from
  // earlier stores stay readable.
  log_options.compression = rocksdb::kNoCompression;
  log_options.bottommost_compression = rocksdb::kNoCompression;
  log_options.level_compaction_dynamic_level_bytes = true;
  log_options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table_options(cache, false)));
  // Insert hints: positions share their top six bytes for 65536 events at a time, and ascend, so
  // the memtable resumes each insert where the last one ended instead of searching its skiplist
  // from the top.
  log_options.memtable_insert_with_hint_prefix_extractor.reset(rocksdb::NewFixedPrefixTransform(6));

  rocksdb::ColumnFamilyOptions index_options;  // streams: range scans within one stream
  index_options.write_buffer_size = 32u << 20;
  index_options.compression = rocksdb::kLZ4Compression;
  index_options.level_compaction_dynamic_level_bytes = true;
  index_options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table_options(cache, false)));
  // Every read of the index stays within one stream, so the memtable is a hash table of streams
  // (src/hash_table_rep.h): an insert was a skiplist search from the top, the largest cost of
  // writing derived data at 256 writers (a campaign mostly opens new streams, so their keys land
  // all over the skiplist). The prefix extractor makes iterators seek within one stream; a scan of the whole
  // column family asks for total_order_seek.
  index_options.prefix_extractor = new_stream_prefix_transform();
  index_options.memtable_factory = new_stream_index_rep_factory();

  // stream_heads and commands: point lookups only, never scanned, mostly misses (new streams, new
  // command ids). Their keys arrive in random order, which in a skiplist memtable costs a search
  // from the top per insert (measured: the writer's largest cost); a hash table of the whole key
  // (src/hash_table_rep.h) makes an insert and a lookup one slot, and a flush one std::sort of
  // the entries. (RocksDB's hash-skiplist memtable, used before, rebuilt a whole skiplist at each
  // flush, and Debian's build checks Contains before every insert.) Bloom filters in the
  // memtable and the SSTs keep a miss off the disk.
  rocksdb::ColumnFamilyOptions lookup_options;
  lookup_options.write_buffer_size = 32u << 20;
  lookup_options.compression = rocksdb::kLZ4Compression;
  lookup_options.level_compaction_dynamic_level_bytes = true;
  lookup_options.prefix_extractor.reset(rocksdb::NewNoopTransform());
  lookup_options.memtable_factory = new_hash_table_rep_factory();
  lookup_options.memtable_prefix_bloom_size_ratio = 0.05;
  lookup_options.memtable_whole_key_filtering = true;
  lookup_options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table_options(cache, true)));

  rocksdb::ColumnFamilyOptions small_options;  // consumers, meta
  small_options.write_buffer_size = 16u << 20;
  small_options.compression = rocksdb::kLZ4Compression;
  small_options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table_options(cache, true)));

  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors(cf_count);
  descriptors[cf_default] = {rocksdb::kDefaultColumnFamilyName, small_options};
  descriptors[cf_log] = {keys::log_cf, log_options};
  descriptors[cf_streams] = {keys::streams_cf, index_options};
  descriptors[cf_heads] = {keys::stream_heads_cf, lookup_options};
  descriptors[cf_commands] = {keys::commands_cf, lookup_options};
  descriptors[cf_consumers] = {keys::consumers_cf, small_options};
  descriptors[cf_meta] = {keys::meta_cf, small_options};

  if (opts_.read_only) return open_read_only(db_options, descriptors);

  rocksdb::DB* raw = nullptr;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  auto status = rocksdb::DB::Open(rocksdb::Options(db_options, rocksdb::ColumnFamilyOptions()),
                                  opts_.directory.string(), descriptors, &handles, &raw);
  if (!status.ok()) {
    // RocksDB's fcntl lock on DIR/LOCK, held by another process ("While lock file: ...: Resource
    // temporarily unavailable") or by another DB object in this one ("lock hold by current
    // process"). Only the status text tells them from other I/O errors: open_test pins the one,
    // the server's end-to-end test the other.
    const std::string text = status.ToString();
    if (status.IsIOError() && (text.find("While lock file") != std::string::npos ||
                               text.find("lock hold by current process") != std::string::npos)) {
      log().warn("opening {}: {}", opts_.directory.string(), text);
      return code(errc::in_use);  // its LOG is the holder's: RocksDB's lines of this open go nowhere
    }
    info_log_->start();  // nobody else holds the directory: RocksDB's account of the failure is kept
    auto ec = to_error_code(status, "opening " + opts_.directory.string());
    return ec == errc::not_found ? code(errc::io_error) : ec;
  }
  // The directory is ours now: see prewritten_wal.h and info_log.h.
  if (wal_file_system_) wal_file_system_->start();
  info_log_->start();
  db_.reset(raw);
  handles_ = std::move(handles);
  log_file_options_ = rocksdb::Options(db_options, log_options);
  index_file_options_ = rocksdb::Options(db_options, index_options);
  consumer_file_options_ = rocksdb::Options(db_options, small_options);
  consumer_file_options_.compression = rocksdb::kNoCompression;  // as during a rebuild (below)
  // Chunk files a crash left before RocksDB took them: their records were never acknowledged as
  // durable (sync() waits for the ingestion), and the log is whole without them. Likewise a
  // consumer commit's file: the commit had not returned.
  for (const auto& entry : std::filesystem::directory_iterator(opts_.directory, fs_error)) {
    const std::string name = entry.path().filename().string();
    if (name.starts_with(bulk_chunk_prefix) || name.starts_with(consumer_file_prefix)) {
      std::filesystem::remove(entry.path(), fs_error);
    }
  }

  std::uint64_t head = 0;
  sha256_digest hash{};
  if (auto ec = recover_head(head, hash)) return ec;

  // Derived data (streams, stream_heads, commands) is written in the records' own batch (by earlier
  // builds, and in bulk mode, after them); whatever of the log's tail a crash left without it is
  // derived again here.
  std::optional<std::uint64_t> marker;
  if (auto ec = read_derived_marker(marker)) return ec;
  const std::uint64_t derived_through = marker.value_or(head);
  if (!marker) {
    // A store made before the marker existed wrote derived data in the same batch as the log,
    // so it is complete; a new store starts with an empty log and the marker at 0.
    std::string derived;
    encoding::put_big_endian64(derived, derived_through);
    rocksdb::WriteOptions synced;
    synced.sync = true;
    status = db_->Put(synced, cf(cf_meta), std::string(keys::meta_derived), derived);
    if (!status.ok()) return to_error_code(status, "recording the derived-data marker");
  }
  if (derived_through > head) {
    if (auto ec = purge_derived_past(head)) return ec;
  } else if (derived_through < head) {
    log().info("deriving stream index, stream heads and command ids of positions {}..{}", derived_through + 1,
               head);
    if (auto ec = rebuild_derived(derived_through + 1, head)) return ec;
  }
  set_recovered_head(head, hash);
  if (opts_.mode == durability::bulk_import_without_fsync) {
    read_snapshot_ = take_snapshot();
    tail_first_ = head + 1;
    chunk_last_ = head;
    chunk_last_hash_ = hash;
  }

  if (opts_.mode == durability::bulk_import_without_fsync) {
    log().warn("event store {} opened in BULK IMPORT mode: appends are acknowledged WITHOUT fsync until sync()",
               opts_.directory.string());
  }
  accepting_ = true;
  syncer_ = std::thread([this] { syncer_loop(); });
  if (opts_.mode == durability::bulk_import_without_fsync) ingester_ = std::thread([this] { ingester_loop(); });
  writer_ = std::thread([this] { writer_loop(); });
  return {};
}

std::error_code rocks_event_store::recover_head(std::uint64_t& head, sha256_digest& hash) const {
  // The last record of the log, unless the meta head (written in every batch) is further on,
  // which means the log's tail went missing; then the head stays where the meta says so that
  // verify reports the missing positions and new events never reuse them.
  head = 0;
  hash = {};
  {
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cf(cf_log)));
    it->SeekToLast();
    if (it->Valid() && it->key().size() == 8 && it->value().size() >= record_hash_size) {
      head = encoding::get_big_endian64(it->key().data());
      auto v = it->value();
      hash = digest_from(std::string_view(v.data() + v.size() - record_hash_size, record_hash_size));
    }
    if (!it->status().ok()) return to_error_code(it->status(), "recovering the log head");
  }
  std::string meta;
  auto status = db_->Get(rocksdb::ReadOptions(), cf(cf_meta), std::string(keys::meta_head), &meta);
  if (status.ok() && meta.size() == 8 + record_hash_size) {
    const auto meta_head = encoding::get_big_endian64(meta.data());
    if (meta_head > head) {
      log().error("the log ends at position {} but its recorded head is {}: positions are missing", head,
                  meta_head);
      head = meta_head;
      hash = digest_from(std::string_view(meta).substr(8));
    }
  } else if (!status.ok() && !status.IsNotFound()) {
    return to_error_code(status, "reading the recorded head");
  }
  return {};
}

std::error_code rocks_event_store::read_derived_marker(std::optional<std::uint64_t>& through) const {
  through.reset();
  std::string derived;
  auto status = db_->Get(rocksdb::ReadOptions(), cf(cf_meta), std::string(keys::meta_derived), &derived);
  if (status.IsNotFound()) return {};
  if (!status.ok()) return to_error_code(status, "reading the derived-data marker");
  if (derived.size() != 8) {
    log().error("the derived-data marker is malformed ({} bytes)", derived.size());
    return code(errc::corruption);
  }
  through = encoding::get_big_endian64(derived.data());
  return {};
}

void rocks_event_store::set_recovered_head(std::uint64_t head, const sha256_digest& hash) {
  indexed_through_.store(head, std::memory_order_release);
  writer_head_ = head;
  writer_head_hash_ = hash;
  head_.store(head, std::memory_order_release);
  head_hash_ = hash;
  live_ = std::make_unique<live_buffer>(opts_.live_buffer_events, position{head});
}

std::error_code rocks_event_store::open_read_only(rocksdb::DBOptions db_options,
                                                  const std::vector<rocksdb::ColumnFamilyDescriptor>& descriptors) {
  // RocksDB's read-only open takes no lock, replays the WALs into memtables without writing
  // anything, and here gets a logger of its own: by default it would start a new info LOG in the
  // directory, renaming the old one.
  db_options.create_if_missing = false;
  db_options.create_missing_column_families = false;
  db_options.info_log = std::make_shared<discarding_logger>();
  rocksdb::DB* raw = nullptr;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  auto status = rocksdb::DB::OpenForReadOnly(db_options, opts_.directory.string(), descriptors, &handles, &raw);
  if (!status.ok()) return to_error_code(status, "opening " + opts_.directory.string() + " read-only");
  db_.reset(raw);
  handles_ = std::move(handles);

  std::uint64_t head = 0;
  sha256_digest hash{};
  if (auto ec = recover_head(head, hash)) return ec;
  // A read-write open would derive what a crash left underived (rebuild_derived); verify checks
  // the stream index only where it is derived.
  std::optional<std::uint64_t> marker;
  if (auto ec = read_derived_marker(marker)) return ec;
  read_only_derived_through_ = std::min(head, marker.value_or(head));  // none: derived with the log
  set_recovered_head(head, hash);
  return {};  // no writer, no syncer: accepting_ stays false
}

std::error_code rocks_event_store::rebuild_derived(std::uint64_t from, std::uint64_t to) {
  rocksdb::WriteOptions synced;
  synced.sync = true;
  rocksdb::WriteBatch batch;
  std::string key;
  std::string value;
  // The command being re-derived: its records are consecutive in the log. Its result lists one
  // entry per run of records of one stream; the original listed one per write, which differs only
  // when a request wrote the same stream twice in a row, and that request was never acknowledged
  // (acknowledgement waits for its derived data to be synced).
  std::string command;
  append_result result;
  auto finish_command = [&] {
    if (!command.empty()) batch.Put(cf(cf_commands), command, keys::encode_command_result(result));
    command.clear();
    result = {};
  };
  auto flush = [&](std::uint64_t through) -> std::error_code {
    value.clear();
    encoding::put_big_endian64(value, through);
    batch.Put(cf(cf_meta), std::string(keys::meta_derived), value);
    auto status = db_->Write(synced, &batch);
    if (!status.ok()) return to_error_code(status, "writing re-derived data");
    batch.Clear();
    return {};
  };

  const std::string lower = keys::log_key(position{from});
  const std::string upper = keys::log_key(position{to + 1});
  rocksdb::Slice lower_bound(lower), upper_bound(upper);
  rocksdb::ReadOptions ro;
  ro.iterate_lower_bound = &lower_bound;
  ro.iterate_upper_bound = &upper_bound;
  ro.fill_cache = false;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, cf(cf_log)));
  record_view view;
  std::uint64_t expected = from;
  std::unordered_map<std::string, std::uint64_t> heads;
  auto write_heads = [&] {
    for (const auto& [stream, version] : heads) {
      value.clear();
      encoding::put_big_endian64(value, version);
      batch.Put(cf(cf_heads), stream, value);
    }
    heads.clear();
  };
  for (it->Seek(lower); it->Valid(); it->Next(), ++expected) {
    const auto k = it->key();
    if (k.size() != 8 || encoding::get_big_endian64(k.data()) != expected) {
      // A gap (a deleted tail) is verify's to report; derive what is there up to it.
      log().error("deriving: the log is missing position {}", expected);
      break;
    }
    if (auto problem = parse_record(std::string_view(it->value().data(), it->value().size()), view);
        problem != record_problem::none || view.pos.value != expected) {
      log().error("deriving: position {} is unreadable ({})", expected,
                  problem != record_problem::none ? describe(problem) : "record names another position");
      return code(errc::corruption);
    }
    keys::stream_index_key(key, view.stream, view.version);
    value.clear();
    encoding::put_big_endian64(value, expected);
    batch.Put(cf(cf_streams), key, value);
    heads.insert_or_assign(std::string(view.stream), view.version.value);

    if (view.command_id != command) {
      finish_command();
      // Bounded memory for a long tail: write what is derived so far, at a command boundary so
      // the marker never lands inside a command (whose entry would then be derived in halves).
      if (batch.Count() >= 65536) {
        write_heads();
        if (auto ec = flush(expected - 1)) return ec;
      }
      command.assign(view.command_id);
      result.first = view.pos;
    }
    result.last = view.pos;
    if (result.streams.empty() || result.streams.back().stream != view.stream) {
      result.streams.push_back(stream_outcome{std::string(view.stream), view.version});
    } else {
      result.streams.back().last_version = view.version;
    }
  }
  if (!it->status().ok()) return to_error_code(it->status(), "deriving: reading the log");
  finish_command();
  write_heads();
  return flush(expected - 1);
}

std::error_code rocks_event_store::purge_derived_past(std::uint64_t head) {
  // Only bulk mode leaves this: its derived data and consumer state reach the memtables when they
  // are published and may be flushed before the log chunk they describe is ingested; a crash in
  // between leaves them describing positions the log does not hold. Whatever mentions a position
  // past the head goes: index entries (and the stream heads they raised), command ids, and the
  // state of consumers whose checkpoint is past it (they apply the log again from the start).
  rocksdb::WriteBatch batch;
  std::string value;
  std::unordered_map<std::string, std::uint64_t> first_lost;  // stream -> its oldest lost version
  {
    log().warn("derived data reaches past the log's end at position {} (a bulk import was cut short); removing it",
               head);
    rocksdb::ReadOptions every_stream;
    every_stream.total_order_seek = true;  // the index has a prefix extractor
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(every_stream, cf(cf_streams)));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      const auto k = it->key();
      const auto v = it->value();
      if (v.size() != 8 || k.size() < 9 || k[k.size() - 9] != '\0') return code(errc::corruption);
      if (encoding::get_big_endian64(v.data()) <= head) continue;
      batch.Delete(cf(cf_streams), k);
      const std::uint64_t version = encoding::get_big_endian64(k.data() + k.size() - 8);
      auto [entry, inserted] = first_lost.try_emplace(std::string(k.data(), k.size() - 9), version);
      if (!inserted) entry->second = std::min(entry->second, version);
    }
    if (!it->status().ok()) return to_error_code(it->status(), "purging the stream index");
    // A stream's versions ascend with its positions: what is left ends just before the first lost one.
    for (const auto& [stream, version] : first_lost) {
      if (version <= 1) {
        batch.Delete(cf(cf_heads), stream);
      } else {
        value.clear();
        encoding::put_big_endian64(value, version - 1);
        batch.Put(cf(cf_heads), stream, value);
      }
    }
    // Bulk mode ingests the index with the log (ingest_chunk), so a stream head flushed ahead of
    // its chunk has no index entry past the head to find above: each head not already repaired
    // is checked against its stream's last index entry (one seek per stream; only after a crash).
    {
      rocksdb::ReadOptions all;
      all.total_order_seek = true;  // stream_heads has a prefix extractor and a hash memtable
      std::unique_ptr<rocksdb::Iterator> heads(db_->NewIterator(all, cf(cf_heads)));
      std::unique_ptr<rocksdb::Iterator> index(db_->NewIterator(rocksdb::ReadOptions(), cf(cf_streams)));
      std::string last_key;
      for (heads->SeekToFirst(); heads->Valid(); heads->Next()) {
        const std::string stream(heads->key().data(), heads->key().size());
        if (first_lost.contains(stream) || heads->value().size() != 8) continue;
        const std::uint64_t version = encoding::get_big_endian64(heads->value().data());
        keys::stream_index_key(last_key, stream, stream_version{std::numeric_limits<std::uint64_t>::max()});
        std::uint64_t indexed = 0;
        index->SeekForPrev(last_key);
        if (index->Valid() && index->key().size() == stream.size() + 9 &&
            index->key().starts_with(rocksdb::Slice(last_key.data(), stream.size() + 1))) {
          indexed = encoding::get_big_endian64(index->key().data() + stream.size() + 1);
        }
        if (!index->status().ok()) return to_error_code(index->status(), "purging stream heads");
        if (version <= indexed) continue;
        if (indexed == 0) {
          batch.Delete(cf(cf_heads), stream);
        } else {
          value.clear();
          encoding::put_big_endian64(value, indexed);
          batch.Put(cf(cf_heads), stream, value);
        }
      }
      if (!heads->status().ok()) return to_error_code(heads->status(), "purging stream heads");
    }
    // commands has the same prefix extractor and hash memtable as stream_heads: without a total
    // order seek, SeekToFirst over a memtable finds nothing (today its entries past the head are
    // only in flushed files, bulk mode writing them without the WAL; this keeps it so if not).
    rocksdb::ReadOptions all;
    all.total_order_seek = true;
    std::unique_ptr<rocksdb::Iterator> commands(db_->NewIterator(all, cf(cf_commands)));
    for (commands->SeekToFirst(); commands->Valid(); commands->Next()) {
      auto r = keys::decode_command_result(std::string_view(commands->value().data(), commands->value().size()));
      if (!r) return code(errc::corruption);
      if (r->last.value > head) batch.Delete(cf(cf_commands), commands->key());
    }
    if (!commands->status().ok()) return to_error_code(commands->status(), "purging command ids");
    value.clear();
    encoding::put_big_endian64(value, head);
    batch.Put(cf(cf_meta), std::string(keys::meta_derived), value);
  }
  {
    // Consumers one by one: their checkpoint key, then a seek past all their keys.
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cf(cf_consumers)));
    for (it->SeekToFirst(); it->Valid();) {
      const std::string_view k(it->key().data(), it->key().size());
      const std::string consumer(k.substr(0, k.find('\0')));
      std::string checkpoint;
      auto status = db_->Get(rocksdb::ReadOptions(), cf(cf_consumers), keys::consumer_checkpoint_key(consumer),
                             &checkpoint);
      if (status.ok() && checkpoint.size() == 8 && encoding::get_big_endian64(checkpoint.data()) > head) {
        log().warn("consumer '{}' is past the log's end; its state is removed", consumer);
        batch.DeleteRange(cf(cf_consumers), keys::consumer_begin(consumer), keys::consumer_end(consumer));
      } else if (!status.ok() && !status.IsNotFound()) {
        return to_error_code(status, "purging consumers");
      }
      it->Seek(keys::consumer_end(consumer));
    }
    if (!it->status().ok()) return to_error_code(it->status(), "purging consumers");
  }
  rocksdb::WriteOptions synced;
  synced.sync = true;
  auto status = db_->Write(synced, &batch);
  if (!status.ok()) return to_error_code(status, "purging derived data");
  return {};
}

rocksdb::WriteOptions rocks_event_store::append_write_options() const {
  rocksdb::WriteOptions w;
  // Durable mode: the syncer's SyncWAL makes these writes durable. Bulk mode: no WAL at all
  // (its CRC and copy were a fifth of the writer's time); sync() and close() flush the memtables.
  w.disableWAL = opts_.mode == durability::bulk_import_without_fsync;
  return w;
}

// Consumer state is derived from the log, so its writes are never synced on their own: they go
// through the WAL (atomic, in order) and become durable with the next sync of the log or at
// close. A crash can lose the newest commits, never part of one nor one without those before it;
// the consumer resumes from an earlier checkpoint and applies the same events again. A synced
// write here cost the server one more fsync per applier round, on the path from an acknowledged
// event to its pushed ranking.
rocksdb::WriteOptions rocks_event_store::write_options() const { return rocksdb::WriteOptions{}; }

// ---------------------------------------------------------------------------------------------
// Appends

void rocks_event_store::enqueue(pending_append item) {
  {
    std::lock_guard lock(queue_mutex_);
    if (accepting_) {
      queue_.push_back(std::move(item));
      queue_cv_.notify_one();
      return;
    }
  }
  // Refused on the caller's thread: the writer is gone, or there never was one.
  const std::error_code why = code(opts_.read_only ? errc::read_only : errc::closed);
  if (item.done) item.done(failure(why));
  if (item.done_detailed) item.done_detailed(failure(append_error{why, why.message(), {}, {}}));
}

void rocks_event_store::append_async(append_request request, std::function<void(result<append_result>)> done) {
  enqueue(pending_append{std::move(request), std::move(done), {}});
}

void rocks_event_store::append_async_detailed(append_request request,
                                              std::function<void(result<append_result, append_error>)> done) {
  enqueue(pending_append{std::move(request), {}, std::move(done)});
}

namespace {

// A blocked append()'s rendezvous with the syncer: a bare futex. Not std::binary_semaphore
// (libstdc++ 12 spins with sched_yield before it sleeps, and 64-256 spinning callers took the
// writer's and syncer's CPU on a two-core machine), and not a mutex + condition variable (the
// syncer would have to notify under the waiter's mutex, since the waiter lives on the caller's
// stack, and each woken caller then blocked at once on that mutex: two context switches per
// append). A FUTEX_WAKE that reaches the address after the waiter has returned wakes nobody.
template <typename Outcome>
struct waiter {
  std::atomic<std::uint32_t> ready{0};
  std::optional<Outcome> outcome;

  std::uint32_t* word() { return reinterpret_cast<std::uint32_t*>(&ready); }
  void deliver(Outcome r) {
    outcome.emplace(std::move(r));
    ready.store(1, std::memory_order_release);
    ::syscall(SYS_futex, word(), FUTEX_WAKE_PRIVATE, 1, nullptr, nullptr, 0);
  }
  Outcome wait() {
    while (ready.load(std::memory_order_acquire) == 0) {
      ::syscall(SYS_futex, word(), FUTEX_WAIT_PRIVATE, 0, nullptr, nullptr, 0);
    }
    return std::move(*outcome);
  }
};
static_assert(sizeof(std::atomic<std::uint32_t>) == sizeof(std::uint32_t) &&
              std::atomic<std::uint32_t>::is_always_lock_free);

}  // namespace

result<append_result> rocks_event_store::append(append_request request) {
  // The callback captures one pointer, so std::function stores it without allocating.
  waiter<result<append_result>> w;
  enqueue(pending_append{std::move(request), [p = &w](result<append_result> r) { p->deliver(std::move(r)); }, {}});
  return w.wait();
}

result<append_result, append_error> rocks_event_store::append_detailed(append_request request) {
  waiter<result<append_result, append_error>> w;
  enqueue(pending_append{
      std::move(request), {}, [p = &w](result<append_result, append_error> r) { p->deliver(std::move(r)); }});
  return w.wait();
}

void rocks_event_store::writer_loop() {
  pthread_setname_np(pthread_self(), "es-writer");  // for top, perf and gdb
  std::vector<pending_append> batch;
  for (;;) {
    {
      std::unique_lock lock(queue_mutex_);
      queue_cv_.wait(lock, [&] { return !queue_.empty() || !accepting_; });
      if (queue_.empty()) break;  // closing and drained
      if (queue_.size() <= opts_.max_batch_requests) {
        batch.swap(queue_);
      } else {
        auto end = queue_.begin() + static_cast<std::ptrdiff_t>(opts_.max_batch_requests);
        std::move(queue_.begin(), end, std::back_inserter(batch));
        queue_.erase(queue_.begin(), end);
      }
    }
    written_batch done = process_batch(batch);
    batch.clear();
    {
      std::lock_guard lock(sync_mutex_);
      sync_queue_.push_back(std::move(done));
    }
    sync_cv_.notify_one();
  }
  {
    std::lock_guard lock(sync_mutex_);
    writer_finished_ = true;
  }
  sync_cv_.notify_one();
}

void rocks_event_store::syncer_loop() {
  pthread_setname_np(pthread_self(), "es-syncer");
  const bool bulk = opts_.mode == durability::bulk_import_without_fsync;
  std::vector<written_batch> group;
  for (;;) {
    {
      std::unique_lock lock(sync_mutex_);
      sync_cv_.wait(lock, [&] { return !sync_queue_.empty() || writer_finished_; });
      if (sync_queue_.empty()) break;  // the writer is gone and everything is completed
      group.swap(sync_queue_);
    }
    // Durable mode: one sync for every batch written so far; it begins after all their writes
    // returned (each batch's records and derived data are one write), so when it succeeds every
    // one of them is on disk. Bulk mode: nothing to sync; the batches' stream heads and command
    // ids are written here (no WAL), then the read snapshot is taken, before any later group's.
    const bool wrote = std::any_of(group.begin(), group.end(), [](const written_batch& b) { return b.wrote; });
    rocksdb::Status status;
    std::shared_ptr<const rocksdb::Snapshot> snapshot;
    if (wrote && !failed_.load(std::memory_order_acquire)) {
      if (bulk) {
        status = write_derived(group);
        if (status.ok()) snapshot = take_snapshot();
      }
      if (status.ok() && has_before_sync_for_testing_.load(std::memory_order_acquire)) before_sync_for_testing_();
      if (status.ok() && opts_.mode == durability::fsync_each_batch) status = db_->SyncWAL();
    }
    if (failed_.load(std::memory_order_acquire) || !status.ok()) {
      // Written, maybe even on disk, but not known to be: nothing of it is acknowledged or
      // published, and (failed_) nothing is written after it.
      if (!status.ok()) fail(bulk ? "writing derived data" : "syncing the WAL", status.ToString());
      const std::string why = "not acknowledged: " + write_failure().value_or("the event store stopped writing");
      for (auto& b : group) {
        for (auto& o : b.outcomes) {
          if (o.has_value()) o = failure(append_error{code(errc::io_error), why, {}, {}});
        }
        complete(b);
      }
      group.clear();
      continue;
    }
    if (bulk && wrote) publish_bulk(group, std::move(snapshot));
    for (auto& b : group) {
      if (b.wrote) {
        {
          std::lock_guard lock(head_hash_mutex_);
          head_hash_ = b.last_hash;
        }
        head_.store(b.last_position, std::memory_order_release);
        // A batch nobody listened to still moves the buffer on (empty), so a subscriber that
        // joins later goes to disk for it.
        live_->publish(position{b.last_position}, b.published);
      }
      complete(b);
    }
    group.clear();
  }
  if (bulk) {
    {
      std::lock_guard lock(ingest_mutex_);
      syncer_finished_ = true;
    }
    ingest_cv_.notify_one();
  }
}

void rocks_event_store::publish_bulk(const std::vector<written_batch>& group,
                                     std::shared_ptr<const rocksdb::Snapshot> snapshot) {
  // Before the head moves: a reader that sees the new head finds its data in the snapshot and
  // its records in the tail.
  {
    std::lock_guard lock(tail_mutex_);
    for (const auto& b : group) {
      if (b.wrote) tail_segments_.push_back(b.segment);
    }
  }
  {
    std::lock_guard lock(head_hash_mutex_);
    read_snapshot_ = std::move(snapshot);
  }
  // To the ingester before any callback: a sync() that follows an acknowledgement finds the
  // acknowledged records queued or ingested.
  bool wake = false;
  {
    std::lock_guard lock(ingest_mutex_);
    for (const auto& b : group) {
      if (!b.wrote) continue;
      ingest_queue_.push_back(b.segment);
      ingest_queue_bytes_ += b.segment->bytes.size();
    }
    wake = ingest_queue_bytes_ >= bulk_ingest_wake_bytes;
  }
  if (wake) ingest_cv_.notify_one();
}

void rocks_event_store::fail(std::string_view doing, std::string_view why) {
  bool first = false;
  {
    std::lock_guard lock(failure_mutex_);
    if (failure_.empty()) {
      failure_ = std::string(doing) + ": " + std::string(why);
      first = true;
      log().critical("the event store stopped writing ({}); nothing more is written until it is reopened", failure_);
    }
  }
  {
    std::lock_guard lock(sync_mutex_);
    failed_.store(true, std::memory_order_release);
  }
  indexed_cv_.notify_all();
  // A WAL append's error is held back until a sync (counting_file in prewritten_wal.cc). In
  // durable mode it must come out of a SyncWithoutFlush (SyncWAL) before any other sync of that
  // WAL sees it, say a flush syncing closed WALs: an error RocksDB's writer first met elsewhere
  // makes its next SyncWithoutFlush assert. So sync once here; this fails with the held-back
  // error, if any. Bulk mode never syncs the WAL (it carries consumer commits only) and flushes
  // often, so a flush has usually met the error first, and a SyncWAL here is what would assert.
  if (first && wal_file_system_ && opts_.mode == durability::fsync_each_batch) (void)db_->SyncWAL();
}

std::error_code rocks_event_store::failed_write(std::string_view doing, const rocksdb::Status& why) {
  fail(doing, why.ToString());
  return code(errc::io_error);
}

std::error_code rocks_event_store::refuse_after_failure() const {
  return failed_.load(std::memory_order_acquire) ? code(errc::io_error) : std::error_code{};
}

std::optional<std::string> rocks_event_store::write_failure() const {
  // The server asks before every command: no lock while the store writes (fail() sets failure_
  // before failed_).
  if (!failed_.load(std::memory_order_acquire)) return std::nullopt;
  std::lock_guard lock(failure_mutex_);
  if (failure_.empty()) return std::nullopt;
  return failure_;
}

void rocks_event_store::ingester_loop() {
  pthread_setname_np(pthread_self(), "es-ingester");
  std::vector<std::shared_ptr<const log_segment>> segments;
  for (;;) {
    std::uint64_t ticket = 0;
    bool last = false;
    {
      std::unique_lock lock(ingest_mutex_);
      ingest_cv_.wait(lock, [&] {
        return ingest_queue_bytes_ >= bulk_ingest_wake_bytes || ingest_requested_ > ingest_done_ || syncer_finished_;
      });
      segments.swap(ingest_queue_);
      ingest_queue_bytes_ = 0;
      ticket = ingest_requested_;
      last = syncer_finished_;  // nothing is queued after this: ingest everything and stop
    }
    if (!failed_.load(std::memory_order_acquire)) {
      auto status = add_to_chunk(segments);
      if (status.ok() && chunk_ &&
          (ticket > ingest_done_ || last || chunk_->FileSize() >= bulk_chunk_bytes)) {
        status = ingest_chunk();
      }
      if (!status.ok()) fail("writing or ingesting a bulk chunk of the log", status.ToString());
    }
    segments.clear();
    {
      std::lock_guard lock(ingest_mutex_);
      ingest_done_ = ticket;
      ingester_finished_ = last;
    }
    ingested_cv_.notify_all();
    if (last) return;
  }
}

rocksdb::Status rocks_event_store::add_to_chunk(const std::vector<std::shared_ptr<const log_segment>>& segments) {
  std::string key;
  for (const auto& segment : segments) {
    if (!chunk_) {
      // Not evicted from the page cache as it is written: it is read again soon (ingestion
      // checks it, readers and subscribers follow the import).
      // The DB's own file options, bytes_per_sync (1 MiB) included: written back as it goes, like
      // a flush, instead of 64 MiB of dirty pages at Finish (measured: 0.1-0.2 us less CPU per
      // event). Not O_DIRECT: that saved more CPU here, but a read right after the import then
      // came from the disk at half the speed.
      chunk_ = std::make_unique<rocksdb::SstFileWriter>(rocksdb::EnvOptions(log_file_options_), log_file_options_, cf(cf_log),
                                                        /*invalidate_page_cache=*/false);
      chunk_path_ = (opts_.directory / (std::string(bulk_chunk_prefix) + std::to_string(++chunk_number_) + ".sst")).string();
      if (auto status = chunk_->Open(chunk_path_); !status.ok()) {
        chunk_.reset();
        return status;
      }
    }
    const log_segment& s = *segment;
    chunk_segments_.push_back(segment);
    for (std::uint64_t p = s.first; p < s.first + s.ends.size(); ++p) {
      key.clear();
      encoding::put_big_endian64(key, p);
      const std::string_view record = s.record(p);
      if (auto status = chunk_->Put(key, rocksdb::Slice(record.data(), record.size())); !status.ok()) return status;
      auto& e = chunk_index_.emplace_back();
      e.position = p;
      if (!record_stream_version(record, e.stream, e.version)) {
        return rocksdb::Status::Corruption("bulk chunk: a record the writer encoded is unreadable");
      }
      chunk_last_ = p;
      chunk_last_hash_ = digest_from(record.substr(record.size() - record_hash_size));
    }
  }
  return rocksdb::Status::OK();
}

rocksdb::Status rocks_event_store::ingest_chunk() {
  if (!chunk_) return rocksdb::Status::OK();
  auto status = chunk_->Finish();  // fsyncs the file
  chunk_.reset();
  // The chunk's stream index: its own file, sorted by key (a bulk import's streams usually
  // arrive in order and are only checked; anything else is sorted here, off the syncer's path).
  const std::string index_path = chunk_path_.substr(0, chunk_path_.size() - 4) + "-index.sst";
  if (status.ok()) {
    sort_unless_sorted(chunk_index_.begin(), chunk_index_.end(), in_stream_index_order);
    rocksdb::SstFileWriter index(rocksdb::EnvOptions(index_file_options_), index_file_options_, cf(cf_streams),
                                 /*invalidate_page_cache=*/false);
    status = index.Open(index_path);
    std::string key;
    std::string value;
    for (std::size_t i = 0; status.ok() && i < chunk_index_.size(); ++i) {
      const auto& e = chunk_index_[i];
      keys::stream_index_key(key, e.stream, stream_version{e.version});
      value.clear();
      encoding::put_big_endian64(value, e.position);
      status = index.Put(key, value);
    }
    if (status.ok()) status = index.Finish();  // fsyncs the file
  }
  chunk_index_.clear();
  chunk_segments_.clear();
  if (status.ok()) {
    std::vector<rocksdb::IngestExternalFileArg> args(2);
    rocksdb::IngestExternalFileOptions& ingest = args[0].options;
    args[0].column_family = cf(cf_log);
    args[0].external_files = {chunk_path_};
    ingest.move_files = true;  // a hard link: the records are not copied again
    // Sequence number 0 at the bottom level: no compaction ever rewrites these files to zero
    // their sequence numbers (which flushed files cost after each read snapshot moved on).
    // Readers never see the new records early: read_all stops at the published head and
    // read_stream and verify only look up positions the stream index or the tail gave them.
    ingest.snapshot_consistency = false;
    ingest.write_global_seqno = false;
    // Positions only grow, so the file overlaps nothing and belongs at the bottom; anything else
    // would break the above, and fails the ingestion instead.
    ingest.fail_if_not_bottommost_level = true;
    // The index file may overlap what `streams` holds (durable appends before the import, an
    // earlier import of the same streams, entries re-derived at start()): RocksDB then flushes an
    // overlapping memtable first and places the file above what it overlaps, with a sequence
    // number newer than the read snapshots (bulk readers read `streams` at its latest state).
    args[1].column_family = cf(cf_streams);
    args[1].external_files = {index_path};
    args[1].options = ingest;
    args[1].options.fail_if_not_bottommost_level = false;
    // Both files or neither (one MANIFEST write): the index never names a position the log lacks,
    // and an ingested position is never without its index entry. RocksDB links the files,
    // fdatasyncs them, fsyncs the directory and records them in the (fdatasynced) MANIFEST
    // before this returns (strace, RocksDB 7.8.3).
    status = db_->IngestExternalFiles(args);
  }
  if (!status.ok()) {
    std::error_code ignored;
    std::filesystem::remove(chunk_path_, ignored);
    std::filesystem::remove(index_path, ignored);
    return status;
  }
  // The meta head follows what is ingested, never what is only in the tail: after a crash it may
  // lag the log (which start() takes as it is), never lead it (which would read as a deleted tail).
  std::string head_value;
  encoding::put_big_endian64(head_value, chunk_last_);
  head_value.append(reinterpret_cast<const char*>(chunk_last_hash_.data()), chunk_last_hash_.size());
  status = db_->Put(append_write_options(), cf(cf_meta), std::string(keys::meta_head), head_value);
  if (!status.ok()) return status;
  // Readers that take the tail from now on find these positions in `log`: at sequence number 0
  // they are in every snapshot, so the published one need not change (and must not: a newer one
  // could show derived data the syncer has written but not yet published).
  std::lock_guard lock(tail_mutex_);
  while (!tail_segments_.empty() && tail_segments_.front()->first <= chunk_last_) tail_segments_.pop_front();
  tail_first_ = chunk_last_ + 1;
  return rocksdb::Status::OK();
}

rocksdb::Status rocks_event_store::write_derived(std::vector<written_batch>& group) {
  derived_batch_.Clear();
  std::uint64_t last = 0;
  // Bulk mode only (durable mode's writer writes its derived data with the records). No stream
  // index entries: they are ingested with the log (ingest_chunk), and readers take the entries
  // not yet ingested from the tail. The buffers are the syncer's members, kept with their
  // capacity from group to group: no allocation per event here.
  auto& heads = derived_heads_;
  heads.clear();
  for (const auto& b : group) {
    if (!b.wrote) continue;
    last = b.last_position;
    heads.insert(heads.end(), b.heads.begin(), b.heads.end());
  }
  // Heads in write order; a stable sort keeps each stream's entries in that order, so the last
  // of each run is the stream's newest version.
  std::stable_sort(heads.begin(), heads.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
  std::string& value = derived_value_;
  for (std::size_t h = 0; h < heads.size(); ++h) {
    if (h + 1 < heads.size() && heads[h + 1].first == heads[h].first) continue;
    const auto& [stream, version] = heads[h];
    value.clear();
    encoding::put_big_endian64(value, version);
    derived_batch_.Put(cf(cf_heads), rocksdb::Slice(stream.data(), stream.size()), value);
  }
  for (const auto& b : group) {
    for (auto i : b.accepted) {
      value.clear();
      keys::encode_command_result(value, b.outcomes[i].value());
      derived_batch_.Put(cf(cf_commands), b.requests[i].request.command_id, value);
    }
  }
  value.clear();
  encoding::put_big_endian64(value, last);
  derived_batch_.Put(cf(cf_meta), std::string(keys::meta_derived), value);
  auto status = db_->Write(append_write_options(), &derived_batch_);
  if (status.ok()) {
    {
      std::lock_guard lock(sync_mutex_);
      indexed_through_.store(last, std::memory_order_release);
    }
    indexed_cv_.notify_all();
  }
  return status;
}

void rocks_event_store::clear_head_cache() {
  // Durable mode: the writer wrote every head it cached itself, in its own batches.
  if (opts_.mode == durability::bulk_import_without_fsync) {
    std::unique_lock lock(sync_mutex_);
    indexed_cv_.wait(lock, [&] {
      return indexed_through_.load(std::memory_order_acquire) >= writer_head_ || failed_.load(std::memory_order_acquire);
    });
  }
  head_cache_.clear();
}

void rocks_event_store::prune_recent_commands() {
  if (recent_commands_.size() < std::max(prune_recent_commands_at_, recent_command_window)) return;
  const std::uint64_t indexed = indexed_through_.load(std::memory_order_acquire);
  std::erase_if(recent_commands_, [&](const auto& entry) { return entry.second.last_position <= indexed; });
  // Ids still waiting for the syncer (bulk mode) stay; scanning again only once the map has
  // doubled keeps the cost per append constant when the syncer lags.
  prune_recent_commands_at_ = recent_commands_.size() * 2;
}

void rocks_event_store::complete(written_batch& b) {
  for (std::size_t i = 0; i < b.requests.size(); ++i) {
    auto& out = b.outcomes[i];
    auto& req = b.requests[i];
    if (req.done_detailed) {
      req.done_detailed(std::move(out));
    } else if (req.done) {
      if (out.has_value()) {
        req.done(std::move(out).value());
      } else {
        req.done(failure(out.error().code));
      }
    }
  }
}

std::shared_ptr<const rocksdb::Snapshot> rocks_event_store::take_snapshot() {
  // The DB outlives every holder: close() drops the published one and takes lifetime_mutex_
  // exclusively (readers hold copies only under its shared lock) before it closes the DB.
  return std::shared_ptr<const rocksdb::Snapshot>(db_->GetSnapshot(),
                                                  [db = db_.get()](const rocksdb::Snapshot* s) { db->ReleaseSnapshot(s); });
}

std::shared_ptr<const rocksdb::Snapshot> rocks_event_store::read_snapshot() const {
  std::lock_guard lock(head_hash_mutex_);
  return read_snapshot_;
}

namespace {
// The tail segment holding position p, by binary search over segments ascending by first position.
template <typename Segments>
auto segment_at(const Segments& segments, std::uint64_t p) {
  auto it = std::upper_bound(segments.begin(), segments.end(), p,
                             [](std::uint64_t q, const auto& s) { return q < s->first; });
  return it == segments.begin() ? segments.end() : std::prev(it);
}
}  // namespace

std::shared_ptr<const rocks_event_store::log_tail> rocks_event_store::tail_range(std::uint64_t from,
                                                                               std::uint64_t to) const {
  if (opts_.mode != durability::bulk_import_without_fsync) return nullptr;
  auto tail = std::make_shared<log_tail>();
  std::lock_guard lock(tail_mutex_);
  tail->first = tail_first_;
  if (tail_segments_.empty() || to < tail_first_) return tail;
  auto it = segment_at(tail_segments_, std::max(from, tail_first_));
  for (; it != tail_segments_.end() && (*it)->first <= to; ++it) tail->segments.push_back(*it);
  return tail;
}

std::shared_ptr<const rocks_event_store::log_tail> rocks_event_store::tail_positions(
    const std::vector<std::uint64_t>& positions) const {
  if (opts_.mode != durability::bulk_import_without_fsync) return nullptr;
  auto tail = std::make_shared<log_tail>();
  {
    std::lock_guard lock(tail_mutex_);
    tail->first = tail_first_;
    for (auto p : positions) {
      if (p < tail_first_ || tail_segments_.empty()) continue;
      if (auto it = segment_at(tail_segments_, p); it != tail_segments_.end()) tail->segments.push_back(*it);
    }
  }
  std::sort(tail->segments.begin(), tail->segments.end(), [](const auto& x, const auto& y) { return x->first < y->first; });
  tail->segments.erase(std::unique(tail->segments.begin(), tail->segments.end()), tail->segments.end());
  return tail;
}

std::string_view rocks_event_store::log_tail::find(std::uint64_t p) const {
  if (p < first || segments.empty()) return {};
  auto it = segment_at(segments, p);
  if (it == segments.end()) return {};
  const log_segment& s = **it;
  if (p >= s.first + s.ends.size()) return {};
  return s.record(p);
}

void rocks_event_store::prefetch(const std::vector<pending_append>& batch) {
  // Command ids: one MultiGet for the whole batch. Nothing of this batch is written yet, so what
  // it finds is exactly the committed state; ids accepted earlier in the same batch are caught by
  // process_batch's own map. Invalid requests get a key too (their result is never looked at).
  const std::size_t n = batch.size();
  prefetch_keys_.resize(n);
  prefetched_commands_.resize(n);
  prefetched_command_status_.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    prefetch_keys_[i] = rocksdb::Slice(batch[i].request.command_id);
    prefetched_commands_[i].Reset();
  }
  db_->MultiGet(rocksdb::ReadOptions(), cf(cf_commands), n, prefetch_keys_.data(), prefetched_commands_.data(),
                prefetched_command_status_.data());

  // Stream heads the cache does not hold: one MultiGet, then into the cache.
  std::vector<std::string_view> missing;
  for (const auto& p : batch) {
    for (const auto& w : p.request.writes) {
      if (w.stream.empty() || head_cache_.contains(std::string_view(w.stream))) continue;
      missing.push_back(w.stream);
    }
  }
  if (missing.empty()) return;
  std::sort(missing.begin(), missing.end());
  missing.erase(std::unique(missing.begin(), missing.end()), missing.end());
  std::vector<rocksdb::Slice> head_keys(missing.begin(), missing.end());
  std::vector<rocksdb::PinnableSlice> values(missing.size());
  std::vector<rocksdb::Status> statuses(missing.size());
  db_->MultiGet(rocksdb::ReadOptions(), cf(cf_heads), head_keys.size(), head_keys.data(), values.data(),
                statuses.data(), /*sorted_input=*/true);
  if (head_cache_.size() + missing.size() > max_cached_stream_heads) clear_head_cache();
  for (std::size_t i = 0; i < missing.size(); ++i) {
    // Anything but a clean answer is left for committed_version to look up and report.
    if (statuses[i].IsNotFound()) {
      head_cache_.emplace(std::string(missing[i]), 0);
    } else if (statuses[i].ok() && values[i].size() == 8) {
      head_cache_.emplace(std::string(missing[i]), encoding::get_big_endian64(values[i].data()));
    }
  }
}

result<std::uint64_t> rocks_event_store::committed_version(std::string_view stream) {
  if (auto it = head_cache_.find(stream); it != head_cache_.end()) return it->second;
  std::string value;
  auto status = db_->Get(rocksdb::ReadOptions(), cf(cf_heads), rocksdb::Slice(stream.data(), stream.size()), &value);
  std::uint64_t version = 0;
  if (status.ok()) {
    if (value.size() != 8) return failure(code(errc::corruption));
    version = encoding::get_big_endian64(value.data());
  } else if (!status.IsNotFound()) {
    return failure(to_error_code(status, "reading a stream head"));
  }
  if (head_cache_.size() >= max_cached_stream_heads) clear_head_cache();
  head_cache_.emplace(std::string(stream), version);
  return version;
}

rocks_event_store::written_batch rocks_event_store::process_batch(std::vector<pending_append>& batch) {
  written_batch done;
  std::vector<std::optional<outcome>> outcomes(batch.size());
  // Requests accepted into this batch: completed with their result once the batch is durable.
  std::vector<std::size_t> accepted;
  // Requests that repeat a command id accepted earlier in this same batch: index of that request.
  std::vector<std::pair<std::size_t, std::size_t>> repeats_in_batch;

  // Stream versions as this batch leaves them (on top of the committed ones), and the command ids
  // it has accepted. Keys point into the requests, which outlive the batch. Members, cleared
  // here, so that their bucket arrays are allocated once and not per batch.
  auto& batch_versions = batch_versions_;
  auto& batch_commands = batch_commands_;
  batch_versions.clear();
  batch_commands.clear();

  std::uint64_t next_position = writer_head_ + 1;
  sha256_digest chain = writer_head_hash_;
  const bool publish_events = live_->wanted();
  std::vector<recorded_event> published;

  if (failed_.load(std::memory_order_acquire)) {
    done.outcomes.assign(batch.size(),
                         failure(append_error{code(errc::io_error),
                                              "the event store stopped writing after a failed write (" +
                                                  write_failure().value_or("") + "); reopen it once that is fixed",
                                              {}, {}}));
    done.requests = std::move(batch);
    return done;
  }
  prefetch(batch);

  write_batch_.Clear();
  std::string record;
  std::string position_bytes;
  std::string key;
  std::string index_key;
  std::string index_value;
  // Bulk mode: the records go into one segment (no WriteBatch, no memtable; see the header).
  const bool bulk = opts_.mode == durability::bulk_import_without_fsync;
  std::shared_ptr<log_segment> segment;
  if (bulk) {
    segment = std::make_shared<log_segment>();
    segment->first = next_position;
    // Room for every record of the batch up front (an upper bound of each record's size): one
    // allocation instead of a string doubling its way up, copying, and faulting in new pages.
    std::size_t bytes = 0;
    std::size_t events = 0;
    for (const auto& p : batch) {
      const auto& r = p.request;
      const std::size_t per_event = 27 + 4 + record_hash_size + 9 * 5 + r.command_id.size() + r.metadata.by.user.size() +
                                    r.metadata.by.role.size() + r.metadata.by.jurisdiction.size() +
                                    r.metadata.correlation_id.size() + r.metadata.causation_id.size();
      for (const auto& w : r.writes) {
        for (const auto& e : w.events) bytes += per_event + w.stream.size() + e.type.size() + e.payload.size();
        events += w.events.size();
      }
    }
    segment->bytes.reserve(bytes);
    segment->ends.reserve(events);
  }

  for (std::size_t i = 0; i < batch.size(); ++i) {
    const append_request& req = batch[i].request;

    if (auto why = invalid_request_reason(req); !why.empty()) {
      outcomes[i].emplace(failure(append_error{code(errc::invalid_argument), std::string(why), {}, {}}));
      continue;
    }

    // Idempotency comes before the version check: a retried command gets its first result back
    // whatever it expected.
    if (auto it = batch_commands.find(req.command_id); it != batch_commands.end()) {
      repeats_in_batch.emplace_back(i, it->second);
      continue;
    }
    // Durable mode writes command results in the batch itself, where the next batch's prefetch
    // finds them: only bulk mode, whose syncer writes them later, keeps recent ids in memory.
    if (auto it = bulk ? recent_commands_.find(std::string_view(req.command_id)) : recent_commands_.end();
        it != recent_commands_.end()) {
      append_result previous = it->second.result;
      previous.duplicate = true;
      outcomes[i].emplace(std::move(previous));
      continue;
    }
    {
      const auto& status = prefetched_command_status_[i];
      if (status.ok()) {
        auto previous = keys::decode_command_result(
            std::string_view(prefetched_commands_[i].data(), prefetched_commands_[i].size()));
        if (!previous) {
          outcomes[i].emplace(failure(append_error{code(errc::corruption), "stored command result is unreadable", {}, {}}));
        } else {
          previous->duplicate = true;
          outcomes[i].emplace(std::move(*previous));
        }
        continue;
      }
      if (!status.IsNotFound()) {
        auto ec = to_error_code(status, "looking up a command id");
        outcomes[i].emplace(failure(append_error{ec, ec.message(), {}, {}}));
        continue;
      }
    }

    // Check every write against the versions as this batch (and earlier writes of this request)
    // leave them. Nothing is staged until all of the request's writes pass.
    auto& current = request_versions_;
    current.assign(req.writes.size(), 0);
    std::optional<append_error> refused;
    for (std::size_t w = 0; w < req.writes.size() && !refused; ++w) {
      const auto& write = req.writes[w];
      std::optional<std::uint64_t> version;
      for (std::size_t earlier = w; earlier-- > 0;) {
        if (req.writes[earlier].stream == write.stream) {
          version = current[earlier] + req.writes[earlier].events.size();
          break;
        }
      }
      if (!version) {
        if (auto it = batch_versions.find(write.stream); it != batch_versions.end()) {
          version = it->second;
        } else {
          auto committed = committed_version(write.stream);
          if (!committed) {
            refused = append_error{committed.error(), committed.error().message(), write.stream, {}};
            break;
          }
          version = *committed;
        }
      }
      current[w] = *version;
      if (!write.expected.admits(stream_version{*version})) {
        refused = append_error{code(errc::wrong_expected_version),
                               "stream '" + write.stream + "' is at version " + std::to_string(*version) +
                                   ", expected " + describe_expected(write.expected),
                               write.stream, stream_version{*version}};
      }
    }
    if (refused) {
      outcomes[i].emplace(failure(std::move(*refused)));
      continue;
    }

    // Stage the request: records, stream index entries, stream heads, the command's result.
    append_result res;
    res.first = position{next_position};
    for (std::size_t w = 0; w < req.writes.size(); ++w) {
      const auto& write = req.writes[w];
      std::uint64_t version = current[w];
      for (const auto& event : write.events) {
        ++version;
        const position pos{next_position++};
        std::string& out = bulk ? segment->bytes : record;
        if (!bulk) record.clear();
        const auto body_start = append_record_body(out, pos, write.stream, stream_version{version}, event,
                                                   req.metadata, req.command_id);
        chain = writer_hasher_.next(chain, std::string_view(out).substr(body_start));
        append_record_hash(out, chain);

        if (bulk) {
          segment->ends.push_back(out.size());
        } else {
          key.clear();
          encoding::put_big_endian64(key, pos.value);
          write_batch_.Put(cf(cf_log), key, record);
        }
        if (!bulk) {
          // The stream index entry, in the same batch as its record (bulk mode: ingest_chunk's).
          keys::stream_index_key(index_key, write.stream, stream_version{version});
          index_value.clear();
          encoding::put_big_endian64(index_value, pos.value);
          write_batch_.Put(cf(cf_streams), index_key, index_value);
        }

        if (publish_events) {
          recorded_event& ev = published.emplace_back();
          ev.pos = pos;
          ev.stream = write.stream;
          ev.version = stream_version{version};
          ev.type = event.type;
          ev.schema_version = event.schema_version;
          ev.metadata = req.metadata;
          ev.command_id = req.command_id;
          ev.payload = event.payload;
          ev.hash = chain;
        }
      }
      if (bulk) done.heads.emplace_back(write.stream, version);  // for the syncer (durable mode: below)
      batch_versions[write.stream] = version;
      res.streams.push_back(stream_outcome{write.stream, stream_version{version}});
    }
    res.last = position{next_position - 1};
    batch_commands.emplace(req.command_id, i);
    outcomes[i].emplace(std::move(res));
    accepted.push_back(i);
  }

  if (!accepted.empty()) {
    rocksdb::Status status;
    std::optional<std::string> held_back;
    if (!bulk) {
      position_bytes.clear();
      encoding::put_big_endian64(position_bytes, next_position - 1);
      position_bytes.append(reinterpret_cast<const char*>(chain.data()), chain.size());
      write_batch_.Put(cf(cf_meta), std::string(keys::meta_head), position_bytes);
      // The rest of the derived data in the same batch: stream heads, command results and the
      // `derived` marker. One write, one WAL record: nothing to hand to another thread.
      for (const auto& [stream, version] : batch_versions) {
        index_value.clear();
        encoding::put_big_endian64(index_value, version);
        write_batch_.Put(cf(cf_heads), rocksdb::Slice(stream.data(), stream.size()), index_value);
      }
      for (auto i : accepted) {
        index_value.clear();
        keys::encode_command_result(index_value, outcomes[i]->value());
        write_batch_.Put(cf(cf_commands), batch[i].request.command_id, index_value);
      }
      index_value.clear();
      encoding::put_big_endian64(index_value, next_position - 1);
      write_batch_.Put(cf(cf_meta), std::string(keys::meta_derived), index_value);
      status = db_->Write(append_write_options(), &write_batch_);
      // A failed WAL append reports success to RocksDB and its error here (counting_file).
      if (status.ok() && wal_file_system_) held_back = wal_file_system_->wal_write_failure();
    }
    if (!status.ok() || held_back) {
      // Nothing of this batch is acknowledged; the head stays where it was, and nothing more is
      // written (fail()).
      fail("writing an append batch", held_back ? *held_back : status.ToString());
      const std::string why = "not acknowledged: " + write_failure().value_or("the event store stopped writing");
      for (auto i : accepted) outcomes[i].emplace(failure(append_error{code(errc::io_error), why, {}, {}}));
      published.clear();
      done.heads.clear();
    } else {
      done.wrote = true;
      done.segment = std::move(segment);
      done.last_position = next_position - 1;
      done.last_hash = chain;
      writer_head_ = next_position - 1;
      writer_head_hash_ = chain;
      for (auto& [stream, version] : batch_versions) {
        if (auto it = head_cache_.find(stream); it != head_cache_.end()) {
          it->second = version;
        } else {
          // No clearing here: this batch is not yet with the syncer (clear_head_cache would wait
          // for it forever); the cache outgrows its bound by at most one batch until prefetch.
          head_cache_.emplace(std::string(stream), version);
        }
      }
      if (bulk) {
        for (auto i : accepted) {
          const auto& res = outcomes[i]->value();
          recent_commands_.insert_or_assign(batch[i].request.command_id, recent_command{res, res.last.value});
        }
        prune_recent_commands();
      }
      if (!publish_events) published.clear();
      done.published = std::move(published);
      done.accepted = std::move(accepted);
    }
  }

  // Pinned values hold references into the memtables and block cache: release them now, not
  // when the next batch (or, after close, the destructor) would.
  for (auto& v : prefetched_commands_) v.Reset();

  for (auto [i, first] : repeats_in_batch) {
    if (outcomes[first]->has_value()) {
      append_result copy = outcomes[first]->value();
      copy.duplicate = true;
      outcomes[i].emplace(std::move(copy));
    } else {
      outcomes[i].emplace(failure(outcomes[first]->error()));
    }
  }

  done.outcomes.reserve(batch.size());
  for (auto& o : outcomes) done.outcomes.push_back(std::move(*o));
  done.requests = std::move(batch);
  return done;
}

// ---------------------------------------------------------------------------------------------
// Reads

sha256_digest rocks_event_store::head_hash() const {
  std::lock_guard lock(head_hash_mutex_);
  return head_hash_;
}

result<stream_version> rocks_event_store::stream_head(std::string_view stream) const {
  if (!valid_name(stream)) return failure(code(errc::invalid_argument));
  std::shared_lock lock(lifetime_mutex_);
  if (!db_) return failure(code(errc::closed));
  // Durable mode: the head first; `stream_heads` is then read at its latest state, which may hold
  // versions the writer has written but not yet published, so the answer is the newest version
  // whose position the head covers (bulk mode: at the published snapshot).
  const std::uint64_t head = head_.load(std::memory_order_acquire);
  const auto snapshot = read_snapshot();
  rocksdb::ReadOptions ro;
  ro.snapshot = snapshot.get();
  std::string value;
  auto status = db_->Get(ro, cf(cf_heads), rocksdb::Slice(stream.data(), stream.size()), &value);
  if (status.IsNotFound()) return stream_version{0};
  if (!status.ok()) return failure(to_error_code(status, "reading a stream head"));
  if (value.size() != 8) return failure(code(errc::corruption));
  const stream_version latest{encoding::get_big_endian64(value.data())};
  if (snapshot) return latest;
  return published_version(stream, latest, head);
}

result<stream_version> rocks_event_store::published_version(std::string_view stream, stream_version latest,
                                                             std::uint64_t head) const {
  // Usually the latest version is published: one lookup of its index entry says so.
  std::string key;
  std::string value;
  keys::stream_index_key(key, stream, latest);
  auto status = db_->Get(rocksdb::ReadOptions(), cf(cf_streams), key, &value);
  if (!status.ok() && !status.IsNotFound()) return failure(to_error_code(status, "reading a stream index"));
  if (status.ok() && value.size() == 8 && encoding::get_big_endian64(value.data()) <= head) return latest;
  // Otherwise back through the index to the newest version the head covers (positions grow with
  // versions).
  const std::string prefix = keys::stream_prefix(stream);
  std::string upper = prefix;
  upper.back() = '\1';
  rocksdb::Slice lower_bound(prefix), upper_bound(upper);
  rocksdb::ReadOptions ro;
  ro.iterate_lower_bound = &lower_bound;
  ro.iterate_upper_bound = &upper_bound;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, cf(cf_streams)));
  for (it->SeekForPrev(key); it->Valid(); it->Prev()) {
    const auto k = it->key();
    const auto v = it->value();
    if (v.size() != 8 || k.size() < 8) return failure(code(errc::corruption));
    if (encoding::get_big_endian64(v.data()) <= head) {
      return stream_version{encoding::get_big_endian64(k.data() + k.size() - 8)};
    }
  }
  if (!it->status().ok()) return failure(to_error_code(it->status(), "reading a stream index"));
  return stream_version{0};
}

namespace {
// Whether a stream index entry names a position past the head (a malformed one is not skipped:
// reading its record reports it).
bool past(const rocksdb::Slice& position_key, std::uint64_t head) {
  return position_key.size() == 8 && encoding::get_big_endian64(position_key.data()) > head;
}
}  // namespace

result<std::vector<recorded_event>> rocks_event_store::read_stream(std::string_view stream, stream_version from,
                                                                   read_direction direction,
                                                                   std::size_t max_count) const {
  if (!valid_name(stream)) return failure(code(errc::invalid_argument));
  std::shared_lock lock(lifetime_mutex_);
  if (!db_) return failure(code(errc::closed));
  std::vector<recorded_event> events;
  if (max_count == 0) return events;

  // Collect up to max_count positions from the stream index, then fetch their records in one
  // MultiGet; memory is bounded by the page, not by the stream.
  const std::string prefix = keys::stream_prefix(stream);
  std::string upper = prefix;
  upper.back() = '\1';
  rocksdb::Slice lower_bound(prefix), upper_bound(upper);
  const bool forward = direction == read_direction::forward;
  if (!forward && from.value == 0) return events;
  // What is in the newest memtables may be written but not yet synced: read what is durable.
  // Durable mode: index entries whose position is past the head (taken first: everything it
  // covers is written before it moves) are not published yet and are skipped; positions grow
  // with versions, so they are the stream's newest. Bulk mode: at the published snapshot.
  const std::uint64_t head = head_.load(std::memory_order_acquire);
  const auto snapshot = read_snapshot();
  // Bulk mode: the stream index holds only ingested positions (ingest_chunk adds them with the
  // log, atomically, at a sequence number newer than the snapshot), so it is read at its latest
  // state; the versions not yet ingested are in the tail, taken BEFORE the index is read: a chunk
  // ingested in between is then in one or both (never neither), and duplicates are dropped.
  std::shared_ptr<const log_tail> tail;
  if (opts_.mode == durability::bulk_import_without_fsync) {
    tail = tail_range(0, std::numeric_limits<std::uint64_t>::max());
  }
  rocksdb::ReadOptions ro;
  ro.snapshot = tail ? nullptr : snapshot.get();
  ro.iterate_lower_bound = &lower_bound;
  ro.iterate_upper_bound = &upper_bound;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, cf(cf_streams)));
  std::string seek_key;
  // (version, position) from the index; then (version, record) from the tail.
  std::vector<std::pair<std::uint64_t, std::string>> indexed;
  if (forward) {
    keys::stream_index_key(seek_key, stream, stream_version{std::max<std::uint64_t>(from.value, 1)});
    for (it->Seek(seek_key); it->Valid() && indexed.size() < max_count; it->Next()) {
      const auto k = it->key();
      if (!snapshot && past(it->value(), head)) break;
      indexed.emplace_back(k.size() >= 8 ? encoding::get_big_endian64(k.data() + k.size() - 8) : 0,
                           std::string(it->value().data(), it->value().size()));
    }
  } else {
    keys::stream_index_key(seek_key, stream, from);
    for (it->SeekForPrev(seek_key); it->Valid() && indexed.size() < max_count; it->Prev()) {
      const auto k = it->key();
      if (!snapshot && past(it->value(), head)) continue;
      indexed.emplace_back(k.size() >= 8 ? encoding::get_big_endian64(k.data() + k.size() - 8) : 0,
                           std::string(it->value().data(), it->value().size()));
    }
  }
  if (!it->status().ok()) return failure(to_error_code(it->status(), "reading a stream index"));
  std::vector<std::pair<std::uint64_t, std::string_view>> in_tail;
  if (tail) {
    // A scan of the tail's records (headers only): reads during a bulk import are rare.
    std::string_view name;
    std::uint64_t version = 0;
    for (const auto& segment : tail->segments) {
      for (std::uint64_t p = std::max(segment->first, tail->first); p < segment->first + segment->ends.size(); ++p) {
        const std::string_view record = segment->record(p);
        if (!record_stream_version(record, name, version)) {
          log().error("position {} in the in-memory tail is unreadable", p);
          return failure(code(errc::corruption));
        }
        if (name != stream || (forward ? version < from.value : version > from.value)) continue;
        in_tail.emplace_back(version, record);
      }
    }
    if (!forward) std::reverse(in_tail.begin(), in_tail.end());
  }
  if (indexed.empty() && in_tail.empty()) return events;

  // The page: index entries and tail records merged by version (ascending forward, descending
  // backward), a version in both taken once (from the tail), up to max_count.
  struct slot {
    std::uint64_t version;
    std::size_t index;  // into indexed, or in_tail when from_tail
    bool from_tail;
  };
  std::vector<slot> page;
  {
    const auto before = [&](std::uint64_t x, std::uint64_t y) { return forward ? x < y : x > y; };
    std::size_t i = 0;
    std::size_t t = 0;
    while (page.size() < max_count && (i < indexed.size() || t < in_tail.size())) {
      if (t < in_tail.size() && (i == indexed.size() || !before(indexed[i].first, in_tail[t].first))) {
        if (i < indexed.size() && indexed[i].first == in_tail[t].first) ++i;
        page.push_back({in_tail[t].first, t, true});
        ++t;
      } else {
        page.push_back({indexed[i].first, i, false});
        ++i;
      }
    }
  }

  std::vector<rocksdb::Slice> key_slices;
  std::vector<std::size_t> key_slot;
  for (std::size_t j = 0; j < page.size(); ++j) {
    if (page[j].from_tail) continue;
    key_slices.emplace_back(indexed[page[j].index].second);
    key_slot.push_back(j);
  }
  std::vector<rocksdb::PinnableSlice> values(key_slices.size());
  std::vector<rocksdb::Status> statuses(key_slices.size());
  if (!key_slices.empty()) {
    rocksdb::ReadOptions log_ro;
    log_ro.snapshot = snapshot.get();
    db_->MultiGet(log_ro, cf(cf_log), key_slices.size(), key_slices.data(), values.data(), statuses.data());
  }
  std::vector<std::string_view> bytes(page.size());
  for (std::size_t j = 0; j < page.size(); ++j) {
    if (page[j].from_tail) bytes[j] = in_tail[page[j].index].second;
  }
  for (std::size_t i = 0; i < key_slices.size(); ++i) {
    const std::string& position_key = indexed[page[key_slot[i]].index].second;
    std::string_view b(values[i].data(), values[i].size());
    if (statuses[i].IsNotFound() && tail && position_key.size() == 8) {
      b = tail->find(encoding::get_big_endian64(position_key.data()));
    } else if (!statuses[i].ok() && !statuses[i].IsNotFound()) {
      return failure(to_error_code(statuses[i], "reading a stream's records"));
    }
    if (!statuses[i].ok() && b.empty()) {
      log().error("stream '{}' lists position {} which is missing from the log", stream,
                  position_key.size() == 8 ? encoding::get_big_endian64(position_key.data()) : 0);
      return failure(code(errc::corruption));
    }
    bytes[key_slot[i]] = b;
  }
  events.resize(page.size());
  record_view view;
  for (std::size_t j = 0; j < page.size(); ++j) {
    auto problem = parse_record(bytes[j], view);
    if (problem != record_problem::none) {
      log().error("stream '{}' version {}: {}", stream, page[j].version, describe(problem));
      return failure(code(errc::corruption));
    }
    to_recorded_event(view, events[j]);
  }
  return events;
}

result<std::vector<recorded_event>> rocks_event_store::read_all(position from, std::size_t max_count) const {
  std::shared_lock lock(lifetime_mutex_);
  if (!db_) return failure(code(errc::closed));
  std::vector<recorded_event> events;
  if (max_count == 0) return events;
  std::uint64_t expected = std::max<std::uint64_t>(from.value, 1);
  // Never read past the published head: a reader must not see a batch before its appenders are
  // told it is durable, and the positions up to the head are known to be gapless.
  const std::uint64_t last = head_.load(std::memory_order_acquire);
  if (expected > last) return events;
  events.reserve(std::min<std::uint64_t>(max_count, last - expected + 1));
  // Bulk mode: the tail, taken after the head (its segments are added before the head moves),
  // holds every position from its first up to at least `last`; the log itself holds those before.
  const auto tail = tail_range(expected, max_count > last - expected ? last : expected + max_count - 1);
  const std::uint64_t in_log = tail ? std::min(last, tail->first - 1) : last;

  record_view view;
  if (expected <= in_log) {
    const std::string lower = keys::log_key(position{expected});
    const std::string upper = keys::log_key(position{in_log + 1});
    rocksdb::Slice lower_bound(lower), upper_bound(upper);
    rocksdb::ReadOptions ro;
    ro.iterate_lower_bound = &lower_bound;
    ro.iterate_upper_bound = &upper_bound;
    ro.readahead_size = 2u << 20;
    // A long page is a scan (a rebuild, a catch-up from far behind, an export): its blocks are read
    // once, and caching them would only evict the blocks point readers and the tail need.
    ro.fill_cache = max_count < scan_page_events;
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, cf(cf_log)));
    for (it->Seek(lower); it->Valid() && events.size() < max_count; it->Next(), ++expected) {
      const auto k = it->key();
      if (k.size() != 8 || encoding::get_big_endian64(k.data()) != expected) {
        log().error("the log is missing position {}", expected);
        if (!events.empty()) return events;  // the page ends before the gap; the next read reports it
        return failure(code(errc::corruption));
      }
      auto problem = parse_record(std::string_view(it->value().data(), it->value().size()), view);
      if (problem != record_problem::none || view.pos.value != expected) {
        log().error("position {}: {}", expected,
                    problem != record_problem::none ? describe(problem) : "record names another position");
        if (!events.empty()) return events;
        return failure(code(errc::corruption));
      }
      to_recorded_event(view, events.emplace_back());
    }
    if (!it->status().ok()) return failure(to_error_code(it->status(), "reading the log"));
    if (events.size() < max_count && expected <= in_log) {
      log().error("the log is missing position {}", expected);
      if (!events.empty()) return events;
      return failure(code(errc::corruption));
    }
  }
  for (; tail && expected <= last && events.size() < max_count; ++expected) {
    const std::string_view bytes = tail->find(expected);
    auto problem = bytes.empty() ? record_problem::truncated : parse_record(bytes, view);
    if (problem != record_problem::none || view.pos.value != expected) {
      log().error("position {} in the bulk tail: {}", expected,
                  bytes.empty() ? "missing" : problem != record_problem::none ? describe(problem) : "record names another position");
      if (!events.empty()) return events;
      return failure(code(errc::corruption));
    }
    to_recorded_event(view, events.emplace_back());
  }
  return events;
}

// ---------------------------------------------------------------------------------------------
// Subscriptions

std::unique_ptr<subscription> rocks_event_store::subscribe(subscribe_options opts, batch_handler handler) {
  std::lock_guard lock(subscriptions_mutex_);
  std::erase_if(subscriptions_, [](const std::shared_ptr<subscription_state>& s) {
    if (!s->finished()) return false;
    s->stop_and_join();
    return true;
  });
  auto state = std::make_shared<subscription_state>(*this, *live_, opts, std::move(handler));
  // close() raises closing_ before it takes subscriptions_mutex_ to stop them all, so a
  // subscription started here is either seen and stopped by close() or never started.
  if (!closing_.load(std::memory_order_acquire)) {
    state->start();
    subscriptions_.push_back(state);
  }
  // A subscription made on a closed store never delivers; stop() on it is a no-op.
  return std::make_unique<subscription_handle>(std::move(state));
}

// ---------------------------------------------------------------------------------------------
// Verify

result<verify_report> rocks_event_store::verify(position from, position to) const {
  std::shared_lock lock(lifetime_mutex_);
  if (!db_) return failure(code(errc::closed));
  verify_report report;
  const std::uint64_t head = head_.load(std::memory_order_acquire);
  // Positions past the head were never written: asking for them is a mistake, not damage (the
  // record before such a range is absent because it does not exist yet). head + 1 is the empty
  // range after the head, which is intact.
  if (from.value > head + 1 || (to.value != 0 && to.value > head)) return failure(code(errc::invalid_argument));
  // Published before the head, so it holds at least everything up to it, and only durable data
  // (bulk mode: with the tail holding the records not yet ingested).
  const auto snapshot = read_snapshot();
  rocksdb::ReadOptions at_snapshot;
  at_snapshot.snapshot = snapshot.get();
  const std::uint64_t last = to.value == 0 ? head : std::min(to.value, head);
  std::uint64_t expected = std::max<std::uint64_t>(from.value, 1);
  report.last_checked = position{expected - 1};
  // Bulk mode: the records not yet ingested, from the one before the range on (taken after the
  // head, whose records it therefore holds).
  const auto tail = tail_range(expected - 1, last);

  auto bad = [&](std::uint64_t p, std::string problem) {
    report.first_bad = position{p};
    report.problem = std::move(problem);
    return report;
  };

  // The chain continues from the stored hash of the event before the range.
  sha256_digest chain{};
  if (expected > 1) {
    std::string before;
    auto status = db_->Get(at_snapshot, cf(cf_log), keys::log_key(position{expected - 1}), &before);
    if (status.IsNotFound() && tail && expected - 1 >= tail->first) {
      before.assign(tail->find(expected - 1));
      if (!before.empty()) status = rocksdb::Status::OK();
    }
    if (status.IsNotFound()) return bad(expected - 1, "missing: the record before the range is absent");
    if (!status.ok()) return failure(to_error_code(status, "verify: reading the record before the range"));
    if (before.size() < record_hash_size) return bad(expected - 1, "record is truncated or malformed");
    chain = digest_from(std::string_view(before).substr(before.size() - record_hash_size));
  }
  report.head_hash = chain;
  if (expected > last) return report;

  const std::uint64_t in_log = tail ? std::min(last, tail->first - 1) : last;
  chain_hasher hasher;
  record_view view;
  std::string index_key;
  std::string index_value;
  // Bulk mode: `streams` holds the ingested positions' entries at a sequence number newer than the
  // snapshot (ingest_chunk), so it is read at its latest state; the tail's records have no entry
  // yet (it is written when they are ingested), so theirs is not looked for.
  rocksdb::ReadOptions index_ro = at_snapshot;
  if (tail) index_ro.snapshot = nullptr;
  // Checks the record at p; an empty optional when it is intact (and moves the chain on).
  auto check = [&](std::uint64_t p, std::string_view value,
                   bool indexed) -> std::optional<result<verify_report>> {
    if (auto problem = parse_record(value, view); problem != record_problem::none) {
      return bad(p, std::string(describe(problem)));
    }
    if (view.pos.value != p) {
      return bad(p, "record says it is position " + std::to_string(view.pos.value));
    }
    const auto computed = hasher.next(chain, view.body);
    if (computed != view.hash) return bad(p, "hash chain broken: stored hash differs from the recomputed one");

    if (indexed) {
      keys::stream_index_key(index_key, view.stream, view.version);
      auto status = db_->Get(index_ro, cf(cf_streams), index_key, &index_value);
      if (status.IsNotFound() ||
          (status.ok() && (index_value.size() != 8 || encoding::get_big_endian64(index_value.data()) != p))) {
        return bad(p, "stream index disagrees: '" + std::string(view.stream) + "' version " +
                          std::to_string(view.version.value) + " does not point at this position");
      }
      if (!status.ok()) return failure(to_error_code(status, "verify: reading the stream index"));
    }

    chain = computed;
    ++report.checked;
    report.last_checked = position{p};
    report.head_hash = chain;
    return std::nullopt;
  };

  if (expected <= in_log) {
    const std::string lower = keys::log_key(position{expected});
    const std::string upper = keys::log_key(position{in_log + 1});
    rocksdb::Slice lower_bound(lower), upper_bound(upper);
    rocksdb::ReadOptions ro = at_snapshot;
    ro.iterate_lower_bound = &lower_bound;
    ro.iterate_upper_bound = &upper_bound;
    ro.readahead_size = 4u << 20;
    ro.fill_cache = false;  // a full scan would only evict what readers need
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, cf(cf_log)));
    for (it->Seek(lower); it->Valid(); it->Next(), ++expected) {
      const auto k = it->key();
      if (k.size() != 8) return bad(expected, "log key is malformed");
      const std::uint64_t p = encoding::get_big_endian64(k.data());
      if (p != expected) {
        return bad(expected, "missing: position " + std::to_string(expected) + " is absent, the log continues at " +
                                 std::to_string(p));
      }
      const bool indexed = !opts_.read_only || p <= read_only_derived_through_;
      if (auto r = check(p, std::string_view(it->value().data(), it->value().size()), indexed)) return std::move(*r);
    }
    if (!it->status().ok()) return failure(to_error_code(it->status(), "verify: reading the log"));
  }
  if (expected > in_log) {
    for (; tail && expected <= last; ++expected) {
      const std::string_view value = tail->find(expected);
      if (value.empty()) break;
      if (auto r = check(expected, value, false)) return std::move(*r);
    }
  }
  if (expected <= last) {
    return bad(expected, "missing: the log ends at position " + std::to_string(expected - 1) + " but the head is " +
                             std::to_string(head));
  }
  if (last == head) {
    std::string meta;
    auto status = db_->Get(at_snapshot, cf(cf_meta), std::string(keys::meta_head), &meta);
    if (status.ok() && meta.size() == 8 + record_hash_size && encoding::get_big_endian64(meta.data()) == head &&
        digest_from(std::string_view(meta).substr(8)) != chain) {
      return bad(head, "hash chain broken: the recorded head hash differs from the recomputed one");
    }
  }
  return report;
}

// ---------------------------------------------------------------------------------------------
// Consumers

result<void> rocks_event_store::commit_consumer(const consumer_commit& commit) {
  if (opts_.read_only) return failure(code(errc::read_only));
  if (!valid_name(commit.consumer)) return failure(code(errc::invalid_argument));
  std::shared_lock lock(lifetime_mutex_);
  if (!db_) return failure(code(errc::closed));
  if (auto refused = refuse_after_failure()) return failure(refused);
  if (rebuilding(commit.consumer)) {
    std::size_t bytes = 0;
    for (const auto& [k, v] : commit.puts) bytes += k.size() + v.size();
    // Smaller commits, snapshots' among them, go through the memtable: a file each would pile up
    // in level 0 while the rebuild keeps compactions off.
    if (bytes >= opts_.rebuild_ingest_bytes) return ingest_consumer_commit(commit);
  }
  rocksdb::WriteBatch batch;
  const std::string prefix = keys::consumer_state_prefix(commit.consumer);
  std::string key;
  for (const auto& k : commit.deletes) {
    key.assign(prefix).append(k);
    batch.Delete(cf(cf_consumers), key);
  }
  for (const auto& [k, v] : commit.puts) {
    key.assign(prefix).append(k);
    batch.Put(cf(cf_consumers), key, v);
  }
  batch.Put(cf(cf_consumers), keys::consumer_checkpoint_key(commit.consumer), keys::log_key(commit.checkpoint));
  auto w = write_options();
  // A rebuilding consumer's commits skip the WAL (see begin_consumer_rebuild): the WAL's copy and
  // its CRC of a rebuild's state, written again in full, and its replay at the next open.
  w.disableWAL = rebuilding(commit.consumer);
  auto status = db_->Write(w, &batch);
  if (!status.ok()) return failure(failed_write("committing consumer state", status));
  if (auto held_back = wal_file_system_->wal_write_failure()) {
    fail("committing consumer state", *held_back);  // reported here, not only at the next append's sync
    return failure(code(errc::io_error));
  }
  return {};
}

// A rebuild's commits are its whole state written again (the demo's final one: 250,000 keys,
// 46 MB). Through a memtable each was copied into a WriteBatch, inserted into the skiplist, then
// read back and written to a file by the flush that end_consumer_rebuild waits for; here it goes
// straight into a table file (two, side by side, when large), which RocksDB links in with a
// sequence number above everything the column family holds. Same meaning as the WriteBatch: deletes first, then puts, the last put
// of a key winning; the checkpoint in the same file, so the commit is whole or absent. It is
// durable when this returns (the file and the MANIFEST are synced). Earlier unlogged commits of
// the consumer are not left behind it: every commit writes the checkpoint key, so the file
// overlaps whatever memtable holds them, and RocksDB flushes that memtable before it ingests.
result<void> rocks_event_store::ingest_consumer_commit(const consumer_commit& commit) {
  using entry = std::pair<std::string_view, const std::string*>;  // key, value (null: delete)
  std::vector<entry> entries;
  entries.reserve(commit.puts.size() + commit.deletes.size());
  for (const auto& [k, v] : commit.puts) entries.emplace_back(k, &v);
  const auto by_key = [](const entry& a, const entry& b) { return a.first < b.first; };
  // The projections hand their puts over in key order: then this is one pass.
  if (!std::is_sorted(entries.begin(), entries.end(), by_key)) std::stable_sort(entries.begin(), entries.end(), by_key);
  // The last put of a key wins.
  std::size_t kept = 0;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    if (i + 1 < entries.size() && entries[i + 1].first == entries[i].first) continue;
    entries[kept++] = entries[i];
  }
  entries.resize(kept);
  // Deletes of keys not put again.
  std::vector<std::string_view> deletes(commit.deletes.begin(), commit.deletes.end());
  std::sort(deletes.begin(), deletes.end());
  deletes.erase(std::unique(deletes.begin(), deletes.end()), deletes.end());
  const std::size_t puts = entries.size();
  for (auto k : deletes) {
    const auto at = std::lower_bound(entries.begin(), entries.begin() + static_cast<std::ptrdiff_t>(puts),
                                     entry{k, nullptr}, by_key);
    if (at == entries.begin() + static_cast<std::ptrdiff_t>(puts) || at->first != k) entries.emplace_back(k, nullptr);
  }
  std::inplace_merge(entries.begin(), entries.begin() + static_cast<std::ptrdiff_t>(puts), entries.end(), by_key);

  // Entries [from, to) into one file; the first file also holds the checkpoint, whose key
  // (consumer 0x00 0x00) sorts before every state key (consumer 0x00 0x01 ...).
  auto write_file = [&](const std::string& path, std::size_t from, std::size_t to, bool with_checkpoint) {
    rocksdb::SstFileWriter file(rocksdb::EnvOptions(consumer_file_options_), consumer_file_options_, cf(cf_consumers),
                                /*invalidate_page_cache=*/false);
    auto status = file.Open(path);
    if (status.ok() && with_checkpoint) {
      status = file.Put(keys::consumer_checkpoint_key(commit.consumer), keys::log_key(commit.checkpoint));
    }
    std::string key = keys::consumer_state_prefix(commit.consumer);
    const std::size_t prefix_size = key.size();
    for (std::size_t i = from; status.ok() && i < to; ++i) {
      key.resize(prefix_size);
      key.append(entries[i].first);
      status = entries[i].second != nullptr ? file.Put(key, *entries[i].second) : file.Delete(key);
    }
    if (status.ok()) status = file.Finish();  // fsyncs the file
    return status;
  };
  auto file_path = [&] {
    return (opts_.directory / (std::string(consumer_file_prefix) + std::to_string(++consumer_file_number_) + ".sst"))
        .string();
  };
  // A large commit is written as two files side by side (building a table's blocks, filters and
  // index is CPU, and a rebuild's final commit holds up its end): their key ranges do not
  // overlap, and one IngestExternalFile takes both or neither.
  constexpr std::size_t split_above = 50000;
  const std::size_t split = entries.size() > split_above ? entries.size() / 2 : entries.size();
  std::vector<std::string> paths{file_path()};
  std::future<rocksdb::Status> second;
  if (split < entries.size()) {
    paths.push_back(file_path());
    second = std::async(std::launch::async, write_file, paths[1], split, entries.size(), false);
  }
  auto status = write_file(paths[0], 0, split, true);
  if (second.valid()) {
    auto second_status = second.get();
    if (status.ok()) status = second_status;
  }
  if (status.ok()) {
    rocksdb::IngestExternalFileOptions ingest;
    ingest.move_files = true;  // a hard link: the state is not copied again
    status = db_->IngestExternalFile(cf(cf_consumers), paths, ingest);
  }
  std::error_code ignored;
  for (const auto& path : paths) std::filesystem::remove(path, ignored);  // RocksDB keeps its own links
  if (!status.ok()) return failure(failed_write("ingesting consumer state", status));
  return {};
}

result<std::optional<position>> rocks_event_store::consumer_checkpoint(std::string_view consumer) const {
  if (!valid_name(consumer)) return failure(code(errc::invalid_argument));
  std::shared_lock lock(lifetime_mutex_);
  if (!db_) return failure(code(errc::closed));
  std::string value;
  auto status = db_->Get(rocksdb::ReadOptions(), cf(cf_consumers), keys::consumer_checkpoint_key(consumer), &value);
  if (status.IsNotFound()) return std::optional<position>{};
  if (!status.ok()) return failure(to_error_code(status, "reading a consumer checkpoint"));
  if (value.size() != 8) return failure(code(errc::corruption));
  return std::optional<position>{position{encoding::get_big_endian64(value.data())}};
}

result<std::optional<std::string>> rocks_event_store::consumer_get(std::string_view consumer,
                                                                   std::string_view key) const {
  if (!valid_name(consumer)) return failure(code(errc::invalid_argument));
  std::shared_lock lock(lifetime_mutex_);
  if (!db_) return failure(code(errc::closed));
  std::string full = keys::consumer_state_prefix(consumer);
  full.append(key);
  std::string value;
  auto status = db_->Get(rocksdb::ReadOptions(), cf(cf_consumers), full, &value);
  if (status.IsNotFound()) return std::optional<std::string>{};
  if (!status.ok()) return failure(to_error_code(status, "reading consumer state"));
  return std::optional<std::string>{std::move(value)};
}

result<void> rocks_event_store::consumer_scan(
    std::string_view consumer, std::string_view start, read_direction direction,
    const std::function<bool(std::string_view, std::string_view)>& visit) const {
  if (!valid_name(consumer)) return failure(code(errc::invalid_argument));
  std::shared_lock lock(lifetime_mutex_);
  if (!db_) return failure(code(errc::closed));
  const std::string prefix = keys::consumer_state_prefix(consumer);
  const std::string end = keys::consumer_state_end(consumer);
  rocksdb::Slice lower_bound(prefix), upper_bound(end);
  rocksdb::ReadOptions ro;
  ro.iterate_lower_bound = &lower_bound;
  ro.iterate_upper_bound = &upper_bound;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, cf(cf_consumers)));
  const std::string seek = prefix + std::string(start);
  auto deliver = [&] {
    auto k = it->key();
    auto v = it->value();
    return visit(std::string_view(k.data() + prefix.size(), k.size() - prefix.size()),
                 std::string_view(v.data(), v.size()));
  };
  if (direction == read_direction::forward) {
    for (it->Seek(seek); it->Valid(); it->Next()) {
      if (!deliver()) break;
    }
  } else {
    // An empty start means "from the last key".
    if (start.empty()) {
      it->SeekToLast();
    } else {
      it->SeekForPrev(seek);
    }
    for (; it->Valid(); it->Prev()) {
      if (!deliver()) break;
    }
  }
  if (!it->status().ok()) return failure(to_error_code(it->status(), "scanning consumer state"));
  return {};
}

result<void> rocks_event_store::consumer_reset(std::string_view consumer) {
  if (opts_.read_only) return failure(code(errc::read_only));
  if (!valid_name(consumer)) return failure(code(errc::invalid_argument));
  std::shared_lock lock(lifetime_mutex_);
  if (!db_) return failure(code(errc::closed));
  if (auto refused = refuse_after_failure()) return failure(refused);
  rocksdb::WriteBatch batch;
  batch.DeleteRange(cf(cf_consumers), keys::consumer_begin(consumer), keys::consumer_end(consumer));
  auto status = db_->Write(write_options(), &batch);
  if (!status.ok()) return failure(failed_write("resetting a consumer", status));
  return {};
}

// Rebuild settings. While a consumer rebuilds, ALL its commits are unlogged: an unlogged commit
// sits in the memtable until a flush writes the whole memtable (with everything before it, logged
// or not) to a synced file, and memtables are flushed in order, so a crash leaves the consumer at
// the state of some earlier commit, or at what preceded `begin`, never a later commit without an
// earlier one. (A logged commit of the same consumer after an unflushed unlogged one would be
// replayed from the WAL without it: hence `end` flushes before that consumer's commits are logged
// again.) Other consumers' logged commits touch other keys, so they do not matter here. During a
// rebuild the column family also writes uncompressed files (LZ4 of a rebuild's state was a tenth
// of its CPU, and the decompression again in the compactions) and runs no automatic compaction
// (which competed with the rebuild for the two cores; with it off, L0 files do not stall writes);
// `end` puts the live settings back, after which compactions compress the files as they merge
// them, in the background.
namespace {
const std::unordered_map<std::string, std::string>& rebuild_consumer_settings() {
  static const std::unordered_map<std::string, std::string> settings{
      {"disable_auto_compactions", "true"},
      {"compression", "kNoCompression"},
  };
  return settings;
}
const std::unordered_map<std::string, std::string>& live_consumer_settings() {
  static const std::unordered_map<std::string, std::string> settings{
      {"disable_auto_compactions", "false"},
      {"compression", "kLZ4Compression"},
  };
  return settings;
}
}  // namespace

bool rocks_event_store::rebuilding(std::string_view consumer) const {
  std::lock_guard lock(rebuilding_mutex_);
  return std::find(rebuilding_.begin(), rebuilding_.end(), consumer) != rebuilding_.end();
}

std::error_code rocks_event_store::flush_consumers() {
  rocksdb::FlushOptions flush;
  flush.wait = true;
  flush.allow_write_stall = true;
  if (auto refused = refuse_after_failure()) return refused;
  auto status = db_->Flush(flush, cf(cf_consumers));
  if (!status.ok()) return failed_write("flushing consumer state", status);
  return {};
}

result<void> rocks_event_store::begin_consumer_rebuild(std::string_view consumer) {
  if (opts_.read_only) return failure(code(errc::read_only));
  if (!valid_name(consumer)) return failure(code(errc::invalid_argument));
  std::shared_lock lock(lifetime_mutex_);
  if (!db_) return failure(code(errc::closed));
  if (auto refused = refuse_after_failure()) return failure(refused);  // SetOptions writes an OPTIONS file
  std::lock_guard rebuilding_lock(rebuilding_mutex_);
  if (std::find(rebuilding_.begin(), rebuilding_.end(), consumer) != rebuilding_.end()) return {};
  if (rebuilding_.empty()) {
    auto status = db_->SetOptions(cf(cf_consumers), rebuild_consumer_settings());
    if (!status.ok()) return failure(to_error_code(status, "setting the consumers' rebuild options"));
  }
  rebuilding_.emplace_back(consumer);
  return {};
}

result<void> rocks_event_store::end_consumer_rebuild(std::string_view consumer) {
  if (opts_.read_only) return failure(code(errc::read_only));
  if (!valid_name(consumer)) return failure(code(errc::invalid_argument));
  std::shared_lock lock(lifetime_mutex_);
  if (!db_) return failure(code(errc::closed));
  std::lock_guard rebuilding_lock(rebuilding_mutex_);
  auto it = std::find(rebuilding_.begin(), rebuilding_.end(), consumer);
  if (it == rebuilding_.end()) return {};
  // Durable first, while the consumer's commits are still unlogged (see above).
  if (auto ec = flush_consumers()) return failure(ec);
  rebuilding_.erase(it);
  if (rebuilding_.empty()) {
    auto status = db_->SetOptions(cf(cf_consumers), live_consumer_settings());
    if (!status.ok()) return failure(to_error_code(status, "restoring the consumers' options"));
  }
  return {};
}

// ---------------------------------------------------------------------------------------------
// Background work

// RocksDB 7.8 has no WaitForCompact, and nothing calls back when the last flush or compaction is
// done (an EventListener sees each job end, not whether the picker will start another), so this
// polls the DB's properties, a few integer reads under the DB mutex, every 20 ms: short against a
// compaction's hundreds of milliseconds, negligible CPU. Busy means any of:
// `rocksdb.num-running-flushes` and `rocksdb.num-running-compactions` (DB-wide counters, the same
// through any handle), and per column family `rocksdb.mem-table-flush-pending` (an immutable
// memtable waits for its flush) and `rocksdb.compaction-pending` (the picker's NeedsCompaction;
// it does not look at disable_auto_compactions, so the consumers' column family is left out while
// a rebuild has them off, or the wait would never end). Checked in RocksDB 7.8's
// db/internal_stats.cc. Something pending with nothing running for 1 s (a compaction the picker
// wants but cannot start, or a DB stopped by a background error) ends the wait rather than spin
// on; a background error during the wait is reported as io_error.
namespace {
constexpr auto background_poll_interval = std::chrono::milliseconds(20);
constexpr int background_stalled_polls = 50;  // 1 s of pending work with nothing running
}  // namespace

result<bool> rocks_event_store::background_work_busy(std::uint64_t& background_errors, bool& running) const {
  std::shared_lock lock(lifetime_mutex_);
  if (!db_ || closing_.load(std::memory_order_acquire)) return failure(code(errc::closed));
  const bool consumers_compaction_off = [&] {
    std::lock_guard rebuilding_lock(rebuilding_mutex_);
    return !rebuilding_.empty();
  }();
  auto value = [&](rocksdb::ColumnFamilyHandle* h, const rocksdb::Slice& property) -> std::uint64_t {
    std::uint64_t v = 0;
    return db_->GetIntProperty(h, property, &v) ? v : 0;
  };
  background_errors = value(cf(cf_default), rocksdb::DB::Properties::kBackgroundErrors);
  running = value(cf(cf_default), rocksdb::DB::Properties::kNumRunningFlushes) != 0 ||
            value(cf(cf_default), rocksdb::DB::Properties::kNumRunningCompactions) != 0;
  bool pending = false;
  for (std::size_t i = 0; i < handles_.size() && !pending; ++i) {
    pending = value(handles_[i], rocksdb::DB::Properties::kMemTableFlushPending) != 0 ||
              (!(i == cf_consumers && consumers_compaction_off) &&
               value(handles_[i], rocksdb::DB::Properties::kCompactionPending) != 0);
  }
  return running || pending;
}

result<void> rocks_event_store::await_background_work() {
  std::uint64_t errors_before = 0;
  int stalled = 0;
  for (bool first = true;; first = false) {
    std::uint64_t errors = 0;
    bool running = false;
    auto busy = background_work_busy(errors, running);
    if (!busy) return failure(busy.error());
    if (first) errors_before = errors;
    if (errors != errors_before) {
      log().error("a background flush or compaction failed while waiting for them");
      return failure(code(errc::io_error));
    }
    if (!*busy) return {};
    stalled = running ? 0 : stalled + 1;
    if (stalled >= background_stalled_polls) {
      log().warn("background work pending for 1 s with none running; no longer waiting for it");
      return {};
    }
    std::this_thread::sleep_for(background_poll_interval);
  }
}

std::optional<std::uint64_t> rocks_event_store::int_property(std::string_view column_family,
                                                             const std::string& property) const {
  std::shared_lock lock(lifetime_mutex_);
  if (!db_) return std::nullopt;
  for (auto* h : handles_) {
    if (h->GetName() != column_family) continue;
    std::uint64_t v = 0;
    if (db_->GetIntProperty(h, property, &v)) return v;
    // Some integer properties are string-valued ("rocksdb.num-files-at-level<N>").
    std::string text;
    if (!db_->GetProperty(h, property, &text)) return std::nullopt;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc{} || end != text.data() + text.size() || text.empty()) return std::nullopt;
    return v;
  }
  return std::nullopt;
}

// ---------------------------------------------------------------------------------------------
// Durability and shutdown

result<void> rocks_event_store::sync() {
  if (opts_.read_only) return failure(code(errc::read_only));
  std::shared_lock lock(lifetime_mutex_);
  if (!db_) return failure(code(errc::closed));
  if (opts_.mode == durability::bulk_import_without_fsync) {
    // Everything acknowledged is in the tail and the syncer's chunk file: have it ingested first
    // (a crash after that loses no record; derived data lost with the memtables is derived again).
    std::unique_lock ingest_lock(ingest_mutex_);
    const std::uint64_t ticket = ++ingest_requested_;
    ingest_cv_.notify_one();
    ingested_cv_.wait(ingest_lock, [&] { return ingest_done_ >= ticket || ingester_finished_; });
    if (failed_.load(std::memory_order_acquire)) return failure(code(errc::io_error));
  }
  if (auto refused = refuse_after_failure()) return failure(refused);
  if (auto ec = flush_unlogged()) return failure(ec);
  // manual_wal_flush is off, so every logged write is already in the WAL file; this fsyncs it.
  auto status = db_->SyncWAL();
  if (!status.ok()) return failure(failed_write("syncing the WAL", status));
  return {};
}

std::error_code rocks_event_store::flush_unlogged() {
  if (opts_.mode != durability::bulk_import_without_fsync) return {};
  // Bulk appends' derived data (and consumer commits) are only in the memtables: write them to
  // SST files (fsynced), all column families at once (atomic_flush). The log's records are
  // ingested by then (sync() and the syncer's last round at close).
  rocksdb::FlushOptions flush;
  flush.wait = true;
  flush.allow_write_stall = true;
  if (auto refused = refuse_after_failure()) return refused;
  auto status = db_->Flush(flush, handles_);
  if (!status.ok()) return failed_write("flushing bulk appends", status);
  return {};
}

void rocks_event_store::release_database() {
  for (auto* h : handles_) {
    auto status = db_->DestroyColumnFamilyHandle(h);
    if (!status.ok()) (void)to_error_code(status, "releasing a column family handle");
  }
  handles_.clear();
  auto status = db_->Close();
  if (!status.ok()) (void)to_error_code(status, "closing the database");
  db_.reset();
}

void rocks_event_store::close() {
  std::lock_guard close_lock(close_mutex_);
  if (closed_) return;
  closed_ = true;
  closing_.store(true, std::memory_order_release);

  // 1. Refuse new appends; the writer writes everything already queued and exits, then the
  //    syncer makes it durable, completes it and exits.
  {
    std::lock_guard lock(queue_mutex_);
    accepting_ = false;
  }
  queue_cv_.notify_all();
  if (writer_.joinable()) writer_.join();
  if (syncer_.joinable()) syncer_.join();
  if (ingester_.joinable()) ingester_.join();  // after ingesting everything the syncer published

  // 2. Stop every subscription; after this no thread but ours touches the DB.
  std::vector<std::shared_ptr<subscription_state>> subscriptions;
  {
    std::lock_guard lock(subscriptions_mutex_);
    subscriptions.swap(subscriptions_);
  }
  for (auto& s : subscriptions) s->stop_and_join();

  // 3. Make everything durable (bulk mode acknowledged without fsync) and close the DB.
  std::unique_lock lock(lifetime_mutex_);
  if (!db_) return;
  {
    std::lock_guard head_lock(head_hash_mutex_);
    read_snapshot_.reset();
  }
  if (opts_.read_only) return release_database();  // nothing to make durable
  if (failed_.load(std::memory_order_acquire)) {
    // No more writes after a failed one (failed_): what is durable is what was acknowledged.
    release_database();
    if (wal_file_system_) wal_file_system_->shut_down();
    return;
  }
  if (auto ec = flush_unlogged()) log().error("bulk appends could not be flushed at close: {}", ec.message());
  bool consumers_rebuilding = false;
  {
    std::lock_guard rebuilding_lock(rebuilding_mutex_);
    consumers_rebuilding = !rebuilding_.empty();
  }
  // A rebuild not ended: its unlogged commits reach synced files here rather than never.
  if (consumers_rebuilding) {
    if (auto ec = flush_consumers()) log().error("consumer state could not be flushed at close: {}", ec.message());
  }
  auto status = db_->SyncWAL();
  if (!status.ok()) (void)to_error_code(status, "syncing the WAL at close");
  release_database();
  // The spares are deleted rather than left in the data directory.
  if (wal_file_system_) wal_file_system_->shut_down();
}

}  // namespace gongjian::eventstore
