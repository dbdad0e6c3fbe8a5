#include "core/node/codebook.h"

#include <algorithm>
#include <limits>
#include <set>
#include <utility>

#include "core/envelope/format.h"
#include "core/node/internal/rows.h"
#include "core/text.h"
#include "proto/waypost.pb.h"

namespace waypost::node {
namespace {

// ASCII: a-z, 0-9 and '-'. Every byte of a character beyond ASCII passes
// here; NonAsciiIsVisible() judges those characters whole.
bool IsCodeChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         static_cast<unsigned char>(c) >= 0x80;
}

// Whether the codebook body carrying `codes` still fits the largest
// envelope, with the fields the courier adds at their largest.
bool FitsOneEnvelope(const pb::Body& codebook) {
  pb::Body body = codebook;
  body.set_sent_at(std::numeric_limits<int64_t>::max());
  body.set_flags(std::numeric_limits<uint32_t>::max());
  body.set_seq(std::numeric_limits<uint32_t>::max());
  return envelope::BucketFor(body.ByteSizeLong()).has_value();
}

}  // namespace

const std::vector<CodeEntry>& Codebook::Defaults() {
  static const std::vector<CodeEntry> kDefaults = {
      {1, "ok", "all is well", false, false},
      {2, "crossed", "crossed as planned, all well", false, false},
      {3, "arrived", "arrived safely", false, false},
      {4, "delayed", "delayed, but safe for now", false, false},
      {5, "need-help", "need help now", true, false},
      {6, "abort", "route compromised: abort", true, false},
  };
  return kDefaults;
}

Result<std::string> Codebook::NormalizeCode(std::string_view code) {
  while (!code.empty() && (code.front() == ' ' || code.front() == '\t')) code.remove_prefix(1);
  while (!code.empty() && (code.back() == ' ' || code.back() == '\t')) code.remove_suffix(1);
  std::string out(code);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  WAYPOST_RETURN_IF_ERROR(CheckTextLength(out, "a code", {1, kMaxCodeChars, kMaxCodeSize}));
  if (out.front() == '-' || !std::all_of(out.begin(), out.end(), IsCodeChar) ||
      !NonAsciiIsVisible(out)) {
    return Status::InvalidArgument(
        "a code is at most 32 letters, digits and '-', with no spaces (for example need-help)");
  }
  return out;
}

Status Codebook::CheckMeaning(std::string_view meaning) {
  WAYPOST_RETURN_IF_ERROR(
      CheckTextLength(meaning, "a code's meaning", {1, kMaxMeaningChars, kMaxMeaningSize}));
  for (size_t i = 0; i < meaning.size(); ++i) {
    if (ControlCharAt(meaning, i) != 0) {
      return Status::InvalidArgument(
          "a code's meaning must be one line with no control characters");
    }
  }
  if (HasInvisibleFormatting(meaning)) {
    return Status::InvalidArgument("a code's meaning must not hold invisible formatting");
  }
  return Status::Ok();
}

Result<int64_t> Codebook::Version(ByteView owner) {
  WAYPOST_ASSIGN_OR_RETURN(store::Statement st,
                           db_->Query("SELECT version FROM codebooks WHERE owner = ?", owner));
  WAYPOST_ASSIGN_OR_RETURN(bool row, st.Step());
  return row ? st.ColumnInt64(0) : kDefaultVersion;
}

Result<bool> Codebook::Held(ByteView owner) {
  WAYPOST_ASSIGN_OR_RETURN(store::Statement held,
                           db_->Query("SELECT 1 FROM codebooks WHERE owner = ?", owner));
  return held.Step();
}

Result<std::vector<CodeEntry>> Codebook::Codes(ByteView owner, bool with_removed) {
  WAYPOST_ASSIGN_OR_RETURN(bool stored, Held(owner));
  if (!stored) return Defaults();
  WAYPOST_ASSIGN_OR_RETURN(
      store::Statement st,
      db_->Query("SELECT number, code, meaning, distress, removed FROM codes WHERE owner = ? "
                 "ORDER BY number",
                 owner));
  std::vector<CodeEntry> out;
  WAYPOST_RETURN_IF_ERROR(st.ForEach([&](const store::Statement& r) {
    CodeEntry e{static_cast<uint32_t>(r.ColumnInt64(0)), r.ColumnText(1), r.ColumnText(2),
                r.ColumnInt64(3) != 0, r.ColumnInt64(4) != 0};
    if (with_removed || !e.removed) out.push_back(std::move(e));
  }));
  return out;
}

