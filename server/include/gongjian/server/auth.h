#pragma once
// Authentication and authorization: bearer tokens (configured as SHA-256 hashes), roles and
// jurisdiction scopes. Pure and thread-safe after construction; used from any network thread.
// Tokens themselves are never stored, logged or returned.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gongjian/config/server_config.h"
#include "gongjian/domain/result.h"
#include "gongjian/server/error.h"

namespace gongjian::server {

enum class role { leader, operator_, league_operator, auditor, admin };

std::string_view role_name(role r) noexcept;
std::optional<role> parse_role(std::string_view name) noexcept;

// Who is calling: from the token's configuration entry.
struct principal {
  std::string name;
  role who = role::leader;
  std::string scope;       // jurisdiction code the token is bound to
  std::string token_hash;  // SHA-256 hex of the token: the rate limiter's key, safe to keep
};

// True when a principal scoped to `scope` may see or act on jurisdiction `code`. Scopes follow
// GB/T 2260 codes: "000000" (national) covers everything; a province "PP0000" covers every code
// starting with PP; a city "PPCC00" covers codes starting with PPCC; a county "PPCCDD" (any other
// 6-digit code) covers itself and its offices (codes starting with those 6 digits); a longer code
// (an office) covers codes starting with it. Anything that is not a digit string covers nothing.
bool scope_covers(std::string_view scope, std::string_view code) noexcept;

// Lowercase hex SHA-256 of `data` (OpenSSL).
std::string sha256_hex(std::string_view data);

// Compares two equal-length strings in time independent of where they differ.
bool constant_time_equal(std::string_view a, std::string_view b) noexcept;

class authenticator {
 public:
  explicit authenticator(const std::vector<config::token_entry>& tokens);

  // Parses "Bearer <token>" and looks the token's hash up. Errors: unauthenticated (missing,
  // malformed or unknown token).
  result<principal, api_error> authenticate(std::string_view authorization_header) const;

  // The same, given the bare token (WebSocket clients that cannot set headers pass it as the
  // access_token query parameter).
  result<principal, api_error> authenticate_token(std::string_view token) const;

 private:
  std::vector<principal> principals_;
};

// Role checks shared by the handlers.
bool may_read_all_history(const principal& p) noexcept;  // auditor, admin, or national scope
bool may_verify(const principal& p) noexcept;            // auditor, admin
bool may_write(const principal& p) noexcept;             // operator, league_operator, admin

}  // namespace gongjian::server
