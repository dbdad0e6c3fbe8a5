#include "core/sync/sync_client.h"

#include <string>

#include "core/sync/constants.h"
#include "proto/waypost.pb.h"

namespace waypost::sync {

SyncClient::SyncClient(ByteView relay_public_key, std::vector<Bytes> uploads,
                       std::vector<envelope::RecipientTag> tags, std::vector<Bytes> have_prefixes,
                       Random& random, int64_t deadline_ms)
    : channel_(SecureChannel::Initiator(relay_public_key, random)),
      uploads_(std::move(uploads)),
      tags_(std::move(tags)),
      have_(std::move(have_prefixes)),
      deadline_ms_(deadline_ms) {}

Status SyncClient::Fail(Status why) {
  if (status_.ok()) status_ = std::move(why);
  return status_;
}

Status SyncClient::BuildRequest() {
  if (uploads_.size() > kMaxUploads) return Status::LimitExceeded("too many envelopes to upload");
  if (tags_.size() > kMaxTags) return Status::LimitExceeded("too many recipient tags");
  if (have_.size() > kMaxHave) return Status::LimitExceeded("too many held envelopes to list");
  pb::SyncRequest request;
  for (const Bytes& e : uploads_) request.add_upload(e.data(), e.size());
  for (const auto& tag : tags_) request.add_tags(tag.data(), tag.size());
  for (const Bytes& prefix : have_) {
    if (prefix.size() < kMinHavePrefix || prefix.size() > kMaxHavePrefix) {
      return Status::InvalidArgument("a content-id prefix must be 4 to 32 bytes");
    }
    request.add_have(prefix.data(), prefix.size());
  }
  if (request.ByteSizeLong() > kMaxAppMessage) {
    return Status::LimitExceeded("sync request is over 8 MiB; upload fewer envelopes at once");
  }
  const std::string encoded = request.SerializeAsString();
  request_.assign(encoded.begin(), encoded.end());
  return Status::Ok();
}

Status SyncClient::OnStart(int64_t now_ms) {
  if (!status_.ok()) return status_;
  if (started_ms_) return Status::Internal("SyncClient::OnStart called twice");
  started_ms_ = now_ms;
  WAYPOST_RETURN_IF_ERROR(Fail(BuildRequest()));
  return Fail(channel_.Start());
}

Status SyncClient::OnReceive(ByteView bytes, int64_t now_ms) {
  if (!status_.ok()) return status_;
  if (!started_ms_) return Fail(Status::Internal("SyncClient::OnReceive before OnStart"));
  if (done_) return Status::Ok();
  WAYPOST_RETURN_IF_ERROR(OnTimeout(now_ms));
  WAYPOST_RETURN_IF_ERROR(Fail(channel_.Feed(bytes)));
  if (channel_.established() && !request_sent_) {
    // Message 1 arrived and proved the pinned key: handshake round trip done.
    ++round_trips_;
    request_sent_ = true;
    WAYPOST_RETURN_IF_ERROR(Fail(channel_.Send(request_)));
    Bytes().swap(request_);
  }
  std::optional<Bytes> response = channel_.NextMessage();
  if (!response) return Status::Ok();
  return Fail(HandleResponse(*response));
}

Status SyncClient::HandleResponse(ByteView bytes) {
  if (channel_.NextMessage()) return Status::Protocol("relay sent more than one response");
  pb::SyncResponse response;
  if (!response.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return Status::Protocol("malformed sync response");
  }
  ++round_trips_;
  accepted_ = response.accepted();
  rejected_ = response.rejected();
  received_.reserve(response.envelopes_size());
  for (const std::string& e : response.envelopes()) received_.emplace_back(e.begin(), e.end());
  done_ = true;
  return Status::Ok();
}

Bytes SyncClient::TakeOutgoing() { return channel_.TakeOutput(); }

std::optional<int64_t> SyncClient::Deadline() const {
  if (!started_ms_ || done_ || !status_.ok()) return std::nullopt;
  return *started_ms_ + deadline_ms_;
}

Status SyncClient::OnTimeout(int64_t now_ms) {
  if (!status_.ok()) return status_;
  const std::optional<int64_t> deadline = Deadline();
  if (!deadline || now_ms < *deadline) return Status::Ok();
  return Fail(Status::Timeout("relay did not finish the sync within " +
                              std::to_string(deadline_ms_ / 1000) + " s"));
}

void SyncClient::OnClosed(const Status& why) {
  if (!done_) (void)Fail(why.ok() ? Status::Unavailable("relay closed the connection early") : why);
}

}  // namespace waypost::sync
