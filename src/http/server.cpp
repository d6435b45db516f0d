// Beast and Asio are included here and in no header (each TU that includes them costs ~20 s to
// compile on the 2-core build machine); the rest of Emporium sees only http/request.hpp.
#include "http/server.hpp"

#include <fmt/format.h>

#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/url/pct_string_view.hpp>
#include <chrono>
#include <csignal>
#include <mutex>
#include <thread>
#include <unordered_set>
#include <vector>

#include "core/log.hpp"
#include "core/thread.hpp"
#include "http/stream_endpoint.hpp"

namespace emporium::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr std::uint32_t kHeaderLimit = 16 * 1024;
constexpr std::size_t kFirstRead = 4096;
constexpr std::size_t kKeepBufferBelow = 64 * 1024;  // larger idle buffers are released between requests
constexpr auto kLingerTimeout = std::chrono::seconds(1);
constexpr std::size_t kLingerMaxBytes = 1 << 20;
constexpr auto kForcedCloseWait = std::chrono::seconds(1);

const auto& Log() {
  static const auto logger = core::Logger("http");
  return logger;
}

constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);

bool IsQuietDisconnect(const beast::error_code& ec) {
  return ec == bhttp::error::end_of_stream || ec == beast::error::timeout || ec == asio::error::operation_aborted ||
         ec == asio::error::connection_reset || ec == asio::error::eof || ec == asio::error::broken_pipe ||
         ec == asio::error::bad_descriptor || ec == bhttp::error::partial_message;
}

bool IsSafeHeader(std::string_view s) {
  return s.find_first_of("\r\n", 0) == std::string_view::npos && s.find('\0') == std::string_view::npos;
}

std::string ClientAddress(const tcp::socket& socket) {
  beast::error_code ec;
  auto address = socket.remote_endpoint(ec).address();
  if (ec) return "unknown";
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    return asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6()).to_string();
  }
  return address.to_string();
}

/// One client connection. Touched only by the thread of its io_context, except `remote_ip` (immutable).
struct Connection {
  explicit Connection(tcp::socket socket) : remote_ip(ClientAddress(socket)), stream(std::move(socket)) {}
  const std::string remote_ip;
  beast::tcp_stream stream;
  bool idle = true;  ///< waiting for the first byte of a request: Stop() may close it at once
};

/// Everything the server shares between its coroutines; Server::Impl is this under the private
/// name the header declares.
struct ServerCore {
  ServerCore(const core::Config& c, Dispatcher& d)
      : config(c),
        dispatcher(d),
        io_threads(c.io_threads > 0 ? c.io_threads
                                    : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()))),
        ioc(1),
        workers(core::WorkerThreads(c)),
        acceptor(ioc),
        signals(ioc, SIGINT, SIGTERM) {
    for (int i = 1; i < io_threads; ++i) shards.push_back(std::make_unique<asio::io_context>(1));
  }

  const core::Config& config;
  Dispatcher& dispatcher;
  const int io_threads;

  // Declared before the io_context: connection coroutines still suspended when the io_context is
  // destroyed unregister themselves from here.
  mutable std::mutex registry_mutex;
  std::unordered_set<std::shared_ptr<Connection>> connections;
  std::atomic<std::size_t> active{0};
  std::atomic<bool> stopping{false};

  // One io_context per io thread, each run by exactly one thread (the Seastar/"thread per core"
  // layout): a connection lives on one context for its whole life, so its coroutine needs no strand
  // and the contexts share no queue or lock. `ioc` also owns the acceptor, signals and shutdown;
  // `shards` are the other io threads' contexts. Measured on 2 cores: +25% req/s over one shared
  // multi-threaded io_context with a strand per connection (docs/benchmarks.md).
  asio::io_context ioc;
  std::vector<std::unique_ptr<asio::io_context>> shards;
  // After the io_context so it is destroyed (joined) first: a handler finishing on a worker posts
  // its completion to the io_context, which must still exist.
  asio::thread_pool workers;
  tcp::acceptor acceptor;
  asio::signal_set signals;
  std::vector<std::shared_ptr<StreamEndpoint>> endpoints;  // mounted before Run(), read-only afterwards

  StreamEndpoint* EndpointFor(std::string_view target) const {
    if (endpoints.empty()) return nullptr;
    const auto path = target.substr(0, target.find('?'));
    for (const auto& e : endpoints) {
      if (e->Matches(path)) return e.get();
    }
    return nullptr;
  }

  /// The context for the next accepted connection, round-robin over ioc and the shards.
  asio::io_context& NextContext() {
    const std::size_t i = next_context++ % (shards.size() + 1);
    return i == 0 ? ioc : *shards[i - 1];
  }
  void StopAll() {
    ioc.stop();
    for (auto& shard : shards) shard->stop();
  }
  std::size_t next_context = 0;  // touched only by the acceptor coroutine

  void BeginShutdown();
  void ForEachConnection(void (*action)(Connection&));
};

