#pragma once
// The write side of the API: domain commands in, durable events out.
//
// Threads and ownership: the service owns the write model (domain::state). Every command is
// authorized and decided on ONE strand (`strand_`, on the network io_context), so decisions are
// serialized and each sees the effects of all earlier ones. After a decision its events are
// applied to the state at once (so the next command sees them) and handed to the event store with
// append_async, which groups concurrent appends into one fsync; the reply, with the log positions,
// goes out only when the append is durable. Decide is CPU only; RocksDB work stays on the store's
// writer and syncer threads and, for rebuilds, on the store pool.
//
// Safe retries: a command id seen recently (a bounded window of the latest ids, filled from the
// log at start) is answered with its first result without deciding again; a retry of a command
// still in flight waits for its first result. A retry is authorized like a new command, and must
// come from the same caller; one decided since the server started must also repeat the command
// (its fingerprint), else it is refused as a reused id (ids read from the log carry their caller
// only). If the store reports an id the window had
// forgotten, or an append fails, the in-memory state no longer matches the log: the service
// answers 503 until it has rebuilt the state from the log.

#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>

#include <atomic>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "gongjian/domain/commands.h"
#include "gongjian/domain/state.h"
#include "gongjian/server/auth.h"
#include "gongjian/server/error.h"
#include "shared_state.h"

namespace gongjian::server {

struct command_outcome {
  std::string command_id;
  std::string command;  // the command's name
  std::optional<api_error> error;
  bool duplicate = false;
  std::uint64_t first_position = 0;
  std::uint64_t last_position = 0;
  struct written_event {
    std::uint64_t position = 0;
    std::string stream;
    std::string type;
  };
  std::vector<written_event> events;  // empty for a duplicate (see first/last_position)
};

struct command_submission {
  std::string command_id;
  domain::command command;
  std::uint64_t fingerprint = 0;  // command_fingerprint of its name and body: what a retry must repeat
};

class command_service : public std::enable_shared_from_this<command_service> {
 public:
  command_service(shared_state& state, boost::asio::io_context& ioc, std::size_t recent_ids = 1u << 20);

  // Reads the whole log into a fresh state. Start-up (before serving) and after a divergence.
  // Throws std::runtime_error when the log cannot be read or decoded.
  void rebuild_from_log();
  bool ready() const { return ready_.load(); }

  // Decides and appends the commands in order (each on its own, not atomically together) and
  // calls `done` once with one outcome per submission, from the writer or decision thread.
  void submit(principal caller, std::string request_id, std::vector<command_submission> items,
              std::function<void(std::vector<command_outcome>)> done);

  // Folds events someone else appended durably (the campaign workflow's bulletins, interviews and
  // escalations, see read_side.h) into the write model, so later commands are decided against
  // them; skipped when the command id is already known. Any thread: posts to the strand.
  void absorb(std::string command_id, std::string by, std::vector<domain::event> events, std::uint64_t first,
              std::uint64_t last);

 private:
  struct batch;  // the outcomes of one submit, completed as appends become durable
  // What a command id was used for. `caller` indexes callers_; `command` is the command's index in
  // domain::command and `fingerprint` its command_fingerprint, both unknown (no_command, 0) for ids
  // read from the log or written by the workflow.
  static constexpr std::uint8_t no_command = 0xFF;
  struct first_use {
    std::uint32_t caller = 0;
    std::uint8_t command = no_command;
    std::uint64_t fingerprint = 0;
  };
  struct recent_result {
    std::uint64_t first = 0;
    std::uint64_t last = 0;
    first_use use;
  };
  // A command in flight: its first use, and the retries waiting for its result.
  struct in_flight {
    first_use use;
    std::vector<std::function<void(const command_outcome&)>> waiters;
  };

  // An append's result, as the store's syncer thread reports it.
  struct landed {
    std::shared_ptr<batch> b;
    std::size_t index = 0;
    bool ok = false;
    bool duplicate = false;
    std::uint64_t first = 0;
    std::uint64_t last = 0;
    std::optional<api_error> error;
  };

  // Events appended by someone else, to fold into the write model (absorb).
  struct absorbed {
    std::string command_id;
    std::string by;
    std::vector<domain::event> events;
    std::uint64_t first = 0;
    std::uint64_t last = 0;
  };
  // A submission or an absorb, kept in one queue so the strand sees them in the order they came.
  struct arrival {
    std::shared_ptr<batch> b;
    std::optional<absorbed> absorb;
  };

  void hand_over(arrival a);
  void decide_arrived();
  void absorb_now(absorbed a);
  void finish_landed();
  void decide_one(const std::shared_ptr<batch>& b, std::size_t index);
  void on_appended(landed l);
  void remember(const std::string& command_id, recent_result r);
  void diverged(const std::string& why);
  std::optional<api_error> authorize(const principal& caller, const domain::command& c) const;
  std::uint32_t caller_index(const std::string& name);
  first_use use_of(const principal& caller, const command_submission& item);
  std::optional<api_error> reused(const std::string& command_id, const first_use& first, const first_use& retry,
                                  std::uint64_t first_position, std::uint64_t last_position) const;

  shared_state& shared_;
  boost::asio::strand<boost::asio::io_context::executor_type> strand_;
  const std::size_t recent_capacity_;

  // Hand-overs to the strand, one post for however many arrive meanwhile: submissions from the
  // network threads and absorbs (`arrived_`), and append results from the store's syncer thread
  // (`landed_`), which reports a whole fsync group at once. A post per item cost a strand hop and
  // often a thread wake-up per command; now a decide round takes every request that arrived while
  // the previous round ran, and one handler finishes a whole durable group. Order is kept: items
  // are taken in the order they were handed over.
  std::mutex handover_mutex_;  // guards the four below
  std::vector<arrival> arrived_;
  bool arrived_posted_ = false;
  std::vector<landed> landed_;
  bool landed_posted_ = false;
  // Strand only: the hand-overs being worked through.
  std::vector<arrival> round_;
  std::vector<landed> group_;

  // Only on strand_ (and in rebuild_from_log before serving, or while `rebuilding_` keeps the
  // strand from touching them).
  domain::state state_;
  std::unordered_map<std::string, recent_result> recent_;
  // The window's ids, oldest first: pointers to recent_'s own keys (a node's key never moves), not
  // a second copy of each id.
  std::deque<const std::string*> recent_order_;
  // Command ids in flight -> their first use and the retries waiting for its result.
  std::unordered_map<std::string, in_flight> pending_;
  // The names of the callers in the window, each once.
  std::vector<std::string> callers_;
  std::unordered_map<std::string, std::uint32_t> caller_indices_;
  std::size_t in_flight_ = 0;
  bool rebuilding_ = false;
  bool rebuild_wanted_ = false;
  std::atomic<bool> ready_{false};
};

}  // namespace gongjian::server
