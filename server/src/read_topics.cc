#include "read_topics.h"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/json.hpp>

#include <array>
#include <map>
#include <optional>
#include <mutex>

#include "event_json.h"
#include "fanout_sweep.h"
#include "gongjian/projections/audit.h"
#include "query_json.h"
#include "shared_state.h"
#include "json_text.h"

namespace gongjian::server {

namespace net = boost::asio;
namespace json = boost::json;
namespace proj = gongjian::projections;

namespace {

api_error bad(std::string message, std::string field) {
  return api_error{error_kind::invalid_input, std::move(message), std::move(field), "subscribe"};
}

api_error out_of_scope(const principal& p, const std::string& what) {
  return api_error{error_kind::forbidden,
                   "role " + std::string(role_name(p.who)) + " with scope " + p.scope + " may not follow " + what, "",
                   "role_scope"};
}

bool may_see(const principal& p, std::string_view code) { return may_read_all_history(p) || scope_covers(p.scope, code); }

std::optional<std::string> string_field(const json::object& m, const char* name) {
  const json::value* v = m.if_contains(name);
  if (v == nullptr || !v->is_string()) return std::nullopt;
  return std::string(v->get_string());
}

result<std::uint64_t, api_error> after_field(const json::object& m) {
  const json::value* a = m.if_contains("after");
  if (a == nullptr) return std::uint64_t{0};
  if (a->is_uint64()) return a->get_uint64();
  if (a->is_int64() && a->get_int64() >= 0) return static_cast<std::uint64_t>(a->get_int64());
  return failure(bad("\"after\" must be a non-negative integer position", "after"));
}

void send_topic_error(message_sink& sink, const std::string& topic, const std::string& message,
                      error_kind kind = error_kind::unavailable, const std::string& field = "") {
  json::object error{{"code", code_name(kind)}, {"message", message}};
  if (!field.empty()) error["field"] = field;
  sink.send_control(json_text(json::object{{"type", "error"}, {"topic", topic}, {"error", std::move(error)}}));
}

// A subscription refused once its jurisdiction was looked up (the queries answer 404 for it too).
void refuse_unknown_jurisdiction(message_sink& sink, const topic_subscription* topic, const std::string& name,
                                 const std::string& code) {
  send_topic_error(sink, name, "no jurisdiction " + code, error_kind::not_found, "jurisdiction");
  sink.topic_ended(topic);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// rankings
// ---------------------------------------------------------------------------------------------

class rankings_topic;

// One computation per distinct (jurisdiction, indicator, affiliation) however many subscribe:
// the applier thread recomputes each subscribed ranking after every applied batch, compares it
// with the last one sent, and hands a changed one (one shared string) to every subscriber.
//
// The hand-over is done by up to one handler per network thread, posted to the network
// io_context (not to a strand): a handler takes chunks of the subscriber list from the group's one
// sweep cursor and dispatches to each subscriber's strand, which runs inline when that strand is
// idle (the usual case), so the socket write of the ranking starts right there. Before, the
// applier thread posted one handler per subscriber (1,000 posts per change from a foreign thread,
// each through the scheduler's lock and then a strand hop); now a change costs at most one post
// per network thread and the handlers run on all of them at once. Handlers still queued or
// sweeping when the next change comes are not posted again: they take the newest change of the
// group at their next chunk and carry on from where the cursor is (fanout_sweep.h), so a lagging
// io_context holds at most one handler per thread and ranking, never a backlog, and a change that
// comes in the middle of a sweep reaches the rest of the list in that same sweep. The handlers
// share the cursor instead of owning fixed slices of the list (as before): a handler whose thread
// is descheduled or busy with requests holds up only the chunk it took, not its whole slice.
class rankings_hub final : public applied_listener, public std::enable_shared_from_this<rankings_hub> {
 public:
  rankings_hub(std::shared_ptr<read_side> reads, std::size_t threads)
      : reads_(std::move(reads)), threads_(std::max<std::size_t>(threads, 1)) {}
  bool reads_checkpointed_state() const override { return false; }

  struct key {
    std::string code;
    std::optional<proj::indicator> by;
    proj::twin affiliation;
    std::string text() const {
      return code + "|" + (by ? std::string(proj::to_string(*by)) : "default") + "|" +
             std::string(domain::to_string(affiliation));
    }
  };

  // `strand` is the subscriber's; the hub learns the network io_context from it.
  void join(const key& k, const std::shared_ptr<rankings_topic>& t, const net::any_io_executor& strand);
  void leave(const key& k, const rankings_topic* t);
  // Any thread: the ranking's message now (nullptr and an error text if the jurisdiction is unknown).
  std::pair<std::shared_ptr<const std::string>, std::uint64_t> compute(const key& k, std::string* body, std::string* error);
  void on_applied(std::uint64_t position) override;

 private:
  // One change of a ranking and who gets it, shared by the handlers that hand it over.
  struct change {
    std::shared_ptr<const std::string> message;
    std::shared_ptr<const std::string> body;
    std::uint64_t position = 0;
    std::vector<std::shared_ptr<rankings_topic>> to;
  };
  struct group {
    key k;
    std::shared_ptr<const std::string> last_body;  // the ranking last pushed, without its position
    std::vector<std::pair<const rankings_topic*, std::weak_ptr<rankings_topic>>> subscribers;
    std::shared_ptr<const change> newest;          // what the sweep's handlers hand over
    fanout_sweep sweep;                            // where the sweep is, what is left, handlers running
    std::uint64_t generation = 0;                  // tells a re-created group from the one a handler was posted for
  };
  // Subscribers per lock of the hub's mutex in a sweep (where a newer change is picked up); the
  // most a descheduled handler holds up.
  static constexpr std::size_t kChunk = 16;
  // Network thread: sweeps the group's subscribers with its newest change, chunks from the shared
  // cursor, at most its share of a lap per call (then it posts itself again, so other handlers of
  // the thread get a turn).
  void run_sweep(const std::string& text, std::uint64_t generation);

  std::shared_ptr<read_side> reads_;
  const std::size_t threads_;  // sweep handlers per group: one per network thread
  std::uint64_t generations_ = 0;  // under mutex_
  std::mutex mutex_;  // guards the three below
  std::map<std::string, group> groups_;
  bool registered_ = false;
  net::any_io_executor network_;  // the network io_context's executor (no strand): slices run there
};

class rankings_topic final : public topic_subscription, public std::enable_shared_from_this<rankings_topic> {
 public:
  rankings_topic(std::weak_ptr<message_sink> sink, net::any_io_executor strand, std::shared_ptr<shared_state> state,
                 std::shared_ptr<rankings_hub> hub, rankings_hub::key k)
      : sink_(std::move(sink)), strand_(std::move(strand)), state_(std::move(state)), hub_(std::move(hub)), key_(std::move(k)) {}
  ~rankings_topic() override {
    if (registered_) {
      hub_->leave(key_, this);
      --state_->stats.websocket_subscribers;
    }
  }

  void start() override {
    if (!sink_.lock()) return;
    // Joins the hub before the first computation, so that no change after it is missed; what the
    // hub offers meanwhile waits in pending_ until the jurisdiction is known to exist (confirmed_).
    hub_->join(key_, shared_from_this(), strand_);
    registered_ = true;
    ++state_->stats.websocket_subscribers;
    // The current ranking, computed on the store pool (it takes the runner's shared lock); an
    // unknown jurisdiction is refused then, before "subscribed", and nothing stays registered.
    net::post(state_->store_pool, [self = shared_from_this()] {
      std::string body, error;
      auto [message, position] = self->hub_->compute(self->key_, &body, &error);
      auto shared_body = std::make_shared<const std::string>(std::move(body));
      net::post(self->strand_, [self, message, shared_body, position] {
        if (self->stopped_) return;  // unsubscribed meanwhile: nothing more is sent for it
        auto sink = self->sink_.lock();
        if (!sink) return;
        if (!message) {
          self->stop();
          return refuse_unknown_jurisdiction(*sink, self.get(), "rankings", self->key_.code);
        }
        self->confirmed_ = true;
        sink->send_control(json_text(json::object{
            {"type", "subscribed"},
            {"topic", "rankings"},
            {"jurisdiction", self->key_.code},
            {"indicator", self->key_.by ? json::value(proj::to_string(*self->key_.by)) : json::value(nullptr)},
            {"affiliation", domain::to_string(self->key_.affiliation)}}));
        self->deliver(message, shared_body, position);
        self->flush();  // a newer ranking the hub offered meanwhile
      });
    });
  }

  void on_room() override { flush(); }

  void stop() override {
    stopped_ = true;
    pending_.reset();
    if (registered_) {
      hub_->leave(key_, this);
      registered_ = false;
      --state_->stats.websocket_subscribers;
    }
  }

  // A network thread (the hub's slice handler): leaves the newest ranking for the strand and
  // dispatches to it only when no hand-over is already on its way, so a strand that falls behind
  // takes one handler, not one per change. The strand is usually idle, and then the dispatch runs
  // deliver() inline on this thread.
  void offer(std::shared_ptr<const std::string> message, std::shared_ptr<const std::string> body, std::uint64_t position) {
    {
      std::lock_guard lock(offered_mutex_);
      if (position < offered_position_) return;
      offered_ = std::move(message);
      offered_body_ = std::move(body);
      offered_position_ = position;
      if (offer_posted_) return;
      offer_posted_ = true;
    }
    net::dispatch(strand_, [self = shared_from_this()] {
      std::shared_ptr<const std::string> m, b;
      std::uint64_t p = 0;
      {
        std::lock_guard lock(self->offered_mutex_);
        m = std::move(self->offered_);
        b = std::move(self->offered_body_);
        p = self->offered_position_;
        self->offer_posted_ = false;
      }
      if (m) self->deliver(std::move(m), std::move(b), p);
    });
  }

 private:
  // Strand: keeps only the newest message (coalescing), queues it when the previous one has been
  // written. A ranking replaces the one before it, so a connection slower than the rate of change
  // gets fewer, newer rankings instead of a backlog, and the work per change stays one write per
  // subscriber at most. The first ranking (computed on the store pool) can arrive after the hub
  // has already pushed the same ranking at an earlier position; it is not pushed twice.
  void deliver(std::shared_ptr<const std::string> message, std::shared_ptr<const std::string> body,
               std::uint64_t position) {
    if (stopped_ || position < newest_) return;
    newest_ = position;
    const bool unchanged = body_ && (body_ == body || *body_ == *body);
    body_ = std::move(body);
    if (unchanged) return;
    pending_ = std::move(message);
    flush();
  }
  void flush() {
    if (stopped_ || !confirmed_ || !pending_) return;
    auto sink = sink_.lock();
    if (!sink || sink->room() == 0 || sink->written() < in_queue_) return;
    in_queue_ = sink->send_data(std::move(pending_));
    pending_.reset();
  }

  std::weak_ptr<message_sink> sink_;
  net::any_io_executor strand_;
  std::shared_ptr<shared_state> state_;
  std::shared_ptr<rankings_hub> hub_;
  rankings_hub::key key_;
  std::mutex offered_mutex_;  // guards the three below (offer's hand-over to the strand)
  std::shared_ptr<const std::string> offered_;
  std::shared_ptr<const std::string> offered_body_;
  std::uint64_t offered_position_ = 0;
  bool offer_posted_ = false;
  // Strand only.
  std::shared_ptr<const std::string> pending_;
  std::shared_ptr<const std::string> body_;  // of the newest ranking handed over, without position
  std::uint64_t newest_ = 0;
  std::uint64_t in_queue_ = 0;  // sequence number of the ranking last queued (message_sink::send_data)
  bool stopped_ = false;
  bool registered_ = false;
  bool confirmed_ = false;  // the jurisdiction exists and "subscribed" was sent
};

void rankings_hub::join(const key& k, const std::shared_ptr<rankings_topic>& t, const net::any_io_executor& strand) {
  bool first = false;
  {
    std::lock_guard lock(mutex_);
    if (!network_) network_ = static_cast<net::io_context&>(net::query(strand, net::execution::context)).get_executor();
    auto [it, created] = groups_.try_emplace(k.text());
    auto& g = it->second;
    if (created) {
      g.sweep = fanout_sweep(threads_);
      g.generation = ++generations_;
    }
    g.k = k;
    g.subscribers.emplace_back(t.get(), t);
    first = !registered_;
    registered_ = true;
  }
  if (first) reads_->add_listener(shared_from_this());
}

void rankings_hub::leave(const key& k, const rankings_topic* t) {
  std::lock_guard lock(mutex_);
  auto it = groups_.find(k.text());
  if (it == groups_.end()) return;
  std::erase_if(it->second.subscribers, [t](const auto& e) { return e.first == t || e.second.expired(); });
  if (it->second.subscribers.empty()) groups_.erase(it);
}

std::pair<std::shared_ptr<const std::string>, std::uint64_t> rankings_hub::compute(const key& k, std::string* body,
                                                                                   std::string* error) {
  return reads_->runner().read([&](const proj::projection_state& s, const proj::keyed_state&) {
    std::pair<std::shared_ptr<const std::string>, std::uint64_t> out{nullptr, s.last_applied().value};
    auto node = s.model().tree().find(k.code);
    if (!node) {
      *error = "no jurisdiction " + k.code;
      return out;
    }
    json::object ranking = ranking_json(s, *node, ranking_options_for(s, k.by, k.affiliation), 5, 5);
    *body = json_text(ranking);
    ranking["type"] = "ranking";
    ranking["topic"] = "rankings";
    ranking["position"] = out.second;
    out.first = std::make_shared<const std::string>(json_text(ranking));
    return out;
  });
}

void rankings_hub::on_applied(std::uint64_t) {
  std::vector<std::pair<std::string, key>> keys;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [text, g] : groups_) keys.emplace_back(text, g.k);
  }
  for (const auto& [text, k] : keys) {
    std::string body, error;
    auto [message, position] = compute(k, &body, &error);
    if (!message) continue;
    std::size_t post = 0;
    std::uint64_t generation = 0;
    net::any_io_executor network;
    {
      std::lock_guard lock(mutex_);
      network = network_;
      auto it = groups_.find(text);
      if (it == groups_.end() || (it->second.last_body && *it->second.last_body == body)) continue;
      auto& g = it->second;
      g.last_body = std::make_shared<const std::string>(std::move(body));
      auto c = std::make_shared<change>();
      c->message = message;
      c->body = g.last_body;
      c->position = position;
      c->to.reserve(g.subscribers.size());
      for (const auto& [raw, weak] : g.subscribers)
        if (auto t = weak.lock()) c->to.push_back(std::move(t));
      // Handlers already queued or sweeping take the newest change at their next chunk; only
      // those that bring them up to one per network thread are posted.
      post = g.sweep.on_change(c->to.size());
      generation = g.generation;
      g.newest = std::move(c);
    }
    for (std::size_t i = 0; i < post; ++i)
      net::post(network, [self = shared_from_this(), text, generation] { self->run_sweep(text, generation); });
  }
}

void rankings_hub::run_sweep(const std::string& text, std::uint64_t generation) {
  std::size_t offered = 0;  // in this call
  for (;;) {
    std::shared_ptr<const change> c;
    fanout_sweep::chunk next;
    std::size_t size = 0;
    {
      std::lock_guard lock(mutex_);
      auto it = groups_.find(text);
      if (it == groups_.end()) return;
      // A group left by all and joined again since this handler was posted has its own sweep.
      auto& g = it->second;
      if (g.generation != generation || !g.newest) return;
      c = g.newest;
      size = c->to.size();
      if (offered >= g.sweep.share(size) && size > 0) {
        // This handler's share of a lap done in this call: let the thread's other handlers
        // (requests, the other rankings) run before the next.
        if (g.sweep.more_after_yield())
          net::post(network_, [self = shared_from_this(), text, generation] { self->run_sweep(text, generation); });
        return;
      }
      next = g.sweep.next(size, kChunk);
      if (next.count == 0) return;
    }
    for (std::size_t k = 0; k < next.count; ++k) c->to[(next.first + k) % size]->offer(c->message, c->body, c->position);
    offered += next.count;
  }
}

// ---------------------------------------------------------------------------------------------
// audit and interviews: pulled from the projections whenever the applier says there is more
// ---------------------------------------------------------------------------------------------

// Common shape: on_applied posts to the strand; the strand starts one read on the store pool at
// a time (never more than the queue has room for) and sends what it returns. Subscribing to the
// applier, unsubscribing and the wake-up are the same for every pulled topic, so they live here.
class pulled_topic : public topic_subscription,
                     public applied_listener,
                     public std::enable_shared_from_this<pulled_topic> {
 public:
  ~pulled_topic() override { unregister(); }

  void on_room() override { pump(); }
  void stop() override {
    stopped_ = true;
    unregister();
  }
  void on_applied(std::uint64_t) override {
    net::post(strand_, [self = shared_from_this()] {
      self->dirty_ = true;
      self->pump();
    });
  }

 protected:
  pulled_topic(std::weak_ptr<message_sink> sink, net::any_io_executor strand, std::shared_ptr<shared_state> state,
               std::shared_ptr<read_side> reads)
      : sink_(std::move(sink)), strand_(std::move(strand)), state_(std::move(state)), reads_(std::move(reads)) {}

  // Strand: follows the applier and sends what there is already (a topic sends "subscribed"
  // before, or once its first read has checked its parameters).
  void begin() {
    if (!sink_.lock()) return;
    reads_->add_listener(shared_from_this());
    registered_ = true;
    ++state_->stats.websocket_subscribers;
    pump();
  }
  virtual void pump() = 0;
  template <class T>
  std::shared_ptr<T> self_as() {
    return std::static_pointer_cast<T>(shared_from_this());
  }
  // Strand, on the first page: a jurisdiction that does not exist ends the subscription (false);
  // otherwise "subscribed" (built by `subscribed`) is sent, once.
  template <class Subscribed>
  bool confirm(message_sink& sink, bool known, const char* topic, const std::string& code, Subscribed subscribed) {
    if (confirmed_) return true;
    if (!known) {
      stop();
      refuse_unknown_jurisdiction(sink, this, topic, code);
      return false;
    }
    confirmed_ = true;
    sink.send_control(json_text(subscribed()));
    return true;
  }

  std::weak_ptr<message_sink> sink_;
  net::any_io_executor strand_;
  std::shared_ptr<shared_state> state_;
  std::shared_ptr<read_side> reads_;
  // Strand only.
  bool stopped_ = false;
  bool reading_ = false;
  bool dirty_ = true;  // the projections moved since the last read started
  bool live_ = false;
  bool confirmed_ = false;  // "subscribed" sent

 private:
  void unregister() {
    if (!registered_) return;
    reads_->remove_listener(this);
    registered_ = false;
    --state_->stats.websocket_subscribers;
  }
  bool registered_ = false;
};

class audit_topic final : public pulled_topic {
 public:
  audit_topic(std::weak_ptr<message_sink> sink, net::any_io_executor strand, std::shared_ptr<shared_state> state,
              std::shared_ptr<read_side> reads, proj::audit_axis axis, std::string value, std::uint64_t after)
      : pulled_topic(std::move(sink), std::move(strand), std::move(state), std::move(reads)),
        axis_(axis), value_(std::move(value)), last_sent_(after) {}

