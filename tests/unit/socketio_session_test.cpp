// socketio::Session without sockets: client packets in, outbound Engine.IO packets out, with a
// recording hub and fake authentication. Blocking work runs inline, so every step is observable.

#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>
#include <map>
#include <set>

#include "http/socketio_session.hpp"

namespace emporium::http::socketio {
namespace {

using EioType = engineio::PacketType;
using engineio::Packet;

class FakeHub final : public infra::realtime::Hub {
 public:
  void Join(const std::string& room, const std::shared_ptr<infra::realtime::Subscriber>& s) override {
    rooms[room].insert(s.get());
    subscribers[s.get()] = s;
  }
  void Leave(const std::string& room, const infra::realtime::Subscriber* s) override { rooms[room].erase(s); }
  void LeaveAll(const infra::realtime::Subscriber* s) override {
    for (auto& [room, members] : rooms) members.erase(s);
  }
  void Publish(const std::string& room, const std::string& type, const boost::json::object& data) override {
    PublishLocal(room, type, data);
  }
  void PublishLocal(const std::string& room, const std::string& type, const boost::json::object& data) override {
    auto event = std::make_shared<infra::realtime::Event>(
        infra::realtime::Event{room, type, boost::json::serialize(data)});
    const auto members = rooms[room];  // a copy: delivering may close a session, which leaves the room
    for (const auto* member : members) {
      if (auto s = subscribers[member].lock()) s->Deliver(event);
    }
  }
  std::size_t LocalSubscribers(const std::string& room) const override {
    auto it = rooms.find(room);
    return it == rooms.end() ? 0 : it->second.size();
  }
  std::size_t LocalRooms(std::string_view) const override { return rooms.size(); }

