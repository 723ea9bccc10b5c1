#include "ledger/key_index.h"

namespace suanli::ledger {

uint64_t KeyIndex::HashOf(std::string_view key) {
  // 64-bit FNV-1a over 8-byte words, then a murmur finaliser: fast on short keys, well mixed.
  uint64_t h = 0xcbf29ce484222325ULL ^ key.size();
  size_t i = 0;
  for (; i + 8 <= key.size(); i += 8) {
    uint64_t w = 0;
    for (int b = 0; b < 8; ++b) {
      w |= static_cast<uint64_t>(static_cast<uint8_t>(key[i + b])) << (8 * b);
    }
    h = (h ^ w) * 0x100000001b3ULL;
    h ^= h >> 29;
  }
  for (; i < key.size(); ++i) h = (h ^ static_cast<uint8_t>(key[i])) * 0x100000001b3ULL;
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return h;
}

void KeyIndex::Add(uint64_t hash, int64_t seq) {
  if ((size_ + 1) * 2 > slots_.size()) Grow();
  hash = hash == 0 ? 1 : hash;
  size_t i = hash & mask_;
  while (slots_[i].hash != 0) i = (i + 1) & mask_;
  slots_[i] = {hash, seq};
  ++size_;
}

void KeyIndex::Grow() {
  std::vector<Slot> old = std::move(slots_);
  slots_.assign(old.empty() ? 1024 : old.size() * 2, Slot{});
  mask_ = slots_.size() - 1;
  for (const Slot& s : old) {
    if (s.hash == 0) continue;
    size_t i = s.hash & mask_;
    while (slots_[i].hash != 0) i = (i + 1) & mask_;
    slots_[i] = s;
  }
}

}  // namespace suanli::ledger
