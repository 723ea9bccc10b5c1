#include "ledger/ledger.h"

#include <malloc.h>
#include <pthread.h>

#include <future>
#include <unordered_map>

namespace suanli::ledger {

Ledger::Ledger(std::unique_ptr<LedgerStore> store, const Clock& clock, LedgerOptions options)
    : store_(std::move(store)), clock_(clock), options_(options) {}

namespace {

// glibc malloc, tuned once per process for the ledger's pattern: batches of thousands of
// entries allocated on the posting and writer threads and freed on the committer thread. A
// fixed mmap threshold keeps batch-sized vectors in the heap (no fresh zeroed pages per batch)
// and a high trim threshold keeps freed memory for the next batch instead of returning it to
// the kernel and faulting it back in.
void TuneMalloc() {
  static std::once_flag once;
  std::call_once(once, [] {
    mallopt(M_MMAP_THRESHOLD, 64 << 20);
    mallopt(M_TRIM_THRESHOLD, 256 << 20);
  });
}

}  // namespace

Result<std::unique_ptr<Ledger>> Ledger::Open(std::unique_ptr<LedgerStore> store,
                                             const Clock& clock, LedgerOptions options) {
  TuneMalloc();
  std::unique_ptr<Ledger> l(new Ledger(std::move(store), clock, options));
  if (Status st = l->Replay(); !st.ok()) return Err(st);
  l->writer_ = std::thread([p = l.get()] { p->WriterLoop(); });
  l->committer_ = std::thread([p = l.get()] { p->CommitterLoop(); });
  // Named for profiles (perf report --sort comm) and top -H.
  pthread_setname_np(l->writer_.native_handle(), "ledger-writer");
  pthread_setname_np(l->committer_.native_handle(), "ledger-commit");
  return l;
}

Ledger::~Ledger() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (writer_.joinable()) writer_.join();
  {
    std::lock_guard lock(commit_mu_);
    commit_stop_ = true;
  }
  commit_cv_.notify_all();
  if (committer_.joinable()) committer_.join();
}

Status Ledger::Replay() {
  std::unique_lock bl(book_mu_);
  return ReplayLocked();
}

Status Ledger::ReplayLocked() {
  std::lock_guard sl(store_mu_);
  book_ = Book();
  return store_->Scan(1, 0, [&](const Entry& e) {
    return book_.Admit(e, [&](int64_t seq) -> Result<Entry> {
      Entry out;
      bool found = false;
      Status st = store_->Scan(seq, seq + 1, [&](const Entry& x) {
        out = x;
        found = true;
        return OkStatus();
      });
      if (!st.ok()) return Err(st);
      if (!found) return Err(NotFound("no entry " + std::to_string(seq)));
      return out;
    });
  });
}

void Ledger::PostAsync(EntryDraft draft, Done done) {
  bool was_empty;
  {
    std::lock_guard lock(mu_);
    was_empty = queue_.empty();
    queue_.push_back({std::move(draft), std::move(done)});
  }
  // The writer sleeps only on an empty queue: waking it for every post costs a futex call each.
  if (was_empty) cv_.notify_one();
}

Result<Receipt> Ledger::Post(EntryDraft draft) {
  std::promise<Result<Receipt>> p;
  auto f = p.get_future();
  PostAsync(std::move(draft), [&p](Result<Receipt> r) { p.set_value(std::move(r)); });
  return f.get();
}

std::vector<Result<Receipt>> Ledger::PostAll(std::vector<EntryDraft> drafts) {
  std::vector<std::promise<Result<Receipt>>> ps(drafts.size());
  std::vector<std::future<Result<Receipt>>> fs;
  {
    std::lock_guard lock(mu_);
    for (size_t i = 0; i < drafts.size(); ++i) {
      fs.push_back(ps[i].get_future());
      queue_.push_back({std::move(drafts[i]),
                        [p = &ps[i]](Result<Receipt> r) { p->set_value(std::move(r)); }});
    }
  }
  cv_.notify_one();
  std::vector<Result<Receipt>> out;
  for (auto& f : fs) out.push_back(f.get());
  return out;
}

Fen Ledger::Balance(const std::string& account) const {
  std::shared_lock lock(book_mu_);
  return book_.Balance(account);
}

int64_t Ledger::SeqOfKey(const std::string& key) {
  std::shared_lock lock(book_mu_);
  return book_.SeqOfKey(key, [this](int64_t seq) { return ReadInFlight(seq); });
}

