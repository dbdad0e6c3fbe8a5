#include "core/noise/handshake_pattern.h"

#include <cctype>
#include <charconv>

namespace waypost::noise {
namespace {

// Revision 34, §7.4 (one-way) and §7.5 (interactive). Pre-messages and
// messages are separated by '|'; each part starts with its direction arrow.
struct PatternSpec {
  std::string_view name;
  std::string_view premessages;
  std::string_view messages;
};

constexpr PatternSpec kPatterns[] = {
    {"N", "<- s", "-> e, es"},
    {"K", "-> s | <- s", "-> e, es, ss"},
    {"X", "<- s", "-> e, es, s, ss"},
    {"NN", "", "-> e | <- e, ee"},
    {"NK", "<- s", "-> e, es | <- e, ee"},
    {"NX", "", "-> e | <- e, ee, s, es"},
    {"KN", "-> s", "-> e | <- e, ee, se"},
    {"KK", "-> s | <- s", "-> e, es, ss | <- e, ee, se"},
    {"KX", "-> s", "-> e | <- e, ee, se, s, es"},
    {"XN", "", "-> e | <- e, ee | -> s, se"},
    {"XK", "<- s", "-> e, es | <- e, ee | -> s, se"},
    {"XX", "", "-> e | <- e, ee, s, es | -> s, se"},
    {"IN", "", "-> e, s | <- e, ee, se"},
    {"IK", "<- s", "-> e, es, s, ss | <- e, ee, se"},
    {"IX", "", "-> e, s | <- e, ee, se, s, es"},
};

std::string_view Trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> SplitOn(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  if (Trim(s).empty()) return parts;
  for (size_t pos; (pos = s.find(sep)) != std::string_view::npos; s.remove_prefix(pos + 1)) {
    parts.push_back(Trim(s.substr(0, pos)));
  }
  parts.push_back(Trim(s));
  return parts;
}

Token ParseToken(std::string_view t) {
  if (t == "e") return Token::kE;
  if (t == "s") return Token::kS;
  if (t == "ee") return Token::kEe;
  if (t == "es") return Token::kEs;
  if (t == "se") return Token::kSe;
  return Token::kSs;  // the table above is the only input; "ss" is all that remains
}

// "-> e, es" -> (initiator_sends, tokens)
std::pair<bool, std::vector<Token>> ParseLine(std::string_view line) {
  const bool from_initiator = line.substr(0, 2) == "->";
  std::vector<Token> tokens;
  for (std::string_view t : SplitOn(line.substr(2), ',')) tokens.push_back(ParseToken(t));
  return {from_initiator, std::move(tokens)};
}

HandshakePattern Build(const PatternSpec& spec) {
  HandshakePattern p;
  p.name = std::string(spec.name);
  for (std::string_view line : SplitOn(spec.premessages, '|')) {
    auto [from_initiator, tokens] = ParseLine(line);
    (from_initiator ? p.initiator_premessage : p.responder_premessage) = std::move(tokens);
  }
  for (std::string_view line : SplitOn(spec.messages, '|')) {
    p.messages.push_back(ParseLine(line).second);
  }
  p.one_way = spec.name.size() == 1;
  return p;
}

// §9.2: psk0 goes at the start of the first message; pskN (N >= 1) at the
// end of message N (counting from 1).
Status ApplyPskModifier(std::string_view modifier, HandshakePattern& p) {
  const bool is_psk = modifier.size() > 3 && modifier.substr(0, 3) == "psk";
  std::string_view digits = is_psk ? modifier.substr(3) : std::string_view();
  int index = -1;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), index);
  if (!is_psk || ec != std::errc() || end != digits.data() + digits.size()) {
    return Status::InvalidArgument("unsupported Noise pattern modifier: " + std::string(modifier));
  }
  if (index == 0) {
    p.messages.front().insert(p.messages.front().begin(), Token::kPsk);
  } else if (static_cast<size_t>(index) <= p.messages.size()) {
    p.messages[index - 1].push_back(Token::kPsk);
  } else {
    return Status::InvalidArgument("psk modifier past the last message: " + std::string(modifier));
  }
  p.has_psk = true;
  ++p.psk_count;
  return Status::Ok();
}

}  // namespace

Result<HandshakePattern> LookUpPattern(std::string_view pattern_name) {
  size_t base_len = 0;
  while (base_len < pattern_name.size() &&
         std::isupper(static_cast<unsigned char>(pattern_name[base_len]))) {
    ++base_len;
  }
  std::string_view base = pattern_name.substr(0, base_len);
  const PatternSpec* spec = nullptr;
  for (const PatternSpec& candidate : kPatterns) {
    if (candidate.name == base) spec = &candidate;
  }
  if (spec == nullptr) {
    return Status::InvalidArgument("unsupported Noise pattern: " + std::string(pattern_name));
  }
  HandshakePattern pattern = Build(*spec);
  std::string_view modifiers = pattern_name.substr(base_len);
  if (!modifiers.empty()) {
    for (std::string_view modifier : SplitOn(modifiers, '+')) {
      WAYPOST_RETURN_IF_ERROR(ApplyPskModifier(modifier, pattern));
    }
  }
  pattern.name = std::string(pattern_name);
  return pattern;
}

Result<ProtocolName> ParseProtocolName(std::string_view name) {
  std::vector<std::string_view> parts;
  std::string_view rest = name;
  for (size_t pos; (pos = rest.find('_')) != std::string_view::npos; rest.remove_prefix(pos + 1)) {
    parts.push_back(rest.substr(0, pos));
  }
  parts.push_back(rest);
  if (parts.size() != 5 || parts[0] != "Noise") {
    return Status::InvalidArgument("not a Noise protocol name: " + std::string(name));
  }
  if (parts[2] != "25519" || parts[3] != "ChaChaPoly" || parts[4] != "BLAKE2b") {
    return Status::InvalidArgument("unsupported Noise suite (only 25519_ChaChaPoly_BLAKE2b): " +
                                   std::string(name));
  }
  WAYPOST_ASSIGN_OR_RETURN(HandshakePattern pattern, LookUpPattern(parts[1]));
  return ProtocolName{std::string(name), std::move(pattern), std::string(parts[2]),
                      std::string(parts[3]), std::string(parts[4])};
}

}  // namespace waypost::noise
