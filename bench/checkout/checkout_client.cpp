// Checkout throughput client (docs/benchmarks.md): N concurrent customers, each looping "3 cart
// lines → POST /orders (simulated payment, pm_card_visa)" over its own keep-alive connection for a
// fixed time. Prints one JSON object: orders/s, POST /orders latency percentiles, the SQL
// statements of one order (X-Sql-Statements, outside production), the errors, and the jobs
// (receipts) still waiting when the load stops with the time they take to drain
// (orders_per_second_jobs_included counts that time: work the orders caused is paid for).
//
//   checkout_client <base-url> <admin-token> [customers=32] [seconds=20]
//
// The customers bench-customer-<n>@example.com (password bench-password-2026) must exist:
// bench/checkout.sh creates them. One thread, Asio coroutines: 0.12 cores at 2,000 requests/s,
// where the Node client it replaced needed 0.28 at 1,600. On a 2-core machine the client's CPU is
// taken from the server under test.

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

struct Reply {
  unsigned status = 0;
  std::string body;
  std::string sql_statements;
};

/// One keep-alive HTTP/1.1 connection, (re)opened on demand.
class Connection {
 public:
  Connection(asio::io_context& io, tcp::endpoint endpoint, std::string host)
      : stream_(io), endpoint_(endpoint), host_(std::move(host)) {}

  asio::awaitable<Reply> Send(http::verb verb, std::string target, const std::string& token, std::string body,
                              const std::string& idempotency_key = {}) {
    if (!open_) {
      co_await stream_.async_connect(endpoint_, asio::use_awaitable);
      stream_.socket().set_option(tcp::no_delay(true));
      open_ = true;
    }
    http::request<http::string_body> req{verb, target, 11};
    req.set(http::field::host, host_);
    req.set(http::field::content_type, "application/json");
    if (!token.empty()) req.set(http::field::authorization, "Bearer " + token);
    if (!idempotency_key.empty()) req.set("Idempotency-Key", idempotency_key);
    req.body() = std::move(body);
    req.prepare_payload();
    req.keep_alive(true);
    co_await http::async_write(stream_, req, asio::use_awaitable);
    http::response<http::string_body> res;
    co_await http::async_read(stream_, buffer_, res, asio::use_awaitable);
    if (!res.keep_alive()) Close();
    co_return Reply{res.result_int(), std::move(res.body()), std::string(res["X-Sql-Statements"])};
  }

  void Close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
    open_ = false;
  }

 private:
  beast::tcp_stream stream_;
  tcp::endpoint endpoint_;
  std::string host_;
  beast::flat_buffer buffer_;
  bool open_ = false;
};

json::value Must(const Reply& r, unsigned status, const char* what) {
  if (r.status != status) {
    throw std::runtime_error(std::string(what) + ": HTTP " + std::to_string(r.status) + " " + r.body.substr(0, 300));
  }
  return r.body.empty() ? json::value() : json::parse(r.body);
}

struct Totals {
  std::vector<double> latencies_ms;  ///< of POST /orders
  long orders = 0;
  long errors = 0;
  std::optional<long> statements;
  std::string first_error;
};

struct Bench {
  asio::io_context& io;
  tcp::endpoint endpoint;
  std::string host;
  std::string admin_token;
  int customers = 32;
  int seconds = 20;
  std::vector<long long> variants;
  std::vector<std::string> tokens;
  Totals totals;
  Clock::time_point started, deadline;
};

// The request bodies are built outside the coroutines: GCC 12 cannot compile an initializer list
// of JSON objects inside one ("array used as initializer").
std::string CategoryBody(const std::string& stamp) { return json::serialize(json::object{{"name", "Bench " + stamp}}); }

