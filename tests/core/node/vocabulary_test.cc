// The vocabulary's one text boundary (core/node/vocabulary.h): each value
// has one word and reads back from it, a word the store holds but nothing
// names is Corrupt, and CheckName keeps names fit for a terminal.
#include "core/node/vocabulary.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <string_view>

#include "core/bytes.h"
#include "tests/kit/status.h"
#include "tests/kit/vocabulary_print.h"

namespace waypost::node {
namespace {

// Every word of E names its own value, in all three readers, and no two
// values share a word (a shared word would read back as the wrong value).
template <typename E>
void ExpectEveryWordRoundTrips() {
  std::set<std::string_view> words;
  for (const auto& [value, word] : Words<E>::kAll) {
    EXPECT_EQ(NameOf(value), word);
    EXPECT_EQ(Parse<E>(word), value) << word;
    ASSERT_OK_AND_ASSIGN(const E stored, ParseStored<E>(word));
    EXPECT_EQ(stored, value) << word;
    EXPECT_TRUE(words.insert(word).second) << "\"" << word << "\" names two values";
  }
}

TEST(VocabularyTest, EveryValueReadsBackFromItsWord) {
  ExpectEveryWordRoundTrips<Role>();
  ExpectEveryWordRoundTrips<ContactState>();
  ExpectEveryWordRoundTrips<Direction>();
  ExpectEveryWordRoundTrips<MessageKind>();
  ExpectEveryWordRoundTrips<MessageState>();
  ExpectEveryWordRoundTrips<AlertKind>();
  ExpectEveryWordRoundTrips<BoardState>();
}

// The words are a stored and printed format (docs/storage.md §5, `--json`):
// renaming one would strand every existing store. Checked at compile time.
static_assert(NameOf(Role::kCoordinator) == "coordinator");
static_assert(NameOf(Role::kHelper) == "helper");
static_assert(NameOf(Role::kRelay) == "relay");
static_assert(NameOf(ContactState::kPending) == "pending");
static_assert(NameOf(ContactState::kActive) == "active");
static_assert(NameOf(Direction::kIn) == "in");
static_assert(NameOf(Direction::kOut) == "out");
static_assert(NameOf(MessageKind::kCheckIn) == "checkin");
static_assert(NameOf(MessageKind::kText) == "text");
static_assert(NameOf(MessageState::kQueued) == "queued");
static_assert(NameOf(MessageState::kRelayed) == "relayed");
static_assert(NameOf(MessageState::kDelivered) == "delivered");
static_assert(NameOf(MessageState::kConfirmed) == "confirmed");
static_assert(NameOf(MessageState::kReceived) == "received");
static_assert(NameOf(AlertKind::kDuress) == "duress");
static_assert(NameOf(BoardState::kOk) == "ok");
static_assert(NameOf(BoardState::kDuress) == "duress");
static_assert(Parse<Role>("helper") == Role::kHelper);

TEST(VocabularyTest, ParseTakesOnlyTheExactWord) {
  EXPECT_EQ(Parse<Role>("Helper"), std::nullopt);
  EXPECT_EQ(Parse<Role>("helper "), std::nullopt);
  EXPECT_EQ(Parse<Role>(""), std::nullopt);
  EXPECT_EQ(Parse<Role>("checkin"), std::nullopt);  // another enum's word
  EXPECT_EQ(Parse<MessageState>("sent"), std::nullopt);
}

TEST(VocabularyTest, ParseStoredCallsAnUnknownWordCorruptAndQuotesIt) {
  const Result<MessageState> state = ParseStored<MessageState>("lost");
  EXPECT_STATUS(state, Status::Code::kCorrupt);
  EXPECT_NE(state.status().message().find("\"lost\""), std::string::npos)
      << state.status().message();
  EXPECT_STATUS(ParseStored<Role>(""), Status::Code::kCorrupt);
}

TEST(VocabularyTest, CheckNameTakesOneTo64Characters) {
  EXPECT_OK(CheckName("a"));
  EXPECT_OK(CheckName(std::string(kMaxNameChars, 'x')));
  EXPECT_STATUS(CheckName(""), Status::Code::kInvalidArgument);
  EXPECT_STATUS(CheckName(std::string(kMaxNameChars + 1, 'x')), Status::Code::kInvalidArgument);
  EXPECT_EQ(CheckName(std::string(65, 'x')).message(), "a name is at most 64 characters");
}

// A limit a person reads counts characters: 64 of them in any script, however
// many bytes each takes (docs/protocol.md §4.1).
TEST(VocabularyTest, CheckNameCountsCharactersNotBytes) {
  auto times = [](const std::string& c, int n) {
    std::string out;
    for (int i = 0; i < n; ++i) out += c;
    return out;
  };
  for (const char* c : {"\xC3\xA9" /* é, 2 bytes */, "\xEA\xB0\x80" /* 가, 3 */,
                        "\xD8\xB9" /* ع, 2 */, "\xF0\x9F\x8F\xA0" /* emoji, 4 */}) {
    SCOPED_TRACE(c);
    EXPECT_OK(CheckName(times(c, 64)));
    EXPECT_STATUS(CheckName(times(c, 65)), Status::Code::kInvalidArgument);
  }
  // A combining accent is a character of its own: e + U+0301 is two.
  EXPECT_OK(CheckName(times("e\xCC\x81", 32)));
  EXPECT_STATUS(CheckName(times("e\xCC\x81", 32) + "e"), Status::Code::kInvalidArgument);
}

TEST(VocabularyTest, CheckNameTakesUtf8) {
  EXPECT_OK(CheckName("Zo\xC3\xAB"));                // Zoë
  EXPECT_OK(CheckName("\xE5\x8C\x97\xE4\xBA\xAC"));  // 北京
  EXPECT_OK(CheckName("base \xF0\x9F\x8F\xA0"));     // an emoji, 4 bytes
  EXPECT_OK(CheckName("Mary-Jane O'Neil (HQ) 2"));   // printable ASCII punctuation
}

// A name that looks like another, or turns the text after it around.
TEST(VocabularyTest, CheckNameRefusesInvisibleFormatting) {
  for (const char* bad : {"ali\u200Bce", "\u202Eecila", "alice\uFEFF", "al\u2066ice\u2069",
                          "\u3164", "a\u00ADlice"}) {
    EXPECT_STATUS(CheckName(bad), Status::Code::kInvalidArgument)
        << "for a name in hex " << ToHex(AsBytes(bad));
  }
}

TEST(VocabularyTest, CheckNameRefusesInvalidUtf8) {
  for (const char* bad : {"\xFF", "ab\xC3", "\xC0\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80"}) {
    EXPECT_STATUS(CheckName(bad), Status::Code::kInvalidArgument)
        << "for a name in hex " << ToHex(AsBytes(bad));
  }
}

// Control characters can start terminal escape sequences: C0, DEL and C1.
TEST(VocabularyTest, CheckNameRefusesControlCharacters) {
  for (const std::string& bad :
       {std::string("a\nb"), std::string("\x1B[31mred"), std::string("tab\there"),
        std::string("del\x7F"), std::string("csi\xC2\x9B"), std::string("nel\xC2\x85"),
        std::string("nul\0x", 5)}) {
    EXPECT_STATUS(CheckName(bad), Status::Code::kInvalidArgument)
        << "for a name of " << bad.size() << " bytes";
  }
  EXPECT_OK(CheckName("nbsp\xC2\xA0ok"));  // U+00A0 follows C1 but is printable
}

}  // namespace
}  // namespace waypost::node
