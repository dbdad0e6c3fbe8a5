// What a sync, a bundle import or an unarmored text brought, in words
// (README, "sync"): the same lines whatever the path, since each takes
// envelopes in the same way (core/node/sync_news.h).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/node/sync_news.h"

namespace waypost::cli {

// Alarms first, then who joined, what arrived, what was confirmed or
// delivered, and what coordinators changed. Empty when nothing did.
std::vector<std::string> NewsLines(const node::SyncNews& news, UnixTime now);
// The same, as the `events` array of `--json`.
nlohmann::json NewsJson(const node::SyncNews& news);

}  // namespace waypost::cli
