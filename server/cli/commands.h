#pragma once
// The gongjian executable's subcommands. Each takes argc/argv with argv[0] = the command's name
// and returns the process exit code: 0 success, 1 the job found a problem, 2 usage error, 3 the
// data directory's event store is open in another process (store_lock.h), which it names.

namespace gongjian::cli {

// gongjian verify --data DIR [--from N] [--to N]: recompute CRCs and the hash chain of the log.
int verify_command(int argc, char** argv);

// gongjian serve [--config FILE] [--data DIR] [--port N] [--listen ADDR]: the HTTP/WebSocket server.
int serve_command(int argc, char** argv);

// gongjian hash-token: prints the SHA-256 of a token read on stdin, for a [[token]] section.
int hash_token_command(int argc, char** argv);

// gongjian demo [--data DIR] [--orgs N] [--seed S] [--days D] ...: generate a realistic demo campaign.
int demo_command(int argc, char** argv);

// gongjian rebuild --data DIR: drop the projections' state and replay the whole log into them.
int rebuild_command(int argc, char** argv);

}  // namespace gongjian::cli
