// End-to-end tests: the real `gongjian serve` binary (GONGJIAN_BINARY, set by ctest) on a free
// loopback port with a fresh data directory, driven over HTTP and WebSocket.
#include <signal.h>
#include <sys/wait.h>

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>

#include "support/temp_dir.h"
#include "test_client.h"

namespace gongjian::testing {
namespace {

namespace json = boost::json;

const std::vector<test_token> kTokens = {
    {"t-admin", "admin", "admin", "000000"},
    {"t-auditor", "auditor", "auditor", "000000"},
    {"t-leader-bj", "leader-bj", "leader", "110000"},
    {"t-leader-national", "leader-national", "leader", "000000"},
    {"t-operator-bj", "operator-bj", "operator", "110000"},
    {"t-operator-tj", "operator-tj", "operator", "120000"},
    {"t-league-bj", "league-bj", "league_operator", "110000"},
};

class ServerE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    if (binary_path().empty()) GTEST_SKIP() << "GONGJIAN_BINARY is not set (run through ctest)";
  }

  void start(const std::string& extra = "") { server_ = std::make_unique<server_process>(kTokens, extra); }
  std::uint16_t port() const { return server_->port(); }

  http_reply command(const std::string& name, json::object body, const std::string& token = "t-admin") {
    return http_request(port(), "POST", "/api/v1/commands/" + name, json::serialize(body), token);
  }
  // Registers 000000, 110000, 110100, 120000 (positions 1..4).
  void register_basic_jurisdictions() {
    for (auto [id, code, name] : {std::tuple{"j0", "000000", "全国"}, std::tuple{"j1", "110000", "北京市"},
                                  std::tuple{"j2", "110100", "市辖区"}, std::tuple{"j3", "120000", "天津市"}}) {
      auto r = command("register_jurisdiction", {{"command_id", id}, {"code", code}, {"jurisdiction_name", name}});
      ASSERT_EQ(r.status, 200) << r.body;
    }
  }
  std::uint64_t head() {
    auto r = http_request(port(), "GET", "/readyz");
    return r.json().at("head").to_number<std::uint64_t>();
  }
  // Registers `count` offices under county 110101 in one batch (after 110101 itself); each has a
  // long name so that its event message is a few kilobytes.
  void register_offices(int first, int count, std::size_t name_chars = 10) {
    json::array commands;
    std::string name;
    for (std::size_t i = 0; i < name_chars; ++i) name += "工";
    for (int i = first; i < first + count; ++i) {
      char code[32];
      std::snprintf(code, sizeof code, "110101%03d", i % 1000);
      commands.push_back(json::object{{"type", "register_jurisdiction"},
                                      {"command_id", std::string("office-") + code},
                                      {"code", code},
                                      {"jurisdiction_name", name}});
    }
    auto r = http_request(port(), "POST", "/api/v1/commands:batch",
                          json::serialize(json::object{{"commands", std::move(commands)}}), "t-admin");
    ASSERT_EQ(r.status, 200) << r.body;
    ASSERT_EQ(r.json().at("failed").to_number<std::uint64_t>(), 0u) << r.body;
  }

  std::unique_ptr<server_process> server_;
};

TEST_F(ServerE2E, HealthReadinessAndMetrics) {
  start();
  auto h = http_request(port(), "GET", "/healthz");
  EXPECT_EQ(h.status, 200);
  EXPECT_EQ(h.json().at("status"), "ok");
  EXPECT_FALSE(h.headers["X-Request-Id"].empty());
  auto r = http_request(port(), "GET", "/readyz");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.json().at("head").to_number<std::uint64_t>(), 0u);
  auto m = http_request(port(), "GET", "/metrics");
  EXPECT_EQ(m.status, 200);
  EXPECT_NE(m.headers["Content-Type"].find("text/plain"), std::string::npos);
  for (const char* series : {"gongjian_connections_open", "gongjian_websocket_subscribers", "gongjian_store_head_position 0",
                             "gongjian_http_requests_total{route=\"healthz\",status=\"200\"}",
                             "gongjian_http_request_duration_seconds_bucket", "gongjian_store_reads_queued",
                             "gongjian_commands_appended_total", "gongjian_build_info{allocator=\""}) {
    EXPECT_NE(m.body.find(series), std::string::npos) << series;
  }
  // A client-supplied request id is echoed and logged.
  auto tagged = http_request(port(), "GET", "/healthz", "", "", {{"X-Request-Id", "trace-42"}});
  EXPECT_EQ(tagged.headers["X-Request-Id"], "trace-42");
}

TEST_F(ServerE2E, CommandsReturnPositionsAndRetriesAreSafe) {
  start();
  register_basic_jurisdictions();
  auto first = command("register_jurisdiction", {{"command_id", "c-110101"}, {"code", "110101"}, {"jurisdiction_name", "东城区"}});
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(first.json().at("first_position").to_number<std::uint64_t>(), 5u);
  EXPECT_EQ(first.json().at("events").at(0).at("stream"), "jurisdiction-110101");
  EXPECT_EQ(first.json().at("duplicate"), false);
  // The same command id again: the first result, nothing written.
  auto again = command("register_jurisdiction", {{"command_id", "c-110101"}, {"code", "110101"}, {"jurisdiction_name", "东城区"}});
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(again.json().at("duplicate"), true);
  EXPECT_EQ(again.json().at("first_position").to_number<std::uint64_t>(), 5u);
  EXPECT_EQ(head(), 5u);
  // A domain rule: the parent must exist.
  auto orphan = command("register_jurisdiction", {{"command_id", "c-x"}, {"code", "990101"}, {"jurisdiction_name", "x"}});
  EXPECT_EQ(orphan.status, 422) << orphan.body;
  EXPECT_EQ(orphan.json().at("error").at("kind"), "rule_violation");
  EXPECT_FALSE(orphan.json().at("error").at("rule").as_string().empty());
  EXPECT_EQ(orphan.json().at("error").at("field"), "code");
  EXPECT_EQ(head(), 5u);

  // The raw log and the stream read back what was written.
  auto log = http_request(port(), "GET", "/api/v1/log?from=2&limit=2", "", "t-auditor");
  ASSERT_EQ(log.status, 200) << log.body;
  EXPECT_EQ(log.json().at("events").as_array().size(), 2u);
  EXPECT_EQ(log.json().at("events").at(0).at("position").to_number<std::uint64_t>(), 2u);
  EXPECT_EQ(log.json().at("next").to_number<std::uint64_t>(), 4u);
  EXPECT_EQ(log.json().at("events").at(0).at("hash").as_string().size(), 64u);
  EXPECT_EQ(log.json().at("events").at(0).at("actor").at("user"), "admin");
  auto stream = http_request(port(), "GET", "/api/v1/streams/jurisdiction-110101", "", "t-auditor");
  ASSERT_EQ(stream.status, 200) << stream.body;
  EXPECT_EQ(stream.json().at("version").to_number<std::uint64_t>(), 1u);
  EXPECT_EQ(stream.json().at("events").at(0).at("command_id"), "c-110101");
  auto verify = http_request(port(), "POST", "/api/v1/verify?from=1", "", "t-auditor");
  ASSERT_EQ(verify.status, 200) << verify.body;
  EXPECT_EQ(verify.json().at("intact"), true);
  EXPECT_EQ(verify.json().at("checked").to_number<std::uint64_t>(), 5u);

  // After a restart the write model is rebuilt from the log: the retry is still recognised.
  ASSERT_EQ(server_->stop(SIGTERM), 0);
  const auto data = server_->directory() / "data";
  server_process second(kTokens, "data_dir = \"" + data.string() + "\"");
  auto retried = http_request(second.port(), "POST", "/api/v1/commands/register_jurisdiction",
                              R"({"command_id":"c-110101","code":"110101","jurisdiction_name":"东城区"})", "t-admin");
  EXPECT_EQ(retried.json().at("duplicate"), true) << retried.body;
  auto exists = http_request(second.port(), "POST", "/api/v1/commands/register_jurisdiction",
                             R"({"command_id":"c-new","code":"110101","jurisdiction_name":"东城区"})", "t-admin");
  EXPECT_EQ(exists.status, 409) << exists.body;
}

