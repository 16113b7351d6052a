/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-spawn"
#include "config.h"

#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "hg-spawn.h"

/* In the child, between fork and exec: only async-signal-safe calls. */
static void
die_with_parent (gpointer user_data)
{
  pid_t parent = (pid_t) GPOINTER_TO_INT (user_data);

  if (prctl (PR_SET_PDEATHSIG, SIGKILL) != 0)
    _exit (127);
  /* the parent may have died before the line above: then we were
   * reparented already and no signal will ever come */
  if (getppid () != parent)
    _exit (127);
}

GSubprocessLauncher *
hg_spawn_launcher_new (GSubprocessFlags flags)
{
  GSubprocessLauncher *launcher = g_subprocess_launcher_new (flags);

  g_subprocess_launcher_set_child_setup (launcher, die_with_parent,
                                         GINT_TO_POINTER ((int) getpid ()), NULL);
  return launcher;
}

GSubprocess *
hg_spawn_work (const char * const *argv,
               GSubprocessFlags    flags,
               GError            **error)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;

  g_return_val_if_fail (argv != NULL && argv[0] != NULL, NULL);

  launcher = hg_spawn_launcher_new (flags);
  return g_subprocess_launcher_spawnv (launcher, argv, error);
}
