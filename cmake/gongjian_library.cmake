# One library per top-level module folder (the Redpanda v_cc_library habit): public headers under
# <module>/include/gongjian/<module>/, implementation under <module>/src/. Sources are globbed so
# that adding a file to a module never touches a shared build file.

# Warnings apply to our own code only: third-party headers come in as SYSTEM includes.
add_library(gongjian_warnings INTERFACE)
target_compile_options(gongjian_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wcast-align -Woverloaded-virtual
  -Wimplicit-fallthrough -Wno-missing-field-initializers
  $<$<BOOL:${GONGJIAN_WERROR}>:-Werror>)

function(gongjian_library name)
  cmake_parse_arguments(ARG "" "" "PUBLIC_DEPS;PRIVATE_DEPS" ${ARGN})
  file(GLOB_RECURSE sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/src/*.cc)
  if(NOT sources)
    # A module that so far has only headers.
    add_library(${name} INTERFACE)
    target_include_directories(${name} INTERFACE ${CMAKE_CURRENT_SOURCE_DIR}/include)
    target_link_libraries(${name} INTERFACE ${ARG_PUBLIC_DEPS})
    add_library(gongjian::${name} ALIAS ${name})
    return()
  endif()
  add_library(${name} STATIC ${sources})
  add_library(gongjian::${name} ALIAS ${name})
  target_include_directories(${name}
    PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include
    PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src)
  target_link_libraries(${name} PUBLIC ${ARG_PUBLIC_DEPS} PRIVATE ${ARG_PRIVATE_DEPS} gongjian_warnings)
endfunction()

# One test executable per module: every tests/<module>/*_test.cc, registered with ctest through
# gtest_discover_tests so that `ctest -j2` spreads individual tests over both cores.
function(gongjian_tests module)
  cmake_parse_arguments(ARG "" "" "DEPS" ${ARGN})
  file(GLOB_RECURSE sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/${module}/*.cc)
  if(NOT sources)
    return()
  endif()
  add_executable(${module}_tests ${sources})
  target_include_directories(${module}_tests PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
  target_link_libraries(${module}_tests PRIVATE ${ARG_DEPS} GTest::gmock GTest::gtest_main
                                                gongjian_allocator gongjian_warnings)
  gtest_discover_tests(${module}_tests
    DISCOVERY_TIMEOUT 60
    # Two properties of one value each: gtest_discover_tests splits a ;-list value into words.
    PROPERTIES ENVIRONMENT "GONGJIAN_BINARY=${PROJECT_BINARY_DIR}/gongjian"
               ENVIRONMENT_MODIFICATION "GONGJIAN_SOURCE_DIR=set:${PROJECT_SOURCE_DIR}")
endfunction()