// A command id names one action: a retry is answered from the first result only when it repeats
// that action (same caller, same command, same values in any order); anything else is refused
// and writes nothing, and a caller who may not record the action gets 403 as on a first attempt.
TEST_F(ServerE2E, AReusedCommandIdIsRefusedUnlessItRepeatsTheFirstCommand) {
  start();
  register_basic_jurisdictions();
  auto first = command("register_jurisdiction", {{"command_id", "c-110101"}, {"code", "110101"}, {"jurisdiction_name", "东城区"}},
                       "t-operator-bj");
  ASSERT_EQ(first.status, 200) << first.body;
  ASSERT_EQ(head(), 5u);
  const auto expect_reused = [&](const http_reply& r, const std::string& says) {
    EXPECT_EQ(r.status, 409) << r.body;
    EXPECT_EQ(r.json().at("error").at("rule"), "command_id_reused") << r.body;
    EXPECT_EQ(r.json().at("error").at("field"), "command_id") << r.body;
    EXPECT_NE(r.body.find(says), std::string::npos) << r.body;
    EXPECT_EQ(head(), 5u);
  };

  // The same values in another order are the same command.
  auto retry = http_request(port(), "POST", "/api/v1/commands/register_jurisdiction",
                            R"({"jurisdiction_name":"东城区","code":"110101","command_id":"c-110101"})", "t-operator-bj");
  ASSERT_EQ(retry.status, 200) << retry.body;
  EXPECT_EQ(retry.json().at("duplicate"), true);
  EXPECT_EQ(retry.json().at("first_position").to_number<std::uint64_t>(), 5u);

  expect_reused(command("register_jurisdiction", {{"command_id", "c-110101"}, {"code", "110101"}, {"jurisdiction_name", "东城"}},
                        "t-operator-bj"),
                "was used for register_jurisdiction with other values (log positions 5 to 5)");
  expect_reused(command("assign_jurisdiction_leader", {{"command_id", "c-110101"}, {"code", "110101"}, {"leader_name", "王"},
                                                       {"lead_department", "x"}, {"assigned_on", "2016-07-01"}},
                        "t-operator-bj"),
                "was used for register_jurisdiction (log positions 5 to 5)");
  // Another caller's id: refused without a word about that command.
  auto other = command("register_jurisdiction", {{"command_id", "c-110101"}, {"code", "110101"}, {"jurisdiction_name", "东城区"}});
  expect_reused(other, "belongs to another caller's command");
  EXPECT_EQ(other.body.find("register_jurisdiction"), std::string::npos) << other.body;
  // A leader may not record actions, retry or not; Tianjin's operator may not act in Beijing.
  auto leader = command("register_jurisdiction", {{"command_id", "c-110101"}, {"code", "110101"}, {"jurisdiction_name", "东城区"}},
                        "t-leader-bj");
  EXPECT_EQ(leader.status, 403) << leader.body;
  auto tianjin = command("register_jurisdiction", {{"command_id", "c-110101"}, {"code", "110101"}, {"jurisdiction_name", "东城区"}},
                         "t-operator-tj");
  EXPECT_EQ(tianjin.status, 403) << tianjin.body;

  // After a restart the ids come from the log, with their callers.
  ASSERT_EQ(server_->stop(SIGTERM), 0);
  const auto data = server_->directory() / "data";
  server_process second(kTokens, "data_dir = \"" + data.string() + "\"");
  auto again = http_request(second.port(), "POST", "/api/v1/commands/register_jurisdiction",
                            R"({"command_id":"c-110101","code":"110101","jurisdiction_name":"东城区"})", "t-operator-bj");
  EXPECT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(again.json().at("duplicate"), true) << again.body;
  auto stranger = http_request(second.port(), "POST", "/api/v1/commands/register_jurisdiction",
                               R"({"command_id":"c-110101","code":"110101","jurisdiction_name":"东城区"})", "t-admin");
  EXPECT_EQ(stranger.status, 409) << stranger.body;
  EXPECT_EQ(stranger.json().at("error").at("rule"), "command_id_reused") << stranger.body;
}

// A League operator who names something that does not exist is told so (422), not that the
// command is not a League action; a Party action stays refused (403).
// Bulletins publish the projections' rankings as the campaign workflow freezes them: one sent by
// hand, even by the national admin, is refused and changes nothing.
TEST_F(ServerE2E, ABulletinIsTheWorkflowsAloneNotSentByHand) {
  start();
  register_basic_jurisdictions();
  const auto before = head();
  auto r = http_request(port(), "POST", "/api/v1/commands/issue_bulletin",
                        R"({"command_id":"b-1","campaign":1,"round":1,"as_of":"2016-07-16","log_position":1,
                            "rankings":[]})",
                        "t-admin");
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_EQ(r.json().at("error").at("rule"), "issued_by_the_workflow") << r.body;
  EXPECT_EQ(head(), before);
}

TEST_F(ServerE2E, ALeagueOperatorNamingAnUnknownEntityHearsItIsUnknown) {
  start();
  register_basic_jurisdictions();
  auto unknown = command("disclose_member_identity",
                         {{"command_id", "l-1"}, {"member", 999999999}, {"disclosed_on", "2016-07-20"}}, "t-league-bj");
  EXPECT_EQ(unknown.status, 422) << unknown.body;
  EXPECT_NE(unknown.body.find("999999999"), std::string::npos) << unknown.body;
  auto party = command("record_member",
                       {{"command_id", "l-2"}, {"member", 5}, {"org", 1}, {"affiliation", "party"}, {"standing", "formal"},
                        {"status", "hidden"}, {"member_name", "x"}, {"relationship_held_at", ""},
                        {"admitted_on", "2000-01-01"}, {"recorded_on", "2016-07-03"}},
                       "t-league-bj");
  EXPECT_EQ(party.status, 403) << party.body;
  EXPECT_EQ(head(), 4u);
}

