#pragma once
// The hash chain's step: SHA-256(previous hash || record bytes), through OpenSSL's EVP interface.
// One hasher per thread (the writer keeps one, verify makes its own): it reuses its digest context
// so that hashing an event does not allocate.

#include <memory>
#include <string_view>

#include "gongjian/eventstore/types.h"

namespace gongjian::eventstore {

class chain_hasher {
 public:
  chain_hasher();
  ~chain_hasher();
  chain_hasher(const chain_hasher&) = delete;
  chain_hasher& operator=(const chain_hasher&) = delete;

  sha256_digest next(const sha256_digest& previous, std::string_view record_body);

 private:
  struct context;
  std::unique_ptr<context> context_;
};

}  // namespace gongjian::eventstore
