#include "core/sync/frame.h"

#include <gtest/gtest.h>

#include <random>

#include "core/sync/constants.h"
#include "tests/kit/status.h"

namespace waypost::sync {
namespace {

// Reads everything `stream` holds, fed in seeded random chunks.
std::vector<Bytes> ReadAll(ByteView stream, uint32_t seed, size_t max_chunk) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<size_t> chunk(1, max_chunk);
  FrameReader reader;
  std::vector<Bytes> frames;
  for (size_t i = 0; i < stream.size();) {
    const size_t n = std::min(chunk(rng), stream.size() - i);
    reader.Append(stream.subspan(i, n));
    i += n;
    while (true) {
      auto next = reader.Next();
      EXPECT_OK(next);
      if (!next.ok() || !next->has_value()) break;
      frames.push_back(std::move(**next));
    }
  }
  EXPECT_EQ(reader.buffered(), 0u);
  return frames;
}

TEST(FrameTest, RoundTripsUnderAnyChunking) {
  std::vector<Bytes> messages;
  for (size_t size : {size_t{1}, size_t{2}, size_t{255}, size_t{256}, size_t{4096},
                      kNoiseMaxMessage - 1, kNoiseMaxMessage}) {
    Bytes m(size);
    for (size_t i = 0; i < size; ++i) m[i] = static_cast<uint8_t>(i * 7 + size);
    messages.push_back(m);
  }
  Bytes stream;
  for (const Bytes& m : messages) ASSERT_OK(AppendFrame(stream, m));
  for (uint32_t seed = 0; seed < 20; ++seed) {
    for (size_t max_chunk : {size_t{1}, size_t{3}, size_t{700}, size_t{70000}}) {
      if (max_chunk == 1 && seed > 0) continue;  // byte by byte once is enough
      EXPECT_EQ(ReadAll(stream, seed, max_chunk), messages) << seed << "/" << max_chunk;
    }
  }
}

TEST(FrameTest, WaitsForWholeFrame) {
  Bytes stream;
  ASSERT_OK(AppendFrame(stream, Bytes{1, 2, 3}));
  EXPECT_EQ(stream, (Bytes{0, 3, 1, 2, 3}));
  FrameReader reader;
  reader.Append(ByteView(stream).first(1));
  EXPECT_FALSE(reader.Next()->has_value());
  reader.Append(ByteView(stream).subspan(1, 3));
  EXPECT_FALSE(reader.Next()->has_value());
  reader.Append(ByteView(stream).subspan(4));
  auto frame = reader.Next();
  ASSERT_TRUE(frame.ok() && frame->has_value());
  EXPECT_EQ(**frame, (Bytes{1, 2, 3}));
}

TEST(FrameTest, RejectsZeroLengthFrameAndStaysFailed) {
  FrameReader reader;
  reader.Append(Bytes{0, 1, 42, 0, 0, 0, 1, 7});
  auto first = reader.Next();
  ASSERT_TRUE(first.ok() && first->has_value());
  auto bad = reader.Next();
  EXPECT_EQ(bad.status().code(), Status::Code::kProtocol);
  reader.Append(Bytes{0, 1, 9});
  EXPECT_EQ(reader.Next().status().code(), Status::Code::kProtocol);
}

TEST(FrameTest, AppendFrameRefusesEmptyAndOversize) {
  Bytes out{0xAA};
  EXPECT_EQ(AppendFrame(out, Bytes{}).code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(AppendFrame(out, Bytes(kNoiseMaxMessage + 1)).code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(out, Bytes{0xAA});
}

}  // namespace
}  // namespace waypost::sync