// The session writes response heads itself (not through Beast's serializer): the bytes on a
// keep-alive connection, the close on "Connection: close", and a command's body is Boost.JSON's
// serialization (also with a command id that needs escaping).
TEST_F(ServerE2E, ResponseBytesOnAKeepAliveConnection) {
  start();
  register_basic_jurisdictions();
  raw_connection c(port());
  const std::string body = R"({"command_id":"q\"1\\x","code":"110101","jurisdiction_name":"东城区"})";
  const std::string target = "/api/v1/commands/register_jurisdiction";
  auto request = [&](const std::string& id, const std::string& token, const std::string& extra) {
    return "POST " + target + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token +
           "\r\nX-Request-Id: " + id + "\r\nContent-Type: application/json\r\n" + extra +
           "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  };
  c.send(request("keep-1", "t-admin", "") + request("keep-2", "nobody", "") +
         request("keep-3", "t-admin", "Connection: close\r\n"));
  const std::string reply = c.read_all();  // the server closes after the third response

  std::vector<std::pair<std::string, std::string>> responses;  // head, body
  std::size_t at = 0;
  while (at < reply.size()) {
    const auto end = reply.find("\r\n\r\n", at);
    ASSERT_NE(end, std::string::npos) << reply.substr(at);
    std::string head = reply.substr(at, end + 4 - at);
    const auto length_at = head.find("Content-Length: ");
    ASSERT_NE(length_at, std::string::npos) << head;
    const std::size_t length = std::stoul(head.substr(length_at + 16));
    responses.emplace_back(head, reply.substr(end + 4, length));
    at = end + 4 + length;
  }
  ASSERT_EQ(responses.size(), 3u) << reply;

  const auto& [head1, body1] = responses[0];
  EXPECT_EQ(head1, "HTTP/1.1 200 OK\r\nServer: gongjian\r\nContent-Type: application/json\r\nX-Request-Id: keep-1\r\n"
                   "Content-Length: " + std::to_string(body1.size()) + "\r\n\r\n");
  EXPECT_EQ(body1, json::serialize(json::parse(body1)));
  const auto first = json::parse(body1);
  EXPECT_EQ(first.at("command_id"), "q\"1\\x");
  EXPECT_EQ(first.at("status"), 200);
  EXPECT_EQ(first.at("duplicate"), false);
  EXPECT_EQ(first.at("first_position").to_number<std::uint64_t>(), 5u);
  EXPECT_EQ(first.at("events").at(0).at("position").to_number<std::uint64_t>(), 5u);
  EXPECT_EQ(first.at("events").at(0).at("type"), "jurisdiction_registered");

  const auto& [head2, body2] = responses[1];
  EXPECT_EQ(head2, "HTTP/1.1 401 Unauthorized\r\nServer: gongjian\r\nContent-Type: application/json\r\n"
                   "X-Request-Id: keep-2\r\nWWW-Authenticate: Bearer\r\nContent-Length: " + std::to_string(body2.size()) +
                   "\r\n\r\n");
  EXPECT_EQ(json::parse(body2).at("error").at("code"), "unauthenticated");

  const auto& [head3, body3] = responses[2];
  EXPECT_EQ(head3, "HTTP/1.1 200 OK\r\nServer: gongjian\r\nContent-Type: application/json\r\nX-Request-Id: keep-3\r\n"
                   "Connection: close\r\nContent-Length: " + std::to_string(body3.size()) + "\r\n\r\n");
  EXPECT_EQ(body3, json::serialize(json::parse(body3)));
  EXPECT_EQ(json::parse(body3).at("duplicate"), true);
  EXPECT_EQ(head(), 5u);
}

TEST_F(ServerE2E, AccessControlPerRoleAndScope) {
  start();
  register_basic_jurisdictions();
  const auto before = head();
  // No token, a wrong token, a malformed header.
  EXPECT_EQ(http_request(port(), "GET", "/api/v1/log").status, 401);
  EXPECT_EQ(http_request(port(), "GET", "/api/v1/log", "", "nope").status, 401);
  EXPECT_EQ(http_request(port(), "GET", "/api/v1/log", "", "", {{"Authorization", "Basic dDp0"}}).status, 401);
  EXPECT_EQ(http_request(port(), "GET", "/api/v1/whoami", "", "t-league-bj").json().at("role"), "league_operator");

  // Raw log: auditors, admins and national scopes.
  EXPECT_EQ(http_request(port(), "GET", "/api/v1/log", "", "t-leader-bj").status, 403);
  EXPECT_EQ(http_request(port(), "GET", "/api/v1/log", "", "t-operator-bj").status, 403);
  EXPECT_EQ(http_request(port(), "GET", "/api/v1/log", "", "t-auditor").status, 200);
  EXPECT_EQ(http_request(port(), "GET", "/api/v1/log", "", "t-leader-national").status, 200);
  // Jurisdiction streams by scope.
  EXPECT_EQ(http_request(port(), "GET", "/api/v1/streams/jurisdiction-110100", "", "t-leader-bj").status, 200);
  EXPECT_EQ(http_request(port(), "GET", "/api/v1/streams/jurisdiction-120000", "", "t-leader-bj").status, 403);
  EXPECT_EQ(http_request(port(), "GET", "/api/v1/streams/org-1", "", "t-leader-bj").status, 403);
  // Verification: auditors and admins only.
  EXPECT_EQ(http_request(port(), "GET", "/api/v1/verify", "", "t-leader-national").status, 403);
  EXPECT_EQ(http_request(port(), "GET", "/api/v1/verify", "", "t-auditor").status, 200);

  // Writes: leaders and auditors never; operators in their scope; League operators League only.
  const json::object in_bj{{"command_id", "w1"}, {"code", "110101"}, {"jurisdiction_name", "东城区"}};
  for (const char* token : {"t-leader-bj", "t-auditor", "t-leader-national", "t-operator-tj", "t-league-bj"}) {
    auto r = command("register_jurisdiction", in_bj, token);
    EXPECT_EQ(r.status, 403) << token << " " << r.body;
    EXPECT_EQ(r.json().at("error").at("code"), "forbidden");
  }
  EXPECT_EQ(head(), before);  // every refusal wrote nothing
  EXPECT_EQ(command("register_jurisdiction", in_bj, "t-operator-bj").status, 200);
  auto outside = command("register_jurisdiction", {{"command_id", "w2"}, {"code", "120100"}, {"jurisdiction_name", "市辖区"}},
                         "t-operator-bj");
  EXPECT_EQ(outside.status, 403) << outside.body;
  auto national = command("open_campaign",
                          {{"command_id", "w3"}, {"campaign", 1}, {"campaign_name", "x"}, {"starts_on", "2026-01-01"},
                           {"ends_on", "2026-12-31"}, {"bulletin_cadence_days", 15},
                           {"ranking_indicator", "ledger_progress"}, {"tie_break_indicator", "standalone_formation_rate"}},
                          "t-operator-bj");
  EXPECT_EQ(national.status, 403) << national.body;
  EXPECT_EQ(head(), before + 1);
  // Tokens never reach the log.
  EXPECT_EQ(server_->log().find("t-operator-bj"), std::string::npos);
  EXPECT_EQ(server_->log().find("t-admin"), std::string::npos);
}

