#include "cli/accelerator_names.h"

#include <algorithm>
#include <cctype>
#include <set>

#include "catalog/catalog.h"

namespace suanli::cli {
namespace {

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool HasDigit(const std::string& s) {
  return std::any_of(s.begin(), s.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
}

bool IsMemorySize(const std::string& w) {
  return w.size() > 2 && w.ends_with("gb") && std::isdigit(static_cast<unsigned char>(w[0]));
}

// Every run of consecutive words, squashed: the names an entry answers to. Runs that start
// the word list always count; inner runs only when they carry a digit (so "sxm" alone does
// not match, "k100" does) and do not start with a memory size.
void AddRuns(const std::vector<std::string>& words, std::set<std::string>* names) {
  for (size_t i = 0; i < words.size(); ++i) {
    std::string run;
    for (size_t j = i; j < words.size(); ++j) {
      run += words[j];
      if (i == 0 || (HasDigit(run) && !IsMemorySize(words[i]))) names->insert(run);
    }
  }
}

std::set<std::string> NamesOf(const CatalogEntry& e) {
  std::set<std::string> names = {catalog::SquashName(e.id), catalog::SquashName(e.model),
                                 catalog::SquashName(e.vendor + " " + e.model)};
  std::vector<std::string> id_words = catalog::NameWords(e.id);
  if (id_words.size() > 1) {
    AddRuns(std::vector<std::string>(id_words.begin() + 1, id_words.end()), &names);
  }
  AddRuns(catalog::NameWords(e.model), &names);
  return names;
}

}  // namespace

std::vector<CatalogEntry> CatalogFromJson(const nlohmann::json& items) {
  std::vector<CatalogEntry> out;
  if (!items.is_array()) return out;
  for (const auto& a : items) {
    if (!a.is_object()) continue;
    out.push_back({a.value("id", ""), a.value("vendor", ""), a.value("model", ""),
                   a.value("ecosystem", "")});
  }
  return out;
}

const CatalogEntry* FindEntry(const std::vector<CatalogEntry>& catalog, const std::string& id) {
  for (const auto& e : catalog)
    if (e.id == id) return &e;
  return nullptr;
}

Result<std::vector<std::string>> ResolveAccelerator(const std::string& name,
                                                    const std::vector<CatalogEntry>& catalog,
                                                    const std::string& field) {
  const std::string lower = Lower(name);
  for (const auto& e : catalog)
    if (Lower(e.id) == lower) return std::vector<std::string>{e.id};
  const std::string key = catalog::SquashName(name);
  std::vector<std::string> out;
  if (!key.empty()) {
    for (const auto& e : catalog)
      if (NamesOf(e).count(key)) out.push_back(e.id);
  }
  if (out.empty())
    return Err(InvalidArgument("unknown accelerator \"" + name + "\" (see `suanli accelerator list`)",
                        field));
  return out;
}

}  // namespace suanli::cli
