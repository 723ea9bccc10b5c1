// One description per resource kind drives everything the API does with its fields: decoding
// and validating client JSON (create and patch), encoding responses, filters, sort keys and the
// OpenAPI schema. Keeping these in one table is what keeps the API, the CLI and openapi.json
// telling the same story.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/clock.h"
#include "core/status.h"

namespace suanli::domain {

using Json = nlohmann::json;

enum FieldFlags : uint32_t {
  kRequired = 1,     // must be present on create
  kServer = 2,       // set by the server only; clients may not send it
  kImmutable = 4,    // settable on create, never changed by a patch
  kSortable = 8,     // usable in ?sort=
  kFilterable = 16,  // usable as ?name=value (exact match; lists match any element)
  kSecret = 32,      // stored but never encoded in responses
};

// A field of resource type T: how to read it, write it, and describe it.
template <class T>
struct FieldDef {
  std::string name;
  uint32_t flags = 0;
  Json schema;  // OpenAPI schema of the value
  std::function<Json(const T&)> get;
  // Validates `value` and stores it; `path` is the field's full name for error messages.
  std::function<Status(T&, const Json& value, const std::string& path)> set;
  // Scalar key for filtering and sorting (strings compare as text, numbers numerically).
  std::function<std::vector<std::string>(const T&)> filter_keys;
  std::function<double(const T&)> sort_number;  // set for numeric sort keys
};

template <class T>
struct Schema {
  std::string kind;       // "node"
  std::string plural;     // "nodes"
  std::string id_prefix;  // "node"
  std::string description;
  std::vector<FieldDef<T>> fields;

