#include "core/node/duress_state.h"

#include <algorithm>
#include <span>
#include <string>
#include <utility>

#include "core/node/internal/meta.h"
#include "core/store/key_file.h"

namespace waypost::node {
namespace {

using internal::FindMetaInt;

constexpr char kModeKey[] = "mode";
constexpr char kDecoyMode[] = "decoy";
constexpr char kDecoyKeyKey[] = "decoy_key";
constexpr char kDuressSinceKey[] = "duress_since";
constexpr char kDuressSlotKey[] = "duress_slot";
constexpr char kUsedAtKey[] = "duress_used_at";
constexpr char kProtectedSlotKey[] = "protected_slot";
constexpr char kExtraSlotKey[] = "extra_slot";

// A slot that is neither in `taken` nor out of range, drawn at random.
int PickSlot(Random& random, const std::vector<int>& taken) {
  std::vector<int> free;
  for (int i = 0; i < store::KeyFile::kSlots; ++i) {
    if (std::find(taken.begin(), taken.end(), i) == taken.end()) free.push_back(i);
  }
  uint8_t r = 0;
  random.Fill(std::span<uint8_t>(&r, 1));
  return free.at(r % free.size());
}

Status PutIntIfChanged(store::Database& db, const char* key, int64_t value) {
  return internal::PutMetaIfChanged(db, key, AsBytes(std::to_string(value)));
}

}  // namespace

Result<DuressState> DuressState::Create(store::Database& db, Secret decoy_key, int slot) {
  WAYPOST_RETURN_IF_ERROR(internal::PutMeta(db, kDecoyKeyKey, decoy_key.view()));
  DuressState state;
  state.slot_ = slot;
  state.decoy_key_ = std::move(decoy_key);
  return state;
}

Result<DuressState> DuressState::Load(store::Database& db, int slot, Secret own_key) {
  DuressState state;
  state.slot_ = slot;
  state.own_key_ = std::move(own_key);
  WAYPOST_ASSIGN_OR_RETURN(std::optional<Bytes> mode, internal::FindMeta(db, kModeKey));
  state.decoy_ = mode && AsString(*mode) == kDecoyMode;
  if (state.decoy_) return state;
  WAYPOST_ASSIGN_OR_RETURN(state.decoy_key_, internal::GetMetaSecret(db, kDecoyKeyKey));
  if (state.decoy_key_.size() != store::KeyFile::kDbKeySize) {
    return Status::Corrupt("the store's decoy key is damaged");
  }
  WAYPOST_ASSIGN_OR_RETURN(state.since_, FindMetaInt(db, kDuressSinceKey));
  return state;
}

Status DuressState::Reload(store::Database& db) {
  if (decoy_) return Status::Ok();
  WAYPOST_ASSIGN_OR_RETURN(since_, FindMetaInt(db, kDuressSinceKey));
  return Status::Ok();
}

Status DuressState::Enter(store::Database& db, UnixTime since) {
  if (since_) return Status::Ok();
  WAYPOST_RETURN_IF_ERROR(internal::PutMetaInt(db, kDuressSinceKey, since));
  since_ = since;
  return Status::Ok();
}

Status DuressState::End(store::Database& db) {
  WAYPOST_RETURN_IF_ERROR(internal::DeleteMeta(db, kDuressSinceKey));
  since_.reset();
  return Status::Ok();
}

Status DuressState::MarkUsed(store::Database& db, UnixTime now) {
  WAYPOST_ASSIGN_OR_RETURN(std::optional<int64_t> used, FindMetaInt(db, kUsedAtKey));
  if (used) return Status::Ok();
  return internal::PutMetaInt(db, kUsedAtKey, now);
}

Result<std::optional<int64_t>> DuressState::UsedAt(store::Database& decoy) {
  return FindMetaInt(decoy, kUsedAtKey);
}

Status DuressState::ClearUsed(store::Database& decoy) {
  return internal::DeleteMeta(decoy, kUsedAtKey);
}

Result<std::optional<int64_t>> DuressState::DuressSlot(store::Database& db) const {
  return FindMetaInt(db, kDuressSlotKey);
}

Status DuressState::DescribeTo(store::Database& decoy, std::optional<int64_t> duress_slot) const {
  WAYPOST_RETURN_IF_ERROR(internal::PutMetaIfChanged(decoy, kModeKey, AsBytes(kDecoyMode)));
  WAYPOST_RETURN_IF_ERROR(PutIntIfChanged(decoy, kProtectedSlotKey, slot_));
  // Which slot opens the decoy, so that its own `duress set` spares it.
  if (duress_slot) WAYPOST_RETURN_IF_ERROR(PutIntIfChanged(decoy, kDuressSlotKey, *duress_slot));
  return Status::Ok();
}

// The main store reuses its duress slot; a decoy never touches the main
// store's slot or its own (the one a captor was given). A decoy opened
// through its extra slot picks another: the captor's earlier passphrase
// keeps working, as a changed one would not.
Result<int> DuressState::SlotForNewPassphrase(store::Database& db, Random& random) const {
  WAYPOST_ASSIGN_OR_RETURN(std::optional<int64_t> slot,
                           FindMetaInt(db, decoy_ ? kExtraSlotKey : kDuressSlotKey));
  // The slots that must never be written: our own, and in a decoy the main
  // store's and the one the captor was given.
  std::vector<int> taken = {slot_};
  if (decoy_) {
    WAYPOST_ASSIGN_OR_RETURN(std::optional<int64_t> main_slot, FindMetaInt(db, kProtectedSlotKey));
    if (!main_slot) return Status::Corrupt("the store's slot record is missing");
    taken.push_back(int(*main_slot));
    WAYPOST_ASSIGN_OR_RETURN(std::optional<int64_t> duress_slot, DuressSlot(db));
    if (duress_slot) taken.push_back(int(*duress_slot));
  }
  if (!slot || *slot == slot_) slot = PickSlot(random, taken);
  // A recorded slot out of range, or naming one of those, is damage: never
  // a slot to overwrite.
  if (*slot < 0 || *slot >= store::KeyFile::kSlots ||
      std::find(taken.begin(), taken.end(), int(*slot)) != taken.end()) {
    return Status::Corrupt("the store's slot record is damaged");
  }
  return int(*slot);
}

Status DuressState::RecordNewPassphraseSlot(store::Database& db, int slot) const {
  return internal::PutMetaInt(db, decoy_ ? kExtraSlotKey : kDuressSlotKey, slot);
}

}  // namespace waypost::node
