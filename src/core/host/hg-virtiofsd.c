/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-virtiofsd"
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "hg-proc.h"
#include "hg-spawn.h"
#include "hg-virtiofsd.h"

/* virtiofsd for one share: see hg-virtiofsd.h */

G_DEFINE_QUARK (hg-virtiofsd-error-quark, hg_virtiofsd_error)

#define MAX_SHARES 1000   /* [share:0] .. [share:999] */
/* in virtiofsd's environment: its socket's path, the proof that a
 * virtiofsd is this runtime folder's (its command line names only fd 3) */
#define SOCKET_ENV "HANGAR_VIRTIOFS_SOCKET"

char *
hg_virtiofsd_runtime_file (const HgRuntimePaths *paths,
                           guint                 index,
                           const char           *suffix)
{
  g_autofree char *name = NULL;

  g_return_val_if_fail (paths != NULL && suffix != NULL, NULL);
  name = g_strdup_printf ("virtiofs-%u.%s", index, suffix);
  return g_build_filename (paths->dir, name, NULL);
}

typedef struct {
  char     *virtiofsd;   /* NULL: not usable */
  char     *unshare;     /* NULL: runs as it is (root) */
  char     *why;
} Probe;

static gboolean
file_says_zero (const char *path)
{
  g_autofree char *text = NULL;

  return g_file_get_contents (path, &text, NULL, NULL) && g_strstrip (text)[0] == '0';
}

static Probe *
probe (void)
{
  static Probe result;
  static gsize once = 0;

  if (g_once_init_enter (&once))
    {
      const char *env = g_getenv ("HANGAR_VIRTIOFSD");
      const char *candidates[] = { "/usr/lib/qemu/virtiofsd", "/usr/libexec/virtiofsd" };

      if (env != NULL && *env != '\0')
        {
          if (g_str_equal (env, "none"))
            result.why = g_strdup (_("virtiofs is turned off (HANGAR_VIRTIOFSD=none)"));
          else if (g_path_is_absolute (env) && g_file_test (env, G_FILE_TEST_IS_EXECUTABLE))
            result.virtiofsd = g_strdup (env);
          else
            result.why = g_strdup_printf (_("HANGAR_VIRTIOFSD=%s is not an executable file"), env);
        }
      else
        {
          for (guint i = 0; i < G_N_ELEMENTS (candidates) && result.virtiofsd == NULL; i++)
            if (g_file_test (candidates[i], G_FILE_TEST_IS_EXECUTABLE))
              result.virtiofsd = g_strdup (candidates[i]);
          if (result.virtiofsd == NULL)
            result.why = g_strdup (_("virtiofsd is not installed (Debian 12: package "
                                     "qemu-system-common; later: virtiofsd)"));
        }
      if (result.virtiofsd != NULL && getuid () != 0)
        {
          /* its sandbox needs root: a user namespace gives that */
          if (g_file_test ("/usr/bin/unshare", G_FILE_TEST_IS_EXECUTABLE))
            result.unshare = g_strdup ("/usr/bin/unshare");
          if (result.unshare == NULL)
            result.why = g_strdup (_("virtiofsd needs a user namespace, and unshare (package "
                                     "util-linux) is missing"));
          else if (file_says_zero ("/proc/sys/user/max_user_namespaces") ||
                   file_says_zero ("/proc/sys/kernel/unprivileged_userns_clone"))
            result.why = g_strdup (_("virtiofsd needs a user namespace, and this host allows "
                                     "none to users (sysctl user.max_user_namespaces or "
                                     "kernel.unprivileged_userns_clone)"));
          if (result.why != NULL)
            g_clear_pointer (&result.virtiofsd, g_free);
        }
      g_once_init_leave (&once, 1);
    }
  return &result;
}

gboolean
hg_virtiofsd_usable (char **why)
{
  Probe *p = probe ();

  if (why != NULL)
    *why = g_strdup (p->why);
  return p->virtiofsd != NULL;
}

static void
own_session (gpointer user_data)
{
  /* as QEMU: no terminal signal of ours reaches it */
  setsid ();
}

