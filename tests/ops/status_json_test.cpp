// The status page's JSON: hostile plan ids, reasons and receipts (a peer chooses them) come out
// as JSON strings that parse back to exactly what went in, with nothing that an HTML parser
// could take for markup; the query string's filters; the escaping of odd bytes.
#include "ops/status_json.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "ops/http_query.hpp"
#include "ops/json_text.hpp"

namespace finp2p::ops {
namespace {

const std::string kHostile =
    "</script><img src=x onerror=alert(1)>\"'&\\\n\t\x01 \xe2\x80\xa8 \xe2\x80\xa9 caf\xc3\xa9";

// No character that could end a string, open a tag or an entity in HTML, or a line in JS.
void expectInert(const std::string& json) {
  for (char c : {'<', '>', '&', '\n', '\r', '\t'}) {
    EXPECT_EQ(json.find(c), std::string::npos) << "raw '" << c << "' in " << json;
  }
  EXPECT_EQ(json.find("\xe2\x80\xa8"), std::string::npos);
  EXPECT_EQ(json.find("\xe2\x80\xa9"), std::string::npos);
}

TEST(StatusJsonTest, JsonStringEscapesAndRoundTrips) {
  EXPECT_EQ(jsonString("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(jsonString("<b>&"), "\"\\u003cb\\u003e\\u0026\"");
  EXPECT_EQ(jsonString("\x01\x7f"), "\"\\u0001\\u007f\"");
  EXPECT_EQ(jsonString("\xe2\x80\xa8"), "\"\\u2028\"");
  auto text = jsonString(kHostile);
  expectInert(text);
  EXPECT_EQ(nlohmann::json::parse(text).get<std::string>(), kHostile);
}

TEST(StatusJsonTest, InvalidUtf8BecomesReplacementCharacters) {
  // A lone continuation byte, a truncated sequence, an overlong '/', a surrogate.
  auto text = jsonString(std::string("a\x80z\xc3") + "\xc0\xaf" + "\xed\xa0\x80" + "b");
  auto parsed = nlohmann::json::parse(text).get<std::string>();
  const std::string r = "\xef\xbf\xbd";  // U+FFFD, one per byte that is not valid UTF-8
  EXPECT_EQ(parsed, "a" + r + "z" + r + r + r + r + r + r + "b");
}

TEST(StatusJsonTest, PlanListCarriesHostileStringsAsText) {
  PlanRow row;
  row.summary.planId = "bank-a:106:" + kHostile;
  row.summary.status = "failed";
  row.summary.reason = kHostile;
  row.summary.currentSequence = 2;
  row.summary.createdAtMillis = 1000;
  row.summary.terminal = true;
  row.participants = {"bank-a", kHostile};
  auto text = planListJson("bank-a", 5000, {{"failed", 1}, {"completed", 3}}, {row});
  expectInert(text);
  auto j = nlohmann::json::parse(text);
  EXPECT_EQ(j["organization"], "bank-a");
  EXPECT_EQ(j["nowMillis"], 5000);
  EXPECT_EQ(j["counts"]["completed"], 3);
  EXPECT_EQ(j["counts"]["failed"], 1);
  ASSERT_EQ(j["plans"].size(), 1u);
  EXPECT_EQ(j["plans"][0]["planId"], row.summary.planId);
  EXPECT_EQ(j["plans"][0]["reason"], kHostile);
  EXPECT_EQ(j["plans"][0]["currentSequence"], 2);
  EXPECT_EQ(j["plans"][0]["terminal"], true);
  EXPECT_EQ(j["plans"][0]["participants"][1], kHostile);
}

TEST(StatusJsonTest, PlanCarriesTheAdminViewTheChainAndTheLedgers) {
  finp2p::admin::GetExecutionResponse view;
  view.mutable_execution()->mutable_plan()->mutable_id()->set_id(kHostile);
  view.mutable_execution()->set_executionplanstatus("failed");
  view.set_failurereason(kHostile);
  view.set_failedinstructionsequence(2);
  auto* step = view.add_steps();
  step->set_sequence(1);
  step->set_settled(true);
  auto* c = step->add_completions();
  c->set_executor("bank-a");
  c->set_transactionid(kHostile);
  c->add_approvedby("bank-b");
  journal::ChainCheck chain;
  chain.intact = false;
  chain.entries = 7;
  chain.problem = "entry 3 (row 9): its hash does not match its contents";
  auto text = planJson("bank-a", 42, view, chain, {{1, "securities"}});
  expectInert(text);
  auto j = nlohmann::json::parse(text);
  EXPECT_EQ(j["view"]["execution"]["plan"]["id"]["id"], kHostile);
  EXPECT_EQ(j["view"]["failureReason"], kHostile);
  EXPECT_EQ(j["view"]["failedInstructionSequence"], 2);
  EXPECT_EQ(j["view"]["steps"][0]["completions"][0]["transactionId"], kHostile);
  EXPECT_EQ(j["view"]["steps"][0]["completions"][0]["approvedBy"][0], "bank-b");
  EXPECT_EQ(j["view"]["steps"][0]["completions"][0]["code"], 0);  // defaults are printed
  EXPECT_EQ(j["chain"]["intact"], false);
  EXPECT_EQ(j["chain"]["entries"], 7);
  EXPECT_EQ(j["chain"]["problem"], chain.problem);
  EXPECT_EQ(j["ledgers"]["1"], "securities");
}

TEST(StatusJsonTest, FiltersComeFromTheQueryString) {
  auto f = planFilter("/api/plans?status=failed&org=bank%2Db&q=ab+c%3C&from=100&to=200&limit=5");
  EXPECT_EQ(f.query.status, "failed");
  EXPECT_EQ(f.organization, "bank-b");
  EXPECT_EQ(f.query.idContains, "ab c<");
  EXPECT_EQ(f.query.createdFromMillis, 100);
  EXPECT_EQ(f.query.createdToMillis, 200);
  EXPECT_EQ(f.query.limit, 5u);
  auto defaults = planFilter("/api/plans?from=yesterday&limit=100000&to=-5");
  EXPECT_EQ(defaults.query.createdFromMillis, 0);  // what does not parse does not filter
  EXPECT_EQ(defaults.query.createdToMillis, 0);
  EXPECT_EQ(defaults.query.limit, 1000u);  // bounded
  EXPECT_EQ(planFilter("/api/plans").query.limit, 100u);
}

TEST(StatusJsonTest, QueryDecodingKeepsMalformedEscapes) {
  auto q = parseQuery("/x?a=%zz&b=%4&c=%41%42&d&=e&a2=1#frag");
  EXPECT_EQ(q["a"], "%zz");
  EXPECT_EQ(q["b"], "%4");
  EXPECT_EQ(q["c"], "AB");
  EXPECT_EQ(q["d"], "");
  EXPECT_EQ(q["a2"], "1");
  EXPECT_TRUE(parseQuery("/x").empty());
}

}  // namespace
}  // namespace finp2p::ops
