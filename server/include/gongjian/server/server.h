#pragma once
// The gongjian server: HTTP/1.1 and WebSocket on one port (see server/README.md and docs/api.md).
// Beast, Asio and RocksDB types stay behind the pimpl.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "gongjian/config/server_config.h"

namespace gongjian::server {

class server {
 public:
  // Opens the event store under config.data_dir and rebuilds what the server keeps in memory.
  // Throws std::runtime_error when the store cannot be opened or the address cannot be bound
  // (start-up only).
  explicit server(const config::server_config& config);
  ~server();
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  // The port actually bound (differs from the configured one when that was 0).
  std::uint16_t port() const;

  // Serves until stop() or SIGTERM/SIGINT, then shuts down gracefully: stops accepting, lets
  // in-flight requests and appends finish (up to config.shutdown_grace), closes WebSockets with a
  // close frame, and closes the store. Blocks the calling thread; network threads are its own.
  void run();

  // Asks run() to shut down; callable from any thread.
  void stop();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace gongjian::server
