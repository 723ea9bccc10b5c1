// KeyIndex: idempotency key -> seq for the whole journal, kept small. It stores a 64-bit hash
// of each key and its seq in one open-addressing table (16 bytes a slot, linear probing, at most
// half full): no per-key allocation, no copy of the key, and a lookup touches one cache line.
// A hash match is only a candidate: the caller confirms it against the entry's real key (two
// keys with the same 64-bit hash are told apart there), so the index never decides alone.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace suanli::ledger {

class KeyIndex {
 public:
  static uint64_t HashOf(std::string_view key);

  // Calls `fn(seq)` for every key added with this hash, until it returns true; returns the seq
  // it returned true for, 0 when none.
  template <class Fn>
  int64_t Find(uint64_t hash, Fn&& fn) const {
    if (slots_.empty()) return 0;
    hash = hash == 0 ? 1 : hash;
    for (size_t i = hash & mask_;; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (s.hash == 0) return 0;
      if (s.hash == hash && fn(s.seq)) return s.seq;
    }
  }
  void Add(uint64_t hash, int64_t seq);
  size_t size() const { return size_; }

 private:
  struct Slot {
    uint64_t hash = 0;  // 0 = empty (a key hashing to 0 is stored as 1)
    int64_t seq = 0;
  };
  void Grow();

  std::vector<Slot> slots_;
  size_t mask_ = 0;
  size_t size_ = 0;
};

}  // namespace suanli::ledger