Error PayloadTooLarge(std::size_t limit) {
  Error e;
  e.code = ErrorCode::kPayloadTooLarge;
  e.message = fmt::format("The request body exceeds {} bytes.", limit);
  return e;
}

/// Registers a connection for the life of its coroutine (also when the io_context destroys a
/// suspended coroutine during shutdown).
class Registration {
 public:
  Registration(ServerCore& impl, std::shared_ptr<Connection> conn) : impl_(impl), conn_(std::move(conn)) {
    std::lock_guard lock(impl_.registry_mutex);
    impl_.connections.insert(conn_);
    impl_.active.fetch_add(1);
  }
  ~Registration() {
    std::lock_guard lock(impl_.registry_mutex);
    impl_.connections.erase(conn_);
    impl_.active.fetch_sub(1);
  }
  Registration(const Registration&) = delete;
  Registration& operator=(const Registration&) = delete;

 private:
  ServerCore& impl_;
  std::shared_ptr<Connection> conn_;
};

asio::awaitable<Response> HandleOnWorker(Dispatcher* dispatcher, Request* req) {
  thread_local const bool named = (core::NameThisThread("http-worker"), true);  // asio's pool has no start hook
  (void)named;
  co_return dispatcher->Handle(*req);
}

bhttp::response<bhttp::string_body> ToBeast(Response& r, unsigned version, bool head, bool keep_alive) {
  bhttp::response<bhttp::string_body> res;
  res.version(version);
  res.result(static_cast<unsigned>(r.status));
  for (auto& h : r.headers) {
    // A handler that copied user input into a header must not be able to split the response.
    if (IsSafeHeader(h.name) && IsSafeHeader(h.value) && !h.name.empty()) {
      res.insert(h.name, h.value);
    } else {
      Log()->error(fmt::format(R"({{"msg":"dropped a response header containing CR/LF/NUL","header":"{}"}})",
                               core::JsonEscape(h.name)));
    }
  }
  const bool bodiless = r.status == 204 || r.status == 304 || (r.status >= 100 && r.status < 200);
  if (!bodiless) res.content_length(r.body.size());
  if (!head && !bodiless) res.body() = std::move(r.body);
  res.keep_alive(keep_alive);
  return res;
}

/// Writes a response after which the connection closes, then lingers: the client may still be
/// sending a body we refused, and closing with unread data would reset the connection before it
/// reads our answer.
asio::awaitable<void> WriteAndLinger(beast::tcp_stream& stream, beast::flat_buffer& buffer,
                                     bhttp::response<bhttp::string_body> res, std::chrono::seconds write_timeout) {
  stream.expires_after(write_timeout);
  auto [ec, n] = co_await bhttp::async_write(stream, res, kUseTuple);
  if (ec) co_return;
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  stream.expires_after(kLingerTimeout);
  std::size_t drained = 0;
  while (drained < kLingerMaxBytes) {
    buffer.clear();
    auto [rec, rn] = co_await stream.async_read_some(buffer.prepare(kFirstRead), kUseTuple);
    if (rec) break;
    drained += rn;
  }
}

/// The request line and headers as far as they were parsed: enough for the access log.
void FillFromHeader(Request& req, const bhttp::request<bhttp::string_body>& msg, const std::string& remote_ip) {
  req.method = ParseMethod(msg.method_string());
  req.target = std::string(msg.target());
  const auto q = req.target.find('?');
  // Only a plain path goes to the log here: the target was refused, so it is not decoded.
  req.path = req.target.substr(0, q);
  if (req.path.empty() || req.path.front() != '/' || req.path.find('\0') != std::string::npos) req.path.clear();
  req.remote_ip = remote_ip;
  for (const auto& field : msg) req.headers.push_back({std::string(field.name_string()), std::string(field.value())});
}

