#include "infra/events/event_bus.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <thread>
#include <vector>

namespace emporium::infra {
namespace {

TEST(EventBus, DeliversToSubscribersOfTheTopicAndWildcard) {
  EventBus bus;
  std::vector<std::string> got;
  bus.Subscribe("admin.event", [&](const std::string& t, const boost::json::object& p) {
    got.push_back(t + ":" + std::string(p.at("type").as_string()));
  });
  bus.Subscribe("*", [&](const std::string& t, const boost::json::object&) { got.push_back("*" + t); });
  bus.Subscribe("other", [&](const std::string&, const boost::json::object&) { got.push_back("other"); });
  bus.Publish("admin.event", {{"type", "inventory.low_stock"}});
  EXPECT_EQ(got, (std::vector<std::string>{"admin.event:inventory.low_stock", "*admin.event"}));
}

TEST(EventBus, UnsubscribedHandlersAreNotCalledAndAThrowingOneDoesNotStopOthers) {
  EventBus bus;
  int calls = 0;
  auto id = bus.Subscribe("t", [&](const std::string&, const boost::json::object&) { ++calls; });
  bus.Subscribe("t", [](const std::string&, const boost::json::object&) { throw std::runtime_error("boom"); });
  bus.Subscribe("t", [&](const std::string&, const boost::json::object&) { calls += 10; });
  bus.Publish("t", {});
  EXPECT_EQ(calls, 11);
  bus.Unsubscribe(id);
  bus.Publish("t", {});
  EXPECT_EQ(calls, 21);
}

TEST(EventBus, PublishesFromManyThreads) {
  EventBus bus;
  std::atomic<int> calls{0};
  bus.Subscribe("t", [&](const std::string&, const boost::json::object&) { ++calls; });
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      for (int j = 0; j < 1000; ++j) bus.Publish("t", {});
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(calls.load(), 4000);
}

}  // namespace
}  // namespace emporium::infra
