#pragma once

namespace ccinit::pid1 {

// ccinit run as anything but PID 1: --version, --help, --dry-run [--cmdline "..."].
// Touches nothing; returns the exit status (0 ok, 2 bad usage or a bad command line).
int run_cli(int argc, char** argv);

}  // namespace ccinit::pid1
