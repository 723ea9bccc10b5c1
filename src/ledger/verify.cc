#include "ledger/verify.h"

#include <unordered_map>

#include "ledger/book.h"

namespace suanli::ledger {
namespace {

// Distinguishes "stop: violation found" from a store error inside Scan's callback.
constexpr std::string_view kStop = "verify-stop";

}  // namespace

Result<VerifyReport> Verify(LedgerStore& store) {
  VerifyReport rep;
  Book book;
  std::unordered_map<std::string, Fen> sums;  // independent of the Book's balances
  auto lookup = [&](int64_t seq) -> Result<Entry> {
    Entry out;
    bool found = false;
    Status st = store.Scan(seq, seq + 1, [&](const Entry& x) {
      out = x;
      found = true;
      return OkStatus();
    });
    if (!st.ok()) return Err(st);
    if (!found) return Err(NotFound("no entry " + std::to_string(seq)));
    return out;
  };
  auto fail = [&](int64_t seq, std::string what) {
    rep.ok = false;
    rep.first_bad_seq = seq;
    rep.violation = std::move(what);
    return Aborted(std::string(kStop));
  };
  Status st = store.Scan(1, 0, [&](const Entry& e) {
    if (ComputeHash(e) != e.hash) {
      return fail(e.seq, "entry " + std::to_string(e.seq) + ": hash does not match its contents");
    }
    if (Status s = book.Admit(e, lookup); !s.ok()) return fail(e.seq, s.message());
    for (const Line& l : e.lines) sums[l.account] += l.amount;
    ++rep.entries;
    rep.lines += static_cast<int64_t>(e.lines.size());
    return OkStatus();
  });
  if (!st.ok() && st.message() != kStop) {
    // A row that cannot be decoded is a violation too (tampered text), not an I/O failure.
    if (st.code() == StatusCode::kDataLoss) {
      fail(book.last_seq() + 1, st.message());
      return rep;
    }
    return Err(st);
  }
  if (!rep.ok) return rep;
  Result<int64_t> last = store.LastSeq();
  if (!last) return Err(last.error());
  if (*last != book.last_seq()) {
    fail(book.last_seq() + 1, "journal has a gap after entry " + std::to_string(book.last_seq()));
    return rep;
  }
  Fen total;
  for (const auto& [account, sum] : sums) {
    total += sum;
    if (book.Balance(account) != sum) {
      fail(0, "balance of " + account + " differs from the sum of its lines");
      return rep;
    }
  }
  if (total.v != 0) {
    fail(0, "trial balance is off by " + std::to_string(total.v) + " fen");
    return rep;
  }
  for (const auto& [id, p] : book.programmes()) {
    if (book.Spent(id) > p.budget || book.Balance(VoucherFund(id)).v > 0) {
      fail(0, "programme " + id + " spent beyond its budget");
      return rep;
    }
  }
  rep.head_hash = HashHex(book.last_hash());
  return rep;
}

}  // namespace suanli::ledger
