#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "http/validation.hpp"

namespace emporium::http {
namespace {

JsonInput Input(std::string_view json_text) { return JsonInput(boost::json::parse(json_text).as_object()); }

std::vector<FieldError> Errors(const JsonInput& in) {
  auto status = in.Finish();
  if (status) return {};
  return status.error().fields;
}

TEST(JsonInput, FromRejectsMalformedJsonWith400) {
  Request req;
  req.body = "{\"a\": tru";
  auto in = JsonInput::From(req);
  ASSERT_FALSE(in);
  EXPECT_EQ(in.error().code, ErrorCode::kBadRequest);
}

TEST(JsonInput, FromRejectsEmptyBodyWith400) {
  Request req;
  req.body = "  \n";
  auto in = JsonInput::From(req);
  ASSERT_FALSE(in);
  EXPECT_EQ(in.error().code, ErrorCode::kBadRequest);
}

TEST(JsonInput, FromRejectsNonObjectWith422) {
  Request req;
  req.body = "\"just a string\"";
  auto in = JsonInput::From(req);
  ASSERT_FALSE(in);
  EXPECT_EQ(in.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(in.error().fields.at(0).field, "body");
}

TEST(JsonInput, StringIsTrimmedAndLengthCheckedInCodePoints) {
  auto in = Input(R"({"name":"  Zoë  ","short":"ab","long":"abcdef"})");
  EXPECT_EQ(in.String("name", {.min = 3, .max = 3}), "Zoë");
  EXPECT_FALSE(in.String("short", {.min = 3}));
  EXPECT_FALSE(in.String("long", {.max = 5}));
  auto errors = Errors(in);
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0], (FieldError{"short", "must be at least 3 characters"}));
  EXPECT_EQ(errors[1], (FieldError{"long", "must be at most 5 characters"}));
}

TEST(JsonInput, RequiredStringMissingOrBlankFails) {
  auto in = Input(R"({"blank":"   "})");
  EXPECT_FALSE(in.String("missing", {.required = true}));
  EXPECT_FALSE(in.String("blank", {.required = true}));
  auto errors = Errors(in);
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0].message, "is required");
  EXPECT_EQ(errors[1].message, "is required");
}

TEST(JsonInput, OptionalStringMayBeAbsent) {
  auto in = Input("{}");
  EXPECT_FALSE(in.String("nickname"));
  EXPECT_TRUE(in.ok());
}

TEST(JsonInput, WrongTypeIsReportedNot500) {
  auto in = Input(R"({"name":42,"age":"old","ok":"yes","price":"1.5"})");
  EXPECT_FALSE(in.String("name"));
  EXPECT_FALSE(in.Int("age"));
  EXPECT_FALSE(in.Bool("ok"));
  EXPECT_FALSE(in.Number("price"));
  auto errors = Errors(in);
  ASSERT_EQ(errors.size(), 4u);
  EXPECT_EQ(errors[0].message, "must be a string");
  EXPECT_EQ(errors[1].message, "must be an integer");
  EXPECT_EQ(errors[2].message, "must be true or false");
  EXPECT_EQ(errors[3].message, "must be a number");
}

TEST(JsonInput, NullClearsOnlyWhenAllowed) {
  auto in = Input(R"({"phone":null})");
  EXPECT_TRUE(in.IsNull("phone"));
  EXPECT_EQ(in.String("phone", {.allow_null = true}), "");
  EXPECT_FALSE(in.String("phone"));
  EXPECT_TRUE(in.ok());
}

TEST(JsonInput, IntegerAcceptsWholeNumbersAndChecksRange) {
  auto in = Input(R"({"a":5,"b":5.0,"c":5.5,"d":-1,"e":18446744073709551615})");
  EXPECT_EQ(in.Int("a"), 5);
  EXPECT_EQ(in.Int("b"), 5);
  EXPECT_FALSE(in.Int("c"));
  EXPECT_FALSE(in.Int("d", {.min = 0}));
  EXPECT_FALSE(in.Int("e"));
  auto errors = Errors(in);
  ASSERT_EQ(errors.size(), 3u);
  EXPECT_EQ(errors[0].field, "c");
  EXPECT_EQ(errors[1].field, "d");
  EXPECT_EQ(errors[2].field, "e");
}

TEST(JsonInput, NumberChecksRange) {
  auto in = Input(R"({"lat":48.85,"lng":200})");
  EXPECT_DOUBLE_EQ(*in.Number("lat", {.min = -90, .max = 90}), 48.85);
  EXPECT_FALSE(in.Number("lng", {.min = -180, .max = 180}));
  EXPECT_EQ(Errors(in).size(), 1u);
}

TEST(JsonInput, EmailIsNormalisedAndValidated) {
  auto in = Input(R"({"good":" Ann.Lee@Example.COM ","bad":"ann@","worse":"a b@c.d","two":"a@b@c.de"})");
  EXPECT_EQ(in.Email("good"), "ann.lee@example.com");
  EXPECT_FALSE(in.Email("bad"));
  EXPECT_FALSE(in.Email("worse"));
  EXPECT_FALSE(in.Email("two"));
  EXPECT_EQ(Errors(in).size(), 3u);
}

