#include "store/store.h"

#include "store/postgres_store.h"
#include "store/sqlite_store.h"

namespace suanli::store {

Result<std::unique_ptr<Store>> OpenStore(const std::string& url) {
  if (url.empty()) return Err(InvalidArgument("empty store url", "store_url"));
  if (url.starts_with("postgresql://") || url.starts_with("postgres://")) {
    auto pg = PostgresStore::Open(url);
    if (!pg) return Err(pg.error());
    return std::unique_ptr<Store>(std::move(*pg));
  }
  if (url.find("://") != std::string::npos) {
    return Err(InvalidArgument(
        "unsupported store url scheme in '" + url + "': use a file path or postgresql://",
        "store_url"));
  }
  auto sqlite = SqliteStore::Open(url);
  if (!sqlite) return Err(sqlite.error());
  return std::unique_ptr<Store>(std::move(*sqlite));
}

}  // namespace suanli::store
