// The key file (core/store/key_file.h, docs/storage.md §2). Anyone who can
// reach the disk can alter it, so any bytes in it must be refused cleanly or
// open, and open only under a passphrase that really sealed a slot.
//
// Input: a control byte (key_file_fuzz_util.h: the passphrase, whether to
// reseal the checksums, a write to try), then the file's bytes, any length,
// written as the key file in a scratch directory. Each input, in turn:
//
//   1. ReadParams: every check made without a key (size, checksums, magic,
//      version, slot count, the copy in force, plausible costs).
//   2. UnlockAll with the passphrase.
//   3. The write, if any (ClearSlot, Settle, SetSlot), then ReadParams again.
//
// Properties: no crash or sanitizer report. Steps 1 and 2 agree exactly with
// a model of the layout written from key_file.h: ReadParams gives the costs
// of the copy in force or Corrupt; UnlockAll gives Corrupt for the same files
// without deriving anything, derives once per distinct header, and returns
// the lowest slot that opens in each copy, with the copy and `settle` that
// the header describes. Every key that opens is one the seeds sealed under
// that passphrase (key_file_fuzz_util.h); kWrong and the empty passphrase
// open nothing. A write to a damaged file, or to one whose copies differ
// (ClearSlot, SetSlot), is refused and leaves every byte as it was. One that
// succeeds changes nothing outside the two records and leaves them equal and
// whole, the costs readable as before: Settle with the copy it names over
// the other; ClearSlot and SetSlot with the header and the other slots as in
// the copy that was in force, and SetSlot's slot opening to the new key.
//
// Argon2id: no key file may cost less than the interactive profile (64 MiB,
// 2 passes; kdf.h), and nothing in core/ lowers it, so each derivation takes
// tens of milliseconds. kdf_memo.h runs each distinct one once and then
// answers from memory; all seeds but two share one salt, and a mutation
// rarely makes another whole header. A derivation not yet remembered is run
// only at the interactive cost and at most kMaxNewDerivations times per
// process; past that, an input that needs one skips step 2 and SetSlot (the
// rest of it still runs). Memory locking is off (kdf.h SetKdfMemoryLocking): under
// the sanitizers it would try to lock their shadow memory.
#include <sodium.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

#include "core/bytes.h"
#include "core/random.h"
#include "core/secret.h"
#include "core/status.h"
#include "core/store/kdf.h"
#include "core/store/key_file.h"
#include "tests/fuzz/kdf_memo.h"
#include "tests/fuzz/key_file_fuzz_util.h"
#include "tests/fuzz/scratch_dir.h"