Result<std::optional<CodeEntry>> Codebook::ByCode(ByteView owner, std::string_view code) {
  WAYPOST_ASSIGN_OR_RETURN(std::vector<CodeEntry> codes, Codes(owner));
  for (CodeEntry& e : codes) {
    if (e.code == code) return std::optional<CodeEntry>(std::move(e));
  }
  return std::optional<CodeEntry>();
}

Result<std::optional<CodeEntry>> Codebook::ByNumber(ByteView owner, uint32_t number) {
  WAYPOST_ASSIGN_OR_RETURN(std::vector<CodeEntry> codes, Codes(owner, /*with_removed=*/true));
  for (CodeEntry& e : codes) {
    if (e.number == number) return std::optional<CodeEntry>(std::move(e));
  }
  return std::optional<CodeEntry>();
}

Status Codebook::Materialize(ByteView owner) {
  WAYPOST_ASSIGN_OR_RETURN(bool stored, Held(owner));
  if (stored) return Status::Ok();
  return Write(owner, kDefaultVersion, Defaults());
}

Status Codebook::Add(std::string_view code, std::string_view meaning, bool distress) {
  WAYPOST_ASSIGN_OR_RETURN(std::string name, NormalizeCode(code));
  WAYPOST_RETURN_IF_ERROR(CheckMeaning(meaning));
  WAYPOST_RETURN_IF_ERROR(Materialize({}));
  WAYPOST_ASSIGN_OR_RETURN(std::vector<CodeEntry> all, Codes({}, /*with_removed=*/true));
  uint32_t next = 1;
  size_t in_use = 0;
  for (const CodeEntry& e : all) {
    if (!e.removed && e.code == name) {
      return Status::AlreadyExists("the code " + name + " is already in the codebook");
    }
    next = std::max(next, e.number + 1);
    if (!e.removed) ++in_use;
  }
  if (in_use >= kMaxCodes) return Status::LimitExceeded("a codebook holds at most 64 codes");
  std::vector<CodeEntry> next_codes;
  for (const CodeEntry& e : all) {
    if (!e.removed) next_codes.push_back(e);
  }
  next_codes.push_back(CodeEntry{next, name, std::string(meaning), distress, false});
  WAYPOST_ASSIGN_OR_RETURN(int64_t version, Version({}));
  pb::Body body;
  ToBody(version + 1, next_codes, body);
  if (!FitsOneEnvelope(body)) {
    return Status::LimitExceeded(
        "the codebook is full: all its codes and meanings together must fit one message of 16 KB; "
        "shorten a meaning or remove a code");
  }
  WAYPOST_RETURN_IF_ERROR(
      db_->Run("INSERT INTO codes(owner, number, code, meaning, distress, removed) VALUES(X'', ?, "
               "?, ?, ?, 0)",
               int64_t{next}, name, meaning, distress ? 1 : 0));
  return db_->Run("UPDATE codebooks SET version = version + 1 WHERE owner = X''");
}

Status Codebook::Remove(std::string_view code) {
  WAYPOST_ASSIGN_OR_RETURN(std::string name, NormalizeCode(code));
  WAYPOST_RETURN_IF_ERROR(Materialize({}));
  WAYPOST_ASSIGN_OR_RETURN(std::vector<CodeEntry> in_use, Codes({}));
  auto it = std::find_if(in_use.begin(), in_use.end(),
                         [&](const CodeEntry& e) { return e.code == name; });
  if (it == in_use.end()) return Status::NotFound("no code " + name + " in the codebook");
  if (in_use.size() == 1) {
    return Status::InvalidArgument("the codebook's last code cannot be removed; add another first");
  }
  WAYPOST_RETURN_IF_ERROR(db_->Run("UPDATE codes SET removed = 1 WHERE owner = X'' AND number = ?",
                                   int64_t{it->number}));
  return db_->Run("UPDATE codebooks SET version = version + 1 WHERE owner = X''");
}

