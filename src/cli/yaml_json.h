// YAML (or JSON, which is YAML) text to JSON values, for `-f FILE` and job specs.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/status.h"

namespace suanli::cli {

// Parses YAML text into JSON. Plain scalars become null/bool/integer/number when they look like
// one, otherwise strings; quoted scalars stay strings. Errors name the line and column.
Result<nlohmann::json> YamlToJson(std::string_view text);

// Reads a whole file ("-" = stdin).
Result<std::string> ReadFile(const std::string& path);

}  // namespace suanli::cli
