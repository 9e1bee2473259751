// POST /auth/register, /auth/login, /auth/refresh, /auth/logout (DESIGN.md "API"). Public
// routes: they are how a caller gets a token. Thin: parse, call AccountService, render.
#pragma once

#include "http/router.h"
#include "service/accounts.h"

namespace clv::http {

void RegisterAuthRoutes(Router& router, service::AccountService& accounts);

}  // namespace clv::http
