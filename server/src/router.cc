#include "gongjian/server/router.h"

#include <boost/container/small_vector.hpp>

#include <algorithm>

namespace gongjian::server {
namespace {

// Inline room for the API's paths (at most 6 segments today): matching a request allocates nothing
// for its segments.
using path_segments = boost::container::small_vector<std::string_view, 8>;

path_segments split_path(std::string_view path) {
  path_segments out;
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  while (true) {
    auto slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

bool is_param(std::string_view segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

int hex_value(char ch) {
  if (ch >= '0' && ch <= '9') return ch - '0';
  if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
  if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
  return -1;
}

}  // namespace

void router::add(route r) {
  compiled c;
  for (auto segment : split_path(r.pattern)) c.segments.emplace_back(segment);
  c.r = std::move(r);
  routes_.push_back(std::move(c));
}

std::variant<route_match, api_error> router::match(std::string_view method, std::string_view path) const {
  // Matching works on the raw path's segments so that an encoded '/' (%2F) inside a parameter
  // stays one segment; parameters are decoded after the match.
  const auto segments = split_path(path);
  std::vector<std::string> allowed;
  for (const auto& c : routes_) {
    if (c.segments.size() != segments.size()) continue;
    route_match m;
    bool ok = true;
    for (std::size_t i = 0; i < segments.size() && ok; ++i) {
      if (is_param(c.segments[i])) {
        auto decoded = segments[i].empty() ? std::nullopt : percent_decode(segments[i], false);
        if (!decoded) {
          ok = false;
        } else {
          m.path_params[c.segments[i].substr(1, c.segments[i].size() - 2)] = std::move(*decoded);
        }
      } else {
        ok = c.segments[i] == segments[i];
      }
    }
    if (!ok) continue;
    if (c.r.method == method) {
      m.matched = &c.r;
      return m;
    }
    if (std::find(allowed.begin(), allowed.end(), c.r.method) == allowed.end()) allowed.push_back(c.r.method);
  }
  if (allowed.empty()) return api_error{error_kind::not_found, "no route for " + std::string(path), "path", ""};
  std::string list;
  for (const auto& m : allowed) list += (list.empty() ? "" : ", ") + m;
  return api_error{error_kind::method_not_allowed, std::string(method) + " is not allowed here; allowed: " + list,
                   "method", ""};
}

std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    char ch = text[i];
    if (ch == '%') {
      if (i + 2 >= text.size()) return std::nullopt;
      int hi = hex_value(text[i + 1]);
      int lo = hex_value(text[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else if (ch == '+' && plus_is_space) {
      out += ' ';
    } else {
      out += ch;
    }
  }
  return out;
}

result<parsed_target, api_error> parse_target(std::string_view target) {
  if (target.empty() || target.front() != '/')
    return failure(api_error{error_kind::invalid_input, "the request target must start with '/'", "path", ""});
  parsed_target out;
  auto question = target.find('?');
  std::string_view raw_path = target.substr(0, question);
  // The path keeps its encoding: the router decodes parameters itself after matching segments.
  out.path = std::string(raw_path);
  if (question == std::string_view::npos) return out;
  std::string_view query = target.substr(question + 1);
  while (!query.empty()) {
    auto amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (pair.empty()) continue;
    auto eq = pair.find('=');
    auto key = percent_decode(pair.substr(0, eq), true);
    auto value = percent_decode(eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1), true);
    if (!key || !value)
      return failure(api_error{error_kind::invalid_input, "bad percent-encoding in the query string", "query", ""});
    out.query[*key] = std::move(*value);
  }
  return out;
}

}  // namespace gongjian::server