  // "subscribed" follows the first read, which checks that a jurisdiction exists (an entity's
  // trail may be subscribed to before its first event).
  void start() override { begin(); }

 private:
  struct page {
    std::vector<std::pair<std::uint64_t, std::shared_ptr<const std::string>>> messages;
    bool more = false;
    std::uint64_t applied = 0;
    bool failed = false;
    bool known = true;  // the jurisdiction exists
  };

  // Strand.
  void pump() override {
    if (stopped_ || reading_ || !dirty_) return;
    auto sink = sink_.lock();
    if (!sink) return;
    // Wait for half the queue to drain, so reads come in large steps (as the events topic does).
    const std::size_t room = sink->room();
    if (room == 0 || room < sink->capacity() / 2) return;
    reading_ = true;
    dirty_ = false;
    const std::size_t count = std::min<std::size_t>(room, 256);
    net::post(state_->store_pool, [self = self_as<audit_topic>(), after = last_sent_, count,
                                   check = axis_ == proj::audit_axis::jurisdiction && !confirmed_] {
      page p;
      proj::audit_page lines;
      self->reads_->runner().read([&](const proj::projection_state& s, const proj::keyed_state& keyed) {
        if (check && !s.model().tree().find(self->value_)) {
          p.known = false;
          return;
        }
        proj::audit_query q;
        q.axis = self->axis_;
        q.value = self->value_;
        q.after = eventstore::position{after};
        q.limit = count;
        lines = proj::read_audit(keyed, q);
        p.applied = s.last_applied().value;
      });
      p.more = lines.next.value != 0;
      for (const auto& l : lines.lines) {
        auto e = self->reads_->store().read_all(l.pos, 1);
        if (!e || e->empty() || e->front().pos != l.pos) {
          p.failed = true;
          break;
        }
        json::object m{{"type", "audit"},
                       {"topic", "audit"},
                       {"position", l.pos.value},
                       {"hash", hex_encode(e->front().hash.data(), e->front().hash.size())},
                       {"event", event_to_json(e->front())}};
        p.messages.emplace_back(l.pos.value, std::make_shared<const std::string>(json_text(m)));
      }
      net::post(self->strand_, [self, p = std::move(p)]() mutable { self->on_page(std::move(p)); });
    });
  }

