#pragma once
// Whole-file reads for configuration, keys and plan files: small files, read once.

#include <fstream>
#include <sstream>
#include <string>

#include "common/result.hpp"

namespace finp2p {

inline Result<std::string> readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return makeError(ErrorCode::kNotFound, "cannot open " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace finp2p
