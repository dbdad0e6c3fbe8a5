// GoogleTest prints the node's vocabulary (core/node/vocabulary.h) by its
// words, so a failed EXPECT_EQ on a role or a state reads "helper", not a
// byte dump. Found by argument-dependent lookup: they live in the enums'
// own namespace.
#pragma once

#include <ostream>

#include "core/node/vocabulary.h"

namespace waypost::node {

inline void PrintTo(Role v, std::ostream* out) { *out << NameOf(v); }
inline void PrintTo(ContactState v, std::ostream* out) { *out << NameOf(v); }
inline void PrintTo(Direction v, std::ostream* out) { *out << NameOf(v); }
inline void PrintTo(MessageKind v, std::ostream* out) { *out << NameOf(v); }
inline void PrintTo(MessageState v, std::ostream* out) { *out << NameOf(v); }
inline void PrintTo(AlertKind v, std::ostream* out) { *out << NameOf(v); }
inline void PrintTo(BoardState v, std::ostream* out) { *out << NameOf(v); }

}  // namespace waypost::node
