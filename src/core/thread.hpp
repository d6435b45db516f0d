#pragma once
// Names for the process's own threads, so that top -H, perf and gdb tell them apart.

namespace emporium::core {

/// Names the calling thread; Linux keeps the first 15 characters.
void NameThisThread(const char* name);

}  // namespace emporium::core
