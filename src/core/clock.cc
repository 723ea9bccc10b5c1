#include "core/clock.h"

#include <cstdio>
#include <ctime>
#include <string>

namespace suanli {

Timestamp SystemClock::Now() const {
  using namespace std::chrono;
  return {duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count()};
}

int64_t SystemClock::MonotonicNanos() const {
  using namespace std::chrono;
  return duration_cast<nanoseconds>(steady_clock::now().time_since_epoch()).count();
}

SystemClock& SystemClock::Get() {
  static SystemClock clock;
  return clock;
}

std::string FormatTimestamp(Timestamp t) {
  int64_t secs = t.ms / 1000;
  int64_t ms = t.ms % 1000;
  if (ms < 0) {
    ms += 1000;
    --secs;
  }
  std::time_t tt = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  return buf;
}

bool ParseTimestamp(std::string_view text, Timestamp* out) {
  // Accepts YYYY-MM-DDTHH:MM:SS[.fff](Z|+HH:MM|-HH:MM) and a bare date YYYY-MM-DD.
  std::string s(text);
  int y, mo, d, h = 0, mi = 0, sec = 0, n = 0;
  if (std::sscanf(s.c_str(), "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 || n != 10) return false;
  size_t pos = 10;
  int frac_ms = 0;
  int offset_min = 0;
  if (pos < s.size()) {
    if (s[pos] != 'T' && s[pos] != 't' && s[pos] != ' ') return false;
    int m = 0;
    if (std::sscanf(s.c_str() + pos + 1, "%2d:%2d:%2d%n", &h, &mi, &sec, &m) != 3 || m != 8)
      return false;
    pos += 1 + 8;
    if (pos < s.size() && s[pos] == '.') {
      ++pos;
      int digits = 0;
      while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
        if (digits < 3) frac_ms = frac_ms * 10 + (s[pos] - '0');
        ++digits;
        ++pos;
      }
      if (digits == 0) return false;
      for (int i = digits; i < 3; ++i) frac_ms *= 10;
    }
    if (pos == s.size()) return false;  // a time needs a zone
    if (s[pos] == 'Z' || s[pos] == 'z') {
      ++pos;
    } else if (s[pos] == '+' || s[pos] == '-') {
      int oh, om, m2 = 0;
      if (std::sscanf(s.c_str() + pos + 1, "%2d:%2d%n", &oh, &om, &m2) != 2 || m2 != 5) return false;
      offset_min = (oh * 60 + om) * (s[pos] == '-' ? -1 : 1);
      pos += 6;
    } else {
      return false;
    }
    if (pos != s.size()) return false;
  }
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) return false;
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = sec;
  int64_t secs = static_cast<int64_t>(timegm(&tm)) - offset_min * 60;
  out->ms = secs * 1000 + frac_ms;
  return true;
}

}  // namespace suanli
