#include "ledger/ledger.h"

#include <future>
#include <unordered_map>

namespace suanli::ledger {

Ledger::Ledger(std::unique_ptr<LedgerStore> store, const Clock& clock, LedgerOptions options)
    : store_(std::move(store)), clock_(clock), options_(options) {}

Result<std::unique_ptr<Ledger>> Ledger::Open(std::unique_ptr<LedgerStore> store,
                                             const Clock& clock, LedgerOptions options) {
  std::unique_ptr<Ledger> l(new Ledger(std::move(store), clock, options));
  if (Status st = l->Replay(); !st.ok()) return Err(st);
  l->writer_ = std::thread([p = l.get()] { p->WriterLoop(); });
  return l;
}

Ledger::~Ledger() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (writer_.joinable()) writer_.join();
}

Status Ledger::Replay() {
  std::unique_lock bl(book_mu_);
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
  {
    std::lock_guard lock(mu_);
    queue_.push_back({std::move(draft), std::move(done)});
  }
  cv_.notify_one();
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

void Ledger::WriterLoop() {
  std::vector<Pending> batch;
  for (;;) {
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stop_ and drained
      while (!queue_.empty() && batch.size() < options_.max_batch) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    CommitBatch(batch);
    batch.clear();
  }
}

Entry Ledger::Seal(EntryDraft draft) {
  Entry e;
  static_cast<EntryDraft&>(e) = std::move(draft);
  e.seq = book_.last_seq() + 1;
  e.at = std::max(clock_.Now(), book_.last_at());
  e.prev_hash = book_.last_hash();
  e.hash = ComputeHash(e);
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

void Ledger::CommitBatch(std::vector<Pending>& batch) {
  // Per poster: an error, or where its entry is (in `out`, or committed earlier).
  struct Outcome {
    Status error;
    int64_t seq = 0;
    bool duplicate = false;
    size_t derived = 0;  // entries added right after it (vouchers)
  };
  std::vector<Outcome> outcomes(batch.size());
  std::vector<Entry> out;
  out.reserve(batch.size());
  int64_t first_seq;
  {
    std::unique_lock bl(book_mu_);
    first_seq = book_.last_seq() + 1;
    auto lookup = [&](int64_t seq) -> Result<Entry> {
      if (seq >= first_seq) return out.at(static_cast<size_t>(seq - first_seq));
      return ReadOne(seq);
    };
    for (size_t i = 0; i < batch.size(); ++i) {
      EntryDraft& d = batch[i].draft;
      Outcome& o = outcomes[i];
      if (int64_t seq = book_.SeqOfKey(d.key)) {
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
  }
  Status st;
  {
    std::lock_guard lock(store_mu_);
    st = store_->Append(out);
  }
  if (!st.ok()) {
    // The Book ran ahead of the store: rebuild it from what is durable, fail the batch.
    if (Status rs = Replay(); !rs.ok()) st = Internal(st.message() + "; replay: " + rs.message());
    for (Pending& p : batch) p.done(Err(st));
    return;
  }
  commits_.fetch_add(1);
  entries_.fetch_add(static_cast<int64_t>(out.size()));
  // Duplicates first (they copy), then the posters that own their entries (they move).
  for (int pass = 0; pass < 2; ++pass) {
    for (size_t i = 0; i < batch.size(); ++i) {
      Outcome& o = outcomes[i];
      if (o.duplicate != (pass == 0)) continue;
      if (!o.error.ok()) {
        batch[i].done(Err(o.error));
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
          batch[i].done(Err(orig.error()));
          continue;
        }
        r.entry = std::move(*orig);
      }
      batch[i].done(std::move(r));
    }
  }
}

}  // namespace suanli::ledger