static gboolean
write_pidfile (const char  *pidfile,
               GPid         pid,
               GError     **error)
{
  g_autofree char *text = g_strdup_printf ("%d\n", (int) pid);

  g_unlink (pidfile);
  return g_file_set_contents_full (pidfile, text, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, error);
}

GSubprocess *
hg_virtiofsd_spawn (const char           *folder,
                    const HgRuntimePaths *paths,
                    guint                 index,
                    int                   listen_fd,
                    GError              **error)
{
  Probe *p = probe ();
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autofree char *fd_opt = g_strdup_printf ("--fd=%d", HG_VIRTIOFSD_FD);
  g_autofree char *source_opt = NULL;
  g_autofree char *log = hg_virtiofsd_runtime_file (paths, index, "log");
  g_autofree char *pidfile = hg_virtiofsd_runtime_file (paths, index, "pid");
  GSubprocess *proc;
  int log_fd;

  g_return_val_if_fail (folder != NULL && paths != NULL, NULL);

  if (p->virtiofsd == NULL)
    {
      close (listen_fd);
      g_set_error (error, HG_VIRTIOFSD_ERROR, HG_VIRTIOFSD_ERROR_UNUSABLE,
                   _("virtiofs cannot run here: %s"), p->why);
      return NULL;
    }
  /* -o takes a comma list: a comma in the folder would add an option */
  if (strchr (folder, ',') != NULL)
    {
      close (listen_fd);
      g_set_error (error, HG_VIRTIOFSD_ERROR, HG_VIRTIOFSD_ERROR_UNUSABLE,
                   _("The folder %s has a comma in its path, which virtiofsd cannot take "
                     "(use transport=9p)"), folder);
      return NULL;
    }
  source_opt = g_strconcat ("source=", folder, NULL);
  log_fd = open (log, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (log_fd < 0)
    {
      int saved = errno;
      close (listen_fd);
      g_set_error (error, HG_VIRTIOFSD_ERROR, HG_VIRTIOFSD_ERROR_SPAWN,
                   _("Cannot open the virtiofsd log %s: %s"), log, g_strerror (saved));
      return NULL;
    }

  if (p->unshare != NULL)
    {
      g_ptr_array_add (argv, p->unshare);
      g_ptr_array_add (argv, (char *) "--user");
      g_ptr_array_add (argv, (char *) "--map-root-user");
      g_ptr_array_add (argv, (char *) "--");
    }
  g_ptr_array_add (argv, p->virtiofsd);
  g_ptr_array_add (argv, fd_opt);
  g_ptr_array_add (argv, (char *) "-o");
  g_ptr_array_add (argv, source_opt);
  g_ptr_array_add (argv, (char *) "-o");
  g_ptr_array_add (argv, (char *) "sandbox=namespace");
  g_ptr_array_add (argv, (char *) "-f");
  g_ptr_array_add (argv, NULL);

  launcher = hg_spawn_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  {
    g_autofree char *sock = hg_virtiofsd_runtime_file (paths, index, "sock");

    g_subprocess_launcher_setenv (launcher, SOCKET_ENV, sock, TRUE);
  }
  g_subprocess_launcher_take_stdout_fd (launcher, dup (log_fd));
  g_subprocess_launcher_take_stderr_fd (launcher, log_fd);
  g_subprocess_launcher_take_fd (launcher, listen_fd, HG_VIRTIOFSD_FD);
  g_subprocess_launcher_set_cwd (launcher, "/");
  g_subprocess_launcher_set_child_setup (launcher, own_session, NULL, NULL);
  proc = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, error);
  if (proc == NULL)
    {
      g_prefix_error (error, _("Cannot run virtiofsd: "));
      if (error != NULL && *error != NULL)
        {
          (*error)->domain = HG_VIRTIOFSD_ERROR;
          (*error)->code = HG_VIRTIOFSD_ERROR_SPAWN;
        }
      return NULL;
    }
  /* unshare execs virtiofsd: the same pid */
  if (!write_pidfile (pidfile, (GPid) g_ascii_strtoll (g_subprocess_get_identifier (proc), NULL, 10),
                      error))
    {
      g_subprocess_force_exit (proc);
      g_object_unref (proc);
      return NULL;
    }
  return proc;
}

