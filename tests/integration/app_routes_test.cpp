#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>

#include "app/app.hpp"
#include "app/openapi.hpp"
#include "core/crypto.hpp"
#include "http/router.hpp"

namespace emporium::app {
namespace {

std::string ToLower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Every route the app registers must be described in docs/openapi.yaml (served at /api/v1/openapi.json).
TEST(AppRoutes, EveryRouteIsDocumentedInOpenApi) {
  core::InitCrypto();
  auto dir = std::filesystem::temp_directory_path() / ("emporium-app-" + core::RandomToken(6));
  std::filesystem::create_directories(dir);
  core::Config config;
  config.data_dir = dir.string();
  config.database_url = "sqlite://" + (dir / "app.db").string();
  auto app = App::Create(config);
  ASSERT_TRUE(app) << app.error().message;

  auto doc = boost::json::parse(*OpenApiJson()).as_object();
  const auto& paths = doc["paths"].as_object();
  int checked = 0;
  for (const auto& route : (*app)->router().routes()) {
    const auto* item = paths.if_contains(route->pattern);
    ASSERT_NE(item, nullptr) << route->pattern << " is not in docs/openapi.yaml";
    const auto method = ToLower(std::string(http::MethodName(route->method)));
    EXPECT_TRUE(item->as_object().contains(method)) << http::MethodName(route->method) << " " << route->pattern
                                                    << " is not in docs/openapi.yaml";
    ++checked;
  }
  EXPECT_GT(checked, 20);
  app->reset();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace emporium::app
