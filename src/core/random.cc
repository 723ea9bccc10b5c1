#include <chrono>
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
  if (TimeOrdered()) {
    static std::mutex mu;
    static uint64_t last_ms = 0, seq = 0;
    const auto ms = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                              std::chrono::system_clock::now().time_since_epoch())
                                              .count());
    uint64_t value;
    {
      std::lock_guard lock(mu);
      if (ms <= last_ms) {
        ++seq;  // same (or an earlier) millisecond: keep counting from the last one
        if (seq >= (uint64_t{1} << 20)) {
          ++last_ms;
          seq = 0;
        }
      } else {
        last_ms = ms;
        seq = (uint64_t{raw[0]} << 11 | uint64_t{raw[1]} << 3 | (raw[2] >> 5)) & 0x7FFFF;
      }
      value = (last_ms & ((uint64_t{1} << 40) - 1)) << 20 | seq;
    }
    value <<= 4;  // the 60 bits first, big-endian, for Base32
    for (int i = 7; i >= 0; --i) {
      raw[i] = static_cast<uint8_t>(value & 0xFF);
      value >>= 8;
    }
  }
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