int64_t Ledger::LastSeq() const {
  std::shared_lock lock(book_mu_);
  return book_.last_seq();
}

void Ledger::WithBook(const std::function<void(const Book&)>& fn) const {
  std::shared_lock lock(book_mu_);
  fn(book_);
}

Status Ledger::Scan(int64_t from_seq, int64_t to_seq,
                    const std::function<Status(const Entry&)>& fn) {
  std::lock_guard lock(store_mu_);
  return store_->Scan(from_seq, to_seq, fn);
}

namespace {

class SnapshotStore final : public LedgerStore {
 public:
  SnapshotStore(Ledger* l, int64_t last) : ledger_(l), last_(last) {}
  Status Append(const std::vector<Entry>&) override {
    return FailedPrecondition("a ledger snapshot is read-only");
  }
  Status Scan(int64_t from_seq, int64_t to_seq,
              const std::function<Status(const Entry&)>& fn) override {
    constexpr int64_t kChunk = 2048;
    to_seq = to_seq <= 0 ? last_ + 1 : std::min(to_seq, last_ + 1);
    std::vector<Entry> chunk;
    for (int64_t at = std::max<int64_t>(from_seq, 1); at < to_seq; at += kChunk) {
      chunk.clear();
      SUANLI_RETURN_IF_ERROR(ledger_->Scan(at, std::min(at + kChunk, to_seq), [&](const Entry& e) {
        chunk.push_back(e);
        return OkStatus();
      }));
      for (const Entry& e : chunk) SUANLI_RETURN_IF_ERROR(fn(e));
    }
    return OkStatus();
  }
  Result<int64_t> LastSeq() override { return last_; }

 private:
  Ledger* ledger_;
  int64_t last_;
};

}  // namespace

Result<std::unique_ptr<LedgerStore>> Ledger::SnapshotReader() {
  Result<int64_t> last;
  {
    std::lock_guard lock(store_mu_);
    last = store_->LastSeq();
  }
  if (!last) return Err(last.error());
  return std::unique_ptr<LedgerStore>(std::make_unique<SnapshotStore>(this, *last));
}

void Ledger::WriterLoop() {
  constexpr size_t kMaxQueued = 2;  // sealed batches waiting for the committer, at most
  std::vector<Pending> batch;
  for (;;) {
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stop_ and drained
      batch.reserve(std::min(queue_.size(), options_.max_batch));  // no regrowth while moving
      while (!queue_.empty() && batch.size() < options_.max_batch) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    std::unique_ptr<Sealed> sealed = SealBatch(std::move(batch));
    batch.clear();
    std::unique_lock lock(commit_mu_);
    commit_cv_.wait(lock, [&] { return commit_q_.size() < kMaxQueued; });
    commit_q_.push_back(std::move(sealed));
    commit_cv_.notify_all();
  }
}

void Ledger::CommitterLoop() {
  for (;;) {
    Sealed* s;
    {
      std::unique_lock lock(commit_mu_);
      commit_cv_.wait(lock, [&] { return commit_stop_ || !commit_q_.empty(); });
      if (commit_q_.empty()) return;  // stopped and drained
      s = commit_q_.front().get();  // stays queued (visible to ReadInFlight) until durable
    }
    CommitSealed(*s);
  }
}

Entry Ledger::Seal(EntryDraft draft) {
  Entry e;
  static_cast<EntryDraft&>(e) = std::move(draft);
  e.seq = book_.last_seq() + 1;
  e.at = std::max(clock_.Now(), book_.last_at());
  e.prev_hash = book_.last_hash();
  e.encoded = CanonicalBytes(e);
  e.hash = HashOf(e.prev_hash, e.encoded);
  return e;
}

Result<Entry> Ledger::ReadOne(int64_t seq) {
  Entry out;
  bool found = false;
  Status st;
  {
    std::lock_guard lock(store_mu_);
    st = store_->Scan(seq, seq + 1, [&](const Entry& x) {
      out = x;
      found = true;
      return OkStatus();
    });
  }
  if (!st.ok()) return Err(st);
  if (!found) return Err(NotFound("no entry " + std::to_string(seq)));
  return out;
}

Result<Entry> Ledger::ReadInFlight(int64_t seq) {
  {
    std::lock_guard lock(commit_mu_);
    for (const auto& s : commit_q_) {
      if (seq >= s->first_seq && seq < s->first_seq + static_cast<int64_t>(s->out.size())) {
        return s->out[static_cast<size_t>(seq - s->first_seq)];
      }
    }
  }
  return ReadOne(seq);  // durable already (batches leave the queue only once committed)
}

