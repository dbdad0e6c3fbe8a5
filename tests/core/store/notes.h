// Test helpers: one marker row in a database, to tell which file opened.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "core/store/database.h"

namespace waypost::testing {

// Creates table `notes` holding the one row `body`.
inline void WriteNote(store::Database& db, std::string_view body) {
  ASSERT_TRUE(db.Exec("CREATE TABLE notes (body TEXT);").ok());
  auto insert = db.Prepare("INSERT INTO notes VALUES (?);");
  ASSERT_TRUE(insert.ok());
  ASSERT_TRUE(insert->BindText(1, body).ok());
  ASSERT_TRUE(insert->Step().ok());
}

// The row in `notes`, "no notes table" for an empty database, or the error.
inline std::string ReadNote(store::Database& db) {
  auto select = db.Prepare("SELECT body FROM notes;");
  if (!select.ok()) return "no notes table";
  auto row = select->Step();
  if (!row.ok() || !*row) return "no row";
  return select->ColumnText(0);
}

}  // namespace waypost::testing
