#include "crypto/keys.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

#include "crypto/digest.hpp"

namespace finp2p::crypto {
namespace {

std::string unhex(std::string_view hex) {
  std::string out;
  EXPECT_TRUE(fromHex(hex, out)) << hex;
  return out;
}

// RFC 8032, section 7.1, TEST 1: our Ed25519 is the standard one.
TEST(Keys, Rfc8032TestVector) {
  auto key = SigningKey::fromSeed(
      unhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"));
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(toHex(key->verifyingKey().raw()),
            "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
  std::string sig = key->sign("");
  EXPECT_EQ(toHex(sig),
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc6"
            "1e39701cf9b46bd25bf5f0595bbe24655141438e7a100b");
  EXPECT_TRUE(key->verifyingKey().verify("", sig));
}

TEST(Keys, PemRoundTripThroughFiles) {
  auto dir = std::filesystem::temp_directory_path() / ("finp2p-keys-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  auto key = SigningKey::generate();
  ASSERT_TRUE(key.ok());
  ASSERT_TRUE(writeKeyPair(*key, (dir / "router").string()).ok());

  struct stat st {};
  ASSERT_EQ(stat((dir / "router.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u) << "private key must not be world-readable";

  auto loaded = SigningKey::fromPemFile((dir / "router.key").string());
  auto pub = VerifyingKey::fromPemFile((dir / "router.pub").string());
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  ASSERT_TRUE(pub.ok()) << pub.error().message;
  EXPECT_TRUE(pub->verify("message", loaded->sign("message")));
  EXPECT_TRUE(key->verifyingKey().verify("message", loaded->sign("message")));
  std::filesystem::remove_all(dir);
}

TEST(Keys, ClearErrorsForMissingAndWrongKeys) {
  auto missing = SigningKey::fromPemFile("/nonexistent/router.key");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  EXPECT_NE(missing.error().message.find("/nonexistent/router.key"), std::string::npos);

  EXPECT_FALSE(SigningKey::fromPem("not a pem").ok());
  // A public key where a private key is expected.
  auto key = SigningKey::generate();
  EXPECT_FALSE(SigningKey::fromPem(key->verifyingKey().toPem()).ok());
  // A P-256 key is refused: routers seal with Ed25519 only.
  const char* p256 =
      "-----BEGIN PUBLIC KEY-----\n"
      "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEEVs/o5+uQbTjL3chynL4wXgUg2R9\n"
      "q9UU8I5mEovUf86QZ7kOBIjJwqnzD1omageEHWwHdBO6B+dFabmdT9POxg==\n"
      "-----END PUBLIC KEY-----\n";
  auto wrongType = VerifyingKey::fromPem(p256);
  ASSERT_FALSE(wrongType.ok());
  EXPECT_NE(wrongType.error().message.find("not Ed25519"), std::string::npos);
}

TEST(Keys, SignatureFromAnotherKeyDoesNotVerify) {
  auto a = SigningKey::generate(), b = SigningKey::generate();
  EXPECT_FALSE(b->verifyingKey().verify("m", a->sign("m")));
  EXPECT_FALSE(a->verifyingKey().verify("m", "short"));
}

TEST(Digest, Sha3AndHex) {
  // FIPS 202 SHA3-256 of the empty string.
  EXPECT_EQ(toHex(sha3_256("")),
            "a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a");
  std::string raw;
  EXPECT_FALSE(fromHex("abc", raw));
  EXPECT_FALSE(fromHex("zz", raw));
  EXPECT_TRUE(fromHex("00ff", raw));
  EXPECT_EQ(raw, std::string("\x00\xff", 2));
}

}  // namespace
}  // namespace finp2p::crypto
