// Entry point of `suanli agent`, called by src/cmd/main.cc (argv[0] is "agent").
#pragma once

namespace suanli::agent {

// Returns the process exit code: 0 after SIGTERM/SIGINT, 2 for bad usage, 1 for a fatal error.
int AgentMain(int argc, char** argv);

}  // namespace suanli::agent
