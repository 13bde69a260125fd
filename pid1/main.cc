#include <unistd.h>

#include "pid1/boot.h"
#include "pid1/cli.h"

int main(int argc, char** argv) {
  if (getpid() == 1) ccinit::pid1::boot_as_pid1();
  return ccinit::pid1::run_cli(argc, argv);
}
