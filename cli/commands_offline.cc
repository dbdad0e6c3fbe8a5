// The paths without a network (docs/protocol.md §7–§9): `bundle export`,
// `bundle import`, `armor` and `unarmor`. Each takes envelopes in the way a
// sync does (Node::TakeIn), so the same news lines say what arrived.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/format.h"
#include "cli/news.h"
#include "core/envelope/armor.h"
#include "core/envelope/bundle.h"
#include "core/node/sync_news.h"

namespace waypost::cli {
namespace {

struct ExportOptions {
  std::string file;
  std::string for_name;
  std::string since;
};

std::string Errno(const std::string& what, const std::string& path) {
  return what + " " + path + ": " + std::strerror(errno);
}

// May `path` be written? Nothing there, an empty file, or an earlier bundle
// (which is replaced): never someone's other file.
Status CheckTarget(const std::string& path) {
  struct stat st {};
  if (lstat(path.c_str(), &st) != 0) {
    return errno == ENOENT ? Status::Ok() : Status::IoError(Errno("cannot look at", path));
  }
  if (!S_ISREG(st.st_mode)) {
    return Status::InvalidArgument(path + " exists and is not a regular file; choose another name");
  }
  if (st.st_size == 0) return Status::Ok();
  std::ifstream in(path, std::ios::binary);
  std::string magic(envelope::kBundleMagic.size(), '\0');
  in.read(magic.data(), std::streamsize(magic.size()));
  if (!in || magic != envelope::kBundleMagic) {
    return Status::InvalidArgument(path +
                                   " exists and is not a Waypost bundle; choose another name "
                                   "(nothing was written)");
  }
  return Status::Ok();
}

// Writes `data` to `path` in place, with no temporary copy beside it (a USB
// stick keeps what a deleted file held), then fsyncs the file and its
// directory: success is reported only once it would survive pulling the
// stick.
Status WriteDurably(const std::string& path, ByteView data) {
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return Status::IoError(Errno("cannot create", path));
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const Status failed = Status::IoError(Errno("cannot write", path));
      close(fd);
      return failed;
    }
    done += size_t(n);
  }
  if (fsync(fd) != 0) {
    const Status failed = Status::IoError(Errno("cannot flush", path));
    close(fd);
    return failed;
  }
  if (close(fd) != 0) return Status::IoError(Errno("cannot close", path));
  const size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "."
                          : slash == 0               ? "/"
                                                     : path.substr(0, slash);
  const int dfd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) return Status::IoError(Errno("cannot open the folder", dir));
  const bool synced = fsync(dfd) == 0;
  close(dfd);
  if (!synced) return Status::IoError(Errno("cannot flush the folder", dir));
  return Status::Ok();
}

Status RunExport(Context& ctx, const ExportOptions& o) {
  std::optional<UnixTime> since;
  if (!o.since.empty()) {
    WAYPOST_ASSIGN_OR_RETURN(const int64_t back, ParseDuration(o.since));
    since = ctx.clock().Now() - back;
  }
  WAYPOST_RETURN_IF_ERROR(CheckTarget(o.file));
  WAYPOST_ASSIGN_OR_RETURN(std::unique_ptr<node::Node> node, ctx.OpenNode());
  WAYPOST_ASSIGN_OR_RETURN(const std::vector<Bytes> envelopes,
                           node->ExportEnvelopes(o.for_name, since));
  if (envelopes.empty()) {
    if (ctx.globals().json) ctx.Json({{"file", nullptr}, {"envelopes", 0}, {"bytes", 0}});
    ctx.Note("Nothing waits to go out" + (o.for_name.empty() ? "" : " to " + o.for_name) +
             "; no file was written.");
    return Status::Ok();
  }
  WAYPOST_ASSIGN_OR_RETURN(const Bytes bundle, envelope::WriteBundle(envelopes, ctx.random()));
  WAYPOST_RETURN_IF_ERROR(WriteDurably(o.file, bundle));
  if (ctx.globals().json) {
    ctx.Json({{"file", o.file}, {"envelopes", envelopes.size()}, {"bytes", bundle.size()}});
  }
  ctx.Note(Printable("Wrote " + std::to_string(envelopes.size()) + " envelope(s) to " + o.file +
                     " (" + std::to_string(bundle.size()) + " bytes)."));
  ctx.Note(
      "They also stay queued for the next sync: whichever path arrives first counts, and only "
      "once.");
  return Status::Ok();
}

// The whole file through a BundleReader, in pieces: a file larger than any
// bundle is refused before it is read.
Result<envelope::BundleReader> ReadBundle(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) {
    return errno == ENOENT ? Status::NotFound("no file at " + path)
                           : Status::IoError(Errno("cannot look at", path));
  }
  if (!S_ISREG(st.st_mode)) return Status::InvalidArgument(path + " is not a regular file");
  if (uint64_t(st.st_size) > envelope::kMaxBundleBytes) {
    return Status::InvalidArgument(path + " is larger than any bundle (" +
                                   std::to_string(envelope::kMaxBundleBytes >> 20) +
                                   " MiB); nothing was read");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IoError(Errno("cannot open", path));
  envelope::BundleReader reader;
  std::vector<char> chunk(1 << 16);
  while (in) {
    in.read(chunk.data(), std::streamsize(chunk.size()));
    const std::streamsize n = in.gcount();
    if (n > 0) reader.Feed({reinterpret_cast<const uint8_t*>(chunk.data()), size_t(n)});
  }
  if (in.bad()) return Status::IoError(Errno("cannot read", path));
  reader.Finish();
  return reader;
}

