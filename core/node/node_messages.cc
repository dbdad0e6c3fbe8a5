// Composing, queueing, confirming and listing messages (docs/protocol.md §4).
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/node/internal/scrub.h"
#include "core/node/node.h"
#include "core/text.h"
#include "proto/waypost.pb.h"

namespace waypost::node {
namespace {

constexpr size_t kMaxTextSize = 8192;

using internal::Scrubbed;

Status CheckNote(std::string_view note) {
  if (note.size() > kMaxTextSize) return Status::InvalidArgument("the note is too long");
  // Protobuf strings must be UTF-8: the recipient would drop anything else.
  if (!IsValidUtf8(note)) return Status::InvalidArgument("the note must be valid UTF-8 text");
  return Status::Ok();
}

// "ok (all is well), crossed (...), ...": what an unknown code's error lists.
std::string CodeList(const std::vector<CodeEntry>& codes) {
  std::string out;
  for (const CodeEntry& e : codes) {
    if (!out.empty()) out += ", ";
    out += e.code + " (" + e.meaning + (e.distress ? ", distress" : "") + ")";
  }
  return out;
}

}  // namespace

Result<std::vector<std::string>> Node::CheckIn(std::string_view code, std::string_view note,
                                               std::string_view to, bool test) {
  WAYPOST_ASSIGN_OR_RETURN(std::string name, Codebook::NormalizeCode(code));
  WAYPOST_RETURN_IF_ERROR(CheckNote(note));
  std::vector<Contact> recipients;
  if (!to.empty()) {
    WAYPOST_ASSIGN_OR_RETURN(Contact c, contacts_.Named(to));
    recipients.push_back(std::move(c));
  } else {
    WAYPOST_ASSIGN_OR_RETURN(recipients, contacts_.WithRole(Role::kCoordinator));
    // A coordinator that left the team (docs/protocol.md §12.5) is sent
    // nothing.
    std::erase_if(recipients, [](const Contact& c) { return c.state == ContactState::kRevoked; });
    if (recipients.empty()) {
      return Status::NotFound("no coordinator to check in with; join an invite first");
    }
  }
  // Every recipient must know the code, before anything is queued.
  std::vector<CodeEntry> entries;
  for (const Contact& c : recipients) {
    WAYPOST_ASSIGN_OR_RETURN(std::optional<CodeEntry> entry,
                             codebook_.ByCode(c.public_key.view(), name));
    if (!entry) {
      WAYPOST_ASSIGN_OR_RETURN(std::vector<CodeEntry> codes, codebook_.Codes(c.public_key.view()));
      return Status::InvalidArgument("unknown code \"" + name + "\"" +
                                     (recipients.size() > 1 ? " for " + c.name : "") +
                                     "; the codes are: " + CodeList(codes));
    }
    entries.push_back(std::move(*entry));
  }
  const UnixTime now = clock_.Now();
  std::vector<std::string> ids;
  const Status status = Mutate([&]() -> Status {
    for (size_t i = 0; i < recipients.size(); ++i) {
      Scrubbed<pb::Body> body;
      body->mutable_checkin()->set_number(entries[i].number);
      body->mutable_checkin()->set_note(std::string(note));
      body->set_sent_at(now);
      if (test) body->set_flags(kFlagTest);
      WAYPOST_ASSIGN_OR_RETURN(std::string id,
                               courier_.Send(recipients[i], *body,
                                             Courier::Shown{MessageKind::kCheckIn, name, note,
                                                            entries[i].meaning, test}));
      ids.push_back(std::move(id));
    }
    return Status::Ok();
  });
  if (!status.ok()) return status;
  return ids;
}

Result<std::vector<Node::CodebookView>> Node::Codebooks() {
  std::vector<CodebookView> out;
  if (self().role == Role::kCoordinator) {
    CodebookView own{self().name, 0, {}};
    WAYPOST_ASSIGN_OR_RETURN(own.version, codebook_.Version({}));
    WAYPOST_ASSIGN_OR_RETURN(own.codes, codebook_.Codes({}));
    out.push_back(std::move(own));
  }
  WAYPOST_ASSIGN_OR_RETURN(std::vector<Contact> coordinators,
                           contacts_.WithRole(Role::kCoordinator));
  for (const Contact& c : coordinators) {
    CodebookView theirs{c.name, 0, {}};
    WAYPOST_ASSIGN_OR_RETURN(theirs.version, codebook_.Version(c.public_key.view()));
    WAYPOST_ASSIGN_OR_RETURN(theirs.codes, codebook_.Codes(c.public_key.view()));
    out.push_back(std::move(theirs));
  }
  return out;
}

Status Node::AddCode(std::string_view code, std::string_view meaning, bool distress) {
  return ChangeCodebook([&] { return codebook_.Add(code, meaning, distress); });
}

Status Node::RemoveCode(std::string_view code) {
  return ChangeCodebook([&] { return codebook_.Remove(code); });
}

// One transaction: the change, and the new codebook queued to every helper
// and to the team's other coordinators, who take it as theirs (§12.2).
Status Node::ChangeCodebook(const std::function<Status()>& change) {
  if (self().role != Role::kCoordinator) {
    return Status::InvalidArgument(
        "only a coordinator changes the codebook; `waypost codes list` shows yours");
  }
  return Mutate([&]() -> Status {
    WAYPOST_RETURN_IF_ERROR(change());
    WAYPOST_ASSIGN_OR_RETURN(std::vector<Contact> members, contacts_.All());
    Scrubbed<pb::Body> body;
    WAYPOST_RETURN_IF_ERROR(codebook_.FillBody(*body));
    body->set_sent_at(clock_.Now());
    for (const Contact& m : members) {
      if (m.state != ContactState::kActive) continue;
      WAYPOST_RETURN_IF_ERROR(courier_.Send(m, *body).status());
    }
    return Status::Ok();
  });
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
    WAYPOST_ASSIGN_OR_RETURN(
        id, courier_.Send(c, *body, Courier::Shown{MessageKind::kText, "", text, "", false}));
    return Status::Ok();
  });
  if (!status.ok()) return status;
  return id;
}

