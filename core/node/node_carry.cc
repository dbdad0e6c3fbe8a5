// The paths without a relay: bundles and armored text (docs/protocol.md
// §7–§9). Both take envelopes in as a sync does; what this node cannot open
// it carries on for others.
#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

#include "core/envelope/format.h"
#include "core/node/node.h"
#include "core/sync/constants.h"

namespace waypost::node {

namespace {

// A uniform index below `n` (n > 0), by rejection: no bias toward the front.
size_t IndexBelow(Random& random, size_t n) {
  const uint64_t limit = UINT64_MAX - UINT64_MAX % n;
  for (;;) {
    uint64_t x = 0;
    random.Fill({reinterpret_cast<uint8_t*>(&x), sizeof x});
    if (x < limit) return size_t(x % n);
  }
}

void Shuffle(std::vector<Bytes>& v, Random& random) {
  for (size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[IndexBelow(random, i)]);
}

}  // namespace

Result<Node::TakeInReport> Node::TakeIn(const std::vector<Bytes>& envelopes, bool carry) {
  const UnixTime now = clock_.Now();
  TakeInReport report;
  WAYPOST_RETURN_IF_ERROR(Mutate([&]() -> Status {
    report = {};
    std::vector<Bytes> others;
    WAYPOST_ASSIGN_OR_RETURN(report.counts, IngestBatch(envelopes, nullptr, &others));
    WAYPOST_ASSIGN_OR_RETURN(Outbox::Carrying carrying, outbox_.CountCarrying());
    for (const Bytes& env : others) {
      const envelope::ContentId id = envelope::ComputeContentId(env);
      WAYPOST_ASSIGN_OR_RETURN(const Outbox::Held held, outbox_.Holding(id));
      // Our own, come back (a bundle we wrote, a text we sent): nothing to do.
      if (held == Outbox::Held::kOwn) {
        ++report.own;
        continue;
      }
      if (!carry) continue;
      if (held == Outbox::Held::kCarried) {
        ++report.already_carried;
        continue;
      }
      const Result<envelope::Header> header = envelope::ParseHeader(env);
      // A relay keeps nothing expired or expiring too far ahead; neither
      // does a mule (docs/protocol.md §9).
      if (!header.ok() || header->expires_at <= now ||
          header->expires_at > now + sync::kMaxEnvelopeLifetimeSeconds) {
        ++report.not_carried;
        continue;
      }
      WAYPOST_ASSIGN_OR_RETURN(const Outbox::Carry kept,
                               outbox_.AddCarried(id, env, header->expires_at, now, carrying));
      ++(kept == Outbox::Carry::kCarried ? report.carried : report.not_carried);
    }
    return Status::Ok();
  }));
  return report;
}

Result<std::vector<Bytes>> Node::ExportEnvelopes(std::string_view for_name,
                                                 std::optional<UnixTime> since) {
  std::optional<int64_t> contact;
  if (!for_name.empty()) {
    WAYPOST_ASSIGN_OR_RETURN(const Contact to, contacts_.Named(for_name));
    contact = to.id.value;
  }
  WAYPOST_ASSIGN_OR_RETURN(std::vector<Bytes> out, outbox_.ForExport(clock_.Now(), contact, since));
  Shuffle(out, random_);
  return out;
}

Result<Bytes> Node::EnvelopeFor(std::string_view id_prefix) {
  WAYPOST_ASSIGN_OR_RETURN(const auto found, messages_.Resolve(id_prefix));
  const auto& [id, direction] = found;
  if (direction == Direction::kOut) {
    WAYPOST_ASSIGN_OR_RETURN(std::optional<Bytes> env, outbox_.Find(id));
    if (!env) {
      return Status::NotFound("message " + std::string(id_prefix) +
                              " has left the outbox (delivered, failed or expired): there is "
                              "nothing left to send");
    }
    return std::move(*env);
  }
  WAYPOST_ASSIGN_OR_RETURN(std::optional<Bytes> reply,
                           outbox_.FindReplyTo(ByteView(id).first(MessageLog::kReceiptIdSize)));
  if (!reply) {
    return Status::NotFound("no reply to message " + std::string(id_prefix) +
                            " is waiting: its receipt has gone to a relay already, or expired");
  }
  return std::move(*reply);
}

}  // namespace waypost::node
