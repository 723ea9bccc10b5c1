#include "domain/schema.h"

#include <cmath>

namespace suanli::domain::field {

Status CheckString(const Json& v, const std::string& path, size_t min_len, size_t max_len) {
  if (!v.is_string()) return InvalidArgument("must be a string", path);
  const auto& s = v.get_ref<const std::string&>();
  if (s.size() < min_len)
    return InvalidArgument(min_len == 1 ? "must not be empty"
                                        : "must be at least " + std::to_string(min_len) +
                                              " characters",
                           path);
  if (s.size() > max_len)
    return InvalidArgument("must be at most " + std::to_string(max_len) + " bytes", path);
  for (unsigned char c : s)
    if (c < 0x20 && c != '\n' && c != '\t') return InvalidArgument("contains control characters", path);
  return OkStatus();
}

Status CheckInt(const Json& v, const std::string& path, int64_t min, int64_t max) {
  if (!v.is_number_integer()) {
    if (v.is_number_float()) {
      double d = v.get<double>();
      if (std::floor(d) != d) return InvalidArgument("must be an integer", path);
    } else {
      return InvalidArgument("must be an integer", path);
    }
  }
  if (v.is_number_unsigned() && v.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX))
    return InvalidArgument("out of range", path);
  int64_t x = v.is_number_float() ? static_cast<int64_t>(v.get<double>()) : v.get<int64_t>();
  if (x < min || x > max)
    return InvalidArgument(
        "must be between " + std::to_string(min) + " and " + std::to_string(max), path);
  return OkStatus();
}

Status CheckNumber(const Json& v, const std::string& path, double min, double max) {
  if (!v.is_number()) return InvalidArgument("must be a number", path);
  double d = v.get<double>();
  if (!std::isfinite(d) || d < min || d > max) {
    char buf[128];
    std::snprintf(buf, sizeof buf, "must be between %g and %g", min, max);
    return InvalidArgument(buf, path);
  }
  return OkStatus();
}

Status CheckEnum(const Json& v, const std::string& path, const std::vector<std::string>& allowed) {
  if (!v.is_string()) return InvalidArgument("must be a string", path);
  const auto& s = v.get_ref<const std::string&>();
  for (const auto& a : allowed)
    if (a == s) return OkStatus();
  std::string list;
  for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
  return InvalidArgument("must be one of: " + list, path);
}

Status CheckTimestamp(const Json& v, const std::string& path, Timestamp* out) {
  if (!v.is_string()) return InvalidArgument("must be an RFC 3339 date-time string", path);
  if (!ParseTimestamp(v.get<std::string>(), out))
    return InvalidArgument("must be an RFC 3339 date-time like 2026-01-31T08:00:00Z", path);
  return OkStatus();
}

}  // namespace suanli::domain::field
