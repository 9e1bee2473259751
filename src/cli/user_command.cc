// `clv user create|list|reset-password`: the operator's account management, without tokens.
// Passwords are read from standard input (--password-stdin) or generated and printed once;
// they never appear on a command line, where other users of the machine could see them.
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "cli/platform.h"
#include "core/time.h"
#include "security/random.h"

namespace clv::cli {
namespace {

struct UserOptions {
  std::string action;
  std::string email;
  std::string organization;
  std::int64_t tenant = 0;
  std::string role = "viewer";
  bool password_stdin = false;
};

// The password to set, and whether it was generated (then it is printed).
Result<std::pair<std::string, bool>> ObtainPassword(bool from_stdin) {
  if (from_stdin) {
    std::string line;
    if (!std::getline(std::cin, line)) return InvalidArgument("no password on standard input");
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return std::make_pair(line, false);
  }
  return std::make_pair(security::RandomToken(15), true);  // 120 bits, 20 characters
}

int RunUser(const UserOptions& o) {
  int exit_code = kExitOk;
  std::unique_ptr<http::Application> app = OpenApplication("user", &exit_code);
  if (!app) return exit_code;

  if (o.action == "list") {
    if (o.tenant <= 0) {
      PrintError("user", "list needs --tenant ID");
      return kExitUsage;
    }
    Result<std::vector<User>> users = app->store().ListUsers(TenantId{o.tenant});
    if (!users.ok()) return ReportStatus("user", users.status());
    std::printf("%-8s %-40s %-8s %s\n", "id", "email", "role", "created_at");
    for (const User& u : *users) {
      std::printf("%-8lld %-40s %-8s %s\n", static_cast<long long>(u.id.value), u.email.c_str(),
                  std::string(RoleName(u.role)).c_str(), FormatRfc3339(u.created_at_us).c_str());
    }
    return kExitOk;
  }

  if (o.email.empty()) {
    PrintError("user", o.action + " needs --email");
    return kExitUsage;
  }
  Result<std::pair<std::string, bool>> password = ObtainPassword(o.password_stdin);
  if (!password.ok()) return ReportStatus("user", password.status());
  const auto& [secret, generated] = *password;

  if (o.action == "create") {
    if ((o.tenant > 0) == !o.organization.empty()) {
      PrintError("user", "create needs exactly one of --organization NAME (a new organization "
                         "with this user as owner) or --tenant ID --role ROLE");
      return kExitUsage;
    }
    if (!o.organization.empty()) {
      Result<service::Registration> reg = app->accounts().Register(o.email, secret, o.organization);
      if (!reg.ok()) return ReportStatus("user", reg.status());
      std::printf("created organization %lld \"%s\" with owner %s (user %lld)\n",
                  static_cast<long long>(reg->tenant.id.value), reg->tenant.name.c_str(),
                  reg->user.email.c_str(), static_cast<long long>(reg->user.id.value));
    } else {
      std::optional<Role> role = ParseRole(o.role);
      if (!role) {
        PrintError("user", "--role must be owner, admin, analyst or viewer");
        return kExitUsage;
      }
      Result<User> user = app->accounts().CreateUser(TenantId{o.tenant}, o.email, secret, *role);
      if (!user.ok()) return ReportStatus("user", user.status());
      std::printf("created user %lld %s (%s) in organization %lld\n",
                  static_cast<long long>(user->id.value), user->email.c_str(),
                  std::string(RoleName(user->role)).c_str(), static_cast<long long>(o.tenant));
    }
  } else {  // reset-password
    Status s = app->accounts().ResetPassword(o.email, secret);
    if (!s.ok()) return ReportStatus("user", s);
    std::printf("password reset for %s; their sessions were signed out\n", o.email.c_str());
  }
  if (generated) std::printf("password: %s\n", secret.c_str());
  return kExitOk;
}

CommandRunner SetupUser(CLI::App& cmd) {
  auto o = std::make_shared<UserOptions>();
  cmd.add_option("action", o->action, "create | list | reset-password")
      ->required()
      ->check(CLI::IsMember({"create", "list", "reset-password"}));
  cmd.add_option("--email", o->email, "The user's email (the login)");
  cmd.add_option("--organization", o->organization, "create: a new organization's name");
  cmd.add_option("--tenant", o->tenant, "Organization id");
  cmd.add_option("--role", o->role, "create: owner, admin, analyst or viewer")
      ->capture_default_str();
  cmd.add_flag("--password-stdin", o->password_stdin,
               "Read the password from standard input instead of generating one");
  return [o] { return RunUser(*o); };
}

}  // namespace

CLV_REGISTER_COMMAND(user, "Create, list and reset operator-managed users", SetupUser);

}  // namespace clv::cli
