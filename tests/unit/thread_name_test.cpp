#include <gtest/gtest.h>
#include <pthread.h>

#include <string>
#include <thread>

#include "core/thread.hpp"

namespace emporium::core {
namespace {

std::string NameOfThisThread() {
  char name[16] = {};
  pthread_getname_np(pthread_self(), name, sizeof name);
  return name;
}

TEST(ThreadName, NamesTheCallingThreadOnly) {
  const std::string before = NameOfThisThread();
  std::string inside;
  std::thread([&] {
    NameThisThread("db-writer");
    inside = NameOfThisThread();
  }).join();
  EXPECT_EQ(inside, "db-writer");
  EXPECT_EQ(NameOfThisThread(), before);
}

TEST(ThreadName, ALongNameIsCutToWhatLinuxKeeps) {
  std::string inside;
  std::thread([&] {
    NameThisThread("a-name-longer-than-fifteen");
    inside = NameOfThisThread();
  }).join();
  EXPECT_EQ(inside, "a-name-longer-t");
}

}  // namespace
}  // namespace emporium::core
