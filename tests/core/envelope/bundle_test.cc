// Bundle files (core/envelope/bundle.h): writing, Padmé sizes, and reading
// back whatever survives a cut, a flipped bit or any chunking.
#include "core/envelope/bundle.h"

#include <gtest/gtest.h>
#include <sodium.h>

#include <algorithm>
#include <functional>
#include <random>
#include <string>

#include "core/envelope/format.h"
#include "core/random.h"
#include "tests/kit/fake_envelope.h"
#include "tests/kit/status.h"

namespace waypost::envelope {
namespace {

constexpr uint32_t kExpiry = 1'800'000'000;
constexpr size_t kRecordOverhead = 4 + 1 + kBundleRecordCheckSize;
constexpr size_t kEndSize = 4 + 1 + 4 + 8;

Bytes Env(size_t bucket, uint32_t seed) {
  RecipientTag tag;
  tag.fill(static_cast<uint8_t>(seed));
  return testing::FakeEnvelope(tag, kExpiry, seed, kBucketSizes[bucket]);
}

// `n` distinct envelopes cycling through every bucket.
std::vector<Bytes> Mixed(size_t n, uint32_t seed = 1) {
  std::vector<Bytes> out;
  for (size_t i = 0; i < n; ++i) out.push_back(Env(i % kBucketSizes.size(), seed + i));
  return out;
}

// A written bundle and where its parts lie.
struct Written {
  std::vector<Bytes> envelopes;
  Bytes file;
  std::vector<size_t> records;  // record i starts here and ends at records[i + 1]
  size_t end_at = 0;            // the end record
  size_t padding_at = 0;
};

Written Write(std::vector<Bytes> envelopes, uint64_t seed = 9) {
  Written w;
  SeededRandom random(seed);
  Result<Bytes> file = WriteBundle(envelopes, random);
  EXPECT_OK(file);
  w.file = file.value_or({});
  size_t at = kBundleHeaderSize;
  for (const Bytes& e : envelopes) {
    w.records.push_back(at);
    at += kRecordOverhead + e.size();
  }
  w.records.push_back(at);
  w.end_at = at;
  w.padding_at = at + kEndSize;
  w.envelopes = std::move(envelopes);
  return w;
}

// What a reader made of a file, with its summary in words for comparing.
struct Read {
  std::vector<Bytes> envelopes;
  BundleReader::Summary summary;
  size_t bad = 0;
  bool looks = false;
  std::string Describe() const {
    const auto& s = summary;
    return "header_ok=" + std::to_string(s.header_ok) +
           " declared=" + (s.declared ? std::to_string(*s.declared) : "none") +
           " end_seen=" + std::to_string(s.end_seen) + " intact=" + std::to_string(s.intact) +
           " skipped=" + std::to_string(s.skipped_bytes) + " bad=" + std::to_string(bad) +
           " looks=" + std::to_string(looks) + " envelopes=" + std::to_string(envelopes.size());
  }
};

// Feeds `file` in pieces of next_chunk() bytes (whole when there is none).
Read ReadBundle(ByteView file, const std::function<size_t()>& next_chunk = nullptr) {
  BundleReader reader;
  Read r;
  for (size_t at = 0; at < file.size();) {
    const size_t n = next_chunk ? std::min(next_chunk(), file.size() - at) : file.size();
    reader.Feed(file.subspan(at, n));
    at += n;
    for (Bytes& e : reader.TakeEnvelopes()) r.envelopes.push_back(std::move(e));
  }
  reader.Finish();
  for (Bytes& e : reader.TakeEnvelopes()) r.envelopes.push_back(std::move(e));
  r.summary = reader.summary();
  r.bad = reader.Bad();
  r.looks = reader.LooksLikeBundle();
  return r;
}

// A record as WriteBundle lays it out, for files made by hand.
Bytes Record(ByteView envelope, uint8_t bucket) {
  Bytes out(kBundleRecordMarker.begin(), kBundleRecordMarker.end());
  out.push_back(bucket);
  Append(out, envelope);
  const ContentId id = ComputeContentId(envelope);
  Append(out, ByteView(id).first(kBundleRecordCheckSize));
  return out;
}

void ExpectClean(const Read& r, const std::vector<Bytes>& envelopes) {
  EXPECT_EQ(r.envelopes, envelopes);
  EXPECT_TRUE(r.summary.header_ok);
  EXPECT_TRUE(r.summary.end_seen);
  EXPECT_EQ(r.summary.declared, envelopes.size());
  EXPECT_EQ(r.summary.intact, envelopes.size());
  EXPECT_EQ(r.summary.skipped_bytes, 0u);  // padding after the end is not counted
  EXPECT_EQ(r.bad, 0u);
  EXPECT_TRUE(r.looks);
}

TEST(BundleTest, RoundTripsZeroOneAndManyEnvelopes) {
  for (size_t n : {0, 1, 2, 5, 23}) {
    const Written w = Write(Mixed(n));
    SCOPED_TRACE("n=" + std::to_string(n));
    ExpectClean(ReadBundle(w.file), w.envelopes);
    EXPECT_EQ(w.file.size(), PaddedBundleSize(w.padding_at));
    EXPECT_GE(w.file.size(), kBundleMinSize);
  }
}

TEST(BundleTest, PadmeKnownValues) {
  EXPECT_EQ(PaddedBundleSize(0), 1024u);
  EXPECT_EQ(PaddedBundleSize(49), 1024u);
  EXPECT_EQ(PaddedBundleSize(1024), 1024u);
  EXPECT_EQ(PaddedBundleSize(1025), 1088u);  // 7 significant bits: steps of 64
  EXPECT_EQ(PaddedBundleSize(1088), 1088u);
  EXPECT_EQ(PaddedBundleSize(1089), 1152u);
  EXPECT_EQ(PaddedBundleSize(2047), 2048u);
  EXPECT_EQ(PaddedBundleSize(4097), 4352u);
  EXPECT_EQ(PaddedBundleSize(100'000), 100'352u);
  EXPECT_EQ(PaddedBundleSize(1'000'000), 1'015'808u);
}

TEST(BundleTest, PadmeCostsAtMostTwelvePercent) {
  std::mt19937_64 rng(3);
  for (int i = 0; i < 200'000; ++i) {
    const size_t length = (i < 70'000) ? static_cast<size_t>(i) : rng() % kMaxBundleBytes;
    const size_t padded = PaddedBundleSize(length);
    ASSERT_GE(padded, length);
    ASSERT_LE(padded, std::max<size_t>(kBundleMinSize, length + length * 12 / 100)) << length;
    ASSERT_EQ(PaddedBundleSize(padded), padded) << length;  // sizes are fixed points
  }
}

TEST(BundleTest, AnyChunkingReadsTheSame) {
  Written w = Write(Mixed(12));
  w.file[w.records[3] + 40] ^= 0x10;  // and a damaged record, to resync through
  const Read whole = ReadBundle(w.file);
  EXPECT_EQ(whole.envelopes.size(), 11u);
  std::mt19937_64 rng(5);
  const std::vector<std::function<size_t()>> chunkings = {
      [] { return size_t{1}; }, [] { return size_t{7}; }, [] { return size_t{4096}; },
      [&] { return 1 + static_cast<size_t>(rng() % 20'000); }};
  for (const auto& chunking : chunkings) {
    const Read r = ReadBundle(w.file, chunking);
    EXPECT_EQ(r.Describe(), whole.Describe());
    EXPECT_EQ(r.envelopes, whole.envelopes);
  }
}

TEST(BundleTest, ACutFileYieldsEveryRecordBeforeTheCut) {
  const Written w = Write(Mixed(20));
  std::mt19937_64 rng(11);
  for (int i = 0; i < 150; ++i) {
    const size_t cut = rng() % (w.padding_at + 1);
    const Read r = ReadBundle(ByteView(w.file).first(cut));
    size_t whole = 0;
    while (whole < w.envelopes.size() && w.records[whole + 1] <= cut) ++whole;
    SCOPED_TRACE("cut at " + std::to_string(cut) + ": " + r.Describe());
    ASSERT_EQ(r.envelopes, std::vector<Bytes>(w.envelopes.begin(), w.envelopes.begin() + whole));
    EXPECT_EQ(r.summary.header_ok, cut >= kBundleHeaderSize);
    EXPECT_EQ(r.summary.end_seen, cut == w.padding_at);
    // Before the header is whole there is nothing to go by.
    EXPECT_EQ(r.bad, r.summary.header_ok ? w.envelopes.size() - whole : 0u);
  }
}

TEST(BundleTest, AFlippedBitCostsAtMostItsRecord) {
  const Written w = Write(Mixed(15));
  const Read clean = ReadBundle(w.file);
  std::mt19937_64 rng(17);
  // Random places, and every byte of the header, the end and a small record.
  std::vector<size_t> places;
  for (int i = 0; i < 300; ++i) places.push_back(rng() % w.file.size());
  for (size_t i = 0; i < kBundleHeaderSize; ++i) places.push_back(i);
  for (size_t i = w.end_at; i < w.padding_at; ++i) places.push_back(i);
  for (size_t i = w.records[5]; i < w.records[6]; ++i) places.push_back(i);
  for (const size_t at : places) {
    Bytes file = w.file;
    file[at] ^= static_cast<uint8_t>(1u << (rng() % 8));
    const Read r = ReadBundle(file);
    SCOPED_TRACE("flip at " + std::to_string(at) + ": " + r.Describe());
    EXPECT_LE(r.bad, 1u);
    if (at >= w.padding_at) {
      EXPECT_EQ(r.Describe(), clean.Describe());
    } else if (at >= w.end_at) {
      EXPECT_FALSE(r.summary.end_seen);
      EXPECT_EQ(r.envelopes, w.envelopes);  // the count came from the header
    } else if (at < kBundleHeaderSize) {
      EXPECT_FALSE(r.summary.header_ok);
      EXPECT_EQ(r.summary.declared, w.envelopes.size());  // from the end
      EXPECT_EQ(r.summary.skipped_bytes, kBundleHeaderSize);
      EXPECT_EQ(r.envelopes, w.envelopes);
    } else {
      size_t hit = 0;
      while (w.records[hit + 1] <= at) ++hit;
      std::vector<Bytes> expected = w.envelopes;
      expected.erase(expected.begin() + static_cast<std::ptrdiff_t>(hit));
      EXPECT_EQ(r.envelopes, expected);
      EXPECT_EQ(r.bad, 1u);
      EXPECT_EQ(r.summary.skipped_bytes, w.records[hit + 1] - w.records[hit]);
    }
  }
}

TEST(BundleTest, RandomBytesAreNoBundle) {
  Bytes file(100'000);
  SeededRandom(23).Fill(file);
  // And near misses: markers, magic and headers that do not check out.
  const std::string bait = "wpE1\x04\x01wpE1\xffwpbundle\x01wpE1";
  for (size_t at = 0; at + bait.size() < file.size(); at += 997) {
    std::copy(bait.begin(), bait.end(), file.begin() + static_cast<std::ptrdiff_t>(at));
  }
  const Read r = ReadBundle(file);
  EXPECT_TRUE(r.envelopes.empty());
  EXPECT_FALSE(r.looks);
  EXPECT_EQ(r.bad, 0u);
  EXPECT_EQ(r.summary.skipped_bytes, file.size());
}

TEST(BundleTest, OnlyTheFirstOfTwoConcatenatedBundlesIsRead) {
  const Written a = Write(Mixed(3, 100), 1);
  const Written b = Write(Mixed(4, 200), 2);
  Bytes file = a.file;
  Append(file, b.file);
  ExpectClean(ReadBundle(file), a.envelopes);  // b is in a's padding
}

TEST(BundleTest, ASecondBundleAfterALostEndIsReadOn) {
  const Written a = Write(Mixed(3, 100), 1);
  const Written b = Write(Mixed(4, 200), 2);
  Bytes file(a.file.begin(), a.file.begin() + static_cast<std::ptrdiff_t>(a.end_at));
  Append(file, b.file);
  const Read r = ReadBundle(file);
  std::vector<Bytes> both = a.envelopes;
  both.insert(both.end(), b.envelopes.begin(), b.envelopes.end());
  EXPECT_EQ(r.envelopes, both);
  EXPECT_EQ(r.summary.declared, 3u);  // the first header's count stays
  EXPECT_EQ(r.bad, 0u);
}

TEST(BundleTest, WriteRefusesWhatIsNotAnEnvelope) {
  SeededRandom random(1);
  EXPECT_STATUS(WriteBundle({Env(0, 1), Bytes(100, 0x01)}, random), Status::Code::kInvalidArgument);
  Bytes wrong_version = Env(1, 2);
  wrong_version[0] = 0x02;
  EXPECT_STATUS(WriteBundle({wrong_version}, random), Status::Code::kInvalidArgument);
  const std::vector<Bytes> too_many(kMaxBundleEnvelopes + 1, Env(0, 3));
  EXPECT_STATUS(WriteBundle(too_many, random), Status::Code::kInvalidArgument);
}

TEST(BundleTest, AMatchingCheckOverANonEnvelopeIsDamage) {
  const Written w = Write(Mixed(3));
  Bytes file(w.file.begin(), w.file.begin() + static_cast<std::ptrdiff_t>(w.records[1]));
  Bytes bad_version = w.envelopes[1];
  bad_version[0] = 0x02;
  Append(file, Record(bad_version, 1));
  file.insert(file.end(), w.file.begin() + static_cast<std::ptrdiff_t>(w.records[2]), w.file.end());
  const Read r = ReadBundle(file);
  EXPECT_EQ(r.envelopes, (std::vector<Bytes>{w.envelopes[0], w.envelopes[2]}));
  EXPECT_EQ(r.bad, 1u);
}

TEST(BundleTest, WithNoCountBadCountsDamagedStretches) {
  const Written w = Write(Mixed(6));
  Bytes file = w.file;
  for (size_t i = 0; i < kBundleHeaderSize; ++i) file[i] = 0;    // header
  for (size_t i = w.end_at; i < w.padding_at; ++i) file[i] = 0;  // end
  file[w.records[2] + 1] ^= 0x01;                                // record 2
  file[w.records[3] + 1] ^= 0x01;                                // and 3: one stretch
  Read r = ReadBundle(file);
  EXPECT_FALSE(r.summary.declared.has_value());
  EXPECT_EQ(r.envelopes.size(), 4u);
  EXPECT_EQ(r.bad, 1u);
  EXPECT_TRUE(r.looks);
  file[w.records[0] + 1] ^= 0x01;  // now the stretch before record 1 outgrows a header
  r = ReadBundle(file);
  EXPECT_EQ(r.envelopes.size(), 3u);
  EXPECT_EQ(r.bad, 2u);
}

TEST(BundleTest, AHeaderDeclaringTooManyIsNotTaken) {
  // Built whole, not by insert() of a brace list: g++ 12 at -O2 warns,
  // wrongly, that such an insert writes out of bounds.
  Bytes header(kBundleMagic.size() + 4, 0);
  std::copy(kBundleMagic.begin(), kBundleMagic.end(), header.begin());
  header[kBundleMagic.size()] = kBundleVersion;
  PutU32(header, kMaxBundleEnvelopes + 1);
  uint8_t check[16];
  crypto_generichash(check, sizeof check, header.data(), header.size(), nullptr, 0);
  Append(header, check);
  const Read r = ReadBundle(header);
  EXPECT_FALSE(r.summary.header_ok);
  EXPECT_FALSE(r.looks);
}

TEST(BundleTest, ReaderKeepsAtMostTheLimit) {
  const Bytes e = Env(0, 7);
  const Written w = Write(std::vector<Bytes>(kMaxBundleEnvelopes, e));
  Bytes file(w.file.begin(), w.file.begin() + static_cast<std::ptrdiff_t>(w.end_at));
  Append(file, Record(e, 0));  // one more than any header may declare
  file.insert(file.end(), w.file.begin() + static_cast<std::ptrdiff_t>(w.end_at), w.file.end());
  BundleReader reader;
  reader.Feed(file);
  reader.Finish();
  EXPECT_EQ(reader.TakeEnvelopes().size(), kMaxBundleEnvelopes);
  EXPECT_EQ(reader.summary().intact, kMaxBundleEnvelopes);
  EXPECT_EQ(reader.Bad(), 1u);
}

}  // namespace
}  // namespace waypost::envelope

namespace waypost::envelope {
namespace {

// A crafted file of overlapping would-be records ("wpE1", the largest
// bucket, a version byte, again and again) cannot make the reader hash much
// more than it reads; a real bundle after it is still read, at most one of
// its records lost while the reader's allowance recovers.
TEST(BundleTest, OverlappingCandidatesCannotMakeReadingSlow) {
  Bytes file;
  const std::string unit = std::string(kBundleRecordMarker) + "\x04\x01";
  while (file.size() < (size_t{4} << 20)) file.insert(file.end(), unit.begin(), unit.end());
  const std::vector<Bytes> envelopes = Mixed(40);
  const Written real = Write(envelopes);
  file.insert(file.end(), real.file.begin(), real.file.end());
  const Read r = ReadBundle(file);
  EXPECT_LE(r.summary.hashed_bytes, 2 * file.size() + (uint64_t{1} << 20));
  EXPECT_GE(r.envelopes.size(), envelopes.size() - 1);
  // An honest bundle hashes each envelope once.
  const Read clean = ReadBundle(real.file);
  uint64_t total = 0;
  for (const Bytes& e : envelopes) total += e.size();
  EXPECT_EQ(clean.summary.hashed_bytes, total);
}

}  // namespace
}  // namespace waypost::envelope
