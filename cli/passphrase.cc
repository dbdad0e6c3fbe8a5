// Where passphrases come from (README, "Global options"), in this order:
//   --passphrase-file FILE, then $WAYPOST_PASSPHRASE, then a no-echo prompt
//   on the terminal. A new passphrase comes from $WAYPOST_NEW_PASSPHRASE
//   (init falls back to the sources above) or is asked for twice.
// Passphrases go straight into guarded memory and are never printed.
#include "cli/context.h"
#include "core/env.h"
#include "core/text.h"

namespace waypost::cli {
namespace {

constexpr size_t kMaxPassphrase = 1024;
constexpr size_t kMinPassphraseChars = 12;
constexpr char kNoTerminal[] =
    "no passphrase: set WAYPOST_PASSPHRASE, use --passphrase-file, or run on a terminal";

// Drops one trailing newline (files written by `echo`).
Secret Trimmed(ByteView bytes) {
  size_t len = bytes.size();
  if (len > 0 && bytes[len - 1] == '\n') --len;
  if (len > 0 && bytes[len - 1] == '\r') --len;
  return Secret::From(bytes.first(len));
}

Result<Secret> FromFile(const std::string& path) {
  Result<Secret> read = Env::Default().ReadSecretFile(path, kMaxPassphrase);
  if (read.ok()) return Trimmed(read->view());
  if (read.status().code() == Status::Code::kCorrupt) {
    return Status::InvalidArgument("passphrase file is too long");
  }
  return Status::Error(read.status().code(),
                       "cannot read the passphrase file: " + read.status().message());
}

Result<Secret> FromEnvironment(std::string value) {
  Secret s = Trimmed(AsBytes(value));
  Wipe(value);
  return s;
}

// Characters as a person counts them (core/text.h), not bytes: "비밀번호"
// is 4 characters and 12 bytes. A passphrase need not be UTF-8 (a file may
// hold any bytes), so it is counted loosely rather than refused.
Status CheckStrength(const Secret& p) {
  if (CountCharsLoosely(Context::View(p)) < kMinPassphraseChars) {
    return Status::InvalidArgument(
        "passphrase too short: use at least 12 characters (`waypost init "
        "--suggest-passphrase` prints a random one)");
  }
  return Status::Ok();
}

}  // namespace

Result<Secret> Context::ReadPassphrase() {
  if (globals_.passphrase_file) return FromFile(*globals_.passphrase_file);
  if (auto env = io_.getenv("WAYPOST_PASSPHRASE")) return FromEnvironment(std::move(*env));
  return io_.terminal.ReadLine("Passphrase: ", kMaxPassphrase, false, kNoTerminal);
}

Status Context::CheckPassphrase(const std::function<Status(const Secret&)>& check) {
  const bool terminal = !globals_.passphrase_file && !io_.getenv("WAYPOST_PASSPHRASE");
  for (int tries_left = terminal ? kPassphraseTries - 1 : 0;; --tries_left) {
    WAYPOST_ASSIGN_OR_RETURN(Secret passphrase, ReadPassphrase());
    const Status status = check(passphrase);
    if (status.code() != Status::Code::kWrongPassphrase) return status;
    if (tries_left == 0) {
      return Status::Error(Status::Code::kWrongPassphrase, "wrong passphrase; nothing was changed");
    }
    Note("wrong passphrase, try again (" + std::to_string(tries_left) +
         (tries_left == 1 ? " try" : " tries") + " left)");
  }
}

bool Context::HasNewPassphraseInEnvironment() const {
  return io_.getenv("WAYPOST_NEW_PASSPHRASE").has_value();
}

Result<Secret> Context::ReadNewPassphrase(bool fallback_to_current) {
  if (auto env = io_.getenv("WAYPOST_NEW_PASSPHRASE")) {
    WAYPOST_ASSIGN_OR_RETURN(Secret p, FromEnvironment(std::move(*env)));
    WAYPOST_RETURN_IF_ERROR(CheckStrength(p));
    return p;
  }
  if (fallback_to_current && (globals_.passphrase_file || io_.getenv("WAYPOST_PASSPHRASE"))) {
    WAYPOST_ASSIGN_OR_RETURN(Secret p, ReadPassphrase());
    WAYPOST_RETURN_IF_ERROR(CheckStrength(p));
    return p;
  }
  WAYPOST_ASSIGN_OR_RETURN(
      Secret first, io_.terminal.ReadLine("New passphrase: ", kMaxPassphrase, false, kNoTerminal));
  WAYPOST_RETURN_IF_ERROR(CheckStrength(first));
  WAYPOST_ASSIGN_OR_RETURN(
      Secret second,
      io_.terminal.ReadLine("Repeat new passphrase: ", kMaxPassphrase, false, kNoTerminal));
  if (!ConstantTimeEqual(first.view(), second.view())) {
    return Status::InvalidArgument("the two passphrases differ");
  }
  return first;
}

}  // namespace waypost::cli
