#pragma once
// Runs this test binary again as a child process, for tests that need a process to die (SIGKILL,
// _exit) in the middle of writing: /proc/self/exe with the parent's environment plus the given
// variables and a gtest filter naming one cheap test, so that gtest sets up its global
// environments, which is where a child that finds its variables takes over (and never returns).

#include <spawn.h>
#include <sys/types.h>

#include <string>
#include <utility>
#include <vector>

extern char** environ;

namespace gongjian::testing {

// The child's pid, or -1 when it could not be started. `actions` (optional) are posix_spawn's
// file actions, e.g. a pipe dup2'ed to a known descriptor.
inline pid_t spawn_self(const std::vector<std::pair<std::string, std::string>>& variables,
                        const std::string& cheap_test, const posix_spawn_file_actions_t* actions = nullptr) {
  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e) env_strings.emplace_back(*e);
  for (const auto& [name, value] : variables) env_strings.push_back(name + "=" + value);
  std::vector<char*> envp;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::string exe = "/proc/self/exe";
  std::string filter = "--gtest_filter=" + cheap_test;
  char* argv[] = {exe.data(), filter.data(), nullptr};
  pid_t pid = 0;
  if (::posix_spawn(&pid, exe.c_str(), actions, nullptr, argv, envp.data()) != 0) return -1;
  return pid;
}

}  // namespace gongjian::testing
