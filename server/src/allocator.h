#pragma once
// Which malloc this process runs with, asked of the process rather than of the build: the event
// store's and the projections' figures depend on it (cmake/gongjian_allocator.cmake), and a link
// that silently lost tcmalloc would otherwise show only as slower appends. Logged when the server
// starts and exported in /metrics as gongjian_build_info{allocator="..."}.

#include <string>

namespace gongjian::server {

// "tcmalloc (gperftools 2.10)", "glibc 2.36", or "AddressSanitizer" in a sanitizer build.
std::string malloc_in_use();

}  // namespace gongjian::server