TEST_F(ServerE2E, BadInputIsRefusedClearlyAndWritesNothing) {
  start("[limits]\nmax_body_bytes = 65536");
  register_basic_jurisdictions();
  const auto before = head();
  auto expect_error = [&](const http_reply& r, int status, const std::string& kind, const std::string& field) {
    EXPECT_EQ(r.status, status) << r.body;
    auto v = r.json();
    EXPECT_EQ(std::string(v.at("error").at("kind").as_string()), kind) << r.body;
    EXPECT_FALSE(v.at("error").at("message").as_string().empty());
    if (!field.empty()) {
      const auto* f = v.at("error").as_object().if_contains("field");
      EXPECT_TRUE(f != nullptr && f->is_string() && std::string(f->get_string()) == field) << r.body;
    }
  };
  const std::string target = "/api/v1/commands/register_jurisdiction";
  expect_error(http_request(port(), "POST", target, "{\"command_id\":", "t-admin"), 400, "invalid_input", "body");
  expect_error(http_request(port(), "POST", target, "[1,2]", "t-admin"), 400, "invalid_input", "body");
  expect_error(http_request(port(), "POST", target, R"({"code":"110101","jurisdiction_name":"x"})", "t-admin"), 400,
               "invalid_input", "command_id");
  expect_error(http_request(port(), "POST", target, R"({"command_id":"b","code":110101,"jurisdiction_name":"x"})", "t-admin"),
               400, "invalid_input", "code");
  expect_error(http_request(port(), "POST", target, R"({"command_id":"b","code":"110101","jurisdiction_name":"x","colour":1})",
                            "t-admin"),
               400, "invalid_input", "colour");
  expect_error(http_request(port(), "POST", "/api/v1/commands/close_campaign",
                            R"({"command_id":"b","campaign":1,"closed_on":"2026-02-30"})", "t-admin"),
               400, "invalid_input", "closed_on");
  expect_error(http_request(port(), "POST", "/api/v1/commands/register_host",
                            R"({"command_id":"b","host":1,"kind":"castle","jurisdiction":"110000"})", "t-admin"),
               400, "invalid_input", "kind");
  expect_error(http_request(port(), "POST", "/api/v1/commands/launch_rocket", R"({"command_id":"b"})", "t-admin"), 404,
               "not_found", "command");
  expect_error(http_request(port(), "POST", "/api/v1/commands:batch",
                            R"({"commands":[{"type":"register_jurisdiction","command_id":"ok","code":"110101","jurisdiction_name":"x"},{"type":"register_jurisdiction","command_id":"bad","code":7}]})",
                            "t-admin"),
               400, "invalid_input", "commands[1].code");
  // Broken UTF-8 inside a JSON string.
  expect_error(http_request(port(), "POST", target, std::string("{\"command_id\":\"u\",\"code\":\"110101\",\"jurisdiction_name\":\"\xff\xfe\"}"),
                            "t-admin"),
               400, "invalid_input", "body");
  expect_error(http_request(port(), "GET", "/api/v1/nowhere", "", "t-admin"), 404, "not_found", "path");
  expect_error(http_request(port(), "DELETE", "/api/v1/log", "", "t-admin"), 405, "method_not_allowed", "method");
  expect_error(http_request(port(), "GET", "/api/v1/log?limit=ten", "", "t-admin"), 400, "invalid_input", "limit");

  // A body beyond max_body_bytes is refused from its Content-Length, before it is read.
  {
    raw_connection c(port());
    c.send("POST " + target + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer t-admin\r\nContent-Type: application/json\r\n"
           "Content-Length: 10000000\r\n\r\n{\"command_id\":");
    const auto reply = c.read_all();
    EXPECT_NE(reply.find("HTTP/1.1 413"), std::string::npos) << reply;
    EXPECT_NE(reply.find("\"too_large\""), std::string::npos) << reply;
  }
  // A header block beyond max_header_bytes.
  {
    raw_connection c(port());
    c.send("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Padding: " + std::string(40000, 'a') + "\r\n\r\n");
    const auto reply = c.read_all();
    EXPECT_NE(reply.find("HTTP/1.1 413"), std::string::npos) << reply.substr(0, 200);
  }
  EXPECT_EQ(head(), before);
}

TEST_F(ServerE2E, RateLimitAndConnectionLimit) {
  start("[limits]\nrequests_per_second_per_token = 0.001\nburst_per_token = 3\nmax_connections = 3");
  for (int i = 0; i < 3; ++i) EXPECT_EQ(http_request(port(), "GET", "/api/v1/whoami", "", "t-auditor").status, 200);
  auto limited = http_request(port(), "GET", "/api/v1/whoami", "", "t-auditor");
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(limited.json().at("error").at("code"), "rate_limited");
  EXPECT_FALSE(limited.headers["Retry-After"].empty());
  // Another token has its own bucket.
  EXPECT_EQ(http_request(port(), "GET", "/api/v1/whoami", "", "t-admin").status, 200);

  // Three idle connections fill max_connections; the fourth is answered 503 and closed.
  std::vector<std::unique_ptr<raw_connection>> idle;
  for (int i = 0; i < 3; ++i) idle.push_back(std::make_unique<raw_connection>(port()));
  // Wait until the server counts them (the accept is asynchronous).
  for (int attempt = 0; attempt < 500; ++attempt) {
    raw_connection probe(port());
    const auto reply = probe.read_all(std::chrono::milliseconds(200));
    if (reply.find("HTTP/1.1 503") != std::string::npos) {
      EXPECT_NE(reply.find("max_connections"), std::string::npos);
      return;
    }
  }
  ADD_FAILURE() << "no 503 beyond max_connections";
}

// Reads messages until `pred` says stop; returns them. Fails on timeout.
std::vector<json::value> read_until(ws_client& client, const std::function<bool(const json::value&)>& stop,
                                    std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
  std::vector<json::value> out;
  while (true) {
    auto m = client.read(timeout);
    if (!m) {
      ADD_FAILURE() << "no message within the timeout after " << out.size() << " messages";
      return out;
    }
    out.push_back(*m);
    if (stop(*m)) return out;
  }
}

bool is_event_at(const json::value& m, std::uint64_t position) {
  return m.at("type") == "event" && m.at("position").to_number<std::uint64_t>() == position;
}

