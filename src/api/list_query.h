// ?limit=&offset=&sort=&<field>=value for list endpoints, checked against the kind's schema.
#pragma once

#include <algorithm>
#include <string>
#include <vector>

#include "api/http.h"
#include "domain/schema.h"

namespace suanli::api {

struct ListQuery {
  size_t limit = 100;
  size_t offset = 0;
  std::string sort;  // field name, "" = id order
  bool descending = false;
  std::vector<std::pair<std::string, std::string>> filters;  // field -> value
};

inline constexpr size_t kMaxListLimit = 1000;

Result<size_t> ParseCount(const std::string& name, const std::string& value, size_t max);

// Parses the list parameters; `extra` names parameters the route handles itself.
template <class T>
Result<ListQuery> ParseListQuery(const domain::Schema<T>& schema,
                                 const std::map<std::string, std::string>& q,
                                 const std::vector<std::string>& extra = {}) {
  ListQuery lq;
  for (const auto& [k, v] : q) {
    if (k == "limit") {
      auto n = ParseCount(k, v, kMaxListLimit);
      if (!n) return Err(n.error());
      if (*n == 0) return Err(InvalidArgument("must be between 1 and 1000", "limit"));
      lq.limit = *n;
    } else if (k == "offset") {
      auto n = ParseCount(k, v, SIZE_MAX / 2);
      if (!n) return Err(n.error());
      lq.offset = *n;
    } else if (k == "sort") {
      std::string name = v;
      if (!name.empty() && name[0] == '-') {
        lq.descending = true;
        name = name.substr(1);
      }
      const auto* f = schema.Find(name);
      if (!f || !(f->flags & domain::kSortable))
        return Err(InvalidArgument("cannot sort by '" + name + "'", "sort"));
      lq.sort = name;
    } else if (std::find(extra.begin(), extra.end(), k) != extra.end()) {
      continue;
    } else {
      const auto* f = schema.Find(k);
      if (!f || !(f->flags & domain::kFilterable) || !f->filter_keys)
        return Err(InvalidArgument("unknown filter '" + k + "'", k));
      lq.filters.emplace_back(k, v);
    }
  }
  return lq;
}

template <class T>
bool MatchesFilters(const domain::Schema<T>& schema, const ListQuery& lq, const T& obj) {
  for (const auto& [name, value] : lq.filters) {
    auto keys = schema.Find(name)->filter_keys(obj);
    if (std::find(keys.begin(), keys.end(), value) == keys.end()) return false;
  }
  return true;
}

// The OpenAPI query parameters of a list route for T.
template <class T>
std::vector<std::pair<std::string, Json>> ListQueryDocs(const domain::Schema<T>& schema) {
  std::vector<std::pair<std::string, Json>> out = {
      {"limit", {{"type", "integer"}, {"minimum", 1}, {"maximum", 1000}, {"default", 100}}},
      {"offset", {{"type", "integer"}, {"minimum", 0}, {"default", 0}}}};
  Json sortable = Json::array();
  for (const auto& f : schema.fields) {
    if (f.flags & domain::kSortable) {
      sortable.push_back(f.name);
      sortable.push_back("-" + f.name);
    }
    if ((f.flags & domain::kFilterable) && f.filter_keys)
      out.push_back({f.name, {{"type", "string"}, {"description", "exact match filter"}}});
  }
  out.push_back({"sort", {{"type", "string"}, {"enum", sortable}}});
  return out;
}

}  // namespace suanli::api