/// Decodes the target into path and query; false when it is not an origin-form target.
bool ParseTarget(Request& req) {
  const std::string& target = req.target;
  if (target.empty() || target.front() != '/' || target.find('\0') != std::string::npos) return false;
  const auto q = target.find('?');
  const std::string_view raw_path = std::string_view(target).substr(0, q);
  auto pct = boost::urls::make_pct_string_view(raw_path);
  if (!pct) return false;
  req.path = pct->decode();
  if (req.path.find('\0') != std::string::npos) return false;
  req.query_string = q == std::string::npos ? std::string() : target.substr(q + 1);
  return true;
}

/// One coroutine per connection, on its connection's io_context. Requests on a connection are read,
/// handled and answered strictly one after another: a pipelining client's later requests wait in
/// the socket and read buffer (bounded by the TCP window), so the pipelining queue depth is one.
asio::awaitable<void> Session(ServerCore* impl, std::shared_ptr<Connection> conn) {
  Registration registration(*impl, conn);
  const core::Config& config = impl->config;
  beast::tcp_stream& stream = conn->stream;
  beast::flat_buffer buffer;
  int served = 0;
  bool owe_response = false;  // a request was read and not answered yet: an exception still gets a 500

  try {
    while (true) {
      // Wait for the first byte of the next request, unless a pipelined one is already buffered.
      // A brand-new connection gets the header timeout, a kept-alive one the idle timeout.
      if (buffer.size() == 0) {
        if (impl->stopping.load()) break;
        conn->idle = true;
        stream.expires_after(served == 0 ? config.header_timeout : config.idle_timeout);
        auto [ec, n] = co_await stream.async_read_some(buffer.prepare(kFirstRead), kUseTuple);
        conn->idle = false;
        if (ec) break;  // idle timeout, client gone, or closed by Stop(): nothing to answer
        buffer.commit(n);
      }

      bhttp::request_parser<bhttp::string_body> parser;
      parser.header_limit(kHeaderLimit);
      parser.body_limit(static_cast<std::uint64_t>(config.body_limit_bytes));

      // The deadline covers the whole header, not each read: a client trickling one byte at a time
      // (slowloris) is cut off after header_timeout all the same.
      stream.expires_after(config.header_timeout);
      auto [hec, hn] = co_await bhttp::async_read_header(stream, buffer, parser, kUseTuple);
      if (hec) {
        if (IsQuietDisconnect(hec)) break;
        Request req;
        FillFromHeader(req, parser.get(), conn->remote_ip);
        Response r;
        if (hec == bhttp::error::header_limit) {
          r = impl->dispatcher.Reject(req, Error::BadRequest("The request header is larger than 16 KiB."), 431);
        } else if (hec == bhttp::error::body_limit) {
          r = impl->dispatcher.Reject(req, PayloadTooLarge(config.body_limit_bytes));
        } else {
          r = impl->dispatcher.Reject(req, Error::BadRequest("The request could not be parsed."));
        }
        co_await WriteAndLinger(stream, buffer, ToBeast(r, 11, false, false), config.body_timeout);
        break;
      }

      // WebSocket and Engine.IO requests are taken over here, before any body is read.
      if (auto* endpoint = impl->EndpointFor(parser.get().target())) {
        StreamContext ctx{impl->workers, impl->dispatcher, config, conn->remote_ip, impl->stopping};
        conn->idle = false;
        const bool keep = co_await endpoint->Serve(ctx, stream, buffer, parser);
        ++served;
        if (!keep || served >= config.max_requests_per_connection || impl->stopping.load()) break;
        continue;
      }

      if (!parser.is_done()) {
        const auto& header = parser.get();
        if (auto expect = header.find(bhttp::field::expect);
            expect != header.end() && beast::iequals(expect->value(), "100-continue")) {
          bhttp::response<bhttp::empty_body> go_on{bhttp::status::continue_, header.version()};
          stream.expires_after(config.body_timeout);
          auto [cec, cn] = co_await bhttp::async_write(stream, go_on, kUseTuple);
          if (cec) break;
        }
        stream.expires_after(config.body_timeout);
        auto [bec, bn] = co_await bhttp::async_read(stream, buffer, parser, kUseTuple);
        if (bec) {
          if (bec != bhttp::error::body_limit && IsQuietDisconnect(bec)) break;
          Request req;
          FillFromHeader(req, parser.get(), conn->remote_ip);
          Response r = bec == bhttp::error::body_limit
                           ? impl->dispatcher.Reject(req, PayloadTooLarge(config.body_limit_bytes))
                           : impl->dispatcher.Reject(req, Error::BadRequest("The request body could not be parsed."));
          co_await WriteAndLinger(stream, buffer, ToBeast(r, 11, false, false), config.body_timeout);
          break;
        }
      }

      auto& msg = parser.get();
      const unsigned version = msg.version();
      const bool head = msg.method() == bhttp::verb::head;
      owe_response = true;
      Request req;
      FillFromHeader(req, msg, conn->remote_ip);
      req.body = std::move(msg.body());
      req.path.clear();

      Response r;
      if (!ParseTarget(req)) {
        r = impl->dispatcher.Reject(req, Error::BadRequest("The request target must be an absolute path."));
        owe_response = false;
        co_await WriteAndLinger(stream, buffer, ToBeast(r, version, head, false), config.body_timeout);
        break;
      }
      if (auto inline_answer = impl->dispatcher.TryHandleInline(req)) {
        r = std::move(*inline_answer);
      } else {
        r = co_await asio::co_spawn(impl->workers, HandleOnWorker(&impl->dispatcher, &req), asio::use_awaitable);
      }

      ++served;
      const bool keep_alive = msg.keep_alive() && served < config.max_requests_per_connection && !impl->stopping.load();
      auto res = ToBeast(r, version, head, keep_alive);
      owe_response = false;
      stream.expires_after(config.body_timeout);
      auto [wec, wn] = co_await bhttp::async_write(stream, res, kUseTuple);
      if (wec || !keep_alive) break;
      if (buffer.size() == 0 && buffer.capacity() > kKeepBufferBelow) buffer.shrink_to_fit();
    }
  } catch (const std::exception& e) {
    Log()->error(fmt::format(R"({{"msg":"connection failed","error":"{}","ip":"{}"}})", core::JsonEscape(e.what()),
                             core::JsonEscape(conn->remote_ip)));
  } catch (...) {
    Log()->error(fmt::format(R"({{"msg":"connection failed with a non-standard exception","ip":"{}"}})",
                             core::JsonEscape(conn->remote_ip)));
  }
  if (owe_response) {
    // co_await is not allowed inside a handler, hence the flag: the client still gets its answer.
    try {
      Request req;
      req.remote_ip = conn->remote_ip;
      Response r = impl->dispatcher.Reject(req, Error::Internal());
      co_await WriteAndLinger(stream, buffer, ToBeast(r, 11, false, false), config.body_timeout);
    } catch (...) {
      // Nothing more can be said to this client; the connection closes below.
    }
  }
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  stream.socket().close(ignored);
}

