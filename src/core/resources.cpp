#include "core/resources.hpp"

#include <algorithm>

namespace emporium::core {

std::vector<ResourceEntry> ResourcesUnder(std::string_view prefix) {
  std::vector<ResourceEntry> out;
  for (const auto& e : Resources()) {
    if (e.path.starts_with(prefix)) out.push_back(e);
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.path < b.path; });
  return out;
}

}  // namespace emporium::core
