#include "core/node/identity.h"

#include <utility>

#include "core/envelope/keys.h"
#include "core/node/internal/meta.h"

namespace waypost::node {
namespace {

constexpr char kNameKey[] = "name";
constexpr char kRoleKey[] = "role";
constexpr char kPrivateKey[] = "static_private";
constexpr char kTagKey[] = "tag_key";

}  // namespace

Result<Identity> Identity::Create(store::Database& db, std::string_view name, Role role,
                                  Random& random) {
  noise::KeyPair key_pair = noise::KeyPair::Generate(random);
  Secret tag_key(envelope::kKeySize);
  random.Fill(tag_key.span());
  WAYPOST_RETURN_IF_ERROR(internal::PutMeta(db, kNameKey, AsBytes(name)));
  WAYPOST_RETURN_IF_ERROR(internal::PutMeta(db, kRoleKey, AsBytes(NameOf(role))));
  WAYPOST_RETURN_IF_ERROR(internal::PutMeta(db, kPrivateKey, key_pair.private_key.view()));
  WAYPOST_RETURN_IF_ERROR(internal::PutMeta(db, kTagKey, tag_key.view()));
  return Load(db);
}

Result<Identity> Identity::Load(store::Database& db) {
  WAYPOST_ASSIGN_OR_RETURN(Bytes name, internal::GetMeta(db, kNameKey));
  WAYPOST_ASSIGN_OR_RETURN(Bytes role_word, internal::GetMeta(db, kRoleKey));
  WAYPOST_ASSIGN_OR_RETURN(Secret private_key, internal::GetMetaSecret(db, kPrivateKey));
  WAYPOST_ASSIGN_OR_RETURN(Secret tag_key, internal::GetMetaSecret(db, kTagKey));
  Result<noise::KeyPair> key_pair = noise::KeyPair::FromPrivate(private_key.view());
  if (!key_pair.ok() || tag_key.size() != envelope::kKeySize) {
    return Status::Corrupt("the store's identity keys are damaged");
  }
  SelfInfo self;
  self.name = AsString(name);
  WAYPOST_ASSIGN_OR_RETURN(self.role, ParseStored<Role>(AsString(role_word)));
  WAYPOST_ASSIGN_OR_RETURN(self.public_key, PublicKey::From(key_pair->public_key));
  self.fingerprint = envelope::Fingerprint(self.public_key.view());
  return Identity(std::move(self), std::move(key_pair).value(), std::move(tag_key));
}

Status Identity::SetRole(store::Database& db, Role role) {
  WAYPOST_RETURN_IF_ERROR(internal::PutMeta(db, kRoleKey, AsBytes(NameOf(role))));
  self_.role = role;
  return Status::Ok();
}

Status Identity::CopyTo(store::Database& other) const {
  WAYPOST_RETURN_IF_ERROR(internal::PutMetaIfChanged(other, kNameKey, AsBytes(self_.name)));
  WAYPOST_RETURN_IF_ERROR(internal::PutMetaIfChanged(other, kRoleKey, AsBytes(NameOf(self_.role))));
  WAYPOST_RETURN_IF_ERROR(
      internal::PutMetaIfChanged(other, kPrivateKey, key_pair_.private_key.view()));
  return internal::PutMetaIfChanged(other, kTagKey, tag_key_.view());
}

}  // namespace waypost::node