// "Took in 2, already here 1, carried 3 for others": what the counts of
// one import mean, on stderr.
void NoteTakeIn(Context& ctx, const node::Node::TakeInReport& r) {
  std::string line = "Took in " + std::to_string(r.counts.accepted) + " envelope(s)";
  const size_t here = r.counts.duplicate + r.own;
  if (here > 0) line += ", " + std::to_string(here) + " already here";
  if (r.carried + r.already_carried > 0) {
    line += "; carrying " + std::to_string(r.carried + r.already_carried) +
            " for others (they go on with the next sync or bundle export)";
  }
  ctx.Note(line + ".");
  if (r.not_carried > 0) {
    ctx.Note("waypost: warning: " + std::to_string(r.not_carried) +
             " envelope(s) for others were not kept: expired, or past what this device carries");
  }
}

void PrintNews(Context& ctx, const node::SyncNews& news, nlohmann::json json) {
  for (const node::ContactInfo& c : news.failed_signups) ctx.Note(SignUpFailedAdvice(c.name));
  if (ctx.globals().json) {
    json["events"] = NewsJson(news);
    ctx.Json(json);
    return;
  }
  std::string out;
  for (const std::string& line : NewsLines(news, ctx.clock().Now())) out += Printable(line) + "\n";
  ctx.Out(out.empty() ? "Nothing new.\n" : out);
}

Status RunImport(Context& ctx, const std::string& file) {
  WAYPOST_ASSIGN_OR_RETURN(envelope::BundleReader reader, ReadBundle(file));
  if (!reader.LooksLikeBundle()) {
    return Status::InvalidArgument(file + " is not a Waypost bundle: nothing in it could be read");
  }
  const std::vector<Bytes> envelopes = reader.TakeEnvelopes();
  WAYPOST_ASSIGN_OR_RETURN(std::unique_ptr<node::Node> node, ctx.OpenNode());
  WAYPOST_ASSIGN_OR_RETURN(const node::NewsWatch watch, node::NewsWatch::Start(*node));
  WAYPOST_ASSIGN_OR_RETURN(const node::Node::TakeInReport r, node->TakeIn(envelopes, true));
  WAYPOST_ASSIGN_OR_RETURN(const node::SyncNews news, watch.Collect(*node, ctx.clock().Now()));
  const size_t bad = reader.Bad() + r.counts.rejected;
  NoteTakeIn(ctx, r);
  if (bad > 0) {
    ctx.Note("waypost: warning: " + std::to_string(bad) + " envelope(s) in " + file +
             " were damaged, cut off or forged, and were left out; everything intact was taken "
             "in. Ask for the bundle again if something is missing.");
  }
  PrintNews(ctx, news,
            {{"accepted", r.counts.accepted},
             {"duplicate", r.counts.duplicate + r.own},
             {"carried", r.carried + r.already_carried},
             {"not_carried", r.not_carried},
             {"bad", bad}});
  return Status::Ok();
}

Status RunArmor(Context& ctx, const std::string& id) {
  WAYPOST_ASSIGN_OR_RETURN(std::unique_ptr<node::Node> node, ctx.OpenNode());
  WAYPOST_ASSIGN_OR_RETURN(const Bytes envelope, node->EnvelopeFor(id));
  return PrintArmored(ctx, envelope);
}

// A paste at the terminal goes on while its last piece is still short.
bool ArmorMayContinue(std::string_view text) {
  const envelope::Dearmored d = envelope::Dearmor(text);
  return !d.pieces.empty() && d.pieces.back().kind == envelope::ArmorPiece::Kind::kIncomplete;
}

// Why a piece could not be read, in words; numbered when there are several.
std::string PieceProblem(const envelope::ArmorPiece& p, size_t index, size_t count) {
  const std::string which =
      count > 1 ? "text " + std::to_string(index + 1) + " of " + std::to_string(count)
                : std::string("the text");
  if (p.kind == envelope::ArmorPiece::Kind::kIncomplete) {
    return which + " is incomplete: " + std::to_string(p.missing) +
           " character(s) are missing at the end; ask for it again or copy all of it";
  }
  return which + " is damaged (" + p.detail + "); ask for it again";
}

