#include "core/sync/relay_service.h"

#include <utility>

#include "core/sync/relay_session.h"

namespace waypost::sync {

RelayService::RelayService(store::Database& db, const noise::KeyPair& identity, const Clock& clock,
                           Random& random, Warn warn)
    : store_(db),
      teams_(db),
      identity_(identity.Clone()),
      clock_(clock),
      random_(random),
      warn_(std::move(warn)) {}

Status RelayService::Start() {
  WAYPOST_RETURN_IF_ERROR(store_.EnsureSchema());
  WAYPOST_RETURN_IF_ERROR(teams_.EnsureSchema());
  last_purge_ = clock_.Now();
  return store_.PurgeExpired(last_purge_);
}

std::unique_ptr<Connection> RelayService::NewSession() {
  const UnixTime now = clock_.Now();
  if (now - last_purge_ >= kPurgeSeconds) {
    last_purge_ = now;
    const Status purged = store_.PurgeExpired(now);
    if (!purged.ok() && warn_) warn_(purged);
  }
  return std::make_unique<RelaySession>(store_, identity_, clock_, random_, &peer_keys_,
                                        kMaxScopeRecords, open_ ? nullptr : &teams_);
}

}  // namespace waypost::sync
