// Transcript tests for the command line, in the spirit of age's testscript
// files: each file under tests/cli/testdata/ is a session of `waypost`
// commands with their exact output, run in-process through RunCli
// (cli/run.h) with a fake clock, seeded randomness, a scripted terminal and
// relays in memory.
//
// The format, one item per line:
//
//   # text              a comment
//   env NAME=VALUE      set an environment variable for the commands after it
//   unenv NAME          unset it
//   clock +DURATION     move the fake clock on (90s, 15m, 2h, 3d)
//   relay NAME          start a relay in memory; $NAME is its address
//   tty TEXT            one answer the terminal gives to the next prompt
//   stdin TEXT          one line of standard input for the next command,
//                       which then reads a pipe; a command without any
//                       reads a terminal, answered by `tty` lines
//   write PATH TEXT     write TEXT and a newline to the file PATH
//   cut NAME N A B      $A becomes the first N bytes of $NAME, $B the rest
//   $ waypost ARGS      run a command: ARGS split on spaces, "..." quotes,
//                       $VARIABLES expanded
//   save NAME           right after a command: $NAME becomes its stdout
//                       (one line)
//   tty> TEXT           expected: a prompt the command showed
//   > TEXT              expected: a line on stdout
//   2> TEXT             expected: a line on stderr
//   hook> CMD <- INPUT  expected: a `watch --on-alert` command run, and its stdin
//   ? CODE              expected: the exit code, when it is not 0
//
// Expected lines follow their command, and its `save` lines, in that order
// (tty>, >, 2>, hook>, ?). In
// output, the value of every variable of 24 characters or more ($WORK, relay
// addresses, saved invite codes) is written back as its name, so transcripts
// read the same on every run; shorter ones (message ids) stay as they are.
//
// Running a transcript produces the file as it should be; the test compares
// it with the file as it is. WAYPOST_UPDATE_TRANSCRIPTS=1 writes the result
// back instead (review the diff before committing it).
#pragma once

#include <string>

namespace waypost::testing {

// Runs the transcript `text` in a fresh temporary directory ($WORK) and
// returns it with every expected line replaced by what really happened.
// Throws std::runtime_error on a malformed line.
std::string RunTranscript(const std::string& text);

}  // namespace waypost::testing
