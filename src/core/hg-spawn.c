/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-spawn"

#include "config.h"

#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "hg-spawn.h"

/* Passed on as they are, when set */
static const char * const kept[] = {
  "HOME", "USER", "LOGNAME",
  "LANG", "LANGUAGE", "TZ",
  "XDG_RUNTIME_DIR", "TMPDIR",
  "DISPLAY", "WAYLAND_DISPLAY", "XAUTHORITY",
  "ASAN_OPTIONS", "LSAN_OPTIONS", "UBSAN_OPTIONS",
};

static gboolean
is_kept (const char *name)
{
  if (g_str_has_prefix (name, "LC_"))
    return TRUE;
  for (guint i = 0; i < G_N_ELEMENTS (kept); i++)
    if (strcmp (name, kept[i]) == 0)
      return TRUE;
  return FALSE;
}

GStrv
hg_spawn_env_new (void)
{
  g_auto(GStrv) all = g_get_environ ();
  g_autoptr(GStrvBuilder) env = g_strv_builder_new ();

  g_strv_builder_add (env, "PATH=" HG_SPAWN_PATH);
  for (guint i = 0; all[i] != NULL; i++)
    {
      const char *eq = strchr (all[i], '=');
      g_autofree char *name = NULL;

      if (eq == NULL)
        continue;
      name = g_strndup (all[i], eq - all[i]);
      if (is_kept (name))
        g_strv_builder_add (env, all[i]);
    }
  return g_strv_builder_end (env);
}

GSubprocessLauncher *
hg_spawn_launcher_new (GSubprocessFlags flags)
{
  GSubprocessLauncher *launcher = g_subprocess_launcher_new (flags);
  g_auto(GStrv) env = hg_spawn_env_new ();

  g_subprocess_launcher_set_environ (launcher, env);
  return launcher;
}

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
hg_spawn_work_launcher_new (GSubprocessFlags flags)
{
  GSubprocessLauncher *launcher = hg_spawn_launcher_new (flags);

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

  launcher = hg_spawn_work_launcher_new (flags);
  return g_subprocess_launcher_spawnv (launcher, argv, error);
}
