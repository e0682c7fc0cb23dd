#pragma once
// The query string of a GET target ("/api/plans?status=failed&q=ab%20c"), decoded.

#include <map>
#include <string>

namespace finp2p::ops {

// Percent-escapes and '+' decoded; a malformed escape is kept as it is; the last of a repeated
// name wins.
std::map<std::string, std::string> parseQuery(const std::string& target);
std::string percentDecode(const std::string& text);

}  // namespace finp2p::ops