Result<MessageInfo> Node::Confirm(std::string_view id_prefix, std::string_view note) {
  WAYPOST_RETURN_IF_ERROR(CheckNote(note));
  WAYPOST_ASSIGN_OR_RETURN(MessageLog::Found found, messages_.FindReceivedCheckIn(id_prefix));
  WAYPOST_ASSIGN_OR_RETURN(Contact sender, contacts_.Get(found.contact));
  if (sender.state == ContactState::kRevoked) {
    return Status::InvalidArgument("that check-in is from " + sender.name +
                                   ", who is revoked: nothing is sent to it any more");
  }
  Scrubbed<pb::Body> body;
  body->mutable_receipt()->set_of(AsString(ByteView(found.id).first(MessageLog::kReceiptIdSize)));
  body->mutable_receipt()->set_kind(pb::Receipt::CONFIRMED);
  body->mutable_receipt()->set_note(std::string(note));
  body->set_sent_at(clock_.Now());
  const Status status = Mutate([&]() -> Status {
    const Courier::Chain chain = found.via_duress ? Courier::Chain::kDuress : Courier::Chain::kPair;
    WAYPOST_RETURN_IF_ERROR(courier_.Send(sender, *body, std::nullopt, chain).status());
    WAYPOST_RETURN_IF_ERROR(
        messages_.SetState(found.id, MessageState::kConfirmed, clock_.Now(), note));
    WAYPOST_ASSIGN_OR_RETURN(const MessageInfo confirmed, messages_.Get(found.id));
    pb::TeamNote told;
    told.set_kind(pb::TeamNote::CONFIRMED);
    told.set_member(AsString(sender.public_key.view()));
    told.set_sent_at(confirmed.sent_at);
    told.set_note(std::string(note));
    return news_.Tell(told);
  });
  if (!status.ok()) return status;
  return messages_.Get(found.id);
}

Result<std::vector<MessageInfo>> Node::Inbox() { return messages_.List(); }

Result<std::vector<ContactInfo>> Node::Contacts() {
  WAYPOST_ASSIGN_OR_RETURN(std::vector<Contact> all, contacts_.All());
  std::vector<ContactInfo> out;
  for (const Contact& c : all) out.push_back(c.Info());
  return out;
}

Result<std::string> Node::CreateInvite(std::string_view for_name, int64_t ttl_seconds,
                                       bool coordinator) {
  std::string code;
  WAYPOST_RETURN_IF_ERROR(Mutate([&]() -> Status {
    WAYPOST_ASSIGN_OR_RETURN(code, enrollment_.CreateInvite(for_name, ttl_seconds, coordinator));
    return Status::Ok();
  }));
  return code;
}

Result<Joined> Node::Join(std::string_view code, bool another_coordinator) {
  Joined joined;
  WAYPOST_RETURN_IF_ERROR(Mutate([&]() -> Status {
    WAYPOST_ASSIGN_OR_RETURN(joined, enrollment_.Join(code, another_coordinator));
    return Status::Ok();
  }));
  return joined;
}

}  // namespace waypost::node
