#pragma once
/// @file
/// Flattens a toml11 table into the dotted key/value entries a plugin receives as its config:
/// {a = {b = 1}, list = ["x", "y"]} becomes a.b = "1", list.0 = "x", list.1 = "y".
/// Header-only so only translation units that already parse TOML pay for toml11.
/// Not installed with the SDK: only the host and the conformance runner read TOML, and a
/// plugin receives the flattened entries, so the SDK package need not depend on toml11.

#include <toml.hpp>

#include <string>
#include <utility>
#include <vector>

namespace finp2p::ledger {

inline void flattenToml(const toml::value& value, const std::string& prefix,
                        std::vector<std::pair<std::string, std::string>>& out) {
  auto key = [&](const std::string& k) { return prefix.empty() ? k : prefix + "." + k; };
  switch (value.type()) {
    case toml::value_t::table:
      for (const auto& [k, v] : value.as_table()) flattenToml(v, key(k), out);
      return;
    case toml::value_t::array: {
      const auto& array = value.as_array();
      for (std::size_t i = 0; i < array.size(); ++i)
        flattenToml(array[i], key(std::to_string(i)), out);
      return;
    }
    case toml::value_t::string:
      out.emplace_back(prefix, value.as_string().str);
      return;
    case toml::value_t::boolean:
      out.emplace_back(prefix, value.as_boolean() ? "true" : "false");
      return;
    case toml::value_t::integer:
      out.emplace_back(prefix, std::to_string(value.as_integer()));
      return;
    default: {
      // Floats and dates keep their TOML spelling; amounts should be strings anyway.
      std::string text = toml::format(value);
      out.emplace_back(prefix, text);
      return;
    }
  }
}

}  // namespace finp2p::ledger
