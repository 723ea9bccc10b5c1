#include "sim/trace.h"

#include <charconv>
#include <fstream>
#include <map>
#include <sstream>

namespace suanli::sim {

namespace {

std::vector<std::string> SplitLine(const std::string& line, char sep) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : line) {
    if (c == sep) {
      out.push_back(cur);
      cur.clear();
    } else if (c != '\r') {
      cur += c;
    }
  }
  out.push_back(cur);
  return out;
}

// Rows of a CSV as maps from column name to value.
class Csv {
 public:
  Status Parse(const std::string& text, const std::string& what) {
    std::istringstream in(text);
    std::string line;
    if (!std::getline(in, line)) return InvalidArgument(what + ": empty file");
    header_ = SplitLine(line, ',');
    for (size_t i = 0; i < header_.size(); ++i) col_[header_[i]] = i;
    while (std::getline(in, line)) {
      if (line.empty() || line == "\r") continue;
      rows_.push_back(SplitLine(line, ','));
    }
    return OkStatus();
  }
  bool Has(const std::string& c) const { return col_.count(c) > 0; }
  size_t size() const { return rows_.size(); }
  const std::string& Get(size_t row, const std::string& c) const {
    static const std::string kEmpty;
    auto it = col_.find(c);
    if (it == col_.end() || it->second >= rows_[row].size()) return kEmpty;
    return rows_[row][it->second];
  }

 private:
  std::vector<std::string> header_;
  std::map<std::string, size_t> col_;
  std::vector<std::vector<std::string>> rows_;
};

bool ToInt(const std::string& s, int64_t* out) {
  auto r = std::from_chars(s.data(), s.data() + s.size(), *out);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return Err(NotFound("cannot open " + path));
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

Status Need(const Csv& csv, const std::vector<std::string>& cols, const std::string& what) {
  for (const auto& c : cols) {
    if (!csv.Has(c)) return InvalidArgument(what + ": missing column " + c, c);
  }
  return OkStatus();
}

Status BadValue(const std::string& what, size_t row, const std::string& col) {
  return InvalidArgument(what + ": bad " + col + " on line " + std::to_string(row + 2), col);
}

}  // namespace

std::vector<std::string> SplitSpec(const std::string& spec) {
  if (spec.empty()) return {};
  return SplitLine(spec, '|');
}

Result<std::vector<sched::NodeSpec>> ParseNodes(const std::string& text,
                                                const std::string& what) {
  Csv csv;
  if (Status s = csv.Parse(text, what); !s.ok()) return Err(s);
  Status need = Need(csv, {"sn", "cpu_milli", "memory_mib", "gpu", "model"}, what);
  if (!need.ok()) return Err(need);
  std::vector<sched::NodeSpec> out;
  for (size_t i = 0; i < csv.size(); ++i) {
    sched::NodeSpec n;
    n.name = csv.Get(i, "sn");
    int64_t gpu = 0;
    if (!ToInt(csv.Get(i, "cpu_milli"), &n.cpu_milli)) return Err(BadValue(what, i, "cpu_milli"));
    if (!ToInt(csv.Get(i, "memory_mib"), &n.memory_mib)) return Err(BadValue(what, i, "memory_mib"));
    if (!ToInt(csv.Get(i, "gpu"), &gpu) || gpu < 0 || gpu > sched::kMaxDevicesPerNode) {
      return Err(BadValue(what, i, "gpu"));
    }
    n.gpu_count = static_cast<int>(gpu);
    n.model = csv.Get(i, "model");
    n.domain = csv.Get(i, "domain");
    out.push_back(std::move(n));
  }
  return out;
}

Result<std::vector<TraceTask>> ParseTasks(const std::string& text, const std::string& what) {
  Csv csv;
  if (Status s = csv.Parse(text, what); !s.ok()) return Err(s);
  Status need = Need(csv, {"name", "cpu_milli", "memory_mib", "num_gpu", "gpu_milli"}, what);
  if (!need.ok()) return Err(need);
  std::vector<TraceTask> out;
  for (size_t i = 0; i < csv.size(); ++i) {
    TraceTask t;
    t.name = csv.Get(i, "name");
    int64_t num = 0, milli = 0;
    if (!ToInt(csv.Get(i, "cpu_milli"), &t.demand.cpu_milli)) {
      return Err(BadValue(what, i, "cpu_milli"));
    }
    if (!ToInt(csv.Get(i, "memory_mib"), &t.demand.memory_mib)) {
      return Err(BadValue(what, i, "memory_mib"));
    }
    if (!ToInt(csv.Get(i, "num_gpu"), &num) || num < 0 || num > sched::kMaxDevicesPerNode) {
      return Err(BadValue(what, i, "num_gpu"));
    }
    if (!ToInt(csv.Get(i, "gpu_milli"), &milli) || milli < 0 || milli > 1000) {
      return Err(BadValue(what, i, "gpu_milli"));
    }
    t.demand.gpu_count = static_cast<int>(num);
    t.demand.gpu_milli = num == 0 ? 0 : static_cast<int>(milli);
    if (num > 0 && milli == 0) t.demand.gpu_count = 0;
    t.gpu_spec = csv.Get(i, "gpu_spec");
    t.qos = csv.Get(i, "qos");
    ToInt(csv.Get(i, "creation_time"), &t.creation_s);
    ToInt(csv.Get(i, "deletion_time"), &t.deletion_s);
    ToInt(csv.Get(i, "scheduled_time"), &t.scheduled_s);
    out.push_back(std::move(t));
  }
  return out;
}

Result<std::vector<sched::NodeSpec>> LoadNodes(const std::string& path) {
  auto text = ReadFile(path);
  if (!text) return Err(text.error());
  return ParseNodes(*text, path);
}

Result<std::vector<TraceTask>> LoadTasks(const std::string& path) {
  auto text = ReadFile(path);
  if (!text) return Err(text.error());
  return ParseTasks(*text, path);
}

}  // namespace suanli::sim
