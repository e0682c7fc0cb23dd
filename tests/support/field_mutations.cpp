#include "field_mutations.hpp"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/reflection.h>

#include <vector>

namespace finp2p::testing {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

// Walks the set leaves in order to the one to mutate; the path is spelled out only for it.
struct Walk {
  std::size_t seen = 0;
  std::size_t target = SIZE_MAX;
  uint64_t salt = 0;
  std::vector<std::pair<const FieldDescriptor*, int>> at, hit;

  bool message(Message& m) {
    const auto* r = m.GetReflection();
    std::vector<const FieldDescriptor*> fields;
    r->ListFields(m, &fields);
    for (const auto* f : fields) {
      int count = f->is_repeated() ? r->FieldSize(m, f) : 1;
      if (f->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE &&
          seen + static_cast<std::size_t>(count) <= target) {
        seen += static_cast<std::size_t>(count);  // not among these
        continue;
      }
      for (int i = 0; i < count; ++i) {
        at.emplace_back(f, f->is_repeated() ? i : -1);
        bool done = false;
        if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
          done = message(f->is_repeated() ? *r->MutableRepeatedMessage(&m, f, i)
                                          : *r->MutableMessage(&m, f));
        } else if (seen++ == target) {
          mutate(m, f, i, salt);
          hit = at;
          done = true;
        }
        at.pop_back();
        if (done) return true;
      }
    }
    return false;
  }

  std::string path() const {
    std::string out;
    for (const auto& [f, i] : hit) {
      out += (out.empty() ? "" : ".") + f->name();
      if (i >= 0) out += "[" + std::to_string(i) + "]";
    }
    return out;
  }

  static void mutate(Message& m, const FieldDescriptor* f, int i, uint64_t salt) {
    const auto* r = m.GetReflection();
    bool rep = f->is_repeated();
    int64_t step = salt                             ? static_cast<int64_t>(salt)
                   : f->name() == "timestampMillis" ? 3'600'000
                                                    : 1000;
    switch (f->cpp_type()) {
      case FieldDescriptor::CPPTYPE_STRING: {
        std::string v = rep ? r->GetRepeatedString(m, f, i) : r->GetString(m, f);
        if (v.empty()) {
          v = "x";  // a set oneof member or a repeated element may be empty
        } else {
          // Low bits only: an ASCII string stays valid UTF-8, as every string off the wire is
          // (the parser refuses others).
          auto bits = static_cast<char>(salt ? ((salt >> 8) & 0x7f) | 1 : 1);
          v[salt % v.size()] = static_cast<char>(v[salt % v.size()] ^ bits);
        }
        rep ? r->SetRepeatedString(&m, f, i, v) : r->SetString(&m, f, v);
        break;
      }
      case FieldDescriptor::CPPTYPE_INT32:
        rep ? r->SetRepeatedInt32(&m, f, i, r->GetRepeatedInt32(m, f, i) + step)
            : r->SetInt32(&m, f, r->GetInt32(m, f) + static_cast<int32_t>(step));
        break;
      case FieldDescriptor::CPPTYPE_UINT32:
        rep ? r->SetRepeatedUInt32(&m, f, i, r->GetRepeatedUInt32(m, f, i) + step)
            : r->SetUInt32(&m, f, r->GetUInt32(m, f) + static_cast<uint32_t>(step));
        break;
      case FieldDescriptor::CPPTYPE_INT64:
        rep ? r->SetRepeatedInt64(&m, f, i, r->GetRepeatedInt64(m, f, i) + step)
            : r->SetInt64(&m, f, r->GetInt64(m, f) + step);
        break;
      case FieldDescriptor::CPPTYPE_UINT64:
        rep ? r->SetRepeatedUInt64(&m, f, i, r->GetRepeatedUInt64(m, f, i) + step)
            : r->SetUInt64(&m, f, r->GetUInt64(m, f) + step);
        break;
      case FieldDescriptor::CPPTYPE_DOUBLE:
        rep ? r->SetRepeatedDouble(&m, f, i, r->GetRepeatedDouble(m, f, i) + 1)
            : r->SetDouble(&m, f, r->GetDouble(m, f) + 1);
        break;
      case FieldDescriptor::CPPTYPE_FLOAT:
        rep ? r->SetRepeatedFloat(&m, f, i, r->GetRepeatedFloat(m, f, i) + 1)
            : r->SetFloat(&m, f, r->GetFloat(m, f) + 1);
        break;
      case FieldDescriptor::CPPTYPE_BOOL:
        rep ? r->SetRepeatedBool(&m, f, i, !r->GetRepeatedBool(m, f, i))
            : r->SetBool(&m, f, !r->GetBool(m, f));
        break;
      case FieldDescriptor::CPPTYPE_ENUM: {
        const auto* type = f->enum_type();
        int v = rep ? r->GetRepeatedEnumValue(m, f, i) : r->GetEnumValue(m, f);
        const auto* at = type->FindValueByNumber(v);
        int index = at ? at->index() + 1 + static_cast<int>(salt % type->value_count()) : 0;
        int next = type->value(index % type->value_count())->number();
        rep ? r->SetRepeatedEnumValue(&m, f, i, next) : r->SetEnumValue(&m, f, next);
        break;
      }
      default:
        break;
    }
  }
};

}  // namespace

// Counting needs no copy (a fuzzer counts on every input).
static std::size_t count(const Message& m) {
  const auto* r = m.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  r->ListFields(m, &fields);
  std::size_t n = 0;
  for (const auto* f : fields) {
    int size = f->is_repeated() ? r->FieldSize(m, f) : 1;
    if (f->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) {
      n += static_cast<std::size_t>(size);
      continue;
    }
    for (int i = 0; i < size; ++i) {
      n += count(f->is_repeated() ? r->GetRepeatedMessage(m, f, i) : r->GetMessage(m, f));
    }
  }
  return n;
}

std::size_t countLeaves(const Message& m) {
  return count(m);
}

std::string mutateLeaf(Message& m, std::size_t n, uint64_t salt) {
  Walk w;
  w.target = n;
  w.salt = salt;
  w.message(m);
  return w.path();
}

}  // namespace finp2p::testing
