// PostgresLedgerStore: the journal in PostgreSQL via libpq. A batch is one transaction that
// COPYs its entries and lines; COMMIT returns after the WAL flush (synchronous_commit on).
// Entries are stored as fields (JSON attrs, a lines table); `enc` records the canonical
// encoding their hash covers (schema v2; older rows are v1), so reading rebuilds the same bytes.
#include <libpq-fe.h>

#include <cstdlib>
#include <memory>

#include "ledger/ledger_store.h"

namespace suanli::ledger {
namespace {

constexpr const char* kMigrations[] = {
    R"sql(
CREATE TABLE ledger_entries(
  seq bigint PRIMARY KEY, at_ms bigint NOT NULL, kind text NOT NULL, ikey text NOT NULL UNIQUE,
  ref bigint NOT NULL, memo text NOT NULL, attrs text NOT NULL, prev_hash text NOT NULL,
  hash text NOT NULL);
CREATE TABLE ledger_lines(
  seq bigint NOT NULL, idx int NOT NULL, account text NOT NULL, amount bigint NOT NULL,
  PRIMARY KEY(seq, idx));
CREATE OR REPLACE FUNCTION ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS
  $$ BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$;
CREATE TRIGGER ledger_entries_append_only BEFORE UPDATE OR DELETE ON ledger_entries
  FOR EACH ROW EXECUTE FUNCTION ledger_append_only();
CREATE TRIGGER ledger_lines_append_only BEFORE UPDATE OR DELETE ON ledger_lines
  FOR EACH ROW EXECUTE FUNCTION ledger_append_only();
)sql",
    // Canonical encoding each entry's hash covers (entry.h); rows before this are v1.
    R"sql(
ALTER TABLE ledger_entries ADD COLUMN enc smallint NOT NULL DEFAULT 1;
)sql",
};

struct ResDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using Res = std::unique_ptr<PGresult, ResDeleter>;

