#include "crypto/sealing.hpp"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

namespace finp2p::crypto {
namespace {

std::string_view view(const Digest& d) {
  return {reinterpret_cast<const char*>(d.data()), d.size()};
}

finp2p::signature::Signature makeSignature(const Digest& digest, const SigningKey& key,
                                           const char* templateName) {
  finp2p::signature::Signature s;
  s.set_signature(toHex(key.sign(view(digest))));
  s.set_routertemplate(templateName);
  s.set_hashfunc(kHashFunc);
  return s;
}

Status verifySignature(const Digest& digest, const finp2p::signature::Signature& s,
                       const VerifyingKey& key, const char* templateName, const char* what) {
  if (s.has_template_()) {
    return makeError(ErrorCode::kUnauthenticated,
                     std::string(what) + " signature carries an investor template");
  }
  if (s.hashfunc() != kHashFunc || s.routertemplate() != templateName) {
    return makeError(ErrorCode::kUnauthenticated, std::string(what) + " signature has template \"" +
                                                      s.routertemplate() + "\" / hash \"" +
                                                      s.hashfunc() + "\", expected \"" +
                                                      templateName + "\" / \"" + kHashFunc + "\"");
  }
  std::string raw;
  if (!fromHex(s.signature(), raw) || !key.verify(view(digest), raw)) {
    return makeError(ErrorCode::kUnauthenticated,
                     std::string(what) + " signature does not verify with the signer's key");
  }
  // Lowercase only, as docs/protocol.md says: the decoder takes either case, and the same
  // signature spelled in capitals would be a different message that still verifies — stored
  // and chained by this router, unlike by the others (fuzz_byzantine found it).
  if (toHex(raw) != s.signature()) {
    return makeError(ErrorCode::kUnauthenticated,
                     std::string(what) + " signature is not lowercase hex");
  }
  return {};
}

}  // namespace

std::string canonicalBytes(const google::protobuf::Message& message) {
  std::string out;
  {
    google::protobuf::io::StringOutputStream stream(&out);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    message.SerializeToCodedStream(&coded);
  }
  return out;
}

Digest sealDigest(const google::protobuf::Message& payload) {
  std::string input = "finp2p-exec:seal:v1\n";
  input += payload.GetDescriptor()->full_name();
  input += '\n';
  input += canonicalBytes(payload);
  return sha3_256(input);
}

finp2p::common::SealingSignature seal(const google::protobuf::Message& payload,
                                      const SigningKey& key, const std::string& keyId) {
  finp2p::common::SealingSignature s;
  s.set_algorithm(kSealAlgorithm);
  s.set_hashfunc(kHashFunc);
  s.set_keyid(keyId);
  s.set_signature(key.sign(view(sealDigest(payload))));
  return s;
}

Status verifySeal(const google::protobuf::Message& payload,
                  const finp2p::common::SealingSignature& signature, const VerifyingKey& key,
                  const std::string& expectedKeyId) {
  if (signature.keyid() != expectedKeyId) {
    return makeError(
        ErrorCode::kUnauthenticated,
        "seal is by \"" + signature.keyid() + "\" but the sender is \"" + expectedKeyId + "\"");
  }
  if (signature.algorithm() != kSealAlgorithm || signature.hashfunc() != kHashFunc) {
    return makeError(ErrorCode::kUnauthenticated, "seal uses algorithm \"" + signature.algorithm() +
                                                      "\" / hash \"" + signature.hashfunc() +
                                                      "\", expected \"ed25519\" / \"sha3-256\"");
  }
  if (!key.verify(view(sealDigest(payload)), signature.signature())) {
    return makeError(
        ErrorCode::kUnauthenticated,
        "seal does not verify with the key configured for \"" + signature.keyid() + "\"");
  }
  return {};
}

Digest planDigest(const finp2p::execution::ExecutionPlan& plan) {
  return sha3_256("finp2p-exec:plan:v1\n" + canonicalBytes(plan));
}

Digest planApprovalDigest(const Digest& planDigest, const std::string& organizationId) {
  std::string input = "finp2p-exec:plan-approval:v1\n";
  input += view(planDigest);
  input += organizationId;
  return sha3_256(input);
}

finp2p::execution::ExecutionPlanApproval signPlanApproval(
    const finp2p::execution::ExecutionPlan& plan, const std::string& organizationId,
    const SigningKey& key) {
  finp2p::execution::ExecutionPlanApproval approval;
  *approval.mutable_executionplanid() = plan.id();
  approval.set_organizationid(organizationId);
  *approval.mutable_signature() = makeSignature(
      planApprovalDigest(planDigest(plan), organizationId), key, kPlanApprovalTemplate);
  return approval;
}

Status verifyPlanApproval(const finp2p::execution::ExecutionPlan& plan,
                          const finp2p::execution::ExecutionPlanApproval& approval,
                          const VerifyingKey& key) {
  if (approval.executionplanid().id() != plan.id().id()) {
    return makeError(ErrorCode::kInvalidArgument, "approval is for plan \"" +
                                                      approval.executionplanid().id() +
                                                      "\", not \"" + plan.id().id() + "\"");
  }
  return verifySignature(planApprovalDigest(planDigest(plan), approval.organizationid()),
                         approval.signature(), key, kPlanApprovalTemplate, "plan approval");
}

Digest completionDigest(const finp2p::execution::InstructionCompletionEvent& event) {
  finp2p::execution::InstructionCompletionEvent unsigned_ = event;
  unsigned_.clear_signature();
  return sha3_256("finp2p-exec:completion:v1\n" + canonicalBytes(unsigned_));
}

void signCompletion(finp2p::execution::InstructionCompletionEvent& event, const SigningKey& key) {
  *event.mutable_signature() = makeSignature(completionDigest(event), key, kCompletionTemplate);
}

Status verifyCompletion(const finp2p::execution::InstructionCompletionEvent& event,
                        const VerifyingKey& key) {
  return verifySignature(completionDigest(event), event.signature(), key, kCompletionTemplate,
                         "instruction completion");
}

namespace {
Digest completionApprovalDigest(const finp2p::execution::InstructionCompletionEvent& event,
                                const std::string& organizationId) {
  std::string input = "finp2p-exec:completion-approval:v1\n";
  input += view(completionDigest(event));
  input += organizationId;
  return sha3_256(input);
}
}  // namespace

finp2p::execution::InstructionCompletionApproval approveCompletion(
    const finp2p::execution::InstructionCompletionEvent& event, const std::string& organizationId,
    const SigningKey& key) {
  finp2p::execution::InstructionCompletionApproval approval;
  *approval.mutable_instructioncompletion() = event;
  *approval.mutable_signature() = makeSignature(completionApprovalDigest(event, organizationId),
                                                key, kCompletionApprovalTemplate);
  return approval;
}

Status verifyCompletionApproval(const finp2p::execution::InstructionCompletionApproval& approval,
                                const std::string& organizationId, const VerifyingKey& key) {
  return verifySignature(completionApprovalDigest(approval.instructioncompletion(), organizationId),
                         approval.signature(), key, kCompletionApprovalTemplate,
                         "completion approval");
}

}  // namespace finp2p::crypto
