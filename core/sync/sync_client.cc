#include "core/sync/sync_client.h"

#include <algorithm>
#include <string>
#include <utility>

#include "core/sync/negentropy_storage.h"
#include "core/sync/roster_steps.h"
#include "core/team/admission.h"
#include "proto/waypost.pb.h"

namespace waypost::sync {
namespace {

// The Negentropy frame limit stops growing here: big enough that a large
// difference takes few rounds, small enough that one answer stays modest.
constexpr size_t kMaxClientReconcileFrame = size_t{64} << 10;

NegId IdOf(ByteView envelope_bytes) {
  const envelope::ContentId content = envelope::ComputeContentId(envelope_bytes);
  NegId id;
  std::copy(content.begin(), content.end(), id.begin());
  return id;
}

}  // namespace

SyncClient::SyncClient(ByteView relay_public_key, SyncParty& party, Random& random,
                       int64_t deadline_ms, const noise::KeyPair* local_static)
    : channel_(SecureChannel::Initiator(relay_public_key, random, local_static)),
      party_(&party),
      random_(&random),
      deadline_ms_(deadline_ms) {}

Status SyncClient::Fail(Status why) {
  if (status_.ok()) status_ = std::move(why);
  return status_;
}

Status SyncClient::OnStart(int64_t now_ms) {
  if (!status_.ok()) return status_;
  if (started_ms_) return Status::Internal("SyncClient::OnStart called twice");
  started_ms_ = now_ms;
  waiting_since_ms_ = now_ms;
  return Fail(channel_.Start());
}

Status SyncClient::OnReceive(ByteView bytes, int64_t now_ms) {
  if (!status_.ok()) return status_;
  if (!started_ms_) return Fail(Status::Internal("SyncClient::OnReceive before OnStart"));
  if (done_) return Status::Ok();
  WAYPOST_RETURN_IF_ERROR(OnTimeout(now_ms));
  Status fed = channel_.Feed(bytes);
  if (!fed.ok() && fed.code() == Status::Code::kAuthFailed && phase_ != Phase::kHandshake) {
    // The relay proved its key; what failed is a message on the way.
    fed = Status::Corrupt("a message from the relay was damaged or altered on the way");
  }
  WAYPOST_RETURN_IF_ERROR(Fail(std::move(fed)));
  if (phase_ == Phase::kHandshake && channel_.established()) {
    // Message 1 arrived and proved the pinned key: handshake round trip done.
    ++round_trips_;
    waiting_since_ms_ = now_ms;
    WAYPOST_RETURN_IF_ERROR(Fail(StartAdmission()));
  }
  while (!done_) {
    std::optional<Bytes> answer = channel_.NextMessage();
    if (!answer) break;
    ++round_trips_;
    waiting_since_ms_ = now_ms;
    WAYPOST_RETURN_IF_ERROR(Fail(HandleAnswer(*answer)));
    WAYPOST_RETURN_IF_ERROR(Fail(Advance()));
  }
  return Status::Ok();
}

Status SyncClient::Send(const std::string& encoded) {
  if (holding_first_) {
    holding_first_ = false;
    held_first_ = encoded;
    return Status::Ok();
  }
  return channel_.Send(AsBytes(encoded));
}

Status SyncClient::Advance() {
  for (;;) {
    switch (phase_) {
      case Phase::kHandshake:
      case Phase::kAdmit:
      case Phase::kRoster:
      case Phase::kDone:
        return Status::Ok();
      case Phase::kUpload:
      case Phase::kUploadAgain: {
        // One batch goes up first; then fetching gets its turn, so that a
        // link which carries a few kilobytes moves something both ways.
        bool sent = false;
        if (phase_ == Phase::kUploadAgain || uploads_answered_ == 0) {
          WAYPOST_RETURN_IF_ERROR(SendUpload(&sent));
        }
        if (sent) return Status::Ok();
        if (phase_ == Phase::kUploadAgain) {
          WAYPOST_RETURN_IF_ERROR(SendNewerRoster(&sent));
          if (sent) return Status::Ok();
          phase_ = Phase::kDone;
          done_ = true;
          return Status::Ok();
        }
        WAYPOST_ASSIGN_OR_RETURN(SyncParty::Scope scope, party_->FetchScope());
        if (scope.tags.empty() && !scope.everything) {
          WAYPOST_RETURN_IF_ERROR(party_->FetchDone());
          phase_ = Phase::kUploadAgain;
          continue;
        }
        if (scope.tags.size() > kMaxTags) return Status::LimitExceeded("too many recipient tags");
        if (scope.everything && !scope.tags.empty()) {
          return Status::Internal("a scope is tags or everything, not both");
        }
        tags_ = std::move(scope.tags);
        everything_ = scope.everything;
        held_ = scope.held;
        pages_ = 1;
        opening_page_ = true;
        WAYPOST_ASSIGN_OR_RETURN(NegStorage held, NegStorage::Create(std::move(scope.held)));
        WAYPOST_ASSIGN_OR_RETURN(NegentropyClient reconciler,
                                 NegentropyClient::Create(std::move(held), frame_limit_));
        reconciler_.emplace(std::move(reconciler));
        WAYPOST_ASSIGN_OR_RETURN(Bytes first, reconciler_->Initiate());
        next_reconcile_ = std::move(first);
        phase_ = Phase::kReconcile;
        continue;
      }
      case Phase::kReconcile:
      case Phase::kFetch:
      case Phase::kUploadFound:
        // Fetch what is known to be missing before asking for more, so each
        // round trip on a fragile link moves envelopes, not only ids.
        if (!need_.empty()) {
          phase_ = Phase::kFetch;
          return SendFetch();
        }
        if (upload_found_) {
          bool sent = false;
          WAYPOST_RETURN_IF_ERROR(SendUpload(&sent));
          if (sent) {
            phase_ = Phase::kUploadFound;
            return Status::Ok();
          }
          upload_found_ = false;
        }
        if (next_reconcile_) {
          phase_ = Phase::kReconcile;
          return SendReconcile();
        }
        if (cut_ && pages_ < kMaxScopePages) {
          const NegItem bound = *cut_;
          cut_.reset();
          WAYPOST_RETURN_IF_ERROR(StartPage(bound));
          phase_ = Phase::kReconcile;
          return SendReconcile();
        }
        WAYPOST_RETURN_IF_ERROR(party_->FetchDone());
        phase_ = Phase::kUploadAgain;
        continue;
    }
  }
}

Status SyncClient::StartAdmission() {
  phase_ = Phase::kUpload;
  WAYPOST_ASSIGN_OR_RETURN(admission_, party_->AdmissionFor());
  if (!admission_) return Advance();
  if (!admission_->roster.empty()) {
    WAYPOST_ASSIGN_OR_RETURN(team::SignedTeamState roster,
                             team::SignedTeamState::Parse(admission_->roster));
    roster_.emplace(std::move(roster));
  }
  // The session's first message rides with the proof (Send holds it), so
  // admission costs no round trip of its own.
  holding_first_ = true;
  Status advanced = Advance();
  holding_first_ = false;
  WAYPOST_RETURN_IF_ERROR(advanced);
  // With nothing to send or fetch, the session is still admitted: that is
  // how a roster this node holds reaches the relay, and the relay's reaches
  // this node (docs/protocol.md §11.3).
  first_phase_ = phase_;
  done_ = false;
  phase_ = Phase::kAdmit;
  return SendAdmit(false);
}

Status SyncClient::SendAdmit(bool with_roster, uint64_t relay_version) {
  if (++admits_sent_ > kMaxAdmitMessages) {
    return Status::Protocol("the relay kept sending rosters instead of admitting");
  }
  const SyncParty::Admission& a = *admission_;
  const bool in_ring =
      !a.peer && a.key != nullptr && roster_ && roster_->roster().HasRingMember(a.key->public_key);
  const uint64_t version = roster_ ? roster_->roster().version : 0;
  pb::ClientMessage message;
  pb::Admit* admit = message.mutable_admit();
  admit->set_team_id(a.team.data(), a.team.size());
  admit->set_version(version);
  if ((with_roster || a.peer) && roster_) {
    admit->set_state(roster_->bytes().data(), roster_->bytes().size());
    WAYPOST_RETURN_IF_ERROR(AttachSteps(relay_version, *admit));
  }
  if (!held_first_.empty() && !admit->mutable_first()->ParseFromString(held_first_)) {
    return Status::Internal("a held sync message does not parse");
  }
  if (a.peer) {
    admit->set_peer(true);
  } else if (in_ring) {
    WAYPOST_ASSIGN_OR_RETURN(
        const Bytes proof,
        team::ProveMembership(*roster_, *a.key, channel_.handshake_hash(), *random_));
    admit->set_proof(proof.data(), proof.size());
  } else if (!a.ticket.empty() && a.ticket_key != nullptr) {
    const Bytes proof = team::SignDetached(
        *a.ticket_key, team::AdmissionMessage(channel_.handshake_hash(), a.team, version));
    admit->set_ticket(a.ticket.data(), a.ticket.size());
    admit->set_proof(proof.data(), proof.size());
  } else {
    return Status::Refused(
        "this node is no longer a member of its team: its key is not in the team's newest roster");
  }
  return Send(message.SerializeAsString());
}

// The steps of the chain above the relay's version go up with a roster, so
// that a relay that missed a change of coordinators can check it
// (docs/protocol.md §11.7).
Status SyncClient::AttachSteps(uint64_t relay_version, pb::Admit& admit) {
  WAYPOST_ASSIGN_OR_RETURN(const std::vector<Bytes> steps,
                           party_->RosterSteps(admission_->team, relay_version));
  const size_t skip = steps.size() > team::kMaxSteps ? steps.size() - team::kMaxSteps : 0;
  for (size_t i = skip; i < steps.size(); ++i) admit.add_steps(steps[i].data(), steps[i].size());
  return Status::Ok();
}

// A coordinator that took in a join request during the session has a newer
// roster than the one it was admitted with: it goes up before the end, so
// the new member is admitted at its next sync (docs/protocol.md §11.3).
Status SyncClient::SendNewerRoster(bool* sent) {
  if (!admission_ || admission_->peer || !roster_) return Status::Ok();
  WAYPOST_ASSIGN_OR_RETURN(const Bytes newest, party_->NewestRoster(admission_->team));
  if (newest.empty() || newest == roster_->bytes()) return Status::Ok();
  WAYPOST_ASSIGN_OR_RETURN(team::SignedTeamState roster, team::SignedTeamState::Parse(newest));
  if (roster.roster().team_id != roster_->roster().team_id ||
      roster.roster().version <= roster_->roster().version) {
    return Status::Ok();
  }
  pb::ClientMessage message;
  pb::Admit* admit = message.mutable_admit();
  admit->set_team_id(roster.roster().team_id.data(), roster.roster().team_id.size());
  admit->set_version(roster.roster().version);
  admit->set_state(roster.bytes().data(), roster.bytes().size());
  WAYPOST_RETURN_IF_ERROR(AttachSteps(roster_->roster().version, *admit));
  roster_.emplace(std::move(roster));
  phase_ = Phase::kRoster;
  *sent = true;
  return Send(message.SerializeAsString());
}

Status SyncClient::HandleAdmitReply(const pb::RelayMessage& answer) {
  if (!answer.has_admit()) return Status::Protocol("the relay did not answer the admission");
  const pb::AdmitReply& reply = answer.admit();
  switch (reply.outcome()) {
    case pb::AdmitReply::ADMITTED:
      phase_ = first_phase_;
      done_ = phase_ == Phase::kDone;
      if (held_first_.empty()) return Status::Ok();
      held_first_.clear();
      if (!reply.has_answer())
        return Status::Protocol("the relay did not answer the first message");
      return HandleParsedAnswer(reply.answer());
    case pb::AdmitReply::NEWER: {
      const Status taken = party_->NewerRoster(AsBytes(reply.state()), StepViews(reply.steps()));
      if (taken.code() == Status::Code::kAuthFailed || taken.code() == Status::Code::kProtocol) {
        // Not the relay's key at fault (the handshake proved that): a
        // roster we cannot check, and take nothing from (SECURITY.md).
        return Status::Refused(
            "the relay holds a newer roster of this node's team that does not follow the one "
            "this node holds (a change of coordinators this node missed, or a forgery); nothing "
            "was taken from it");
      }
      WAYPOST_RETURN_IF_ERROR(taken);
      WAYPOST_ASSIGN_OR_RETURN(team::SignedTeamState roster,
                               team::SignedTeamState::Parse(AsBytes(reply.state())));
      roster_.emplace(std::move(roster));
      return SendAdmit(false);
    }
    case pb::AdmitReply::SEND_STATE:
      if (!roster_ || reply.version() >= roster_->roster().version) {
        return Status::Protocol("the relay asked for a roster it holds");
      }
      return SendAdmit(true, reply.version());
    default:
      return Refusal();
  }
}

Status SyncClient::SendUpload(bool* sent) {
  if (relay_full_) return Status::Ok();  // it said so: no more this session
  WAYPOST_ASSIGN_OR_RETURN(in_flight_uploads_,
                           party_->NextUploads(kMaxBatchEnvelopes, upload_bytes_));
  if (in_flight_uploads_.empty()) return Status::Ok();
  if (in_flight_uploads_.size() > kMaxBatchEnvelopes) {
    return Status::Internal("the party handed out too many uploads");
  }
  pb::ClientMessage message;
  for (const Bytes& e : in_flight_uploads_)
    message.mutable_upload()->add_envelopes(e.data(), e.size());
  *sent = true;
  return Send(message.SerializeAsString());
}

Status SyncClient::StartPage(const NegItem& bound) {
  std::vector<NegItem> held;
  WAYPOST_ASSIGN_OR_RETURN(const bool own, party_->HeldAtOrBelow(bound, &held));
  if (!own) {
    for (const NegItem& item : held_) {
      if (!(bound < item)) held.push_back(item);
    }
  }
  WAYPOST_ASSIGN_OR_RETURN(NegStorage storage, NegStorage::Create(std::move(held)));
  WAYPOST_ASSIGN_OR_RETURN(NegentropyClient reconciler,
                           NegentropyClient::Create(std::move(storage), frame_limit_));
  reconciler_.emplace(std::move(reconciler));
  WAYPOST_ASSIGN_OR_RETURN(Bytes first, reconciler_->Initiate());
  next_reconcile_ = std::move(first);
  page_bound_ = bound;
  opening_page_ = true;
  ++pages_;
  return Status::Ok();
}

Status SyncClient::SendReconcile() {
  pb::ClientMessage message;
  pb::Reconcile* reconcile = message.mutable_reconcile();
  if (reconcile_rounds_ == 0) {
    for (const auto& tag : tags_) reconcile->add_tags(tag.data(), tag.size());
    if (everything_) reconcile->set_everything(true);
  }
  if (page_bound_) {
    const Bytes bound = EncodeNegItem(*page_bound_);
    reconcile->set_at_or_below(bound.data(), bound.size());
    page_bound_.reset();
  }
  reconcile->set_frame_limit(static_cast<uint32_t>(frame_limit_));
  reconcile->set_negentropy(next_reconcile_->data(), next_reconcile_->size());
  next_reconcile_.reset();
  return Send(message.SerializeAsString());
}

Status SyncClient::SendFetch() {
  pb::ClientMessage message;
  in_flight_fetch_.clear();
  while (!need_.empty() && in_flight_fetch_.size() < fetch_count_) {
    in_flight_fetch_.push_back(need_.front());
    need_.pop_front();
  }
  for (const NegId& id : in_flight_fetch_) message.mutable_fetch()->add_ids(id.data(), id.size());
  return Send(message.SerializeAsString());
}

Status SyncClient::HandleAnswer(ByteView bytes) {
  pb::RelayMessage answer;
  if (!answer.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return Status::Protocol("malformed answer from the relay");
  }
  return HandleParsedAnswer(answer);
}

Status SyncClient::Refusal() {
  return Status::Refused(
      "the relay refused this node: it does not serve this node's team, or this node is not (or "
      "no longer) a member of it");
}

Status SyncClient::HandleParsedAnswer(const pb::RelayMessage& answer) {
  // A relay serving teams answers anything before admission with REFUSED.
  if (phase_ != Phase::kAdmit && phase_ != Phase::kRoster && answer.has_admit()) {
    if (answer.admit().outcome() == pb::AdmitReply::REFUSED) return Refusal();
    return Status::Protocol("the relay answered an admission that was never asked for");
  }
  switch (phase_) {
    case Phase::kAdmit:
      return HandleAdmitReply(answer);
    case Phase::kRoster:
      // Taken or not (a relay holding another newer one keeps it), the
      // session is over.
      if (!answer.has_admit() || answer.admit().outcome() != pb::AdmitReply::ADMITTED) {
        return Status::Protocol("the relay did not answer a roster");
      }
      phase_ = Phase::kDone;
      done_ = true;
      return Status::Ok();
    case Phase::kUpload:
    case Phase::kUploadFound:
    case Phase::kUploadAgain:
      return HandleUploadResult(answer);
    case Phase::kReconcile:
      return HandleReconcileReply(answer);
    case Phase::kFetch:
      return HandleFetchReply(answer);
    default:
      return Status::Protocol("the relay answered what was never asked");
  }
}

Status SyncClient::HandleUploadResult(const pb::RelayMessage& answer) {
  if (!answer.has_upload() ||
      static_cast<size_t>(answer.upload().verdicts_size()) != in_flight_uploads_.size()) {
    return Status::Protocol("the relay's answer to an upload does not match it");
  }
  std::vector<UploadVerdict> verdicts;
  verdicts.reserve(in_flight_uploads_.size());
  size_t taken = 0;
  for (const int v : answer.upload().verdicts()) {
    switch (v) {
      case pb::UploadResult::STORED:
        verdicts.push_back(UploadVerdict::kStored);
        ++taken;
        break;
      case pb::UploadResult::HELD:
        verdicts.push_back(UploadVerdict::kHeld);
        ++taken;
        break;
      case pb::UploadResult::FULL:
        verdicts.push_back(UploadVerdict::kFull);
        break;
      default:  // REFUSED, or a verdict this version does not know: not taken
        verdicts.push_back(UploadVerdict::kRefused);
        break;
    }
  }
  WAYPOST_RETURN_IF_ERROR(party_->Uploaded(in_flight_uploads_, verdicts));
  // Counted once the party committed them.
  uploaded_ += taken;
  refused_ += verdicts.size() - taken;
  relay_full_ = std::find(verdicts.begin(), verdicts.end(), UploadVerdict::kFull) != verdicts.end();
  in_flight_uploads_.clear();
  ++uploads_answered_;
  upload_bytes_ = std::min(upload_bytes_ * 2, kMaxUploadBytes);
  return Status::Ok();
}

Status SyncClient::HandleReconcileReply(const pb::RelayMessage& answer) {
  if (!answer.has_reconcile()) return Status::Protocol("the relay did not answer a reconcile");
  if (opening_page_ && !answer.reconcile().cut_at().empty()) {
    cut_ = DecodeNegItem(AsBytes(answer.reconcile().cut_at()));
    if (!cut_) return Status::Protocol("the relay named a bad page bound");
  }
  opening_page_ = false;
  std::vector<NegId> have, need;
  WAYPOST_ASSIGN_OR_RETURN(
      std::optional<Bytes> next,
      reconciler_->Reconcile(AsBytes(answer.reconcile().negentropy()), &have, &need));
  need_.insert(need_.end(), need.begin(), need.end());
  if (!have.empty() && party_->RelayLacks(have)) upload_found_ = true;
  ++reconcile_rounds_;
  // A relay that keeps reconciliation going without end gets no more rounds;
  // what it named is still fetched.
  if (reconcile_rounds_ < kMaxReconcileRounds) next_reconcile_ = std::move(next);
  frame_limit_ = std::min(frame_limit_ * 2, kMaxClientReconcileFrame);
  return reconciler_->SetFrameSizeLimit(frame_limit_);
}

Status SyncClient::HandleFetchReply(const pb::RelayMessage& answer) {
  if (!answer.has_fetch()) return Status::Protocol("the relay did not answer a fetch");
  const pb::FetchReply& reply = answer.fetch();
  std::set<NegId> asked(in_flight_fetch_.begin(), in_flight_fetch_.end());
  std::vector<Bytes> batch;
  batch.reserve(reply.envelopes_size());
  for (const std::string& e : reply.envelopes()) {
    // Only what was asked for, each once: the content id is the hash of the
    // exact bytes, so a relay cannot slip in anything else.
    if (asked.erase(IdOf(AsBytes(e))) == 0) {
      return Status::Protocol("the relay sent an envelope that was not asked for");
    }
    batch.emplace_back(e.begin(), e.end());
  }
  size_t gone = 0;
  for (const std::string& g : reply.gone()) {
    NegId id;
    if (g.size() != id.size()) return Status::Protocol("the relay named a bad id");
    std::copy(g.begin(), g.end(), id.begin());
    gone += asked.erase(id);
  }
  if (batch.empty() && gone == 0)
    return Status::Protocol("the relay answered a fetch with nothing");
  // What did not fit the answer is asked for again, first.
  for (auto it = in_flight_fetch_.rbegin(); it != in_flight_fetch_.rend(); ++it) {
    if (asked.count(*it) > 0) need_.push_front(*it);
  }
  in_flight_fetch_.clear();
  const size_t fetched = batch.size();
  if (!batch.empty()) WAYPOST_RETURN_IF_ERROR(party_->Fetched(std::move(batch)));
  downloaded_ += fetched;
  fetch_count_ = std::min(fetch_count_ * 2, kMaxBatchEnvelopes);
  return Status::Ok();
}

Bytes SyncClient::TakeOutgoing() { return channel_.TakeOutput(); }

std::optional<int64_t> SyncClient::Deadline() const {
  if (!started_ms_ || done_ || !status_.ok()) return std::nullopt;
  return waiting_since_ms_ + deadline_ms_;
}

Status SyncClient::OnTimeout(int64_t now_ms) {
  if (!status_.ok()) return status_;
  const std::optional<int64_t> deadline = Deadline();
  if (!deadline || now_ms < *deadline) return Status::Ok();
  return Fail(
      Status::Timeout("relay did not answer within " + std::to_string(deadline_ms_ / 1000) + " s"));
}

void SyncClient::OnClosed(const Status& why) {
  if (!done_) (void)Fail(why.ok() ? Status::Unavailable("relay closed the connection early") : why);
}

}  // namespace waypost::sync
