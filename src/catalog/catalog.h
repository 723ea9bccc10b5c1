// The built-in accelerator catalog: every accelerator model the platform knows, with its
// software ecosystem, memory and peak FLOPS per precision, each figure backed by a source.
// The data lives in data/catalog/accelerators.json and is compiled into the binary, so the
// catalog is the same in the server, the CLI and the simulator and needs no file at run time.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "domain/types.h"

namespace suanli::catalog {

// One catalog record: the accelerator and the other names it is known by (for example the
// anonymised model names of public cluster traces: "V100M32", "G2").
struct CatalogEntry {
  domain::Accelerator accelerator;
  std::vector<std::string> aliases;
};

// Parses a catalog document (a JSON array of records, see data/catalog/README.md). Checks the
// shape and the ecosystem of every record, that ids and aliases are unique (case-insensitive)
// and that figures are non-negative. Never throws.
Result<std::vector<CatalogEntry>> ParseCatalog(std::string_view json);

// The embedded catalog document, verbatim.
std::string_view BuiltinCatalogJson();

// The built-in catalog, parsed on first use. Thread-safe; the reference stays valid for the
// life of the process. Only `id` of each record's Meta is set.
const std::vector<domain::Accelerator>& BuiltinAccelerators();

// The built-in record whose id or alias equals `id_or_alias` (ASCII case-insensitive), or
// nullptr when there is none. Thread-safe; the pointer stays valid for the process's life.
const domain::Accelerator* FindBuiltin(std::string_view id_or_alias);

// The aliases of the built-in record with this id (or alias); empty when unknown or none.
std::vector<std::string> AliasesOf(std::string_view id);

// How device names typed by people or printed by vendor tools are compared with the catalog:
// the lower-case ASCII alphanumeric words ("Tesla V100-SXM2-32GB" -> tesla, v100, sxm2, 32gb),
// and the same words joined ("teslav100sxm232gb").
std::vector<std::string> NameWords(std::string_view s);
std::string SquashName(std::string_view s);

}  // namespace suanli::catalog
