#include "api/router.h"

namespace suanli::api {
namespace {

std::vector<std::string_view> Split(std::string_view path) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < path.size()) {
    while (i < path.size() && path[i] == '/') ++i;
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    if (j > i) out.push_back(path.substr(i, j - i));
    i = j;
  }
  return out;
}

}  // namespace

void Router::Add(Verb method, std::string pattern, bool authenticated, Handler handler,
                 RouteDoc doc) {
  Route r{method, pattern, authenticated, std::move(handler), std::move(doc), {}, routes_.size()};
  for (auto s : Split(pattern)) r.segments.emplace_back(s);
  routes_.push_back(std::move(r));
}

const Route* Router::Match(Verb method, std::string_view path,
                           std::map<std::string, std::string>* params, bool* path_known) const {
  auto parts = Split(path);
  *path_known = false;
  for (const auto& r : routes_) {
    if (r.segments.size() != parts.size()) continue;
    bool ok = true;
    for (size_t i = 0; i < parts.size() && ok; ++i) {
      const auto& seg = r.segments[i];
      if (seg.size() > 2 && seg.front() == '{') continue;
      ok = seg == parts[i];
    }
    if (!ok) continue;
    if (r.method != method) {
      *path_known = true;
      continue;
    }
    params->clear();
    for (size_t i = 0; i < parts.size(); ++i) {
      const auto& seg = r.segments[i];
      if (seg.size() > 2 && seg.front() == '{')
        (*params)[seg.substr(1, seg.size() - 2)] = std::string(parts[i]);
    }
    return &r;
  }
  return nullptr;
}

}  // namespace suanli::api
