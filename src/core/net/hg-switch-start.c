/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-switch"
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <glib-unix.h>

#include "hg-proc.h"
#include "hg-runtime.h"
#include "hg-switch-private.h"
#include "hg-spawn.h"

#define STOP_TIMEOUT_MS      3000
#define RETRY_MS             20

/* ---- directories ---------------------------------------------------------- */

static gboolean
prepare_dirs (HgSwitch  *self,
              GError   **error)
{
  g_autofree char *switches = g_build_filename (self->root, "switches", NULL);
  struct sockaddr_un sun;

  if (strlen (self->ctl) >= sizeof sun.sun_path || strlen (self->mgmt) >= sizeof sun.sun_path)
    {
      g_set_error (error, HG_SWITCH_ERROR, HG_SWITCH_ERROR_INVALID_NAME,
                   _("The sockets of switch '%s' would be under %s, a path too long "
                     "for a UNIX socket (%zu bytes at most)"),
                   self->name, self->dir, sizeof sun.sun_path - 1);
      return FALSE;
    }
  if (!hg_runtime_ensure_dir (self->root, error) ||
      !hg_runtime_ensure_dir (switches, error) ||
      !hg_runtime_ensure_dir (self->dir, error))
    return hg_runtime_error_retag (error, HG_SWITCH_ERROR, HG_SWITCH_ERROR_UNSAFE_PATH);
  return TRUE;
}

/* A path in the switch dir must be absent, or a non-symlink we own. */
static gboolean
check_safe (const char  *path,
            GError     **error)
{
  return hg_runtime_check_path_safe (path, TRUE, error) ||
         hg_runtime_error_retag (error, HG_SWITCH_ERROR, HG_SWITCH_ERROR_UNSAFE_PATH);
}

/* What a dead switch left behind: its sockets and pidfile (never the log). */
gboolean
_hg_switch_clean_stale (HgSwitch  *self,
                      GError   **error)
{
  g_autoptr(GDir) d = NULL;
  const char *name;

  if (!check_safe (self->mgmt, error) || !check_safe (self->pidfile, error) ||
      !check_safe (self->data, error))
    return FALSE;
  g_unlink (self->mgmt);
  g_unlink (self->pidfile);
  d = g_dir_open (self->data, 0, NULL);
  if (d != NULL)
    {
      while ((name = g_dir_read_name (d)) != NULL)
        {
          g_autofree char *path = g_build_filename (self->data, name, NULL);
          if (!check_safe (path, error))
            return FALSE;
          g_unlink (path);
        }
      g_rmdir (self->data);
    }
  return TRUE;
}

static int
take_lock (HgSwitch  *self,
           GError   **error)
{
  GError *local = NULL;
  int fd = hg_proc_lock_file (self->lock, &local);

  if (fd >= 0)
    return fd;
  if (g_error_matches (local, G_IO_ERROR, G_IO_ERROR_BUSY))
    g_set_error (error, HG_SWITCH_ERROR, HG_SWITCH_ERROR_BUSY,
                 _("Switch '%s' is being started or stopped by another process"), self->name);
  else
    g_set_error_literal (error, HG_SWITCH_ERROR, HG_SWITCH_ERROR_UNSAFE_PATH, local->message);
  g_error_free (local);
  return -1;
}

