#include "app/ops_routes.hpp"

#include <boost/json.hpp>

#include "app/openapi.hpp"
#include "db/migrator.hpp"

namespace emporium::app {

void RegisterOpsRoutes(http::Router& router, db::Database& db, http::Metrics& metrics) {
  const http::RouteOptions probe{.inline_handler = true, .rate_limited = false};

  router.Get("/healthz", [](http::Request&) -> Result<http::Response> {
    return http::Response(200, "application/json", R"({"status":"ok"})");
  }, probe);

  router.Get("/readyz", [&db](http::Request&) -> Result<http::Response> {
    boost::json::object body;
    auto ping = db.Ping();
    auto schema = ping ? db::ReadSchemaState(db) : Result<db::SchemaState>(ping.error());
    const bool ready = schema && schema->database_version == schema->binary_version;
    body["status"] = ready ? "ready" : "not_ready";
    body["database"] = ping ? "ok" : "unreachable";
    if (schema) {
      body["schema_version"] = schema->database_version;
      body["binary_schema_version"] = schema->binary_version;
    }
    return http::Response::Json(ready ? 200 : 503, body);
  }, {.rate_limited = false});

  router.Get("/metrics", [&metrics](http::Request&) -> Result<http::Response> {
    return http::Response(200, "text/plain; version=0.0.4; charset=utf-8", metrics.Render());
  }, {.rate_limited = false});

  router.Get("/api/v1/openapi.json", [](http::Request&) -> Result<http::Response> {
    EMP_ASSIGN(std::string doc, OpenApiJson());
    http::Response res(200, "application/json", std::move(doc));
    res.Set("Cache-Control", "public, max-age=300");
    return res;
  }, {.inline_handler = true, .rate_limited = false});
}

}  // namespace emporium::app
