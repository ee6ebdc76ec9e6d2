#include "http_session.h"

#include <boost/asio/defer.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/buffers_suffix.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include <algorithm>
#include <array>

#include "static_files.h"
#include "store_routes.h"
#include "websocket_session.h"

namespace gongjian::server {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;

namespace {

// A client-supplied X-Request-Id is kept only if it is short and plain, so it is safe to log.
bool acceptable_request_id(std::string_view id) {
  return !id.empty() && id.size() <= 64 && std::all_of(id.begin(), id.end(), [](char ch) {
    return std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '_' || ch == '.';
  });
}

}  // namespace

http_session::http_session(net::ip::tcp::socket&& socket, std::shared_ptr<shared_state> state, bool refuse)
    : stream_(std::move(socket)), state_(std::move(state)), refuse_(refuse) {
  ++state_->stats.connections_open;
  ++state_->stats.connections_total;
}

http_session::~http_session() {
  --state_->stats.connections_open;
  state_->leave(this);
}

void http_session::run() {
  state_->join(shared_from_this());
  net::dispatch(stream_.get_executor(), [self = shared_from_this()] {
    if (self->refuse_) {
      ++self->state_->stats.connections_refused;
      self->started_ = std::chrono::steady_clock::now();
      self->request_id_ = self->state_->next_request_id();
      self->route_name_ = "refused";
      self->stream_.expires_after(std::chrono::seconds(5));
      self->send(error_response(api_error{error_kind::unavailable, "too many connections; retry later", "",
                                          "max_connections"}),
                 false);
      return;
    }
    self->do_read();
  });
}

void http_session::shutdown() {
  net::post(stream_.get_executor(), [self = shared_from_this()] {
    self->stopping_ = true;
    // A connection waiting for its next request is closed now; one being served closes after
    // its response is written (send() turns keep-alive off while stopping).
    if (self->reading_) self->do_close();
  });
}

void http_session::do_read() {
  parser_.emplace();
  parser_->body_limit(state_->config.limits.max_body_bytes);
  parser_->header_limit(static_cast<std::uint32_t>(state_->config.limits.max_header_bytes));
  // One deadline covers reading the request, handling it and writing the response.
  stream_.expires_after(state_->config.limits.request_timeout);
  reading_ = true;
  http::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&http_session::on_read, shared_from_this()));
}

void http_session::on_read(beast::error_code ec, std::size_t) {
  reading_ = false;
  if (stopping_ && ec) return do_close();
  if (ec == http::error::end_of_stream) return do_close();
  started_ = std::chrono::steady_clock::now();
  request_id_ = state_->next_request_id();
  route_name_ = "unrouted";
  method_.clear();
  path_.clear();
  caller_.clear();
  if (ec == http::error::body_limit) {
    route_name_ = "rejected";
    return send(error_response(api_error{error_kind::too_large,
                                         "request body larger than " +
                                             std::to_string(state_->config.limits.max_body_bytes) + " bytes",
                                         "body", "max_body_bytes"}),
                false);
  }
  if (ec == http::error::header_limit) {
    route_name_ = "rejected";
    return send(error_response(api_error{error_kind::too_large,
                                         "request header larger than " +
                                             std::to_string(state_->config.limits.max_header_bytes) + " bytes",
                                         "header", "max_header_bytes"}),
                false);
  }
  if (ec.category() == http::make_error_code(http::error::bad_target).category() &&
      ec != http::error::partial_message) {
    route_name_ = "rejected";
    return send(error_response(api_error{error_kind::invalid_input, "malformed HTTP request: " + ec.message(), "", ""}),
                false);
  }
  if (ec) {
    fail(*state_->log, ec, "http read");
    return do_close();
  }
  handle(parser_->release());
}

