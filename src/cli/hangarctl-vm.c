/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-cli"
#include "config.h"

#include "hangarctl.h"

/* start stop kill pause resume reset snapshot media screenshot send-key
 * monitor console: filled in by the process manager (issue 3). */
const HgCliCommand hg_cli_vm_commands[] = {
  { NULL }
};
