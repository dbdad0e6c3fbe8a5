// Test helpers: one marker row in a database, to tell which file opened.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "core/store/database.h"
#include "tests/kit/status.h"

namespace waypost::testing {

// Creates table `notes` holding the one row `body`.
inline void WriteNote(store::Database& db, std::string_view body) {
  ASSERT_OK(db.Exec("CREATE TABLE notes (body TEXT);"));
  auto insert = db.Prepare("INSERT INTO notes VALUES (?);");
  ASSERT_OK(insert);
  ASSERT_OK(insert->BindText(1, body));
  ASSERT_OK(insert->Step());
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
