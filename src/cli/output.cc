#include "cli/output.h"

#include <algorithm>
#include <cstdio>

namespace suanli::cli {
namespace {

// Decodes one UTF-8 code point at s[*i], advancing *i; returns -1 for an invalid byte.
int32_t NextCodePoint(std::string_view s, size_t* i) {
  auto b = static_cast<unsigned char>(s[*i]);
  int len = b < 0x80 ? 1 : (b >> 5) == 6 ? 2 : (b >> 4) == 14 ? 3 : (b >> 3) == 30 ? 4 : 0;
  if (len == 0 || *i + len > s.size()) {
    ++*i;
    return -1;
  }
  int32_t cp = len == 1 ? b : b & (0x7F >> len);
  for (int k = 1; k < len; ++k) {
    auto c = static_cast<unsigned char>(s[*i + k]);
    if ((c >> 6) != 2) {
      ++*i;
      return -1;
    }
    cp = (cp << 6) | (c & 0x3F);
  }
  *i += len;
  return cp;
}

int CodePointWidth(int32_t cp) {
  if (cp < 0) return 1;
  if (cp == 0 || (cp >= 0x0300 && cp <= 0x036F) || (cp >= 0x200B && cp <= 0x200F) ||
      (cp >= 0xFE00 && cp <= 0xFE0F))
    return 0;
  static constexpr int32_t kWide[][2] = {
      {0x1100, 0x115F},   {0x2E80, 0x303E},   {0x3041, 0x33FF},   {0x3400, 0x4DBF},
      {0x4E00, 0x9FFF},   {0xA000, 0xA4CF},   {0xAC00, 0xD7A3},   {0xF900, 0xFAFF},
      {0xFE30, 0xFE4F},   {0xFF00, 0xFF60},   {0xFFE0, 0xFFE6},   {0x1F300, 0x1F64F},
      {0x1F900, 0x1F9FF}, {0x20000, 0x3FFFD},
  };
  for (const auto& r : kWide)
    if (cp >= r[0] && cp <= r[1]) return 2;
  return 1;
}

}  // namespace

size_t DisplayWidth(std::string_view utf8) {
  size_t w = 0;
  for (size_t i = 0; i < utf8.size();) w += CodePointWidth(NextCodePoint(utf8, &i));
  return w;
}

std::string Truncate(std::string_view utf8, size_t max_width) {
  if (DisplayWidth(utf8) <= max_width) return std::string(utf8);
  size_t w = 0, i = 0, cut = 0;
  while (i < utf8.size()) {
    int cw = CodePointWidth(NextCodePoint(utf8, &i));
    if (w + cw + 1 > max_width) break;  // keep one column for the ellipsis
    w += cw;
    cut = i;
  }
  return std::string(utf8.substr(0, cut)) + "…";
}

std::string Cell(const nlohmann::json& v) {
  if (v.is_null()) return "-";
  if (v.is_string()) return v.get<std::string>().empty() ? "-" : v.get<std::string>();
  if (v.is_number_float()) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.6g", v.get<double>());
    return buf;
  }
  if (v.is_array()) {
    if (v.empty()) return "-";
    std::string out;
    for (const auto& x : v) out += (out.empty() ? "" : ",") + Cell(x);
    return out;
  }
  return v.dump();
}

std::string FormatFen(int64_t fen) {
  char buf[64];
  const char* sign = fen < 0 ? "-" : "";
  int64_t a = fen < 0 ? -fen : fen;
  std::snprintf(buf, sizeof buf, "%s¥%lld.%02lld", sign, static_cast<long long>(a / 100),
                static_cast<long long>(a % 100));
  return buf;
}

void PrintTable(std::ostream& out, const std::vector<std::string>& headers,
                const std::vector<std::vector<std::string>>& rows, size_t max_cell) {
  std::vector<size_t> width(headers.size(), 0);
  std::vector<std::vector<std::string>> cut;
  cut.reserve(rows.size());
  for (size_t c = 0; c < headers.size(); ++c) width[c] = DisplayWidth(headers[c]);
  for (const auto& r : rows) {
    std::vector<std::string> line;
    for (size_t c = 0; c < headers.size(); ++c) {
      line.push_back(Truncate(c < r.size() ? r[c] : "", max_cell));
      width[c] = std::max(width[c], DisplayWidth(line.back()));
    }
    cut.push_back(std::move(line));
  }
  auto print = [&](const std::vector<std::string>& cells) {
    std::string s;
    for (size_t c = 0; c < cells.size(); ++c) {
      s += cells[c];
      if (c + 1 < cells.size()) s.append(width[c] - DisplayWidth(cells[c]) + 2, ' ');
    }
    out << s << '\n';
  };
  print(headers);
  for (const auto& r : cut) print(r);
}

void PrintObject(std::ostream& out, const nlohmann::json& obj) {
  if (!obj.is_object()) {
    out << obj.dump(2) << '\n';
    return;
  }
  size_t w = 0;
  for (auto it = obj.begin(); it != obj.end(); ++it) w = std::max(w, it.key().size());
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    std::string v = it.value().is_string() ? it.value().get<std::string>()
                    : it.value().is_number_float() ? Cell(it.value())
                                                   : it.value().dump();
    out << it.key() << std::string(w - it.key().size() + 2, ' ') << v << '\n';
  }
}

}  // namespace suanli::cli
