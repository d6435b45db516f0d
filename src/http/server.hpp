#pragma once
// The HTTP/1.1 server: Boost.Beast + Asio C++20 coroutines behind a pimpl, so that only
// server.cpp pays for Beast's headers.
//
// Threads: `io_threads` run every connection's coroutine (read, parse, write), each connection on
// its own strand; handlers run on a separate pool of `worker_threads` because they block (SQL,
// libcurl), except routes marked inline_handler. Edge limits come from core::Config: header,
// body and idle timeouts, body size, header size (16 KiB), requests per connection.

#include <cstddef>
#include <functional>
#include <memory>

#include "core/config.hpp"
#include "core/error.hpp"
#include "http/dispatcher.hpp"

namespace emporium::http {

class StreamEndpoint;  // http/stream_endpoint.hpp

class Server {
 public:
  /// `config` and `dispatcher` must outlive the Server.
  Server(const core::Config& config, Dispatcher& dispatcher);
  /// Joins the worker pool: a handler still running after a forced stop is waited for here.
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  /// Hands every request whose path the endpoint Matches() to it (WebSocket, Socket.IO) instead of
  /// the Dispatcher. Call before Run(); endpoints are asked in mounting order.
  void Mount(std::shared_ptr<StreamEndpoint> endpoint);

  /// Runs `hook` on every io thread (the caller of Run() included) before it serves anything: for
  /// per-thread resources such as db::Database::OpenThreadSession. Call before Run().
  void OnIoThreadStart(std::function<void()> hook);

  /// Binds Config::host:port (port 0 = any free port) and starts listening. Returns the bound port,
  /// or kUnavailable when the address cannot be bound. Call once, before Run().
  Result<int> Listen();

  /// Serves until stopped, on Config::io_threads threads (0 = hardware concurrency) including the
  /// caller's. SIGTERM and SIGINT trigger Stop(). Returns when every connection is closed.
  void Run();

  /// Graceful stop, callable from any thread (also before Run()): stops accepting, closes idle
  /// keep-alive connections at once, lets in-flight requests finish and answers them with
  /// `Connection: close` within Config::shutdown_grace, then closes whatever is left.
  void Stop();

  /// Open client connections (for a gauge and tests). Thread-safe.
  std::size_t ActiveConnections() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace emporium::http