void OnSessionDone(std::exception_ptr e) {
  if (!e) return;
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    Log()->error(fmt::format(R"({{"msg":"connection coroutine failed","error":"{}"}})", core::JsonEscape(ex.what())));
  } catch (...) {
    Log()->error(R"({"msg":"connection coroutine failed with a non-standard exception"})");
  }
}

asio::awaitable<void> Accept(ServerCore* impl) {
  asio::steady_timer backoff(impl->ioc);
  auto last_warning = std::chrono::steady_clock::time_point{};
  while (true) {
    asio::io_context& context = impl->NextContext();
    auto [ec, socket] = co_await impl->acceptor.async_accept(context, kUseTuple);
    if (impl->stopping.load() || ec == asio::error::operation_aborted) co_return;
    if (ec) {
      // Out of descriptors or buffers: back off instead of spinning on the same error.
      if (std::chrono::steady_clock::now() - last_warning > std::chrono::seconds(10)) {
        last_warning = std::chrono::steady_clock::now();
        Log()->warn(fmt::format(R"({{"msg":"accept failed","error":"{}"}})", core::JsonEscape(ec.message())));
      }
      backoff.expires_after(std::chrono::milliseconds(50));
      co_await backoff.async_wait(kUseTuple);
      continue;
    }
    beast::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    auto conn = std::make_shared<Connection>(std::move(socket));
    asio::co_spawn(context, Session(impl, conn), OnSessionDone);
  }
}

asio::awaitable<void> WaitForConnections(ServerCore* impl, std::chrono::steady_clock::time_point deadline) {
  asio::steady_timer timer(impl->ioc);
  while (impl->active.load() > 0 && std::chrono::steady_clock::now() < deadline) {
    timer.expires_after(std::chrono::milliseconds(20));
    co_await timer.async_wait(kUseTuple);
  }
}