  void on_page(page p) {
    reading_ = false;
    if (stopped_) return;
    auto sink = sink_.lock();
    if (!sink) return;
    if (!confirm(*sink, p.known, "audit", value_, [&] {
          return json::object{{"type", "subscribed"},
                              {"topic", "audit"},
                              {axis_ == proj::audit_axis::stream ? "entity" : "jurisdiction", value_},
                              {"after", last_sent_}};
        }))
      return;
    if (p.failed) {
      send_topic_error(*sink, "audit", "reading the event log failed");
      stop();
      return sink->topic_ended(this);
    }
    for (auto& [position, text] : p.messages) {
      if (position <= last_sent_) continue;
      sink->send_data(std::move(text));
      last_sent_ = position;
    }
    if (p.more) dirty_ = true;
    if (!p.more && !live_) {
      live_ = true;
      sink->send_control(json_text(json::object{{"type", "live"}, {"topic", "audit"}, {"position", p.applied}}));
    }
    pump();
  }

  proj::audit_axis axis_;
  std::string value_;
  std::uint64_t last_sent_;  // strand only
};

// Sends the interviews in scope (of one twin, if asked) in passes over the projections'
// interviews, by id: a pass sends every interview changed after the previous pass began (the
// first pass: all of them), in pages of at most what the send queue has room for, each page read
// on the store pool when the queue has drained to half (as the events and audit topics do). So a
// slow client costs its queue and one page, and a pass serializes only what changed, not every
// interview in scope. The first pass ends with "live" at the position its first page was read
// at: every interview sent in it reflects at least that position, and what changed after it comes
// in the next pass (the applier marks it dirty). An interview changed while a pass runs may be
// sent in it and again in the next, with the same or newer content.
class interviews_topic final : public pulled_topic {
 public:
  interviews_topic(std::weak_ptr<message_sink> sink, net::any_io_executor strand, std::shared_ptr<shared_state> state,
                   std::shared_ptr<read_side> reads, principal caller, std::string jurisdiction, bool must_exist,
                   std::optional<domain::member_affiliation> affiliation)
      : pulled_topic(std::move(sink), std::move(strand), std::move(state), std::move(reads)),
        caller_(std::move(caller)),
        jurisdiction_(std::move(jurisdiction)),
        must_exist_(must_exist),
        affiliation_(affiliation) {}

