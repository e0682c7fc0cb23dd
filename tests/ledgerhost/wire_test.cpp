// The router <-> finp2p-ledger-host framing: every message survives a round trip byte for byte
// (amounts stay their decimal strings), frames split anywhere are reassembled, and what a
// broken peer could send is refused as an error, never read past its end.

#include "ledgerhost/wire.hpp"

#include <gtest/gtest.h>

namespace finp2p::ledgerhost {
namespace {

Message roundTrip(const Message& m) {
  std::string frame = encode(m);
  FrameReader reader;
  reader.append(frame.data(), frame.size());
  auto payload = reader.next();
  EXPECT_TRUE(payload.ok());
  EXPECT_TRUE(payload->has_value());
  auto decoded = decode(**payload);
  EXPECT_TRUE(decoded.ok()) << decoded.error().message;
  return *decoded;
}

ledger::Operation release() {
  ledger::Operation op;
  op.kind = FINP2P_LEDGER_OP_RELEASE;
  op.context = {"bank-a:106:plan", 3, "bank-a:106:plan_3", 1795000000123};
  op.source = "seller";
  op.destination = "buyer";
  op.asset = "USD";
  op.assetDecimals = 2;
  op.amount = "10500.000000000000000001";  // exact: never a double on the way
  op.holdOperationId = "bank-a:106:plan_1";
  op.waitUntilUnixS = -1;
  op.condition = std::string("a\0b", 3);
  op.investorSignature = R"({"signature":"ab","hashFunc":"sha3-256"})";  // ABI 1.2
  op.investorFinId = "02466d7fcae563e5cb09a0d1870bb580344804617879a14949cf22285f1bae3f27";
  return op;
}

TEST(LedgerHostWire, CallsRoundTrip) {
  CallRequest c{(1ull << 40) + 7, CallKind::kExecute, release(), "", "", {}};
  auto got = std::get<CallRequest>(roundTrip(c));
  EXPECT_EQ(got.id, c.id);
  EXPECT_EQ(got.kind, CallKind::kExecute);
  EXPECT_EQ(got.operation.amount, "10500.000000000000000001");
  EXPECT_EQ(got.operation.context.deadlineUnixMs, 1795000000123);
  EXPECT_EQ(got.operation.waitUntilUnixS, -1);
  EXPECT_EQ(got.operation.condition, std::string("a\0b", 3));
  EXPECT_EQ(got.operation.investorSignature, release().investorSignature);
  EXPECT_EQ(got.operation.investorFinId, release().investorFinId);
  EXPECT_EQ(ledger::operationFingerprint(got.operation), ledger::operationFingerprint(release()));

  // A claim of a hash lock (ABI 1.2) carries the lock and the preimage across too.
  auto claim = release();
  claim.kind = FINP2P_LEDGER_OP_CLAIM;
  claim.hashLock = std::string(64, 'c');
  claim.hashFunction = "keccak256";
  claim.expiryUnixS = 1795000600;
  claim.preimage = std::string(64, '7');
  CallRequest h{8, CallKind::kExecute, claim, "", "", {}};
  auto gotH = std::get<CallRequest>(roundTrip(h));
  EXPECT_EQ(gotH.operation.kind, FINP2P_LEDGER_OP_CLAIM);
  EXPECT_EQ(gotH.operation.hashLock, claim.hashLock);
  EXPECT_EQ(gotH.operation.hashFunction, "keccak256");
  EXPECT_EQ(gotH.operation.expiryUnixS, 1795000600);
  EXPECT_EQ(gotH.operation.preimage, claim.preimage);

  CallRequest b{9, CallKind::kBalance, {}, "acct", "USD", {}};
  auto gotB = std::get<CallRequest>(roundTrip(b));
  EXPECT_EQ(gotB.key, "acct");
  EXPECT_EQ(gotB.asset, "USD");
}

TEST(LedgerHostWire, ResultsRoundTrip) {
  ledger::Receipt r;
  r.transactionId = "tx";
  r.operationId = "k_1";
  r.quantity = "0.10";
  r.timestampUnixS = 1795000000;
  r.hashLock = std::string(64, 'd');
  r.hashFunction = "sha256";
  r.expiryUnixS = 1795000900;
  r.preimage = std::string(64, 'e');
  CallResult ok{5, false, ledger::Outcome::success(r), {}};
  auto got = std::get<CallResult>(roundTrip(ok));
  ASSERT_TRUE(got.outcome.receipt.has_value());
  EXPECT_EQ(got.outcome.receipt->quantity, "0.10");
  EXPECT_EQ(got.outcome.receipt->timestampUnixS, 1795000000);
  EXPECT_EQ(got.outcome.receipt->hashLock, r.hashLock);
  EXPECT_EQ(got.outcome.receipt->hashFunction, "sha256");
  EXPECT_EQ(got.outcome.receipt->expiryUnixS, 1795000900);
  EXPECT_EQ(got.outcome.receipt->preimage, r.preimage);

  CallResult bal{6, true, {}, {FINP2P_LEDGER_OK, "", "12.50", "10.00", "2.50"}};
  auto gotBal = std::get<CallResult>(roundTrip(bal));
  EXPECT_TRUE(gotBal.isBalance);
  EXPECT_EQ(gotBal.balance.held, "2.50");

  InitResult init;
  init.ok = true;
  init.sha256 = std::string(64, 'a');
  init.description = {"echo", "1", 0x10, "fiat"};
  auto gotInit = std::get<InitResult>(roundTrip(init));
  EXPECT_EQ(gotInit.description.name, "echo");
  EXPECT_EQ(gotInit.description.supportedOperations, 0x10u);

  InitRequest req{"/p.so", "", {{"a.b", "1"}, {"finp2p.config_dir", "/etc"}}, 4};
  EXPECT_EQ(std::get<InitRequest>(roundTrip(req)).config, req.config);
}

TEST(LedgerHostWire, FramesSplitAnywhereAreReassembled) {
  std::string stream;
  for (uint64_t i = 1; i <= 50; ++i) {
    stream += encode(CallRequest{i, CallKind::kLookup, {}, "key_" + std::to_string(i), "", {}});
  }
  FrameReader reader;
  uint64_t expected = 1;
  for (std::size_t i = 0; i < stream.size(); i += 7) {  // 7-byte pieces cut every field
    reader.append(stream.data() + i, std::min<std::size_t>(7, stream.size() - i));
    for (;;) {
      auto next = reader.next();
      ASSERT_TRUE(next.ok());
      if (!*next) break;
      auto m = decode(**next);
      ASSERT_TRUE(m.ok());
      EXPECT_EQ(std::get<CallRequest>(*m).id, expected++);
    }
  }
  EXPECT_EQ(expected, 51u);
}

TEST(LedgerHostWire, BrokenInputIsAnErrorNotARead) {
  std::string frame = encode(CallRequest{1, CallKind::kExecute, release(), "", "", {}});
  std::string payload = frame.substr(4);
  for (std::size_t cut = 0; cut < payload.size(); ++cut) {
    auto m = decode(std::string_view(payload).substr(0, cut));
    EXPECT_FALSE(m.ok()) << "accepted a payload cut at " << cut;
  }
  EXPECT_FALSE(decode(payload + "x").ok());           // trailing bytes
  EXPECT_FALSE(decode(std::string("\x63", 1)).ok());  // unknown type
  // A result with a status the ABI does not have.
  std::string result = encode(CallResult{1, false, ledger::Outcome::success(), {}}).substr(4);
  result[10] = 42;  // type(1) id(8) isBalance(1), then the status
  auto bad = decode(result);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("status 42"), std::string::npos);
  // A length prefix beyond the limit ends the stream.
  FrameReader reader;
  std::string huge = "\xff\xff\xff\x7f";
  reader.append(huge.data(), huge.size());
  EXPECT_FALSE(reader.next().ok());
}

}  // namespace
}  // namespace finp2p::ledgerhost
