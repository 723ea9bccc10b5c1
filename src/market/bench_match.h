// `suanli bench match`: the market's speed on a synthetic national market (synthetic.h).
// Prints one JSON object with --json; the fields p50_us, p99_us and queries_per_s (per match
// query) are a stable contract.
#pragma once

namespace suanli::market {

// argv[0] is "match". Returns the process exit code (0 ok, 2 bad usage).
int BenchMatchMain(int argc, char** argv);

}  // namespace suanli::market
