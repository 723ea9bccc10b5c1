// The resources the CLI knows: their field list (from the domain schemas, so flags match the
// API), and the columns of their tables.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace suanli::cli {

struct FieldInfo {
  std::string name;   // "cpu_cores"
  uint32_t flags;     // domain::FieldFlags
  std::string type;   // JSON schema type: string, integer, number, boolean, array, object
  std::string description;
};

struct Column {
  std::string header;
  std::function<std::string(const nlohmann::json&)> cell;
};

struct ResourceDef {
  std::string noun;    // "node"
  std::string plural;  // "nodes" (the API path)
  std::string description;
  std::vector<FieldInfo> fields;
  std::vector<Column> columns;
};

// All resources, in the order `suanli --help` lists them.
const std::vector<ResourceDef>& Resources();

// Turns a flag value into the JSON the field expects: strings stay strings, other types are
// parsed as JSON, with shorthands "a,b" for string lists and "MODEL:N,MODEL:N" for node
// accelerators. Unknown fields: JSON if it parses, else the string.
nlohmann::json FieldValue(const ResourceDef& r, const std::string& field, const std::string& value);

}  // namespace suanli::cli