namespace {

using namespace waypost;
using store::KdfParams;
using store::KeyFile;
namespace kf = fuzz::key_file;
using kf::Layout;
using kf::Model;
using kf::OffsetOf;

[[noreturn]] void Die(const char* what) {
  std::fprintf(stderr, "fuzz property violated: %s\n", what);
  std::abort();
}

constexpr int kMaxNewDerivations = 16;

// The copies whose headers UnlockAll derives a wrap key for: the one in
// force, and the other if the copies differ in a plausible header.
std::vector<int> DerivedCopies(const Layout& m) {
  if (!m.whole) return {};
  std::vector<int> copies = {m.in_force};
  const int other = 1 - m.in_force;
  if (m.differ && !m.SameHeader() && store::PlausibleParams(m.params[other])) {
    copies.push_back(other);
  }
  return copies;
}

// Whether this process may afford the derivations of `copies`.
int g_new_derivations = 0;
bool Affordable(const Secret& pass, const Layout& m, const std::vector<int>& copies) {
  const KdfParams cheap = store::ParamsFor(store::KdfProfile::kInteractive);
  int fresh = 0;
  for (int copy : copies) {
    if (fuzz::kdf_memo::Remembers(pass.view(), m.Salt(copy), m.params[copy])) continue;
    if (m.params[copy].opslimit != cheap.opslimit || m.params[copy].memlimit != cheap.memlimit) {
      return false;
    }
    ++fresh;
  }
  return g_new_derivations + fresh <= kMaxNewDerivations;
}

// Derives (from memory: only after KeyFile did) the wrap key of `copy`.
Secret WrapKey(const Secret& pass, const Layout& m, int copy) {
  if (!fuzz::kdf_memo::Remembers(pass.view(), m.Salt(copy), m.params[copy])) {
    Die("the harness would derive a key that KeyFile did not");
  }
  auto key = store::DeriveWrapKey(pass, m.Salt(copy), m.params[copy]);
  if (!key.ok()) Die("a remembered derivation failed");
  return std::move(key).value();
}

struct Opened {
  int slot = -1;
  Secret key;
};

// The lowest slot of `copy` that `wrap_key` opens, and its key.
Opened LowestOpening(const Layout& m, int copy, const Secret& wrap_key) {
  for (int i = 0; i < KeyFile::kSlots; ++i) {
    const ByteView slot = m.Slot(copy, i);
    Secret key(KeyFile::kDbKeySize);
    if (crypto_secretbox_open_easy(key.data(), slot.data() + KeyFile::kNonceSize,
                                   KeyFile::kMacSize + KeyFile::kDbKeySize, slot.data(),
                                   wrap_key.data()) == 0) {
      return {i, std::move(key)};
    }
  }
  return {};
}

// What UnlockAll must return for `m` (whole) under `pass`, as key_file.h
// describes it.
std::vector<KeyFile::Unlocked> Expected(const Secret& pass, const Layout& m) {
  const int f = m.in_force;
  const int o = 1 - f;
  const Secret wrap = WrapKey(pass, m, f);
  Opened first = LowestOpening(m, f, wrap);
  std::vector<KeyFile::Unlocked> out;
  if (!m.differ) {
    if (first.slot >= 0) out.push_back({std::move(first.key), first.slot, f, !m.intact[o]});
    return out;
  }
  Opened second;
  if (m.SameHeader()) {
    second = LowestOpening(m, o, wrap);
  } else if (store::PlausibleParams(m.params[o])) {
    second = LowestOpening(m, o, WrapKey(pass, m, o));
  }
  const bool same = m.SameHeader() && first.slot >= 0 && second.slot == first.slot &&
                    std::memcmp(m.Slot(f, first.slot).data(), m.Slot(o, first.slot).data(),
                                KeyFile::kSlotSize) == 0;
  if (first.slot >= 0) out.push_back({std::move(first.key), first.slot, f, !same});
  if (second.slot >= 0 && !same) out.push_back({std::move(second.key), second.slot, o, true});
  return out;
}

// Whether `key` is one that a seed sealed under `pass`.
bool Genuine(std::string_view pass, ByteView key) {
  auto is = [&](const Secret& k) { return ConstantTimeEqual(k.view(), key); };
  if (pass == kf::kNormal) return is(kf::MainKey()) || is(kf::RotatedKey());
  if (pass == kf::kDuress) return is(kf::DecoyKey());
  return false;
}

// ---------------------------------------------------------------- the file

Bytes ReadBack(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void WriteFile(const std::string& path, ByteView bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
  if (!out) Die("cannot write the key file");
}

// ---------------------------------------------------------------- the steps

void CheckReadParams(const std::string& path, const Layout& m) {
  Result<KdfParams> params = KeyFile::ReadParams(path);
  if (params.ok() != m.whole) Die("ReadParams disagrees with the layout on the file");
  if (!params.ok()) {
    if (params.status().code() != Status::Code::kCorrupt) Die("a damaged file is not Corrupt");
    return;
  }
  const KdfParams& want = m.params[m.in_force];
  if (params->opslimit != want.opslimit || params->memlimit != want.memlimit) {
    Die("ReadParams read the costs of the wrong copy");
  }
}

void CheckUnlock(const std::string& path, const Secret& pass, std::string_view pass_text,
                 const Layout& m) {
  const std::vector<int> derived = DerivedCopies(m);
  const fuzz::kdf_memo::Stats before = fuzz::kdf_memo::stats();
  Result<std::vector<KeyFile::Unlocked>> got = KeyFile::UnlockAll(path, pass);
  const fuzz::kdf_memo::Stats after = fuzz::kdf_memo::stats();
  g_new_derivations += static_cast<int>(after.derived - before.derived);
  const size_t calls = (after.derived - before.derived) + (after.remembered - before.remembered);
  if (calls != derived.size()) Die("UnlockAll derived other than once per distinct whole header");

  if (!m.whole) {
    if (got.ok() || got.status().code() != Status::Code::kCorrupt) {
      Die("UnlockAll did not refuse a damaged file as Corrupt");
    }
    return;
  }
  const std::vector<KeyFile::Unlocked> want = Expected(pass, m);
  if (!got.ok()) {
    if (got.status().code() != Status::Code::kWrongPassphrase) Die("an unexpected error");
    if (!want.empty()) Die("UnlockAll missed a slot that opens");
    return;
  }
  if (got->size() != want.size()) Die("UnlockAll opened other copies than the layout says");
  for (size_t i = 0; i < want.size(); ++i) {
    const KeyFile::Unlocked& g = (*got)[i];
    const KeyFile::Unlocked& w = want[i];
    if (g.slot != w.slot || g.copy != w.copy || g.settle != w.settle) {
      Die("UnlockAll's slot, copy or settle differs from the layout's");
    }
    if (g.db_key.size() != KeyFile::kDbKeySize ||
        !ConstantTimeEqual(g.db_key.view(), w.db_key.view())) {
      Die("UnlockAll returned another key than the slot holds");
    }
    if (!Genuine(pass_text, g.db_key.view())) {
      Die("a key opened that no seed sealed under this passphrase");
    }
  }
}

// The file after a write that succeeded: both copies equal and whole, the
// header and every slot but `changed` (-1: none) as in `before`'s record in
// force, the bytes outside the records untouched.
void CheckRewritten(const Bytes& input, const Layout& before, const Bytes& now, int changed) {
  const Layout after = Model(now);
  if (!after.intact[0] || !after.intact[1] || after.differ) Die("a write left the copies unequal");
  const Bytes& old = before.record[before.in_force];
  if (std::memcmp(after.record[0].data(), old.data(), KeyFile::kHeaderSize) != 0) {
    Die("a write changed the header");
  }
  for (int s = 0; s < KeyFile::kSlots; ++s) {
    if (s == changed) continue;
    if (std::memcmp(after.Slot(0, s).data(), before.Slot(before.in_force, s).data(),
                    KeyFile::kSlotSize) != 0) {
      Die("a write changed another slot");
    }
  }
  for (size_t i = 0; i < now.size(); ++i) {
    const bool in_record =
        i < KeyFile::kRecordSize ||
        (i >= KeyFile::kSecondCopy && i < KeyFile::kSecondCopy + KeyFile::kRecordSize);
    if (!in_record && now[i] != input[i]) Die("a write changed bytes outside the records");
  }
}

void CheckWrite(const std::string& path, const Secret& pass, const Bytes& input, const Layout& m,
                uint8_t control) {
  const kf::Op op = kf::OpOf(control);
  if (op == kf::Op::kNone) return;
  const int slot = kf::SlotOf(control);
  SeededRandom random(0x6b66);
  Status status;
  bool expect_ok = m.whole;
  int changed = -1;
  switch (op) {
    case kf::Op::kClearSlot:
      status = KeyFile::ClearSlot(path, slot, random);
      expect_ok = m.whole && !m.differ;
      changed = slot;
      break;
    case kf::Op::kSettle0:
    case kf::Op::kSettle1: {
      const int copy = op == kf::Op::kSettle0 ? 0 : 1;
      status = KeyFile::Settle(path, copy);
      expect_ok = m.whole && m.intact[copy];
      break;
    }
    case kf::Op::kSetSlot: {
      if (!pass.empty() && m.whole && !m.differ && !Affordable(pass, m, {m.in_force})) return;
      const fuzz::kdf_memo::Stats before = fuzz::kdf_memo::stats();
      status = KeyFile::SetSlot(path, slot, pass, kf::NewKey(), random);
      g_new_derivations += static_cast<int>(fuzz::kdf_memo::stats().derived - before.derived);
      expect_ok = !pass.empty() && m.whole && !m.differ;
      changed = slot;
      break;
    }
    case kf::Op::kNone:
      return;
  }
  const Bytes now = ReadBack(path);
  if (status.ok() != expect_ok) Die("a write was refused or taken against the layout");
  if (!status.ok()) {
    if (now != input) Die("a refused write changed the file");
    return;
  }
  if (op == kf::Op::kSettle0 || op == kf::Op::kSettle1) {
    const int copy = op == kf::Op::kSettle0 ? 0 : 1;
    Bytes want = input;
    std::memcpy(want.data() + OffsetOf(1 - copy), m.record[copy].data(), KeyFile::kRecordSize);
    if (now != want) Die("Settle wrote other than its copy over the other");
  } else {
    CheckRewritten(input, m, now, changed);
  }
  CheckReadParams(path, Model(now));
  if (op == kf::Op::kSetSlot) {
    const Layout after = Model(now);
    const Opened opened = [&] {
      const Secret wrap = WrapKey(pass, after, after.in_force);
      const ByteView s = after.Slot(after.in_force, slot);
      Opened o;
      o.key = Secret(KeyFile::kDbKeySize);
      if (crypto_secretbox_open_easy(o.key.data(), s.data() + KeyFile::kNonceSize,
                                     KeyFile::kMacSize + KeyFile::kDbKeySize, s.data(),
                                     wrap.data()) == 0) {
        o.slot = slot;
      }
      return o;
    }();
    if (opened.slot != slot || !ConstantTimeEqual(opened.key.view(), kf::NewKey().view())) {
      Die("SetSlot's slot does not open to the new key");
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static fuzz::ScratchDir* dir = [] {
    if (sodium_init() < 0) Die("sodium_init");
    store::SetKdfMemoryLocking(false);
    static fuzz::ScratchDir scratch;
    if (!scratch.ok()) Die("no scratch directory");
    return &scratch;
  }();
  if (size == 0) return 0;
  const std::string path = dir->File("waypost.key");
  const uint8_t control = data[0];
  Bytes file(data + 1, data + size);
  if (control & kf::kReseal) kf::Reseal(file);
  WriteFile(path, file);

  const Layout m = Model(file);
  CheckReadParams(path, m);

  const std::string_view pass_text = kf::PassphraseOf(control);
  const Secret pass = Secret::FromString(pass_text);
  if (Affordable(pass, m, DerivedCopies(m))) CheckUnlock(path, pass, pass_text, m);
  CheckWrite(path, pass, file, m, control);
  return 0;
}
