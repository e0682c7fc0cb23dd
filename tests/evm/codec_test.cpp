// Ethereum encodings checked against published vectors (Keccak-256 of "", the ERC-20
// selectors, anvil's development accounts, RLP examples from the Ethereum wiki) and the
// ABI/uint256 conversions the plugin's amounts go through.

#include <gtest/gtest.h>

#include "chain.hpp"
#include "codec.hpp"
#include "contracts.hpp"
#include "signer.hpp"

namespace finp2p::evm {
namespace {

TEST(Keccak, MatchesPublishedVectors) {
  EXPECT_EQ(toHex(keccak256(std::string_view(""))),
            "0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
  EXPECT_EQ(toHex(selector("transfer(address,uint256)")), "0xa9059cbb");
  EXPECT_EQ(toHex(selector("balanceOf(address)")), "0x70a08231");
}

TEST(Signer, DerivesAnvilsDevelopmentAddresses) {
  EXPECT_EQ(
      toHex(Signer("ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80").address()),
      "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266");
  EXPECT_EQ(
      toHex(
          Signer("0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d\n").address()),
      "0x70997970c51812dc3a010c7d01b50e0d17dc79c8");
  EXPECT_THROW(Signer("abc"), std::invalid_argument);
  EXPECT_THROW(Signer(std::string(64, '0')), std::invalid_argument);
}

TEST(Signer, ContractAddressFollowsSenderAndNonce) {
  // The first contract anvil's account 0 deploys (nonce 0) lands here on every anvil.
  auto sender = *parseAddress("0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266");
  EXPECT_EQ(toHex(contractAddress(sender, 0)), "0x5fbdb2315678afecb367f032d93f642f64180aa3");
}

TEST(Rlp, EncodesStringsListsAndIntegers) {
  EXPECT_EQ(toHex(Rlp::string({'d', 'o', 'g'})), "0x83646f67");
  EXPECT_EQ(toHex(Rlp::list({Rlp::string({'c', 'a', 't'}), Rlp::string({'d', 'o', 'g'})})),
            "0xc88363617483646f67");
  EXPECT_EQ(toHex(Rlp::uint(0)), "0x80");
  EXPECT_EQ(toHex(Rlp::uint(15)), "0x0f");
  EXPECT_EQ(toHex(Rlp::uint(1024)), "0x820400");
  EXPECT_EQ(toHex(Rlp::list({})), "0xc0");
  Bytes longString(56, 'a');
  auto encoded = Rlp::string(longString);
  EXPECT_EQ(encoded[0], 0xb8);
  EXPECT_EQ(encoded[1], 56);
}

TEST(Uint256, RoundTripsDecimalStringsExactly) {
  for (const char* v :
       {"0", "1", "255", "256", "18446744073709551616",
        "115792089237316195423570985008687907853269984665640564039457584007913129639935"}) {
    auto word = uint256FromDecimal(v);
    ASSERT_TRUE(word) << v;
    EXPECT_EQ(uint256ToDecimal(word->data(), word->size()), v);
  }
  EXPECT_FALSE(uint256FromDecimal(
      "115792089237316195423570985008687907853269984665640564039457584007913129639936"));
  EXPECT_FALSE(uint256FromDecimal("12a"));
  EXPECT_FALSE(uint256FromDecimal("1h"));
  EXPECT_FALSE(uint256FromDecimal(""));
  EXPECT_EQ(*quantityToDecimal("0x1bc16d674ec80000"), "2000000000000000000");
  EXPECT_EQ(*quantityToU64("0x7a69"), 31337u);
  EXPECT_EQ(u64ToQuantity(31337), "0x7a69");
}

TEST(Abi, EncodesStaticAndDynamicArguments) {
  auto to = *parseAddress("0x70997970c51812dc3a010c7d01b50e0d17dc79c8");
  Bytes call = AbiCall("transfer(address,uint256)").address(to).uint(1).bytes();
  EXPECT_EQ(toHex(call),
            "0xa9059cbb00000000000000000000000070997970c51812dc3a010c7d01b50e0d17dc79c8"
            "0000000000000000000000000000000000000000000000000000000000000001");
  // ("ab", 7): offset 0x40, 7, length 2, "ab" padded
  Bytes args = AbiCall("").string("ab").uint(7).arguments();
  EXPECT_EQ(toHex(args),
            "0x0000000000000000000000000000000000000000000000000000000000000040"
            "0000000000000000000000000000000000000000000000000000000000000007"
            "0000000000000000000000000000000000000000000000000000000000000002"
            "6162000000000000000000000000000000000000000000000000000000000000");
}

TEST(Abi, DecodesRevertReasons) {
  // Error(string) with "insufficient balance"
  auto data = *fromHex(
      "08c379a0"
      "0000000000000000000000000000000000000000000000000000000000000020"
      "0000000000000000000000000000000000000000000000000000000000000014"
      "696e73756666696369656e742062616c616e6365000000000000000000000000");
  EXPECT_EQ(*revertReason(data), "insufficient balance");
  EXPECT_FALSE(revertReason(*fromHex("08c379a0")));
}

TEST(Revert, ReasonFromDataOrFromTheMessageAsNodesDiffer) {
  RpcError withData;
  withData.code = 3;
  withData.message = "execution reverted";
  withData.data =
      "0x08c379a0"
      "0000000000000000000000000000000000000000000000000000000000000020"
      "000000000000000000000000000000000000000000000000000000000000000c"
      "6e6f207375636820686f6c640000000000000000000000000000000000000000";  // "no such hold"
  EXPECT_EQ(revertMessage(withData), "no such hold");
  RpcError messageOnly;
  messageOnly.code = -32000;
  messageOnly.message = "execution reverted: insufficient balance";
  EXPECT_EQ(revertMessage(messageOnly), "insufficient balance");
  RpcError other;
  other.code = -32003;
  other.message = "Insufficient funds for gas * price + value";
  EXPECT_EQ(revertMessage(other), other.message);
}

TEST(Accounts, MapNamesToStableAddressesAndKeepHexAddresses) {
  EXPECT_EQ(toHex(accountAddress("0x70997970C51812dc3A010C7d01b50e0d17dc79C8")),
            "0x70997970c51812dc3a010c7d01b50e0d17dc79c8");
  // Computed by tests/evm/chain.py's own Keccak: the mapping is reproducible without our code.
  EXPECT_EQ(toHex(accountAddress("seller")), "0xd8b93c684e2536d40945b91b61e6d47b71f4572f");
  EXPECT_NE(accountAddress("seller"), accountAddress("buyer"));
  EXPECT_EQ(accountAddress("seller"), [] {
    Hash h = keccak256(std::string_view("finp2p:account:seller"));
    Address a;
    std::copy(h.begin() + 12, h.end(), a.begin());
    return a;
  }());
}

TEST(Hex, RefusesMalformedInput) {
  EXPECT_FALSE(fromHex("0x1"));
  EXPECT_FALSE(fromHex("zz"));
  EXPECT_FALSE(parseAddress("0x1234"));
  EXPECT_EQ(toHex(*fromHex("0xABcd")), "0xabcd");
}

}  // namespace
}  // namespace finp2p::evm
