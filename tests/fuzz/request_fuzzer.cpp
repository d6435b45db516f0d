// libFuzzer target: request parsing + routing + JSON validation, i.e. everything a client's bytes
// reach before a repository. The input is a request in a loose HTTP shape:
//
//   METHOD TARGET\n
//   Name: value\n        (any number of header lines)
//   \n
//   body
//
// It is turned into an http::Request the way the server does (target split and path decoding),
// then run through a Dispatcher whose routes validate JSON bodies and query strings. Beyond crashes
// and sanitizer reports, the invariants below abort: every answer is a complete response, errors
// are well-formed problem+json, and nothing is ever a 500 except the route that throws on purpose.

#include <boost/json.hpp>
#include <boost/url/pct_string_view.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "core/config.hpp"
#include "core/log.hpp"
#include "core/rate_limiter.hpp"
#include "http/dispatcher.hpp"
#include "http/metrics.hpp"
#include "http/response_cache.hpp"
#include "http/router.hpp"
#include "http/validation.hpp"

namespace {

using namespace emporium;
using namespace emporium::http;

class FuzzAuthenticator final : public Authenticator {
 public:
  Result<Principal> Authenticate(std::string_view token) override {
    if (token == "customer") return Principal{.user_id = 2, .role = Role::kCustomer};
    if (token == "admin") return Principal{.user_id = 1, .role = Role::kAdmin};
    return Error::Unauthorized("The access token is invalid or expired.");
  }
};

Result<Response> CreateProduct(Request& req) {
  EMP_ASSIGN(auto in, JsonInput::From(req));
  in.AllowOnly({"name", "slug", "price", "weight", "active", "email", "status", "variants", "note"});
  auto name = in.String("name", {.required = true, .min = 1, .max = 200});
  auto slug = in.String("slug", {.max = 64, .allow_null = true});
  auto price = in.Int("price", {.required = true, .min = 0, .max = 100'000'000});
  auto weight = in.Number("weight", {.min = 0, .max = 1e6});
  auto active = in.Bool("active");
  auto email = in.Email("email");
  auto status = in.Enum("status", {"draft", "active", "archived"});
  if (const auto* variants = in.object().if_contains("variants")) {
    if (!variants->is_array()) {
      in.Fail("variants", "must be an array");
    } else {
      int index = 0;
      for (const auto& v : variants->as_array()) {
        const std::string prefix = "variants[" + std::to_string(index++) + "]";
        if (!v.is_object()) {
          in.Fail(prefix, "must be an object");
          continue;
        }
        JsonInput variant(v.as_object());
        variant.String("sku", {.required = true, .max = 64});
        variant.Int("stock", {.min = 0});
        if (auto nested = variant.Finish(); !nested) {
          for (const auto& f : nested.error().fields) in.Fail(prefix + "." + f.field, f.message);
        }
      }
    }
  }
  EMP_TRY(in.Finish());
  boost::json::object out{{"name", *name}, {"price", *price}};
  if (slug) out["slug"] = *slug;
  if (weight) out["weight"] = *weight;
  if (active) out["active"] = *active;
  if (email) out["email"] = *email;
  if (status) out["status"] = *status;
  return Response::Json(201, out);
}

Result<Response> GetProduct(Request& req) {
  EMP_ASSIGN(auto id, req.IdParam("id"));
  QueryInput q(req);
  auto limit = q.Int("limit", {.min = 1, .max = 100});
  auto search = q.String("q", {.max = 100});
  auto in_stock = q.Bool("in_stock");
  EMP_TRY(q.Finish());
  return Response::Json(200, boost::json::object{{"id", id},
                                                 {"limit", limit ? *limit : 20},
                                                 {"q", search ? *search : ""},
                                                 {"in_stock", in_stock.value_or(false)}});
}

Result<Response> PatchMe(Request& req) {
  EMP_ASSIGN(auto in, JsonInput::From(req));
  in.AllowOnly({"first_name", "last_name", "phone", "birthday"});
  in.String("first_name", {.min = 1, .max = 100});
  in.String("last_name", {.min = 1, .max = 100});
  in.String("phone", {.max = 32, .allow_null = true});
  in.String("birthday", {.max = 10, .allow_null = true});
  EMP_TRY(in.Finish());
  return Response::NoContent();
}

struct World {
  World() : clock(1'760'000'000), limiter(core::MakeMemoryRateLimiter(clock)) {
    core::InitLogging("off", "json");
    config.environment = "test";
    config.cors_origins = {"https://shop.example"};
    config.rate_limit_ip_per_minute = 600;
    config.rate_limit_ip_burst = 1'000'000;  // never trips: the fuzzer should explore, not hit 429
    config.rate_limit_user_per_minute = 600;
    config.rate_limit_user_burst = 1'000'000;
    router.Post("/api/v1/products", CreateProduct);
    // Cached like the real catalog route: the cache key is built from the raw path and query.
    router.Get("/api/v1/products/{id}", GetProduct, {.cache = &cache});
    router.Patch("/api/v1/me", PatchMe, RouteOptions::User());
    router.Get("/api/v1/admin/users/{id}", GetProduct, RouteOptions::Roles({Role::kAdmin}));
    router.Get("/boom", [](Request&) -> Result<Response> { throw std::runtime_error("intentional"); });
    dispatcher = std::make_unique<Dispatcher>(router, config, clock, limiter.get(), &metrics);
    dispatcher->SetAuthenticator(&auth);
  }

