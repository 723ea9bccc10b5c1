#include "exec/log_store.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>

namespace suanli::exec {
namespace fs = std::filesystem;

namespace {
// Job ids are server-made ("job-…"), but the key came over the wire: keep it to a file name.
bool SafeName(const std::string& s) {
  if (s.empty() || s.size() > 100 || s[0] == '.') return false;
  for (char c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_')) return false;
  return true;
}
}  // namespace

std::string LogStore::PathOf(const TaskKey& key) const {
  return dir_ + "/" + key.job_id + "/" + std::to_string(key.task) + "." +
         std::to_string(key.attempt) + ".log";
}

int64_t LogStore::Size(const TaskKey& key) const {
  if (!SafeName(key.job_id)) return 0;
  std::error_code ec;
  auto n = fs::file_size(PathOf(key), ec);
  return ec ? 0 : static_cast<int64_t>(n);
}

Result<int64_t> LogStore::Append(const LogChunk& chunk) {
  if (!SafeName(chunk.key.job_id)) return Err(InvalidArgument("not a job id", "logs.job_id"));
  std::lock_guard lock(mu_);
  const int64_t held = Size(chunk.key);
  const int64_t end = chunk.offset + static_cast<int64_t>(chunk.data.size());
  if (chunk.offset > held || end <= held) return held;  // a gap, or nothing new
  std::error_code ec;
  fs::create_directories(dir_ + "/" + chunk.key.job_id, ec);
  if (ec) return Err(Internal("cannot create log directory: " + ec.message()));
  std::ofstream out(PathOf(chunk.key), std::ios::binary | std::ios::app);
  if (!out) return Err(Internal("cannot open log file for " + chunk.key.Str()));
  out.write(chunk.data.data() + (held - chunk.offset), end - held);
  out.flush();
  if (!out) return Err(Internal("cannot write log file for " + chunk.key.Str()));
  return end;
}

Result<LogRead> LogStore::Read(const TaskKey& key, int64_t offset, int64_t max_bytes) const {
  LogRead r;
  if (!SafeName(key.job_id)) return Err(InvalidArgument("not a job id", "id"));
  r.size = Size(key);
  r.next_offset = std::min(offset, r.size);
  if (offset >= r.size) return r;
  std::ifstream in(PathOf(key), std::ios::binary);
  if (!in) return r;
  in.seekg(offset);
  r.data.resize(static_cast<size_t>(std::min(max_bytes, r.size - offset)));
  in.read(r.data.data(), static_cast<std::streamsize>(r.data.size()));
  r.data.resize(static_cast<size_t>(in.gcount()));
  // Stop at a character boundary so a reader never sees half a UTF-8 sequence.
  if (offset + static_cast<int64_t>(r.data.size()) < r.size) {
    for (size_t back = 1; back <= 3 && back <= r.data.size(); ++back) {
      auto c = static_cast<unsigned char>(r.data[r.data.size() - back]);
      if ((c & 0xC0) == 0x80) continue;  // continuation byte
      size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
      if (len > back && back < r.data.size()) r.data.resize(r.data.size() - back);
      break;
    }
  }
  r.next_offset = offset + static_cast<int64_t>(r.data.size());
  return r;
}

}  // namespace suanli::exec
