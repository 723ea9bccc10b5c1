// Job specs as YAML, close to SkyPilot's task YAML, turned into the JSON body of POST /jobs.
// Pure functions: the accelerator catalog is passed in, so all of this is testable offline.
//
//   name: llama-finetune
//   num_nodes: 2                    # gang size -> tasks
//   resources:
//     accelerators: {count: 8, any_of: [nvidia-h100-sxm, Ascend910B]}  # or "H100:8",
//                                   # ["H100:8", "A800:8"], {H100: 8, A800: 8}, "T4:0.5"
//     cpus: 64                      # or "64+"
//     memory: 512                   # GiB, or "512+"
//   run: torchrun train.py          # or {CUDA: ..., CANN: ...}
//   priority: normal                # high | normal | spot | best_effort
//   duration: 2h                    # 90s, 30m, 2h, 1d, 1h30m, or seconds
//   deadline: 2026-12-01T00:00:00+08:00
//   budget: 5000                    # yuan -> budget_fen
//   location: {city: 成都市, latency_ms: 5}
//   offer: offer-xxxx
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/accelerator_names.h"
#include "core/status.h"

namespace suanli::cli {

// Maps a job spec to the job JSON. `default_name` is used when the spec has no name.
// Unknown keys, bad values and unknown accelerators fail with InvalidArgument naming the key
// ("resources.gpus").
Result<nlohmann::json> JobFromSpec(std::string_view yaml, const std::vector<CatalogEntry>& catalog,
                                   const std::string& default_name);

// "90s", "30m", "2h", "1d", "1h30m", "3600" -> seconds.
Result<int64_t> ParseDuration(std::string_view text, const std::string& field);

// Yuan as text or number ("5000", "12.5", "¥3.07") -> fen, exactly.
Result<int64_t> ParseYuan(std::string_view text, const std::string& field);

}  // namespace suanli::cli
