// Status helpers.
#include "kiln/status.h"

namespace kiln {

const char* toString(StatusCode code) {
    switch (code) {
        case StatusCode::Ok: return "ok";
        case StatusCode::InvalidArgument: return "invalid argument";
        case StatusCode::InvalidModel: return "invalid model";
        case StatusCode::Unsupported: return "unsupported";
        case StatusCode::NotFound: return "not found";
        case StatusCode::IoError: return "I/O error";
        case StatusCode::Cancelled: return "cancelled";
        case StatusCode::Internal: return "internal error";
    }
    return "unknown";
}

Status Status::withContext(const std::string& context) const {
    if (isOk()) return *this;
    return {m_code, context + ": " + m_message};
}

}  // namespace kiln
