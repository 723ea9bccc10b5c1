// Entry points of the simulator and scheduler benchmark commands, called by src/cmd/main.cc.
// argv[0] is the subcommand name ("simulate" or "sched"); the function parses the rest itself.
#pragma once

namespace suanli::sim {

// `suanli simulate ...`: returns the process exit code (0 ok, 2 bad usage).
// `suanli simulate failures ...` goes on to FailuresMain.
int SimulateMain(int argc, char** argv);
// `suanli simulate failures ...`: effective compute under failures (effective_compute.h).
int FailuresMain(int argc, char** argv);
// `suanli bench sched ...`: returns the process exit code.
int BenchSchedMain(int argc, char** argv);

}  // namespace suanli::sim
