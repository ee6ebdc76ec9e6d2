// Tampering with the stored log behind the store's back (through raw RocksDB): verify names the
// altered or missing position, through the API and through `gongjian verify`.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "crc32c.h"
#include "encoding.h"
#include "raw_rocksdb.h"
#include "store_fixture.h"

namespace gongjian::eventstore::test {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string log_key(std::uint64_t p) { return encoding::big_endian64(p); }

class tamper_test : public store_test {
 protected:
  static constexpr std::uint64_t events = 100;

  void SetUp() override {
    store_test::SetUp();
    for (std::uint64_t i = 0; i < events / 4; ++i) {
      append_ok(make_request(numbered("c", i), numbered("org-", i % 3), expected_version::any(), 4));
    }
    store->close();
    store.reset();
  }

  template <class F>
  void tamper(F&& f) {
    {
      raw_rocksdb raw(make_options().directory);
      f(raw);
    }
    reopen();
  }

  verify_report verify_all() {
    auto report = store->verify(position{0}, position{0});
    EXPECT_TRUE(report) << report.error().message();
    return report ? *report : verify_report{};
  }
};

TEST_F(tamper_test, intact_log_verifies) {
  reopen();
  auto report = verify_all();
  EXPECT_TRUE(report.intact()) << report.problem;
  EXPECT_EQ(report.checked, events);
}

TEST_F(tamper_test, a_flipped_payload_byte_is_named_by_its_crc) {
  tamper([](raw_rocksdb& raw) {
    std::string record = raw.get("log", log_key(37));
    record[record.size() - 40] ^= 0x01;  // inside the payload, before the CRC and the hash
    raw.put("log", log_key(37), record);
  });
  auto report = verify_all();
  ASSERT_FALSE(report.intact());
  EXPECT_EQ(report.first_bad, position{37});
  EXPECT_THAT(report.problem, HasSubstr("CRC"));
  EXPECT_EQ(report.checked, 36u);
  // Reads of the damaged record report corruption instead of returning altered data.
  EXPECT_EQ(store->read_all(position{37}, 1).error(), errc::corruption);
}

TEST_F(tamper_test, an_edit_with_a_recomputed_crc_breaks_the_hash_chain_there) {
  tamper([](raw_rocksdb& raw) {
    std::string record = raw.get("log", log_key(50));
    const std::size_t body = record.size() - 32;
    record[body - 5] ^= 0x20;  // the last payload byte, just before the CRC
    std::string crc;
    encoding::put_fixed32(crc, crc32c(std::string_view(record).substr(0, body - 4)));
    record.replace(body - 4, 4, crc);
    raw.put("log", log_key(50), record);
  });
  auto report = verify_all();
  ASSERT_FALSE(report.intact());
  EXPECT_EQ(report.first_bad, position{50});
  EXPECT_THAT(report.problem, HasSubstr("hash chain"));
}

TEST_F(tamper_test, a_flipped_hash_byte_is_named) {
  tamper([](raw_rocksdb& raw) {
    std::string record = raw.get("log", log_key(12));
    record.back() ^= 0x80;
    raw.put("log", log_key(12), record);
  });
  auto report = verify_all();
  EXPECT_EQ(report.first_bad, position{12});
}

TEST_F(tamper_test, a_deleted_record_is_named_as_the_gap) {
  tamper([](raw_rocksdb& raw) { raw.remove("log", log_key(64)); });
  auto report = verify_all();
  ASSERT_FALSE(report.intact());
  EXPECT_EQ(report.first_bad, position{64});
  EXPECT_THAT(report.problem, HasSubstr("missing"));
  EXPECT_EQ(report.last_checked, position{63});
  // Readers stop before the gap instead of skipping it.
  auto page = store->read_all(position{60}, 10);
  ASSERT_TRUE(page);
  EXPECT_EQ(page->size(), 4u);
  EXPECT_EQ(store->read_all(position{64}, 10).error(), errc::corruption);
}

TEST_F(tamper_test, a_deleted_last_record_is_named_too) {
  tamper([](raw_rocksdb& raw) { raw.remove("log", log_key(events)); });
  EXPECT_EQ(store->head(), position{events});
  auto report = verify_all();
  ASSERT_FALSE(report.intact());
  EXPECT_EQ(report.first_bad, position{events});
}

// A range past the head asks for records that were never written: an error, never a report of
// damage ("missing") about an intact log.
TEST_F(tamper_test, a_range_past_the_head_is_refused_not_reported_as_damage) {
  reopen();
  EXPECT_EQ(store->verify(position{events + 2}, position{0}).error(), errc::invalid_argument);
  EXPECT_EQ(store->verify(position{1}, position{events + 1}).error(), errc::invalid_argument);
  auto after_head = store->verify(position{events + 1}, position{0});
  ASSERT_TRUE(after_head);
  EXPECT_TRUE(after_head->intact());
  EXPECT_EQ(after_head->checked, 0u);
}

TEST_F(tamper_test, a_stream_index_that_disagrees_is_named) {
  tamper([](raw_rocksdb& raw) {
    // Position 20 is version 8 of org-1 (c1 wrote 5..8, c4 wrote 17..20); drop its index entry.
    std::string key = "org-1";
    key.push_back('\0');
    encoding::put_big_endian64(key, 8);
    EXPECT_EQ(encoding::get_big_endian64(raw.get("streams", key).data()), 20u);
    raw.remove("streams", key);
  });
  auto report = verify_all();
  EXPECT_EQ(report.first_bad, position{20});
  EXPECT_THAT(report.problem, HasSubstr("stream index"));
}

TEST_F(tamper_test, a_range_is_verified_from_the_stored_hash_before_it) {
  tamper([](raw_rocksdb& raw) {
    std::string record = raw.get("log", log_key(80));
    record[30] ^= 0x04;
    raw.put("log", log_key(80), record);
  });
  auto before = store->verify(position{10}, position{79});
  ASSERT_TRUE(before);
  EXPECT_TRUE(before->intact());
  EXPECT_EQ(before->checked, 70u);
  auto across = store->verify(position{70}, position{90});
  ASSERT_TRUE(across);
  EXPECT_EQ(across->first_bad, position{80});
}

// `gongjian verify` end to end. The binary's path comes from ctest (GONGJIAN_BINARY).
struct command_output {
  int exit_code = -1;
  std::string text;
};

command_output run(const std::string& command) {
  command_output out;
  std::FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return out;
  char buffer[4096];
  std::size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) out.text.append(buffer, n);
  const int status = ::pclose(pipe);
  out.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return out;
}

