// Refresh tokens: opaque, random, stored only as a hash.
//
// A refresh token is "clvr_" followed by 43 base64url characters (256 random bits). The
// prefix lets secret scanners (GitHub, gitleaks) recognise a leaked token. The database keeps
// HashToken(token) — a SHA-256 hex digest — never the token itself: 256 random bits need no
// slow hash, and a stolen table then holds nothing a client could present.
//
// Rotation: every refresh token belongs to a family (NewTokenFamilyId) started at login;
// each refresh revokes the presented token and issues a new one in the same family. If a
// revoked token is presented again, the storage layer revokes the whole family (reuse
// detection, DESIGN.md "Security hardening").
//
// All functions are thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace clv::security {

inline constexpr std::string_view kRefreshTokenPrefix = "clvr_";
inline constexpr std::size_t kRefreshTokenLength = 5 + 43;

// A new refresh token, as handed to the client once.
std::string NewRefreshToken();

// Cheap shape check (prefix, length, alphabet) so that garbage is rejected before any
// storage lookup. Does not say the token exists.
bool IsWellFormedRefreshToken(std::string_view token);

// The form stored and looked up: lower-case hex SHA-256 of the whole token (64 characters).
std::string HashToken(std::string_view token);

// A new id for a refresh-token family: 128 random bits as 32 hex characters.
std::string NewTokenFamilyId();

}  // namespace clv::security
