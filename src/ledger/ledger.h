// Ledger: the hash-chained, double-entry journal with group commit. Many threads post; one
// writer thread takes everything pending, validates each draft against the Book and seals it
// into the chain (seq, time, prev_hash, hash); a committer thread appends each sealed batch to
// the LedgerStore in one transaction (one fsync) and only then acknowledges its posters. The two
// form a pipeline: while one batch is written and fsync'd the next is validated and hashed. If
// a commit fails, the Book is rebuilt from the store and every batch sealed on top of the failed
// one fails too: nothing is acknowledged that is not durable. A usage entry that a compute
// voucher covers gets its voucher entry in the same batch, right after it.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "ledger/book.h"
#include "ledger/ledger_store.h"

namespace suanli::ledger {

// What a poster gets back once its entry is durable.
struct Receipt {
  Entry entry;                 // the committed entry (the original one for a repeated key)
  std::vector<Entry> derived;  // entries the rules added in the same commit (a voucher)
  bool duplicate = false;      // the key was already in the journal; nothing was posted
};

struct LedgerOptions {
  size_t max_batch = 20000;  // entries per transaction at most
};

class Ledger {
 public:
  using Done = std::function<void(Result<Receipt>)>;

  // Replays `store` into the Book and starts the writer. `clock` must outlive the Ledger.
  static Result<std::unique_ptr<Ledger>> Open(std::unique_ptr<LedgerStore> store,
                                              const Clock& clock, LedgerOptions options = {});
  // Drains pending posts, then stops the writer.
  ~Ledger();
  Ledger(const Ledger&) = delete;
  Ledger& operator=(const Ledger&) = delete;

  // Queues `draft`; `done` runs on the writer thread once the entry is durable or rejected.
  // Thread-safe. `done` must not call back into Post/Wait on this Ledger.
  void PostAsync(EntryDraft draft, Done done);
  // Posts and waits for durability. Thread-safe.
  Result<Receipt> Post(EntryDraft draft);
  // Posts all (they may share one commit) and waits for every one. Thread-safe.
  std::vector<Result<Receipt>> PostAll(std::vector<EntryDraft> drafts);

  // Reads under a shared lock of the derived state. Thread-safe.
  Fen Balance(const std::string& account) const;
  int64_t LastSeq() const;
  // The seq of the entry with idempotency key `key` (durable or being committed), 0 if none.
  int64_t SeqOfKey(const std::string& key);
  // Runs `fn` on the Book (e.g. programme state) under a shared lock. Thread-safe.
  void WithBook(const std::function<void(const Book&)>& fn) const;
  // Scans committed entries (see LedgerStore::Scan). Thread-safe; serialised with commits
  // (holds the store for the whole scan: `fn` must not call back into this Ledger).
  Status Scan(int64_t from_seq, int64_t to_seq, const std::function<Status(const Entry&)>& fn);

  // A read-only LedgerStore over the entries durable now (a snapshot: later commits are not
  // seen), for statements, write-offs and Verify while the Ledger runs. It reads in chunks and
  // never holds the store while calling back, so callbacks may scan again. Append fails
  // (FailedPrecondition). Must not outlive the Ledger. Thread-safe.
  Result<std::unique_ptr<LedgerStore>> SnapshotReader();

  // Commits (store transactions) and entries committed since Open. Thread-safe.
  struct Stats {
    int64_t commits = 0;
    int64_t entries = 0;
  };
  Stats stats() const { return {commits_.load(), entries_.load()}; }

 private:
  struct Pending {
    EntryDraft draft;
    Done done;
  };
  // Per poster of a sealed batch: an error, or where its entry is.
  struct Outcome {
    Status error;
    int64_t seq = 0;
    bool duplicate = false;
    size_t derived = 0;  // entries added right after it (vouchers)
  };
  struct Sealed {
    std::vector<Pending> batch;
    std::vector<Outcome> outcomes;
    std::vector<Entry> out;  // the entries to append, seqs first_seq, first_seq + 1, ...
    int64_t first_seq = 0;
    int64_t generation = 0;  // the Book generation it was sealed against
  };
  Ledger(std::unique_ptr<LedgerStore> store, const Clock& clock, LedgerOptions options);
  Status Replay();
  Status ReplayLocked();  // book_mu_ held exclusively
  void WriterLoop();
  void CommitterLoop();
  std::unique_ptr<Sealed> SealBatch(std::vector<Pending> batch);
  void CommitSealed(Sealed& s);
  // An entry sealed but perhaps not yet committed: from a batch in the commit queue, else the
  // store.
  Result<Entry> ReadInFlight(int64_t seq);
  Entry Seal(EntryDraft draft);
  Result<Entry> ReadOne(int64_t seq);

  std::unique_ptr<LedgerStore> store_;
  const Clock& clock_;
  LedgerOptions options_;

  std::mutex store_mu_;              // serialises use of store_
  mutable std::shared_mutex book_mu_;  // guards book_, generation_
  Book book_;
  int64_t generation_ = 0;  // bumped when a failed commit rebuilds the Book

  // Lock order: book_mu_, then commit_mu_ or store_mu_; never book_mu_ while holding either.
  std::mutex commit_mu_;  // guards commit_q_, commit_stop_
  std::condition_variable commit_cv_;
  std::deque<std::unique_ptr<Sealed>> commit_q_;  // front = being committed
  bool commit_stop_ = false;
  std::thread committer_;

  std::mutex mu_;  // guards queue_, stop_
  std::condition_variable cv_;
  std::deque<Pending> queue_;
  bool stop_ = false;
  std::thread writer_;
  std::atomic<int64_t> commits_{0}, entries_{0};
};

}  // namespace suanli::ledger