/// Waits for in-flight requests up to the grace period, then closes what is left; if a handler is
/// still stuck on a worker after that, stops the io_context (the worker is joined by ~Server).
asio::awaitable<void> Drain(ServerCore* impl) {
  co_await WaitForConnections(impl, std::chrono::steady_clock::now() + impl->config.shutdown_grace);
  if (impl->active.load() == 0) co_return;
  Log()->warn(
      fmt::format(R"({{"msg":"shutdown grace period over; closing connections","open":{}}})", impl->active.load()));
  impl->ForEachConnection([](Connection& c) {
    beast::error_code ignored;
    c.stream.socket().close(ignored);
  });
  co_await WaitForConnections(impl, std::chrono::steady_clock::now() + kForcedCloseWait);
  if (impl->active.load() > 0) impl->StopAll();
}

}  // namespace

void ServerCore::ForEachConnection(void (*action)(Connection&)) {
  std::lock_guard lock(registry_mutex);
  for (const auto& conn : connections) {
    asio::post(conn->stream.get_executor(), [conn, action] { action(*conn); });
  }
}

void ServerCore::BeginShutdown() {
  if (stopping.exchange(true)) return;
  Log()->info(fmt::format(R"({{"msg":"shutting down","open_connections":{}}})", active.load()));
  beast::error_code ignored;
  acceptor.close(ignored);
  signals.cancel(ignored);
  ForEachConnection([](Connection& c) {
    if (c.idle) c.stream.cancel();
  });
  for (auto& endpoint : endpoints) endpoint->Shutdown();
  asio::co_spawn(ioc, Drain(this), asio::detached);
}

struct Server::Impl final : ServerCore {
  using ServerCore::ServerCore;
  std::function<void()> on_io_thread_start;
};

Server::Server(const core::Config& config, Dispatcher& dispatcher)
    : impl_(std::make_unique<Impl>(config, dispatcher)) {}

Server::~Server() {
  // Refuse queued handlers, wait for running ones, then let the io_context go.
  impl_->workers.stop();
  impl_->workers.join();
}

void Server::Mount(std::shared_ptr<StreamEndpoint> endpoint) { impl_->endpoints.push_back(std::move(endpoint)); }

Result<int> Server::Listen() {
  const auto& config = impl_->config;
  beast::error_code ec;
  auto address = asio::ip::make_address(config.host, ec);
  tcp::endpoint endpoint;
  if (!ec) {
    endpoint = tcp::endpoint(address, static_cast<unsigned short>(config.port));
  } else {
    tcp::resolver resolver(impl_->ioc);
    auto results = resolver.resolve(config.host, std::to_string(config.port), ec);
    if (ec || results.empty()) {
      return Error::Unavailable(fmt::format("Cannot resolve HOST {}: {}", config.host, ec.message()));
    }
    endpoint = *results.begin();
  }
  auto fail = [&](std::string_view step) {
    return Error::Unavailable(fmt::format("Cannot {} {}:{}: {}", step, config.host, config.port, ec.message()));
  };
  auto& acceptor = impl_->acceptor;
  acceptor.open(endpoint.protocol(), ec);
  if (ec) return fail("open a socket for");
  acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (ec) return fail("configure");
  acceptor.bind(endpoint, ec);
  if (ec) return fail("bind");
  acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return fail("listen on");
  const int port = acceptor.local_endpoint(ec).port();
  if (ec) return fail("read the port of");
  return port;
}

void Server::Run() {
  Impl* impl = impl_.get();
  if (impl->acceptor.is_open()) asio::co_spawn(impl->ioc, Accept(impl), OnSessionDone);
  impl->signals.async_wait([impl](const beast::error_code& ec, int) {
    if (!ec) impl->BeginShutdown();
  });
  // A shard with no connection yet must not return from run(): hold it open until the main context
  // (acceptor, signals, drain) is done; by then every session has ended or been closed.
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards;
  std::vector<std::thread> threads;
  for (auto& shard : impl->shards) {
    guards.push_back(asio::make_work_guard(*shard));
    threads.emplace_back([context = shard.get(), impl] {
      core::NameThisThread("http-io");
      if (impl->on_io_thread_start) impl->on_io_thread_start();
      context->run();
    });
  }
  if (impl->on_io_thread_start) impl->on_io_thread_start();
  impl->ioc.run();
  guards.clear();
  for (auto& t : threads) t.join();
}

void Server::OnIoThreadStart(std::function<void()> hook) { impl_->on_io_thread_start = std::move(hook); }

void Server::Stop() {
  Impl* impl = impl_.get();
  asio::post(impl->ioc, [impl] { impl->BeginShutdown(); });
}

std::size_t Server::ActiveConnections() const { return impl_->active.load(); }

}  // namespace emporium::http
