// The ONE mapping from Status codes to HTTP statuses (STYLE.md "Errors"), and the error
// envelope every error response uses:
//   {"error": {"code": "not_found", "message": "...", "request_id": "..."}}
//
//   InvalidArgument    400      NotFound        404     AlreadyExists   409
//   Unauthenticated    401      PermissionDenied 403
//   FailedPrecondition 422  — the request is well-formed but the state forbids it (e.g. too
//                             little data to fit). 409 is the usual alternative; we keep 409
//                             for AlreadyExists so a client can tell "duplicate" apart.
//   ResourceExhausted  429  — a rate or quota limit; the server itself answers 413/431 for
//                             body/header size limits (those never reach a handler).
//   Unavailable        503      Internal        500 (message replaced, see below)
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"
#include "http/message.h"

namespace clv::http {

int HttpStatusFor(StatusCode code);

// An error Response for a non-OK Status. A 500 never carries the Status's message (it may
// name files, SQL or hosts): the client sees "internal error" plus the request id, and the
// caller should log the original. CHECKs that `status` is not OK.
Response ErrorFromStatus(const Status& status);

// The envelope as JSON text.
std::string ErrorEnvelope(std::string_view code, std::string_view message,
                          std::string_view request_id);

// Reason phrase for a status code ("Not Found"); "Unknown" when not standard.
std::string_view ReasonPhrase(int status);

}  // namespace clv::http
