// For the market's tests: catalog records by id, read straight from the built-in catalog (not
// through the index under test).
#pragma once

#include <string>

#include "catalog/catalog.h"

namespace suanli::market {

inline const domain::Accelerator* Acc(const std::string& id) {
  for (const auto& a : catalog::BuiltinAccelerators())
    if (a.id == id) return &a;
  return nullptr;
}

}  // namespace suanli::market
