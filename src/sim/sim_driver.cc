// A stand-alone driver for the simulator commands (the main binary `suanli` dispatches to the
// same functions): `suanli-sim simulate ...`, `suanli-sim sched ...`.
#include <cstdio>
#include <cstring>

#include "sim/main_commands.h"

int main(int argc, char** argv) {
  if (argc >= 2 && std::strcmp(argv[1], "simulate") == 0) {
    return suanli::sim::SimulateMain(argc - 1, argv + 1);
  }
  if (argc >= 2 && std::strcmp(argv[1], "sched") == 0) {
    return suanli::sim::BenchSchedMain(argc - 1, argv + 1);
  }
  std::fprintf(stderr, "usage: suanli-sim simulate|sched [options]\n");
  return 2;
}
