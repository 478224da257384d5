#include "src/http/heap.hpp"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace bb::http {

void map_large_blocks() {
#if defined(__GLIBC__)
  mallopt(M_MMAP_THRESHOLD, 128 * 1024);
#endif
}

void trim_heap() {
#if defined(__GLIBC__)
  malloc_trim(0);
#endif
}

}  // namespace bb::http
