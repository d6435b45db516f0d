#include "core/problem.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace emporium::core {
namespace {

TEST(Problem, ValidationErrorListsEveryField) {
  Error e{ErrorCode::kInvalidArgument, "The request has invalid fields."};
  e.fields = {{"email", "is required"}, {"password", "must be at least 10 characters"}};
  auto body = boost::json::parse(ProblemJson(e, "/api/v1/auth/register", "req-1")).as_object();
  EXPECT_EQ(body["status"].as_int64(), 422);
  EXPECT_EQ(body["type"].as_string(), "https://emporium.dev/problems/invalid_argument");
  EXPECT_EQ(body["instance"].as_string(), "/api/v1/auth/register");
  EXPECT_EQ(body["request_id"].as_string(), "req-1");
  ASSERT_EQ(body["errors"].as_array().size(), 2u);
  EXPECT_EQ(body["errors"].as_array()[1].as_object()["field"].as_string(), "password");
}

TEST(Problem, InternalErrorsNeverLeakTheirMessage) {
  auto body = boost::json::parse(ProblemJson(Error::Internal("SQLITE_CORRUPT at table users"), "/x", "")).as_object();
  EXPECT_EQ(body["status"].as_int64(), 500);
  EXPECT_EQ(body["detail"].as_string(), "An internal error occurred.");
}

TEST(Problem, EveryCodeMapsToAClientOrServerStatus) {
  EXPECT_EQ(HttpStatus(ErrorCode::kBadRequest), 400);
  EXPECT_EQ(HttpStatus(ErrorCode::kUnauthorized), 401);
  EXPECT_EQ(HttpStatus(ErrorCode::kPaymentDeclined), 402);
  EXPECT_EQ(HttpStatus(ErrorCode::kForbidden), 403);
  EXPECT_EQ(HttpStatus(ErrorCode::kNotFound), 404);
  EXPECT_EQ(HttpStatus(ErrorCode::kConflict), 409);
  EXPECT_EQ(HttpStatus(ErrorCode::kInsufficientStock), 409);
  EXPECT_EQ(HttpStatus(ErrorCode::kPayloadTooLarge), 413);
  EXPECT_EQ(HttpStatus(ErrorCode::kRateLimited), 429);
  EXPECT_EQ(HttpStatus(ErrorCode::kUnavailable), 503);
}

}  // namespace
}  // namespace emporium::core
