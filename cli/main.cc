// waypost: the command line. main() hardens the process and runs RunCli on
// the real streams, clock, random source, terminal and network.
#include <google/protobuf/stubs/logging.h>
#include <sodium.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "cli/network.h"
#include "cli/run.h"
#include "cli/swap.h"
#include "cli/terminal.h"
#include "core/store/kdf.h"

namespace {

// Before anything secret is in memory: no core dumps, no ptrace by others.
void HardenProcess() {
  umask(077);  // every file we create is ours alone
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  rlimit none{0, 0};
  setrlimit(RLIMIT_CORE, &none);
}

std::optional<std::string> GetEnv(std::string_view name) {
  const char* value = std::getenv(std::string(name).c_str());
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

}  // namespace

int main(int argc, char** argv) {
  HardenProcess();
  // Errors reach the user once, as "waypost: error:"; protobuf's own log
  // (e.g. on a peer's malformed string) would add stray stderr lines.
  google::protobuf::SetLogHandler(nullptr);
  if (sodium_init() < 0) {
    std::fprintf(stderr, "waypost: error: libsodium failed to initialise\n");
    return waypost::cli::kExitFailure;
  }
  // Where Argon2id's memory cannot be locked, say so if swap could keep it.
  waypost::store::SetUnlockedKdfHook(&waypost::cli::WarnOnceIfUnencryptedSwap);
  waypost::SystemClock clock;
  waypost::SystemRandom random;
  waypost::cli::DevTty terminal;
  waypost::cli::TcpNetwork network(clock);
  waypost::cli::Io io{std::cin,
                      std::cout,
                      std::cerr,
                      clock,
                      random,
                      terminal,
                      isatty(STDIN_FILENO) != 0,
                      isatty(STDERR_FILENO) != 0,
                      network,
                      GetEnv};
  io.stdout_is_terminal = isatty(STDOUT_FILENO) != 0;
  return waypost::cli::RunCli(std::vector<std::string>(argv + 1, argv + argc), io);
}
