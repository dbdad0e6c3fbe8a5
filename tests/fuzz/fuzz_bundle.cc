// Arbitrary bytes as a bundle file (core/envelope/bundle.h). The first byte
// picks a chunk size (1..128, or up to ~20000 to span the largest record);
// the rest is the file. Properties:
//   * no crash, however the bytes are cut;
//   * the file fed whole and fed in those chunks gives the same envelopes
//     and the same summary, Bad() and LooksLikeBundle();
//   * every envelope kept is one bucket long and passes ParseHeader;
//   * WriteBundle of the kept envelopes reads back to the same envelopes,
//     with header and end intact and Bad() == 0.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <tuple>
#include <vector>

#include "core/envelope/bundle.h"
#include "core/envelope/format.h"
#include "core/random.h"

namespace {

using waypost::Bytes;
using waypost::ByteView;
using waypost::envelope::BundleReader;

struct Outcome {
  std::vector<Bytes> envelopes;
  BundleReader::Summary summary;
  size_t bad = 0;
  bool looks = false;

  bool operator==(const Outcome& o) const {
    const auto fields = [](const Outcome& x) {
      const auto& s = x.summary;
      return std::tie(x.envelopes, s.header_ok, s.declared, s.end_seen, s.intact, s.skipped_bytes,
                      x.bad, x.looks);
    };
    return fields(*this) == fields(o);
  }
};

Outcome Read(ByteView file, size_t chunk) {
  BundleReader reader;
  Outcome out;
  for (size_t at = 0; at < file.size(); at += chunk) {
    reader.Feed(file.subspan(at, std::min(chunk, file.size() - at)));
    for (Bytes& e : reader.TakeEnvelopes()) out.envelopes.push_back(std::move(e));
  }
  reader.Finish();
  for (Bytes& e : reader.TakeEnvelopes()) out.envelopes.push_back(std::move(e));
  out.summary = reader.summary();
  out.bad = reader.Bad();
  out.looks = reader.LooksLikeBundle();
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const size_t chunk = data[0] < 128 ? 1 + data[0] : 1 + (data[0] - 128) * 157;
  const ByteView file(data + 1, size - 1);
  const Outcome whole = Read(file, file.size() + 1);
  if (!(Read(file, chunk) == whole)) std::abort();
  for (const Bytes& e : whole.envelopes) {
    if (!waypost::envelope::ParseHeader(e).ok()) std::abort();  // also checks the bucket
  }
  static waypost::SeededRandom random(11);
  auto rewritten = waypost::envelope::WriteBundle(whole.envelopes, random);
  if (!rewritten.ok()) std::abort();
  const Outcome again = Read(*rewritten, rewritten->size());
  if (again.envelopes != whole.envelopes || again.bad != 0 || !again.summary.header_ok ||
      !again.summary.end_seen) {
    std::abort();
  }
  return 0;
}
