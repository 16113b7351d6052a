/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-swtpm"
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "hg-proc.h"
#include "hg-spawn.h"
#include "hg-swtpm.h"

/* swtpm for one VM: see hg-swtpm.h */

G_DEFINE_QUARK (hg-swtpm-error-quark, hg_swtpm_error)

char *
hg_swtpm_runtime_file (const HgRuntimePaths *paths,
                       const char           *name)
{
  g_return_val_if_fail (paths != NULL && name != NULL, NULL);
  return g_build_filename (paths->dir, name, NULL);
}

char *
hg_swtpm_find (GError **error)
{
  const char *env = g_getenv ("HANGAR_SWTPM");
  char *path;

  if (env != NULL && *env != '\0')
    path = g_file_test (env, G_FILE_TEST_IS_EXECUTABLE) ? g_strdup (env) : NULL;
  else
    path = g_find_program_in_path ("swtpm");
  if (path == NULL)
    g_set_error (error, HG_SWTPM_ERROR, HG_SWTPM_ERROR_NOT_INSTALLED,
                 _("The VM has a TPM, but swtpm is not installed (Debian package swtpm)"));
  return path;
}

gboolean
hg_swtpm_prepare_state (const char  *vm_dir,
                        GError     **error)
{
  g_autofree char *dir = NULL;
  struct stat st;

  g_return_val_if_fail (vm_dir != NULL, FALSE);

  dir = g_build_filename (vm_dir, HG_SWTPM_STATE_DIR, NULL);
  if (g_mkdir (dir, 0700) != 0 && errno != EEXIST)
    {
      int saved = errno;
      g_set_error (error, HG_SWTPM_ERROR, HG_SWTPM_ERROR_STATE,
                   _("Cannot make the TPM state folder %s: %s"), dir, g_strerror (saved));
      return FALSE;
    }
  /* a VM folder is untrusted: its tpm may lead anywhere */
  if (lstat (dir, &st) != 0 || !S_ISDIR (st.st_mode) || st.st_uid != getuid ())
    {
      g_set_error (error, HG_SWTPM_ERROR, HG_SWTPM_ERROR_STATE,
                   _("Refusing the TPM state folder %s: not a folder of yours (a symbolic "
                     "link or a file?)"), dir);
      return FALSE;
    }
  /* swtpm writes its files there: each must be a file of the folder */
  {
    g_autoptr(GDir) d = g_dir_open (dir, 0, error);
    const char *entry;

    if (d == NULL)
      return FALSE;
    while ((entry = g_dir_read_name (d)) != NULL)
      {
        g_autofree char *path = g_build_filename (dir, entry, NULL);

        if (lstat (path, &st) != 0 || !S_ISREG (st.st_mode) || st.st_uid != getuid ())
          {
            g_set_error (error, HG_SWTPM_ERROR, HG_SWTPM_ERROR_STATE,
                         _("Refusing the TPM state %s: not a regular file of yours "
                           "(a symbolic link?)"), path);
            return FALSE;
          }
      }
  }
  return TRUE;
}

/* A live swtpm whose --pid names this runtime folder's pidfile */
static GPid
find_leftover (const HgRuntimePaths *paths,
               int                  *out_pidfd)
{
  g_autofree char *pidfile = hg_swtpm_runtime_file (paths, HG_SWTPM_PIDFILE);
  g_autofree char *pid_opt = g_strconcat ("file=", pidfile, NULL);
  g_autofree char *exe = NULL;
  g_auto(GStrv) argv = NULL;
  GPid pid = 0;
  int pidfd;

  *out_pidfd = -1;
  if (!hg_proc_read_pidfile (pidfile, &pid, NULL) || pid <= 1)
    return 0;
  /* the pidfd first, then the proof: a signal through it cannot reach a
   * process that took the pid meanwhile */
  pidfd = hg_proc_pidfd_open (pid);
  exe = hg_proc_exe_name (pid);
  argv = hg_proc_cmdline (pid);
  if (exe == NULL || strcmp (exe, "swtpm") != 0 ||
      !hg_proc_argv_has_pair ((const char * const *) argv, "--pid", pid_opt) ||
      !hg_proc_pid_is_alive (pid))
    {
      if (pidfd >= 0)
        close (pidfd);
      return 0;
    }
  *out_pidfd = pidfd;
  return pid;
}

