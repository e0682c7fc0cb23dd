#pragma once
// JSON text for the status page's endpoints. Strings from peers (plan ids, reasons, receipts)
// are attacker-controlled: jsonString escapes them so that the text stays one JSON string even
// if it is ever placed inside HTML (<, >, & and U+2028/9 become \u escapes, as protobuf's own
// JSON printer does), and invalid UTF-8 becomes U+FFFD rather than bytes a parser rejects.

#include <cstdint>
#include <string>
#include <string_view>

namespace google::protobuf {
class Message;
}

namespace finp2p::ops {

std::string jsonString(std::string_view text);
// A protobuf message as proto3 JSON (the same as `finp2p-execctl plan show --json`).
std::string protoJson(const google::protobuf::Message& message);

// One object, written field by field.
class JsonObject {
 public:
  JsonObject& raw(std::string_view name, std::string_view json);  // a value already in JSON
  JsonObject& str(std::string_view name, std::string_view value);
  JsonObject& num(std::string_view name, int64_t value);
  JsonObject& flag(std::string_view name, bool value);
  std::string done() { return text_ + "}"; }

 private:
  void key(std::string_view name);
  std::string text_ = "{";
};

}  // namespace finp2p::ops
