// Composing, queueing, confirming and listing messages (docs/protocol.md §4).
#include <string>
#include <utility>
#include <vector>

#include "core/node/internal/scrub.h"
#include "core/node/node.h"
#include "core/text.h"
#include "proto/waypost.pb.h"

namespace waypost::node {
namespace {

constexpr size_t kMaxCodeSize = 32;
constexpr size_t kMaxTextSize = 8192;

using internal::Scrubbed;

Status CheckCheckIn(std::string_view code, std::string_view note) {
  if (code.empty() || code.size() > kMaxCodeSize) {
    return Status::InvalidArgument("a check-in code must be 1 to 32 characters");
  }
  if (note.size() > kMaxTextSize) return Status::InvalidArgument("the note is too long");
  // Protobuf strings must be UTF-8: the recipient would drop anything else.
  if (!IsValidUtf8(code) || !IsValidUtf8(note)) {
    return Status::InvalidArgument("the code and note must be valid UTF-8 text");
  }
  return Status::Ok();
}

}  // namespace

Result<std::vector<std::string>> Node::CheckIn(std::string_view code, std::string_view note,
                                               std::string_view to) {
  WAYPOST_RETURN_IF_ERROR(CheckCheckIn(code, note));
  std::vector<Contact> recipients;
  if (!to.empty()) {
    WAYPOST_ASSIGN_OR_RETURN(Contact c, contacts_.Named(to));
    recipients.push_back(std::move(c));
  } else {
    WAYPOST_ASSIGN_OR_RETURN(recipients, contacts_.WithRole(Role::kCoordinator));
    if (recipients.empty()) {
      return Status::NotFound("no coordinator to check in with; join an invite first");
    }
  }
  Scrubbed<pb::Body> body;
  body->mutable_checkin()->set_code(std::string(code));
  body->mutable_checkin()->set_note(std::string(note));
  body->set_sent_at(clock_.Now());
  std::vector<std::string> ids;
  const Status status = Mutate([&]() -> Status {
    for (const Contact& c : recipients) {
      WAYPOST_ASSIGN_OR_RETURN(
          std::string id,
          courier_.Send(c, *body, Courier::Shown{MessageKind::kCheckIn, code, note}));
      ids.push_back(std::move(id));
    }
    return Status::Ok();
  });
  if (!status.ok()) return status;
  return ids;
}

Result<std::string> Node::SendText(std::string_view to, std::string_view text) {
  if (text.empty() || text.size() > kMaxTextSize) {
    return Status::InvalidArgument("a message must be 1 to 8192 bytes");
  }
  if (!IsValidUtf8(text)) return Status::InvalidArgument("a message must be valid UTF-8 text");
  WAYPOST_ASSIGN_OR_RETURN(Contact c, contacts_.Named(to));
  Scrubbed<pb::Body> body;
  body->mutable_text()->set_text(std::string(text));
  body->set_sent_at(clock_.Now());
  std::string id;
  const Status status = Mutate([&]() -> Status {
    WAYPOST_ASSIGN_OR_RETURN(id,
                             courier_.Send(c, *body, Courier::Shown{MessageKind::kText, "", text}));
    return Status::Ok();
  });
  if (!status.ok()) return status;
  return id;
}

Status Node::Confirm(std::string_view id_prefix) {
  WAYPOST_ASSIGN_OR_RETURN(MessageLog::Found found, messages_.FindReceivedCheckIn(id_prefix));
  WAYPOST_ASSIGN_OR_RETURN(Contact sender, contacts_.Get(found.contact));
  Scrubbed<pb::Body> body;
  body->mutable_receipt()->set_of(AsString(ByteView(found.id).first(MessageLog::kReceiptIdSize)));
  body->mutable_receipt()->set_kind(pb::Receipt::CONFIRMED);
  body->set_sent_at(clock_.Now());
  const Status status = Mutate([&]() -> Status {
    const Courier::Chain chain = found.via_duress ? Courier::Chain::kDuress : Courier::Chain::kPair;
    WAYPOST_RETURN_IF_ERROR(courier_.Send(sender, *body, std::nullopt, chain).status());
    return messages_.SetState(found.id, MessageState::kConfirmed);
  });
  return status;
}

Result<std::vector<MessageInfo>> Node::Inbox() { return messages_.List(); }

Result<std::vector<ContactInfo>> Node::Contacts() {
  WAYPOST_ASSIGN_OR_RETURN(std::vector<Contact> all, contacts_.All());
  std::vector<ContactInfo> out;
  for (const Contact& c : all) out.push_back(c.Info());
  return out;
}

Result<std::string> Node::CreateInvite(std::string_view for_name, int64_t ttl_seconds) {
  std::string code;
  WAYPOST_RETURN_IF_ERROR(Mutate([&]() -> Status {
    WAYPOST_ASSIGN_OR_RETURN(code, enrollment_.CreateInvite(for_name, ttl_seconds));
    return Status::Ok();
  }));
  return code;
}

Result<std::string> Node::Join(std::string_view code, bool another_coordinator) {
  std::string inviter;
  WAYPOST_RETURN_IF_ERROR(Mutate([&]() -> Status {
    WAYPOST_ASSIGN_OR_RETURN(inviter, enrollment_.Join(code, another_coordinator));
    return Status::Ok();
  }));
  return inviter;
}

}  // namespace waypost::node
