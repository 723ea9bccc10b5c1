#include "core/random.h"

#include <sodium.h>

#include <vector>

namespace suanli {

std::string Base32(const uint8_t* data, size_t n) {
  static constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz234567";
  std::string out;
  out.reserve((n * 8 + 4) / 5);
  uint32_t buffer = 0;
  int bits = 0;
  for (size_t i = 0; i < n; ++i) {
    buffer = (buffer << 8) | data[i];
    bits += 8;
    while (bits >= 5) {
      out.push_back(kAlphabet[(buffer >> (bits - 5)) & 31]);
      bits -= 5;
    }
  }
  if (bits > 0) out.push_back(kAlphabet[(buffer << (5 - bits)) & 31]);
  return out;
}

std::string IdSource::NewId(std::string_view prefix) {
  uint8_t raw[8];
  Fill(raw, sizeof raw);
  std::string id(prefix);
  id += '-';
  id += Base32(raw, sizeof raw).substr(0, 12);
  return id;
}

std::string IdSource::NewSecret(size_t bytes) {
  std::vector<uint8_t> raw(bytes);
  Fill(raw.data(), raw.size());
  return Base32(raw.data(), raw.size());
}

void SecureIdSource::Fill(uint8_t* out, size_t n) {
  static const bool initialised = sodium_init() >= 0;
  (void)initialised;
  randombytes_buf(out, n);
}

void SeededIdSource::Fill(uint8_t* out, size_t n) {
  std::lock_guard lock(mu_);
  for (size_t i = 0; i < n; ++i) out[i] = static_cast<uint8_t>(rng_() & 0xff);
}

}  // namespace suanli