TEST_F(ServerE2E, WebSocketFeedCatchUpLiveAndResumeWithoutGapOrDuplicate) {
  start();
  register_basic_jurisdictions();
  ASSERT_EQ(command("register_jurisdiction", {{"command_id", "c5"}, {"code", "110101"}, {"jurisdiction_name", "东城区"}}).status, 200);

  ws_client a(port(), "t-auditor");
  a.send(R"({"op":"subscribe","topic":"events","after":0})");
  // "live" marks the switch from catch-up to live events. The feed's store subscription may not
  // yet hold the newest acknowledged events when the switch happens; those then come as live
  // events after the marker. Either way: positions 1..5, each once, in order, and one marker.
  auto first = read_until(a, [](const json::value& m) { return is_event_at(m, 5); });
  ASSERT_FALSE(first.empty());
  EXPECT_EQ(first.front().at("type"), "subscribed");
  std::uint64_t expected = 1;
  int live_markers = 0;
  for (const auto& m : first) {
    if (m.at("type") == "live") {
      ++live_markers;
      EXPECT_EQ(m.at("position").to_number<std::uint64_t>(), expected - 1) << "marker after the last event sent";
      continue;
    }
    if (m.at("type") != "event") continue;
    EXPECT_EQ(m.at("position").to_number<std::uint64_t>(), expected) << json::serialize(m);
    EXPECT_EQ(m.at("event").at("position").to_number<std::uint64_t>(), expected);
    ++expected;
  }
  EXPECT_EQ(expected, 6u);
  if (live_markers == 0) {
    auto marker = read_until(a, [](const json::value& m) { return m.at("type") == "live"; });
    ASSERT_EQ(marker.size(), 1u) << "nothing between the last caught-up event and the marker";
    EXPECT_EQ(marker.back().at("position").to_number<std::uint64_t>(), 5u);
  } else {
    EXPECT_EQ(live_markers, 1);
  }

  // Live: new events arrive as they are appended.
  register_offices(1, 20);
  auto live = read_until(a, [](const json::value& m) { return is_event_at(m, 25); });
  for (const auto& m : live) {
    ASSERT_EQ(m.at("type"), "event");
    EXPECT_EQ(m.at("position").to_number<std::uint64_t>(), expected++);
  }

  // Resume: a client that saw up to 12 reconnects with after=12 and gets 13.. exactly once each,
  // including events appended while it was away.
  register_offices(21, 10);
  ws_client b(port(), "t-auditor");
  b.send(R"({"op":"subscribe","topic":"events","after":12})");
  auto resumed = read_until(b, [](const json::value& m) { return is_event_at(m, 35); });
  std::uint64_t next = 13;
  std::set<std::uint64_t> seen;
  for (const auto& m : resumed) {
    if (m.at("type") != "event") continue;
    EXPECT_TRUE(seen.insert(m.at("position").to_number<std::uint64_t>()).second);
    EXPECT_EQ(m.at("position").to_number<std::uint64_t>(), next++);
  }
  EXPECT_EQ(next, 36u);

  // Protocol errors are answered on the socket, which stays usable.
  b.send("not json");
  auto err = std::optional<json::value>(read_until(b, [](const json::value& m) { return m.at("type") == "error"; }).back());
  EXPECT_EQ(err->at("error").at("code"), "invalid_input");
  b.send(R"({"op":"subscribe","topic":"weather"})");
  err = read_until(b, [](const json::value& m) { return m.at("type") == "error"; }).back();
  EXPECT_EQ(err->at("error").at("code"), "not_found");
  b.send(R"({"op":"ping","id":7})");
  auto pong = read_until(b, [](const json::value& m) { return m.at("type") == "pong"; });
  EXPECT_EQ(pong.back().at("id").to_number<std::int64_t>(), 7);

  // A leader of one province may not read the raw feed.
  ws_client leader(port(), "t-leader-bj");
  leader.send(R"({"op":"subscribe","topic":"events","after":0})");
  auto refused = leader.read();
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->at("type"), "error");
  EXPECT_EQ(refused->at("error").at("code"), "forbidden");
}

TEST_F(ServerE2E, WebSocketNeedsAToken) {
  start();
  EXPECT_THROW(ws_client(port(), ""), std::exception);
  EXPECT_THROW(ws_client(port(), "wrong"), std::exception);
  EXPECT_NO_THROW(ws_client(port(), "t-auditor"));
}

TEST_F(ServerE2E, SlowSubscriberIsToldItLagsAndNeverStallsOthers) {
  start("[limits]\nws_send_queue = 8\nmax_body_bytes = 67108864");
  register_basic_jurisdictions();
  ASSERT_EQ(command("register_jurisdiction", {{"command_id", "c5"}, {"code", "110101"}, {"jurisdiction_name", "东城区"}}).status, 200);

  // The slow client subscribes with a tiny receive window and then does not read at all.
  ws_client slow(port(), "t-auditor", 4096);
  slow.send(R"({"op":"subscribe","topic":"events","after":5})");
  ws_client fast(port(), "t-auditor");
  fast.send(R"({"op":"subscribe","topic":"events","after":5})");
  read_until(fast, [](const json::value& m) { return m.at("type") == "live"; });

  // About 12 MB of events: far more than the slow socket's buffers hold.
  const int offices = 900;
  register_offices(1, offices, 1300);
  const std::uint64_t last = 5 + offices;
  std::uint64_t expected = 6;
  auto got = read_until(fast, [last](const json::value& m) { return is_event_at(m, last); }, std::chrono::seconds(60));
  for (const auto& m : got) {
    if (m.at("type") != "event") continue;
    ASSERT_EQ(m.at("position").to_number<std::uint64_t>(), expected++);
  }
  EXPECT_EQ(expected, last + 1);

  // The slow client's queue stayed bounded and it was told it lags.
  auto metrics = http_request(port(), "GET", "/metrics").body;
  EXPECT_NE(metrics.find("gongjian_websocket_lagging_total "), std::string::npos);
  EXPECT_EQ(metrics.find("gongjian_websocket_lagging_total 0\n"), std::string::npos) << "no lagging notice sent";
  const std::string series = "\ngongjian_websocket_send_queue_messages ";
  const auto at = metrics.find(series);
  ASSERT_NE(at, std::string::npos);
  EXPECT_LE(std::stoll(metrics.substr(at + series.size())), 8 + 4) << "the slow client's queue grew beyond its bound";

  // When it reads again it gets every event exactly once, in order, after a lagging notice.
  expected = 6;
  bool lagged = false;
  auto rest = read_until(slow, [last](const json::value& m) { return is_event_at(m, last); }, std::chrono::seconds(60));
  for (const auto& m : rest) {
    if (m.at("type") == "lagging") {
      lagged = true;
      EXPECT_EQ(m.at("position").to_number<std::uint64_t>(), expected - 1);
    }
    if (m.at("type") != "event") continue;
    ASSERT_EQ(m.at("position").to_number<std::uint64_t>(), expected++);
  }
  EXPECT_TRUE(lagged);
  EXPECT_EQ(expected, last + 1);
}

TEST_F(ServerE2E, SigtermClosesWebSocketsWithACloseFrameAndExitsCleanly) {
  start();
  ws_client client(port(), "t-auditor");
  client.send(R"({"op":"subscribe","topic":"events","after":0})");
  read_until(client, [](const json::value& m) { return m.at("type") == "live"; });
  ::kill(server_->pid(), SIGTERM);
  // The next thing on the socket is the server's close frame (1001 going away).
  while (auto m = client.read(std::chrono::seconds(20))) {
  }
  EXPECT_TRUE(client.closed());
  EXPECT_EQ(client.close_code(), 1001);
  EXPECT_EQ(server_->stop(SIGTERM), 0);
}

TEST_F(ServerE2E, PythonClientsThatAreNotOurs) {
  start();
  register_basic_jurisdictions();
  const char* source = std::getenv("GONGJIAN_SOURCE_DIR");
  ASSERT_NE(source, nullptr);
  const std::string script = std::string(source) + "/tests/server/python_client.py";
  // /usr/bin/python3 has Debian's python3-websockets.
  const std::string cmd = "/usr/bin/python3 " + script + " " + std::to_string(port()) + " t-auditor t-admin 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::string output;
  char buffer[512];
  while (std::fgets(buffer, sizeof buffer, p)) output += buffer;
  const int status = ::pclose(p);
  EXPECT_EQ(status, 0) << output;
  EXPECT_NE(output.find("python client ok"), std::string::npos) << output;
}

}  // namespace
}  // namespace gongjian::testing

