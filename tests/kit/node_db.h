// A node database on its own: the node schema (core/node/internal/schema.h)
// in a fresh SQLCipher file in a temporary directory, for testing one part
// of a node (a table class) alone.
#pragma once

#include <sodium.h>

#include <optional>
#include <stdexcept>
#include <string>

#include "core/envelope/keys.h"
#include "core/node/contact_book.h"
#include "core/node/internal/schema.h"
#include "core/random.h"
#include "core/secret.h"
#include "core/store/database.h"
#include "tests/kit/temp_dir.h"

namespace waypost::testing {

class NodeDatabase {
 public:
  explicit NodeDatabase(const std::string& name = "node.db") {
    Secret key(store::Database::kRawKeySize);
    randombytes_buf(key.data(), key.size());
    auto db = store::Database::Open(dir_.File(name), key);
    if (!db.ok()) throw std::runtime_error(db.status().message());
    db_.emplace(std::move(db).value());
    const Status migrated = node::internal::MigrateSchema(*db_);
    if (!migrated.ok()) throw std::runtime_error(migrated.message());
    (void)db_->TakeWrittenTables();
  }

  store::Database& db() { return *db_; }
  store::Database* operator->() { return &*db_; }

  // An active contact named `name` with a key drawn from `random` (zero tag
  // and chain keys at epoch 0), for tests of tables that refer to contacts.
  node::ContactId AddContact(const std::string& name, Random& random, UnixTime now,
                             node::Role role = node::Role::kHelper) {
    Secret tag(envelope::kKeySize), chain(envelope::kKeySize), key(PublicKey::kSize);
    random.Fill(key.span());
    auto id = node::ContactBook(*db_).Add({.name = name,
                                           .public_key = PublicKey::From(key.view()).value(),
                                           .role = role,
                                           .state = node::ContactState::kActive,
                                           .tag_key = tag.view(),
                                           .chain_epoch = 0,
                                           .chain_key = &chain},
                                          now);
    if (!id.ok()) throw std::runtime_error(id.status().message());
    return *id;
  }

  // One integer from `sql` (a count, say); -1 if it returns no row.
  int64_t Int(const std::string& sql) {
    auto st = db_->Prepare(sql);
    if (!st.ok()) throw std::runtime_error(st.status().message());
    auto row = st->Step();
    return row.ok() && *row ? st->ColumnInt64(0) : -1;
  }

 private:
  TempDir dir_;  // outlives the database: declared first
  std::optional<store::Database> db_;
};

}  // namespace waypost::testing
