#include "gateway/gateway_config.hpp"

#include "ops/http_listener.hpp"

#include <cctype>
#include <filesystem>
#include <fstream>
#include <set>
#include <toml.hpp>

namespace finp2p::gateway {
namespace {

namespace fs = std::filesystem;

Error invalid(const std::string& path, const std::string& what) {
  return makeError(ErrorCode::kInvalidArgument, path + ": " + what);
}

}  // namespace

Result<GatewayConfig> loadGatewayConfig(const std::string& path) {
  auto ledgers = config::loadLedgerConfigs(path);  // also: the file exists and parses
  if (!ledgers) return ledgers.error();
  GatewayConfig c;
  c.path = path;
  c.ledgers = std::move(*ledgers);
  try {
    auto root = toml::parse(path);
    static const std::set<std::string> known{"listen",   "database",         "base_path",
                                             "threads",  "answer_within_ms", "poll_interval_ms",
                                             "decimals", "ledger",           "auth_token_file"};
    for (const auto& [key, value] : root.as_table()) {
      if (!known.count(key)) {
        return invalid(path, "unknown key \"" + key +
                                 "\" (known: listen, database, base_path, threads, "
                                 "answer_within_ms, poll_interval_ms, auth_token_file, "
                                 "[decimals], [[ledger]])");
      }
    }
    fs::path base = fs::absolute(fs::path(path)).parent_path();
    c.listenAddress = toml::find_or<std::string>(root, "listen", "");
    if (c.listenAddress.find(':') == std::string::npos) {
      return invalid(path, "key \"listen\": host:port is required");
    }
    std::string database = toml::find_or<std::string>(root, "database", "");
    if (database.empty()) return invalid(path, "key \"database\": a file path is required");
    c.databasePath = fs::path(database).is_absolute() ? database : (base / database).string();
    c.basePath = toml::find_or<std::string>(root, "base_path", "");
    if (!c.basePath.empty() && (c.basePath.front() != '/' || c.basePath.back() == '/')) {
      return invalid(path, "key \"base_path\": starts with / and does not end with one");
    }
    std::string tokenFile = toml::find_or<std::string>(root, "auth_token_file", "");
    if (!tokenFile.empty()) {
      fs::path file = fs::path(tokenFile).is_absolute() ? fs::path(tokenFile) : base / tokenFile;
      std::ifstream in(file);
      std::string token;
      if (!in || !std::getline(in, token)) {
        return invalid(path, "key \"auth_token_file\": cannot read " + file.string());
      }
      while (!token.empty() && std::isspace(static_cast<unsigned char>(token.back()))) {
        token.pop_back();
      }
      if (token.size() < 32) {
        return invalid(path, "key \"auth_token_file\": the token in " + file.string() +
                                 " has fewer than 32 characters");
      }
      c.authToken = token;
    }
    if (c.authToken.empty() && !ops::isLoopbackAddress(c.listenAddress)) {
      return invalid(path, "key \"listen\": " + c.listenAddress +
                               " is not a loopback address, and without auth_token_file anyone "
                               "who reaches it can move every holding of the ledgers served");
    }
    c.threads = static_cast<int>(toml::find_or<int64_t>(root, "threads", c.threads));
    c.answerWithinMillis = toml::find_or<int64_t>(root, "answer_within_ms", c.answerWithinMillis);
    c.pollIntervalMillis = toml::find_or<int64_t>(root, "poll_interval_ms", c.pollIntervalMillis);
    if (root.contains("decimals")) {
      for (const auto& [asset, value] : toml::find(root, "decimals").as_table()) {
        if (!value.is_integer() || value.as_integer() < 0 || value.as_integer() > 18) {
          return invalid(path, "[decimals] \"" + asset + "\": an integer from 0 to 18");
        }
        c.decimals[asset] = static_cast<uint32_t>(value.as_integer());
      }
    }
    if (c.threads < 1 || c.threads > 256) return invalid(path, "key \"threads\": 1 to 256");
    if (c.answerWithinMillis < 0 || c.pollIntervalMillis < 1) {
      return invalid(path, "answer_within_ms must be >= 0 and poll_interval_ms >= 1");
    }
  } catch (const std::exception& e) {
    return invalid(path, e.what());
  }
  if (c.ledgers.empty()) return invalid(path, "at least one [[ledger]] is required");
  return c;
}

}  // namespace finp2p::gateway
