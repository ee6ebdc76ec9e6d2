// gongjian: one executable, one subcommand per job (DESIGN.md "Shape").
#include <cstdio>
#include <cstring>
#include <string>

namespace {

void print_usage(std::FILE* out) {
  std::fputs(
      "usage: gongjian <command> [options]\n"
      "\n"
      "commands:\n"
      "  verify --data DIR    recompute CRCs and the hash chain of the event log\n"
      "\n"
      "Run 'gongjian <command> --help' for a command's options.\n",
      out);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0) {
    print_usage(argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  std::fprintf(stderr, "gongjian: unknown command '%s'\n\n", argv[1]);
  print_usage(stderr);
  return 2;
}
