// What the event store's per-event write pattern costs inside RocksDB, without the store: a
// diagnostic for the durable-append figures in docs/benchmarks.md, not a test. One writer thread
// writes WriteBatches of --batch events, each event as the store writes it (eventstore/src/keys.h,
// at the time of writing): a point Get of its command id, then
//   log       big-endian position            -> record (--record bytes)
//   streams   stream 0x00 big-endian version -> position
//   heads     stream                         -> version
//   commands  command id                     -> result
// plus one meta Put per batch, with the store's column family options. --variant switches
// memtable options or drops puts, to show which part of the memtable work costs what. It reports
// the writer thread's CPU time per event (not wall time: the machine is shared) and events/s.
//
//   --variant baseline   the store's options
//   --variant hints      memtable_insert_with_hint_prefix_extractor on streams (prefix: stream
//                        0x00) and heads (whole key): each stream's inserts resume where the last
//                        one ended instead of searching the skiplist from the top
//   --variant hints+hash hints, and commands keyed by hash64(id) + id in a hash-skiplist memtable
//                        (prefix: the 8 hash bytes), so inserting and probing a command id no
//                        longer walks one big skiplist
//   --variant no_heads   baseline without the heads put (heads derivable from streams)
//   --variant no_commands baseline without the command Get and put
//   --variant log_only   only the log and streams puts
//   --variant log_alone  only the log put (stream index, heads and command ids kept elsewhere)
//   --variant small_memtables  baseline with 4 MiB memtables for streams, heads and commands
//                        (shallower skiplists that stay in cache; more, smaller flushes)
//   --variant hints+hash+small  hints, hashed commands and the small memtables together

#include <rocksdb/db.h>
#include <rocksdb/memtablerep.h>
#include <rocksdb/options.h>
#include <rocksdb/slice_transform.h>
#include <rocksdb/write_batch.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace {

void put_big_endian64(std::string& out, std::uint64_t v) {
  for (int i = 7; i >= 0; --i) out.push_back(static_cast<char>((v >> (i * 8)) & 0xFF));
}

// Prefix of a streams key: the stream name and its 0x00 terminator.
class stream_prefix final : public rocksdb::SliceTransform {
 public:
  const char* Name() const override { return "gongjian.bench.stream_prefix"; }
  rocksdb::Slice Transform(const rocksdb::Slice& key) const override {
    const void* nul = std::memchr(key.data(), 0, key.size());
    const auto len = nul ? static_cast<std::size_t>(static_cast<const char*>(nul) - key.data()) + 1 : key.size();
    return {key.data(), len};
  }
  bool InDomain(const rocksdb::Slice&) const override { return true; }
};

class whole_key final : public rocksdb::SliceTransform {
 public:
  const char* Name() const override { return "gongjian.bench.whole_key"; }
  rocksdb::Slice Transform(const rocksdb::Slice& key) const override { return key; }
  bool InDomain(const rocksdb::Slice&) const override { return true; }
};

double thread_cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
}