void
hg_swtpm_kill_leftover (const HgRuntimePaths *paths)
{
  int pidfd = -1;
  GPid pid;

  g_return_if_fail (paths != NULL);

  pid = find_leftover (paths, &pidfd);
  if (pid == 0)
    return;
  g_debug ("killing swtpm %d left by a start of %s", (int) pid, paths->dir);
  hg_proc_kill_and_wait (pid, pidfd);
}

static void
own_session (gpointer user_data)
{
  /* as QEMU: no terminal signal of ours reaches it */
  setsid ();
}

GSubprocess *
hg_swtpm_spawn (const char           *swtpm,
                const char           *vm_dir,
                const HgRuntimePaths *paths,
                int                   ctrl_fd,
                GError              **error)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autofree char *state = g_build_filename (vm_dir, HG_SWTPM_STATE_DIR, NULL);
  g_autofree char *state_opt = NULL;
  g_autofree char *ctrl_opt = g_strdup_printf ("type=unixio,fd=%d", HG_SWTPM_CTRL_FD);
  g_autofree char *pidfile = hg_swtpm_runtime_file (paths, HG_SWTPM_PIDFILE);
  g_autofree char *pid_opt = g_strconcat ("file=", pidfile, NULL);
  g_autofree char *log = hg_swtpm_runtime_file (paths, HG_SWTPM_LOG);
  GSubprocess *proc;
  int log_fd;

  g_return_val_if_fail (swtpm != NULL && vm_dir != NULL && paths != NULL, NULL);

  /* swtpm's options are comma lists: a comma in the folder would add one */
  if (strchr (state, ',') != NULL)
    {
      close (ctrl_fd);
      g_set_error (error, HG_SWTPM_ERROR, HG_SWTPM_ERROR_STATE,
                   _("The TPM state folder %s has a comma in its path, which swtpm cannot take"),
                   state);
      return NULL;
    }
  state_opt = g_strconcat ("dir=", state, ",mode=0600", NULL);

  g_unlink (pidfile);
  log_fd = open (log, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (log_fd < 0)
    {
      int saved = errno;
      close (ctrl_fd);
      g_set_error (error, HG_SWTPM_ERROR, HG_SWTPM_ERROR_SPAWN,
                   _("Cannot open the swtpm log %s: %s"), log, g_strerror (saved));
      return NULL;
    }

  {
    const char *argv[] = { swtpm, "socket", "--tpm2",
                           "--tpmstate", state_opt,
                           "--ctrl", ctrl_opt,
                           "--terminate",
                           "--pid", pid_opt,
                           NULL };

    launcher = hg_spawn_launcher_new (G_SUBPROCESS_FLAGS_NONE);
    g_subprocess_launcher_take_stdout_fd (launcher, dup (log_fd));
    g_subprocess_launcher_take_stderr_fd (launcher, log_fd);
    g_subprocess_launcher_take_fd (launcher, ctrl_fd, HG_SWTPM_CTRL_FD);
    g_subprocess_launcher_set_cwd (launcher, "/");
    g_subprocess_launcher_set_child_setup (launcher, own_session, NULL, NULL);
    proc = g_subprocess_launcher_spawnv (launcher, argv, error);
  }
  if (proc == NULL)
    {
      g_prefix_error (error, _("Cannot run swtpm: "));
      if (error != NULL && *error != NULL)
        {
          (*error)->domain = HG_SWTPM_ERROR;
          (*error)->code = HG_SWTPM_ERROR_SPAWN;
        }
    }
  return proc;
}

char *
hg_swtpm_log_error (const HgRuntimePaths *paths)
{
  g_autofree char *log = hg_swtpm_runtime_file (paths, HG_SWTPM_LOG);
  g_autofree char *tail = hg_proc_log_tail (log, 8);
  g_auto(GStrv) lines = g_strsplit (tail, "\n", -1);
  g_autoptr(GString) out = g_string_new (NULL);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_strstrip (lines[i]);
      /* its notes that QEMU went away say nothing about why */
      if (lines[i][0] == '\0' || g_str_has_suffix (lines[i], "client disconnected"))
        continue;
      if (out->len > 0)
        g_string_append (out, "; ");
      g_string_append (out, lines[i]);
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}
