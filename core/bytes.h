// Byte strings and the small encodings every layer needs.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace waypost {

using Bytes = std::vector<uint8_t>;
using ByteView = std::span<const uint8_t>;

inline ByteView AsBytes(std::string_view s) {
  return ByteView(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}
inline std::string AsString(ByteView b) { return std::string(b.begin(), b.end()); }

inline void Append(Bytes& out, ByteView b) { out.insert(out.end(), b.begin(), b.end()); }

// `bytes` as a fixed-size array (a key, an id), nullopt unless exactly N.
template <size_t N>
std::optional<std::array<uint8_t, N>> ArrayFrom(ByteView bytes) {
  if (bytes.size() != N) return std::nullopt;
  std::array<uint8_t, N> out;
  std::copy(bytes.begin(), bytes.end(), out.begin());
  return out;
}

std::string ToHex(ByteView b);
std::optional<Bytes> FromHex(std::string_view hex);

// URL-safe base64 without padding (RFC 4648 §5): survives SMS, chat and mail.
std::string ToBase64Url(ByteView b);
std::optional<Bytes> FromBase64Url(std::string_view text);

// Big-endian fixed-width integers, used by every hand-written byte format.
void PutU16(Bytes& out, uint16_t v);
void PutU32(Bytes& out, uint32_t v);
void PutU64(Bytes& out, uint64_t v);
uint16_t GetU16(const uint8_t* p);
uint32_t GetU32(const uint8_t* p);
uint64_t GetU64(const uint8_t* p);

// Constant-time comparison for MACs, tags and keys.
bool ConstantTimeEqual(ByteView a, ByteView b);

}  // namespace waypost
