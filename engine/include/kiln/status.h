// Errors as values. Every fallible engine call returns a Status or a Result<T>; the message says what
// went wrong and, where the caller can do something about it, what to do. No exception crosses the
// public API.
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace kiln {

enum class StatusCode {
    Ok,
    InvalidArgument,  // the caller passed something malformed (a shape, a name, a flag)
    InvalidModel,     // the model file or network is malformed or inconsistent
    Unsupported,      // valid, but Kiln does not implement it
    NotFound,         // a named tensor, layer or file does not exist
    IoError,          // reading or writing a file failed
    Cancelled,        // the caller asked to stop
    Internal,         // a bug in Kiln
};

const char* toString(StatusCode code);

class [[nodiscard]] Status {
public:
    Status() = default;
    Status(StatusCode code, std::string message) : m_code(code), m_message(std::move(message)) {}

    static Status ok() { return {}; }

    bool isOk() const { return m_code == StatusCode::Ok; }
    explicit operator bool() const { return isOk(); }
    StatusCode code() const { return m_code; }
    const std::string& message() const { return m_message; }

    // Returns a copy whose message is prefixed with `context: `, for adding where an error happened.
    Status withContext(const std::string& context) const;

private:
    StatusCode m_code = StatusCode::Ok;
    std::string m_message;
};

inline Status invalidArgument(std::string message) {
    return {StatusCode::InvalidArgument, std::move(message)};
}
inline Status invalidModel(std::string message) {
    return {StatusCode::InvalidModel, std::move(message)};
}
inline Status unsupported(std::string message) {
    return {StatusCode::Unsupported, std::move(message)};
}
inline Status notFound(std::string message) {
    return {StatusCode::NotFound, std::move(message)};
}
inline Status ioError(std::string message) {
    return {StatusCode::IoError, std::move(message)};
}
inline Status cancelled(std::string message) {
    return {StatusCode::Cancelled, std::move(message)};
}
inline Status internalError(std::string message) {
    return {StatusCode::Internal, std::move(message)};
}

// A value or the Status that explains why there is none.
template <typename T>
class [[nodiscard]] Result {
public:
    Result(T value) : m_state(std::move(value)) {}
    Result(Status status) : m_state(std::move(status)) { assert(!std::get<Status>(m_state).isOk()); }

    bool isOk() const { return std::holds_alternative<T>(m_state); }
    explicit operator bool() const { return isOk(); }

    const Status& status() const {
        static const Status okStatus;
        return isOk() ? okStatus : std::get<Status>(m_state);
    }

    T& value() & { return std::get<T>(m_state); }
    const T& value() const& { return std::get<T>(m_state); }
    T&& value() && { return std::get<T>(std::move(m_state)); }

    // The same result, its error (if any) prefixed with `context`.
    Result withContext(const std::string& context) && {
        if (isOk()) return std::move(*this);
        return std::get<Status>(m_state).withContext(context);
    }

    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }

private:
    std::variant<T, Status> m_state;
};

}  // namespace kiln

// Returns early from the enclosing function with the Status of `expr` if it is not ok.
#define KILN_RETURN_IF_ERROR(expr)              \
    do {                                        \
        ::kiln::Status kilnStatus_ = (expr);    \
        if (!kilnStatus_.isOk()) return kilnStatus_; \
    } while (false)

#define KILN_CONCAT_INNER_(a, b) a##b
#define KILN_CONCAT_(a, b) KILN_CONCAT_INNER_(a, b)

// `KILN_ASSIGN_OR_RETURN(auto x, makeX());` assigns the value or returns the error.
#define KILN_ASSIGN_OR_RETURN(decl, expr) \
    KILN_ASSIGN_OR_RETURN_IMPL_(KILN_CONCAT_(kilnResult_, __LINE__), decl, expr)
#define KILN_ASSIGN_OR_RETURN_IMPL_(tmp, decl, expr) \
    auto tmp = (expr);                               \
    if (!tmp.isOk()) return tmp.status();            \
    decl = std::move(tmp).value()
