// A number beyond double's range in client input is refused by every parser of client JSON: read
// as infinity, Boost.JSON would write it back as `Infinity`, which no JSON reader accepts (found by
// realtime_fuzzer: the Socket.IO event `2[5E846]` did not survive a decode/encode/decode round trip).

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "core/json_input.hpp"
#include "http/request.hpp"
#include "http/socketio_codec.hpp"
#include "http/ws_protocol.hpp"

namespace emporium {
namespace {

TEST(ClientJson, NonFiniteNumbersAreMalformed) {
  for (const char* text : {"1e999", "[5E846]", "-1e400", R"({"a":{"b":[1,2,1E309]}})"}) {
    boost::system::error_code ec;
    core::ParseClientJson(text, ec);
    EXPECT_TRUE(ec) << text;
  }
  for (const char* text : {"1.7976931348623157e308", "[0.5, -2, 1e-400]", R"({"big":18446744073709551615})"}) {
    boost::system::error_code ec;
    auto v = core::ParseClientJson(text, ec);
    EXPECT_FALSE(ec) << text;
    // What is accepted is written back as JSON that parses again.
    boost::system::error_code again;
    boost::json::parse(boost::json::serialize(v), again);
    EXPECT_FALSE(again) << boost::json::serialize(v);
  }
}

TEST(ClientJson, HttpBodiesSocketIoPacketsAndWsFramesRefuseThem) {
  http::Request req;
  req.body = R"({"price": 1e999})";
  auto body = req.JsonBody();
  ASSERT_FALSE(body);
  EXPECT_EQ(body.error().code, ErrorCode::kBadRequest);

  std::size_t attachments = 0;
  EXPECT_FALSE(http::socketio::DecodeText("2[5E846]", &attachments));
  EXPECT_TRUE(http::socketio::DecodeText("2[\"e\",5e300]", &attachments));

  EXPECT_FALSE(http::ws::ParseClientFrame(R"({"type":"subscribe","data":{"room":"order:1","id":1e999}})"));
}

}  // namespace
}  // namespace emporium