static gboolean
secure_sockets (HgSwitch  *self,
                GError   **error)
{
  struct {
    const char *path;
    mode_t      mode;
  } items[] = {
    { self->data, 0700 },
    { self->ctl,  0600 },
    { self->mgmt, 0600 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (items); i++)
    {
      if (!check_safe (items[i].path, error))
        return FALSE;
      if (g_chmod (items[i].path, items[i].mode) != 0)
        {
          int saved = errno;
          g_set_error (error, HG_SWITCH_ERROR, HG_SWITCH_ERROR_FAILED,
                       _("Cannot set the mode of %s: %s"), items[i].path, g_strerror (saved));
          return FALSE;
        }
    }
  return TRUE;
}

/* ---- start ---------------------------------------------------------------- */

typedef struct {
  int          lock_fd;
  GSubprocess *subprocess;
  GPid         pid;
  GCancellable *wait_cancel;
  GSource     *retry_source;
  GSource     *deadline_source;
  gboolean     done;
} StartData;

static void
stop_start_sources (StartData *d)
{
  if (d->retry_source != NULL)
    g_source_destroy (d->retry_source);
  g_clear_pointer (&d->retry_source, g_source_unref);
  if (d->deadline_source != NULL)
    g_source_destroy (d->deadline_source);
  g_clear_pointer (&d->deadline_source, g_source_unref);
  if (d->wait_cancel != NULL)
    g_cancellable_cancel (d->wait_cancel);
  g_clear_object (&d->wait_cancel);
}

/* The lock goes with the answer, not with the task: a caller that starts
 * the switch again from its callback (or right after its wait) must not
 * find its own finished start still holding it. */
static void
release_lock (StartData *d)
{
  hg_proc_unlock_file (d->lock_fd);
  d->lock_fd = -1;
}

static void
start_data_free (StartData *d)
{
  stop_start_sources (d);
  release_lock (d);
  g_clear_object (&d->subprocess);
  g_free (d);
}

static void
child_setup (gpointer user_data)
{
  /* its own session: it outlives us, and no terminal signal of ours reaches it */
  setsid ();
}

static void
start_fail (GTask  *task,
            GError *error)
{
  StartData *d = g_task_get_task_data (task);
  HgSwitch *self = g_task_get_source_object (task);

  if (d->done)
    {
      g_error_free (error);
      return;
    }
  d->done = TRUE;
  stop_start_sources (d);
  if (d->subprocess != NULL)
    {
      g_subprocess_force_exit (d->subprocess);
      _hg_switch_clean_stale (self, NULL);
    }
  release_lock (d);
  g_task_return_error (task, error);
}

static void
start_succeed (GTask *task)
{
  StartData *d = g_task_get_task_data (task);
  HgSwitch *self = g_task_get_source_object (task);
  GError *error = NULL;

  if (!secure_sockets (self, &error))
    {
      start_fail (task, error);
      return;
    }
  d->done = TRUE;
  stop_start_sources (d);
  g_debug ("switch %s runs as pid %d", self->name, (int) d->pid);
  _hg_switch_set_running (self, d->pid);
  if (self->arm_watch != NULL)
    self->arm_watch (self);
  release_lock (d);
  g_task_return_boolean (task, TRUE);
}

static void
on_start_exited (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  StartData *d = g_task_get_task_data (task);
  HgSwitch *self = g_task_get_source_object (task);
  g_autofree char *tail = NULL;

  if (!g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL) || d->done)
    return;
  tail = hg_proc_log_tail (self->log, 5);
  g_strstrip (tail);
  start_fail (task, g_error_new (HG_SWITCH_ERROR, HG_SWITCH_ERROR_SPAWN,
                                 _("vde_switch for switch '%s' exited at once: %s"),
                                 self->name, *tail != '\0' ? tail : _("(no output)")));
}

static gboolean
on_start_deadline (gpointer user_data)
{
  GTask *task = user_data;
  HgSwitch *self = g_task_get_source_object (task);

  start_fail (task, g_error_new (HG_SWITCH_ERROR, HG_SWITCH_ERROR_TIMEOUT,
                                 _("Switch '%s' did not create %s within %d ms"),
                                 self->name, self->mgmt, HG_SWITCH_START_TIMEOUT_MS));
  return G_SOURCE_REMOVE;
}

