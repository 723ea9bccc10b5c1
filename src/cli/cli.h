// The command-line client: `suanli <resource> <verb> ...` over the REST API.
#pragma once

namespace suanli::cli {

// Runs the CLI; returns the exit code (0 ok, 1 server-side failure, 2 bad usage or input).
int RunCli(int argc, char** argv);

}  // namespace suanli::cli
