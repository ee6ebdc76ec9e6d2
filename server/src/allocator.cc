#include "allocator.h"

#include <dlfcn.h>
#include <gnu/libc-version.h>

#include <string_view>

namespace gongjian::server {

std::string malloc_in_use() {
#if defined(__SANITIZE_ADDRESS__)
  return "AddressSanitizer";
#else
  // The library the process's `malloc` resolves to: tcmalloc merely being loaded is not enough,
  // it has to come before glibc in the lookup order.
  Dl_info where{};
  void* malloc_symbol = dlsym(RTLD_DEFAULT, "malloc");
  const std::string_view library = malloc_symbol != nullptr && dladdr(malloc_symbol, &where) != 0 &&
                                           where.dli_fname != nullptr
                                       ? where.dli_fname
                                       : "";
  if (library.find("tcmalloc") != std::string_view::npos) {
    using tc_version_fn = const char* (*)(int*, int*, const char**);
    auto* tc_version = reinterpret_cast<tc_version_fn>(dlsym(RTLD_DEFAULT, "tc_version"));
    int major = 0;
    int minor = 0;
    const char* patch = nullptr;
    return std::string("tcmalloc (") + (tc_version != nullptr ? tc_version(&major, &minor, &patch) : "?") + ")";
  }
  if (library.find("libc.so") != std::string_view::npos) return std::string("glibc ") + gnu_get_libc_version();
  return library.empty() ? std::string("unknown") : std::string(library);
#endif
}

}  // namespace gongjian::server
