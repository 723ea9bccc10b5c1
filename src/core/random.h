// Randomness is injected: IDs and secrets come from an IdSource. The real one reads the
// kernel CSPRNG (libsodium); tests use a seeded one for repeatable IDs.
#pragma once

#include <cstdint>
#include <mutex>
#include <random>
#include <string>
#include <string_view>

namespace suanli {

class IdSource {
 public:
  virtual ~IdSource() = default;
  virtual bool TimeOrdered() const { return false; }
  // A new identifier "<prefix>-<12 base32 chars>" (60 bits). Thread-safe. Random bits, or for
  // a time-ordered source 40 bits of Unix milliseconds then a 20-bit sequence starting at a
  // random point each millisecond: new records then land next to each other in the store's
  // B-tree indexes instead of dirtying a random page each.
  std::string NewId(std::string_view prefix);
  // A new secret of `bytes` random bytes, base32-encoded (lowercase, no padding). Thread-safe.
  std::string NewSecret(size_t bytes);

 protected:
  virtual void Fill(uint8_t* out, size_t n) = 0;
};

// Kernel randomness via libsodium's randombytes_buf; time-ordered identifiers.
class SecureIdSource final : public IdSource {
 public:
  bool TimeOrdered() const override { return true; }

 protected:
  void Fill(uint8_t* out, size_t n) override;
};

// Deterministic, for tests and the simulator.
class SeededIdSource final : public IdSource {
 public:
  explicit SeededIdSource(uint64_t seed) : rng_(seed) {}

 protected:
  void Fill(uint8_t* out, size_t n) override;

 private:
  std::mutex mu_;
  std::mt19937_64 rng_;
};

// Lowercase RFC 4648 base32 without padding.
std::string Base32(const uint8_t* data, size_t n);

}  // namespace suanli
