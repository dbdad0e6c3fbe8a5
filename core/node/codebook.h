// Codebook: the `codebooks` and `codes` tables (docs/storage.md §5): what
// each check-in code means (docs/protocol.md §4.7).
//
// A coordinator keeps its own codebook (owner: empty), versioned; a helper
// keeps the newest it received from each coordinator (owner: that
// coordinator's public key). Until a coordinator changes or sends one, a
// codebook is the default one, version 1, stored nowhere. A code's number
// is what a check-in carries; numbers are never reused, and a coordinator
// keeps its removed codes (marked), so a check-in sealed under an older
// version still reads as the code its sender chose.
//
// Lifetime: borrows the Database. Not thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "core/bytes.h"
#include "core/status.h"
#include "core/store/database.h"

namespace waypost::pb {
class Body;
}

namespace waypost::node {

struct CodeEntry {
  uint32_t number = 0;
  std::string code;
  std::string meaning;
  bool distress = false;
  bool removed = false;  // only ever in a coordinator's own codebook
  bool operator==(const CodeEntry&) const = default;
};

class Codebook {
 public:
  // Limits in characters (code points), as a person counts them; the byte
  // bounds are what that many characters of UTF-8 can take. The one bound
  // the wire sets is on the whole: the codebook goes to each helper in one
  // envelope of the largest bucket (docs/protocol.md §4.7), which Add keeps.
  static constexpr size_t kMaxCodeChars = 32;
  static constexpr size_t kMaxCodeSize = 4 * kMaxCodeChars;
  static constexpr size_t kMaxMeaningChars = 200;
  static constexpr size_t kMaxMeaningSize = 4 * kMaxMeaningChars;
  static constexpr size_t kMaxCodes = 64;  // in use at once
  static constexpr int64_t kDefaultVersion = 1;

  // ok, crossed, arrived, delayed, need-help (distress), abort (distress),
  // numbered 1 to 6.
  static const std::vector<CodeEntry>& Defaults();

  // The form a code is kept and compared in: ASCII letters lowercased,
  // surrounding spaces dropped. InvalidArgument unless the result is 1..32
  // characters of UTF-8: a-z, 0-9 and '-', or letters of other scripts (any
  // character beyond ASCII but spaces, controls and invisible formatting,
  // core/text.h), not starting with '-'.
  static Result<std::string> NormalizeCode(std::string_view code);
  // InvalidArgument unless 1..200 characters of valid UTF-8 with no control
  // characters and no invisible formatting (core/text.h).
  static Status CheckMeaning(std::string_view meaning);

  explicit Codebook(store::Database& db) : db_(&db) {}

  // `owner`: empty for this node's own codebook, else a coordinator's key.
  Result<int64_t> Version(ByteView owner);
  // The codes in use, by number; with `with_removed`, the removed ones too.
  Result<std::vector<CodeEntry>> Codes(ByteView owner, bool with_removed = false);
  // The code in use with this (normalized) name, if any.
  Result<std::optional<CodeEntry>> ByCode(ByteView owner, std::string_view code);
  // Any code ever under this number, removed ones included.
  Result<std::optional<CodeEntry>> ByNumber(ByteView owner, uint32_t number);

  // Changes this node's own codebook and raises its version. Add:
  // AlreadyExists if the code is in use, LimitExceeded past kMaxCodes or
  // when the codebook would no longer fit one envelope.
  // Remove: NotFound if it is not in use, InvalidArgument for the last one.
  Status Add(std::string_view code, std::string_view meaning, bool distress);
  Status Remove(std::string_view code);

  // A codebook received from the coordinator with key `owner`: replaces the
  // one held if `version` is newer; true if it did. InvalidArgument if any
  // entry is malformed, a number or code repeats, or there are none or too
  // many.
  Result<bool> Receive(ByteView owner, int64_t version, const std::vector<CodeEntry>& codes);

  // Makes `body` carry this node's own codebook: its version and the codes
  // in use.
  Status FillBody(pb::Body& body);

  // Both tables as they stand, for the decoy (decoy_writer.h), and their
  // mirror image: ReplaceWith writes nothing where a table is already so
  // (internal::ReplaceRows).
  struct Tables {
    std::vector<std::tuple<Bytes, int64_t>> codebooks;  // owner, version
    // owner, number, code, meaning, distress, removed
    std::vector<std::tuple<Bytes, int64_t, std::string, std::string, int64_t, int64_t>> codes;
  };
  Result<Tables> AllRows();
  Status ReplaceWith(const Tables& tables);

 private:
  // Whether `owner`'s codebook is stored (else it is the default one).
  Result<bool> Held(ByteView owner);
  // Stores the defaults as `owner`'s codebook at version 1 if it has none.
  Status Materialize(ByteView owner);
  Status Write(ByteView owner, int64_t version, const std::vector<CodeEntry>& codes);
  Status Erase(ByteView owner);
  // Makes `body` carry `codes` as version `version`.
  static void ToBody(int64_t version, const std::vector<CodeEntry>& codes, pb::Body& body);

  store::Database* db_;
};

}  // namespace waypost::node
