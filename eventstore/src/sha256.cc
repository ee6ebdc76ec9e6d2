#include "sha256.h"

#include <stdexcept>

#include <openssl/evp.h>

namespace gongjian::eventstore {

struct chain_hasher::context {
  EVP_MD* md = nullptr;
  EVP_MD_CTX* ctx = nullptr;
  ~context() {
    EVP_MD_CTX_free(ctx);
    EVP_MD_free(md);
  }
};

chain_hasher::chain_hasher() : context_(std::make_unique<context>()) {
  // Fetching the implementation once (instead of EVP_sha256() lookups per call) keeps the
  // per-event cost to the digest itself.
  context_->md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  context_->ctx = EVP_MD_CTX_new();
  if (context_->md == nullptr || context_->ctx == nullptr) {
    throw std::runtime_error("OpenSSL has no SHA-256 implementation");
  }
}

chain_hasher::~chain_hasher() = default;

sha256_digest chain_hasher::next(const sha256_digest& previous, std::string_view record_body) {
  sha256_digest out{};
  unsigned int size = 0;
  // These calls only fail on allocation failure inside OpenSSL, which the context reuse avoids;
  // a failure would leave `out` zeroed and verify would report the chain as broken.
  if (EVP_DigestInit_ex2(context_->ctx, context_->md, nullptr) == 1 &&
      EVP_DigestUpdate(context_->ctx, previous.data(), previous.size()) == 1 &&
      EVP_DigestUpdate(context_->ctx, record_body.data(), record_body.size()) == 1) {
    EVP_DigestFinal_ex(context_->ctx, out.data(), &size);
  }
  return out;
}

}  // namespace gongjian::eventstore
