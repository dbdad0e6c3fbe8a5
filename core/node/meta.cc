#include "core/node/internal/meta.h"

#include <charconv>

namespace waypost::node::internal {

Status PutMeta(store::Database& db, std::string_view key, ByteView value) {
  return db.Run("INSERT OR REPLACE INTO meta(key, value) VALUES(?, ?)", key, value);
}

Status PutMetaInt(store::Database& db, std::string_view key, int64_t value) {
  return PutMeta(db, key, AsBytes(std::to_string(value)));
}

Status PutMetaIfChanged(store::Database& db, std::string_view key, ByteView value) {
  WAYPOST_ASSIGN_OR_RETURN(store::Statement st,
                           db.Query("SELECT value FROM meta WHERE key = ?", key));
  WAYPOST_ASSIGN_OR_RETURN(bool row, st.Step());
  if (row) {
    const Secret have = st.ColumnSecret(0);
    if (have.size() == value.size() && ConstantTimeEqual(have.view(), value)) return Status::Ok();
  }
  return PutMeta(db, key, value);
}

Status DeleteMeta(store::Database& db, std::string_view key) {
  return db.Run("DELETE FROM meta WHERE key = ?", key);
}

Result<std::optional<Bytes>> FindMeta(store::Database& db, std::string_view key) {
  WAYPOST_ASSIGN_OR_RETURN(store::Statement st,
                           db.Query("SELECT value FROM meta WHERE key = ?", key));
  WAYPOST_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return std::optional<Bytes>();
  return std::optional<Bytes>(st.ColumnBlob(0));
}

Result<Bytes> GetMeta(store::Database& db, std::string_view key) {
  WAYPOST_ASSIGN_OR_RETURN(std::optional<Bytes> value, FindMeta(db, key));
  if (!value) return Status::Corrupt("the store is missing its " + std::string(key));
  return std::move(*value);
}

Result<Secret> GetMetaSecret(store::Database& db, std::string_view key) {
  WAYPOST_ASSIGN_OR_RETURN(store::Statement st,
                           db.Query("SELECT value FROM meta WHERE key = ?", key));
  WAYPOST_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return Status::Corrupt("the store is missing its " + std::string(key));
  return st.ColumnSecret(0);
}

Result<std::optional<int64_t>> FindMetaInt(store::Database& db, std::string_view key) {
  WAYPOST_ASSIGN_OR_RETURN(std::optional<Bytes> value, FindMeta(db, key));
  if (!value) return std::optional<int64_t>();
  const std::string text = AsString(*value);
  int64_t out = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  if (ec != std::errc() || end != text.data() + text.size()) {
    return Status::Corrupt("the store's " + std::string(key) + " is damaged");
  }
  return std::optional<int64_t>(out);
}

}  // namespace waypost::node::internal
