// The process heap's policy for the large, short-lived buffers of requests (bodies, parsed
// JSON, responses): they go back to the system once freed, so that memory a burst of large
// requests needed is not kept by an idle server. glibc only; elsewhere these do nothing.
#pragma once

namespace bb::http {

// Blocks of 128 KiB or more are mapped and unmapped one by one. glibc's default raises that
// threshold to the largest block ever freed (up to 32 MiB), after which large bodies come from
// the heap and stay there. Once per process; before the threads start.
void map_large_blocks();

// Gives the free pages of every malloc arena back to the system (a few ms with a large heap:
// called from the server's once-a-second sweep, and only after large requests).
void trim_heap();

}  // namespace bb::http
