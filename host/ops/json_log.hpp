#pragma once
// log_format = "json": one JSON object per line for log shippers, with the fields they index:
//   {"ts":"2026-12-02T14:03:07.123Z","level":"info","organization":"bank-a",
//    "plan_id":"bank-a:106:…","sequence":2,"event":"in-progress -> completed","thread":123}
// The router's lines about a plan all read "plan ID[ seq N]: EVENT" (router_node.cpp), so the
// formatter takes plan_id, sequence and event from that shape here, at the edge, instead of
// threading structured fields through the node; other lines carry "event" alone.

#include <memory>
#include <string>

namespace finp2p::ops {

// Installs the JSON formatter on spdlog's default logger.
void useJsonLogs(const std::string& organization);

// One line as the formatter writes it (without the newline), for the unit test.
std::string jsonLogLine(const std::string& timestamp, const std::string& level,
                        const std::string& organization, const std::string& message,
                        unsigned long thread);

}  // namespace finp2p::ops