[[noreturn]] void usage() {
  std::fprintf(stderr,
               "usage: rocksdb_write_pattern [--variant baseline|hints|hints+hash|no_heads|no_commands|log_only|log_alone|\n"
               "         small_memtables|hints+hash+small] [--streams S] [--events N] [--batch B] [--record BYTES]\n"
               "         [--sync 0|1] [--dir DIR]\n"
               );
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  std::string variant = "baseline";
  std::uint64_t streams = 256, events = 300'000, batch = 256, record_bytes = 560;
  bool sync = false;
  std::string dir;
  for (int i = 1; i < argc; ++i) {
    std::string_view flag = argv[i];
    if (i + 1 >= argc) usage();
    std::string value = argv[++i];
    if (flag == "--variant") variant = value;
    else if (flag == "--streams") streams = std::strtoull(value.c_str(), nullptr, 10);
    else if (flag == "--events") events = std::strtoull(value.c_str(), nullptr, 10);
    else if (flag == "--batch") batch = std::strtoull(value.c_str(), nullptr, 10);
    else if (flag == "--record") record_bytes = std::strtoull(value.c_str(), nullptr, 10);
    else if (flag == "--sync") sync = value == "1";
    else if (flag == "--dir") dir = value;
    else usage();
  }
  const bool hints = variant == "hints" || variant == "hints+hash" || variant == "hints+hash+small";
  const bool hashed_commands = variant == "hints+hash" || variant == "hints+hash+small";
  const bool small_memtables = variant == "small_memtables" || variant == "hints+hash+small";
  const bool log_alone = variant == "log_alone";
  const bool heads = variant != "no_heads" && variant != "log_only" && !log_alone;
  const bool commands = variant != "no_commands" && variant != "log_only" && !log_alone;
  if (!(variant == "baseline" || hints || small_memtables || !heads || !commands) || streams == 0 || batch == 0) {
    usage();
  }

  bool made_dir = false;
  if (dir.empty()) {
    std::string tmpl = (std::getenv("TMPDIR") ? std::string(std::getenv("TMPDIR")) : std::string("/tmp")) +
                       "/gongjian-rocksdb-pattern-XXXXXX";
    if (!::mkdtemp(tmpl.data())) return 1;
    dir = tmpl;
    made_dir = true;
  }

  // The store's options (eventstore/src/rocks_event_store.cc, rocks_event_store::start).
  rocksdb::DBOptions db_options;
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  db_options.max_background_jobs = 2;
  db_options.bytes_per_sync = 1u << 20;
  db_options.enable_pipelined_write = true;
  rocksdb::ColumnFamilyOptions log_options;
  log_options.write_buffer_size = 64u << 20;
  log_options.max_write_buffer_number = 3;
  log_options.compression = rocksdb::kLZ4Compression;
  rocksdb::ColumnFamilyOptions index_options;
  index_options.write_buffer_size = small_memtables ? 4u << 20 : 32u << 20;
  index_options.compression = rocksdb::kLZ4Compression;
  rocksdb::ColumnFamilyOptions lookup_options = index_options;
  lookup_options.memtable_prefix_bloom_size_ratio = 0.05;
  lookup_options.memtable_whole_key_filtering = true;
  rocksdb::ColumnFamilyOptions heads_options = lookup_options;
  rocksdb::ColumnFamilyOptions commands_options = lookup_options;
  if (hints) {
    index_options.memtable_insert_with_hint_prefix_extractor = std::make_shared<stream_prefix>();
    heads_options.memtable_insert_with_hint_prefix_extractor = std::make_shared<whole_key>();
  }
  if (hashed_commands) {
    db_options.allow_concurrent_memtable_write = false;  // the hash-skiplist memtable requires it
    commands_options.prefix_extractor.reset(rocksdb::NewFixedPrefixTransform(8));
    // The bucket array is allocated in the memtable's arena: it must stay well below its size.
    commands_options.memtable_factory.reset(rocksdb::NewHashSkipListRepFactory(small_memtables ? 1u << 16 : 1u << 20));
  }
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors = {
      {rocksdb::kDefaultColumnFamilyName, rocksdb::ColumnFamilyOptions()},
      {"log", log_options},
      {"streams", index_options},
      {"heads", heads_options},
      {"commands", commands_options}};
  std::vector<rocksdb::ColumnFamilyHandle*> cf;
  rocksdb::DB* raw_db = nullptr;
  auto status = rocksdb::DB::Open(db_options, dir, descriptors, &cf, &raw_db);
  if (!status.ok()) {
    std::fprintf(stderr, "open: %s\n", status.ToString().c_str());
    return 1;
  }
  std::unique_ptr<rocksdb::DB> db(raw_db);

  std::string record(record_bytes, '\0');
  std::uint64_t x = 0x9E3779B97F4A7C15ull;
  for (auto& ch : record) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    ch = static_cast<char>(x);
  }
  const std::string command_result(40, 'r');
  const std::string meta_value(40, 'h');
  std::vector<std::uint64_t> versions(streams, 0);
  rocksdb::WriteOptions write_options;
  write_options.sync = sync;
  rocksdb::WriteBatch wb;
  std::string log_key, index_key, version_value, command_key, stream, found;

  const double cpu0 = thread_cpu_seconds();
  const auto t0 = std::chrono::steady_clock::now();
  std::uint64_t position = 0;
  while (position < events) {
    wb.Clear();
    for (std::uint64_t i = 0; i < batch && position < events; ++i) {
      ++position;
      const std::uint64_t s = position % streams;
      const std::uint64_t version = ++versions[s];
      stream = "org-w" + std::to_string(s);
      std::string command_id = "cmd-1795000000000000000-" + std::to_string(s) + "-" + std::to_string(version);
      command_key.clear();
      if (hashed_commands) put_big_endian64(command_key, std::hash<std::string>{}(command_id));
      command_key += command_id;
      if (commands) (void)db->Get(rocksdb::ReadOptions(), cf[4], command_key, &found);
      log_key.clear();
      put_big_endian64(log_key, position);
      wb.Put(cf[1], log_key, record);
      index_key = stream;
      index_key.push_back('\0');
      put_big_endian64(index_key, version);
      if (!log_alone) wb.Put(cf[2], index_key, log_key);
      if (heads) {
        version_value.clear();
        put_big_endian64(version_value, version);
        wb.Put(cf[3], stream, version_value);
      }
      if (commands) wb.Put(cf[4], command_key, command_result);
    }
    wb.Put(cf[0], "head", meta_value);
    status = db->Write(write_options, &wb);
    if (!status.ok()) {
      std::fprintf(stderr, "write: %s\n", status.ToString().c_str());
      return 1;
    }
  }
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double cpu = thread_cpu_seconds() - cpu0;
  std::printf("RESULT bench=rocksdb_write_pattern variant=%s streams=%llu batch=%llu sync=%d events=%llu seconds=%.3f "
              "events_per_s=%.0f writer_cpu_us_per_event=%.2f\n",
              variant.c_str(), static_cast<unsigned long long>(streams), static_cast<unsigned long long>(batch),
              sync ? 1 : 0, static_cast<unsigned long long>(events), wall, static_cast<double>(events) / wall,
              cpu * 1e6 / static_cast<double>(events));
  for (auto* handle : cf) (void)db->DestroyColumnFamilyHandle(handle);
  (void)db->Close();
  db.reset();
  if (made_dir) {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  return 0;
}