TEST(JsonInput, EnumAcceptsOnlyListedValues) {
  auto in = Input(R"({"shipping":"express","sort":"random"})");
  EXPECT_EQ(in.Enum("shipping", {"standard", "express"}), "express");
  EXPECT_FALSE(in.Enum("sort", {"newest", "price_asc"}));
  auto errors = Errors(in);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].message, "must be one of: newest, price_asc");
}

TEST(JsonInput, AllowOnlyRejectsUnknownFields) {
  auto in = Input(R"({"first_name":"A","role":"admin"})");
  in.AllowOnly({"first_name", "last_name"});
  auto errors = Errors(in);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0], (FieldError{"role", "is not a known field"}));
}

TEST(JsonInput, RejectsInvalidUtf8AndNul) {
  boost::json::object o;
  o["bad"] = std::string("\xC3\x28", 2);
  o["nul"] = std::string("a\0b", 3);
  JsonInput in(std::move(o));
  EXPECT_FALSE(in.String("bad"));
  EXPECT_FALSE(in.String("nul"));
  auto errors = Errors(in);
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0].message, "must be valid UTF-8");
  EXPECT_EQ(errors[1].message, "must not contain NUL characters");
}

TEST(JsonInput, FinishIs422WithEveryField) {
  auto in = Input("{}");
  in.String("a", {.required = true});
  in.Int("b", {.required = true});
  auto status = in.Finish();
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(status.error().fields.size(), 2u);
}

TEST(Utf8Length, CountsCodePoints) {
  EXPECT_EQ(Utf8Length("abc"), 3u);
  EXPECT_EQ(Utf8Length("Zoë"), 3u);
  EXPECT_EQ(Utf8Length("日本"), 2u);
  EXPECT_EQ(Utf8Length("\xF0\x9F\x98\x80"), 1u);
  EXPECT_FALSE(Utf8Length("\xFF"));
  EXPECT_FALSE(Utf8Length("\xE6\x97"));
}

TEST(Utf8Length, RejectsOverlongSurrogatesAndOutOfRangeCodePoints) {
  EXPECT_FALSE(Utf8Length("\xC0\xAF")) << "overlong '/'";
  EXPECT_FALSE(Utf8Length("\xE0\x80\xAF")) << "overlong 3-byte";
  EXPECT_FALSE(Utf8Length("\xED\xA0\x80")) << "UTF-16 surrogate";
  EXPECT_FALSE(Utf8Length("\xF4\xB2\xB2\xB2")) << "above U+10FFFF (found by the fuzzer)";
  EXPECT_FALSE(Utf8Length("\xF5\x80\x80\x80"));
  EXPECT_EQ(Utf8Length("\xF4\x8F\xBF\xBF"), 1u) << "U+10FFFF itself is fine";
}

Request WithQuery(std::string query) {
  Request req;
  req.query_string = std::move(query);
  return req;
}

TEST(QueryInput, ParsesIntsAndChecksRange) {
  auto req = WithQuery("limit=20&offset=abc&page=0");
  QueryInput q(req);
  EXPECT_EQ(q.Int("limit", {.min = 1, .max = 100}), 20);
  EXPECT_FALSE(q.Int("offset"));
  EXPECT_FALSE(q.Int("page", {.min = 1}));
  EXPECT_FALSE(q.Int("absent"));
  auto status = q.Finish();
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code, ErrorCode::kInvalidArgument);
  ASSERT_EQ(status.error().fields.size(), 2u);
  EXPECT_EQ(status.error().fields[0], (FieldError{"offset", "must be an integer"}));
  EXPECT_EQ(status.error().fields[1].field, "page");
}

TEST(QueryInput, DecodesStrings) {
  auto req = WithQuery("q=blue+shirt%21");
  QueryInput q(req);
  EXPECT_EQ(q.String("q", {.max = 50}), "blue shirt!");
  EXPECT_TRUE(q.Finish());
}

TEST(QueryInput, RequiredParameterMissing) {
  auto req = WithQuery("");
  QueryInput q(req);
  EXPECT_FALSE(q.String("q", {.required = true}));
  EXPECT_FALSE(q.Int("limit", {.required = true}));
  EXPECT_EQ(q.Finish().error().fields.size(), 2u);
}

TEST(QueryInput, ParsesBooleans) {
  auto req = WithQuery("a=true&b=0&c=maybe");
  QueryInput q(req);
  EXPECT_EQ(q.Bool("a"), true);
  EXPECT_EQ(q.Bool("b"), false);
  EXPECT_FALSE(q.Bool("c"));
  EXPECT_FALSE(q.Bool("d"));
  EXPECT_EQ(q.Finish().error().fields.size(), 1u);
}

}  // namespace
}  // namespace emporium::http