Status RunUnarmor(Context& ctx) {
  WAYPOST_ASSIGN_OR_RETURN(
      Secret text, ctx.ReadText("text", "Paste the text (wp1:…): ", envelope::kMaxArmorInput,
                                /*secret=*/false, ArmorMayContinue));
  const envelope::Dearmored d = envelope::Dearmor(Context::View(text));
  if (d.too_long) return Status::InvalidArgument("the text is too long to be armored envelopes");
  if (d.pieces.empty()) {
    return Status::InvalidArgument(
        "no armored text found: it starts with \"wp1:\"; copy all of it");
  }
  std::vector<Bytes> envelopes;
  std::vector<std::string> problems;
  for (size_t i = 0; i < d.pieces.size(); ++i) {
    const envelope::ArmorPiece& p = d.pieces[i];
    if (p.kind == envelope::ArmorPiece::Kind::kEnvelope) {
      envelopes.push_back(p.envelope);
    } else {
      problems.push_back(PieceProblem(p, i, d.pieces.size()));
    }
  }
  if (envelopes.empty()) {
    return Status::InvalidArgument(problems.front() + "; nothing was taken in");
  }
  WAYPOST_ASSIGN_OR_RETURN(std::unique_ptr<node::Node> node, ctx.OpenNode());
  WAYPOST_ASSIGN_OR_RETURN(const node::NewsWatch watch, node::NewsWatch::Start(*node));
  // Text goes from one person to another: what is not ours was altered on
  // the way, or sent to the wrong person. It is refused, not carried.
  WAYPOST_ASSIGN_OR_RETURN(const node::Node::TakeInReport r, node->TakeIn(envelopes, false));
  WAYPOST_ASSIGN_OR_RETURN(const node::SyncNews news, watch.Collect(*node, ctx.clock().Now()));
  const size_t refused = r.counts.rejected + r.counts.not_ours - r.own;
  if (r.own > 0) {
    ctx.Note(std::string(r.own > 1 ? "These are" : "This is") +
             " your own, not for you to take in: send the text to whom it is for.");
  }
  if (r.counts.accepted == 0 && r.counts.duplicate == 0) {
    if (refused == 0) {
      PrintNews(ctx, news, {{"accepted", 0}, {"duplicate", r.own}, {"refused", 0}, {"bad", 0}});
      return Status::Ok();
    }
    return Status::InvalidArgument(
        std::string(refused > 1 ? "these texts do" : "the text does") +
        " not open here: altered on the way, or meant for someone else; nothing was taken in");
  }
  for (const std::string& p : problems) ctx.Note("waypost: warning: " + p);
  if (refused > 0) {
    ctx.Note("waypost: warning: " + std::to_string(refused) +
             " text(s) did not open here (altered on the way, or meant for someone else) and "
             "were left out");
  }
  if (r.counts.duplicate > 0 && r.counts.accepted == 0) {
    ctx.Note("Already here: it came earlier by another path; nothing changed.");
  } else {
    ctx.Note("Took in " + std::to_string(r.counts.accepted) + " envelope(s).");
  }
  PrintNews(ctx, news,
            {{"accepted", r.counts.accepted},
             {"duplicate", r.counts.duplicate},
             {"refused", refused},
             {"bad", problems.size()}});
  return Status::Ok();
}

}  // namespace

Status PrintArmored(Context& ctx, ByteView envelope) {
  const std::string text = envelope::Armor(envelope);
  ctx.Out(text + "\n");
  if (text.size() <= kSmsCharacters) {
    ctx.Note(std::to_string(text.size()) + " characters: one SMS.");
  } else {
    ctx.Note(std::to_string(text.size()) + " characters: more than one SMS (" +
             std::to_string(kSmsCharacters) + "). A shorter note fits one.");
  }
  return Status::Ok();
}

void AddOfflineCommands(CLI::App& app, Action& chosen) {
  CLI::App* b = app.add_subcommand("bundle", "Envelopes in a file, for a USB stick");
  b->require_subcommand(1);
  auto out = std::make_shared<ExportOptions>();
  CLI::App* e = b->add_subcommand("export", "Write what waits to go out (and what you carry)");
  e->add_option("FILE", out->file, "The bundle file to write")->required();
  e->add_option("--for", out->for_name, "Only your own envelopes to this contact");
  e->add_option("--since", out->since, "Only what was queued this recently")->type_name("DUR");
  e->callback([&chosen, out] { chosen = [out](Context& ctx) { return RunExport(ctx, *out); }; });

  auto in = std::make_shared<std::string>();
  CLI::App* i = b->add_subcommand("import", "Take in a bundle, carrying on what is for others");
  i->add_option("FILE", *in, "The bundle file to read")->required();
  i->callback([&chosen, in] { chosen = [in](Context& ctx) { return RunImport(ctx, *in); }; });

  auto id = std::make_shared<std::string>();
  CLI::App* a = app.add_subcommand("armor", "Print a queued envelope as one line of text (SMS)");
  a->add_option("ID", *id, "A message's id (`waypost inbox`); for a received one, the reply to it")
      ->required();
  a->callback([&chosen, id] { chosen = [id](Context& ctx) { return RunArmor(ctx, *id); }; });

  CLI::App* u = app.add_subcommand("unarmor", "Take in armored text, read at a prompt or on stdin");
  RefuseTextArgument(u, "TEXT", "armored text", "paste it at the prompt or pipe it on stdin");
  u->callback([&chosen] { chosen = RunUnarmor; });
}

}  // namespace waypost::cli
