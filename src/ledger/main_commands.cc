#include "ledger/main_commands.h"

#include <sys/resource.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <mutex>
#include <nlohmann/json.hpp>

#include "core/clock.h"
#include "ledger/ledger.h"
#include "ledger/meter.h"
#include "ledger/statement.h"
#include "ledger/verify.h"

namespace suanli::ledger {
namespace {

int Fail(const Status& st) {
  std::fprintf(stderr, "suanli ledger: %s\n", st.ToString().c_str());
  return 2;
}

int RunVerify(const std::string& db) {
  auto store = OpenLedgerStore(db);
  if (!store) return Fail(store.error());
  Result<VerifyReport> r = Verify(**store);
  if (!r) return Fail(r.error());
  if (!r->ok) {
    std::printf("FAIL after %lld good entries: %s\n", static_cast<long long>(r->entries),
                r->violation.c_str());
    return 1;
  }
  std::printf("ok: %lld entries, %lld lines, chain head %s\n", static_cast<long long>(r->entries),
              static_cast<long long>(r->lines), r->head_hash.c_str());
  return 0;
}

Timestamp AtOrNow(const std::string& at) {
  Timestamp t = SystemClock::Get().Now();
  if (!at.empty()) ParseTimestamp(at, &t);
  return t;
}

}  // namespace

int LedgerMain(int argc, char** argv) {
  CLI::App app{"suanli ledger: verify the journal, statements, write-off reports", "suanli ledger"};
  app.require_subcommand(1);
  std::string db, org, at;
  bool day = false, csv = false;
  CLI::App* verify = app.add_subcommand("verify", "recompute the hash chain and every invariant");
  verify->add_option("--db", db, "SQLite file or postgresql:// URL")
      ->envname("SUANLI_DB")->required();
  CLI::App* stmt = app.add_subcommand("statement", "an organisation's statement and invoice");
  stmt->add_option("--db", db, "SQLite file or postgresql:// URL")->envname("SUANLI_DB")->required();
  stmt->add_option("--org", org, "organisation id")->required();
  stmt->add_flag("--day", day, "a day instead of a month (UTC+8)");
  stmt->add_option("--at", at, "an instant inside the period (RFC 3339; default now)");
  stmt->add_flag("--csv", csv, "CSV line items instead of JSON");
  CLI::App* wo = app.add_subcommand("writeoff", "monthly voucher write-off (核销) per supplier");
  wo->add_option("--db", db, "SQLite file or postgresql:// URL")->envname("SUANLI_DB")->required();
  wo->add_option("--supplier", org, "supplier organisation id")->required();
  wo->add_option("--at", at, "an instant inside the month (RFC 3339; default now)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);
    std::fprintf(stderr, "suanli ledger: %s\n", e.what());
    return 2;
  }
  if (verify->parsed()) return RunVerify(db);
  auto store = OpenLedgerStore(db);
  if (!store) return Fail(store.error());
  if (stmt->parsed()) {
    auto s = BuildStatement(**store, org,
                            PeriodContaining(day ? Period::kDay : Period::kMonth, AtOrNow(at)));
    if (!s) return Fail(s.error());
    std::fputs((csv ? StatementCsv(*s) : StatementJson(*s) + "\n").c_str(), stdout);
    return 0;
  }
  auto r = BuildWriteOff(**store, org, PeriodContaining(Period::kMonth, AtOrNow(at)));
  if (!r) return Fail(r.error());
  std::puts(WriteOffJson(*r).c_str());
  return 0;
}

namespace {

// CPU seconds (user + system) this process has used so far, all threads.
double CpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  auto s = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return s(u.ru_utime) + s(u.ru_stime);
}

// CPU seconds per thread name (user + system), from /proc/self/task/*/stat.
std::map<std::string, double> CpuByThread() {
  std::map<std::string, double> out;
  const double tick = static_cast<double>(sysconf(_SC_CLK_TCK));
  for (const auto& t : std::filesystem::directory_iterator("/proc/self/task")) {
    std::ifstream comm(t.path() / "comm"), stat(t.path() / "stat");
    std::string name, line;
    std::getline(comm, name);
    std::getline(stat, line);
    const size_t close = line.rfind(')');  // the name may hold spaces: fields follow the ')'
    if (name.empty() || close == std::string::npos) continue;
    std::istringstream in(line.substr(close + 2));
    std::string field;
    double utime = 0, stime = 0;
    for (int i = 3; i <= 15 && in >> field; ++i) {
      if (i == 14) utime = std::stod(field);
      if (i == 15) stime = std::stod(field);
    }
    out[name] += (utime + stime) / tick;
  }
  return out;
}

}  // namespace

