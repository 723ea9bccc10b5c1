// Unit tests: money arithmetic, metering, the chain, idempotency, reversals, statements, and
// verification catching tampering.
#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>

#include "ledger/ledger_test_util.h"
#include "ledger/statement.h"
#include "ledger/verify.h"

namespace suanli::ledger {
namespace {

using testing::Minute;
using testing::OpenOrDie;
using testing::TempDir;
using testing::UsageDraft;

// Verify is clean over `entries` entries, stored in these encoding formats, oldest first.
void ExpectCleanInFormats(LedgerStore& store, int64_t entries, const std::vector<int>& want) {
  auto rep = Verify(store);
  ASSERT_TRUE(rep);
  EXPECT_TRUE(rep->ok) << rep->violation;
  EXPECT_EQ(rep->entries, entries);
  std::vector<int> formats;
  ASSERT_TRUE(store.Scan(1, 0, [&](const Entry& x) {
    formats.push_back(x.encoding);
    return OkStatus();
  }).ok());
  EXPECT_EQ(formats, want);
}

TEST(Money, HalfEvenRounding) {
  EXPECT_EQ(DivRoundHalfEven(5, 2), 2);
  EXPECT_EQ(DivRoundHalfEven(7, 2), 4);
  EXPECT_EQ(DivRoundHalfEven(-5, 2), -2);
  EXPECT_EQ(DivRoundHalfEven(-7, 2), -4);
  EXPECT_EQ(DivRoundHalfEven(10, 3), 3);
  EXPECT_EQ(DivRoundHalfEven(11, 3), 4);
  EXPECT_EQ(ChargeFor(8000, 60, Fen(2500)).v, 333);   // 333.33
  EXPECT_EQ(ChargeFor(1000, 1, Fen(1800)).v, 0);      // 0.5 -> 0 (even)
  EXPECT_EQ(ChargeFor(1000, 3, Fen(1800)).v, 2);      // 1.5 -> 2 (even)
  EXPECT_EQ(ApplyBps(Fen(333), 500).v, 17);           // 16.65
  EXPECT_EQ(FormatYuan(Fen(-12345)), "-123.45");
  EXPECT_EQ(FormatYuan(Fen(5)), "0.05");
}

TEST(Meter, TelescopingChargesHaveNoDrift) {
  // 60 one-minute records billed with billed_seconds_before sum to the rounded hour exactly.
  int64_t total = 0;
  for (int m = 0; m < 60; ++m) {
    UsageRecord r = Minute("a1", m);
    r.items = {{"gpu:A800", 1000, Fen(1001)}};  // 1001 fen/h: 16.683 fen per minute
    r.billed_seconds_before = m * 60;
    total += AttrInt(UsageDraft(r), "charge_fen");
  }
  EXPECT_EQ(total, 1001);
}

TEST(Meter, LostTimeIsNotChargedAndEarnsAnSlaCredit) {
  UsageRecord r = Minute("a1", 0);
  r.lost_seconds = 30;
  r.sla_credit_bps = 10000;  // 100% of the lost time's value
  auto drafts = MeterUsage(r, MeterConfig{});
  ASSERT_TRUE(drafts);
  ASSERT_EQ(drafts->size(), 2u);
  EXPECT_EQ(AttrInt((*drafts)[0], "charge_fen"), 167);  // 30 s of 8 GPUs: 166.67
  EXPECT_EQ((*drafts)[1].kind, EntryKind::kSlaCredit);
  EXPECT_EQ((*drafts)[1].lines[0].amount.v, 167);
  r.lost_seconds = 61;
  EXPECT_FALSE(MeterUsage(r, MeterConfig{}));
}

TEST(Meter, UsageEntryBalancesWithFee) {
  EntryDraft d = UsageDraft(Minute("a1", 0));
  EXPECT_TRUE(CheckBalanced(d).ok());
  ASSERT_EQ(d.lines.size(), 3u);
  EXPECT_EQ(d.lines[0], (Line{"buyer:b1:balance", Fen(333)}));
  EXPECT_EQ(d.lines[1], (Line{"supplier:s1:receivable", Fen(-316)}));
  EXPECT_EQ(d.lines[2], (Line{"platform:fee_revenue", Fen(-17)}));
}

TEST(Ledger, ChainsIdempotentAndRejectsUnbalanced) {
  TempDir dir;
  FakeClock clock;
  auto l = OpenOrDie(dir.Db(), clock);
  auto a = l->Post(UsageDraft(Minute("a1", 0)));
  ASSERT_TRUE(a) << a.error().ToString();
  EXPECT_EQ(a->entry.seq, 1);
  auto again = l->Post(UsageDraft(Minute("a1", 0)));  // re-sent usage
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->duplicate);
  EXPECT_EQ(again->entry.seq, 1);
  EXPECT_EQ(again->entry.hash, a->entry.hash);
  EntryDraft bad = UsageDraft(Minute("a1", 1));
  bad.lines[0].amount += Fen(1);
  EXPECT_EQ(l->Post(bad).error().code(), StatusCode::kInvalidArgument);
  auto b = l->Post(UsageDraft(Minute("a1", 1)));
  ASSERT_TRUE(b);
  EXPECT_EQ(b->entry.seq, 2);
  EXPECT_EQ(b->entry.prev_hash, a->entry.hash);
  EXPECT_EQ(l->Balance("buyer:b1:balance").v, 666);
  // Many concurrent duplicates in one batch post once.
  std::vector<EntryDraft> same(50, UsageDraft(Minute("a2", 0)));
  auto rs = l->PostAll(same);
  int fresh = 0;
  for (auto& r : rs) fresh += (r && !r->duplicate);
  EXPECT_EQ(fresh, 1);
  EXPECT_EQ(l->LastSeq(), 3);
}

TEST(Ledger, ReversalNegatesOnceAndSurvivesReopen) {
  TempDir dir;
  FakeClock clock;
  {
    auto l = OpenOrDie(dir.Db(), clock);
    auto a = l->Post(UsageDraft(Minute("a1", 0)));
    ASSERT_TRUE(a);
    EntryDraft rev;
    rev.kind = EntryKind::kReversal;
    rev.key = "reverse:1";
    rev.ref = 1;
    rev.memo = "wrong price";
    for (const Line& x : a->entry.lines) rev.lines.push_back({x.account, -x.amount});
    ASSERT_TRUE(l->Post(rev));
    EXPECT_EQ(l->Balance("buyer:b1:balance").v, 0);
    rev.key = "reverse:1-again";
    EXPECT_FALSE(l->Post(rev));  // already reversed
    EntryDraft partial = rev;
    partial.key = "reverse:partial";
    partial.lines.pop_back();
    EXPECT_FALSE(l->Post(partial));
  }
  auto l = OpenOrDie(dir.Db(), clock);  // the Book is rebuilt from the journal
  EXPECT_EQ(l->LastSeq(), 2);
  auto store = OpenLedgerStore(dir.Db());
  auto rep = Verify(**store);
  ASSERT_TRUE(rep);
  EXPECT_TRUE(rep->ok) << rep->violation;
}

TEST(Statement, TotalsEqualTheEntriesAndRenders) {
  TempDir dir;
  FakeClock clock(Timestamp{1'735'689'600'000});  // 2025-01-01 08:00 CST
  auto l = OpenOrDie(dir.Db(), clock);
  EntryDraft top{EntryKind::kTopup, "topup:b1:1", 0, "bank transfer", {},
                 {{"platform:cash", Fen(100000)}, {"buyer:b1:balance", Fen(-100000)}}};
  ASSERT_TRUE(l->Post(top));
  for (int m = 0; m < 5; ++m) ASSERT_TRUE(l->Post(UsageDraft(Minute("a1", m))));
  clock.Advance(Millis(31LL * 24 * 3600 * 1000));  // February
  ASSERT_TRUE(l->Post(UsageDraft(Minute("a1", 100))));
  l.reset();
  auto store = OpenLedgerStore(dir.Db());
  auto jan = BuildStatement(**store, "b1", PeriodContaining(Period::kMonth, Timestamp{1'735'689'600'000}));
  ASSERT_TRUE(jan);
  EXPECT_EQ(jan->period.label, "2025-01");
  EXPECT_EQ(jan->lines.size(), 6u);
  EXPECT_EQ(jan->invoice.usage_charges.v, 5 * 333);
  EXPECT_EQ(jan->invoice.amount_due.v, 5 * 333);
  EXPECT_EQ(jan->closing.at("buyer:b1:balance").v, -100000 + 5 * 333);
  Fen sum;
  for (const auto& x : jan->lines) sum += x.amount;
  EXPECT_EQ(jan->closing.at("buyer:b1:balance") - jan->opening.at("buyer:b1:balance"), sum);
  auto feb = BuildStatement(**store, "b1", PeriodContaining(Period::kMonth, clock.Now()));
  ASSERT_TRUE(feb);
  EXPECT_EQ(feb->opening.at("buyer:b1:balance").v, -100000 + 5 * 333);
  EXPECT_EQ(feb->lines.size(), 1u);
  const std::string csv = StatementCsv(*jan);
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 7);
  EXPECT_NE(csv.find("buyer:b1:balance,333,3.33,job-a1,a1"), std::string::npos) << csv;
  EXPECT_NE(StatementJson(*jan).find("\"amount_due_fen\": 1665"), std::string::npos);
  auto sup = BuildStatement(**store, "s1", jan->period);
  ASSERT_TRUE(sup);
  EXPECT_EQ(sup->closing.at("supplier:s1:receivable").v, -5 * 316);
}

