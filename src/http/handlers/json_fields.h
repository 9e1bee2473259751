// Small helpers shared by handlers: reading typed fields of a JSON request object with errors
// that name the field, parsing list parameters, and rendering records as JSON.
//
// Money goes out as integer minor units plus a decimal string in major units (never a double:
// Boost.JSON prints doubles in exponent form); times as RFC 3339 UTC strings.
#pragma once

#include <boost/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/domain.h"
#include "core/status.h"
#include "http/message.h"

namespace clv::http {

// The string field `name` of `object`. InvalidArgument "<name>: is required" when absent or
// null, "<name>: must be a string" for another type.
Result<std::string> RequiredString(const boost::json::object& object, std::string_view name);

// `limit` (1..1000) and `cursor` query parameters. InvalidArgument for a non-integer limit.
struct PageParams {
  int limit = 0;
  std::string cursor;
};
Result<PageParams> ReadPageParams(const Request& request);

// A positive 64-bit id from a path parameter; NotFound for anything else (an id that cannot
// exist is simply not found).
Result<std::int64_t> PathId(const Request& request, std::string_view name);

boost::json::object CustomerJson(const Customer& customer);
boost::json::object OrderJson(const Order& order);
// {"minor": 1999, "amount": "19.99", "currency": "USD"}
boost::json::object MoneyJson(std::int64_t minor, std::string_view currency);

}  // namespace clv::http
