#include "ctl/plan_sign.hpp"

#include <openssl/rand.h>

#include <cctype>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "investors/plan_signer.hpp"
#include "model/plan_file.hpp"

namespace finp2p::ctl {

int signPlanFile(const std::string& path, const std::vector<std::string>& keyFiles,
                 const std::string& out) {
  auto plan = model::readPlanFile(path);
  if (!plan) {
    std::fprintf(stderr, "error: %s\n", plan.error().message.c_str());
    return plan.error().code == ErrorCode::kNotFound ? 3 : 1;
  }
  // A fresh nonce each time: a router takes a signature once, so the investors of a trade
  // signed again (for another plan) sign something new.
  std::string salt(16, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(salt.data()), static_cast<int>(salt.size())) !=
      1) {
    std::fprintf(stderr, "error: no randomness for the signatures' nonce (RAND_bytes failed)\n");
    return 1;
  }
  for (const auto& file : keyFiles) {
    std::ifstream in(file);
    std::stringstream text;
    text << in.rdbuf();
    std::string hex;
    for (char c : text.str()) {
      if (!std::isspace(static_cast<unsigned char>(c))) hex += c;
    }
    if (!in) {
      std::fprintf(stderr, "error: cannot read investor key %s\n", file.c_str());
      return 3;
    }
    auto key = investors::InvestorKey::fromHex(hex);
    if (!key) {
      std::fprintf(stderr, "error: %s: %s\n", file.c_str(), key.error().message.c_str());
      return 1;
    }
    if (auto s = investors::signPlan(*plan, *key, "investor", salt); !s) {
      if (s.error().message.find("no movement") != std::string::npos) {
        std::printf("%s: not signed\n", s.error().message.c_str());
        continue;
      }
      std::fprintf(stderr, "error: %s\n", s.error().message.c_str());
      return 1;
    }
    std::printf("signed as investor %s\n", key->finId().c_str());
  }
  const std::string& target = out.empty() ? path : out;
  std::ofstream o(target, std::ios::trunc);
  o << model::planToJson(*plan) << "\n";
  if (!o) {
    std::fprintf(stderr, "error: cannot write %s\n", target.c_str());
    return 3;
  }
  return 0;
}

}  // namespace finp2p::ctl
