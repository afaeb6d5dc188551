#include "skbridge/error.h"

#include <fmt/format.h>

namespace skbridge {

const char* ErrorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kIo: return "io";
    case ErrorCode::kFormat: return "format";
    case ErrorCode::kLimit: return "limit";
    case ErrorCode::kUnsafe: return "unsafe";
    case ErrorCode::kUnsupported: return "unsupported";
    case ErrorCode::kInvalidInput: return "invalid-input";
    case ErrorCode::kInvalidModel: return "invalid-model";
  }
  return "?";
}

std::string Error::Describe() const {
  std::string out;
  if (!file_.empty()) out += file_ + ": ";
  if (offset_) out += fmt::format("offset 0x{:x} ({}): ", *offset_, *offset_);
  out += message_;
  return out;
}

}  // namespace skbridge
