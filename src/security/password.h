// Password hashing with argon2id (libsodium crypto_pwhash_str) and the password policy.
//
// Stored hashes are libsodium's self-describing strings ("$argon2id$v=19$m=65536,t=2,p=1$…"),
// so the parameters live with each hash and can be raised later: NeedsRehash tells the login
// path when to re-hash a password it has just verified.
//
// Timing: Verify is constant-time in the password (libsodium). To make "unknown e-mail" cost
// the same as "wrong password", the login path calls DummyVerify when no user matches; it
// runs a full verification against a hash made with this hasher's parameters.
//
// Thread safety: a PasswordHasher is immutable after construction; all methods may be called
// concurrently. Each Hash/Verify allocates `memlimit` bytes for its duration.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

#include "core/status.h"

namespace clv::security {

// Password policy, applied when a password is set (register, change, reset) — never on
// login, so that an old password that predates a policy change still works.
inline constexpr std::size_t kMinPasswordChars = 10;    // Unicode code points
inline constexpr std::size_t kMaxPasswordBytes = 1024;  // bounds hashing work per request

// OK, or InvalidArgument with a message fit to show the user ("password must be at least 10
// characters"). Characters are counted as UTF-8 code points.
Status CheckPasswordPolicy(std::string_view password);

struct Argon2Params {
  std::uint64_t opslimit = 0;
  std::size_t memlimit_bytes = 0;

  // libsodium's INTERACTIVE limits (2 passes, 64 MiB): the production default.
  static Argon2Params Interactive();
  // libsodium's MIN limits (1 pass, 8 KiB). Only for tests: fast, and still a valid
  // argon2id hash that production code can verify (and will flag with NeedsRehash).
  static Argon2Params Minimum();
};

class PasswordHasher {
 public:
  // Aborts (CLV_CHECK) if `params` are below libsodium's MIN: that is a programming error,
  // never user input. Cheap: the hash DummyVerify checks against is made by PrepareDummy or
  // the first DummyVerify (one hashing, ~80 ms with Interactive), so commands that never log
  // anyone in (`clv import`, `clv user list`) do not pay for it.
  explicit PasswordHasher(Argon2Params params = Argon2Params::Interactive());

  // The argon2id string for `password` after CheckPasswordPolicy; InvalidArgument when the
  // policy fails, Internal when libsodium cannot allocate memlimit bytes.
  Result<std::string> Hash(std::string_view password) const;

  // True iff `password` matches `hash`. False for a wrong password, for a malformed or
  // non-argon2 hash and for passwords over kMaxPasswordBytes (which no hash can match).
  bool Verify(std::string_view password, std::string_view hash) const;

  // Burns the time of one Verify and returns false; for logins with an unknown e-mail.
  bool DummyVerify(std::string_view password) const;
  // Makes DummyVerify's hash now. A server calls it before it accepts logins, so that its first
  // login with an unknown e-mail takes as long as every later one. Thread-safe, idempotent.
  void PrepareDummy() const;

  // True if `hash` was made with parameters other than this hasher's (or is not a valid
  // argon2id string): after a successful Verify the caller should store Hash(password).
  bool NeedsRehash(std::string_view hash) const;

  const Argon2Params& params() const { return params_; }

 private:
  Argon2Params params_;
  mutable std::once_flag dummy_once_;
  mutable std::string dummy_hash_;  // set once, under dummy_once_
};

}  // namespace clv::security