static gboolean
on_start_retry (gpointer user_data)
{
  GTask *task = user_data;
  StartData *d = g_task_get_task_data (task);
  HgSwitch *self = g_task_get_source_object (task);

  if (d->done)
    return G_SOURCE_REMOVE;
  if (g_task_return_error_if_cancelled (task))
    {
      d->done = TRUE;
      stop_start_sources (d);
      if (d->subprocess != NULL)
        g_subprocess_force_exit (d->subprocess);
      return G_SOURCE_REMOVE;
    }
  /* both sockets exist and the management socket takes a connection */
  if (g_file_test (self->ctl, G_FILE_TEST_EXISTS) && _hg_switch_mgmt_connectable (self->mgmt))
    {
      g_clear_pointer (&d->retry_source, g_source_unref);
      start_succeed (task);
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

static int
open_log (const char  *path,
          GError     **error)
{
  int fd = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);

  if (fd < 0)
    {
      int saved = errno;
      g_set_error (error, HG_SWITCH_ERROR, HG_SWITCH_ERROR_UNSAFE_PATH,
                   _("Cannot write the switch log %s: %s"), path, g_strerror (saved));
    }
  return fd;
}

void
hg_switch_start_async (HgSwitch            *self,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autofree char *program = NULL;
  GError *error = NULL;
  StartData *d;
  GPid running;
  int log_fd, err_fd;
  int stdin_pipe[2];

  g_return_if_fail (HG_IS_SWITCH (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, hg_switch_start_async);
  d = g_new0 (StartData, 1);
  d->lock_fd = -1;
  g_task_set_task_data (task, d, (GDestroyNotify) start_data_free);

  if (self->vde_switch != NULL)
    program = g_strdup (self->vde_switch);
  else
    program = g_find_program_in_path ("vde_switch");
  if (program == NULL)
    {
      g_task_return_new_error (task, HG_SWITCH_ERROR, HG_SWITCH_ERROR_MISSING,
                               _("vde_switch is not installed (Debian package vde2), "
                                 "switch '%s' cannot run"), self->name);
      return;
    }
  if (!prepare_dirs (self, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  d->lock_fd = take_lock (self, &error);
  if (d->lock_fd < 0)
    {
      g_task_return_error (task, error);
      return;
    }
  running = hg_switch_find_running (self);
  if (running != 0)
    {
      _hg_switch_set_running (self, running);
      if (self->arm_watch != NULL)
        self->arm_watch (self);
      release_lock (d);
      g_task_return_boolean (task, TRUE);
      return;
    }
  if (!_hg_switch_clean_stale (self, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  g_unlink (self->stop_marker);
  log_fd = open_log (self->log, &error);
  if (log_fd < 0)
    {
      g_task_return_error (task, error);
      return;
    }
  /* Not daemonised (-d) so that we know its pid at once; its console reads
   * stdin and ends on EOF, so stdin is a pipe whose write end the switch
   * itself holds (fd 3): it never sees EOF, whoever of us goes away. */
  if (!g_unix_open_pipe (stdin_pipe, FD_CLOEXEC, &error))
    {
      close (log_fd);
      g_task_return_error (task, error);
      return;
    }
  err_fd = dup (log_fd);
  launcher = hg_spawn_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_subprocess_launcher_take_stdin_fd (launcher, stdin_pipe[0]);
  g_subprocess_launcher_take_fd (launcher, stdin_pipe[1], 3);
  g_subprocess_launcher_take_stdout_fd (launcher, log_fd);
  g_subprocess_launcher_take_stderr_fd (launcher, err_fd);
  g_subprocess_launcher_set_cwd (launcher, self->dir);
  g_subprocess_launcher_set_child_setup (launcher, child_setup, NULL, NULL);
  d->subprocess = g_subprocess_launcher_spawn (launcher, &error,
                                               program,
                                               "-s", self->data,
                                               "-m", "0600",
                                               "--dirmode", "0700",
                                               "-M", self->mgmt,
                                               "--mgmtmode", "0600",
                                               "-p", self->pidfile,
                                               NULL);
  if (d->subprocess == NULL)
    {
      g_prefix_error (&error, _("Cannot run %s for switch '%s': "), program, self->name);
      error->domain = HG_SWITCH_ERROR;
      error->code = HG_SWITCH_ERROR_SPAWN;
      g_task_return_error (task, error);
      return;
    }
  d->pid = (GPid) g_ascii_strtoll (g_subprocess_get_identifier (d->subprocess), NULL, 10);

  d->wait_cancel = g_cancellable_new ();
  g_subprocess_wait_async (d->subprocess, d->wait_cancel, on_start_exited, g_object_ref (task));
  d->deadline_source = g_timeout_source_new (HG_SWITCH_START_TIMEOUT_MS);
  g_source_set_callback (d->deadline_source, on_start_deadline, g_object_ref (task), g_object_unref);
  g_source_attach (d->deadline_source, g_task_get_context (task));
  d->retry_source = g_timeout_source_new (RETRY_MS);
  g_source_set_callback (d->retry_source, on_start_retry, g_object_ref (task), g_object_unref);
  g_source_attach (d->retry_source, g_task_get_context (task));
}

gboolean
hg_switch_start_finish (HgSwitch      *self,
                        GAsyncResult  *result,
                        GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == hg_switch_start_async, FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- stop ----------------------------------------------------------------- */

static gboolean
wait_pid_exit (GPid  pid,
               int   pidfd,
               guint timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + timeout_ms * (gint64) 1000;

  if (pidfd >= 0)
    {
      struct pollfd pfd = { .fd = pidfd, .events = POLLIN };
      int left;
      do
        {
          left = (int) ((deadline - g_get_monotonic_time ()) / 1000);
          if (left < 0)
            left = 0;
        }
      while (poll (&pfd, 1, left) < 0 && errno == EINTR);
      /* a zombie child of ours counts as gone */
      return (pfd.revents & POLLIN) != 0 || !hg_proc_pid_is_alive (pid);
    }
  return !hg_proc_pid_is_alive (pid);
}

gboolean
hg_switch_stop_sync (HgSwitch  *self,
                     GError   **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *answer = NULL;
  GPid pid;
  int pidfd;
  gboolean gone;

  g_return_val_if_fail (HG_IS_SWITCH (self), FALSE);

  pid = hg_switch_find_running (self);
  if (pid == 0)
    {
      g_set_error (error, HG_SWITCH_ERROR, HG_SWITCH_ERROR_NOT_RUNNING,
                   _("Switch '%s' is not running"), self->name);
      return FALSE;
    }
  pidfd = hg_proc_pidfd_open (pid);
  /* every watcher, in any process, must see this end as on purpose */
  g_file_set_contents (self->stop_marker, "", 0, NULL);
  /* "shutdown" ends the session without the usual status line */
  answer = hg_switch_mgmt_command_sync (self, "shutdown", NULL, &local_error);
  if (local_error != NULL)
    g_debug ("switch %s: shutdown: %s", self->name, local_error->message);
  gone = wait_pid_exit (pid, pidfd, STOP_TIMEOUT_MS);
  if (!gone)
    {
      g_clear_error (&local_error);
      if (!hg_proc_send_signal (pid, pidfd, SIGTERM, &local_error))
        g_debug ("switch %s: SIGTERM: %s", self->name, local_error->message);
      gone = wait_pid_exit (pid, pidfd, STOP_TIMEOUT_MS);
    }
  if (!gone)
    {
      hg_proc_send_signal (pid, pidfd, SIGKILL, NULL);
      gone = wait_pid_exit (pid, pidfd, STOP_TIMEOUT_MS);
    }
  if (pidfd >= 0)
    close (pidfd);
  if (!gone)
    {
      g_set_error (error, HG_SWITCH_ERROR, HG_SWITCH_ERROR_TIMEOUT,
                   _("Switch '%s' (pid %d) did not stop"), self->name, (int) pid);
      return FALSE;
    }
  /* a SIGKILLed switch leaves its sockets; a stopped one must not be
   * restarted by a watcher: no pidfile */
  _hg_switch_clean_stale (self, NULL);
  return TRUE;
}

/* ---- the VM start hook ---------------------------------------------------- */

static void
ensure_check_thread (GTask        *task,
                     gpointer      source_object,
                     gpointer      task_data,
                     GCancellable *cancellable)
{
  GError *error = NULL;

  /* libvdeplug's vde_open blocks: not on the caller's thread */
  if (hg_switch_check_answers (task_data, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
on_ensure_started (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (!hg_switch_start_finish (HG_SWITCH (source), result, &error))
    g_task_return_error (task, error);
  else
    g_task_run_in_thread (task, ensure_check_thread);
}

void
hg_switch_ensure_running_async (const char          *root,
                                const char          *name,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  GError *error = NULL;
  HgSwitch *sw;

  g_task_set_source_tag (task, hg_switch_ensure_running_async);
  if (!hg_switch_name_is_valid (name, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  sw = hg_switch_new (root, name);
  g_task_set_task_data (task, sw, g_object_unref);
  hg_switch_start_async (sw, cancellable, on_ensure_started, g_steal_pointer (&task));
}

gboolean
hg_switch_ensure_running_finish (GAsyncResult  *result,
                                 GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == hg_switch_ensure_running_async,
                        FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
