// gongjian: one executable, one subcommand per job (DESIGN.md "Shape").
#include <csignal>
#include <cstdio>
#include <cstring>
#include <string>

#include "commands.h"

namespace {

void print_usage(std::FILE* out) {
  std::fputs(
      "usage: gongjian <command> [options]\n"
      "\n"
      "commands:\n"
      "  serve [--config FILE] [--data DIR] [--port N]\n"
      "                       serve the HTTP and WebSocket API (default http://127.0.0.1:8080/)\n"
      "  hash-token           print the SHA-256 of a token read on stdin, for the configuration\n"
      "  demo [--data DIR] [--orgs N] [--seed S] [--days D]  generate a realistic demo campaign\n"
      "  verify --data DIR [--from N] [--to N]\n"
      "                       recompute CRCs and the hash chain of the event log\n"
      "  rebuild --data DIR   rebuild all projections from the event log (prints events/s)\n"
      "\n"
      "Run 'gongjian <command> --help' for a command's options.\n",
      out);
}

}  // namespace

int main(int argc, char** argv) {
  // A file grown past RLIMIT_FSIZE kills the process with SIGXFSZ; ignored, the write fails with
  // EFBIG instead and the event store stops writing cleanly, as it does on a full disk
  // (PostgreSQL ignores it for the same reason).
  std::signal(SIGXFSZ, SIG_IGN);
  if (argc < 2 || std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0) {
    print_usage(argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  if (std::strcmp(argv[1], "serve") == 0) return gongjian::cli::serve_command(argc - 1, argv + 1);
  if (std::strcmp(argv[1], "hash-token") == 0) return gongjian::cli::hash_token_command(argc - 1, argv + 1);
  if (std::strcmp(argv[1], "verify") == 0) return gongjian::cli::verify_command(argc - 1, argv + 1);
  if (std::strcmp(argv[1], "rebuild") == 0) return gongjian::cli::rebuild_command(argc - 1, argv + 1);
  if (std::strcmp(argv[1], "demo") == 0) return gongjian::cli::demo_command(argc - 1, argv + 1);
  std::fprintf(stderr, "gongjian: unknown command '%s'\n\n", argv[1]);
  print_usage(stderr);
  return 2;
}
