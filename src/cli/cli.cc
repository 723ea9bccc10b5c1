#include "cli/cli.h"

#include <cstdio>

namespace suanli::cli {

int RunCli(int, char**) {
  std::fprintf(stderr, "suanli: the CLI is being built\n");
  return 2;
}

}  // namespace suanli::cli
