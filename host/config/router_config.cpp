// The one translation unit that parses TOML (toml11 is slow to compile).
#include "config/router_config.hpp"

#include "common/files.hpp"

#include <cstdio>
#include <filesystem>
#include <set>
#include <sstream>
#include <toml.hpp>

#include "finp2p/ledger/decimal.hpp"
#include "finp2p/ledger/toml_config.hpp"
#include "finp2p/ledger/types.hpp"
#include "model/resource_id.hpp"

namespace finp2p::config {

const char* isolationName(Isolation isolation) {
  return isolation == Isolation::kProcess ? "process" : "in-process";
}

namespace {

namespace fs = std::filesystem;

// A configuration error at a TOML value: toml11 renders "file:line" and the offending line.
struct ConfigError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

[[noreturn]] void fail(const toml::value& at, const std::string& key, const std::string& what) {
  throw ConfigError(toml::format_error("key \"" + key + "\": " + what, at, "here"));
}

std::string requiredString(const toml::value& table, const std::string& key,
                           const std::string& where) {
  if (!table.contains(key)) fail(table, key, "missing in " + where);
  const auto& v = table.at(key);
  if (!v.is_string()) fail(v, key, "must be a string");
  std::string s = v.as_string().str;
  if (s.empty()) fail(v, key, "must not be empty");
  return s;
}

std::string resolve(const fs::path& base, const std::string& p) {
  fs::path path(p);
  return path.is_absolute() ? p : (base / path).lexically_normal().string();
}

void checkAddress(const toml::value& table, const std::string& key, const std::string& address,
                  bool allowUnix) {
  if (allowUnix && address.rfind("unix:", 0) == 0) return;
  auto colon = address.rfind(':');
  bool ok = colon != std::string::npos && colon > 0 && colon + 1 < address.size() &&
            address.find_first_not_of("0123456789", colon + 1) == std::string::npos;
  if (!ok) fail(table.at(key), key, "\"" + address + "\" is not host:port");
  int port = std::stoi(address.substr(colon + 1));
  if (port <= 0 || port > 65535) fail(table.at(key), key, "port out of range");
}

// A key this file does not know is refused, not ignored: a misspelt setting
// (agreement_timeout_secs) would otherwise silently keep its default.
void refuseUnknownKeys(const toml::value& table, std::initializer_list<const char*> known,
                       const std::string& where) {
  if (!table.is_table()) return;
  for (const auto& [key, value] : table.as_table()) {
    bool ok = false;
    for (const char* k : known) ok = ok || key == k;
    if (ok) continue;
    std::string list;
    for (const char* k : known) list += (list.empty() ? "" : ", ") + std::string(k);
    fail(value, key, "unknown in " + where + " (known keys: " + list + ")");
  }
}

int64_t positiveInteger(const toml::value& table, const std::string& key, int64_t fallback) {
  if (!table.contains(key)) return fallback;
  const auto& v = table.at(key);
  if (!v.is_integer() || v.as_integer() <= 0) fail(v, key, "must be a positive integer");
  return v.as_integer();
}

int64_t nonNegativeInteger(const toml::value& table, const std::string& key, int64_t fallback) {
  if (!table.contains(key)) return fallback;
  const auto& v = table.at(key);
  if (!v.is_integer() || v.as_integer() < 0) fail(v, key, "must be a non-negative integer");
  return v.as_integer();
}

bool optionalBool(const toml::value& table, const std::string& key, bool fallback) {
  if (!table.contains(key)) return fallback;
  const auto& v = table.at(key);
  if (!v.is_boolean()) fail(v, key, "must be true or false");
  return v.as_boolean();
}

std::vector<LedgerConfig> parseLedgers(const toml::value& root, const fs::path& base) {
  std::vector<LedgerConfig> ledgers;
  if (!root.contains("ledger")) return ledgers;
  const auto& array = root.at("ledger");
  if (!array.is_array()) fail(array, "ledger", "must be an array of tables ([[ledger]])");
  std::set<std::string> names, assets;
  for (const auto& t : array.as_array()) {
    if (!t.is_table()) fail(t, "ledger", "each [[ledger]] must be a table");
    refuseUnknownKeys(
        t,
        {"name", "plugin", "sha256", "assets", "config", "threads", "call_timeout_secs",
         "reload_drain_timeout_secs", "isolation", "max_crashes_per_operation"},
        "[[ledger]]");
    LedgerConfig l;
    l.name = requiredString(t, "name", "[[ledger]]");
    if (!names.insert(l.name).second)
      fail(t.at("name"), "name", "ledger \"" + l.name + "\" is defined twice");
    l.pluginPath = resolve(base, requiredString(t, "plugin", "[[ledger]]"));
    if (t.contains("sha256")) {
      l.sha256 = requiredString(t, "sha256", "[[ledger]]");
      if (l.sha256.size() != 64 ||
          l.sha256.find_first_not_of("0123456789abcdef") != std::string::npos) {
        fail(t.at("sha256"), "sha256", "must be 64 lowercase hex digits");
      }
    }
    if (!t.contains("assets") || !t.at("assets").is_array() || t.at("assets").as_array().empty()) {
      fail(t, "assets", "[[ledger]] \"" + l.name + "\" needs a non-empty array of asset ids");
    }
    for (const auto& a : t.at("assets").as_array()) {
      if (!a.is_string() || a.as_string().str.empty())
        fail(a, "assets", "asset ids are non-empty strings");
      if (!assets.insert(a.as_string().str).second) {
        fail(a, "assets", "asset \"" + a.as_string().str + "\" is served by two ledgers");
      }
      l.assets.push_back(a.as_string().str);
    }
    l.threads = static_cast<int>(positiveInteger(t, "threads", l.threads));
    if (l.threads > 64) fail(t.at("threads"), "threads", "at most 64");
    l.callTimeoutMillis = positiveInteger(t, "call_timeout_secs", 30) * 1000;
    l.reloadDrainTimeoutMillis = positiveInteger(t, "reload_drain_timeout_secs", 60) * 1000;
    if (t.contains("isolation")) {
      std::string isolation = requiredString(t, "isolation", "[[ledger]]");
      if (isolation == "process") {
        l.isolation = Isolation::kProcess;
      } else if (isolation != "in-process") {
        fail(t.at("isolation"), "isolation", "must be \"in-process\" or \"process\"");
      }
    }
    if (t.contains("max_crashes_per_operation")) {
      // Only a child process can crash without taking the router with it.
      if (l.isolation != Isolation::kProcess) {
        fail(t.at("max_crashes_per_operation"), "max_crashes_per_operation",
             "applies only with isolation = \"process\"");
      }
      l.maxCrashesPerOperation =
          static_cast<int>(positiveInteger(t, "max_crashes_per_operation", 3));
      if (l.maxCrashesPerOperation > 100) {
        fail(t.at("max_crashes_per_operation"), "max_crashes_per_operation", "at most 100");
      }
    }
    if (t.contains("config")) {
      if (!t.at("config").is_table()) fail(t.at("config"), "config", "must be a table");
      ledger::flattenToml(t.at("config"), "", l.pluginConfig);
      // The SDK's opening-balance convention (issueOpeningBalances): checked here so that a
      // router that would refuse to start is refused by --check-config already.
      for (const auto& [key, value] : l.pluginConfig) {
        auto dot = key.rfind('.');
        if (key.rfind("opening_balances.", 0) == 0 && dot != std::string::npos &&
            key.substr(dot) == ".amount" && !ledger::Decimal::parse(value)) {
          fail(
              t.at("config"), key,
              "\"" + value + "\" is not a non-negative decimal amount (ledger \"" + l.name + "\")");
        }
      }
    }
    // Relative paths in the plugin's configuration resolve against this file, like ours.
    l.pluginConfig.emplace_back(ledger::Config::kConfigDirKey, fs::absolute(base).string());
    ledgers.push_back(std::move(l));
  }
  return ledgers;
}

// toml11 renders "[error] what\n --> file\n   |\n 2 | line\n   | ^--- hint". Operators grep
// for "file:line:", so lead with that and keep toml11's picture of the line below it.
std::string withLocation(const std::string& toml11Message) {
  auto arrow = toml11Message.find(" --> ");
  if (arrow == std::string::npos) return toml11Message;
  auto fileEnd = toml11Message.find('\n', arrow);
  std::string file = toml11Message.substr(arrow + 5, fileEnd - arrow - 5);
  std::string line;
  for (auto pos = fileEnd; pos != std::string::npos; pos = toml11Message.find('\n', pos + 1)) {
    auto bar = toml11Message.find(" | ", pos);
    if (bar == std::string::npos) break;
    std::string number = toml11Message.substr(pos + 1, bar - pos - 1);
    number.erase(0, number.find_first_not_of(' '));
    if (!number.empty() && number.find_first_not_of("0123456789") == std::string::npos) {
      line = number;
      break;
    }
  }
  std::string what = toml11Message.substr(0, arrow);
  if (what.rfind("[error] ", 0) == 0) what = what.substr(8);
  while (!what.empty() && (what.back() == '\n' || what.back() == ' ')) what.pop_back();
  return file + (line.empty() ? "" : ":" + line) + ": " + what + "\n" +
         toml11Message.substr(fileEnd + 1);
}

// TOML is UTF-8 by definition; toml11 3.7.1 reads past the end of its buffer on some invalid
// sequences inside multi-line strings (found by fuzz_config, twice: first a stray continuation
// byte, then a 0xF6 lead byte our first check let through), so text that is not strictly valid
// UTF-8, or holds control characters TOML forbids, never reaches it.
// Length of the well-formed UTF-8 sequence at text[i] (RFC 3629: no overlong forms, no
// surrogates, nothing above U+10FFFF), or 0.
std::size_t utf8SequenceLength(const std::string& text, std::size_t i) {
  auto at = [&](std::size_t k) { return static_cast<unsigned char>(text[i + k]); };
  auto in = [](unsigned char b, unsigned char lo, unsigned char hi) { return b >= lo && b <= hi; };
  unsigned char b0 = at(0);
  std::size_t left = text.size() - i;
  if (b0 < 0x80) return 1;
  if (in(b0, 0xC2, 0xDF)) return left >= 2 && in(at(1), 0x80, 0xBF) ? 2 : 0;
  if (in(b0, 0xE0, 0xEF)) {
    if (left < 3 || !in(at(2), 0x80, 0xBF)) return 0;
    unsigned char lo = b0 == 0xE0 ? 0xA0 : 0x80, hi = b0 == 0xED ? 0x9F : 0xBF;
    return in(at(1), lo, hi) ? 3 : 0;
  }
  if (in(b0, 0xF0, 0xF4)) {
    if (left < 4 || !in(at(2), 0x80, 0xBF) || !in(at(3), 0x80, 0xBF)) return 0;
    unsigned char lo = b0 == 0xF0 ? 0x90 : 0x80, hi = b0 == 0xF4 ? 0x8F : 0xBF;
    return in(at(1), lo, hi) ? 4 : 0;
  }
  return 0;
}

// TOML allows no control characters but tab, line feed and carriage return.
bool forbiddenControl(unsigned char b) {
  return (b < 0x20 && b != '\t' && b != '\n' && b != '\r') || b == 0x7F;
}

std::string firstInvalidUtf8(const std::string& text) {
  std::size_t line = 1, column = 1;
  for (std::size_t i = 0; i < text.size();) {
    auto byte = static_cast<unsigned char>(text[i]);
    std::size_t length = utf8SequenceLength(text, i);
    if (length == 0 || forbiddenControl(byte)) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "0x%02X", byte);
      return std::string(length == 0 ? "not valid UTF-8" : "a control character") + " (byte " +
             hex + " at line " + std::to_string(line) + ", column " + std::to_string(column) + ")";
    }
    if (byte == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
    i += length;
  }
  return "";
}

toml::value parseText(const std::string& text, const std::string& name) {
  if (auto bad = firstInvalidUtf8(text); !bad.empty()) throw ConfigError(name + ": " + bad);
  std::istringstream in(text);
  return toml::parse(in, name);
}

toml::value parseFile(const std::string& path) {
  auto text = readFile(path);
  if (!text) throw std::runtime_error(text.error().message);
  return parseText(*text, path);
}

template <typename Parse, typename Fn>
auto guardedParse(const std::string& path, Parse&& parse, Fn&& fn)
    -> Result<decltype(fn(toml::value{}, fs::path{}))> {
  try {
    auto root = parse();
    fs::path base = fs::absolute(fs::path(path)).parent_path();
    return fn(root, base);
  } catch (const ConfigError& e) {
    return makeError(ErrorCode::kInvalidArgument, withLocation(e.what()));
  } catch (const toml::syntax_error& e) {
    return makeError(ErrorCode::kInvalidArgument, withLocation(e.what()));
  } catch (const toml::type_error& e) {
    return makeError(ErrorCode::kInvalidArgument, withLocation(e.what()));
  } catch (const std::runtime_error& e) {  // toml11: cannot open the file
    return makeError(ErrorCode::kNotFound, path + ": " + e.what());
  }
}

}  // namespace

