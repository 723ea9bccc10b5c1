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
  // A new identifier "<prefix>-<12 base32 chars>" (60 random bits). Thread-safe.
  std::string NewId(std::string_view prefix);
  // A new secret of `bytes` random bytes, base32-encoded (lowercase, no padding). Thread-safe.
  std::string NewSecret(size_t bytes);

 protected:
  virtual void Fill(uint8_t* out, size_t n) = 0;
};

// Kernel randomness via libsodium's randombytes_buf.
class SecureIdSource final : public IdSource {
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
