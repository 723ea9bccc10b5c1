// Task output, kept by the server as one append-only file per task attempt:
// <dir>/<job id>/<task>.<attempt>.log. Appends are idempotent on their byte offset, so an
// agent that re-sends a chunk after a restart (of either side) never duplicates output.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>

#include "core/status.h"
#include "exec/protocol.h"

namespace suanli::exec {

struct LogRead {
  std::string data;
  int64_t next_offset = 0;
  int64_t size = 0;
};

class LogStore {
 public:
  explicit LogStore(std::string dir) : dir_(std::move(dir)) {}

  // Appends `chunk` if it starts at or before the end of what is held; returns the size held
  // afterwards (the offset the agent should send from next).
  Result<int64_t> Append(const LogChunk& chunk);
  int64_t Size(const TaskKey& key) const;
  // Up to `max_bytes` from `offset`.
  Result<LogRead> Read(const TaskKey& key, int64_t offset, int64_t max_bytes) const;
  const std::string& dir() const { return dir_; }

 private:
  std::string PathOf(const TaskKey& key) const;
  std::string dir_;
  mutable std::mutex mu_;
};

}  // namespace suanli::exec
