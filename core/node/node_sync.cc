// Planning a sync and taking in what it brings (docs/protocol.md §6).
#include <set>
#include <utility>
#include <vector>

#include "core/envelope/envelope.h"
#include "core/envelope/keys.h"
#include "core/node/node.h"
#include "core/sync/relay_service.h"

namespace waypost::node {

Result<SyncPlan> Node::PlanSync() {
  WAYPOST_ASSIGN_OR_RETURN(sync::SyncParty::Scope scope, SyncScope());
  SyncPlan plan;
  plan.tags = std::move(scope.tags);
  WAYPOST_ASSIGN_OR_RETURN(plan.upload, outbox_.Pending());
  return plan;
}

Result<size_t> Node::OutboxSize() { return outbox_.CountPending(); }

Result<Node::MessageMark> Node::MarkMessages() {
  MessageMark mark;
  mark.at = clock_.Now();
  WAYPOST_ASSIGN_OR_RETURN(mark.last_rowid, messages_.LastRowId());
  WAYPOST_ASSIGN_OR_RETURN(mark.unsettled, messages_.Unsettled());
  return mark;
}

Result<std::vector<MessageInfo>> Node::MessagesAddedSince(const MessageMark& mark) {
  return messages_.ListAfter(mark.last_rowid);
}

Result<std::vector<MessageInfo>> Node::MessagesMovedSince(const MessageMark& mark) {
  WAYPOST_ASSIGN_OR_RETURN(std::vector<MessageInfo> changed, messages_.ChangedSince(mark.at));
  std::vector<MessageInfo> moved;
  for (MessageInfo& m : changed) {
    const auto before = mark.unsettled.find(m.id);
    if (before != mark.unsettled.end() && before->second != m.state) moved.push_back(std::move(m));
  }
  return moved;
}

Result<sync::SyncParty::Scope> Node::SyncScope() {
  const UnixTime now = clock_.Now();
  sync::SyncParty::Scope scope;
  WAYPOST_RETURN_IF_ERROR(Mutate([&]() -> Status {
    WAYPOST_RETURN_IF_ERROR(outbox_.PurgeExpired(now));
    WAYPOST_RETURN_IF_ERROR(seen_.PurgeExpired(now));
    WAYPOST_RETURN_IF_ERROR(invites_.PurgeExpired(now));
    WAYPOST_RETURN_IF_ERROR(RaiseGapAlerts(now));
    // Our own tag for every epoch a sender's clock may plausibly be in: a
    // fixed count, however many contacts we have (docs/protocol.md §3.3).
    for (envelope::Epoch e = receiver_.FirstEpoch(now); e <= receiver_.LastEpoch(now); ++e) {
      scope.tags.push_back(envelope::TagFor(identity_.tag_key(), e));
    }
    WAYPOST_ASSIGN_OR_RETURN(std::vector<LiveInvite> invites, invites_.Live(now));
    for (const LiveInvite& invite : invites) {
      scope.tags.push_back(envelope::JoinTagFor(invite.secret));
    }
    return Status::Ok();
  }));
  const std::set<envelope::RecipientTag> tags(scope.tags.begin(), scope.tags.end());
  WAYPOST_ASSIGN_OR_RETURN(scope.held, seen_.Held(tags));
  return scope;
}

Status Node::RaiseGapAlerts(UnixTime now) {
  if (duress_.is_decoy()) return Status::Ok();
  // An envelope lives for the delivery window: a number missing that long
  // was lost on the way (or expired before it reached any relay).
  const UnixTime cutoff = now - settings_.delivery_window_epochs * envelope::kEpochSeconds;
  WAYPOST_ASSIGN_OR_RETURN(std::vector<Sequencer::Gap> gaps, sequencer_.TakeGapsNoticedBy(cutoff));
  for (const Sequencer::Gap& gap : gaps) {
    WAYPOST_ASSIGN_OR_RETURN(const Contact from, contacts_.Get(gap.contact));
    std::string numbers;
    for (const uint32_t n : gap.missing) {
      numbers += (numbers.empty() ? "" : ", ") + std::to_string(n);
    }
    const std::string detail = std::to_string(gap.missing.size()) + " envelope(s) from " +
                               from.name + (gap.via_duress ? " under the duress chain" : "") +
                               " never arrived (numbers " + numbers +
                               "): a relay may have dropped them";
    WAYPOST_RETURN_IF_ERROR(alerts_.RaiseOrExtend(gap.contact, AlertKind::kGap, now, detail));
  }
  return Status::Ok();
}

Result<std::vector<Bytes>> Node::PendingFor(ByteView relay_key, const std::set<Bytes>& skip,
                                            size_t max_count, size_t max_bytes) {
  return outbox_.PendingFor(relay_key, skip, max_count, max_bytes);
}

Status Node::MarkRelayed(const std::vector<Bytes>& envelopes, ByteView relay_key) {
  return Mutate([&]() -> Status {
    for (const Bytes& env : envelopes) {
      const envelope::ContentId id = envelope::ComputeContentId(env);
      WAYPOST_RETURN_IF_ERROR(messages_.MarkRelayed(id, clock_.Now()));
      WAYPOST_RETURN_IF_ERROR(outbox_.MarkRelayed(id, relay_key));
    }
    return outbox_.DropRelayedWithoutReceipt();
  });
}

Result<std::set<Bytes>> Node::RecordRejected(const std::vector<Bytes>& envelopes) {
  std::set<Bytes> fresh;
  if (envelopes.empty()) return fresh;
  WAYPOST_RETURN_IF_ERROR(Mutate([&]() -> Status {
    for (const Bytes& env : envelopes) {
      const Result<envelope::Header> header = envelope::ParseHeader(env);
      if (!header.ok()) continue;
      const envelope::ContentId id = envelope::ComputeContentId(env);
      WAYPOST_ASSIGN_OR_RETURN(const bool first,
                               seen_.RecordRejected(id, header->expires_at, header->tag));
      if (first) fresh.emplace(id.begin(), id.end());
    }
    return Status::Ok();
  }));
  return fresh;
}

Result<IngestOutcome> Node::Ingest(ByteView envelope) {
  IngestOutcome outcome = IngestOutcome::kNotOurs;
  WAYPOST_RETURN_IF_ERROR(Mutate([&]() -> Status {
    WAYPOST_ASSIGN_OR_RETURN(outcome, receiver_.Take(envelope));
    return Status::Ok();
  }));
  return outcome;
}

Result<IngestCounts> Node::IngestAll(const std::vector<Bytes>& envelopes,
                                     std::vector<Bytes>* rejected, std::vector<Bytes>* not_ours) {
  IngestCounts counts;
  std::vector<Bytes> bad;
  std::vector<Bytes> others;
  bool committed = false;
  const Status status = Mutate(
      [&]() -> Status {
        WAYPOST_ASSIGN_OR_RETURN(counts, IngestBatch(envelopes, &bad, &others));
        return Status::Ok();
      },
      DecoyRefresh::kIfVisible, &committed);
  // A refresh of the decoy that fails loses nothing: every open of the main
  // store refreshes it again.
  if (!committed) return status;
  if (rejected != nullptr) rejected->insert(rejected->end(), bad.begin(), bad.end());
  if (not_ours != nullptr) not_ours->insert(not_ours->end(), others.begin(), others.end());
  return counts;
}

Result<IngestCounts> Node::IngestBatch(const std::vector<Bytes>& envelopes,
                                       std::vector<Bytes>* rejected, std::vector<Bytes>* not_ours) {
  IngestCounts counts;
  std::vector<const Bytes*> pending;
  for (const Bytes& e : envelopes) pending.push_back(&e);
  // Envelopes that fail are tried again while a pass still takes something
  // in: a check-in may come before the join request it depends on.
  for (bool progress = true; progress && !pending.empty();) {
    progress = false;
    std::vector<const Bytes*> failed;
    for (const Bytes* e : pending) {
      Result<IngestOutcome> outcome = Ingest(*e);  // nested: a savepoint each
      if (!outcome.ok()) {
        if (!db_.InTransaction()) return outcome.status();  // a write failed
        failed.push_back(e);
        continue;
      }
      switch (*outcome) {
        case IngestOutcome::kAccepted:
          ++counts.accepted;
          progress = true;
          break;
        case IngestOutcome::kDuplicate:
          ++counts.duplicate;
          break;
        case IngestOutcome::kNotOurs:
          ++counts.not_ours;
          if (not_ours != nullptr) not_ours->push_back(*e);
          break;
      }
    }
    pending = std::move(failed);
  }
  counts.rejected = pending.size();
  if (rejected != nullptr) {
    for (const Bytes* e : pending) rejected->push_back(*e);
  }
  return counts;
}

Result<std::unique_ptr<sync::RelayService>> Node::ServeRelay(
    std::function<void(const Status&)> warn) {
  // A relay's address publishes its key: never a coordinator's or a helper's.
  if (identity_.self().role != Role::kRelay) {
    return Status::InvalidArgument("this home holds a " +
                                   std::string(NameOf(identity_.self().role)) +
                                   "'s identity; a relay needs a home of its own (--home DIR)");
  }
  auto service = std::make_unique<sync::RelayService>(db_, identity_.key_pair(), clock_, random_,
                                                      std::move(warn));
  WAYPOST_RETURN_IF_ERROR(service->Start());
  return service;
}

}  // namespace waypost::node