  std::map<std::string, std::set<const infra::realtime::Subscriber*>> rooms;
  std::map<const infra::realtime::Subscriber*, std::weak_ptr<infra::realtime::Subscriber>> subscribers;
};

class FakeAuth final : public Authenticator {
 public:
  Result<Principal> Authenticate(std::string_view token) override {
    if (token == "alice") return Principal{7, Role::kCustomer, "j", 0};
    return Error::Unauthorized();
  }
};

class FakeRooms final : public RoomAuthorizer {
 public:
  Status MayJoin(const Principal& who, std::string_view room) override {
    if (room == "order:1") return OkStatus();
    if (room == "order:2") return Error::Forbidden();
    (void)who;
    return Error::NotFound();
  }
  std::vector<std::string> DefaultRooms(const Principal& who) override {
    return {"user:" + std::to_string(who.user_id)};
  }
};

class SessionTest : public ::testing::Test {
 protected:
  std::shared_ptr<Session> Make(bool conformance, std::string fallback_token = {}) {
    auto services = std::make_shared<Services>();
    services->options.socketio_conformance = conformance;
    services->options.send_queue_limit = 8;
    services->hub = &hub;
    services->auth = &auth;
    services->rooms = &rooms;
    services->run_blocking = [](std::function<void()> work) { work(); };
    auto s = std::make_shared<Session>("sid1", Transport::kPolling, std::move(fallback_token), services);
    s->SetWriterWaker([this] { ++writer_wakes; });
    s->SetOnClosed([this] { ++closed_calls; });
    return s;
  }
  static void Send(Session& s, std::string text) { s.Receive(Packet::Text(EioType::kMessage, std::move(text))); }
  /// Conformance mode: connects to "/" and drains the CONNECT reply and the "auth" greeting.
  static void Connect(Session& s) {
    Send(s, "0");
    ASSERT_EQ(Drain(s).size(), 1u);
    ASSERT_EQ(Drain(s), std::vector<std::string>{R"(42["auth",{}])"});
  }
  /// The text of every outbound packet, binary ones as "<bin:N bytes>".
  static std::vector<std::string> Drain(Session& s) {
    std::vector<std::string> out;
    for (const auto& p : s.TakeOutbound()) {
      out.push_back(p.binary ? "<bin:" + std::to_string(p.data.size()) + ">" : engineio::EncodeText(p));
    }
    return out;
  }
  static std::string Sid(const std::string& connect_reply, std::size_t prefix) {
    return connect_reply.substr(prefix + std::string(R"({"sid":")").size(), 20);
  }

  FakeHub hub;
  FakeAuth auth;
  FakeRooms rooms;
  int writer_wakes = 0;
  int closed_calls = 0;
};

TEST_F(SessionTest, OpenPayloadAdvertisesTheConfiguredTimings) {
  auto s = Make(false);
  EXPECT_EQ(s->OpenPayload(),
            R"({"sid":"sid1","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000})");
}

TEST_F(SessionTest, ConformanceConnectGreetsWithTheHandshakeAuth) {
  auto s = Make(true);
  Send(*s, R"(0/custom,{"token":"abc"})");
  auto connected = Drain(*s);
  ASSERT_EQ(connected.size(), 1u);
  EXPECT_TRUE(connected[0].starts_with(R"(40/custom,{"sid":")"));
  // The greeting leaves in the write after the CONNECT reply, like the reference server's.
  EXPECT_EQ(Drain(*s), std::vector<std::string>{R"(42/custom,["auth",{"token":"abc"}])"});
  EXPECT_TRUE(Drain(*s).empty());
  EXPECT_GT(writer_wakes, 0);
}

TEST_F(SessionTest, UnknownNamespaceGetsConnectError) {
  auto s = Make(true);
  Send(*s, "0/random");
  EXPECT_EQ(Drain(*s), std::vector<std::string>{R"(44/random,{"message":"Invalid namespace"})"});
  EXPECT_FALSE(s->closed());
}

TEST_F(SessionTest, ConformanceEchoesMessagesAndAcks) {
  auto s = Make(true);
  Connect(*s);
  Send(*s, R"(2["message",1,"2",{"3":[true]}])");
  Send(*s, R"(2456["message-with-ack",1,"2",{"3":[false]}])");
  EXPECT_EQ(Drain(*s), (std::vector<std::string>{R"(42["message-back",1,"2",{"3":[true]}])",
                                                 R"(43456[1,"2",{"3":[false]}])"}));
}

TEST_F(SessionTest, ConformanceEchoesBinaryAttachments) {
  auto s = Make(true);
  Connect(*s);
  Send(*s, R"(52-789["message-with-ack",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}])");
  s->Receive(Packet::Binary("abc"));
  EXPECT_TRUE(Drain(*s).empty());  // the packet is not complete yet
  s->Receive(Packet::Binary("defg"));
  EXPECT_EQ(Drain(*s), (std::vector<std::string>{
                           R"(462-789[{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}])", "<bin:3>",
                           "<bin:4>"}));
}

TEST_F(SessionTest, MalformedPacketClosesTheSession) {
  auto s = Make(true);
  Connect(*s);
  Send(*s, "2{}");
  EXPECT_TRUE(s->closed());
  EXPECT_EQ(closed_calls, 1);
  EXPECT_EQ(Drain(*s), std::vector<std::string>{"1"});  // a pending GET learns about it
  s->Close(CloseReason::kTransportClosed);             // closing twice is harmless
  EXPECT_EQ(closed_calls, 1);
}

TEST_F(SessionTest, ClientCloseAnswersThePendingPollWithNoop) {
  auto s = Make(true);
  s->Receive(Packet::Text(EioType::kClose));
  EXPECT_TRUE(s->closed());
  EXPECT_EQ(Drain(*s), std::vector<std::string>{"6"});
}

TEST_F(SessionTest, PingThenPongClearsTheWait) {
  auto s = Make(true);
  int heartbeat_wakes = 0;
  s->SetHeartbeatWaker([&] { ++heartbeat_wakes; });
  s->SendPing();
  EXPECT_TRUE(s->AwaitingPong());
  EXPECT_EQ(Drain(*s), std::vector<std::string>{"2"});
  s->Receive(Packet::Text(EioType::kPong));
  EXPECT_FALSE(s->AwaitingPong());
  EXPECT_EQ(heartbeat_wakes, 1);
}

TEST_F(SessionTest, ProductConnectNeedsAValidToken) {
  auto s = Make(false);
  Send(*s, "0");
  EXPECT_EQ(Drain(*s), std::vector<std::string>{R"(44{"message":"unauthorized"})"});
  Send(*s, R"(0{"token":"mallory"})");
  EXPECT_EQ(Drain(*s), std::vector<std::string>{R"(44{"message":"unauthorized"})"});
  EXPECT_FALSE(s->HasConnectedNamespace());
  Send(*s, "0/admin,");
  EXPECT_EQ(Drain(*s), std::vector<std::string>{R"(44/admin,{"message":"Invalid namespace"})"});
}

TEST_F(SessionTest, ProductConnectJoinsDefaultRoomsAndForwardsHubEvents) {
  auto s = Make(false);
  Send(*s, R"(0{"token":"alice"})");
  auto out = Drain(*s);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TRUE(out[0].starts_with(R"(40{"sid":")"));
  EXPECT_EQ(hub.LocalSubscribers("user:7"), 1u);
  hub.Publish("user:7", "order.updated", {{"order_id", 1}, {"status", "paid"}});
  EXPECT_EQ(Drain(*s), std::vector<std::string>{R"(42["order.updated",{"order_id":1,"status":"paid"}])"});
}

TEST_F(SessionTest, HandshakeTokenIsTheFallback) {
  auto s = Make(false, "alice");
  Send(*s, "0");
  auto out = Drain(*s);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TRUE(out[0].starts_with("40{"));
}

TEST_F(SessionTest, SubscribeChecksOwnershipAndAcks) {
  auto s = Make(false);
  Send(*s, R"(0{"token":"alice"})");
  Drain(*s);
  Send(*s, R"(21["subscribe",{"room":"order:1"}])");
  Send(*s, R"(22["subscribe",{"room":"order:2"}])");
  Send(*s, R"(23["subscribe",{"room":"order:3"}])");
  Send(*s, R"(24["subscribe",{}])");
  Send(*s, R"(25["dance"])");
  EXPECT_EQ(Drain(*s), (std::vector<std::string>{
                           R"(431[{"ok":true}])", R"(432[{"ok":false,"error":"forbidden"}])",
                           R"(433[{"ok":false,"error":"not_found"}])", R"(434[{"ok":false,"error":"invalid_room"}])",
                           R"(435[{"ok":false,"error":"unknown_event"}])"}));
  EXPECT_EQ(hub.LocalSubscribers("order:1"), 1u);
  EXPECT_EQ(hub.LocalSubscribers("order:2"), 0u);
  Send(*s, R"(2["unsubscribe",{"room":"order:1"}])");  // no ack asked for: none sent
  EXPECT_TRUE(Drain(*s).empty());
  EXPECT_EQ(hub.LocalSubscribers("order:1"), 0u);
}

TEST_F(SessionTest, ASlowClientIsDisconnectedWhenItsQueueIsFull) {
  auto s = Make(false);
  Send(*s, R"(0{"token":"alice"})");
  for (int i = 0; i < 20; ++i) hub.Publish("user:7", "notification", {{"n", i}});
  EXPECT_TRUE(s->closed());
  EXPECT_EQ(hub.LocalSubscribers("user:7"), 0u);
  EXPECT_LE(s->TakeOutbound().size(), 9u);  // the limit, plus the close packet
}

TEST_F(SessionTest, DisconnectLeavesTheRooms) {
  auto s = Make(false);
  Send(*s, R"(0{"token":"alice"})");
  Send(*s, "1");
  EXPECT_EQ(hub.LocalSubscribers("user:7"), 0u);
  EXPECT_FALSE(s->HasConnectedNamespace());
  EXPECT_FALSE(s->closed());  // the Engine.IO session stays open
}

TEST_F(SessionTest, OnlyOnePollAtATimeAndUpgradeFlushesIt) {
  auto s = Make(true);
  EXPECT_TRUE(s->BeginPoll([] {}));
  EXPECT_FALSE(s->BeginPoll([] {}));
  EXPECT_TRUE(s->BeginUpgrade());
  EXPECT_FALSE(s->BeginUpgrade());
  EXPECT_EQ(Drain(*s), std::vector<std::string>{"6"});
  s->EndPoll();
  s->CompleteUpgrade([] {});
  EXPECT_EQ(s->transport(), Transport::kWebSocket);
  EXPECT_FALSE(s->Upgrading());
}

}  // namespace
}  // namespace emporium::http::socketio