TEST(Verify, ReportsTheFirstTamperedEntry) {
  TempDir dir;
  FakeClock clock;
  {
    auto l = OpenOrDie(dir.Db(), clock);
    for (int m = 0; m < 10; ++m) ASSERT_TRUE(l->Post(UsageDraft(Minute("a1", m))));
  }
  {
    auto store = OpenLedgerStore(dir.Db());
    auto rep = Verify(**store);
    ASSERT_TRUE(rep);
    EXPECT_TRUE(rep->ok);
    EXPECT_EQ(rep->entries, 10);
  }
  auto sql = [&](const char* q) {
    sqlite3* db;
    ASSERT_EQ(sqlite3_open(dir.Db().c_str(), &db), SQLITE_OK);
    EXPECT_EQ(sqlite3_exec(db, q, nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
    sqlite3_close(db);
  };
  // Append-only triggers stop a plain edit...
  sqlite3* db;
  ASSERT_EQ(sqlite3_open(dir.Db().c_str(), &db), SQLITE_OK);
  EXPECT_NE(sqlite3_exec(db, "UPDATE ledger_journal SET ikey = 'x' WHERE seq = 4", nullptr,
                         nullptr, nullptr), SQLITE_OK);
  EXPECT_NE(sqlite3_exec(db, "DELETE FROM ledger_journal WHERE seq = 10", nullptr, nullptr,
                         nullptr), SQLITE_OK);
  // ...and a determined one (dropping the triggers, moving a fen between two lines of entry 4
  // and re-encoding it well-formed) is found by the chain.
  sql("DROP TRIGGER ledger_journal_no_update; DROP TRIGGER ledger_journal_no_delete;");
  Entry e4;
  {
    auto store = OpenLedgerStore(dir.Db());
    ASSERT_TRUE(store);
    ASSERT_TRUE((*store)->Scan(4, 5, [&](const Entry& e) {
      e4 = e;
      return OkStatus();
    }).ok());
  }
  e4.lines[0].amount += Fen(1);
  e4.lines[1].amount -= Fen(1);
  const std::string body = CanonicalBytes(e4);
  sqlite3_stmt* up = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "UPDATE ledger_journal SET body = ? WHERE seq = 4", -1, &up,
                               nullptr), SQLITE_OK);
  sqlite3_bind_blob(up, 1, body.data(), static_cast<int>(body.size()), SQLITE_STATIC);
  EXPECT_EQ(sqlite3_step(up), SQLITE_DONE) << sqlite3_errmsg(db);
  sqlite3_finalize(up);
  sqlite3_close(db);
  auto store = OpenLedgerStore(dir.Db());
  auto rep = Verify(**store);
  ASSERT_TRUE(rep);
  EXPECT_FALSE(rep->ok);
  EXPECT_EQ(rep->first_bad_seq, 4);
  EXPECT_NE(rep->violation.find("hash"), std::string::npos) << rep->violation;
  // A mangled row (cut short) is reported as a violation at its seq, not an I/O error.
  sql("UPDATE ledger_journal SET body = substr(body, 1, 40) WHERE seq = 2");
  rep = Verify(**store);
  ASSERT_TRUE(rep);
  EXPECT_EQ(rep->first_bad_seq, 2);
}

