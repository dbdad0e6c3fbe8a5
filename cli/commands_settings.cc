// settings: list the node's settings, or set one (`settings KEY VALUE`).
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "cli/commands.h"
#include "cli/format.h"

namespace waypost::cli {
namespace {

constexpr int64_t kDay = 86'400;

struct SettingsOptions {
  std::string key;
  std::string value;
};

// The shortest whole-unit form ParseDuration reads back: "30d", "36h", "90s".
std::string FormatDuration(int64_t seconds) {
  for (const auto& [unit, size] :
       {std::pair{"d", kDay}, {"h", int64_t{3600}}, {"m", int64_t{60}}}) {
    if (seconds % size == 0) return std::to_string(seconds / size) + unit;
  }
  return std::to_string(seconds) + "s";
}

// Every setting as shown and as `settings KEY VALUE` takes it, in order.
std::vector<std::pair<std::string, std::string>> Shown(const node::NodeSettings& s) {
  return {
      {"retention", s.retention_seconds ? FormatDuration(*s.retention_seconds) : "keep"},
      {"delivery-window", FormatDuration(s.delivery_window_epochs * kDay)},
      {"proxy", s.proxy.empty() ? "none" : s.proxy},
  };
}

Status UnknownKey(const std::string& key) {
  return Status::InvalidArgument("unknown setting \"" + key +
                                 "\"; the settings are retention, delivery-window and proxy");
}

Status SetOne(Context& ctx, node::Node& node, const std::string& key, const std::string& value) {
  if (key == "retention") {
    if (value == "keep") {
      WAYPOST_RETURN_IF_ERROR(node.SetRetention(std::nullopt));
      ctx.Note(
          "Messages are now kept until you change this: they stay on this device, and "
          "anyone who gets it and its passphrase can read them.");
      return Status::Ok();
    }
    WAYPOST_ASSIGN_OR_RETURN(int64_t seconds, ParseDuration(value));
    WAYPOST_RETURN_IF_ERROR(node.SetRetention(seconds));
    ctx.Note("Messages older than " + FormatDuration(seconds) +
             " are deleted whenever the store is opened.");
    return Status::Ok();
  }
  if (key == "delivery-window") {
    WAYPOST_ASSIGN_OR_RETURN(int64_t seconds, ParseDuration(value));
    if (seconds % kDay != 0) {
      return Status::InvalidArgument("the delivery window is whole days, 1d to 28d");
    }
    WAYPOST_RETURN_IF_ERROR(node.SetDeliveryWindow(seconds / kDay));
    ctx.Note("Envelopes you send now expire after " + FormatDuration(seconds) +
             ", and keys older than that are erased whenever the store is opened.");
    return Status::Ok();
  }
  if (key == "proxy") {
    if (value == "none") {
      WAYPOST_RETURN_IF_ERROR(node.SetProxy(""));
      ctx.Note("No proxy: sync, watch and relay peers connect directly.");
      return Status::Ok();
    }
    WAYPOST_RETURN_IF_ERROR(ParseProxyUrl(value).status());
    WAYPOST_RETURN_IF_ERROR(node.SetProxy(value));
    ctx.Note("sync, watch and relay peers now connect only through " + value +
             "; when it cannot be reached they fail, and never connect directly.");
    return Status::Ok();
  }
  return UnknownKey(key);
}

Status RunSettings(Context& ctx, const SettingsOptions& o) {
  // A mistyped key is reported before anyone is asked for a passphrase.
  if (!o.key.empty() && o.key != "retention" && o.key != "delivery-window" && o.key != "proxy") {
    return UnknownKey(o.key);
  }
  WAYPOST_ASSIGN_OR_RETURN(std::unique_ptr<node::Node> node, ctx.OpenNode());
  if (!o.value.empty()) return SetOne(ctx, *node, o.key, o.value);
  const auto shown = Shown(node->settings());
  if (!o.key.empty()) {  // one value, alone, for scripts
    for (const auto& [k, v] : shown) {
      if (k == o.key) ctx.Out(v + "\n");
    }
    return Status::Ok();
  }
  if (ctx.globals().json) {
    nlohmann::json obj = nlohmann::json::object();
    for (const auto& [k, v] : shown) obj[k] = v;
    ctx.Json(obj);
    return Status::Ok();
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& [k, v] : shown) rows.push_back({k, v});
  ctx.Out(Table({"SETTING", "VALUE"}, rows));
  return Status::Ok();
}

}  // namespace

void AddSettingsCommands(CLI::App& app, Action& chosen) {
  auto o = std::make_shared<SettingsOptions>();
  CLI::App* s = app.add_subcommand(
      "settings",
      "Show settings, or set one: retention (30d, or keep), delivery-window (1d-28d), proxy "
      "(socks5://HOST:PORT, or none)");
  s->add_option("KEY", o->key, "retention, delivery-window or proxy");
  s->add_option("VALUE", o->value,
                "A duration such as 90d (retention also takes keep); for proxy, "
                "socks5://HOST:PORT or none");
  s->callback([&chosen, o] { chosen = [o](Context& ctx) { return RunSettings(ctx, *o); }; });
}

}  // namespace waypost::cli