/* TRUE if pid's environment has SOCKET_ENV=sock */
static gboolean
environ_names (GPid        pid,
               const char *sock)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/environ", (int) pid);
  g_autofree char *want = g_strconcat (SOCKET_ENV "=", sock, NULL);
  g_autofree char *data = NULL;
  gsize len = 0;

  if (!g_file_get_contents (path, &data, &len, NULL))
    return FALSE;
  for (gsize at = 0; at < len; at += strlen (data + at) + 1)
    if (strcmp (data + at, want) == 0)
      return TRUE;
  return FALSE;
}

/* A live virtiofsd whose pid this runtime folder's pidfile holds, proven
 * by its executable, its --fd and the socket its environment names */
static GPid
find_leftover (const char *pidfile,
               const char *sock,
               int        *out_pidfd)
{
  g_autofree char *exe = NULL;
  g_auto(GStrv) argv = NULL;
  g_autofree char *fd_opt = g_strdup_printf ("--fd=%d", HG_VIRTIOFSD_FD);
  GPid pid = 0;
  gboolean ours = FALSE;
  int pidfd;

  *out_pidfd = -1;
  if (!hg_proc_read_pidfile (pidfile, &pid, NULL) || pid <= 1)
    return 0;
  /* the pidfd first, then the proof */
  pidfd = hg_proc_pidfd_open (pid);
  exe = hg_proc_exe_name (pid);
  argv = hg_proc_cmdline (pid);
  if (exe != NULL && strcmp (exe, "virtiofsd") == 0 && argv != NULL)
    for (guint i = 0; argv[i] != NULL; i++)
      if (strcmp (argv[i], fd_opt) == 0)
        ours = TRUE;
  if (!ours || !environ_names (pid, sock) || !hg_proc_pid_is_alive (pid))
    {
      if (pidfd >= 0)
        close (pidfd);
      return 0;
    }
  *out_pidfd = pidfd;
  return pid;
}

void
hg_virtiofsd_kill_leftovers (const HgRuntimePaths *paths)
{
  g_return_if_fail (paths != NULL);

  for (guint i = 0; i < MAX_SHARES; i++)
    {
      g_autofree char *pidfile = hg_virtiofsd_runtime_file (paths, i, "pid");
      g_autofree char *sock = hg_virtiofsd_runtime_file (paths, i, "sock");
      int pidfd = -1;
      GPid pid;

      if (!g_file_test (pidfile, G_FILE_TEST_EXISTS))
        {
          if (i >= 16)
            break;
          continue;
        }
      pid = find_leftover (pidfile, sock, &pidfd);
      if (pid == 0)
        continue;
      g_debug ("killing virtiofsd %d left by a start of %s", (int) pid, paths->dir);
      hg_proc_kill_and_wait (pid, pidfd);
    }
  hg_virtiofsd_clean_runtime (paths);
}

void
hg_virtiofsd_clean_runtime (const HgRuntimePaths *paths)
{
  g_autoptr(GDir) dir = NULL;
  const char *name;

  g_return_if_fail (paths != NULL);

  dir = g_dir_open (paths->dir, 0, NULL);
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = NULL;

      if (!g_str_has_prefix (name, "virtiofs-") ||
          !(g_str_has_suffix (name, ".sock") || g_str_has_suffix (name, ".pid")))
        continue;
      path = g_build_filename (paths->dir, name, NULL);
      if (hg_runtime_check_path_safe (path, FALSE, NULL))
        g_unlink (path);
    }
}

char *
hg_virtiofsd_log_error (const HgRuntimePaths *paths,
                        guint                 index)
{
  g_autofree char *log = hg_virtiofsd_runtime_file (paths, index, "log");
  g_autofree char *tail = hg_proc_log_tail (log, 6);
  g_auto(GStrv) lines = g_strsplit (tail != NULL ? tail : "", "\n", -1);
  g_autoptr(GString) out = g_string_new (NULL);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_strstrip (lines[i]);
      /* its notes on waiting and on QEMU's going say nothing about why */
      if (lines[i][0] == '\0' || strstr (lines[i], "Waiting for vhost-user") != NULL)
        continue;
      if (out->len > 0)
        g_string_append (out, "; ");
      g_string_append (out, lines[i]);
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}
