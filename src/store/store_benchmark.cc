// Commits per second of batches of 1, 16, 64 and 256 records (each record with its audit entry),
// i.e. the group-commit throughput the control plane can count on. SQLite always; PostgreSQL
// when SUANLI_TEST_PG_URL is set (in a fresh schema, dropped afterwards).
//   store_benchmark --benchmark_counters_tabular=true
#include <benchmark/benchmark.h>

#include <cstdio>
#include <memory>

#include "store/store.h"
#include "store/store_test_backends.h"

namespace suanli::store {
namespace {

std::vector<WriteBatch> MakeCommit(int64_t first, int64_t records) {
  WriteBatch batch;
  for (int64_t i = first; i < first + records; ++i) {
    char id[32];
    std::snprintf(id, sizeof id, "job-%012lld", static_cast<long long>(i));
    batch.mutations.push_back(
        {Mutation::Op::kPut,
         Record{"job", id, "org-1", "pool-1", 1, 1700000000000,
                R"({"name":"train","gpus":8,"image":"registry/x:1","state":"queued"})"}});
    batch.audit.push_back(
        AuditEntry{0, 1700000000000, "user-1", "org-1", "create", "job", id, "", "{}", "req"});
  }
  return {batch};
}

template <class Backend>
void BM_Commit(benchmark::State& state) {
  Backend backend;
  std::string skip = backend.SetUp();
  if (!skip.empty()) {
    state.SkipWithError(skip.c_str());
    return;
  }
  {
    auto store = OpenStore(backend.Url());
    if (!store) {
      state.SkipWithError(store.error().ToString().c_str());
      backend.TearDown();
      return;
    }
    const int64_t per_commit = state.range(0);
    int64_t next = 0;
    for (auto _ : state) {
      state.PauseTiming();
      std::vector<WriteBatch> commit = MakeCommit(next, per_commit);
      next += per_commit;
      state.ResumeTiming();
      Status st = (*store)->Commit(commit);
      if (!st.ok()) {
        state.SkipWithError(st.ToString().c_str());
        break;
      }
    }
    state.counters["commits/s"] =
        benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
    state.counters["records/s"] = benchmark::Counter(
        static_cast<double>(state.iterations() * per_commit), benchmark::Counter::kIsRate);
  }
  backend.TearDown();
}

BENCHMARK(BM_Commit<testing::SqliteBackend>)
    ->Name("Commit/sqlite")
    ->Arg(1)
    ->Arg(16)
    ->Arg(64)
    ->Arg(256)
    ->UseRealTime()
    ->MinTime(2.0);
BENCHMARK(BM_Commit<testing::PostgresBackend>)
    ->Name("Commit/postgresql")
    ->Arg(1)
    ->Arg(16)
    ->Arg(64)
    ->Arg(256)
    ->UseRealTime()
    ->MinTime(2.0);

}  // namespace
}  // namespace suanli::store

BENCHMARK_MAIN();
