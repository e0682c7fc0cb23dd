#pragma once
// finp2p-execctl commands that talk to a router's admin service.

#include <cstdint>
#include <string>

namespace finp2p::ctl {

// Exit codes: 0 ok, 1 invalid input or refused, 2 usage, 3 router unreachable or system error,
// 4 the plan ended in a status other than completed.
int submitPlan(const std::string& admin, const std::string& file, bool wait, bool newId);
int showPlan(const std::string& admin, const std::string& planId, bool json);
int watchPlan(const std::string& admin, const std::string& planId);
int listPlans(const std::string& admin, const std::string& status, uint32_t limit);
int listLedgers(const std::string& admin);
int listPeers(const std::string& admin);
int reloadLedger(const std::string& admin, const std::string& name);
int showBalance(const std::string& admin, const std::string& ledger, const std::string& account,
                const std::string& asset);

}  // namespace finp2p::ctl