namespace gongjian::testing {
namespace {

TEST_F(ServerE2E, ServesTheDashboardFilesSafely) {
  const auto dashboard = std::filesystem::temp_directory_path() / ("gongjian-dashboard-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dashboard / "assets");
  {
    std::ofstream(dashboard / "index.html") << "<!doctype html><title>攻坚</title>";
    std::ofstream(dashboard / "assets" / "app.js") << "console.log('gongjian')";
    std::ofstream(dashboard / ".secret") << "hidden";
  }
  start("dashboard_dir = \"" + dashboard.string() + "\"");
  auto index = http_request(port(), "GET", "/");
  EXPECT_EQ(index.status, 200);
  EXPECT_NE(index.headers["Content-Type"].find("text/html"), std::string::npos);
  EXPECT_NE(index.body.find("攻坚"), std::string::npos);
  auto js = http_request(port(), "GET", "/assets/app.js");
  EXPECT_EQ(js.status, 200);
  EXPECT_NE(js.headers["Content-Type"].find("javascript"), std::string::npos);
  // Client-side routes fall back to index.html; missing files with an extension do not.
  EXPECT_EQ(http_request(port(), "GET", "/rankings/110000").body, index.body);
  EXPECT_EQ(http_request(port(), "GET", "/assets/missing.js").status, 404);
  // Nothing outside the directory, nothing hidden.
  EXPECT_EQ(http_request(port(), "GET", "/%2e%2e/%2e%2e/etc/passwd").status, 404);
  EXPECT_EQ(http_request(port(), "GET", "/.secret").status, 404);
  // The API keeps its JSON errors.
  auto api = http_request(port(), "GET", "/api/v1/nothing", "", "t-admin");
  EXPECT_EQ(api.status, 404);
  EXPECT_EQ(api.json().at("error").at("code"), "not_found");
  std::filesystem::remove_all(dashboard);
}

// A response is first sent with one non-blocking write on the socket; what does not fit goes
// through an asynchronous write. A client with a small receive window that reads late gets two
// 4 MiB responses on one keep-alive connection whole and in order.
TEST_F(ServerE2E, LargeResponsesToASlowReaderArriveWhole) {
  const auto dashboard = std::filesystem::temp_directory_path() / ("gongjian-large-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dashboard);
  std::string big(4 << 20, '\0');
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>('a' + (i * 7919) % 26);
  std::ofstream(dashboard / "big.txt", std::ios::binary) << big;
  start("dashboard_dir = \"" + dashboard.string() + "\"");
  raw_connection c(port(), 4096);
  c.send("GET /big.txt HTTP/1.1\r\nHost: x\r\n\r\nGET /big.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // let the server fill the window first
  const std::string reply = c.read_all(std::chrono::seconds(30));
  std::size_t at = 0;
  for (int i = 0; i < 2; ++i) {
    const auto end = reply.find("\r\n\r\n", at);
    ASSERT_NE(end, std::string::npos) << "response " << i << " of 2 missing; " << reply.size() << " bytes read";
    const std::string head = reply.substr(at, end + 4 - at);
    EXPECT_EQ(head.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << head;
    EXPECT_NE(head.find("Content-Length: " + std::to_string(big.size()) + "\r\n"), std::string::npos) << head;
    ASSERT_GE(reply.size(), end + 4 + big.size()) << "response " << i << " cut short";
    EXPECT_TRUE(reply.compare(end + 4, big.size(), big) == 0) << "response " << i << "'s body differs";
    at = end + 4 + big.size();
  }
  EXPECT_EQ(at, reply.size());
  std::filesystem::remove_all(dashboard);
}

}  // namespace
}  // namespace gongjian::testing

namespace gongjian::testing {
namespace {

TEST_F(ServerE2E, ShutdownUnderLoadLosesNoAcknowledgedCommand) {
  start();
  register_basic_jurisdictions();
  ASSERT_EQ(command("register_jurisdiction", {{"command_id", "c5"}, {"code", "110101"}, {"jurisdiction_name", "东城区"}}).status, 200);

  struct ack {
    std::string command_id;
    std::string code;
    std::uint64_t position;
  };
  std::mutex mutex;
  std::condition_variable enough;
  std::vector<ack> acks;
  std::vector<std::thread> writers;
  for (int w = 0; w < 4; ++w) {
    writers.emplace_back([&, w] {
      for (int i = 1; i <= 240; ++i) {
        char code[32];
        std::snprintf(code, sizeof code, "110101%03d", (w * 240 + i) % 1000);
        const std::string id = std::string("load-") + code;
        try {
          auto r = http_request(port(), "POST", "/api/v1/commands/register_jurisdiction",
                                json::serialize(json::object{{"command_id", id}, {"code", code}, {"jurisdiction_name", "所"}}),
                                "t-admin");
          if (r.status != 200) continue;  // 503 while shutting down: not acknowledged
          std::lock_guard lock(mutex);
          acks.push_back({id, code, r.json().at("first_position").to_number<std::uint64_t>()});
          enough.notify_all();
        } catch (const std::exception&) {
          return;  // the server is gone
        }
      }
    });
  }
  {
    std::unique_lock lock(mutex);
    enough.wait(lock, [&] { return acks.size() >= 100; });
  }
  EXPECT_EQ(server_->stop(SIGTERM), 0);
  for (auto& t : writers) t.join();
  ASSERT_GE(acks.size(), 100u);

  // Every acknowledged command is in the log, at the position it was acknowledged with.
  const auto data = server_->directory() / "data";
  server_process second(kTokens, "data_dir = \"" + data.string() + "\"");
  for (const auto& a : acks) {
    auto r = http_request(second.port(), "POST", "/api/v1/commands/register_jurisdiction",
                          json::serialize(json::object{{"command_id", a.command_id}, {"code", a.code}, {"jurisdiction_name", "所"}}),
                          "t-admin");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.json().at("duplicate"), true) << a.command_id;
    EXPECT_EQ(r.json().at("first_position").to_number<std::uint64_t>(), a.position) << a.command_id;
  }
  auto verify = http_request(second.port(), "GET", "/api/v1/verify", "", "t-auditor");
  EXPECT_EQ(verify.json().at("intact"), true) << verify.body;
}

}  // namespace
}  // namespace gongjian::testing

namespace gongjian::testing {
namespace {

struct run_result {
  int status = -1;
  std::string output;
};

run_result run_shell(const std::string& command) {
  run_result r;
  FILE* p = ::popen((command + " 2>&1").c_str(), "r");
  if (p == nullptr) return r;
  char buffer[512];
  while (std::fgets(buffer, sizeof buffer, p)) r.output += buffer;
  const int status = ::pclose(p);
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

TEST(ServeCommandLine, HelpHashTokenAndConfigErrors) {
  const auto binary = binary_path();
  if (binary.empty()) GTEST_SKIP() << "GONGJIAN_BINARY is not set (run through ctest)";
  auto help = run_shell(binary + " serve --help");
  EXPECT_EQ(help.status, 0);
  EXPECT_NE(help.output.find("--config FILE"), std::string::npos);
  EXPECT_NE(help.output.find("GONGJIAN_MAX_BODY_BYTES"), std::string::npos);
  EXPECT_EQ(run_shell(binary + " hash-token --help").status, 0);
  EXPECT_EQ(run_shell(binary + " --help").status, 0);

  auto hashed = run_shell("printf 'example-admin-token\\n' | " + binary + " hash-token");
  EXPECT_EQ(hashed.status, 0);
  EXPECT_EQ(hashed.output, "sha256 = \"d2eadfb6e52d65b4bbf254e5046c0c495328b4d208f8b1591c229e62c5c6362f\"\n");

  auto bad_flag = run_shell(binary + " serve --colour blue");
  EXPECT_EQ(bad_flag.status, 2);
  auto bad_port = run_shell(binary + " serve --port 99999");
  EXPECT_EQ(bad_port.status, 2);
  EXPECT_NE(bad_port.output.find("'port'"), std::string::npos) << bad_port.output;
  auto bad_env = run_shell("GONGJIAN_THREADS=0 " + binary + " serve --port 0");
  EXPECT_EQ(bad_env.status, 2);
  EXPECT_NE(bad_env.output.find("'threads'"), std::string::npos) << bad_env.output;
  EXPECT_NE(bad_env.output.find("range"), std::string::npos) << bad_env.output;
  auto missing = run_shell(binary + " serve --config /nonexistent/gongjian.conf");
  EXPECT_EQ(missing.status, 2);
  EXPECT_NE(missing.output.find("/nonexistent/gongjian.conf"), std::string::npos);

  // A data_dir mistyped into a folder of other files gets no store scattered among them.
  temp_dir folder("gongjian-not-a-store");
  std::ofstream(folder.path() / "notes.txt") << "minutes of the branch meeting\n";
  auto foreign = run_shell(binary + " serve --port 0 --data '" + folder.path().string() + "'");
  EXPECT_EQ(foreign.status, 1) << foreign.output;
  EXPECT_NE(foreign.output.find("holds no event store but other files ('notes.txt')"), std::string::npos)
      << foreign.output;
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(folder.path()), std::filesystem::directory_iterator()),
            1);
}

}  // namespace
}  // namespace gongjian::testing

namespace gongjian::testing {
namespace {

// One store per data directory. Every other subcommand given a running server's directory refuses
// it with exit 3, names the server's process, and deletes nothing: `demo --force` would otherwise
// have removed the log under the running server, which goes on acknowledging appends.
TEST_F(ServerE2E, OtherCommandsRefuseTheDirectoryOfARunningServer) {
  start();
  register_basic_jurisdictions();
  const auto data = server_->directory() / "data";
  // RocksDB's info log included: RocksDB renamed LOG before it asked for the lock (src/info_log.h).
  const auto store_files = [&] {
    std::set<std::string> names;
    for (const auto& entry : std::filesystem::directory_iterator(data)) names.insert(entry.path().filename().string());
    return names;
  };
  const auto before = store_files();
  const std::string holder = "is open in process " + std::to_string(server_->pid()) + " (";
  for (const std::string command : {"serve --port 0", "rebuild", "demo --orgs 1 --force", "verify"}) {
    SCOPED_TRACE(command);
    auto refused = run_shell(binary_path() + " " + command + " --data '" + data.string() + "'");
    EXPECT_EQ(refused.status, 3) << refused.output;
    EXPECT_NE(refused.output.find(holder), std::string::npos) << refused.output;
  }
  EXPECT_EQ(store_files(), before);

  auto r = command("register_jurisdiction", {{"command_id", "j4"}, {"code", "130000"}, {"jurisdiction_name", "河北省"}});
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(head(), 5u);
  EXPECT_EQ(server_->stop(SIGTERM), 0);
  auto verified = run_shell(binary_path() + " verify --data '" + data.string() + "'");
  EXPECT_EQ(verified.status, 0) << verified.output;
  EXPECT_NE(verified.output.find("checked 5 events"), std::string::npos) << verified.output;
}

// A range past the head is refused (400 naming the parameter and the head; exit 2 from the command
// line), never reported as damage: the record "before" it is absent because it was never written.
// from = head + 1 is the empty range after the head: intact, nothing checked, the head's hash.
TEST_F(ServerE2E, VerifyRefusesARangePastTheHeadInsteadOfReportingDamage) {
  start();
  register_basic_jurisdictions();
  ASSERT_EQ(head(), 4u);
  const auto verify = [&](const std::string& query) {
    return http_request(port(), "GET", "/api/v1/verify" + query, "", "t-auditor");
  };
  const auto whole = verify("");
  ASSERT_EQ(whole.status, 200) << whole.body;
  for (const std::string from : {"6", "7", "1000", "18446744073709551615"}) {
    SCOPED_TRACE(from);
    auto r = verify("?from=" + from);
    ASSERT_EQ(r.status, 400) << r.body;
    EXPECT_EQ(r.json().at("error").at("field"), "from");
    EXPECT_EQ(r.json().at("error").at("rule"), "position_in_log");
    EXPECT_NE(r.body.find("head of the log (4)"), std::string::npos) << r.body;
  }
  for (const std::string query : {"?to=5", "?from=2&to=5", "?from=5&to=18446744073709551615"}) {
    SCOPED_TRACE(query);
    auto r = verify(query);
    ASSERT_EQ(r.status, 400) << r.body;
    EXPECT_EQ(r.json().at("error").at("field"), "to");
  }
  auto empty = verify("?from=5");
  ASSERT_EQ(empty.status, 200) << empty.body;
  EXPECT_EQ(empty.json().at("intact"), true);
  EXPECT_EQ(empty.json().at("checked").to_number<std::uint64_t>(), 0u);
  EXPECT_EQ(empty.json().at("last_checked").to_number<std::uint64_t>(), 4u);
  EXPECT_EQ(empty.json().at("head_hash"), whole.json().at("head_hash"));
  auto to_head = verify("?from=2&to=4");
  ASSERT_EQ(to_head.status, 200) << to_head.body;
  EXPECT_EQ(to_head.json().at("checked").to_number<std::uint64_t>(), 3u);
  EXPECT_EQ(to_head.json().at("head_hash"), whole.json().at("head_hash"));

  const auto data = server_->directory() / "data";
  ASSERT_EQ(server_->stop(SIGTERM), 0);
  const std::string cli = binary_path() + " verify --data '" + data.string() + "'";
  for (const std::string range : {"--from 6", "--from 7", "--from 18446744073709551615", "--to 5", "--from 1 --to 9"}) {
    SCOPED_TRACE(range);
    auto refused = run_shell(cli + " " + range);
    EXPECT_EQ(refused.status, 2) << refused.output;
    EXPECT_NE(refused.output.find("beyond the head of the log"), std::string::npos) << refused.output;
    EXPECT_EQ(refused.output.find("FIRST BAD"), std::string::npos) << refused.output;
  }
  auto nothing_new = run_shell(cli + " --from 5");
  EXPECT_EQ(nothing_new.status, 0) << nothing_new.output;
  EXPECT_NE(nothing_new.output.find("checked 0 events"), std::string::npos) << nothing_new.output;
  auto up_to_head = run_shell(cli + " --from 2 --to 4");
  EXPECT_EQ(up_to_head.status, 0) << up_to_head.output;
  EXPECT_NE(up_to_head.output.find("checked 3 events"), std::string::npos) << up_to_head.output;
}

}  // namespace
}  // namespace gongjian::testing

namespace gongjian::testing {
namespace {

// A full disk (here RLIMIT_FSIZE: the WAL cannot grow past 512 KiB, EFBIG as ENOSPC) stops the
// store writing. The server stays up and says so: commands get 503 naming the cause, /readyz
// "failed" with the reason, /metrics a gauge; reads and verification go on. Nothing acknowledged
// is lost: a restart with room again has every acknowledged event, and a retry of the refused
// command with its command_id lands. (It used to answer 500, log a failing consumer commit
// thousands of times a second, and abort in RocksDB's info logger.)
TEST_F(ServerE2E, AFullDiskStopsWritesWithAClearErrorAndLosesNothingAcknowledged) {
  server_ = std::make_unique<server_process>(kTokens, "", 512u << 10);
  register_basic_jurisdictions();
  ASSERT_EQ(command("register_jurisdiction", {{"command_id", "j110101"}, {"code", "110101"}, {"jurisdiction_name", "东城区"}})
                .status,
            200);
  std::string name;  // 300 CJK characters: ~1 KB per event
  for (int i = 0; i < 300; ++i) name += "工";
  std::uint64_t last_acknowledged = 0;
  std::string refused_id;
  http_reply refused;
  for (int i = 1; i < 1000 && refused_id.empty(); ++i) {
    // Room for any int: at -O1 GCC cannot see that i < 1000 (-Wformat-truncation).
    char code[24];
    std::snprintf(code, sizeof code, "110101%03d", i);
    const std::string id = std::string("office-") + code;
    auto r = command("register_jurisdiction", {{"command_id", id}, {"code", code}, {"jurisdiction_name", name}});
    if (r.status == 200) {
      last_acknowledged = r.json().at("last_position").to_number<std::uint64_t>();
    } else {
      refused_id = id;
      refused = r;
    }
  }
  ASSERT_FALSE(refused_id.empty()) << "no command was refused below the limit";
  EXPECT_GT(last_acknowledged, 100u);  // the limit let the server work first
  EXPECT_EQ(refused.status, 503) << refused.body;
  EXPECT_NE(refused.body.find("the event log cannot be written"), std::string::npos) << refused.body;
  EXPECT_NE(refused.body.find("File too large"), std::string::npos) << refused.body;
  EXPECT_NE(refused.body.find("not acknowledged"), std::string::npos) << refused.body;

  // Every later command is refused the same way, without a trip to the store.
  auto later = command("register_jurisdiction", {{"command_id", "later"}, {"code", "120100"}, {"jurisdiction_name", "市辖区"}});
  EXPECT_EQ(later.status, 503) << later.body;
  EXPECT_NE(later.body.find("File too large"), std::string::npos) << later.body;
  auto ready = http_request(port(), "GET", "/readyz");
  EXPECT_EQ(ready.status, 503);
  EXPECT_EQ(ready.json().at("status").as_string(), "failed") << ready.body;
  EXPECT_NE(ready.body.find("File too large"), std::string::npos) << ready.body;
  EXPECT_NE(http_request(port(), "GET", "/metrics").body.find("gongjian_store_write_failed 1"), std::string::npos);
  // Reads go on: the log verifies up to its head, the last acknowledged position.
  auto verified = http_request(port(), "GET", "/api/v1/verify", "", "t-auditor");
  ASSERT_EQ(verified.status, 200) << verified.body;
  EXPECT_EQ(verified.json().at("intact").as_bool(), true) << verified.body;
  EXPECT_EQ(verified.json().at("last_checked").to_number<std::uint64_t>(), last_acknowledged) << verified.body;
  EXPECT_EQ(server_->stop(SIGTERM), 0);

  // Room again, and a restart: everything acknowledged is there, and the refused command's retry lands.
  const auto data = server_->directory() / "data";
  server_process second(kTokens, "data_dir = \"" + data.string() + "\"");
  auto head = http_request(second.port(), "GET", "/readyz");
  ASSERT_EQ(head.status, 200) << head.body;
  EXPECT_GE(head.json().at("head").to_number<std::uint64_t>(), last_acknowledged);
  const std::string code = refused_id.substr(std::string("office-").size());
  auto retried = http_request(second.port(), "POST", "/api/v1/commands/register_jurisdiction",
                              json::serialize(json::object{{"command_id", refused_id}, {"code", code}, {"jurisdiction_name", name}}),
                              "t-admin");
  EXPECT_EQ(retried.status, 200) << retried.body;
  auto intact = http_request(second.port(), "GET", "/api/v1/verify", "", "t-auditor");
  EXPECT_EQ(intact.json().at("intact").as_bool(), true) << intact.body;
}

}  // namespace
}  // namespace gongjian::testing

namespace gongjian::testing {
namespace {

// RocksDB's warnings reach the operator's log (eventstore/src/info_log.h), but not those a bulk
// import makes by itself: one for every table it ingests, and write stalls (its pace, on a busy
// machine). They printed in every demo and called for nothing.
TEST(DemoCommandLine, PassesOnNoRocksDbWarningAnImportMakesByItself) {
  const auto binary = binary_path();
  if (binary.empty()) GTEST_SKIP() << "GONGJIAN_BINARY is not set (run through ctest)";
  temp_dir dir("gongjian-demo-quiet");
  const auto data = dir.path() / "data";
  auto demo = run_shell(binary + " demo --orgs 200 --data '" + data.string() + "'");
  ASSERT_EQ(demo.status, 0) << demo.output;
  EXPECT_EQ(demo.output.find("rocksdb:"), std::string::npos) << demo.output;
  // Still written to RocksDB's own LOG, where it was before the store wrote that file.
  std::string log_text;
  for (const auto& entry : std::filesystem::directory_iterator(data)) {
    if (!entry.path().filename().string().starts_with("LOG")) continue;
    std::ifstream in(entry.path());
    log_text.append(std::istreambuf_iterator<char>(in), {});
  }
  EXPECT_NE(log_text.find("opened without unique ID"), std::string::npos);
}

// gongjian demo (bulk mode) on a disk that fills up, here its files limited to 4 MiB: a clear
// error and exit 1, not an abort inside RocksDB (which it was, once the store's own error
// handling synced a WAL RocksDB had already met the error on).
TEST(DemoCommandLine, AFullDiskEndsTheDemoWithAClearError) {
  const auto binary = binary_path();
  if (binary.empty()) GTEST_SKIP() << "GONGJIAN_BINARY is not set (run through ctest)";
  temp_dir dir("gongjian-demo-full");
  auto full = run_shell("prlimit --fsize=4194304 " + binary + " demo --orgs 200 --data '" +
                        (dir.path() / "data").string() + "'");
  EXPECT_EQ(full.status, 1) << full.output;
  EXPECT_NE(full.output.find("could not be written"), std::string::npos) << full.output;
  EXPECT_NE(full.output.find("File too large"), std::string::npos) << full.output;
}

}  // namespace
}  // namespace gongjian::testing
