#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "http/ws_protocol.hpp"

namespace emporium::http::ws {
namespace {

TEST(RealtimeWsProtocol, ParsesTheClientFrames) {
  auto sub = ParseClientFrame(R"({"type":"subscribe","data":{"room":"order:17","id":"a1"}})");
  ASSERT_TRUE(sub);
  EXPECT_EQ(sub->kind, FrameKind::kSubscribe);
  EXPECT_EQ(sub->room, "order:17");
  EXPECT_EQ(sub->id, "a1");

  auto auth = ParseClientFrame(R"({"type":"auth","data":{"token":"t0k"}})");
  ASSERT_TRUE(auth);
  EXPECT_EQ(auth->kind, FrameKind::kAuth);
  EXPECT_EQ(auth->token, "t0k");
  EXPECT_TRUE(auth->id.is_null());

  auto ping = ParseClientFrame(R"({"type":"ping"})");
  ASSERT_TRUE(ping);
  EXPECT_EQ(ping->kind, FrameKind::kPing);
}

TEST(RealtimeWsProtocol, RefusesMalformedFramesWithoutThrowing) {
  for (const char* text : {"", "nope", "[]", "42", R"({"type":7})", R"({"data":{}})", "{\"type\":\"ping\"", "\xff\xfe"}) {
    auto frame = ParseClientFrame(text);
    ASSERT_FALSE(frame) << text;
    EXPECT_EQ(frame.error().code, ErrorCode::kBadRequest) << text;
  }
  auto unknown = ParseClientFrame(R"({"type":"teleport"})");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, ErrorCode::kInvalidArgument);

  auto no_room = ParseClientFrame(R"({"type":"subscribe","data":{"room":17}})");
  ASSERT_FALSE(no_room);
  EXPECT_EQ(no_room.error().fields.at(0).field, "data.room");

  auto long_room = ParseClientFrame(R"({"type":"subscribe","data":{"room":")" + std::string(200, 'x') + R"("}})");
  ASSERT_FALSE(long_room);
  EXPECT_EQ(long_room.error().code, ErrorCode::kInvalidArgument);

  auto no_token = ParseClientFrame(R"({"type":"auth","data":{"token":""}})");
  ASSERT_FALSE(no_token);
  EXPECT_EQ(no_token.error().fields.at(0).field, "data.token");
}

TEST(RealtimeWsProtocol, EchoesOnlyScalarIds) {
  EXPECT_EQ(IdOf(R"({"type":"x","data":{"id":5}})"), 5);
  EXPECT_TRUE(IdOf(R"({"type":"x","data":{"id":{"deep":[1,2,3]}}})").is_null());
  EXPECT_TRUE(IdOf("garbage").is_null());
}

TEST(RealtimeWsProtocol, FramesEventsAsTypeAndData) {
  const infra::realtime::Event event{"order:1", "order.updated", R"({"status":"paid"})"};
  const auto text = FrameText(event);
  EXPECT_EQ(text, R"({"type":"order.updated","data":{"status":"paid"}})");
  EXPECT_NO_THROW(boost::json::parse(text));
}

TEST(RealtimeWsProtocol, ErrorRepliesCarryCodeRoomAndId) {
  const auto reply = ErrorReply(Error::Forbidden("Not yours."), boost::json::value("q1"), "order:9");
  EXPECT_EQ(reply->type, "error");
  const auto data = boost::json::parse(reply->data).as_object();
  EXPECT_EQ(data.at("code"), "forbidden");
  EXPECT_EQ(data.at("room"), "order:9");
  EXPECT_EQ(data.at("id"), "q1");

  const auto internal = ErrorReply(Error::Internal("db exploded at 10.0.0.3"), nullptr);
  EXPECT_EQ(boost::json::parse(internal->data).at("message"), "An internal error occurred.");
}

TEST(RealtimeWsProtocol, ReadsTheTokenFromTheHeaderOrTheQuery) {
  Request req;
  req.headers.push_back({"authorization", "bearer   abc.def.ghi "});
  EXPECT_EQ(TokenFrom(req), "abc.def.ghi");

  Request query;
  query.query_string = "x=1&access_token=abc%2Edef";
  EXPECT_EQ(TokenFrom(query), "abc.def");

  Request none;
  none.headers.push_back({"Authorization", "Basic dXNlcjpwYXNz"});
  none.query_string = "access_token=";
  EXPECT_FALSE(TokenFrom(none));
}

}  // namespace
}  // namespace emporium::http::ws
