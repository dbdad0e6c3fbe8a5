#include "core/node/internal/scrub.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/reflection.h>
#include <google/protobuf/unknown_field_set.h>

#include <string>

#include "core/secret.h"

namespace waypost::node::internal {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

void WipeString(std::string& s) { Wipe(s.data(), s.size()); }

void WipeField(Message& message, const Reflection& r, const FieldDescriptor& field) {
  std::string scratch;
  if (field.cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
    if (field.is_repeated()) {
      for (int i = 0; i < r.FieldSize(message, &field); ++i) {
        WipeMessage(*r.MutableRepeatedMessage(&message, &field, i));
      }
    } else {
      WipeMessage(*r.MutableMessage(&message, &field));
    }
    return;
  }
  if (field.cpp_type() != FieldDescriptor::CPPTYPE_STRING) return;
  if (field.is_repeated()) {
    for (int i = 0; i < r.FieldSize(message, &field); ++i) {
      const std::string& s = r.GetRepeatedStringReference(message, &field, i, &scratch);
      // The reference is the stored string unless it was only copied to
      // `scratch`; wiping through it in place keeps the length.
      WipeString(const_cast<std::string&>(s));
    }
  } else {
    const std::string& s = r.GetStringReference(message, &field, &scratch);
    WipeString(const_cast<std::string&>(s));
  }
}

}  // namespace

void WipeMessage(Message& message) {
  const Reflection& r = *message.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  r.ListFields(message, &fields);
  for (const FieldDescriptor* field : fields) WipeField(message, r, *field);
  google::protobuf::UnknownFieldSet* unknown = r.MutableUnknownFields(&message);
  for (int i = 0; i < unknown->field_count(); ++i) {
    google::protobuf::UnknownField* field = unknown->mutable_field(i);
    if (field->type() == google::protobuf::UnknownField::TYPE_LENGTH_DELIMITED) {
      WipeString(*field->mutable_length_delimited());
    }
  }
}

}  // namespace waypost::node::internal