  const FieldDef<T>* Find(std::string_view name) const {
    for (const auto& f : fields)
      if (f.name == name) return &f;
    return nullptr;
  }
};

enum class DecodeMode { kCreate, kPatch, kStored };

// Applies the JSON object `j` to `out` field by field. kCreate rejects server fields and
// requires kRequired ones; kPatch also rejects immutable fields; kStored trusts everything.
// Unknown fields are rejected (with their name) except in kStored.
template <class T>
Status Decode(const Schema<T>& schema, const Json& j, T* out, DecodeMode mode) {
  if (!j.is_object()) return InvalidArgument("body must be a JSON object", "");
  for (auto it = j.begin(); it != j.end(); ++it) {
    const FieldDef<T>* f = schema.Find(it.key());
    if (f == nullptr) {
      if (mode == DecodeMode::kStored) continue;
      return InvalidArgument("unknown field", it.key());
    }
    if (mode != DecodeMode::kStored) {
      if (f->flags & kServer) return InvalidArgument("field is set by the server", f->name);
      if (mode == DecodeMode::kPatch && (f->flags & kImmutable))
        return InvalidArgument("field cannot be changed after creation", f->name);
    }
    if (mode == DecodeMode::kPatch && it.value().is_null() && !(f->flags & kRequired)) {
      SUANLI_RETURN_IF_ERROR(f->set(*out, Json(), f->name));
      continue;
    }
    SUANLI_RETURN_IF_ERROR(f->set(*out, it.value(), f->name));
  }
  if (mode == DecodeMode::kCreate) {
    for (const auto& f : schema.fields)
      if ((f.flags & kRequired) && !j.contains(f.name))
        return InvalidArgument("field is required", f.name);
  }
  return OkStatus();
}

// The public JSON of `obj` (secrets left out).
template <class T>
Json Encode(const Schema<T>& schema, const T& obj, bool include_secrets = false) {
  Json j = Json::object();
  for (const auto& f : schema.fields) {
    if ((f.flags & kSecret) && !include_secrets) continue;
    Json v = f.get(obj);
    if (!v.is_null()) j[f.name] = std::move(v);
  }
  return j;
}

// The OpenAPI object schema of T. `for_input` leaves out server fields and secrets.
template <class T>
Json OpenApiSchema(const Schema<T>& schema, bool for_input) {
  Json props = Json::object();
  Json required = Json::array();
  for (const auto& f : schema.fields) {
    if (for_input && (f.flags & kServer)) continue;
    if (!for_input && (f.flags & kSecret)) continue;
    Json s = f.schema;
    if (f.flags & kServer) s["readOnly"] = true;
    props[f.name] = s;
    if (for_input && (f.flags & kRequired)) required.push_back(f.name);
  }
  Json out = {{"type", "object"}, {"properties", props}, {"description", schema.description}};
  if (for_input) out["additionalProperties"] = false;
  if (!required.empty()) out["required"] = required;
  return out;
}

// ---- Field builders for the common value types. ----
namespace field {

Status CheckString(const Json& v, const std::string& path, size_t min_len, size_t max_len);
Status CheckInt(const Json& v, const std::string& path, int64_t min, int64_t max);
Status CheckNumber(const Json& v, const std::string& path, double min, double max);
Status CheckEnum(const Json& v, const std::string& path, const std::vector<std::string>& allowed);
Status CheckTimestamp(const Json& v, const std::string& path, Timestamp* out);

template <class T>
FieldDef<T> String(std::string name, std::string T::*m, uint32_t flags, std::string desc,
                   size_t max_len = 200, size_t min_len = 1) {
  FieldDef<T> f;
  f.name = name;
  f.flags = flags;
  f.schema = {{"type", "string"}, {"description", desc}, {"maxLength", max_len}};
  f.get = [m](const T& o) { return (o.*m).empty() ? Json() : Json(o.*m); };
  f.set = [m, min_len, max_len](T& o, const Json& v, const std::string& path) -> Status {
    if (v.is_null()) {
      (o.*m).clear();
      return OkStatus();
    }
    SUANLI_RETURN_IF_ERROR(CheckString(v, path, min_len, max_len));
    o.*m = v.get<std::string>();
    return OkStatus();
  };
  f.filter_keys = [m](const T& o) { return std::vector<std::string>{o.*m}; };
  return f;
}

template <class T>
FieldDef<T> Enum(std::string name, std::string T::*m, std::vector<std::string> values,
                 uint32_t flags, std::string desc) {
  FieldDef<T> f = String<T>(name, m, flags, desc);
  f.schema = {{"type", "string"}, {"enum", values}, {"description", desc}};
  f.set = [m, values](T& o, const Json& v, const std::string& path) -> Status {
    SUANLI_RETURN_IF_ERROR(CheckEnum(v, path, values));
    o.*m = v.get<std::string>();
    return OkStatus();
  };
  return f;
}

template <class T, class I>
FieldDef<T> Int(std::string name, I T::*m, uint32_t flags, std::string desc, int64_t min,
                int64_t max) {
  FieldDef<T> f;
  f.name = name;
  f.flags = flags;
  f.schema = {{"type", "integer"}, {"description", desc}, {"minimum", min}, {"maximum", max}};
  f.get = [m](const T& o) { return Json(static_cast<int64_t>(o.*m)); };
  f.set = [m, min, max](T& o, const Json& v, const std::string& path) -> Status {
    SUANLI_RETURN_IF_ERROR(CheckInt(v, path, min, max));
    o.*m = static_cast<I>(v.get<int64_t>());
    return OkStatus();
  };
  f.filter_keys = [m](const T& o) { return std::vector<std::string>{std::to_string(o.*m)}; };
  f.sort_number = [m](const T& o) { return static_cast<double>(o.*m); };
  return f;
}

template <class T>
FieldDef<T> Number(std::string name, double T::*m, uint32_t flags, std::string desc, double min,
                   double max) {
  FieldDef<T> f;
  f.name = name;
  f.flags = flags;
  f.schema = {{"type", "number"}, {"description", desc}, {"minimum", min}, {"maximum", max}};
  f.get = [m](const T& o) { return Json(o.*m); };
  f.set = [m, min, max](T& o, const Json& v, const std::string& path) -> Status {
    SUANLI_RETURN_IF_ERROR(CheckNumber(v, path, min, max));
    o.*m = v.get<double>();
    return OkStatus();
  };
  f.sort_number = [m](const T& o) { return o.*m; };
  return f;
}

template <class T>
FieldDef<T> Bool(std::string name, bool T::*m, uint32_t flags, std::string desc) {
  FieldDef<T> f;
  f.name = name;
  f.flags = flags;
  f.schema = {{"type", "boolean"}, {"description", desc}};
  f.get = [m](const T& o) { return Json(o.*m); };
  f.set = [m](T& o, const Json& v, const std::string& path) -> Status {
    if (!v.is_boolean()) return InvalidArgument("must be true or false", path);
    o.*m = v.get<bool>();
    return OkStatus();
  };
  f.filter_keys = [m](const T& o) {
    return std::vector<std::string>{(o.*m) ? "true" : "false"};
  };
  return f;
}

// An optional timestamp (RFC 3339 text); ms == 0 means unset.
template <class T>
FieldDef<T> Time(std::string name, Timestamp T::*m, uint32_t flags, std::string desc) {
  FieldDef<T> f;
  f.name = name;
  f.flags = flags;
  f.schema = {{"type", "string"}, {"format", "date-time"}, {"description", desc}};
  f.get = [m](const T& o) { return (o.*m).ms == 0 ? Json() : Json(FormatTimestamp(o.*m)); };
  f.set = [m](T& o, const Json& v, const std::string& path) -> Status {
    if (v.is_null()) {
      o.*m = Timestamp{};
      return OkStatus();
    }
    return CheckTimestamp(v, path, &(o.*m));
  };
  f.sort_number = [m](const T& o) { return static_cast<double>((o.*m).ms); };
  return f;
}

// A list of short strings, optionally restricted to `allowed`.
template <class T>
FieldDef<T> StringList(std::string name, std::vector<std::string> T::*m, uint32_t flags,
                       std::string desc, std::vector<std::string> allowed = {},
                       size_t max_items = 64) {
  FieldDef<T> f;
  f.name = name;
  f.flags = flags;
  Json items = {{"type", "string"}};
  if (!allowed.empty()) items["enum"] = allowed;
  f.schema = {{"type", "array"}, {"items", items}, {"description", desc}, {"maxItems", max_items}};
  f.get = [m](const T& o) { return Json(o.*m); };
  f.set = [m, allowed, max_items](T& o, const Json& v, const std::string& path) -> Status {
    if (v.is_null()) {
      (o.*m).clear();
      return OkStatus();
    }
    if (!v.is_array()) return InvalidArgument("must be an array of strings", path);
    if (v.size() > max_items) return InvalidArgument("too many items", path);
    std::vector<std::string> out;
    for (size_t i = 0; i < v.size(); ++i) {
      std::string p = path + "[" + std::to_string(i) + "]";
      if (allowed.empty()) {
        SUANLI_RETURN_IF_ERROR(CheckString(v[i], p, 1, 200));
      } else {
        SUANLI_RETURN_IF_ERROR(CheckEnum(v[i], p, allowed));
      }
      out.push_back(v[i].get<std::string>());
    }
    o.*m = std::move(out);
    return OkStatus();
  };
  f.filter_keys = [m](const T& o) { return o.*m; };
  return f;
}

// A list of non-negative integers (device indexes, per-device counters).
template <class T, class I>
FieldDef<T> IntList(std::string name, std::vector<I> T::*m, uint32_t flags, std::string desc,
                    size_t max_items = 64, int64_t max_value = 1 << 20) {
  FieldDef<T> f;
  f.name = name;
  f.flags = flags;
  f.schema = {{"type", "array"},
              {"items", {{"type", "integer"}, {"minimum", 0}}},
              {"description", desc},
              {"maxItems", max_items}};
  f.get = [m](const T& o) { return (o.*m).empty() ? Json() : Json(o.*m); };
  f.set = [m, max_items, max_value](T& o, const Json& v, const std::string& path) -> Status {
    (o.*m).clear();
    if (v.is_null()) return OkStatus();
    if (!v.is_array() || v.size() > max_items)
      return InvalidArgument("must be an array of at most " + std::to_string(max_items) +
                             " integers", path);
    for (const auto& x : v) {
      if (!x.is_number_integer() || x.get<int64_t>() < 0 || x.get<int64_t>() > max_value)
        return InvalidArgument("must be an array of non-negative integers", path);
      (o.*m).push_back(static_cast<I>(x.get<int64_t>()));
    }
    return OkStatus();
  };
  return f;
}

// A map of short string labels.
template <class T>
FieldDef<T> Labels(std::string name, std::map<std::string, std::string> T::*m, uint32_t flags,
                   std::string desc, size_t max_value = 200) {
  FieldDef<T> f;
  f.name = name;
  f.flags = flags;
  f.schema = {{"type", "object"},
              {"additionalProperties", {{"type", "string"}}},
              {"description", desc}};
  f.get = [m](const T& o) { return (o.*m).empty() ? Json() : Json(o.*m); };
  f.set = [m, max_value](T& o, const Json& v, const std::string& path) -> Status {
    if (v.is_null()) {
      (o.*m).clear();
      return OkStatus();
    }
    if (!v.is_object()) return InvalidArgument("must be an object of strings", path);
    if (v.size() > 64) return InvalidArgument("too many labels", path);
    std::map<std::string, std::string> out;
    for (auto it = v.begin(); it != v.end(); ++it) {
      if (it.key().empty() || it.key().size() > 63)
        return InvalidArgument("label keys are 1-63 characters", path);
      SUANLI_RETURN_IF_ERROR(CheckString(it.value(), path + "." + it.key(), 0, max_value));
      out[it.key()] = it.value().get<std::string>();
    }
    o.*m = std::move(out);
    return OkStatus();
  };
  f.filter_keys = [m](const T& o) {
    std::vector<std::string> keys;
    for (const auto& [k, v] : o.*m) keys.push_back(k + "=" + v);
    return keys;
  };
  return f;
}

}  // namespace field
}  // namespace suanli::domain
