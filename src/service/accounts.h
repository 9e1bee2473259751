// Accounts: registration, sign-in, refresh-token rotation, sign-out, and the operator's user
// management (`clv user`). Owns the rules; storage/ keeps the rows, security/ does the crypto.
//
// Tokens: an access token is a 15-minute HS256 JWT (security/jwt.h) carrying user, tenant and
// role; a refresh token is 256 random bits (security/tokens.h) of which only the SHA-256 hash is
// stored. Every refresh rotates it: the old token stops working, and presenting an already
// rotated token again revokes its whole family (the store detects the reuse).
//
// Errors: InvalidArgument for bad input (email syntax, password policy, empty organization),
// AlreadyExists when the email is taken, Unauthenticated for wrong credentials or a dead
// refresh token — with one message for an unknown email and a wrong password, and comparable
// timing (DummyVerify), so the API does not reveal which emails have accounts.
// Thread-safe: the service holds references to thread-safe collaborators only.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/domain.h"
#include "core/status.h"
#include "security/jwt.h"
#include "security/password.h"
#include "storage/store.h"

namespace clv::service {

struct TokenPair {
  std::string access_token;
  std::string refresh_token;
  std::int64_t expires_in_s = 0;  // of the access token
  security::AccessClaims claims;
};

struct Registration {
  Tenant tenant;
  User user;
  TokenPair tokens;
};

struct AccountOptions {
  std::int64_t refresh_token_ttl_s = 30LL * 24 * 3600;
};

class AccountService {
 public:
  AccountService(storage::Store& store, const security::JwtCodec& jwt,
                 const security::PasswordHasher& hasher, const Clock& clock,
                 AccountOptions options = {});

  // Creates an organization (tenant) with `email` as its owner and signs them in.
  Result<Registration> Register(std::string_view email, std::string_view password,
                                std::string_view organization);
  Result<TokenPair> Login(std::string_view email, std::string_view password);
  // Exchanges a refresh token for a new pair; the presented token stops working.
  Result<TokenPair> Refresh(std::string_view refresh_token);
  // Revokes the refresh token. Idempotent: an unknown or already revoked token is fine.
  Status Logout(std::string_view refresh_token);

  // Operator paths (`clv user`): no token involved.
  Result<User> CreateUser(TenantId tenant, std::string_view email, std::string_view password,
                          Role role);
  // Sets a new password and revokes every refresh token of the user.
  Status ResetPassword(std::string_view email, std::string_view new_password);

 private:
  Result<TokenPair> IssueTokens(const User& user, std::string family_id);
  Result<std::string> NormalizeLoginEmail(std::string_view email) const;

  storage::Store& store_;
  const security::JwtCodec& jwt_;
  const security::PasswordHasher& hasher_;
  const Clock& clock_;
  AccountOptions options_;
};

}  // namespace clv::service
