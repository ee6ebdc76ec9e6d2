#pragma once
// Per-token request rate limits: one token bucket per bearer token (keyed by the token's hash).
// Thread-safe (one mutex; the critical section is a few arithmetic operations), called from any
// network thread. Time is passed in so tests control it.

#include <chrono>
#include <mutex>
#include <string>
#include <unordered_map>

namespace gongjian::server {

// Holds up to `capacity` tokens, refilled at `rate_per_second`; each request takes one.
class token_bucket {
 public:
  using clock = std::chrono::steady_clock;
  token_bucket(double rate_per_second, double capacity, clock::time_point now);
  // Takes one token if available.
  bool try_take(clock::time_point now);
  // Seconds until one token is available (0 if one is).
  double seconds_until_available(clock::time_point now);

 private:
  void refill(clock::time_point now);
  double rate_;
  double capacity_;
  double tokens_;
  clock::time_point last_;
};

class rate_limiter {
 public:
  rate_limiter(double rate_per_second, double capacity) : rate_(rate_per_second), capacity_(capacity) {}
  // True when `key` may make a request now. The number of buckets is bounded by the number of
  // configured tokens, since only authenticated requests are limited.
  bool allow(const std::string& key, token_bucket::clock::time_point now = token_bucket::clock::now());
  // Whole seconds a refused caller should wait (for Retry-After).
  int retry_after_seconds(const std::string& key, token_bucket::clock::time_point now = token_bucket::clock::now());

 private:
  double rate_;
  double capacity_;
  std::mutex mutex_;
  std::unordered_map<std::string, token_bucket> buckets_;
};

}  // namespace gongjian::server
