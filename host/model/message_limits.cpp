#include "model/message_limits.hpp"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/reflection.h>

namespace finp2p::model {

namespace {
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

std::size_t limitFor(const FieldDescriptor& f, const MessageLimits& l) {
  const std::string& name = f.name();
  if (name == "participants") return l.participants;
  if (name == "instructions") return l.instructions;
  if (name == "organizations") return l.organizations;
  if (name == "roles") return l.roles;
  return l.otherRepeated;
}

Status walk(const Message& m, const MessageLimits& limits, const std::string& path, int depth) {
  if (depth > 32) return makeError(ErrorCode::kInvalidArgument, path + ": nested too deeply");
  const auto* reflection = m.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  reflection->ListFields(m, &fields);
  for (const auto* f : fields) {
    std::string at = path.empty() ? f->name() : path + "." + f->name();
    if (f->is_repeated()) {
      auto count = static_cast<std::size_t>(reflection->FieldSize(m, f));
      if (count > limitFor(*f, limits)) {
        return makeError(ErrorCode::kInvalidArgument, at + ": " + std::to_string(count) +
                                                          " entries, the limit is " +
                                                          std::to_string(limitFor(*f, limits)));
      }
      for (std::size_t i = 0; i < count; ++i) {
        int index = static_cast<int>(i);
        if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
          if (auto s = walk(reflection->GetRepeatedMessage(m, f, index), limits,
                            at + "[" + std::to_string(i) + "]", depth + 1);
              !s) {
            return s;
          }
        } else if (f->cpp_type() == FieldDescriptor::CPPTYPE_STRING) {
          std::string scratch;
          if (reflection->GetRepeatedStringReference(m, f, index, &scratch).size() >
              limits.stringBytes) {
            return makeError(ErrorCode::kInvalidArgument,
                             at + "[" + std::to_string(i) + "]: longer than " +
                                 std::to_string(limits.stringBytes) + " bytes");
          }
        }
      }
    } else if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      if (auto s = walk(reflection->GetMessage(m, f), limits, at, depth + 1); !s) return s;
    } else if (f->cpp_type() == FieldDescriptor::CPPTYPE_STRING) {
      std::string scratch;
      if (reflection->GetStringReference(m, f, &scratch).size() > limits.stringBytes) {
        return makeError(ErrorCode::kInvalidArgument,
                         at + ": longer than " + std::to_string(limits.stringBytes) + " bytes");
      }
    }
  }
  // Unknown fields are kept (and signed over): bound them too.
  if (m.GetReflection()->GetUnknownFields(m).field_count() >
      static_cast<int>(limits.otherRepeated)) {
    return makeError(ErrorCode::kInvalidArgument,
                     (path.empty() ? "message" : path) + ": too many unknown fields");
  }
  return {};
}
}  // namespace

Status checkMessageLimits(const google::protobuf::Message& message, const MessageLimits& limits) {
  return walk(message, limits, "", 0);
}

}  // namespace finp2p::model
