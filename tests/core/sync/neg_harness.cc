// neg_harness: our Negentropy engine (core/sync/negentropy.h) behind the
// line protocol of the shared test kit's peer.mjs, so that drive.mjs can run
// it against the reference peer in either role (docs/reconciliation.md).
//
//   in : item,<timestamp>,<64 hex>  seal  initiate  msg,<hex> (or bare <hex>)
//   out: msg,<hex>  have,<id>  need,<id>  done  error,<text>
//
// FRAMESIZELIMIT in the environment sets the frame-size limit. Bad input
// gets one error line, and the harness keeps running.
#include <algorithm>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "core/bytes.h"
#include "core/sync/negentropy.h"

namespace waypost::sync {
namespace {

class Harness {
 public:
  explicit Harness(size_t limit) : limit_(limit) {}

  void Line(const std::string& line) {
    if (line.empty()) return;
    if (line.rfind("item,", 0) == 0) return AddItem(line.substr(5));
    if (line == "seal") return Seal();
    if (line == "initiate") return Initiate();
    if (line.rfind("msg,", 0) == 0) return Message(line.substr(4));
    return Message(line);
  }

 private:
  void Error(const std::string& text) { std::cout << "error," << text << std::endl; }

  void AddItem(const std::string& rest) {
    const size_t comma = rest.find(',');
    if (sealed_ || comma == std::string::npos) return Error("bad item line");
    const std::optional<Bytes> id = FromHex(rest.substr(comma + 1));
    if (!id || id->size() != kNegIdSize) return Error("bad id");
    NegItem item;
    try {
      item.timestamp = std::stoull(rest.substr(0, comma));
    } catch (const std::exception&) {
      return Error("bad timestamp");
    }
    std::copy(id->begin(), id->end(), item.id.begin());
    items_.push_back(item);
  }

  void Seal() {
    Result<NegStorage> storage = NegStorage::Create(std::move(items_));
    if (!storage.ok()) return Error(storage.status().message());
    storage_ = std::move(storage).value();
    sealed_ = true;
  }

  void Initiate() {
    if (!storage_) return Error("initiate before seal");
    Result<NegentropyClient> client = NegentropyClient::Create(std::move(*storage_), limit_);
    storage_.reset();
    if (!client.ok()) return Error(client.status().message());
    client_.emplace(std::move(client).value());
    Result<Bytes> first = client_->Initiate();
    if (!first.ok()) return Error(first.status().message());
    std::cout << "msg," << ToHex(*first) << std::endl;
  }

  void Message(const std::string& hex) {
    const std::optional<Bytes> bytes = FromHex(hex);
    if (!bytes) return Error("bad hex");
    if (client_) return ClientMessage(*bytes);
    if (!server_) {
      if (!storage_) return Error("message before seal");
      Result<NegentropyServer> server = NegentropyServer::Create(std::move(*storage_), limit_);
      storage_.reset();
      if (!server.ok()) return Error(server.status().message());
      server_.emplace(std::move(server).value());
    }
    Result<Bytes> reply = server_->Reconcile(*bytes);
    if (!reply.ok()) return Error(reply.status().message());
    std::cout << "msg," << ToHex(*reply) << std::endl;
  }

  void ClientMessage(const Bytes& bytes) {
    std::vector<NegId> have, need;
    Result<std::optional<Bytes>> next = client_->Reconcile(bytes, &have, &need);
    if (!next.ok()) return Error(next.status().message());
    for (const NegId& id : have) std::cout << "have," << ToHex(id) << "\n";
    for (const NegId& id : need) std::cout << "need," << ToHex(id) << "\n";
    if (*next) {
      std::cout << "msg," << ToHex(**next) << std::endl;
    } else {
      std::cout << "done" << std::endl;
    }
  }

  const size_t limit_;
  std::vector<NegItem> items_;
  bool sealed_ = false;
  std::optional<NegStorage> storage_;
  std::optional<NegentropyClient> client_;
  std::optional<NegentropyServer> server_;
};

}  // namespace
}  // namespace waypost::sync

int main() {
  const char* limit = std::getenv("FRAMESIZELIMIT");
  waypost::sync::Harness harness(limit != nullptr ? std::strtoull(limit, nullptr, 10) : 0);
  for (std::string line; std::getline(std::cin, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    harness.Line(line);
  }
  return 0;
}
