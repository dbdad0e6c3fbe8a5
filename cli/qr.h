// Terminal QR codes, so an invite can pass from a coordinator's screen to a
// helper's phone camera without being typed or sent over a network.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

namespace waypost::cli {

// `text` as a QR code (error correction M) drawn with Unicode half blocks,
// two modules per character cell, light modules as blocks so it scans on a
// dark terminal; a 2-module quiet zone surrounds it.
Result<std::string> RenderQr(std::string_view text);

}  // namespace waypost::cli
