/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-spawn"
#define _GNU_SOURCE 1 /* memfd_create */

#include "config.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
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

/* ------------------------------------------------------------------ */
/* Running a tool with a deadline (argv only, never a shell) */

typedef struct {
  gboolean  done;
  gboolean  timed_out;
  GBytes   *out;
  GError   *error;
} RunData;

static void
run_communicated (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  RunData *data = user_data;

  g_subprocess_communicate_finish (G_SUBPROCESS (source), result, &data->out, NULL,
                                   &data->error);
  data->done = TRUE;
}

static gboolean
run_deadline (gpointer user_data)
{
  RunData *data = user_data;

  data->timed_out = TRUE;
  return G_SOURCE_REMOVE;
}

gboolean
hg_spawn_work_run (const char * const *argv,
                   const char         *stdin_text,
                   guint               timeout_ms,
                   char              **out_text,
                   int                *out_status)
{
  g_autoptr(GMainContext) ctx = g_main_context_new ();
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GSource) deadline = NULL;
  g_autoptr(GError) error = NULL;
  RunData data = { 0 };
  gboolean ok = FALSE;

  g_main_context_push_thread_default (ctx);

  /* stdin is a memory file, not a pipe: a child that exits without
   * reading it cannot kill us with SIGPIPE */
  launcher = hg_spawn_work_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                         G_SUBPROCESS_FLAGS_STDERR_MERGE);
  {
    int fd = memfd_create ("hangar-stdin", MFD_CLOEXEC);
    gsize len = stdin_text ? strlen (stdin_text) : 0;

    if (fd < 0 || (len > 0 && write (fd, stdin_text, len) != (gssize) len) ||
        lseek (fd, 0, SEEK_SET) != 0)
      {
        g_debug ("Cannot prepare the input of %s: %s", argv[0], g_strerror (errno));
        if (fd >= 0)
          close (fd);
        goto out;
      }
    g_subprocess_launcher_take_stdin_fd (launcher, fd);
  }
  proc = g_subprocess_launcher_spawnv (launcher, argv, &error);
  if (proc == NULL)
    {
      g_debug ("Cannot run %s: %s", argv[0], error->message);
      goto out;
    }

  g_subprocess_communicate_async (proc, NULL, NULL, run_communicated, &data);

  deadline = g_timeout_source_new (timeout_ms);
  g_source_set_callback (deadline, run_deadline, &data, NULL);
  g_source_attach (deadline, ctx);

  while (!data.done && !data.timed_out)
    g_main_context_iteration (ctx, TRUE);

  if (!data.done)
    {
      g_debug ("%s did not finish within %u ms, killing it", argv[0], timeout_ms);
      g_subprocess_force_exit (proc);
      /* The pipes close when it dies; wait for that, without a second
       * unbounded wait if the process cannot be killed. */
      g_source_destroy (deadline);
      g_clear_pointer (&deadline, g_source_unref);
      data.timed_out = FALSE;
      deadline = g_timeout_source_new (2000);
      g_source_set_callback (deadline, run_deadline, &data, NULL);
      g_source_attach (deadline, ctx);
      while (!data.done && !data.timed_out)
        g_main_context_iteration (ctx, TRUE);
      goto out;
    }

  if (data.error != NULL)
    {
      g_debug ("Cannot read the output of %s: %s", argv[0], data.error->message);
      goto out;
    }

  if (!g_subprocess_get_if_exited (proc))
    goto out;

  if (out_status != NULL)
    *out_status = g_subprocess_get_exit_status (proc);
  if (out_text != NULL)
    {
      gsize len = 0;
      const char *bytes = data.out ? g_bytes_get_data (data.out, &len) : "";
      /* empty GBytes have NULL data */
      *out_text = bytes != NULL ? g_strndup (bytes, len) : g_strdup ("");
    }
  ok = TRUE;

out:
  if (deadline != NULL)
    g_source_destroy (deadline);
  g_clear_pointer (&data.out, g_bytes_unref);
  g_clear_error (&data.error);
  g_main_context_pop_thread_default (ctx);
  return ok;
}
