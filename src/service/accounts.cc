#include "service/accounts.h"

#include <utility>

#include "ingest/order_fields.h"
#include "security/tokens.h"

namespace clv::service {
namespace {

// The one answer for every failed sign-in, so that it does not tell which part was wrong.
Status BadCredentials() { return Unauthenticated("invalid email or password"); }

}  // namespace

AccountService::AccountService(storage::Store& store, const security::JwtCodec& jwt,
                               const security::PasswordHasher& hasher, const Clock& clock,
                               AccountOptions options)
    : store_(store), jwt_(jwt), hasher_(hasher), clock_(clock), options_(options) {}

Result<std::string> AccountService::NormalizeLoginEmail(std::string_view email) const {
  std::string normalized;
  // The same syntax rules as customer emails (ingest/order_fields.h), plus: required.
  Status s = ingest::NormalizeEmail(email, &normalized);
  if (!s.ok()) return InvalidArgument("email: " + s.message());
  if (normalized.empty()) return InvalidArgument("email: is required");
  return normalized;
}

Result<TokenPair> AccountService::IssueTokens(const User& user, std::string family_id) {
  const UnixMicros now = clock_.Now();
  TokenPair pair;
  security::IssuedAccessToken access = jwt_.Issue(user.id, user.tenant, user.role, now);
  pair.access_token = std::move(access.token);
  pair.expires_in_s = access.expires_in_s;
  pair.claims = access.claims;
  pair.refresh_token = security::NewRefreshToken();
  CLV_RETURN_IF_ERROR(store_.InsertRefreshToken(
      user.tenant, user.id, security::HashToken(pair.refresh_token), family_id,
      now + options_.refresh_token_ttl_s * 1'000'000, now));
  return pair;
}

Result<Registration> AccountService::Register(std::string_view email, std::string_view password,
                                              std::string_view organization) {
  CLV_ASSIGN_OR_RETURN(std::string normalized, NormalizeLoginEmail(email));
  const std::string_view org = ingest::TrimBlanks(organization);
  if (org.empty()) return InvalidArgument("organization: is required");
  if (org.size() > 200) return InvalidArgument("organization: is longer than 200 bytes");
  if (!ingest::IsValidUtf8(org)) return InvalidArgument("organization: is not valid UTF-8");
  Status policy = security::CheckPasswordPolicy(password);
  if (!policy.ok()) return InvalidArgument("password: " + policy.message());

  CLV_ASSIGN_OR_RETURN(std::string hash, hasher_.Hash(password));
  CLV_ASSIGN_OR_RETURN(storage::TenantWithOwner created,
                       store_.CreateTenantWithOwner(org, normalized, hash, clock_.Now()));
  CLV_ASSIGN_OR_RETURN(TokenPair tokens,
                       IssueTokens(created.owner, security::NewTokenFamilyId()));
  CLV_RETURN_IF_ERROR(store_.AppendAudit(created.tenant.id, created.owner.id, "tenant.register",
                                         "{}", clock_.Now()));
  return Registration{std::move(created.tenant), std::move(created.owner), std::move(tokens)};
}

Result<TokenPair> AccountService::Login(std::string_view email, std::string_view password) {
  std::string normalized;
  if (!ingest::NormalizeEmail(email, &normalized).ok() || normalized.empty() ||
      password.size() > security::kMaxPasswordBytes) {
    hasher_.DummyVerify(password.substr(0, security::kMaxPasswordBytes));
    return BadCredentials();
  }
  Result<User> user = store_.FindUserByEmail(normalized);
  if (!user.ok()) {
    if (user.status().code() != StatusCode::kNotFound) return user.status();
    hasher_.DummyVerify(password);
    return BadCredentials();
  }
  if (!hasher_.Verify(password, user->password_hash)) return BadCredentials();
  if (hasher_.NeedsRehash(user->password_hash)) {
    // Parameters were raised since this hash was made: upgrade it while we know the password.
    Result<std::string> rehashed = hasher_.Hash(password);
    if (rehashed.ok()) {
      CLV_RETURN_IF_ERROR(store_.UpdatePasswordHash(user->tenant, user->id, *rehashed));
    }
  }
  return IssueTokens(*user, security::NewTokenFamilyId());
}

Result<TokenPair> AccountService::Refresh(std::string_view refresh_token) {
  if (!security::IsWellFormedRefreshToken(refresh_token)) {
    return Unauthenticated("invalid refresh token");
  }
  const UnixMicros now = clock_.Now();
  const std::string new_token = security::NewRefreshToken();
  Result<storage::RefreshTokenOwner> owner = store_.RotateRefreshToken(
      security::HashToken(refresh_token), security::HashToken(new_token), now,
      now + options_.refresh_token_ttl_s * 1'000'000);
  if (!owner.ok()) {
    if (owner.status().code() == StatusCode::kUnauthenticated) {
      return Unauthenticated("refresh token is expired, revoked or already used; sign in again");
    }
    return owner.status();
  }
  // The role may have changed since the last token: read it fresh.
  Result<User> user = store_.GetUser(owner->tenant, owner->user);
  if (!user.ok()) {
    if (user.status().code() == StatusCode::kNotFound) return Unauthenticated("user no longer exists");
    return user.status();
  }
  security::IssuedAccessToken access = jwt_.Issue(user->id, user->tenant, user->role, now);
  TokenPair pair;
  pair.access_token = std::move(access.token);
  pair.expires_in_s = access.expires_in_s;
  pair.claims = access.claims;
  pair.refresh_token = new_token;
  return pair;
}

Status AccountService::Logout(std::string_view refresh_token) {
  if (!security::IsWellFormedRefreshToken(refresh_token)) {
    return InvalidArgument("refresh_token: is not a refresh token");
  }
  return store_.RevokeRefreshToken(security::HashToken(refresh_token), clock_.Now());
}

Result<User> AccountService::CreateUser(TenantId tenant, std::string_view email,
                                        std::string_view password, Role role) {
  CLV_ASSIGN_OR_RETURN(std::string normalized, NormalizeLoginEmail(email));
  Status policy = security::CheckPasswordPolicy(password);
  if (!policy.ok()) return InvalidArgument("password: " + policy.message());
  CLV_ASSIGN_OR_RETURN(std::string hash, hasher_.Hash(password));
  CLV_ASSIGN_OR_RETURN(User user, store_.CreateUser(tenant, normalized, hash, role, clock_.Now()));
  CLV_RETURN_IF_ERROR(store_.AppendAudit(tenant, std::nullopt, "user.create",
                                         "{\"user_id\":" + std::to_string(user.id.value) + "}",
                                         clock_.Now()));
  return user;
}

Status AccountService::ResetPassword(std::string_view email, std::string_view new_password) {
  CLV_ASSIGN_OR_RETURN(std::string normalized, NormalizeLoginEmail(email));
  Status policy = security::CheckPasswordPolicy(new_password);
  if (!policy.ok()) return InvalidArgument("password: " + policy.message());
  CLV_ASSIGN_OR_RETURN(User user, store_.FindUserByEmail(normalized));
  CLV_ASSIGN_OR_RETURN(std::string hash, hasher_.Hash(new_password));
  CLV_RETURN_IF_ERROR(store_.UpdatePasswordHash(user.tenant, user.id, hash));
  CLV_RETURN_IF_ERROR(store_.RevokeAllForUser(user.tenant, user.id, clock_.Now()));
  return store_.AppendAudit(user.tenant, std::nullopt, "user.reset_password",
                            "{\"user_id\":" + std::to_string(user.id.value) + "}", clock_.Now());
}

}  // namespace clv::service