  // "subscribed" follows the first read, which checks that a jurisdiction given exists.
  void start() override { begin(); }

 private:
  struct page {
    std::vector<std::shared_ptr<const std::string>> messages;
    std::uint64_t last_id = 0;  // of the last interview in messages
    bool more = false;          // the page filled up before the end of the interviews
    bool known = true;          // the jurisdiction exists
    std::uint64_t applied = 0;
  };

  // Strand.
  void pump() override {
    if (stopped_ || reading_ || !(dirty_ || more_)) return;
    auto sink = sink_.lock();
    if (!sink) return;
    const std::size_t room = sink->room();
    if (room == 0 || room < sink->capacity() / 2) return;
    const bool new_pass = !more_;
    if (new_pass) {
      dirty_ = false;
      cursor_ = 0;
      changed_after_ = pass_position_;  // 0 before the first pass: everything
    }
    reading_ = true;
    const std::size_t limit = std::min<std::size_t>(room, 256);
    net::post(state_->store_pool, [self = self_as<interviews_topic>(), after = cursor_, limit, new_pass,
                                   changed_after = changed_after_, check = must_exist_ && !confirmed_] {
      page p;
      self->reads_->runner().read([&](const proj::projection_state& s, const proj::keyed_state&) {
        p.applied = s.last_applied().value;
        if (check && !s.model().tree().find(self->jurisdiction_)) {
          p.known = false;
          return;
        }
        for (auto it = s.interviews().upper_bound(after); it != s.interviews().end(); ++it) {
          const auto& [id, r] = *it;
          if (r.changed_at_position <= changed_after) continue;
          if (self->affiliation_ && r.affiliation != *self->affiliation_) continue;
          if (!may_see(self->caller_, r.jurisdiction) || !scope_covers(self->jurisdiction_, r.jurisdiction)) continue;
          if (p.messages.size() == limit) {
            p.more = true;  // this one starts the next page
            break;
          }
          json::object m{{"type", "interview"},
                         {"topic", "interviews"},
                         {"position", p.applied},
                         {"interview", interview_json(r)}};
          p.messages.push_back(std::make_shared<const std::string>(json_text(m)));
          p.last_id = id;
        }
      });
      net::post(self->strand_, [self, p = std::move(p), new_pass]() mutable { self->on_page(std::move(p), new_pass); });
    });
  }