class verify_command_test : public tamper_test {
 protected:
  void SetUp() override {
    const char* binary = std::getenv("GONGJIAN_BINARY");
    if (binary == nullptr || !std::filesystem::exists(binary)) GTEST_SKIP() << "GONGJIAN_BINARY is not set";
    binary_ = binary;
    tamper_test::SetUp();
  }
  std::string verify_args(const std::string& extra = "") const {
    return "'" + binary_ + "' verify --data '" + make_options().directory.string() + "'" + extra;
  }
  std::string binary_;
};

TEST_F(verify_command_test, intact_store_exits_zero_and_prints_the_count_and_head_hash) {
  auto out = run(verify_args());
  EXPECT_EQ(out.exit_code, 0) << out.text;
  EXPECT_THAT(out.text, HasSubstr("checked 100 events"));
  EXPECT_THAT(out.text, HasSubstr("head hash "));
  auto range = run(verify_args(" --from 10 --to 20"));
  EXPECT_EQ(range.exit_code, 0) << range.text;
  EXPECT_THAT(range.text, HasSubstr("checked 11 events"));
}

TEST_F(verify_command_test, changes_nothing_in_the_directory) {
  const auto before = directory_listing(make_options().directory);
  auto out = run(verify_args());
  EXPECT_EQ(out.exit_code, 0) << out.text;
  EXPECT_EQ(directory_listing(make_options().directory), before);  // no new WAL, MANIFEST, OPTIONS or LOG
}

TEST_F(verify_command_test, a_store_another_process_holds_is_left_unchecked_with_exit_three) {
  reopen();  // this test's process holds the store, as a running server would
  auto out = run(verify_args());
  EXPECT_EQ(out.exit_code, 3) << out.text;
  EXPECT_THAT(out.text, HasSubstr("is open in process " + std::to_string(::getpid())));
  EXPECT_THAT(out.text, HasSubstr("GET /api/v1/verify"));
  EXPECT_THAT(out.text, Not(HasSubstr("intact")));
  // The holder goes on undisturbed.
  append_ok(make_request("after-verify", "org-9", expected_version::any(), 1));
  EXPECT_EQ(store->head(), position{events + 1});
}

TEST_F(verify_command_test, tampered_store_exits_one_naming_the_position) {
  tamper([](raw_rocksdb& raw) {
    std::string record = raw.get("log", log_key(42));
    record[record.size() - 40] ^= 0x01;
    raw.put("log", log_key(42), record);
  });
  store->close();  // the command opens the directory itself
  auto out = run(verify_args());
  EXPECT_EQ(out.exit_code, 1) << out.text;
  EXPECT_THAT(out.text, HasSubstr("FIRST BAD POSITION 42"));
  EXPECT_THAT(out.text, HasSubstr("checked 41 events"));
}

TEST_F(verify_command_test, usage_errors_exit_two_and_help_exits_zero) {
  EXPECT_EQ(run("'" + binary_ + "' verify").exit_code, 2);
  EXPECT_EQ(run("'" + binary_ + "' verify --data").exit_code, 2);
  EXPECT_EQ(run("'" + binary_ + "' verify --data /nonexistent/gongjian").exit_code, 2);
  EXPECT_EQ(run(verify_args(" --from x")).exit_code, 2);
  EXPECT_EQ(run(verify_args(" --bogus 1")).exit_code, 2);
  auto help = run("'" + binary_ + "' verify --help");
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_THAT(help.text, HasSubstr("usage: gongjian verify --data DIR"));
}

}  // namespace
}  // namespace gongjian::eventstore::test