int BenchLedgerMain(int argc, char** argv) {
  CLI::App app{"suanli bench ledger: durable postings per second", "suanli bench ledger"};
  std::string db;
  bool json = false;
  int64_t n = 200000, window = 100000;
  app.add_option("--db", db, "SQLite file or postgresql:// URL")->envname("SUANLI_DB")->required();
  app.add_flag("--json", json, "print one JSON object");
  app.add_option("--postings", n, "usage entries to post")->check(CLI::Range(1, 100000000));
  app.add_option("--window", window, "posts in flight at most")->check(CLI::Range(1, 10000000));
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);
    std::fprintf(stderr, "suanli bench ledger: %s\n", e.what());
    return 2;
  }
  const Clock& clock = SystemClock::Get();
  auto store = OpenLedgerStore(db);
  if (!store) return Fail(store.error());
  auto ledger = Ledger::Open(std::move(*store), clock);
  if (!ledger) return Fail(ledger.error());

  // Metered one-minute usage records of 8-GPU allocations, prepared before timing.
  const std::string run = std::to_string(clock.Now().ms);
  std::vector<EntryDraft> drafts;
  drafts.reserve(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    UsageRecord r;
    r.job = "bench-" + run;
    r.allocation = "a" + run + "-" + std::to_string(i % 1000);
    r.buyer = "buyer" + std::to_string(i % 50);
    r.supplier = "supplier" + std::to_string(i % 7);
    r.kind = "ai";
    r.region = "cn-east";
    r.from = Timestamp{1'700'000'000'000 + (i / 1000) * 60'000};
    r.to = Timestamp{r.from.ms + 60'000};
    r.items = {{"gpu:H800", 8000, Fen(2500)}, {"cpu_core", 64000, Fen(12)}};
    drafts.push_back(std::move((*MeterUsage(r, MeterConfig{}))[0]));
  }
  std::mutex mu;
  std::condition_variable cv;
  int64_t acked = 0, failed = 0, lines = 0, in_flight = 0;
  bool waiting = false;  // the poster sleeps on `cv`: wake it only then (no futex call per ack)
  const int64_t t0 = clock.MonotonicNanos();
  const double cpu0 = CpuSeconds();
  const std::map<std::string, double> threads0 = CpuByThread();
  for (EntryDraft& d : drafts) {
    {
      std::unique_lock lock(mu);
      if (in_flight >= window) {
        waiting = true;
        cv.wait(lock, [&] { return in_flight < window; });
        waiting = false;
      }
      ++in_flight;
    }
    (*ledger)->PostAsync(std::move(d), [&](Result<Receipt> r) {
      std::lock_guard lock(mu);
      --in_flight;
      if (r) {
        ++acked;
        lines += static_cast<int64_t>(r->entry.lines.size());
      } else {
        ++failed;
      }
      if (waiting || in_flight == 0) cv.notify_all();
    });
  }
  {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return in_flight == 0; });
  }
  const double secs = static_cast<double>(clock.MonotonicNanos() - t0) / 1e9;
  const double cpu = CpuSeconds() - cpu0;
  nlohmann::json by_thread = nlohmann::json::object();
  for (const auto& [name, secs1] : CpuByThread()) {
    auto it = threads0.find(name);
    const double used = secs1 - (it == threads0.end() ? 0.0 : it->second);
    if (acked > 0) by_thread[name] = used * 1e6 / static_cast<double>(acked);
  }
  const Ledger::Stats st = (*ledger)->stats();
  nlohmann::json out = {
      {"store", db.rfind("postgres", 0) == 0 ? "postgresql" : "sqlite"},
      {"postings", acked},
      {"failed", failed},
      {"lines", lines},
      {"seconds", secs},
      {"postings_per_s", static_cast<double>(acked) / secs},
      {"lines_per_s", static_cast<double>(lines) / secs},
      {"cpu_seconds", cpu},
      {"cpu_us_per_posting", acked ? cpu * 1e6 / static_cast<double>(acked) : 0.0},
      // Per thread: "suanli" is the posting (main) thread; clock ticks, so ±10 ms each.
      {"cpu_us_per_posting_by_thread", by_thread},
      {"commits", st.commits},
      {"entries_per_commit", st.commits ? static_cast<double>(st.entries) / st.commits : 0.0},
      {"durability", "acknowledged after COMMIT with fsync (SQLite WAL synchronous=FULL / "
                     "PostgreSQL synchronous_commit)"}};
  if (json) {
    std::puts(out.dump().c_str());
  } else {
    std::printf("%.0f postings/s (%lld in %.2f s, %lld commits)\n",
                static_cast<double>(acked) / secs, static_cast<long long>(acked), secs,
                static_cast<long long>(st.commits));
  }
  return failed == 0 ? 0 : 1;
}

}  // namespace suanli::ledger