std::unique_ptr<Ledger::Sealed> Ledger::SealBatch(std::vector<Pending> batch) {
  auto s = std::make_unique<Sealed>();
  s->batch = std::move(batch);
  s->outcomes.resize(s->batch.size());
  std::vector<Entry>& out = s->out;
  out.reserve(s->batch.size());
  std::unique_lock bl(book_mu_);
  s->generation = generation_;
  const int64_t first_seq = s->first_seq = book_.last_seq() + 1;
  const EntryLookup lookup = [&](int64_t seq) -> Result<Entry> {  // built once per batch
    if (seq >= first_seq) return out.at(static_cast<size_t>(seq - first_seq));
    return ReadInFlight(seq);
  };
  for (size_t i = 0; i < s->batch.size(); ++i) {
    EntryDraft& d = s->batch[i].draft;
    Outcome& o = s->outcomes[i];
    if (int64_t seq = book_.SeqOfKey(d.key, lookup)) {
      o.seq = seq;
      o.duplicate = true;
      continue;
    }
    if (Status st = CheckBalanced(d); !st.ok()) {
      o.error = st;
      continue;
    }
    if (d.kind == EntryKind::kVoucher) {
      o.error = InvalidArgument("vouchers are granted by the ledger, not posted", "kind");
      continue;
    }
    Entry e = Seal(std::move(d));
    if (Status st = book_.Admit(e, lookup); !st.ok()) {
      o.error = InvalidArgument(st.message());
      continue;
    }
    o.seq = e.seq;
    out.push_back(std::move(e));
    if (out.back().kind == EntryKind::kUsage) {
      if (std::optional<EntryDraft> v = book_.VoucherFor(out.back())) {
        Entry ve = Seal(std::move(*v));
        if (book_.Admit(ve, lookup).ok()) {
          out.push_back(std::move(ve));
          o.derived = 1;
        }
      }
    }
  }
  return s;
}

void Ledger::CommitSealed(Sealed& s) {
  Status st;
  {
    std::shared_lock bl(book_mu_);
    if (s.generation != generation_) {
      st = Aborted("ledger: an earlier batch failed to commit; this one was sealed on top of it");
    }
  }
  if (st.ok()) {
    std::lock_guard lock(store_mu_);
    st = store_->Append(s.out);
  }
  if (!st.ok()) {
    // The Book ran ahead of the store. Rebuild it from what is durable (once per failure: later
    // batches of the old generation fail without touching the store), then fail the batch.
    std::unique_lock bl(book_mu_);
    if (s.generation == generation_) {
      if (Status rs = ReplayLocked(); !rs.ok()) {
        st = Internal(st.message() + "; replay: " + rs.message());
      }
      ++generation_;
    }
  } else {
    commits_.fetch_add(1);
    entries_.fetch_add(static_cast<int64_t>(s.out.size()));
  }
  // Leaves the queue only now: until here its entries were readable by ReadInFlight.
  std::unique_ptr<Sealed> owned;
  {
    std::lock_guard lock(commit_mu_);
    owned = std::move(commit_q_.front());
    commit_q_.pop_front();
  }
  commit_cv_.notify_all();
  if (!st.ok()) {
    for (Pending& p : s.batch) p.done(Err(st));
    return;
  }
  const int64_t first_seq = s.first_seq;
  std::vector<Entry>& out = s.out;
  // Duplicates first (they copy), then the posters that own their entries (they move).
  for (int pass = 0; pass < 2; ++pass) {
    for (size_t i = 0; i < s.batch.size(); ++i) {
      Outcome& o = s.outcomes[i];
      if (o.duplicate != (pass == 0)) continue;
      if (!o.error.ok()) {
        s.batch[i].done(Err(o.error));
        continue;
      }
      Receipt r;
      r.duplicate = o.duplicate;
      if (o.seq >= first_seq) {
        const size_t idx = static_cast<size_t>(o.seq - first_seq);
        r.entry = o.duplicate ? out[idx] : std::move(out[idx]);
        for (size_t k = 1; k <= o.derived; ++k) r.derived.push_back(std::move(out[idx + k]));
      } else {
        Result<Entry> orig = ReadOne(o.seq);
        if (!orig) {
          s.batch[i].done(Err(orig.error()));
          continue;
        }
        r.entry = std::move(*orig);
      }
      s.batch[i].done(std::move(r));
    }
  }
}

}  // namespace suanli::ledger
