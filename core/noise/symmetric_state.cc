#include "core/noise/symmetric_state.h"

#include <algorithm>

#include "core/noise/noise_constants.h"

namespace waypost::noise {
namespace {

ByteView FirstKeyBytes(const Secret& hkdf_output) { return ByteView(hkdf_output.data(), kKeyLen); }

}  // namespace

SymmetricState::SymmetricState(std::string_view protocol_name) {
  ByteView name = AsBytes(protocol_name);
  if (name.size() <= kHashLen) {
    std::copy(name.begin(), name.end(), h_.begin());
  } else {
    h_ = Hash({name});
  }
  ck_ = Secret::From(GetHandshakeHash());
}

Status SymmetricState::MixKey(ByteView input_key_material) {
  HkdfOutputs out = Hkdf(ck_.view(), input_key_material, 2);
  ck_ = std::move(out.out1);
  return cipher_.InitializeKey(FirstKeyBytes(out.out2));
}

void SymmetricState::MixHash(ByteView data) { h_ = Hash({GetHandshakeHash(), data}); }

Status SymmetricState::MixKeyAndHash(ByteView input_key_material) {
  HkdfOutputs out = Hkdf(ck_.view(), input_key_material, 3);
  ck_ = std::move(out.out1);
  MixHash(out.out2.view());
  return cipher_.InitializeKey(FirstKeyBytes(out.out3));
}

Result<Bytes> SymmetricState::EncryptAndHash(ByteView plaintext) {
  WAYPOST_ASSIGN_OR_RETURN(Bytes ciphertext, cipher_.EncryptWithAd(GetHandshakeHash(), plaintext));
  MixHash(ciphertext);
  return ciphertext;
}

Result<Bytes> SymmetricState::DecryptAndHash(ByteView ciphertext) {
  WAYPOST_ASSIGN_OR_RETURN(Bytes plaintext, cipher_.DecryptWithAd(GetHandshakeHash(), ciphertext));
  MixHash(ciphertext);
  return plaintext;
}

Result<std::pair<CipherState, CipherState>> SymmetricState::Split() const {
  HkdfOutputs out = Hkdf(ck_.view(), ByteView(), 2);
  CipherState c1, c2;
  WAYPOST_RETURN_IF_ERROR(c1.InitializeKey(FirstKeyBytes(out.out1)));
  WAYPOST_RETURN_IF_ERROR(c2.InitializeKey(FirstKeyBytes(out.out2)));
  return std::make_pair(std::move(c1), std::move(c2));
}

}  // namespace waypost::noise
