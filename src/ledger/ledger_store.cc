#include "ledger/ledger_store.h"

#include <nlohmann/json.hpp>

namespace suanli::ledger {

Result<std::unique_ptr<LedgerStore>> OpenLedgerStore(const std::string& url) {
  if (url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0) {
    return OpenPostgresLedgerStore(url);
  }
  if (url.empty()) return Err(InvalidArgument("empty database path", "db"));
  return OpenSqliteLedgerStore(url);
}

std::string AttrsToJson(const Attrs& a) {
  // Hand-rolled (this is on the commit path): a JSON object of string values, keys sorted.
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "{";
  auto put = [&](const std::string& s) {
    out += '"';
    for (unsigned char c : s) {
      if (c == '"' || c == '\\') {
        out += '\\';
        out += static_cast<char>(c);
      } else if (c < 0x20) {
        out += "\\u00";
        out += kHex[c >> 4];
        out += kHex[c & 15];
      } else {
        out += static_cast<char>(c);
      }
    }
    out += '"';
  };
  for (const auto& [k, v] : a) {
    if (out.size() > 1) out += ',';
    put(k);
    out += ':';
    put(v);
  }
  return out + "}";
}

Status AttrsFromJson(std::string_view json, Attrs* out) {
  out->clear();
  if (json == "{}" || json.empty()) return OkStatus();
  nlohmann::json j = nlohmann::json::parse(json, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return DataLoss("ledger: bad attrs JSON");
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (!it.value().is_string()) return DataLoss("ledger: non-string attr " + it.key());
    (*out)[it.key()] = it.value().get<std::string>();
  }
  return OkStatus();
}

}  // namespace suanli::ledger
