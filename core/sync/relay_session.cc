#include "core/sync/relay_session.h"

#include <algorithm>
#include <string>
#include <vector>

#include "core/envelope/format.h"
#include "core/sync/constants.h"
#include "core/sync/negentropy_storage.h"
#include "proto/waypost.pb.h"

namespace waypost::sync {

RelaySession::RelaySession(RelayStore& store, const noise::KeyPair& relay_static,
                           const Clock& clock, Random& random, const std::set<Bytes>* peer_keys,
                           size_t page_records)
    : store_(&store),
      clock_(&clock),
      channel_(SecureChannel::Responder(relay_static, random)),
      peer_keys_(peer_keys),
      page_records_(page_records) {}

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
  switch (message.kind_case()) {
    case pb::ClientMessage::kUpload:
      WAYPOST_RETURN_IF_ERROR(HandleUpload(message.upload(), reply));
      break;
    case pb::ClientMessage::kReconcile:
      WAYPOST_RETURN_IF_ERROR(HandleReconcile(message.reconcile(), reply));
      break;
    case pb::ClientMessage::kFetch:
      WAYPOST_RETURN_IF_ERROR(HandleFetch(message.fetch(), reply));
      break;
    default:
      return Status::Protocol("sync message of no known kind");
  }
  const std::string encoded = reply.SerializeAsString();
  return channel_.Send(AsBytes(encoded));
}

Status RelaySession::HandleUpload(const pb::Upload& upload, pb::RelayMessage& reply) {
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
                           store_->PutBatch(envelopes, clock_->Now()));
  accepted_ += stored.accepted;
  rejected_ += stored.rejected;
  stored.verdicts.resize(upload.envelopes_size(), RelayStore::Verdict::kFull);
  pb::UploadResult* result = reply.mutable_upload();
  for (const RelayStore::Verdict verdict : stored.verdicts) {
    switch (verdict) {
      case RelayStore::Verdict::kStored:
        result->add_verdicts(pb::UploadResult::STORED);
        break;
      case RelayStore::Verdict::kHeld:
        result->add_verdicts(pb::UploadResult::HELD);
        break;
      case RelayStore::Verdict::kRefused:
        result->add_verdicts(pb::UploadResult::REFUSED);
        break;
      case RelayStore::Verdict::kFull:
        result->add_verdicts(pb::UploadResult::FULL);
        break;
    }
  }
  return Status::Ok();
}

Status RelaySession::SetScope(const pb::Reconcile& first) {
  if (first.everything()) {
    if (first.tags_size() != 0) return Status::Protocol("reconcile names tags and everything");
    // Every envelope, with its tag and expiry, only to a relay we peer with.
    if (peer_keys_ == nullptr || peer_keys_->count(channel_.remote_static()) == 0) {
      return Status::Protocol("a client that is not a peer asked for every envelope");
    }
    scope_ = RelayStore::View::Everything();
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
