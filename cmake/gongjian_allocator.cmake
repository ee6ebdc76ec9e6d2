# The malloc every gongjian executable (server, tests, benchmarks) runs with: gperftools'
# tcmalloc (Debian libgoogle-perftools-dev, the minimal library: no profiler). Appends are
# allocated on the network threads and freed on the event store's syncer thread; glibc's malloc
# returns such a chunk to its owner thread's arena under that arena's lock, which the syncer spent
# ~10% of its time on. Measured against glibc, same binaries through LD_PRELOAD, 4 alternating
# rounds (docs/benchmarks.md, 2026-12-06): durable appends +26% at 256 writers, +19% at 64;
# `gongjian rebuild` +22%; peak RSS of 10 M organizations 1,804 -> 1,821 MiB (jemalloc: 2,029 MiB,
# too near the 2 GiB target).
# GONGJIAN_ALLOCATOR=system keeps glibc's; a sanitizer build always does (ASan brings its own).
set(GONGJIAN_ALLOCATOR "tcmalloc" CACHE STRING "malloc for executables: tcmalloc or system")
set_property(CACHE GONGJIAN_ALLOCATOR PROPERTY STRINGS tcmalloc system)
if(GONGJIAN_SANITIZE)
  set(gongjian_allocator_in_use system)
else()
  set(gongjian_allocator_in_use ${GONGJIAN_ALLOCATOR})
endif()

add_library(gongjian_allocator INTERFACE)
target_compile_definitions(gongjian_allocator INTERFACE GONGJIAN_ALLOCATOR="${gongjian_allocator_in_use}")
if(gongjian_allocator_in_use STREQUAL "tcmalloc")
  find_library(GONGJIAN_TCMALLOC_LIBRARY NAMES tcmalloc_minimal)
  if(NOT GONGJIAN_TCMALLOC_LIBRARY)
    message(FATAL_ERROR "tcmalloc_minimal not found: run scripts/setup (libgoogle-perftools-dev), "
                        "or configure with -DGONGJIAN_ALLOCATOR=system")
  endif()
  # Nothing calls tcmalloc by name: it replaces malloc by coming before libc in the link. Keep it
  # even where the linker drops libraries no symbol is taken from.
  target_link_libraries(gongjian_allocator INTERFACE
    "-Wl,--push-state,--no-as-needed" ${GONGJIAN_TCMALLOC_LIBRARY} "-Wl,--pop-state")
elseif(NOT gongjian_allocator_in_use STREQUAL "system")
  message(FATAL_ERROR "GONGJIAN_ALLOCATOR must be tcmalloc or system, not '${GONGJIAN_ALLOCATOR}'")
endif()
message(STATUS "gongjian: executables use the ${gongjian_allocator_in_use} malloc")
