#include "security/jwt.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <boost/json.hpp>
#include <charconv>

#include "core/check.h"
#include "core/time.h"
#include "security/encoding.h"
#include "security/random.h"

namespace clv::security {
namespace {

namespace json = boost::json;

constexpr std::string_view kIssuer = "clv";
constexpr std::string_view kAccessType = "access";
// The header is fixed, so its encoding is too.
constexpr std::string_view kHeaderJson = R"({"alg":"HS256","typ":"JWT"})";

Result<json::object> ParseObject(std::string_view text, std::string_view what) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec) return Unauthenticated(std::string(what) + " is not valid JSON");
  if (!v.is_object()) return Unauthenticated(std::string(what) + " is not a JSON object");
  return std::move(v.as_object());
}

Result<std::string_view> StringClaim(const json::object& o, std::string_view name) {
  const json::value* v = o.if_contains(name);
  if (v == nullptr) return Unauthenticated("token lacks claim '" + std::string(name) + "'");
  if (!v->is_string())
    return Unauthenticated("token claim '" + std::string(name) + "' is not a string");
  const json::string& s = v->get_string();
  return std::string_view(s.data(), s.size());
}

Result<std::int64_t> IntClaim(const json::object& o, std::string_view name) {
  const json::value* v = o.if_contains(name);
  if (v == nullptr) return Unauthenticated("token lacks claim '" + std::string(name) + "'");
  // NumericDate as a non-negative integer; negative values would also make the leeway
  // arithmetic in Verify overflow.
  if (v->is_int64() && v->get_int64() >= 0) return v->get_int64();
  if (v->is_uint64() && v->get_uint64() <= static_cast<std::uint64_t>(INT64_MAX))
    return static_cast<std::int64_t>(v->get_uint64());
  return Unauthenticated("token claim '" + std::string(name) +
                         "' is not a non-negative integer");
}

// A positive decimal id without sign, leading zeros or other decoration.
Result<std::int64_t> IdClaim(const json::object& o, std::string_view name) {
  CLV_ASSIGN_OR_RETURN(std::string_view text, StringClaim(o, name));
  std::int64_t id = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc() || end != text.data() + text.size() || id <= 0 || text[0] == '0')
    return Unauthenticated("token claim '" + std::string(name) + "' is not an id");
  return id;
}

}  // namespace

std::string HmacSha256(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  CLV_CHECK(HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
                 reinterpret_cast<const unsigned char*>(data.data()), data.size(), out,
                 &len) != nullptr);
  return std::string(reinterpret_cast<char*>(out), len);
}

Result<std::string> VerifyHs256Signature(std::string_view token, std::string_view key) {
  // Our tokens are ~300 bytes; refuse to decode or parse anything far larger.
  if (token.size() > kMaxTokenBytes) return Unauthenticated("token is too long");
  std::size_t first = token.find('.');
  if (first == std::string_view::npos) return Unauthenticated("token is not a compact JWS");
  std::size_t second = token.find('.', first + 1);
  if (second == std::string_view::npos || token.find('.', second + 1) != std::string_view::npos)
    return Unauthenticated("token is not a compact JWS");
  std::string_view header_b64 = token.substr(0, first);
  std::string_view payload_b64 = token.substr(first + 1, second - first - 1);
  std::string_view signature_b64 = token.substr(second + 1);

  std::optional<std::string> header = Base64UrlDecode(header_b64);
  std::optional<std::string> payload = Base64UrlDecode(payload_b64);
  std::optional<std::string> signature = Base64UrlDecode(signature_b64);
  if (!header || !payload || !signature || header->empty() || payload->empty())
    return Unauthenticated("token has a malformed base64url segment");

  // The algorithm is pinned by us, not chosen by the token: anything but the exact string
  // "HS256" is refused before any key is used ("none" and RS/HS confusion attacks).
  CLV_ASSIGN_OR_RETURN(json::object h, ParseObject(*header, "token header"));
  const json::value* alg = h.if_contains("alg");
  if (alg == nullptr || !alg->is_string() || alg->get_string() != "HS256")
    return Unauthenticated("token algorithm is not HS256");
  // RFC 7515 §4.1.11: a recipient must reject critical extensions it does not understand;
  // we understand none.
  if (h.contains("crit")) return Unauthenticated("token header has unsupported 'crit'");

  std::string_view signing_input = token.substr(0, second);
  if (!ConstantTimeEquals(*signature, HmacSha256(key, signing_input)))
    return Unauthenticated("token signature is invalid");
  return std::move(*payload);
}