Result<std::vector<LedgerConfig>> loadLedgerConfigs(const std::string& path) {
  return guardedParse(
      path, [&] { return parseFile(path); },
      [](const toml::value& root, const fs::path& base) { return parseLedgers(root, base); });
}

namespace {
RouterConfig routerFromToml(const toml::value& root, const fs::path& base, const std::string& path);
}  // namespace

Result<RouterConfig> loadRouterConfig(const std::string& path) {
  return guardedParse(
      path, [&] { return parseFile(path); },
      [&](const toml::value& root, const fs::path& base) {
        return routerFromToml(root, base, path);
      });
}

Result<RouterConfig> parseRouterConfig(const std::string& text, const std::string& name) {
  return guardedParse(
      name, [&] { return parseText(text, name); },
      [&](const toml::value& root, const fs::path& base) {
        return routerFromToml(root, base, name);
      });
}

namespace {
// Do two listening addresses take the same TCP port on a common interface? A wildcard host
// (0.0.0.0, [::], empty) covers every interface.
bool sharesPort(const std::string& a, const std::string& b) {
  if (a.rfind("unix:", 0) == 0 || b.rfind("unix:", 0) == 0) return a == b;
  auto split = [](const std::string& s) {
    auto colon = s.rfind(':');
    return colon == std::string::npos ? std::pair{s, std::string()}
                                      : std::pair{s.substr(0, colon), s.substr(colon + 1)};
  };
  auto [hostA, portA] = split(a);
  auto [hostB, portB] = split(b);
  if (portA != portB) return false;
  auto wildcard = [](const std::string& h) { return h.empty() || h == "0.0.0.0" || h == "[::]"; };
  return hostA == hostB || wildcard(hostA) || wildcard(hostB);
}

RouterConfig routerFromToml(const toml::value& root, const fs::path& base,
                            const std::string& path) {
  {
    RouterConfig c;
    c.path = path;
    // clang-format off
    refuseUnknownKeys(
        root,
        {"organization", "listen", "admin_listen", "key", "journal", "message_max_skew_seconds",
         "agreement_timeout_seconds", "default_instruction_timeout_seconds", "max_plans_in_flight",
         "max_plans_in_flight_per_peer", "max_plan_bytes", "max_plans_per_peer_per_minute",
         "max_bytes_per_peer_per_minute", "peer", "ledger", "tls",
         "hash_lock_margin_seconds", "hash_lock_refund_delay_seconds",
         // operations (docs/operations.md)
         "metrics_listen", "peer_reflection", "log_format", "shutdown_drain_seconds",
         "require_investor_signatures"},
        "the top level");
    // clang-format on
    c.organization = requiredString(root, "organization", "the top level");
    if (auto s = model::validateOrganizationId(c.organization); !s) {
      fail(root.at("organization"), "organization", s.error().message);
    }
    c.listenAddress = requiredString(root, "listen", "the top level");
    checkAddress(root, "listen", c.listenAddress, false);
    c.adminAddress = requiredString(root, "admin_listen", "the top level");
    checkAddress(root, "admin_listen", c.adminAddress, true);
    if (c.adminAddress.rfind("unix:", 0) != 0 && c.adminAddress.rfind("127.", 0) != 0 &&
        c.adminAddress.rfind("localhost:", 0) != 0 && c.adminAddress.rfind("[::1]:", 0) != 0) {
      fail(root.at("admin_listen"), "admin_listen",
           "the admin service must listen on loopback or a unix socket");
    }
    if (sharesPort(c.listenAddress, c.adminAddress)) {
      fail(root.at("admin_listen"), "admin_listen",
           "\"" + c.adminAddress + "\" is on the same port as listen (\"" + c.listenAddress +
               "\"): the admin service would be served to peers");
    }
    c.keyPath = resolve(base, requiredString(root, "key", "the top level"));
    c.journalPath = resolve(base, requiredString(root, "journal", "the top level"));
    c.messageMaxSkewSeconds =
        positiveInteger(root, "message_max_skew_seconds", c.messageMaxSkewSeconds);
    c.agreementTimeoutSeconds =
        positiveInteger(root, "agreement_timeout_seconds", c.agreementTimeoutSeconds);
    c.defaultInstructionTimeoutSeconds = positiveInteger(
        root, "default_instruction_timeout_seconds", c.defaultInstructionTimeoutSeconds);
    c.hashLockMarginSeconds =
        positiveInteger(root, "hash_lock_margin_seconds", c.hashLockMarginSeconds);
    c.hashLockRefundDelaySeconds =
        positiveInteger(root, "hash_lock_refund_delay_seconds", c.hashLockRefundDelaySeconds);
    c.maxPlansInFlight = positiveInteger(root, "max_plans_in_flight", c.maxPlansInFlight);
    c.maxPlansInFlightPerPeer =
        positiveInteger(root, "max_plans_in_flight_per_peer", c.maxPlansInFlightPerPeer);
    c.maxPlanBytes = positiveInteger(root, "max_plan_bytes", c.maxPlanBytes);
    c.maxPlansPerPeerPerMinute =
        positiveInteger(root, "max_plans_per_peer_per_minute", c.maxPlansPerPeerPerMinute);
    c.maxBytesPerPeerPerMinute =
        positiveInteger(root, "max_bytes_per_peer_per_minute", c.maxBytesPerPeerPerMinute);
    if (root.contains("metrics_listen")) {
      c.metricsAddress = requiredString(root, "metrics_listen", "the top level");
      if (c.metricsAddress.front() == ':') c.metricsAddress = "127.0.0.1" + c.metricsAddress;
      checkAddress(root, "metrics_listen", c.metricsAddress, false);
      for (const auto* other : {&c.listenAddress, &c.adminAddress}) {
        if (sharesPort(c.metricsAddress, *other)) {
          fail(root.at("metrics_listen"), "metrics_listen",
               "\"" + c.metricsAddress + "\" is on the same port as \"" + *other + "\"");
        }
      }
    }
    c.peerReflection = optionalBool(root, "peer_reflection", c.peerReflection);
    c.requireInvestorSignatures =
        optionalBool(root, "require_investor_signatures", c.requireInvestorSignatures);
    if (root.contains("log_format")) {
      c.logFormat = requiredString(root, "log_format", "the top level");
      if (c.logFormat != "text" && c.logFormat != "json") {
        fail(root.at("log_format"), "log_format", "must be \"text\" or \"json\"");
      }
    }
    c.shutdownDrainSeconds =
        nonNegativeInteger(root, "shutdown_drain_seconds", c.shutdownDrainSeconds);
    std::set<std::string> peers;
    if (root.contains("peer")) {
      const auto& array = root.at("peer");
      if (!array.is_array()) fail(array, "peer", "must be an array of tables ([[peer]])");
      for (const auto& t : array.as_array()) {
        refuseUnknownKeys(t, {"organization", "address", "public_key"}, "[[peer]]");
        PeerConfig p;
        p.organization = requiredString(t, "organization", "[[peer]]");
        if (p.organization == c.organization)
          fail(t.at("organization"), "organization", "a router is not its own peer");
        if (!peers.insert(p.organization).second) {
          fail(t.at("organization"), "organization",
               "peer \"" + p.organization + "\" is listed twice");
        }
        p.address = requiredString(t, "address", "[[peer]]");
        checkAddress(t, "address", p.address, false);
        p.publicKeyPath = resolve(base, requiredString(t, "public_key", "[[peer]]"));
        c.peers.push_back(std::move(p));
      }
    }
    c.ledgers = parseLedgers(root, base);
    if (root.contains("tls")) {
      const auto& t = root.at("tls");
      if (!t.is_table()) fail(t, "tls", "must be a table ([tls])");
      refuseUnknownKeys(t, {"certificate", "private_key", "ca"}, "[tls]");
      c.tls = TlsConfig{resolve(base, requiredString(t, "certificate", "[tls]")),
                        resolve(base, requiredString(t, "private_key", "[tls]")),
                        resolve(base, requiredString(t, "ca", "[tls]"))};
    }
    return c;
  }
}
}  // namespace

}  // namespace finp2p::config