  void on_page(page p, bool new_pass) {
    reading_ = false;
    if (stopped_) return;
    auto sink = sink_.lock();
    if (!sink) return;
    if (!confirm(*sink, p.known, "interviews", jurisdiction_, [&] {
          return json::object{{"type", "subscribed"}, {"topic", "interviews"}, {"jurisdiction", jurisdiction_}};
        }))
      return;
    if (new_pass) pass_position_ = p.applied;
    for (auto& text : p.messages) sink->send_data(std::move(text));
    more_ = p.more;
    if (more_) cursor_ = p.last_id;
    if (!more_ && !live_) {
      live_ = true;
      sink->send_control(
          json_text(json::object{{"type", "live"}, {"topic", "interviews"}, {"position", pass_position_}}));
    }
    pump();
  }

  principal caller_;
  std::string jurisdiction_;
  bool must_exist_;  // given by the client (the caller's own scope is not looked up)
  std::optional<domain::member_affiliation> affiliation_;  // none: both twins
  // Strand only.
  bool more_ = false;                // a pass is under way: the next page starts after cursor_
  std::uint64_t cursor_ = 0;         // id of the last interview sent in this pass
  std::uint64_t pass_position_ = 0;  // where the last pass's first page was read
  std::uint64_t changed_after_ = 0;  // this pass sends interviews changed after it
};

// ---------------------------------------------------------------------------------------------

topic_factory::topic_factory(std::shared_ptr<read_side> reads, std::size_t network_threads)
    : reads_(std::move(reads)), hub_(std::make_shared<rankings_hub>(reads_, network_threads)) {}

topic_factory::~topic_factory() = default;

result<std::shared_ptr<topic_subscription>, api_error> topic_factory::make(const std::string& topic,
                                                                           const json::object& message,
                                                                           const principal& caller,
                                                                           std::weak_ptr<message_sink> sink,
                                                                           net::any_io_executor strand,
                                                                           std::shared_ptr<shared_state> state) {
  if (!reads_->ready()) return failure(api_error{error_kind::unavailable, "the projections are not ready", "", ""});
  if (topic == "rankings") {
    auto code = string_field(message, "jurisdiction");
    if (!code || code->empty()) return failure(bad("\"jurisdiction\" must be a jurisdiction code", "jurisdiction"));
    if (!may_see(caller, *code)) return failure(out_of_scope(caller, "rankings under " + *code));
    rankings_hub::key k{*code, std::nullopt, proj::twin::party};
    if (const json::value* i = message.if_contains("indicator"); i && !i->is_null()) {
      auto which = i->is_string() ? proj::indicator_from_string(i->get_string()) : std::nullopt;
      if (!which) return failure(bad("unknown \"indicator\"", "indicator"));
      k.by = which;
    }
    if (const json::value* a = message.if_contains("affiliation"); a && !a->is_null()) {
      auto t = a->is_string() ? domain::from_string<domain::member_affiliation>(a->get_string()) : std::nullopt;
      if (!t) return failure(bad("\"affiliation\" must be party or league", "affiliation"));
      k.affiliation = *t;
    }
    return std::shared_ptr<topic_subscription>(
        std::make_shared<rankings_topic>(std::move(sink), std::move(strand), std::move(state), hub_, std::move(k)));
  }
  if (topic == "audit") {
    auto after = after_field(message);
    if (!after) return failure(after.error());
    if (const std::uint64_t head = state->log_head(); *after > head)
      return failure(
          bad("\"after\" " + std::to_string(*after) + " is beyond the head of the log (" + std::to_string(head) + ")",
              "after"));
    auto entity = string_field(message, "entity");
    auto code = string_field(message, "jurisdiction");
    if ((entity && !entity->empty()) == (code && !code->empty()))
      return failure(bad("give \"entity\" (a stream such as org-7) or \"jurisdiction\"", "entity"));
    if (entity && !entity->empty()) {
      if (!may_read_all_history(caller)) return failure(out_of_scope(caller, "an entity's audit trail (use \"jurisdiction\")"));
      return std::shared_ptr<topic_subscription>(std::make_shared<audit_topic>(
          std::move(sink), std::move(strand), std::move(state), reads_, proj::audit_axis::stream, *entity, *after));
    }
    if (!may_see(caller, *code)) return failure(out_of_scope(caller, "the audit trail of " + *code));
    return std::shared_ptr<topic_subscription>(std::make_shared<audit_topic>(
        std::move(sink), std::move(strand), std::move(state), reads_, proj::audit_axis::jurisdiction, *code, *after));
  }
  if (topic == "interviews") {
    if (const json::value* j = message.if_contains("jurisdiction"); j && !j->is_null() && !j->is_string())
      return failure(bad("\"jurisdiction\" must be a jurisdiction code", "jurisdiction"));
    auto code = string_field(message, "jurisdiction");
    const bool given = code && !code->empty();
    std::string scope = given ? *code : caller.scope;
    if (!may_see(caller, scope)) return failure(out_of_scope(caller, "interviews in " + scope));
    std::optional<domain::member_affiliation> twin;
    if (const json::value* a = message.if_contains("affiliation"); a && !a->is_null()) {
      twin = a->is_string() ? domain::from_string<domain::member_affiliation>(a->get_string()) : std::nullopt;
      if (!twin) return failure(bad("\"affiliation\" must be party or league", "affiliation"));
    }
    return std::shared_ptr<topic_subscription>(std::make_shared<interviews_topic>(
        std::move(sink), std::move(strand), std::move(state), reads_, caller, scope, given, twin));
  }
  return failure(api_error{error_kind::not_found,
                           "unknown topic '" + topic + "' (available: events, rankings, audit, interviews)", "topic", ""});
}

}  // namespace gongjian::server
