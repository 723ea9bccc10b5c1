#include "store/pg_conn.h"

#include <cstring>

namespace suanli::store {
namespace {

void IgnoreNotice(void*, const char*) {}  // "relation already exists, skipping" and the like

std::string Trimmed(const char* msg) {
  std::string s = msg ? msg : "";
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

std::vector<const char*> Pointers(const std::vector<std::string>& params) {
  std::vector<const char*> out;
  out.reserve(params.size());
  for (const std::string& p : params) out.push_back(p.c_str());
  return out;
}

}  // namespace

Status PgStatus(PGconn* conn, const PGresult* res, std::string_view what) {
  std::string msg = "postgresql " + std::string(what) + ": " +
                    Trimmed(res ? PQresultErrorMessage(res) : PQerrorMessage(conn));
  const char* state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
  if (state == nullptr || PQstatus(conn) == CONNECTION_BAD) return Unavailable(std::move(msg));
  if (std::strncmp(state, "23", 2) == 0 || std::strncmp(state, "22", 2) == 0) {
    return InvalidArgument(std::move(msg));
  }
  if (std::strcmp(state, "40001") == 0 || std::strcmp(state, "40P01") == 0) {
    return Aborted(std::move(msg));
  }
  // 08 connection exception, 53 insufficient resources, 57 operator intervention (shutdown).
  if (std::strncmp(state, "08", 2) == 0 || std::strncmp(state, "53", 2) == 0 ||
      std::strncmp(state, "57", 2) == 0) {
    return Unavailable(std::move(msg));
  }
  return Internal(std::move(msg));
}

Result<std::unique_ptr<PgConn>> PgConn::Connect(const std::string& url) {
  PGconn* conn = PQconnectdb(url.c_str());
  if (conn == nullptr) return Err(Unavailable("postgresql: out of memory"));
  if (PQstatus(conn) != CONNECTION_OK) {
    Status st = Unavailable("postgresql connect: " + Trimmed(PQerrorMessage(conn)));
    PQfinish(conn);
    return Err(st);
  }
  PQsetNoticeProcessor(conn, IgnoreNotice, nullptr);
  std::unique_ptr<PgConn> pg(new PgConn(conn));
  if (Status st = pg->Exec("SET client_encoding = 'UTF8'"); !st.ok()) return Err(st);
  return pg;
}

PgConn::~PgConn() { PQfinish(conn_); }

Status PgConn::EnsureConnected() {
  if (PQstatus(conn_) == CONNECTION_OK) return OkStatus();
  prepared_.clear();
  PQreset(conn_);
  if (PQstatus(conn_) != CONNECTION_OK) {
    return Unavailable("postgresql reconnect: " + Trimmed(PQerrorMessage(conn_)));
  }
  return OkStatus();
}

Result<PgResult> PgConn::Check(PGresult* raw, std::string_view what) {
  PgResult res(raw);
  ExecStatusType st = res ? PQresultStatus(res.get()) : PGRES_FATAL_ERROR;
  if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) return res;
  return Err(PgStatus(conn_, res.get(), what));
}

Status PgConn::Exec(std::string_view sql) {
  SUANLI_RETURN_IF_ERROR(EnsureConnected());
  std::string owned(sql);
  Result<PgResult> r = Check(PQexec(conn_, owned.c_str()), "exec");
  return r ? OkStatus() : r.error();
}

Result<PgResult> PgConn::ExecPrepared(const std::string& name, const std::string& sql,
                                      const std::vector<std::string>& params) {
  if (Status st = EnsureConnected(); !st.ok()) return Err(st);
  if (!prepared_.contains(name)) {
    Result<PgResult> r = Check(PQprepare(conn_, name.c_str(), sql.c_str(), 0, nullptr), "prepare");
    if (!r) return r;
    prepared_.insert(name);
  }
  std::vector<const char*> values = Pointers(params);
  return Check(PQexecPrepared(conn_, name.c_str(), static_cast<int>(values.size()), values.data(),
                              nullptr, nullptr, 0),
               name);
}

Result<PgResult> PgConn::ExecParams(const std::string& sql,
                                    const std::vector<std::string>& params) {
  if (Status st = EnsureConnected(); !st.ok()) return Err(st);
  std::vector<const char*> values = Pointers(params);
  return Check(PQexecParams(conn_, sql.c_str(), static_cast<int>(values.size()), nullptr,
                            values.data(), nullptr, nullptr, 0),
               "query");
}

}  // namespace suanli::store