void http_session::handle(http::request<http::string_body>&& req) {
  if (auto id = req["X-Request-Id"]; acceptable_request_id(id)) request_id_ = std::string(id);
  method_ = std::string(req.method_string());
  const bool keep_alive = req.keep_alive() && !stopping_;

  auto target = parse_target(req.target());
  if (!target) return send(error_response(target.error()), keep_alive);
  path_ = target->path;

  if (beast::websocket::is_upgrade(req)) return upgrade(std::move(req), *target);

  auto matched = state_->routes.match(method_, target->path);
  if (auto* error = std::get_if<api_error>(&matched)) {
    // Outside /api/ and the health routes, GET serves the dashboard's files (if configured).
    if (error->kind == error_kind::not_found && method_ == "GET" && !state_->config.dashboard_dir.empty() &&
        target->path.rfind("/api/", 0) != 0) {
      route_name_ = "dashboard";
      auto self = shared_from_this();
      run_on_store_pool(
          *state_, [root = state_->config.dashboard_dir, path = target->path] { return read_static_file(root, path); },
          [self, keep_alive](api_response response) {
            net::post(self->stream_.get_executor(), [self, keep_alive, response = std::move(response)]() mutable {
              self->send(std::move(response), keep_alive);
            });
          });
      return;
    }
    auto response = error_response(*error);
    return send(std::move(response), keep_alive);
  }
  auto& m = std::get<route_match>(matched);
  route_name_ = m.matched->name;

  api_request request;
  request.method = method_;
  request.path = std::move(target->path);
  request.query = std::move(target->query);
  request.path_params = std::move(m.path_params);
  request.request_id = request_id_;

  if (m.matched->needs == access::authenticated) {
    // A keep-alive client sends the same Authorization header with every request: the principal
    // it resolved to is kept for this connection, so the token is hashed once per connection
    // rather than once per request. Only a header that authenticated is kept, and only this
    // connection's own, so the non-constant-time comparison reveals nothing it did not send.
    const auto header = req[http::field::authorization];
    if (!authorized_ || header != authorized_header_) {
      auto who = state_->auth.authenticate(header);
      if (!who) {
        auto response = error_response(who.error());
        response.headers.emplace_back("WWW-Authenticate", "Bearer");
        return send(std::move(response), keep_alive);
      }
      authorized_header_ = std::string(header);
      authorized_ = std::move(who.value());
    }
    caller_ = authorized_->name;
    if (!state_->limiter.allow(authorized_->token_hash)) {
      auto response = error_response(api_error{error_kind::rate_limited, "request rate limit for this token exceeded",
                                               "", "requests_per_second_per_token"});
      response.headers.emplace_back("Retry-After", std::to_string(state_->limiter.retry_after_seconds(authorized_->token_hash)));
      return send(std::move(response), keep_alive);
    }
    request.caller = *authorized_;
  }
  if (state_->stopping && method_ == "POST") {
    return send(error_response(api_error{error_kind::unavailable, "the server is shutting down", "", ""}), false);
  }
  request.body = std::move(req.body());

  // The responder may be called from any thread (store pool, decision strand): it posts back here.
  // defer, not post: called on a network thread (the decision strand, or this handler for answers
  // kept by the read side), the write is queued on that thread, to run when the current handler
  // returns, instead of taking the scheduler's lock and waking the other network thread for it
  // (a futex wake and a context switch per response). From a thread outside the io_context
  // (the store pool) defer is a post.
  auto self = shared_from_this();
  responder respond = [self, keep_alive](api_response response) {
    net::defer(self->stream_.get_executor(), [self, keep_alive, response = std::move(response)]() mutable {
      self->send(std::move(response), keep_alive);
    });
  };
  try {
    m.matched->handle(std::move(request), std::move(respond));
  } catch (const std::exception& e) {
    // Handlers report errors as values; an exception here is a bug, answered as 500 and logged.
    state_->log->error("request_id={} route={} handler threw: {}", request_id_, route_name_, e.what());
    send(error_response(api_error{error_kind::internal, "internal error", "", ""}), false);
  }
}

void http_session::upgrade(http::request<http::string_body>&& req, const parsed_target& target) {
  route_name_ = "ws";
  if (target.path != "/api/v1/ws") {
    return send(error_response(api_error{error_kind::not_found, "no WebSocket endpoint at " + target.path, "path", ""}),
                false);
  }
  if (state_->stopping) {
    return send(error_response(api_error{error_kind::unavailable, "the server is shutting down", "", ""}), false);
  }
  // Browsers cannot set headers on a WebSocket handshake, so the token may also come as the
  // access_token query parameter (never logged: only the path is).
  auto header = req[http::field::authorization];
  auto token_param = target.query.find("access_token");
  auto who = !header.empty() || token_param == target.query.end()
                 ? state_->auth.authenticate(header)
                 : state_->auth.authenticate_token(token_param->second);
  if (!who) {
    auto response = error_response(who.error());
    response.headers.emplace_back("WWW-Authenticate", "Bearer");
    return send(std::move(response), false);
  }
  if (!state_->limiter.allow(who->token_hash)) {
    return send(error_response(api_error{error_kind::rate_limited, "request rate limit for this token exceeded", "",
                                         "requests_per_second_per_token"}),
                false);
  }
  caller_ = who->name;
  upgraded_ = true;
  state_->stats.request_finished(route_name_, 101, std::chrono::steady_clock::now() - started_);
  state_->log->info("request_id={} method={} path={} route=ws status=101 caller={}", request_id_, method_, path_,
                    caller_);
  stream_.expires_never();
  std::make_shared<websocket_session>(stream_.release_socket(), state_, std::move(who.value()), request_id_)
      ->run(std::move(req));
}

