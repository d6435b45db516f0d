// The Engine.IO v4 and Socket.IO v5 wire formats: encoding, payload splitting, binary
// placeholders, and malformed input rejected without throwing.

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "http/engineio_codec.hpp"
#include "http/socketio_codec.hpp"

namespace emporium::http {
namespace {

namespace json = boost::json;
using engineio::Packet;
using EioType = engineio::PacketType;
using SioType = socketio::PacketType;

// ---- Engine.IO -------------------------------------------------------------------------------

TEST(SocketIoEngineCodec, DecodesTextPacketsByTypeDigit) {
  auto ping = engineio::DecodeText("2");
  ASSERT_TRUE(ping);
  EXPECT_EQ(ping->type, EioType::kPing);
  EXPECT_EQ(ping->data, "");
  auto probe = engineio::DecodeText("2probe");
  ASSERT_TRUE(probe);
  EXPECT_EQ(probe->data, "probe");
  auto message = engineio::DecodeText("42[\"x\"]");
  ASSERT_TRUE(message);
  EXPECT_EQ(message->type, EioType::kMessage);
  EXPECT_EQ(message->data, "2[\"x\"]");
}

TEST(SocketIoEngineCodec, RejectsEmptyAndUnknownTypes) {
  EXPECT_FALSE(engineio::DecodeText(""));
  EXPECT_FALSE(engineio::DecodeText("7"));
  EXPECT_FALSE(engineio::DecodeText("x"));
  EXPECT_FALSE(engineio::DecodeText(std::string_view("\0", 1)));
}

TEST(SocketIoEngineCodec, PayloadJoinsWithRecordSeparatorAndBase64ForBinary) {
  const std::vector<Packet> packets = {Packet::Text(EioType::kMessage, "hello"), Packet::Text(EioType::kPing),
                                       Packet::Binary(std::string("\x01\x02\x03\x04", 4))};
  const std::string body = engineio::EncodePayload(packets);
  EXPECT_EQ(body, "4hello\x1e" "2\x1e" "bAQIDBA==");
  auto back = engineio::DecodePayload(body);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, packets);
}

TEST(SocketIoEngineCodec, PayloadWithOneMalformedRecordIsRejectedWhole) {
  EXPECT_FALSE(engineio::DecodePayload("4ok\x1e"));          // empty record
  EXPECT_FALSE(engineio::DecodePayload("4ok\x1e" "9bad"));   // unknown type
  EXPECT_FALSE(engineio::DecodePayload("b!!!!"));            // not base64
  EXPECT_FALSE(engineio::DecodePayload(""));
}

TEST(SocketIoEngineCodec, Base64RoundTripsEveryLengthAndRejectsNonCanonicalInput) {
  std::string bytes;
  for (int i = 0; i < 20; ++i) {
    auto decoded = engineio::Base64Decode(engineio::Base64Encode(bytes));
    ASSERT_TRUE(decoded);
    EXPECT_EQ(*decoded, bytes);
    bytes += static_cast<char>(i * 37);
  }
  EXPECT_EQ(engineio::Base64Encode("foob"), "Zm9vYg==");
  EXPECT_FALSE(engineio::Base64Decode("Zm9vYg="));   // length not a multiple of 4
  EXPECT_FALSE(engineio::Base64Decode("Zm=vYg=="));  // padding in the middle
  EXPECT_FALSE(engineio::Base64Decode("Zm9v===="));
}

TEST(SocketIoEngineCodec, ParsesTheHandshakeQuery) {
  auto q = engineio::ParseQuery("EIO=4&transport=polling&t=Nx1&sid=abc-_&access_token=a%2Bb%3D");
  EXPECT_EQ(q.eio, "4");
  EXPECT_EQ(q.transport, "polling");
  EXPECT_EQ(q.sid, "abc-_");
  EXPECT_EQ(q.access_token, "a+b=");
  auto odd = engineio::ParseQuery("EIO&&transport=%zz&=x");
  EXPECT_EQ(odd.eio, "");
  EXPECT_EQ(odd.transport, "%zz");
}

TEST(SocketIoEngineCodec, ErrorBodiesUseTheReferenceWording) {
  EXPECT_EQ(engineio::ErrorBody(engineio::ErrorCode::kUnknownSid), R"({"code":1,"message":"Session ID unknown"})");
  EXPECT_EQ(engineio::ErrorBody(engineio::ErrorCode::kUnknownTransport), R"({"code":0,"message":"Transport unknown"})");
}

// ---- Socket.IO -------------------------------------------------------------------------------

socketio::Packet Decode(std::string_view text) {
  std::size_t attachments = 0;
  auto p = socketio::DecodeText(text, &attachments);
  EXPECT_TRUE(p) << text;
  return p ? std::move(*p) : socketio::Packet{};
}

bool Rejected(std::string_view text) {
  std::size_t attachments = 0;
  return !socketio::DecodeText(text, &attachments);
}

TEST(SocketIoPacketCodec, DecodesNamespaceAckIdAndPayload) {
  auto connect = Decode("0/custom,{\"token\":\"abc\"}");
  EXPECT_EQ(connect.type, SioType::kConnect);
  EXPECT_EQ(connect.nsp, "/custom");
  EXPECT_EQ(json::serialize(*connect.data), R"({"token":"abc"})");

  auto bare = Decode("0/random");  // no trailing comma: the namespace runs to the end
  EXPECT_EQ(bare.nsp, "/random");
  EXPECT_FALSE(bare.data);

  auto event = Decode("2456[\"message-with-ack\",1,\"2\"]");
  EXPECT_EQ(event.type, SioType::kEvent);
  EXPECT_EQ(event.nsp, "/");
  ASSERT_TRUE(event.id);
  EXPECT_EQ(*event.id, 456);

  auto disconnect = Decode("1/admin,");
  EXPECT_EQ(disconnect.type, SioType::kDisconnect);
  EXPECT_EQ(disconnect.nsp, "/admin");
}

TEST(SocketIoPacketCodec, EncodesLikeTheReferenceParser) {
  socketio::Packet ack{SioType::kAck, "/", 456, json::parse(R"([1,"2",{"3":[false]}])"), {}};
  EXPECT_EQ(socketio::Encode(ack), R"(3456[1,"2",{"3":[false]}])");
  socketio::Packet error{SioType::kConnectError, "/random", std::nullopt,
                         json::parse(R"({"message":"Invalid namespace"})"), {}};
  EXPECT_EQ(socketio::Encode(error), R"(4/random,{"message":"Invalid namespace"})");
  socketio::Packet binary{SioType::kBinaryEvent, "/", std::nullopt,
                          json::parse(R"(["file",{"_placeholder":true,"num":0}])"), {"\x01"}};
  EXPECT_EQ(socketio::Encode(binary), R"(51-["file",{"_placeholder":true,"num":0}])");
}

TEST(SocketIoPacketCodec, RejectsWhatTheReferenceParserRejects) {
  EXPECT_TRUE(Rejected(""));
  EXPECT_TRUE(Rejected("abc"));                        // unknown packet type
  EXPECT_TRUE(Rejected("7"));
  EXPECT_TRUE(Rejected("2{}"));                        // an event must be an array
  EXPECT_TRUE(Rejected("2[]"));                        // ... with a name
  EXPECT_TRUE(Rejected("2[{}]"));
  EXPECT_TRUE(Rejected("2[\"connect\"]"));             // reserved event name
  EXPECT_TRUE(Rejected("2abc[\"x\"]"));                // ack id that is not a number
  EXPECT_TRUE(Rejected("2[\"x\""));                    // truncated JSON
  EXPECT_TRUE(Rejected("0[1]"));                       // CONNECT payload must be an object
  EXPECT_TRUE(Rejected("1{}"));                        // DISCONNECT has no payload
  EXPECT_TRUE(Rejected("21234567890123456[\"x\"]"));  // ack id beyond a safe integer
  EXPECT_TRUE(Rejected("5[\"x\"]"));                   // binary packet without an attachment count
  EXPECT_TRUE(Rejected("5a-[\"x\"]"));
  EXPECT_TRUE(Rejected("5999-[\"x\"]"));               // more attachments than allowed
}

TEST(SocketIoPacketCodec, PlaceholdersMustPointAtDeclaredAttachments) {
  EXPECT_TRUE(Rejected(R"(51-["x",{"_placeholder":true,"num":1}])"));
  EXPECT_TRUE(Rejected(R"(51-["x",{"_placeholder":true,"num":-1}])"));
  EXPECT_TRUE(Rejected(R"(51-["x",{"_placeholder":true,"num":"0"}])"));
  EXPECT_FALSE(Rejected(R"(52-["x",{"a":[{"_placeholder":true,"num":1}]},{"_placeholder":true,"num":0}])"));
}

TEST(SocketIoPacketCodec, DecoderReassemblesBinaryPackets) {
  socketio::Decoder decoder;
  auto header = decoder.AddText(R"(52-789["message-with-ack",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}])");
  ASSERT_TRUE(header);
  EXPECT_FALSE(*header);
  EXPECT_TRUE(decoder.AwaitingAttachments());
  auto first = decoder.AddBinary(std::string("\x01\x02\x03", 3));
  ASSERT_TRUE(first);
  EXPECT_FALSE(*first);
  auto done = decoder.AddBinary(std::string("\x04\x05\x06", 3));
  ASSERT_TRUE(done);
  ASSERT_TRUE(*done);
  EXPECT_EQ((*done)->type, SioType::kBinaryEvent);
  EXPECT_EQ(*(*done)->id, 789);
  ASSERT_EQ((*done)->attachments.size(), 2u);
  EXPECT_EQ((*done)->attachments[1], std::string("\x04\x05\x06", 3));
  EXPECT_FALSE(decoder.AwaitingAttachments());
}

TEST(SocketIoPacketCodec, DecoderRejectsOutOfOrderBinary) {
  socketio::Decoder decoder;
  EXPECT_FALSE(decoder.AddBinary("stray"));
  ASSERT_TRUE(decoder.AddText(R"(51-["x",{"_placeholder":true,"num":0}])"));
  EXPECT_FALSE(decoder.AddText(R"(2["y"])"));  // text while an attachment is due
}

}  // namespace
}  // namespace emporium::http
