#pragma once
// `finp2p-execctl plan sign`: sign a plan file as its investors would (test and demo keys; a
// FinP2P client signs before the plan exists, and the router never holds investor keys).

#include <string>
#include <vector>

namespace finp2p::ctl {

// Each key file holds one investor's secp256k1 private key as hex. Writes the plan with every
// key's signature over its movements (intent.investors) to `out` (the input file when empty).
int signPlanFile(const std::string& path, const std::vector<std::string>& keyFiles,
                 const std::string& out);

}  // namespace finp2p::ctl