namespace {

bool overridden(std::string_view name, const std::vector<std::pair<std::string, std::string>>& headers,
                std::size_t from) {
  for (std::size_t i = from; i < headers.size(); ++i) {
    if (beast::iequals(headers[i].first, name)) return true;
  }
  return false;
}

}  // namespace

void http_session::send(api_response response, bool keep_alive) {
  if (stopping_) keep_alive = false;
  // The response head is written here into one reused string, not through a Beast message and
  // serializer (a field list allocated per field, a composed write of a buffer sequence over the
  // fields): the same bytes Beast wrote, in the same order. A header of the response's `headers`
  // replaces a fixed one of the same name (Beast's set: the later value, at the end), and of two
  // with one name the later wins. HTTP/1.1 always; keep-alive is the default, so only "close" is
  // written; Content-Length always (no route answers 1xx, 204 or 304).
  auto& head = head_out_;
  head.clear();
  head += "HTTP/1.1 ";
  head += std::to_string(response.status);
  head += ' ';
  head += http::obsolete_reason(static_cast<http::status>(response.status));
  head += "\r\n";
  auto field = [&head](std::string_view name, std::string_view value) {
    head += name;
    head += ": ";
    head += value;
    head += "\r\n";
  };
  const auto& extra = response.headers;
  if (!overridden("Server", extra, 0)) field("Server", "gongjian");
  if (!overridden("Content-Type", extra, 0)) field("Content-Type", response.content_type);
  if (!overridden("X-Request-Id", extra, 0)) field("X-Request-Id", request_id_);
  for (std::size_t i = 0; i < extra.size(); ++i) {
    if (beast::iequals(extra[i].first, "Connection") || beast::iequals(extra[i].first, "Content-Length")) continue;
    if (!overridden(extra[i].first, extra, i + 1)) field(extra[i].first, extra[i].second);
  }
  if (!keep_alive) field("Connection", "close");
  field("Content-Length", std::to_string(response.body.size()));
  head += "\r\n";
  body_out_ = std::move(response.body);
  // Counted and logged when the response is ready (before it is written), so a client that has
  // read it sees it in /metrics. Durations run from the request read to here.
  const int status = response.status;
  const auto took = std::chrono::steady_clock::now() - started_;
  state_->stats.request_finished(route_name_, status, took);
  const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(took).count();
  // Successful requests are logged at debug (the hot path); refusals and failures at info.
  const auto level = status >= 400 ? spdlog::level::info : spdlog::level::debug;
  state_->log->log(level, "request_id={} method={} path={} route={} status={} duration_us={} caller={}", request_id_,
                   method_, path_, route_name_, status, micros, caller_.empty() ? "-" : caller_);
  const std::array<net::const_buffer, 2> buffers{net::buffer(head_out_), net::buffer(body_out_)};
  // First one non-blocking send on the bare socket: a response usually fits the socket's send
  // buffer, and then it is written here without an asynchronous write (an operation allocated and
  // completed through the scheduler) and without arming and cancelling the stream's deadline timer
  // for it. Whatever did not fit (a client that does not read, a large body) goes through the
  // stream as before, under the request's deadline. One write at a time per connection still
  // holds: nothing else writes while this runs on the connection's strand.
  beast::error_code ec;
  std::size_t written = 0;
  auto& socket = stream_.socket();
  if (!socket.non_blocking()) socket.non_blocking(true, ec);
  if (!ec) written = socket.write_some(buffers, ec);
  if (ec == net::error::would_block || ec == net::error::try_again) ec = {};
  if (ec || written == head_out_.size() + body_out_.size()) return on_write(ec, !keep_alive);
  beast::buffers_suffix<std::array<net::const_buffer, 2>> rest(buffers);
  rest.consume(written);
  net::async_write(stream_, rest, [self = shared_from_this(), keep_alive](beast::error_code error, std::size_t) {
    self->on_write(error, !keep_alive);
  });
}

void http_session::on_write(beast::error_code ec, bool close) {
  if (ec) {
    fail(*state_->log, ec, "http write");
    return do_close();
  }
  if (close || stopping_) return do_close();
  do_read();
}

void http_session::do_close() {
  beast::error_code ec;
  stream_.socket().shutdown(net::ip::tcp::socket::shutdown_send, ec);
  stream_.socket().close(ec);
}

}  // namespace gongjian::server
