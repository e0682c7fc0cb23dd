#include "ops/json_log.hpp"

#include <spdlog/formatter.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>

namespace finp2p::ops {

namespace {

void appendJsonString(std::string& out, const std::string& s) {
  out += '"';
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          char u[8];
          std::snprintf(u, sizeof u, "\\u%04x", c);
          out += u;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
}

std::string isoTimestamp(std::chrono::system_clock::time_point t) {
  auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  std::time_t seconds = static_cast<std::time_t>(millis / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900,
                utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                static_cast<int>(millis % 1000));
  return buffer;
}

class JsonFormatter final : public spdlog::formatter {
 public:
  explicit JsonFormatter(std::string organization) : organization_(std::move(organization)) {}
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    auto level = spdlog::level::to_string_view(msg.level);
    auto line = jsonLogLine(isoTimestamp(msg.time), std::string(level.data(), level.size()),
                            organization_, std::string(msg.payload.data(), msg.payload.size()),
                            static_cast<unsigned long>(msg.thread_id));
    line += '\n';
    dest.append(line.data(), line.data() + line.size());
  }
  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<JsonFormatter>(organization_);
  }

 private:
  std::string organization_;
};

}  // namespace

std::string jsonLogLine(const std::string& timestamp, const std::string& level,
                        const std::string& organization, const std::string& message,
                        unsigned long thread) {
  std::string out = "{\"ts\":";
  appendJsonString(out, timestamp);
  out += ",\"level\":";
  appendJsonString(out, level);
  out += ",\"organization\":";
  appendJsonString(out, organization);
  std::string event = message;
  // "plan ID: EVENT" or "plan ID seq N: EVENT"; a plan id holds no spaces.
  if (message.rfind("plan ", 0) == 0) {
    // Plan ids hold colons ("bank-a:106:uuid"): the id ends at a space or at ": ".
    auto colon = message.find(": ", 5);
    auto idEnd = std::min(message.find(' ', 5), colon);
    if (idEnd != std::string::npos && colon != std::string::npos && idEnd > 5) {
      std::string planId = message.substr(5, idEnd - 5);
      std::string between = message.substr(idEnd, colon - idEnd);  // "" or " seq N"
      bool plain = between.empty();
      bool withSeq = between.rfind(" seq ", 0) == 0 && between.size() > 5 &&
                     between.find_first_not_of("0123456789", 5) == std::string::npos;
      if (plain || withSeq) {
        out += ",\"plan_id\":";
        appendJsonString(out, planId);
        if (withSeq) out += ",\"sequence\":" + between.substr(5);
        event = message.substr(colon + 2);
      }
    }
  }
  out += ",\"event\":";
  appendJsonString(out, event);
  out += ",\"thread\":" + std::to_string(thread) + "}";
  return out;
}

void useJsonLogs(const std::string& organization) {
  spdlog::set_formatter(std::make_unique<JsonFormatter>(organization));
}

}  // namespace finp2p::ops