TEST(SqliteLedgerStore, MigratesSchemaV1) {
  TempDir dir;
  {
    sqlite3* db;
    ASSERT_EQ(sqlite3_open(dir.Db().c_str(), &db), SQLITE_OK);
    // A v1 journal of one top-up, written as the v1 code did.
    Entry e;
    e.seq = 1;
    e.at = Timestamp{1'735'689'600'000};
    e.kind = EntryKind::kTopup;
    e.key = "t1";
    e.memo = "first";
    e.attrs = {{"by", "op"}};
    e.lines = {{std::string(kPlatformCash), Fen(500)}, {BuyerBalance("b1"), Fen(-500)}};
    e.encoding = kEncodingV1;  // what the v1 code hashed
    e.hash = ComputeHash(e);
    const std::string q =
        "CREATE TABLE ledger_schema(version INTEGER); INSERT INTO ledger_schema VALUES(1);"
        "CREATE TABLE ledger_entries(seq INTEGER PRIMARY KEY, at_ms INTEGER NOT NULL, kind TEXT "
        "NOT NULL, ikey TEXT NOT NULL UNIQUE, ref INTEGER NOT NULL, memo TEXT NOT NULL, attrs TEXT "
        "NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL);"
        "CREATE TABLE ledger_lines(seq INTEGER NOT NULL, idx INTEGER NOT NULL, account TEXT NOT "
        "NULL, amount INTEGER NOT NULL, PRIMARY KEY(seq, idx)) WITHOUT ROWID;"
        "INSERT INTO ledger_entries VALUES(1, 1735689600000, 'topup', 't1', 0, 'first', "
        "'{\"by\":\"op\"}', '" + HashHex(Hash{}) + "', '" + HashHex(e.hash) + "');"
        "INSERT INTO ledger_lines VALUES(1, 0, 'platform:cash', 500);"
        "INSERT INTO ledger_lines VALUES(1, 1, 'buyer:b1:balance', -500);";
    ASSERT_EQ(sqlite3_exec(db, q.c_str(), nullptr, nullptr, nullptr), SQLITE_OK)
        << sqlite3_errmsg(db);
    sqlite3_close(db);
  }
  auto store = OpenLedgerStore(dir.Db());
  ASSERT_TRUE(store) << store.error().ToString();
  auto rep = Verify(**store);
  ASSERT_TRUE(rep);
  EXPECT_TRUE(rep->ok) << rep->violation;
  EXPECT_EQ(rep->entries, 1);
  FakeClock clock;
  {
    auto l = Ledger::Open(std::move(*store), clock);
    ASSERT_TRUE(l);
    EXPECT_EQ((*l)->Balance(BuyerBalance("b1")).v, -500);
    // New entries are written in format v2 on top of the migrated v1 entry.
    for (int m = 0; m < 3; ++m) ASSERT_TRUE((*l)->Post(UsageDraft(Minute("a1", m))));
  }
  store = OpenLedgerStore(dir.Db());
  ASSERT_TRUE(store);
  ExpectCleanInFormats(**store, 4, {1, 2, 2, 2});
}

