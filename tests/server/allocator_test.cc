// The malloc the build links in (cmake/gongjian_allocator.cmake) is the one the process runs with:
// the linker keeping the library, and it coming before glibc, are what make the difference.
#include "allocator.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace {

TEST(Allocator, TheProcessRunsWithTheMallocTheBuildChose) {
  const std::string in_use = gongjian::server::malloc_in_use();
  const std::string_view configured = GONGJIAN_ALLOCATOR;
#if defined(__SANITIZE_ADDRESS__)
  EXPECT_EQ(configured, "system");
  EXPECT_EQ(in_use, "AddressSanitizer");
#else
  if (configured == "tcmalloc") {
    EXPECT_TRUE(in_use.starts_with("tcmalloc (gperftools ")) << in_use;
  } else {
    EXPECT_EQ(configured, "system");
    EXPECT_TRUE(in_use.starts_with("glibc 2.")) << in_use;
  }
#endif
}

}  // namespace
