// finp2p/ledger/receipt_check.hpp: what each operation kind determines about its receipt.

#include "finp2p/ledger/receipt_check.hpp"

#include <gtest/gtest.h>

namespace finp2p::ledger {
namespace {

Operation operation(OperationKind kind) {
  Operation op;
  op.kind = kind;
  op.context.idempotencyKey = "plan_1";
  op.source = "alice";
  op.destination = "bob";
  op.asset = "USD";
  op.amount = "10.50";
  return op;
}

Receipt receiptOf(const Operation& op) {
  Receipt r;
  r.transactionId = "tx";
  r.operationId = op.context.idempotencyKey;
  r.operationType = operationKindName(op.kind);
  r.source = op.source;
  r.destination = op.destination;
  r.asset = op.asset;
  r.quantity = op.amount;
  r.hashLock = op.hashLock;
  r.hashFunction = op.hashFunction;
  r.expiryUnixS = op.expiryUnixS;
  r.preimage = op.preimage;
  return r;
}

bool says(const std::string& why, const std::string& part) {
  return why.find(part) != std::string::npos;
}

TEST(ReceiptCheck, TheReceiptOfTheOperationPasses) {
  for (auto kind :
       {FINP2P_LEDGER_OP_HOLD, FINP2P_LEDGER_OP_RELEASE, FINP2P_LEDGER_OP_TRANSFER,
        FINP2P_LEDGER_OP_ISSUE, FINP2P_LEDGER_OP_REDEEM, FINP2P_LEDGER_OP_REVERT_HOLD}) {
    auto op = operation(kind);
    EXPECT_EQ(checkReceipt(op, receiptOf(op)), "") << operationKindName(kind);
  }
}

TEST(ReceiptCheck, EachDeterminedFieldThatDiffersIsNamed) {
  auto op = operation(FINP2P_LEDGER_OP_TRANSFER);
  auto r = receiptOf(op);
  r.operationId = "plan_2";
  EXPECT_TRUE(says(checkReceipt(op, r), "receipt operation_id \"plan_2\" differs"));
  r = receiptOf(op);
  r.operationType = "hold";
  EXPECT_TRUE(says(checkReceipt(op, r), "receipt operation_type \"hold\" differs"));
  r = receiptOf(op);
  r.source = "mallory";
  EXPECT_TRUE(says(checkReceipt(op, r), "receipt source \"mallory\" differs"));
  r = receiptOf(op);
  r.destination = "mallory";
  EXPECT_TRUE(says(checkReceipt(op, r), "receipt destination \"mallory\" differs"));
  r = receiptOf(op);
  r.asset = "EUR";
  EXPECT_TRUE(says(checkReceipt(op, r), "receipt asset \"EUR\" differs"));
  r = receiptOf(op);
  r.quantity = "10.51";
  EXPECT_TRUE(says(checkReceipt(op, r), "receipt quantity \"10.51\" differs"));
  r.quantity = "10.500";  // the same amount
  EXPECT_EQ(checkReceipt(op, r), "");
}

TEST(ReceiptCheck, WhatTheOperationLeavesToTheLedgerIsNotChecked) {
  auto issue = operation(FINP2P_LEDGER_OP_ISSUE);
  auto r = receiptOf(issue);
  r.source = "mint";  // the ledger's own account
  EXPECT_EQ(checkReceipt(issue, r), "");
  auto redeem = operation(FINP2P_LEDGER_OP_REDEEM);
  r = receiptOf(redeem);
  r.destination = "burn";
  EXPECT_EQ(checkReceipt(redeem, r), "");
  auto revert = operation(FINP2P_LEDGER_OP_REVERT_HOLD);
  revert.amount.clear();
  r = receiptOf(revert);
  r.quantity = "7";  // the hold's remainder
  EXPECT_EQ(checkReceipt(revert, r), "");
  r.operationType = "release";  // as the host accepts it
  EXPECT_EQ(checkReceipt(revert, r), "");
  auto hold = operation(FINP2P_LEDGER_OP_HOLD);
  hold.destination.clear();  // a hold without a payee
  r = receiptOf(hold);
  r.destination = "escrow";
  EXPECT_EQ(checkReceipt(hold, r), "");
  r.asset.clear();  // the host fills in the instruction's
  EXPECT_EQ(checkReceipt(hold, r), "");
}

TEST(ReceiptCheck, AHashLocksReceiptStatesItsLockAndAClaimsItsPreimage) {
  auto lock = operation(FINP2P_LEDGER_OP_HASH_LOCK);
  lock.hashLock = std::string(64, 'a');
  lock.hashFunction = "sha256";
  lock.expiryUnixS = 1'800'000'000;
  auto r = receiptOf(lock);
  EXPECT_EQ(checkReceipt(lock, r), "");
  r.expiryUnixS += 1;
  EXPECT_TRUE(says(checkReceipt(lock, r), "receipt expiry_unix_s"));
  r = receiptOf(lock);
  r.hashFunction = "keccak256";
  EXPECT_TRUE(says(checkReceipt(lock, r), "receipt hash_function \"keccak256\" differs"));
  auto claim = operation(FINP2P_LEDGER_OP_CLAIM);
  claim.preimage = "00ff";
  r = receiptOf(claim);
  EXPECT_EQ(checkReceipt(claim, r), "");
  r.preimage = "ff00";
  EXPECT_TRUE(says(checkReceipt(claim, r), "receipt preimage \"ff00\" differs"));
}

}  // namespace
}  // namespace finp2p::ledger