  core::Config config;
  core::ManualClock clock;
  std::unique_ptr<core::RateLimiter> limiter;
  ResponseCache cache{clock, {.ttl = std::chrono::milliseconds(1000), .max_entries = 4096}};
  Metrics metrics;
  Router router;
  FuzzAuthenticator auth;
  std::unique_ptr<Dispatcher> dispatcher;
};

World& TheWorld() {
  static World world;
  return world;
}

void Check(bool condition) {
  if (!condition) std::abort();
}

/// The server's target handling: origin-form only, percent-decoded path, raw query.
bool ParseTarget(Request& req) {
  const std::string& target = req.target;
  if (target.empty() || target.front() != '/' || target.find('\0') != std::string::npos) return false;
  const auto q = target.find('?');
  auto pct = boost::urls::make_pct_string_view(std::string_view(target).substr(0, q));
  if (!pct) return false;
  req.path = pct->decode();
  if (req.path.find('\0') != std::string::npos) return false;
  req.query_string = q == std::string::npos ? std::string() : target.substr(q + 1);
  return true;
}

Request BuildRequest(std::string_view input) {
  Request req;
  req.remote_ip = "192.0.2.1";
  std::size_t split = input.find("\n\n");
  std::size_t body_at = split == std::string_view::npos ? input.size() : split + 2;
  if (auto crlf = input.find("\r\n\r\n"); crlf != std::string_view::npos && crlf < split) {
    split = crlf;
    body_at = crlf + 4;
  }
  std::string_view head = input.substr(0, std::min(split, input.size()));
  req.body = std::string(input.substr(std::min(body_at, input.size())));

  bool first = true;
  while (!head.empty()) {
    const auto nl = head.find('\n');
    std::string_view line = head.substr(0, nl);
    head = nl == std::string_view::npos ? std::string_view() : head.substr(nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (first) {
      first = false;
      const auto space = line.find(' ');
      req.method = ParseMethod(line.substr(0, space));
      req.target = space == std::string_view::npos ? std::string() : std::string(line.substr(space + 1));
      continue;
    }
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    req.headers.push_back({std::string(line.substr(0, colon)), std::string(value)});
  }
  return req;
}

void CheckResponse(const Request& req, const Response& res) {
  Check(res.status >= 100 && res.status <= 599);
  Check(res.Get("X-Request-Id").has_value());
  Check(res.Get("X-Content-Type-Options") == "nosniff");
  if (res.status >= 500) Check(req.route == "/boom");
  const auto type = res.Get("Content-Type");
  if (res.status >= 400) Check(type == "application/problem+json");
  if (type == "application/problem+json" || type == "application/json") {
    boost::system::error_code ec;
    auto v = boost::json::parse(res.body, ec);
    Check(!ec);
    if (type == "application/problem+json") {
      Check(v.is_object() && v.as_object().contains("type") && v.as_object().contains("title"));
      Check(v.as_object().at("status").as_int64() == res.status);
    }
  }
  if (res.status == 204) Check(res.body.empty());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  World& world = TheWorld();
  Request req = BuildRequest(std::string_view(reinterpret_cast<const char*>(data), size));
  if (ParseTarget(req)) {
    // What the server does: the io thread's answer (inline route or cache hit), else the worker's.
    (void)world.dispatcher->IsInline(req);
    Request again = req;
    auto inline_res = world.dispatcher->TryHandleInline(req);
    const Response res = inline_res ? std::move(*inline_res) : world.dispatcher->Handle(req);
    CheckResponse(req, res);
    // A request answered 200 from a cacheable route is answered the same way from the cache.
    if (res.status == 200 && req.route == "/api/v1/products/{id}" && !req.Header("Authorization")) {
      auto cached = world.dispatcher->TryHandleInline(again);
      Check(cached.has_value() && cached->status == 200 && cached->body == res.body);
    }
  } else {
    const Response res =
        world.dispatcher->Reject(req, Error::BadRequest("The request target must be an absolute path."));
    Check(res.status == 400);
    CheckResponse(req, res);
  }
  return 0;
}
