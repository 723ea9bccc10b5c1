// PgConn: one libpq connection with reconnect, named prepared statements and error mapping.
// Internal to PostgresStore. Not thread-safe: the owner serialises access.
#pragma once

#include <libpq-fe.h>

#include <memory>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "core/status.h"

namespace suanli::store {

struct PgResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using PgResult = std::unique_ptr<PGresult, PgResultDeleter>;

// Maps a failed result (or a broken connection when `res` is null) to a canonical Status:
// integrity violations (SQLSTATE 23) -> InvalidArgument, 22 (bad data) -> InvalidArgument,
// serialization failure / deadlock -> Aborted, connection errors -> Unavailable.
Status PgStatus(PGconn* conn, const PGresult* res, std::string_view what);

class PgConn {
 public:
  // Connects to `url` (a libpq URI). Unavailable with libpq's message when it cannot connect.
  static Result<std::unique_ptr<PgConn>> Connect(const std::string& url);
  ~PgConn();
  PgConn(const PgConn&) = delete;
  PgConn& operator=(const PgConn&) = delete;

  // Runs one or more statements without parameters (simple query protocol).
  Status Exec(std::string_view sql);
  // Runs the statement `sql` with text parameters, prepared once per connection under `name`.
  // Returns the result when it is COMMAND_OK or TUPLES_OK.
  Result<PgResult> ExecPrepared(const std::string& name, const std::string& sql,
                                const std::vector<std::string>& params);
  // Runs `sql` with text parameters as an unnamed statement (planned with the actual values).
  Result<PgResult> ExecParams(const std::string& sql, const std::vector<std::string>& params);

 private:
  explicit PgConn(PGconn* conn) : conn_(conn) {}
  // Re-establishes a broken connection (forgetting prepared statements). Unavailable on failure.
  Status EnsureConnected();
  Result<PgResult> Check(PGresult* res, std::string_view what);

  PGconn* conn_;
  std::unordered_set<std::string> prepared_;
};

}  // namespace suanli::store