std::string ProductBody(const std::string& stamp, int i, const json::value& category_id) {
  json::object variant{{"sku", "BENCH-" + stamp + "-" + std::to_string(i)},
                       {"options", json::object{{"size", "M"}}},
                       {"price", json::object{{"amount", 1000 + i * 250}, {"currency", "USD"}}},
                       {"weight_grams", 400},
                       {"stock", 100000000}};
  return json::serialize(json::object{{"name", "Bench product " + std::to_string(i) + " " + stamp},
                                      {"description", "benchmark product"},
                                      {"category_id", category_id},
                                      {"variants", json::array{variant}}});
}

std::string LoginBody(int n) {
  return json::serialize(json::object{{"email", "bench-customer-" + std::to_string(n) + "@example.com"},
                                      {"password", "bench-password-2026"}});
}

std::string CartLineBody(long long variant_id, int quantity) {
  return json::serialize(json::object{{"variant_id", variant_id}, {"quantity", quantity}});
}

std::string OrderBody() {
  return json::serialize(json::object{{"address", json::object{{"name", "Bench Customer"},
                                                               {"line1", "1 Bench Street"},
                                                               {"city", "Berlin"},
                                                               {"postal_code", "10115"},
                                                               {"country", "DE"}}},
                                      {"shipping_method", "standard"},
                                      {"payment_method_id", "pm_card_visa"}});
}

asio::awaitable<void> Setup(Bench& b) {
  Connection c(b.io, b.endpoint, b.host);
  const auto stamp = std::to_string(std::chrono::system_clock::now().time_since_epoch().count());
  const json::value category =
      Must(co_await c.Send(http::verb::post, "/api/v1/admin/categories", b.admin_token, CategoryBody(stamp)), 201,
           "category");
  for (int i = 0; i < 3; ++i) {
    const json::value p = Must(co_await c.Send(http::verb::post, "/api/v1/admin/products", b.admin_token,
                                               ProductBody(stamp, i, category.at("id"))),
                               201, "product");
    b.variants.push_back(p.at("variants").at(0).at("id").as_int64());
  }
  for (int n = 0; n < b.customers; ++n) {
    const json::value r = Must(co_await c.Send(http::verb::post, "/api/v1/auth/login", "", LoginBody(n)), 200, "login");
    b.tokens.emplace_back(r.at("access_token").as_string());
  }
}

asio::awaitable<void> Customer(Bench& b, int n) {
  Connection c(b.io, b.endpoint, b.host);
  const std::string& token = b.tokens[static_cast<std::size_t>(n)];
  const std::string order = OrderBody();
  for (long seq = 0; Clock::now() < b.deadline; ++seq) {
    try {
      for (std::size_t i = 0; i < b.variants.size(); ++i) {
        Must(co_await c.Send(http::verb::post, "/api/v1/cart/items", token,
                             CartLineBody(b.variants[i], 1 + static_cast<int>(i % 2))),
             201, "cart");
      }
      const auto t0 = Clock::now();
      const Reply r =
          co_await c.Send(http::verb::post, "/api/v1/orders", token, order,
                          "bench-" + std::to_string(::getpid()) + "-" + std::to_string(n) + "-" + std::to_string(seq));
      b.totals.latencies_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
      const json::value placed = Must(r, 201, "order");
      if (placed.at("status").as_string() != "paid") {
        throw std::runtime_error("order not paid: " + std::string(placed.at("status").as_string()));
      }
      if (!b.totals.statements && !r.sql_statements.empty()) b.totals.statements = std::stol(r.sql_statements);
      ++b.totals.orders;
    } catch (const std::exception& e) {
      ++b.totals.errors;
      if (b.totals.first_error.empty()) b.totals.first_error = e.what();
      c.Close();  // the next request starts on a fresh connection
    }
  }
}

/// Jobs due or running (the receipts not sent yet), from the admin job stats.
asio::awaitable<long> PendingJobs(Bench& b, Connection& c) {
  const json::value s =
      Must(co_await c.Send(http::verb::get, "/api/v1/admin/jobs/stats", b.admin_token, ""), 200, "job stats");
  co_return static_cast<long>(s.at("due").to_number<double>() + s.at("running").to_number<double>());
}

double Percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  const auto i = std::min(sorted.size() - 1, static_cast<std::size_t>(p / 100 * static_cast<double>(sorted.size())));
  return sorted[i];
}

asio::awaitable<void> Run(Bench& b) {
  co_await Setup(b);
  b.started = Clock::now();
  b.deadline = b.started + std::chrono::seconds(b.seconds);
  // All customers run concurrently on this thread; the last one to stop wakes this coroutine.
  int running = b.customers;
  asio::steady_timer all_done(b.io, Clock::time_point::max());
  for (int n = 0; n < b.customers; ++n) {
    asio::co_spawn(b.io, Customer(b, n), [&](std::exception_ptr) {
      if (--running == 0) all_done.cancel();
    });
  }
  beast::error_code ec;
  co_await all_done.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  const double elapsed = std::chrono::duration<double>(Clock::now() - b.started).count();

  Connection admin(b.io, b.endpoint, b.host);
  const long pending_at_end = co_await PendingJobs(b, admin);
  double drain = 0;
  for (long left = pending_at_end; left > 0 && drain < 120;) {
    asio::steady_timer pause(b.io, std::chrono::milliseconds(100));
    co_await pause.async_wait(asio::use_awaitable);
    drain = std::chrono::duration<double>(Clock::now() - b.started).count() - elapsed;
    left = co_await PendingJobs(b, admin);
  }

  auto& t = b.totals;
  std::sort(t.latencies_ms.begin(), t.latencies_ms.end());
  const double orders = static_cast<double>(t.orders);
  // Printed by hand: Boost.JSON writes doubles in exponent form (5.608E2).
  std::printf(
      "{\"client\":\"bench/checkout/checkout_client\",\"customers\":%d,\"seconds\":%.1f,\"orders\":%ld,"
      "\"orders_per_second\":%.1f,\"jobs_pending_at_end\":%ld,\"seconds_to_drain_jobs\":%.1f,"
      "\"orders_per_second_jobs_included\":%.1f,\"post_orders_ms\":{\"p50\":%.2f,\"p90\":%.2f,\"p99\":%.2f,"
      "\"max\":%.2f},\"sql_statements_per_order\":%s,\"errors\":%ld,\"first_error\":%s}\n",
      b.customers, elapsed, t.orders, orders / elapsed, pending_at_end, drain, orders / (elapsed + drain),
      Percentile(t.latencies_ms, 50), Percentile(t.latencies_ms, 90), Percentile(t.latencies_ms, 99),
      t.latencies_ms.empty() ? 0.0 : t.latencies_ms.back(),
      t.statements ? std::to_string(*t.statements).c_str() : "null", t.errors,
      t.first_error.empty() ? "null" : json::serialize(json::value(t.first_error)).c_str());
  co_return;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: checkout_client <base-url> <admin-token> [customers] [seconds]\n";
    return 2;
  }
  const std::string base = argv[1];
  const std::string prefix = "http://";
  const auto colon = base.rfind(':');
  if (base.rfind(prefix, 0) != 0 || colon == std::string::npos || colon < prefix.size()) {
    std::cerr << "base-url must look like http://127.0.0.1:8080\n";
    return 2;
  }
  asio::io_context io(1);
  Bench b{.io = io};
  const std::string host = base.substr(prefix.size(), colon - prefix.size());
  const auto port = static_cast<unsigned short>(std::stoi(base.substr(colon + 1)));
  b.endpoint = tcp::endpoint(asio::ip::make_address(host), port);
  b.host = base.substr(prefix.size());
  b.admin_token = argv[2];
  if (argc > 3) b.customers = std::max(1, std::stoi(argv[3]));
  if (argc > 4) b.seconds = std::max(1, std::stoi(argv[4]));
  int status = 0;
  asio::co_spawn(io, Run(b), [&](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      std::cerr << ex.what() << "\n";
    }
    status = 1;
  });
  io.run();
  if (status == 0 && b.totals.orders == 0 && b.totals.errors > 0) status = 1;
  return status;
}
