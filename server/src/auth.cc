#include "gongjian/server/auth.h"

#include <openssl/evp.h>

#include <algorithm>
#include <array>

namespace gongjian::server {

std::string_view role_name(role r) noexcept {
  switch (r) {
    case role::leader: return "leader";
    case role::operator_: return "operator";
    case role::league_operator: return "league_operator";
    case role::auditor: return "auditor";
    case role::admin: return "admin";
  }
  return "leader";
}

std::optional<role> parse_role(std::string_view name) noexcept {
  for (role r : {role::leader, role::operator_, role::league_operator, role::auditor, role::admin}) {
    if (role_name(r) == name) return r;
  }
  return std::nullopt;
}

namespace {
bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char ch) { return ch >= '0' && ch <= '9'; });
}
}  // namespace

bool scope_covers(std::string_view scope, std::string_view code) noexcept {
  if (!all_digits(scope) || scope.size() < 6 || !all_digits(code)) return false;
  std::string_view prefix = scope;
  if (scope.size() == 6) {
    if (scope == "000000") return true;
    if (scope.substr(2) == "0000") prefix = scope.substr(0, 2);       // province
    else if (scope.substr(4) == "00") prefix = scope.substr(0, 4);    // prefecture city
  }
  return code.size() >= 6 && code.substr(0, prefix.size()) == prefix;
}

std::string sha256_hex(std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  EVP_Digest(data.data(), data.size(), digest.data(), &length, EVP_sha256(), nullptr);
  static const char* const hex = "0123456789abcdef";
  std::string out;
  out.reserve(length * 2);
  for (unsigned int i = 0; i < length; ++i) {
    out += hex[digest[i] >> 4];
    out += hex[digest[i] & 0xf];
  }
  return out;
}

bool constant_time_equal(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

authenticator::authenticator(const std::vector<config::token_entry>& tokens) {
  for (const auto& t : tokens) {
    auto r = parse_role(t.role);
    // validate() has already refused unknown roles; an unknown one here would be a caller's bug.
    if (!r) continue;
    principals_.push_back(principal{t.name, *r, t.scope, t.sha256_hex});
  }
}

result<principal, api_error> authenticator::authenticate(std::string_view header) const {
  if (header.empty())
    return failure(api_error{error_kind::unauthenticated, "missing bearer token (Authorization: Bearer <token>)",
                             "Authorization", "bearer_token"});
  constexpr std::string_view scheme = "Bearer ";
  if (header.size() <= scheme.size() || !std::equal(scheme.begin(), scheme.end(), header.begin(), [](char a, char b) {
        return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
      }))
    return failure(api_error{error_kind::unauthenticated, "the Authorization header must be 'Bearer <token>'",
                             "Authorization", "bearer_token"});
  return authenticate_token(header.substr(scheme.size()));
}

result<principal, api_error> authenticator::authenticate_token(std::string_view token) const {
  const std::string hash = sha256_hex(token);
  // Every configured hash is compared, so the time taken does not reveal which one matched.
  const principal* found = nullptr;
  for (const auto& p : principals_) {
    if (constant_time_equal(p.token_hash, hash)) found = &p;
  }
  if (found == nullptr)
    return failure(api_error{error_kind::unauthenticated, "unknown bearer token", "Authorization", "bearer_token"});
  return *found;
}

bool may_read_all_history(const principal& p) noexcept {
  return p.who == role::auditor || p.who == role::admin || p.scope == "000000";
}

bool may_verify(const principal& p) noexcept { return p.who == role::auditor || p.who == role::admin; }

bool may_write(const principal& p) noexcept {
  return p.who == role::operator_ || p.who == role::league_operator || p.who == role::admin;
}

}  // namespace gongjian::server
