// Identity: who this node is, kept in the `meta` table (docs/storage.md §5):
// its name, its role, its static X25519 key pair and its recipient-tag key.
// The decoy holds the same identity, so the coordinators know whom a duress
// flag is about (docs/storage.md §3).
//
// Holds key material in guarded memory. Move-only.
#pragma once

#include <string_view>

#include "core/node/records.h"
#include "core/noise/key_pair.h"
#include "core/random.h"
#include "core/secret.h"
#include "core/status.h"
#include "core/store/database.h"

namespace waypost::node {

class Identity {
 public:
  Identity() = default;  // nobody yet; assign from Create() or Load()
  // Draws a key pair and a tag key from `random` and writes them, the name
  // and the role into `db`.
  static Result<Identity> Create(store::Database& db, std::string_view name, Role role,
                                 Random& random);
  // Corrupt if a row is missing or a key is damaged.
  static Result<Identity> Load(store::Database& db);

  const SelfInfo& self() const { return self_; }
  const noise::KeyPair& key_pair() const { return key_pair_; }
  const Secret& tag_key() const { return tag_key_; }

  Status SetRole(store::Database& db, Role role);
  // Writes this identity into another store (the decoy), changing only what
  // differs.
  Status CopyTo(store::Database& other) const;

 private:
  Identity(SelfInfo self, noise::KeyPair key_pair, Secret tag_key)
      : self_(std::move(self)), key_pair_(std::move(key_pair)), tag_key_(std::move(tag_key)) {}

  SelfInfo self_;
  noise::KeyPair key_pair_;
  Secret tag_key_;
};

}  // namespace waypost::node