TEST(SqliteLedgerStore, MigratesSchemaV2ToV3WithoutTheKeyIndex) {
  TempDir dir;
  Entry e;
  e.seq = 1;
  e.at = Timestamp{1'735'689'600'000};
  e.kind = EntryKind::kTopup;
  e.key = "t1";
  e.lines = {{std::string(kPlatformCash), Fen(500)}, {BuyerBalance("b1"), Fen(-500)}};
  e.hash = ComputeHash(e);
  const std::string body = CanonicalBytes(e);
  sqlite3* db;
  ASSERT_EQ(sqlite3_open(dir.Db().c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db,
                         "CREATE TABLE ledger_schema(version INTEGER);"
                         "INSERT INTO ledger_schema VALUES(1), (2);"
                         "CREATE TABLE ledger_journal(seq INTEGER PRIMARY KEY, ikey TEXT NOT NULL "
                         "UNIQUE, body BLOB NOT NULL, prev_hash BLOB NOT NULL, hash BLOB NOT "
                         "NULL);",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_stmt* ins = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "INSERT INTO ledger_journal VALUES(1, 't1', ?, ?, ?)", -1, &ins,
                               nullptr),
            SQLITE_OK);
  const Hash zero{};
  sqlite3_bind_blob(ins, 1, body.data(), static_cast<int>(body.size()), SQLITE_STATIC);
  sqlite3_bind_blob(ins, 2, zero.data(), 32, SQLITE_STATIC);
  sqlite3_bind_blob(ins, 3, e.hash.data(), 32, SQLITE_STATIC);
  ASSERT_EQ(sqlite3_step(ins), SQLITE_DONE);
  sqlite3_finalize(ins);
  sqlite3_close(db);
  FakeClock clock;
  {
    auto l = OpenOrDie(dir.Db(), clock);
    EXPECT_EQ(l->Balance(BuyerBalance("b1")).v, -500);
    // Keys stay unique without the index: the Book answers a repeated key with the original.
    EntryDraft repeat{EntryKind::kTopup, "t1", 0, "", {},
                      {{std::string(kPlatformCash), Fen(700)}, {BuyerBalance("b1"), Fen(-700)}}};
    auto again = l->Post(repeat);
    ASSERT_TRUE(again);
    EXPECT_TRUE(again->duplicate);
    EXPECT_EQ(again->entry.seq, 1);
    ASSERT_TRUE(l->Post(UsageDraft(Minute("a1", 0))));
  }
  auto store = OpenLedgerStore(dir.Db());
  ASSERT_TRUE(store);
  auto rep = Verify(**store);
  ASSERT_TRUE(rep);
  EXPECT_TRUE(rep->ok) << rep->violation;
  EXPECT_EQ(rep->entries, 2);
  ASSERT_EQ(sqlite3_open(dir.Db().c_str(), &db), SQLITE_OK);
  int unique_indexes = -1;
  sqlite3_exec(
      db, "SELECT count(*) FROM pragma_index_list('ledger_journal') WHERE \"unique\" = 1",
      [](void* out, int, char** v, char**) {
        *static_cast<int*>(out) = std::atoi(v[0]);
        return 0;
      },
      &unique_indexes, nullptr);
  EXPECT_EQ(unique_indexes, 0);
  // Still append-only.
  EXPECT_NE(sqlite3_exec(db, "UPDATE ledger_journal SET ikey = 'x' WHERE seq = 1", nullptr,
                         nullptr, nullptr),
            SQLITE_OK);
  EXPECT_NE(sqlite3_exec(db, "DELETE FROM ledger_journal WHERE seq = 2", nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
}

TEST(PostgresLedgerStore, ReadsV1RowsAfterAddingTheEncodingColumn) {
  const char* base = std::getenv("SUANLI_TEST_PG_URL");
  if (base == nullptr || *base == '\0') GTEST_SKIP() << "SUANLI_TEST_PG_URL is not set";
  const std::string schema = "ledger_v1_" + std::to_string(::getpid());
  auto exec = [&](const std::string& q) {
    PGconn* c = PQconnectdb(base);
    PGresult* r = PQexec(c, q.c_str());
    const bool ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
    EXPECT_TRUE(ok) << PQerrorMessage(c);
    PQclear(r);
    PQfinish(c);
  };
  // A schema-v1 journal as the code before format v2 wrote it: one top-up hashed in v1.
  Entry e;
  e.seq = 1;
  e.at = Timestamp{1'735'689'600'000};
  e.kind = EntryKind::kTopup;
  e.key = "t1";
  e.memo = "first";
  e.attrs = {{"by", "op"}};
  e.lines = {{std::string(kPlatformCash), Fen(500)}, {BuyerBalance("b1"), Fen(-500)}};
  e.encoding = kEncodingV1;
  e.hash = ComputeHash(e);
  exec("DROP SCHEMA IF EXISTS " + schema + " CASCADE; CREATE SCHEMA " + schema);
  exec("SET search_path = " + schema + ";"
       "CREATE TABLE ledger_schema(version int); INSERT INTO ledger_schema VALUES(1);"
       "CREATE TABLE ledger_entries(seq bigint PRIMARY KEY, at_ms bigint NOT NULL, kind text NOT "
       "NULL, ikey text NOT NULL UNIQUE, ref bigint NOT NULL, memo text NOT NULL, attrs text NOT "
       "NULL, prev_hash text NOT NULL, hash text NOT NULL);"
       "CREATE TABLE ledger_lines(seq bigint NOT NULL, idx int NOT NULL, account text NOT NULL, "
       "amount bigint NOT NULL, PRIMARY KEY(seq, idx));"
       "INSERT INTO ledger_entries VALUES(1, 1735689600000, 'topup', 't1', 0, 'first', "
       "'{\"by\":\"op\"}', '" + HashHex(Hash{}) + "', '" + HashHex(e.hash) + "');"
       "INSERT INTO ledger_lines VALUES(1, 0, 'platform:cash', 500), (1, 1, 'buyer:b1:balance', "
       "-500);");
  const std::string url = std::string(base) + (std::string(base).find('?') == std::string::npos
                                                   ? "?"
                                                   : "&") +
                          "options=-csearch_path%3D" + schema;
  {
    auto store = OpenLedgerStore(url);
    ASSERT_TRUE(store) << store.error().ToString();
    FakeClock clock;
    auto l = Ledger::Open(std::move(*store), clock);
    ASSERT_TRUE(l) << l.error().ToString();
    EXPECT_EQ((*l)->Balance(BuyerBalance("b1")).v, -500);
    for (int m = 0; m < 2; ++m) ASSERT_TRUE((*l)->Post(UsageDraft(Minute("a1", m))));
  }
  auto store = OpenLedgerStore(url);
  ASSERT_TRUE(store);
  ExpectCleanInFormats(**store, 3, {1, 2, 2});
  store->reset();
  exec("DROP SCHEMA " + schema + " CASCADE");
}

Entry SampleEntry() {
  Entry e;
  e.seq = 300;
  e.at = Timestamp{1'735'689'600'123};
  e.kind = EntryKind::kUsage;
  e.key = "usage:a1:1735689600000";
  e.ref = -3;
  e.memo = "job j1";
  e.attrs = {{"job", "j1"}, {"zz_custom", "x"}, {"charge_fen", "333"}, {"a_custom", ""}};
  e.lines = {{"buyer:b1:balance", Fen(333)},
             {"supplier:s1:receivable", Fen(-316)},
             {"platform:fee_revenue", Fen(-17)}};
  return e;
}

TEST(Entry, CanonicalV2IsCompactAndDecodesBothFormats) {
  Entry e = SampleEntry();
  ASSERT_EQ(e.encoding, kEncodingV2);  // the default for new entries
  const std::string v2 = CanonicalBytes(e);
  Entry old = e;
  old.encoding = kEncodingV1;
  const std::string v1 = CanonicalBytes(old);
  EXPECT_LT(v2.size() * 2, v1.size()) << v2.size() << " vs " << v1.size();
  EXPECT_NE(ComputeHash(e), ComputeHash(old));
  for (const std::string* bytes : {&v1, &v2}) {
    Entry d;
    ASSERT_TRUE(DecodeCanonical(*bytes, &d).ok());
    EXPECT_EQ(d.encoding, bytes == &v1 ? kEncodingV1 : kEncodingV2);
    EXPECT_EQ(d.seq, e.seq);
    EXPECT_EQ(d.at, e.at);
    EXPECT_EQ(d.kind, e.kind);
    EXPECT_EQ(d.key, e.key);
    EXPECT_EQ(d.ref, e.ref);
    EXPECT_EQ(d.memo, e.memo);
    EXPECT_EQ(d.attrs, e.attrs);
    EXPECT_EQ(d.lines, e.lines);
    EXPECT_EQ(CanonicalBytes(d), *bytes);  // re-encodes to the very bytes that were hashed
  }
  // Attributes are sorted by name whatever the order they were given in.
  std::vector<std::string> names;
  for (const auto& [k, v] : e.attrs) names.push_back(k);
  EXPECT_EQ(names, (std::vector<std::string>{"a_custom", "charge_fen", "job", "zz_custom"}));
}

TEST(Entry, MalformedV2BytesAreDataLoss) {
  Entry e = SampleEntry();
  const std::string v2 = CanonicalBytes(e);
  Entry d;
  for (size_t cut : {size_t{1}, size_t{5}, v2.size() - 1}) {
    EXPECT_EQ(DecodeCanonical(v2.substr(0, cut), &d).code(), StatusCode::kDataLoss) << cut;
  }
  EXPECT_EQ(DecodeCanonical(v2 + "x", &d).code(), StatusCode::kDataLoss);
  // A well-known name spelled out (code 0) or names out of order are not canonical.
  Entry one;
  one.key = "k";
  one.attrs = {{"zz", "1"}};
  std::string b = CanonicalBytes(one);
  const size_t at = b.find("zz");
  ASSERT_NE(at, std::string::npos);
  std::string spelled = b;
  spelled.replace(at, 2, "ab");  // still sorted, still a literal: fine
  EXPECT_TRUE(DecodeCanonical(spelled, &d).ok());
  spelled = b.substr(0, at - 1) + std::string(1, '\x03') + "job" + b.substr(at + 2);
  EXPECT_EQ(DecodeCanonical(spelled, &d).code(), StatusCode::kDataLoss);
  Entry two = one;
  two.attrs = {{"b", "1"}, {"c", "2"}};
  b = CanonicalBytes(two);
  std::swap(b[b.find('b')], b[b.find('c')]);  // names now out of order
  EXPECT_EQ(DecodeCanonical(b, &d).code(), StatusCode::kDataLoss);
}

}  // namespace
}  // namespace suanli::ledger
