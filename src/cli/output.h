// How the CLI prints: aligned tables whose widths count display columns (a CJK character takes
// two), key/value views of one object, and the few value formats (money, JSON cells) we share.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace suanli::cli {

// Terminal columns `utf8` occupies: East Asian wide and full-width characters count 2,
// combining marks 0, everything else 1. Invalid bytes count 1 each.
size_t DisplayWidth(std::string_view utf8);

// Cuts `utf8` to at most `max_width` display columns, ending in "…" when cut.
std::string Truncate(std::string_view utf8, size_t max_width);

// A JSON value as a table cell: strings bare, null as "-", arrays joined with ",",
// objects as compact JSON.
std::string Cell(const nlohmann::json& v);

// Money in fen as yuan: 123456 -> "¥1234.56".
std::string FormatFen(int64_t fen);

// Prints rows under headers, columns two spaces apart, cells cut to `max_cell` columns.
void PrintTable(std::ostream& out, const std::vector<std::string>& headers,
                const std::vector<std::vector<std::string>>& rows, size_t max_cell = 48);

// Prints one object as "key  value" lines (nested values as compact JSON).
void PrintObject(std::ostream& out, const nlohmann::json& obj);

}  // namespace suanli::cli
