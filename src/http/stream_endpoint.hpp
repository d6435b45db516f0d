#pragma once
// INTERNAL to src/http/*.cpp (it includes Beast and Asio): the hook through which the server hands
// a connection to a transport that is not request/response (WebSocket, Engine.IO long-polling).

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <string>
#include <string_view>

#include "core/config.hpp"
#include "http/dispatcher.hpp"

namespace emporium::http {

struct StreamContext {
  boost::asio::thread_pool& workers;  ///< run blocking work (authentication, RoomAuthorizer) here
  Dispatcher& dispatcher;             ///< Reject() gives the usual problem+json, access log and metrics
  const core::Config& config;
  const std::string& remote_ip;
  const std::atomic<bool>& stopping;  ///< the server is shutting down
};

class StreamEndpoint {
 public:
  virtual ~StreamEndpoint() = default;
  /// True when this endpoint takes requests for this (raw, undecoded) path, e.g. "/ws".
  virtual bool Matches(std::string_view path) const = 0;
  /// Takes over the connection after the request header was read into `parser` (the body, if any,
  /// is not read yet; `buffer` holds bytes read past the header). Runs on the connection's io
  /// context. Returns true when the connection may go on to read the next HTTP request
  /// (keep-alive), false to close it.
  virtual boost::asio::awaitable<bool> Serve(
      StreamContext& ctx, boost::beast::tcp_stream& stream, boost::beast::flat_buffer& buffer,
      boost::beast::http::request_parser<boost::beast::http::string_body>& parser) = 0;
  /// The server is stopping: close every session with a going-away close frame / packet. Any thread.
  virtual void Shutdown() = 0;
};

}  // namespace emporium::http
