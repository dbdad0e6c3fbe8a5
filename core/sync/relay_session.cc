#include "core/sync/relay_session.h"

#include <algorithm>
#include <string>
#include <vector>

#include "core/envelope/format.h"
#include "core/sync/constants.h"
#include "core/sync/negentropy_storage.h"
#include "core/sync/roster_steps.h"
#include "core/team/admission.h"
#include "proto/waypost.pb.h"

namespace waypost::sync {

RelaySession::RelaySession(RelayStore& store, const noise::KeyPair& relay_static,
                           const Clock& clock, Random& random, const std::set<Bytes>* peer_keys,
                           size_t page_records, TeamRegistry* teams)
    : store_(&store),
      clock_(&clock),
      channel_(SecureChannel::Responder(relay_static, random)),
      peer_keys_(peer_keys),
      teams_(teams),
      admitted_(teams == nullptr),
      page_records_(page_records) {}

bool RelaySession::IsPeer() const {
  return peer_keys_ != nullptr && peer_keys_->count(channel_.remote_static()) > 0;
}

Status RelaySession::Fail(Status why) {
  if (status_.ok()) status_ = std::move(why);
  return status_;
}

Status RelaySession::OnStart(int64_t now_ms) {
  if (!status_.ok()) return status_;
  if (started_ms_) return Status::Internal("RelaySession::OnStart called twice");
  started_ms_ = now_ms;
  return Fail(channel_.Start());
}

Status RelaySession::OnReceive(ByteView bytes, int64_t now_ms) {
  if (!status_.ok()) return status_;
  if (!started_ms_) return Fail(Status::Internal("RelaySession::OnReceive before OnStart"));
  if (done_) return Status::Ok();  // late bytes while net/ closes; ignored
  // A peer may deliver bytes just as a deadline passes; the deadline wins.
  WAYPOST_RETURN_IF_ERROR(OnTimeout(now_ms));
  const bool was_established = channel_.established();
  Status fed = channel_.Feed(bytes);
  if (!fed.ok()) return Fail(std::move(fed));
  if (!was_established && channel_.established()) last_answer_ms_ = now_ms;
  while (std::optional<Bytes> message = channel_.NextMessage()) {
    WAYPOST_RETURN_IF_ERROR(Fail(HandleMessage(*message)));
    ++messages_;
    last_answer_ms_ = now_ms;
  }
  return Status::Ok();
}

Status RelaySession::HandleMessage(ByteView bytes) {
  pb::ClientMessage message;
  if (!message.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return Status::Protocol("malformed sync message");
  }
  pb::RelayMessage reply;
  if (message.kind_case() == pb::ClientMessage::kAdmit) {
    WAYPOST_RETURN_IF_ERROR(Admit(message.admit(), reply));
  } else if (!admitted_) {
    // Nothing is served before admission (docs/protocol.md §11.3).
    reply.mutable_admit();  // REFUSED
    WAYPOST_RETURN_IF_ERROR(Send(reply));
    return Status::Error(Status::Code::kAuthFailed,
                         "refused admission: a client that did not ask for it");
  } else {
    WAYPOST_RETURN_IF_ERROR(Dispatch(message, reply));
  }
  return Send(reply);
}

Status RelaySession::Send(const pb::RelayMessage& reply) {
  const std::string encoded = reply.SerializeAsString();
  return channel_.Send(AsBytes(encoded));
}

Status RelaySession::Dispatch(const pb::ClientMessage& message, pb::RelayMessage& reply) {
  switch (message.kind_case()) {
    case pb::ClientMessage::kUpload:
      return HandleUpload(message.upload(), *reply.mutable_upload());
    case pb::ClientMessage::kReconcile:
      return HandleReconcile(message.reconcile(), reply);
    case pb::ClientMessage::kFetch:
      return HandleFetch(message.fetch(), reply);
    default:
      return Status::Protocol("sync message of no known kind");
  }
}

// Whatever was wrong, the client hears only REFUSED and the operator the
// reason. An open relay (no team list) admits whoever asks, first.
Status RelaySession::Admit(const pb::Admit& admit, pb::RelayMessage& reply) {
  if (IsLateRoster(admit)) {
    TakeLateRoster(admit, reply);
    return Status::Ok();
  }
  if (admitted_ && (teams_ != nullptr || messages_ > 0)) {
    return Status::Protocol("admission asked for twice");
  }
  pb::AdmitReply& answer = *reply.mutable_admit();
  if (teams_ == nullptr) {
    answer.set_outcome(pb::AdmitReply::ADMITTED);
  } else if (Status admitted = HandleAdmit(admit, answer); !admitted.ok()) {
    answer.Clear();  // REFUSED
    WAYPOST_RETURN_IF_ERROR(Send(reply));
    return admitted;
  }
  if (answer.outcome() != pb::AdmitReply::ADMITTED || !admit.has_first()) return Status::Ok();
  if (admit.first().kind_case() == pb::ClientMessage::kAdmit) {
    return Status::Protocol("an admission inside an admission");
  }
  return Dispatch(admit.first(), *answer.mutable_answer());
}

// A newer roster of the admitted session's own team, at its end (a
// coordinator that took in a join request or revoked a member meanwhile,
// docs/protocol.md §11.3, §11.6).
bool RelaySession::IsLateRoster(const pb::Admit& admit) const {
  const bool own_team =
      teams_ == nullptr ||
      (scope_.team && ConstantTimeEqual(AsBytes(admit.team_id()), ByteView(*scope_.team)));
  return admitted_ && messages_ > 0 && !admit.state().empty() && !admit.has_first() && own_team;
}

// Kept if it follows ours; one that does not (another coordinator's came
// first) is ignored, and the next sync tells the client of the relay's. An
// open relay keeps no rosters.
void RelaySession::TakeLateRoster(const pb::Admit& admit, pb::RelayMessage& reply) {
  if (teams_ != nullptr) (void)teams_->Offer(AsBytes(admit.state()), StepViews(admit.steps()));
  reply.mutable_admit()->set_outcome(pb::AdmitReply::ADMITTED);
}

Status RelaySession::HandleUpload(const pb::Upload& upload, pb::UploadResult& result) {
  if (static_cast<size_t>(upload.envelopes_size()) > kMaxBatchEnvelopes) {
    return Status::LimitExceeded("upload batch holds too many envelopes");
  }
  // One connection may offer kMaxSessionUploadBytes; the rest is FULL.
  std::vector<ByteView> envelopes;
  envelopes.reserve(upload.envelopes_size());
  for (const std::string& e : upload.envelopes()) {
    if (uploaded_bytes_ + e.size() > kMaxSessionUploadBytes) break;
    uploaded_bytes_ += e.size();
    envelopes.push_back(AsBytes(e));
  }
  // Committed before the answer leaves: the answer is the acknowledgement.
  WAYPOST_ASSIGN_OR_RETURN(RelayStore::BatchResult stored,
                           store_->PutBatch(envelopes, clock_->Now(), scope_.team));
  accepted_ += stored.accepted;
  rejected_ += stored.rejected;
  stored.verdicts.resize(upload.envelopes_size(), RelayStore::Verdict::kFull);
  for (const RelayStore::Verdict verdict : stored.verdicts) {
    switch (verdict) {
      case RelayStore::Verdict::kStored:
        result.add_verdicts(pb::UploadResult::STORED);
        break;
      case RelayStore::Verdict::kHeld:
        result.add_verdicts(pb::UploadResult::HELD);
        break;
      case RelayStore::Verdict::kRefused:
        result.add_verdicts(pb::UploadResult::REFUSED);
        break;
      case RelayStore::Verdict::kFull:
        result.add_verdicts(pb::UploadResult::FULL);
        break;
    }
  }
  return Status::Ok();
}

Status RelaySession::SetScope(const pb::Reconcile& first) {
  if (first.everything()) {
    if (first.tags_size() != 0) return Status::Protocol("reconcile names tags and everything");
    // Every envelope, with its tag and expiry, only to a relay we peer with.
    if (!IsPeer() || (teams_ != nullptr && !admitted_peer_)) {
      return Status::Protocol("a client that is not a peer asked for every envelope");
    }
    scope_ = RelayStore::View::Everything(scope_.team);
    return Status::Ok();
  }
  if (first.tags_size() == 0) return Status::Protocol("first reconcile names no tags");
  if (static_cast<size_t>(first.tags_size()) > kMaxTags) {
    return Status::LimitExceeded("reconcile names too many tags");
  }
  for (const std::string& tag : first.tags()) {
    if (tag.size() != envelope::kTagSize) return Status::Protocol("reconcile has a bad tag");
    envelope::RecipientTag t;
    std::copy(tag.begin(), tag.end(), t.begin());
    scope_.tags.insert(t);
  }
  return Status::Ok();
}

Status RelaySession::StartPage(const pb::Reconcile& reconcile, pb::RelayMessage& reply) {
  std::optional<NegItem> bound;
  if (!reconcile.at_or_below().empty()) {
    bound = DecodeNegItem(AsBytes(reconcile.at_or_below()));
    if (!bound) return Status::Protocol("reconcile has a bad page bound");
  }
  if (++pages_ > kMaxScopePages) return Status::LimitExceeded("too many pages in one session");
  WAYPOST_ASSIGN_OR_RETURN(RelayStore::Page page,
                           store_->ScopePage(scope_, clock_->Now(), page_records_, bound));
  WAYPOST_ASSIGN_OR_RETURN(NegStorage storage, NegStorage::Create(std::move(page.items)));
  WAYPOST_ASSIGN_OR_RETURN(NegentropyServer server,
                           NegentropyServer::Create(std::move(storage), kMaxReconcileFrame));
  reconciler_.emplace(std::move(server));
  if (page.cut) {
    const Bytes cut = EncodeNegItem(*page.cut);
    reply.mutable_reconcile()->set_cut_at(cut.data(), cut.size());
  }
  return Status::Ok();
}

Status RelaySession::HandleReconcile(const pb::Reconcile& reconcile, pb::RelayMessage& reply) {
  if (!reconciler_) {
    WAYPOST_RETURN_IF_ERROR(SetScope(reconcile));
    WAYPOST_RETURN_IF_ERROR(StartPage(reconcile, reply));
  } else if (reconcile.tags_size() != 0 || reconcile.everything()) {
    return Status::Protocol("only the first reconcile may name its scope");
  } else if (!reconcile.at_or_below().empty()) {
    WAYPOST_RETURN_IF_ERROR(StartPage(reconcile, reply));
  }
  // The client says how big each answer may be; it raises this as rounds
  // succeed (docs/protocol.md §2.4).
  size_t limit = reconcile.frame_limit();
  if (limit == 0 || limit > kMaxReconcileFrame) limit = kMaxReconcileFrame;
  WAYPOST_RETURN_IF_ERROR(reconciler_->SetFrameSizeLimit(std::max(limit, kMinReconcileFrame)));
  WAYPOST_ASSIGN_OR_RETURN(const Bytes answer,
                           reconciler_->Reconcile(AsBytes(reconcile.negentropy())));
  reply.mutable_reconcile()->set_negentropy(answer.data(), answer.size());
  return Status::Ok();
}

Status RelaySession::HandleFetch(const pb::Fetch& fetch, pb::RelayMessage& reply) {
  if (!reconciler_) return Status::Protocol("fetch before reconcile");
  if (static_cast<size_t>(fetch.ids_size()) > kMaxBatchEnvelopes) {
    return Status::LimitExceeded("fetch asks for too many envelopes");
  }
  std::vector<Bytes> ids;
  ids.reserve(fetch.ids_size());
  for (const std::string& id : fetch.ids()) {
    if (id.size() != envelope::kContentIdSize) return Status::Protocol("fetch has a bad id");
    ids.emplace_back(id.begin(), id.end());
  }
  WAYPOST_ASSIGN_OR_RETURN(RelayStore::Found found,
                           store_->Get(ids, scope_, clock_->Now(), kMaxFetchReplyBytes));
  pb::FetchReply* out = reply.mutable_fetch();
  for (const Bytes& e : found.envelopes) out->add_envelopes(e.data(), e.size());
  for (const Bytes& id : found.gone) out->add_gone(id.data(), id.size());
  envelopes_sent_ += found.envelopes.size();
  return Status::Ok();
}

Status RelaySession::HandleAdmit(const pb::Admit& admit, pb::AdmitReply& reply) {
  auto refuse = [](std::string why) {
    return Status::Error(Status::Code::kAuthFailed, "refused admission: " + std::move(why));
  };
  if (++admit_messages_ > kMaxAdmitMessages) return refuse("too many tries");
  const std::optional<team::TeamId> team = ArrayFrom<team::kTeamIdSize>(AsBytes(admit.team_id()));
  if (!team) return refuse("a bad team id");
  const team::TeamId& id = *team;
  if (teams_->Find(id) == nullptr) return refuse("a team this relay does not serve");
  if (!admit.state().empty()) {
    // A roster that follows ours, by a member who saw it first.
    Status offered = teams_->Offer(AsBytes(admit.state()), StepViews(admit.steps()));
    if (!offered.ok()) return refuse("a roster that does not follow ours: " + offered.message());
  }
  const team::SignedTeamState& held = *teams_->Find(id);
  const uint64_t version = held.roster().version;
  if (admit.peer()) {
    if (!IsPeer()) return refuse("a relay that is not a peer asked as one");
    admitted_peer_ = true;
  } else if (admit.ticket().empty() && admit.version() < version) {
    reply.set_outcome(pb::AdmitReply::NEWER);
    reply.set_state(held.bytes().data(), held.bytes().size());
    WAYPOST_ASSIGN_OR_RETURN(const std::vector<Bytes> steps,
                             teams_->StepsAbove(id, admit.version()));
    for (const Bytes& step : steps) reply.add_steps(step.data(), step.size());
    return Status::Ok();
  } else if (admit.ticket().empty() && admit.version() > version) {
    reply.set_outcome(pb::AdmitReply::SEND_STATE);
    reply.set_version(version);
    return Status::Ok();
  } else {
    Status proved = CheckProof(admit, held);
    if (!proved.ok()) return refuse("its proof did not verify");
  }
  admitted_ = true;
  scope_.team = id;
  reply.set_outcome(pb::AdmitReply::ADMITTED);
  reply.set_version(version);
  return Status::Ok();
}

Status RelaySession::CheckProof(const pb::Admit& admit, const team::SignedTeamState& held) {
  if (admit.ticket().empty()) {
    return team::CheckMembership(held, channel_.handshake_hash(), admit.version(),
                                 AsBytes(admit.proof()));
  }
  const Bytes message =
      team::AdmissionMessage(channel_.handshake_hash(), held.roster().team_id, admit.version());
  WAYPOST_ASSIGN_OR_RETURN(const team::Ticket ticket, team::Ticket::Parse(AsBytes(admit.ticket())));
  WAYPOST_RETURN_IF_ERROR(team::CheckTicket(ticket, held.roster(), clock_->Now()));
  return team::VerifyDetached(ticket.key, message, AsBytes(admit.proof()));
}

Bytes RelaySession::TakeOutgoing() { return channel_.TakeOutput(); }

std::optional<int64_t> RelaySession::Deadline() const {
  if (!started_ms_ || done_ || !status_.ok()) return std::nullopt;
  if (channel_.established()) return last_answer_ms_ + kIdleDeadlineMs;
  if (channel_.handshake_messages_read() == 0) return *started_ms_ + kFirstMessageDeadlineMs;
  return *started_ms_ + kHandshakeDeadlineMs;
}

Status RelaySession::OnTimeout(int64_t now_ms) {
  if (!status_.ok()) return status_;
  const std::optional<int64_t> deadline = Deadline();
  if (!deadline || now_ms < *deadline) return Status::Ok();
  if (channel_.established()) return Fail(Status::Timeout("client sent nothing for 30 s"));
  if (channel_.handshake_messages_read() == 0) {
    return Fail(Status::Timeout("client sent no handshake within 5 s"));
  }
  return Fail(Status::Timeout("client did not finish the handshake within 10 s"));
}

void RelaySession::OnFlushed(int64_t now_ms) {
  // The clock for the client's next message starts once it could read the
  // answer: a client on a slow link is not blamed for the relay's own bytes.
  if (channel_.established() && status_.ok() && !done_) {
    last_answer_ms_ = std::max(last_answer_ms_, now_ms);
  }
}

bool RelaySession::Provisional() const {
  return started_ms_.has_value() && !channel_.established() && !done_;
}

void RelaySession::OnClosed(const Status& why) {
  if (done_) return;
  done_ = true;
  // A client ends a session by closing, between messages, once it has what
  // it came for.
  if (channel_.established() && messages_ > 0 && channel_.Idle() &&
      why.code() == Status::Code::kUnavailable) {
    return;
  }
  (void)Fail(why.ok() ? Status::Unavailable("connection closed early") : why);
}

}  // namespace waypost::sync
