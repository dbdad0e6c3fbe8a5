// Passphrases: `duress set` and `passwd` (docs/storage.md §2.1, §3).
#include <memory>

#include "core/node/node.h"
#include "core/store/home.h"
#include "core/store/key_file.h"
#include "core/store/passwd.h"

namespace waypost::node {

Status Node::SetDuressPassphrase(const Secret& current, const Secret& next) {
  const std::string key_path = store::KeyFilePath(home_);
  WAYPOST_RETURN_IF_ERROR(store::CheckNewPassphrase(key_path, current, next));
  return Mutate([&]() -> Status {
    WAYPOST_ASSIGN_OR_RETURN(int slot, duress_.SlotForNewPassphrase(db_, random_));
    // The main store's duress slot wraps the decoy's key; a decoy's extra
    // slot wraps its own.
    const Secret& key = duress_.is_decoy() ? duress_.own_key() : duress_.decoy_key();
    WAYPOST_RETURN_IF_ERROR(store::KeyFile::SetSlot(key_path, slot, next, key, random_));
    return duress_.RecordNewPassphraseSlot(db_, slot);
  });
}

Status Node::ChangePassphrase(const std::string& home, const Secret& current, const Secret& next,
                              bool rotate, const Clock& clock, Random& random) {
  // Opened first in every case: an unlock of the decoy marks it used, and
  // both stores then do the same work.
  bool decoy = false;
  {
    WAYPOST_ASSIGN_OR_RETURN(std::unique_ptr<Node> node, Open(home, current, clock, random));
    decoy = node->duress_.is_decoy();
  }
  // The main store holds the decoy's key: re-keying the decoy would cut it
  // off from the main store, so there "rotate" re-wraps only.
  if (!rotate || decoy) return store::ChangePassphrase(home, current, next, random);
  return store::RotateKey(home, current, next, random);
}

}  // namespace waypost::node