std::string Trim(const char* m) {
  std::string s = m ? m : "";
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

// COPY text format: escape the characters that delimit fields and rows.
void CopyField(std::string* out, std::string_view v) {
  for (char c : v) {
    switch (c) {
      case '\\': out->append("\\\\"); break;
      case '\t': out->append("\\t"); break;
      case '\n': out->append("\\n"); break;
      case '\r': out->append("\\r"); break;
      default: out->push_back(c);
    }
  }
}

class PostgresLedgerStore final : public LedgerStore {
 public:
  explicit PostgresLedgerStore(PGconn* c) : conn_(c) {}
  ~PostgresLedgerStore() override { PQfinish(conn_); }

  Status Init() {
    PQsetNoticeProcessor(conn_, [](void*, const char*) {}, nullptr);
    SUANLI_RETURN_IF_ERROR(Exec("SET client_encoding = 'UTF8'"));
    SUANLI_RETURN_IF_ERROR(Exec("BEGIN"));
    Status st = MigrateLocked();
    if (!st.ok()) {
      Exec("ROLLBACK");
      return st;
    }
    return Exec("COMMIT");
  }

  Status Append(const std::vector<Entry>& entries) override {
    if (entries.empty()) return OkStatus();
    SUANLI_RETURN_IF_ERROR(Exec("BEGIN"));
    std::string ebuf, lbuf;
    ebuf.reserve(entries.size() * 300);
    lbuf.reserve(entries.size() * 150);
    for (const Entry& e : entries) {
      const std::string seq = std::to_string(e.seq);
      ebuf += seq + '\t' + std::to_string(e.at.ms) + '\t';
      ebuf.append(KindName(e.kind));
      ebuf += '\t';
      CopyField(&ebuf, e.key);
      ebuf += '\t' + std::to_string(e.ref) + '\t';
      CopyField(&ebuf, e.memo);
      ebuf += '\t';
      CopyField(&ebuf, AttrsToJson(e.attrs));
      ebuf += '\t' + HashHex(e.prev_hash) + '\t' + HashHex(e.hash) + '\t' +
              std::to_string(e.encoding) + '\n';
      for (size_t i = 0; i < e.lines.size(); ++i) {
        lbuf += seq + '\t' + std::to_string(i) + '\t';
        CopyField(&lbuf, e.lines[i].account);
        lbuf += '\t' + std::to_string(e.lines[i].amount.v) + '\n';
      }
    }
    Status st = Copy("COPY ledger_entries(seq, at_ms, kind, ikey, ref, memo, attrs, prev_hash, "
                     "hash, enc) FROM STDIN",
                     ebuf);
    if (st.ok()) st = Copy("COPY ledger_lines(seq, idx, account, amount) FROM STDIN", lbuf);
    if (st.ok()) st = Exec("COMMIT");
    if (!st.ok()) Exec("ROLLBACK");
    return st;
  }

  Status Scan(int64_t from_seq, int64_t to_seq,
              const std::function<Status(const Entry&)>& fn) override {
    if (to_seq <= 0) to_seq = INT64_MAX;
    constexpr int64_t kChunk = 20000;
    for (int64_t lo = from_seq; lo < to_seq;) {
      const int64_t hi = (to_seq - lo > kChunk) ? lo + kChunk : to_seq;
      const std::string range = " WHERE seq >= " + std::to_string(lo) + " AND seq < " +
                                std::to_string(hi) + " ORDER BY seq";
      Res es, ls;
      SUANLI_RETURN_IF_ERROR(Query(
          "SELECT seq, at_ms, kind, ikey, ref, memo, attrs, prev_hash, hash, enc FROM "
          "ledger_entries" +
              range,
          &es));
      SUANLI_RETURN_IF_ERROR(
          Query("SELECT seq, account, amount FROM ledger_lines" + range + ", idx", &ls));
      const int ne = PQntuples(es.get()), nl = PQntuples(ls.get());
      if (ne == 0) {
        Result<int64_t> last = LastSeq();
        if (!last) return last.error();
        if (*last < hi) break;
      }
      int li = 0;
      for (int r = 0; r < ne; ++r) {
        PGresult* e_res = es.get();
        Entry e;
        e.seq = std::atoll(PQgetvalue(e_res, r, 0));
        e.at.ms = std::atoll(PQgetvalue(e_res, r, 1));
        if (!ParseKind(PQgetvalue(e_res, r, 2), &e.kind)) {
          return DataLoss("ledger: unknown kind at seq " + std::to_string(e.seq));
        }
        e.key = PQgetvalue(e_res, r, 3);
        e.ref = std::atoll(PQgetvalue(e_res, r, 4));
        e.memo = PQgetvalue(e_res, r, 5);
        SUANLI_RETURN_IF_ERROR(AttrsFromJson(PQgetvalue(e_res, r, 6), &e.attrs));
        if (!ParseHashHex(PQgetvalue(e_res, r, 7), &e.prev_hash) ||
            !ParseHashHex(PQgetvalue(e_res, r, 8), &e.hash)) {
          return DataLoss("ledger: bad hash text at seq " + std::to_string(e.seq));
        }
        const int enc = std::atoi(PQgetvalue(e_res, r, 9));
        if (enc != kEncodingV1 && enc != kEncodingV2) {
          return DataLoss("ledger: unknown encoding at seq " + std::to_string(e.seq));
        }
        e.encoding = static_cast<uint8_t>(enc);
        for (; li < nl && std::atoll(PQgetvalue(ls.get(), li, 0)) <= e.seq; ++li) {
          if (std::atoll(PQgetvalue(ls.get(), li, 0)) == e.seq) {
            e.lines.push_back({PQgetvalue(ls.get(), li, 1),
                               Fen(std::atoll(PQgetvalue(ls.get(), li, 2)))});
          }
        }
        SUANLI_RETURN_IF_ERROR(fn(e));
      }
      lo = hi;
    }
    return OkStatus();
  }

  Result<int64_t> LastSeq() override {
    Res r;
    if (Status st = Query("SELECT COALESCE(MAX(seq), 0) FROM ledger_entries", &r); !st.ok()) {
      return Err(st);
    }
    return static_cast<int64_t>(std::atoll(PQgetvalue(r.get(), 0, 0)));
  }

 private:
  Status Fail(const PGresult* r, std::string_view what) {
    std::string msg = "ledger postgresql " + std::string(what) + ": " +
                      Trim(r ? PQresultErrorMessage(r) : PQerrorMessage(conn_));
    const char* state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
    if (PQstatus(conn_) == CONNECTION_BAD) {
      PQreset(conn_);
      return Unavailable(std::move(msg));
    }
    if (state && (state[0] == '2' && (state[1] == '3' || state[1] == '2'))) {
      return InvalidArgument(std::move(msg));
    }
    return Internal(std::move(msg));
  }
  Status Exec(const std::string& sql) {
    Res r(PQexec(conn_, sql.c_str()));
    ExecStatusType s = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
    if (s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK) return OkStatus();
    return Fail(r.get(), "exec");
  }
  Status Query(const std::string& sql, Res* out) {
    out->reset(PQexec(conn_, sql.c_str()));
    if (*out && PQresultStatus(out->get()) == PGRES_TUPLES_OK) return OkStatus();
    return Fail(out->get(), "query");
  }
  Status Copy(const std::string& sql, const std::string& data) {
    Res r(PQexec(conn_, sql.c_str()));
    if (!r || PQresultStatus(r.get()) != PGRES_COPY_IN) return Fail(r.get(), "copy");
    if (PQputCopyData(conn_, data.data(), static_cast<int>(data.size())) != 1 ||
        PQputCopyEnd(conn_, nullptr) != 1) {
      return Fail(nullptr, "copy data");
    }
    Status st;
    while (PGresult* raw = PQgetResult(conn_)) {
      Res res(raw);
      if (PQresultStatus(raw) != PGRES_COMMAND_OK && st.ok()) st = Fail(raw, "copy end");
    }
    return st;
  }
  Status MigrateLocked() {
    SUANLI_RETURN_IF_ERROR(Exec("SELECT pg_advisory_xact_lock(7160401)"));
    SUANLI_RETURN_IF_ERROR(Exec("CREATE TABLE IF NOT EXISTS ledger_schema(version int)"));
    Res r;
    SUANLI_RETURN_IF_ERROR(Query("SELECT COALESCE(MAX(version), 0) FROM ledger_schema", &r));
    const int have = std::atoi(PQgetvalue(r.get(), 0, 0));
    const int want = static_cast<int>(std::size(kMigrations));
    if (have > want) return FailedPrecondition("ledger schema is newer than this binary");
    for (int v = have; v < want; ++v) {
      SUANLI_RETURN_IF_ERROR(Exec(kMigrations[v]));
      SUANLI_RETURN_IF_ERROR(
          Exec("INSERT INTO ledger_schema VALUES(" + std::to_string(v + 1) + ")"));
    }
    return OkStatus();
  }

  PGconn* conn_;
};

}  // namespace

Result<std::unique_ptr<LedgerStore>> OpenPostgresLedgerStore(const std::string& url) {
  PGconn* c = PQconnectdb(url.c_str());
  if (c == nullptr) return Err(Unavailable("ledger postgresql: out of memory"));
  if (PQstatus(c) != CONNECTION_OK) {
    Status st = Unavailable("ledger postgresql connect: " + Trim(PQerrorMessage(c)));
    PQfinish(c);
    return Err(st);
  }
  auto store = std::make_unique<PostgresLedgerStore>(c);
  if (Status st = store->Init(); !st.ok()) return Err(st);
  return std::unique_ptr<LedgerStore>(std::move(store));
}

}  // namespace suanli::ledger
