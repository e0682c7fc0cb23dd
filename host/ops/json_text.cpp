#include "ops/json_text.hpp"

#include <google/protobuf/message.h>
#include <google/protobuf/util/json_util.h>

#include <cstdio>

namespace finp2p::ops {

namespace {

// The length of the valid UTF-8 sequence at `s[i]`, or 0.
std::size_t utf8Length(std::string_view s, std::size_t i) {
  auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  auto cont = [&](std::size_t k) { return k < s.size() && (b(k) & 0xC0) == 0x80; };
  unsigned char c = b(i);
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) return cont(i + 1) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    if (!cont(i + 1) || !cont(i + 2)) return 0;
    if (c == 0xE0 && b(i + 1) < 0xA0) return 0;   // overlong
    if (c == 0xED && b(i + 1) >= 0xA0) return 0;  // a surrogate
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (!cont(i + 1) || !cont(i + 2) || !cont(i + 3)) return 0;
    if (c == 0xF0 && b(i + 1) < 0x90) return 0;
    if (c == 0xF4 && b(i + 1) >= 0x90) return 0;
    return 4;
  }
  return 0;
}

void unicodeEscape(std::string& out, unsigned code) {
  char buffer[8];
  std::snprintf(buffer, sizeof buffer, "\\u%04x", code);
  out += buffer;
}

}  // namespace

std::string jsonString(std::string_view text) {
  std::string out = "\"";
  for (std::size_t i = 0; i < text.size();) {
    auto c = static_cast<unsigned char>(text[i]);
    std::size_t n = utf8Length(text, i);
    if (n == 0) {
      out += "\\ufffd";
      ++i;
      continue;
    }
    if (n == 3 && c == 0xE2 && static_cast<unsigned char>(text[i + 1]) == 0x80 &&
        (static_cast<unsigned char>(text[i + 2]) & 0xFE) == 0xA8) {
      unicodeEscape(out, 0x2028 + (static_cast<unsigned char>(text[i + 2]) & 1));
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\\') {
      out += "\\\\";
    } else if (c < 0x20 || c == '<' || c == '>' || c == '&' || c == 0x7F) {
      unicodeEscape(out, c);
    } else {
      out.append(text.substr(i, n));
    }
    i += n;
  }
  return out + "\"";
}

std::string protoJson(const google::protobuf::Message& message) {
  std::string out;
  google::protobuf::util::JsonPrintOptions options;
  options.always_print_primitive_fields = true;  // the page need not guess defaults
  (void)google::protobuf::util::MessageToJsonString(message, &out, options);
  // Outside strings JSON has none of these characters, so each one found is inside a string and
  // its \u escape means the same: the same guarantee as jsonString's, whatever the printer does.
  std::string safe;
  safe.reserve(out.size());
  for (std::size_t i = 0; i < out.size(); ++i) {
    char c = out[i];
    if (c == '<' || c == '>' || c == '&') {
      unicodeEscape(safe, static_cast<unsigned char>(c));
    } else if (c == '\xe2' && i + 2 < out.size() && out[i + 1] == '\x80' &&
               (out[i + 2] == '\xa8' || out[i + 2] == '\xa9')) {
      unicodeEscape(safe, out[i + 2] == '\xa8' ? 0x2028 : 0x2029);
      i += 2;
    } else {
      safe += c;
    }
  }
  return safe;
}

void JsonObject::key(std::string_view name) {
  if (text_.size() > 1) text_ += ",";
  text_ += jsonString(name);
  text_ += ":";
}

JsonObject& JsonObject::raw(std::string_view name, std::string_view json) {
  key(name);
  text_ += json;
  return *this;
}

JsonObject& JsonObject::str(std::string_view name, std::string_view value) {
  key(name);
  text_ += jsonString(value);
  return *this;
}

JsonObject& JsonObject::num(std::string_view name, int64_t value) {
  key(name);
  text_ += std::to_string(value);
  return *this;
}

JsonObject& JsonObject::flag(std::string_view name, bool value) {
  key(name);
  text_ += value ? "true" : "false";
  return *this;
}

}  // namespace finp2p::ops