Result<bool> Codebook::Receive(ByteView owner, int64_t version,
                               const std::vector<CodeEntry>& codes) {
  if (codes.empty() || codes.size() > kMaxCodes) {
    return Status::InvalidArgument("a codebook holds 1 to 64 codes");
  }
  std::set<uint32_t> numbers;
  std::set<std::string> names;
  for (const CodeEntry& e : codes) {
    WAYPOST_ASSIGN_OR_RETURN(std::string name, NormalizeCode(e.code));
    WAYPOST_RETURN_IF_ERROR(CheckMeaning(e.meaning));
    if (name != e.code || e.number == 0 || e.removed || !numbers.insert(e.number).second ||
        !names.insert(name).second) {
      return Status::InvalidArgument("a malformed codebook");
    }
  }
  WAYPOST_ASSIGN_OR_RETURN(int64_t held, Version(owner));
  if (version <= held) return false;
  WAYPOST_RETURN_IF_ERROR(Erase(owner));
  WAYPOST_RETURN_IF_ERROR(Write(owner, version, codes));
  return true;
}

Status Codebook::FillBody(pb::Body& body) {
  WAYPOST_ASSIGN_OR_RETURN(int64_t version, Version({}));
  WAYPOST_ASSIGN_OR_RETURN(std::vector<CodeEntry> codes, Codes({}));
  ToBody(version, codes, body);
  return Status::Ok();
}

void Codebook::ToBody(int64_t version, const std::vector<CodeEntry>& codes, pb::Body& body) {
  pb::Codebook* out = body.mutable_codebook();
  out->set_version(static_cast<uint32_t>(version));
  for (const CodeEntry& e : codes) {
    pb::Code* c = out->add_codes();
    c->set_number(e.number);
    c->set_code(e.code);
    c->set_meaning(e.meaning);
    c->set_distress(e.distress);
  }
}

Result<Codebook::Tables> Codebook::AllRows() {
  Tables t;
  WAYPOST_ASSIGN_OR_RETURN(store::Statement books,
                           db_->Query("SELECT owner, version FROM codebooks ORDER BY owner"));
  WAYPOST_RETURN_IF_ERROR(books.ForEach([&](const store::Statement& r) {
    t.codebooks.emplace_back(r.ColumnBlob(0), r.ColumnInt64(1));
  }));
  WAYPOST_ASSIGN_OR_RETURN(
      store::Statement codes,
      db_->Query("SELECT owner, number, code, meaning, distress, removed FROM codes "
                 "ORDER BY owner, number"));
  WAYPOST_RETURN_IF_ERROR(codes.ForEach([&](const store::Statement& r) {
    t.codes.emplace_back(r.ColumnBlob(0), r.ColumnInt64(1), r.ColumnText(2), r.ColumnText(3),
                         r.ColumnInt64(4), r.ColumnInt64(5));
  }));
  return t;
}

Status Codebook::ReplaceWith(const Tables& tables) {
  WAYPOST_ASSIGN_OR_RETURN(Tables have, AllRows());
  WAYPOST_RETURN_IF_ERROR(
      internal::ReplaceRows(*db_, have.codebooks, tables.codebooks, "DELETE FROM codebooks WHERE 1",
                            "INSERT INTO codebooks(owner, version) VALUES(?, ?)"));
  return internal::ReplaceRows(*db_, have.codes, tables.codes, "DELETE FROM codes WHERE 1",
                               "INSERT INTO codes(owner, number, code, meaning, distress, removed) "
                               "VALUES(?, ?, ?, ?, ?, ?)");
}

Status Codebook::Write(ByteView owner, int64_t version, const std::vector<CodeEntry>& codes) {
  WAYPOST_RETURN_IF_ERROR(
      db_->Run("INSERT INTO codebooks(owner, version) VALUES(?, ?)", owner, version));
  for (const CodeEntry& e : codes) {
    WAYPOST_RETURN_IF_ERROR(db_->Run(
        "INSERT INTO codes(owner, number, code, meaning, distress, removed) VALUES(?, ?, ?, ?, ?, "
        "?)",
        owner, int64_t{e.number}, e.code, e.meaning, e.distress ? 1 : 0, e.removed ? 1 : 0));
  }
  return Status::Ok();
}

Status Codebook::Erase(ByteView owner) {
  WAYPOST_RETURN_IF_ERROR(db_->Run("DELETE FROM codes WHERE owner = ?", owner));
  return db_->Run("DELETE FROM codebooks WHERE owner = ?", owner);
}

}  // namespace waypost::node
