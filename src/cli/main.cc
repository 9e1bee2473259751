// `clv`: the one binary (serve, migrate, import, demo, user, fit, predict). Each subcommand
// lives in its own src/cli/<name>_command.cc and registers itself in cli/commands.h.
#include "cli/commands.h"

int main(int argc, char** argv) { return clv::cli::Main(argc, argv); }
