#include "gongjian/server/rate_limiter.h"

#include <algorithm>
#include <cmath>

namespace gongjian::server {

token_bucket::token_bucket(double rate_per_second, double capacity, clock::time_point now)
    : rate_(rate_per_second), capacity_(capacity), tokens_(capacity), last_(now) {}

void token_bucket::refill(clock::time_point now) {
  if (now <= last_) return;
  const double elapsed = std::chrono::duration<double>(now - last_).count();
  tokens_ = std::min(capacity_, tokens_ + elapsed * rate_);
  last_ = now;
}

bool token_bucket::try_take(clock::time_point now) {
  refill(now);
  if (tokens_ < 1.0) return false;
  tokens_ -= 1.0;
  return true;
}

double token_bucket::seconds_until_available(clock::time_point now) {
  refill(now);
  return tokens_ >= 1.0 ? 0.0 : (1.0 - tokens_) / rate_;
}

bool rate_limiter::allow(const std::string& key, token_bucket::clock::time_point now) {
  std::lock_guard lock(mutex_);
  auto it = buckets_.try_emplace(key, rate_, capacity_, now).first;
  return it->second.try_take(now);
}

int rate_limiter::retry_after_seconds(const std::string& key, token_bucket::clock::time_point now) {
  std::lock_guard lock(mutex_);
  auto it = buckets_.try_emplace(key, rate_, capacity_, now).first;
  return std::max(1, static_cast<int>(std::ceil(it->second.seconds_until_available(now))));
}

}  // namespace gongjian::server
