#include "core/thread.hpp"

#include <pthread.h>

#include <cstring>

namespace emporium::core {

void NameThisThread(const char* name) {
  // pthread_setname_np refuses a name of 16 characters or more instead of cutting it.
  char cut[16] = {};
  std::strncpy(cut, name, sizeof cut - 1);
  pthread_setname_np(pthread_self(), cut);
}

}  // namespace emporium::core
