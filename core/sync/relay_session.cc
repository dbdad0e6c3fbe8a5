#include "core/sync/relay_session.h"

#include <vector>

#include "core/envelope/format.h"
#include "core/store/database.h"
#include "core/sync/constants.h"
#include "proto/waypost.pb.h"

namespace waypost::sync {
namespace {

// Checks a parsed request against the limits before anything is stored.
Status CheckRequest(const pb::SyncRequest& request) {
  if (static_cast<size_t>(request.upload_size()) > kMaxUploads) {
    return Status::LimitExceeded("sync request uploads too many envelopes");
  }
  if (static_cast<size_t>(request.tags_size()) > kMaxTags) {
    return Status::LimitExceeded("sync request asks for too many tags");
  }
  if (static_cast<size_t>(request.have_size()) > kMaxHave) {
    return Status::LimitExceeded("sync request lists too many held envelopes");
  }
  for (const std::string& tag : request.tags()) {
    if (tag.size() != envelope::kTagSize) return Status::Protocol("sync request has a bad tag");
  }
  for (const std::string& prefix : request.have()) {
    if (prefix.size() < kMinHavePrefix || prefix.size() > kMaxHavePrefix) {
      return Status::Protocol("sync request has a bad content-id prefix");
    }
  }
  return Status::Ok();
}

}  // namespace

RelaySession::RelaySession(RelayStore& store, const noise::KeyPair& relay_static,
                           const Clock& clock, Random& random)
    : store_(&store), clock_(&clock), channel_(SecureChannel::Responder(relay_static, random)) {}

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
  Status fed = channel_.Feed(bytes);
  if (!fed.ok()) return Fail(std::move(fed));
  std::optional<Bytes> request = channel_.NextMessage();
  if (!request) return Status::Ok();
  return Fail(HandleRequest(*request));
}

Status RelaySession::HandleRequest(ByteView bytes) {
  pb::SyncRequest request;
  if (!request.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return Status::Protocol("malformed sync request");
  }
  WAYPOST_RETURN_IF_ERROR(CheckRequest(request));
  if (channel_.NextMessage()) return Status::Protocol("more than one sync request");

  const UnixTime now = clock_->Now();
  std::vector<Bytes> have;
  have.reserve(request.have_size() + request.upload_size());
  for (const std::string& prefix : request.have()) have.emplace_back(prefix.begin(), prefix.end());
  std::vector<ByteView> uploads;
  uploads.reserve(request.upload_size());
  for (const std::string& upload : request.upload()) {
    uploads.push_back(AsBytes(upload));
    // Never echo a client's own uploads back to it.
    const envelope::ContentId id = envelope::ComputeContentId(uploads.back());
    have.emplace_back(id.begin(), id.end());
  }
  WAYPOST_ASSIGN_OR_RETURN(const RelayStore::BatchResult stored, store_->PutBatch(uploads, now));
  accepted_ = stored.accepted;
  rejected_ = stored.rejected;
  std::vector<envelope::RecipientTag> tags;
  tags.reserve(request.tags_size());
  for (const std::string& tag : request.tags()) {
    envelope::RecipientTag t;
    std::copy(tag.begin(), tag.end(), t.begin());
    tags.push_back(t);
  }
  WAYPOST_ASSIGN_OR_RETURN(std::vector<Bytes> found,
                           store_->Fetch(tags, have, now, kMaxResponseEnvelopeBytes));

  pb::SyncResponse response;
  response.set_accepted(accepted_);
  response.set_rejected(rejected_);
  for (const Bytes& e : found) response.add_envelopes(e.data(), e.size());
  envelopes_sent_ = found.size();
  const std::string encoded = response.SerializeAsString();
  WAYPOST_RETURN_IF_ERROR(channel_.Send(AsBytes(encoded)));
  done_ = true;
  return Status::Ok();
}

Bytes RelaySession::TakeOutgoing() { return channel_.TakeOutput(); }

std::optional<int64_t> RelaySession::Deadline() const {
  if (!started_ms_ || done_ || !status_.ok()) return std::nullopt;
  return *started_ms_ + (channel_.established() ? kRequestDeadlineMs : kHandshakeDeadlineMs);
}

Status RelaySession::OnTimeout(int64_t now_ms) {
  if (!status_.ok()) return status_;
  const std::optional<int64_t> deadline = Deadline();
  if (!deadline || now_ms < *deadline) return Status::Ok();
  return Fail(Status::Timeout(channel_.established()
                                  ? "client sent no sync request within 30 s"
                                  : "client did not finish the handshake within 10 s"));
}

void RelaySession::OnClosed(const Status& why) {
  if (!done_) (void)Fail(why.ok() ? Status::Unavailable("connection closed early") : why);
}

}  // namespace waypost::sync
