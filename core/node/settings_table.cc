#include "core/node/settings_table.h"

#include <algorithm>
#include <charconv>

#include "core/node/internal/rows.h"

namespace waypost::node {
namespace {

constexpr std::string_view kRetentionKey = "retention";
constexpr std::string_view kDeliveryWindowKey = "delivery-window";
constexpr std::string_view kKeep = "keep";
constexpr std::string_view kProxyKey = "proxy";
constexpr std::string_view kSocks5Scheme = "socks5://";
constexpr size_t kMaxProxySize = 300;

std::optional<int64_t> ParseStoredInt(const std::string& text) {
  int64_t value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr != end || text.empty()) return std::nullopt;
  return value;
}

bool ValidRetention(std::optional<int64_t> seconds) {
  return !seconds || *seconds >= NodeSettings::kMinRetentionSeconds;
}

bool ValidProxy(std::string_view url) {
  if (url.empty()) return true;
  if (url.size() > kMaxProxySize || url.substr(0, kSocks5Scheme.size()) != kSocks5Scheme ||
      url.size() == kSocks5Scheme.size()) {
    return false;
  }
  return std::all_of(url.begin(), url.end(), [](char c) { return c > ' ' && c < 0x7f; });
}

bool ValidWindow(int64_t epochs) {
  return epochs >= NodeSettings::kMinDeliveryWindowEpochs &&
         epochs <= NodeSettings::kMaxDeliveryWindowEpochs;
}

// Applies one stored row to `s`.
Status Apply(const std::string& key, const std::string& value, NodeSettings& s) {
  const std::optional<int64_t> number = ParseStoredInt(value);
  if (key == kRetentionKey) {
    s.retention_seconds = value == kKeep ? std::nullopt : number;
    if ((value != kKeep && !number) || !ValidRetention(s.retention_seconds)) {
      return Status::Corrupt("the stored retention setting is damaged");
    }
  } else if (key == kDeliveryWindowKey) {
    if (!number || !ValidWindow(*number)) {
      return Status::Corrupt("the stored delivery-window setting is damaged");
    }
    s.delivery_window_epochs = *number;
  } else if (key == kProxyKey) {
    if (!ValidProxy(value)) return Status::Corrupt("the stored proxy setting is damaged");
    s.proxy = value;
  }
  return Status::Ok();
}

}  // namespace

Result<NodeSettings> SettingsTable::Load() {
  NodeSettings settings;
  WAYPOST_ASSIGN_OR_RETURN(store::Statement st, db_->Query("SELECT key, value FROM settings"));
  WAYPOST_RETURN_IF_ERROR(st.ForEach([&](const store::Statement& row) {
    return Apply(row.ColumnText(0), row.ColumnText(1), settings);
  }));
  return settings;
}

Status SettingsTable::Put(std::string_view key, const std::string& value) {
  return db_->Run("INSERT OR REPLACE INTO settings(key, value) VALUES(?, ?)", key, value);
}

Status SettingsTable::PutRetention(std::optional<int64_t> seconds) {
  if (!ValidRetention(seconds)) {
    return Status::InvalidArgument("the retention is at least 1 day (1d), or keep");
  }
  return Put(kRetentionKey, seconds ? std::to_string(*seconds) : std::string(kKeep));
}

Status SettingsTable::PutDeliveryWindow(int64_t epochs) {
  if (!ValidWindow(epochs)) {
    return Status::InvalidArgument("the delivery window is 1 to 28 whole days (1d to 28d)");
  }
  return Put(kDeliveryWindowKey, std::to_string(epochs));
}

Status SettingsTable::PutProxy(std::string_view url) {
  if (!ValidProxy(url)) {
    return Status::InvalidArgument("a proxy reads like socks5://127.0.0.1:9050");
  }
  if (url.empty()) return db_->Run("DELETE FROM settings WHERE key = ?", kProxyKey);
  return Put(kProxyKey, std::string(url));
}

Result<std::vector<SettingsTable::Row>> SettingsTable::Rows() {
  std::vector<Row> out;
  WAYPOST_ASSIGN_OR_RETURN(store::Statement st,
                           db_->Query("SELECT key, value FROM settings ORDER BY key"));
  WAYPOST_RETURN_IF_ERROR(st.ForEach([&](const store::Statement& row) {
    out.emplace_back(row.ColumnText(0), row.ColumnText(1));
  }));
  return out;
}

Status SettingsTable::ReplaceWith(const std::vector<Row>& rows) {
  WAYPOST_ASSIGN_OR_RETURN(std::vector<Row> have, Rows());
  return internal::ReplaceRows(*db_, have, rows, "DELETE FROM settings WHERE 1",
                               "INSERT INTO settings(key, value) VALUES(?, ?)");
}

}  // namespace waypost::node
