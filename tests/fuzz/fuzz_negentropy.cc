// Negentropy messages come from the other side of a sync (docs/
// reconciliation.md): the server's Reconcile and the client's must answer
// any bytes with a reply or a Protocol error, never a crash or a read past
// the message. The first byte picks the frame limit; the sets are fixed.
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <vector>

#include "core/sync/negentropy.h"
#include "tests/fuzz/negentropy_fuzz_util.h"

using waypost::fuzz::kNegClientSalt;
using waypost::fuzz::kNegServerSalt;
using waypost::fuzz::kNegSetSize;
using waypost::fuzz::NegItems;
using waypost::sync::NegStorage;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const size_t limit = waypost::fuzz::NegLimitFor(data[0]);
  const waypost::ByteView message(data + 1, size - 1);

  static const auto server_storage =
      NegStorage::Create(NegItems(kNegServerSalt, kNegSetSize)).value();
  auto server = waypost::sync::NegentropyServer::Create(server_storage, limit);
  if (!server.ok()) std::abort();
  auto reply = server->Reconcile(message);
  if (reply.ok() && limit != 0 && reply->size() > limit) std::abort();

  static const auto client_storage =
      NegStorage::Create(NegItems(kNegClientSalt, kNegSetSize)).value();
  auto client = waypost::sync::NegentropyClient::Create(client_storage, limit);
  if (!client.ok() || !client->Initiate().ok()) std::abort();
  std::vector<waypost::sync::NegId> have, need;
  auto next = client->Reconcile(message, &have, &need);
  if (!next.ok() && (!have.empty() || !need.empty())) std::abort();  // an error adds nothing
  if (next.ok() && *next && limit != 0 && (*next)->size() > limit) std::abort();
  return 0;
}