Result<JwtCodec> JwtCodec::Create(std::string secret, JwtOptions options) {
  if (secret.size() < kMinJwtSecretBytes)
    return InvalidArgument("JWT secret must be at least " + std::to_string(kMinJwtSecretBytes) +
                           " bytes");
  if (options.lifetime_s <= 0) return InvalidArgument("JWT lifetime must be positive");
  if (options.leeway_s < 0) return InvalidArgument("JWT leeway must not be negative");
  return JwtCodec(std::move(secret), options);
}

IssuedAccessToken JwtCodec::Issue(UserId user, TenantId tenant, Role role,
                                  UnixMicros now_us) const {
  AccessClaims claims;
  claims.user = user;
  claims.tenant = tenant;
  claims.role = role;
  claims.issued_at_s = FloorSeconds(now_us);
  claims.expires_at_s = claims.issued_at_s + options_.lifetime_s;
  claims.jwt_id = RandomId();

  json::object payload;
  payload["iss"] = kIssuer;
  payload["typ"] = kAccessType;
  payload["sub"] = std::to_string(user.value);
  payload["tid"] = std::to_string(tenant.value);
  payload["role"] = RoleName(role);
  payload["iat"] = claims.issued_at_s;
  payload["exp"] = claims.expires_at_s;
  payload["jti"] = claims.jwt_id;

  std::string token = Base64UrlEncode(kHeaderJson);
  token += '.';
  token += Base64UrlEncode(json::serialize(payload));
  std::string signature = HmacSha256(secret_, token);
  token += '.';
  token += Base64UrlEncode(signature);
  return {std::move(token), std::move(claims), options_.lifetime_s};
}

Result<AccessClaims> JwtCodec::Verify(std::string_view token, UnixMicros now_us) const {
  CLV_ASSIGN_OR_RETURN(std::string payload, VerifyHs256Signature(token, secret_));
  CLV_ASSIGN_OR_RETURN(json::object p, ParseObject(payload, "token payload"));

  CLV_ASSIGN_OR_RETURN(std::string_view iss, StringClaim(p, "iss"));
  if (iss != kIssuer) return Unauthenticated("token issuer is not 'clv'");
  CLV_ASSIGN_OR_RETURN(std::string_view typ, StringClaim(p, "typ"));
  if (typ != kAccessType) return Unauthenticated("token is not an access token");

  AccessClaims claims;
  CLV_ASSIGN_OR_RETURN(claims.user.value, IdClaim(p, "sub"));
  CLV_ASSIGN_OR_RETURN(claims.tenant.value, IdClaim(p, "tid"));
  CLV_ASSIGN_OR_RETURN(std::string_view role_name, StringClaim(p, "role"));
  std::optional<Role> role = ParseRole(role_name);
  if (!role) return Unauthenticated("token claim 'role' is not a known role");
  claims.role = *role;
  CLV_ASSIGN_OR_RETURN(claims.issued_at_s, IntClaim(p, "iat"));
  CLV_ASSIGN_OR_RETURN(claims.expires_at_s, IntClaim(p, "exp"));
  CLV_ASSIGN_OR_RETURN(std::string_view jti, StringClaim(p, "jti"));
  if (jti.empty()) return Unauthenticated("token claim 'jti' is empty");
  claims.jwt_id = std::string(jti);

  if (claims.expires_at_s <= claims.issued_at_s)
    return Unauthenticated("token expires before it was issued");
  const std::int64_t now_s = FloorSeconds(now_us);
  // Overflow-safe forms of "now >= exp + leeway" and "iat > now + leeway" (iat, exp >= 0).
  if (now_s - options_.leeway_s >= claims.expires_at_s) return Unauthenticated("token expired");
  if (claims.issued_at_s - options_.leeway_s > now_s)
    return Unauthenticated("token issued in the future");
  return claims;
}

}  // namespace clv::security
